// @vitest-environment jsdom
// The Intercept panel on a REAL view of web (the GKE fixtures through the core's model and diagnosis)
// with the core's REAL health verdict (app/core/intercepts.ts healthVerdict) behind a fake transport.
import { act, cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ServiceDetail as Detail, SwitchboardApi } from "../../../app/contract/api.ts";
import type { InterceptPreview, InterceptSpec, TelepresenceStatusView } from "../../../app/contract/intercepts.ts";
import type { Finding, Fix } from "../../../app/contract/model.ts";
import { healthVerdict } from "../../../app/core/intercepts.ts";
import { diagnose } from "../../../app/diagnosis/diagnose.ts";
import shopJson from "../../../app/gke/fixtures/shop.json";
import telepresenceJson from "../../../app/gke/fixtures/telepresence.json";
import type { TelepresenceFacts } from "../../../app/gke/snapshot.ts";
import { snapshotFromItems } from "../../../app/gke/snapshot.ts";
import { createInterceptActions, initialInterceptsState, useIntercepts } from "../intercepts-store.ts";
import { useSettings } from "../settings-store.ts";
import { detailOf } from "../testing/details.ts";
import { InterceptPanel, InterceptToasts } from "./InterceptPanel.tsx";

function webDetail(clientVersion: string): Detail {
  const telepresence = { ...(structuredClone(telepresenceJson) as TelepresenceFacts), intercepts: [], clientVersion };
  const d = diagnose(snapshotFromItems(structuredClone(shopJson.items) as unknown[], { telepresence }));
  return detailOf(d.services.find((s) => s.service.name === "web")!);
}

const STATUS: TelepresenceStatusView = {
  phase: "disconnected",
  program: { found: true, path: "/usr/local/bin/telepresence", version: "2.27.1", error: null, capabilities: { httpFilter: true, wiretap: true, replace: true, leaveCommand: "leave" } },
  context: "shop",
  namespace: "shop",
  connection: { statusText: "Not connected", context: null, namespace: null, managerNamespace: null, trafficManagerVersion: null, inDocker: false, error: null },
  httpFilter: { available: true, reason: null },
  intercepts: [],
  error: null,
  busy: null,
  checkedAt: null,
};

function fakeApi(detail: Detail, filterAvailable: boolean) {
  const starts: InterceptSpec[] = [];
  const api = {
    "telepresence.status": async () => STATUS,
    "intercepts.preview": async (spec: InterceptSpec): Promise<InterceptPreview> => ({
      spec: { namespace: spec.namespace, service: spec.service, servicePort: spec.servicePort ?? null, localPort: spec.localPort, kind: spec.kind ?? "global", workload: "web", name: "web", header: spec.header ?? null },
      command: `telepresence intercept web --port ${spec.localPort}:${spec.servicePort} --service web --mount false${spec.header ? ` --http-header ${spec.header.name}=${spec.header.value}` : ""}`,
      commandError: null,
      connectCommand: null,
      localListener: { port: spec.localPort, listening: false, warning: `Nothing is listening on localhost:${spec.localPort} yet: intercepted requests will fail until your local service runs on that port.` },
      kinds: {
        global: { available: true, reason: null },
        "http-filtered": filterAvailable ? { available: true, reason: null } : { available: false, reason: "HTTP-filtered intercepts need telepresence 2.25 or newer; this client is 2.24.0." },
        wiretap: { available: true, reason: null },
        replace: { available: true, reason: null },
      },
      health: healthVerdict(detail, spec.servicePort ?? null, spec.kind ?? "global", filterAvailable),
      connected: false,
    }),
    "intercepts.start": async (spec: InterceptSpec) => {
      starts.push(spec);
      return { intercept: { key: "shop/web", name: "web", namespace: "shop", workload: "web", kind: "intercept", mine: true, client: null, disposition: "ACTIVE", message: null, localPort: spec.localPort, servicePort: "http", httpFilter: [], global: true, services: ["shop/web"] }, command: "", warnings: [], status: STATUS };
    },
  } as unknown as SwitchboardApi;
  return { api, starts };
}

beforeEach(() => {
  useIntercepts.setState({ ...initialInterceptsState, telepresence: STATUS });
  useSettings.setState({ view: null });
});
afterEach(cleanup);

describe("InterceptPanel", () => {
  it("offers the header-filtered intercept first, with the core's reason, and shows the copyable command and the listener warning", async () => {
    const detail = webDetail("2.27.1");
    createInterceptActions(fakeApi(detail, true).api);
    render(<InterceptPanel detail={detail} onFix={() => undefined} />);
    const kinds = screen.getByRole("group", { name: "What goes to your laptop" });
    const radios = await within(kinds).findAllByRole("radio");
    await vi.waitFor(() => expect(within(kinds).getByText("Recommended")).toBeTruthy());
    expect(within(kinds).getAllByRole("radio")[0]).toHaveProperty("value", "http-filtered");
    expect((within(kinds).getByRole("radio", { name: /Only requests with a header/ }) as HTMLInputElement).checked).toBe(true);
    expect(kinds.textContent).toMatch(/would send the load balancer's health checks to your laptop/);
    expect(radios.length).toBe(4);
    // Local port defaults to the container port; the command follows the form.
    expect((screen.getByRole("textbox", { name: "Local port" }) as HTMLInputElement).value).toBe("8080");
    await vi.waitFor(() => expect(screen.getByLabelText("Equivalent telepresence command").textContent).toMatch(/--http-header x-dev=me$/));
    expect(screen.getByRole("note").textContent).toMatch(/Nothing is listening on localhost:8080.*start anyway/);
  });

  it("pre-fills the local port from the user's default-local-port setting", async () => {
    const detail = webDetail("2.27.1");
    const { api, starts } = fakeApi(detail, true);
    createInterceptActions(api);
    const settings = { telepresencePath: "", defaultLocalPort: 3000, theme: "system" as const };
    useSettings.setState({ view: { settings, file: "/home/dev/.config/Switchboard/settings.json", problem: null } });
    render(<InterceptPanel detail={detail} onFix={() => undefined} />);
    expect((screen.getByRole("textbox", { name: "Local port" }) as HTMLInputElement).value).toBe("3000");
    await vi.waitFor(() => expect(screen.getByLabelText("Equivalent telepresence command").textContent).toMatch(/--port 3000:http/));
    fireEvent.click(await screen.findByRole("button", { name: /Start intercept/ }));
    await vi.waitFor(() => expect(starts.map((s) => s.localPort)).toEqual([3000]));
  });

  it("writes the environment to a file and mounts volumes only when asked, with an absolute path", async () => {
    const detail = webDetail("2.27.1");
    const { api, starts } = fakeApi(detail, true);
    createInterceptActions(api);
    render(<InterceptPanel detail={detail} onFix={() => undefined} />);
    fireEvent.click(screen.getByText("Environment and volumes"));
    fireEvent.click(screen.getByRole("checkbox", { name: "Write the pod's environment to a file" }));
    const file = screen.getByRole("textbox", { name: "Environment file" }) as HTMLInputElement;
    fireEvent.change(file, { target: { value: "web.env" } });
    expect(file.getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByText("Give an absolute path.")).toBeTruthy();
    fireEvent.change(file, { target: { value: "/tmp/web.env" } });
    expect(screen.getByText(/mode 0600/)).toBeTruthy();
    fireEvent.click(screen.getByRole("checkbox", { name: "Mount the pod's volumes" }));
    fireEvent.click(screen.getByRole("radio", { name: /All traffic \(global\)/ }));
    fireEvent.click(await screen.findByRole("button", { name: /Start intercept/ }));
    await vi.waitFor(() => expect(starts).toEqual([expect.objectContaining({ kind: "global", envFile: "/tmp/web.env", mount: true })]));
  });

  it("without a header filter, offers the health strategy first (routed to the fix panel) and still lets the user go ahead", async () => {
    const detail = webDetail("2.24.0");
    const { api, starts } = fakeApi(detail, false);
    createInterceptActions(api);
    const fixes: Array<[Finding, Fix]> = [];
    render(<InterceptPanel detail={detail} onFix={(f, x) => fixes.push([f, x])} />);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toMatch(/health checks would reach your laptop/);
    fireEvent.click(within(alert).getByRole("button", { name: /Fix the health check first: Add a health sidecar/ }));
    expect(fixes.map(([f, x]) => [f.id, x.strategy])).toEqual([["health-check-hits-intercepted-port", "sidecar"]]);
    const filtered = screen.getByRole("radio", { name: /Only requests with a header/ }) as HTMLInputElement;
    expect(filtered.disabled).toBe(true);
    fireEvent.click(screen.getByRole("button", { name: "Start intercept anyway" }));
    await vi.waitFor(() => expect(starts).toEqual([{ namespace: "shop", service: "web", servicePort: "http", localPort: 8080, kind: "global" }]));
  });

  it("keeps the kind the user picked before the preview arrived (the preview only sets the default)", async () => {
    const detail = webDetail("2.27.1");
    const { api, starts } = fakeApi(detail, true);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const preview = api["intercepts.preview"];
    const slowApi = { ...api, "intercepts.preview": async (spec: InterceptSpec) => (await gate, preview(spec)) } as SwitchboardApi;
    createInterceptActions(slowApi);
    render(<InterceptPanel detail={detail} onFix={() => undefined} />);
    const kinds = screen.getByRole("group", { name: "What goes to your laptop" });
    // Before the preview, global is shown as the default; the user explicitly picks it.
    fireEvent.click(within(kinds).getByRole("radio", { name: /All traffic \(global\)/ }));
    act(() => release());
    await vi.waitFor(() => expect(within(kinds).getByText("Recommended")).toBeTruthy());
    expect(within(kinds).getAllByRole("radio")[0]).toHaveProperty("value", "http-filtered");
    expect((within(kinds).getByRole("radio", { name: /All traffic \(global\)/ }) as HTMLInputElement).checked).toBe(true);
    await vi.waitFor(() => expect(screen.getByLabelText("Equivalent telepresence command").textContent).not.toMatch(/--http-header/));
    fireEvent.click(screen.getByRole("button", { name: /Start intercept/ }));
    await vi.waitFor(() => expect(starts.map((s) => s.kind)).toEqual(["global"]));
  });

  it("when the root daemon cannot start, offers Docker and a terminal for the password, and says which terminal opened", async () => {
    const detail = webDetail("2.27.1");
    const { api } = fakeApi(detail, true);
    const calls: string[] = [];
    const withWaysOut = {
      ...api,
      "telepresence.connect": async (input: { docker?: boolean }) => {
        calls.push(`connect docker=${Boolean(input.docker)}`);
        throw Object.assign(new Error("Telepresence could not start its root daemon."), { code: "telepresence-error", hint: "Ways out: …", details: { reason: "root-daemon", retry: { docker: true } } });
      },
      "telepresence.connectInTerminal": async () => {
        calls.push("terminal");
        return { terminal: "gnome-terminal", command: "telepresence connect --context shop -n shop" };
      },
    } as SwitchboardApi;
    const actions = createInterceptActions(withWaysOut);
    render(<InterceptPanel detail={detail} onFix={() => undefined} />);
    await act(async () => void (await actions.connectTelepresence()));
    const alert = await screen.findByRole("alert");
    expect(within(alert).getByRole("button", { name: "Connect with Docker instead" })).toBeTruthy();
    fireEvent.click(within(alert).getByRole("button", { name: "Open a terminal for the password" }));
    const note = await screen.findByText(/window runs/);
    expect(note.textContent).toBe("A gnome-terminal window runs telepresence connect --context shop -n shop: type your password there. Switchboard connects as soon as Telepresence has.");
    expect(calls).toEqual(["connect docker=false", "terminal"]);
  });

  it("shows the steps of the action as they arrive", async () => {
    const detail = webDetail("2.27.1");
    createInterceptActions(fakeApi(detail, true).api);
    render(<InterceptPanel detail={detail} onFix={() => undefined} />);
    const step = (step: string, status: string, text: string) => ({
      type: "intercept-progress" as const,
      progress: { action: "1", service: "shop/web", step: step as never, status: status as never, text, elapsedSeconds: null, error: null, at: new Date().toISOString() },
    });
    act(() => useIntercepts.getState().apply([step("connecting", "started", "Connecting"), step("connecting", "done", "Connected"), step("installing-agent", "started", "Injecting the traffic-agent into web")]));
    act(() => useIntercepts.getState().apply([step("active", "done", "web is active")]));
    const list = screen.getByRole("list", { name: "Progress" });
    expect(within(list).getAllByRole("listitem").map((li) => li.textContent)).toEqual(["✓Connected", "…Injecting the traffic-agent into web", "✓web is active"]);
  });
});

describe("InterceptToasts", () => {
  it("toasts when an intercepted service turns unhealthy (not when it starts that way, not for others)", () => {
    render(<InterceptToasts />);
    const row = (health: string, intercepted = true) => ({ type: "services" as const, context: "c", namespace: "shop", reset: false, removed: [], upserts: [{ key: "shop/web", namespace: "shop", name: "web", health, healthSignal: "compute-api", exposure: "Ingress NEG", pods: { total: 2, ready: 2 }, intercepted, findings: { error: 0, warning: 0, info: 0 }, topFinding: null }] as never });
    act(() => useIntercepts.getState().apply([row("unhealthy", false)]));
    act(() => useIntercepts.getState().apply([row("healthy")]));
    expect(screen.queryByRole("status")).toBeNull();
    act(() => useIntercepts.getState().apply([row("unhealthy")]));
    expect(screen.getByRole("status").textContent).toMatch(/web turned unhealthy while intercepted/);
    fireEvent.click(screen.getByRole("button", { name: /Dismiss/ }));
    expect(screen.queryByRole("status")).toBeNull();
  });

  it("takes the unhealthy toast away when the intercepted service is healthy again", () => {
    render(<InterceptToasts />);
    const row = (key: string, health: string) => ({ type: "services" as const, context: "c", namespace: "shop", reset: false, removed: [], upserts: [{ key, namespace: "shop", name: key.split("/")[1], health, healthSignal: "compute-api", exposure: "Ingress NEG", pods: { total: 2, ready: 2 }, intercepted: true, findings: { error: 0, warning: 0, info: 0 }, topFinding: null }] as never });
    act(() => useIntercepts.getState().apply([row("shop/web", "healthy"), row("shop/api", "healthy")]));
    act(() => useIntercepts.getState().apply([row("shop/web", "unhealthy"), row("shop/api", "degraded")]));
    expect(screen.getByRole("status").textContent).toMatch(/web turned unhealthy while intercepted/);
    act(() => useIntercepts.getState().apply([row("shop/web", "healthy")]));
    // web's toast is gone; api, still degraded, keeps its own.
    expect(screen.getByRole("status").textContent).not.toMatch(/web turned/);
    expect(screen.getByRole("status").textContent).toMatch(/api turned partly unhealthy/);
  });
});

describe("reached from a Fix", () => {
  it("a Fix of strategy http-filtered-intercept opens the panel inside the fix region, header filter selected", async () => {
    const { ServiceDetail } = await import("./ServiceDetail.tsx");
    const detail = webDetail("2.27.1");
    createInterceptActions(fakeApi(detail, true).api);
    const finding = detail.findings.find((f) => f.fixes.some((x) => x.strategy === "http-filtered-intercept"))!;
    const fix = finding.fixes.find((x) => x.strategy === "http-filtered-intercept")!;
    const request = { service: detail.view.key, finding, fix, at: new Date().toISOString() };
    render(<ServiceDetail detail={detail} healthSource={null} fixRequest={request} onFix={() => undefined} onCloseFix={() => undefined} />);
    const region = screen.getByRole("region", { name: "Fix" });
    const panel = within(region).getByRole("region", { name: "Intercept web" });
    expect((within(panel).getByRole("radio", { name: /Only requests with a header/ }) as HTMLInputElement).checked).toBe(true);
    await vi.waitFor(() => expect(within(panel).getByLabelText("Equivalent telepresence command").textContent).toMatch(/--http-header x-dev=me/));
  });
});
