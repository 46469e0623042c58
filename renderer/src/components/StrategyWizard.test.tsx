// @vitest-environment jsdom
// The strategy wizard on REAL views (the GKE fixtures through the core's model and diagnosis) with the
// core's REAL planner (app/strategies planStrategy) behind a fake transport: pin is shown disabled
// with the planner's reason for a numeric targetPort; the preview colours the diff; apply shows the
// core's progress events and the verdict; an applied operation can be rolled back; a pending one
// offers finish / roll back.
import { act, cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ServiceDetail as Detail, SwitchboardApi } from "../../../app/contract/api.ts";
import type { StrategyOperationView, StrategyPlanInput, StrategyPlanResult, StrategyProgress } from "../../../app/contract/strategies.ts";
import { diagnose } from "../../../app/diagnosis/diagnose.ts";
import shopJson from "../../../app/gke/fixtures/shop.json";
import { snapshotFromItems } from "../../../app/gke/snapshot.ts";
import { planStrategy } from "../../../app/strategies/plan.ts";
import { createStrategyActions, initialStrategiesState, useStrategies } from "../strategies-store.ts";
import { detailOf } from "../testing/details.ts";
import { PendingStrategies, StrategyWizard, validImageText, validPortText } from "./StrategyWizard.tsx";

const snapshot = () => snapshotFromItems(structuredClone(shopJson.items) as unknown[]);
function detail(name: string): Detail {
  return detailOf(diagnose(snapshot()).services.find((s) => s.service.name === name)!);
}

function operation(over: Partial<StrategyOperationView> = {}): StrategyOperationView {
  return {
    id: "20261124-120000-abcd1234",
    createdAt: "2026-11-24T12:00:00.000Z",
    updatedAt: "2026-11-24T12:00:01.000Z",
    state: "applied",
    pending: false,
    canResume: false,
    canRollback: true,
    strategy: "sidecar",
    title: "Add a health sidecar",
    context: "shop",
    service: { namespace: "shop", name: "web", port: "http" },
    steps: [],
    error: null,
    log: [],
    ...over,
  };
}

function fakeApi() {
  const calls: Array<[string, unknown]> = [];
  const progress = (p: Omit<StrategyProgress, "at" | "service" | "operation">) =>
    useStrategies.getState().apply([{ type: "strategy-progress", progress: { ...p, operation: "op1", service: "shop/web", at: new Date().toISOString() } }]);
  const api = {
    "strategies.plan": async (input: StrategyPlanInput): Promise<StrategyPlanResult> => {
      calls.push(["strategies.plan", input]);
      const r = planStrategy(snapshot(), { ...input }, { context: "shop" });
      return r.ok ? { ok: true, plan: { ...r.plan, planId: `plan-${input.strategy}`, createdAt: "2026-11-24T12:00:00.000Z" } } : r;
    },
    "strategies.apply": async (input: { planId: string }) => {
      calls.push(["strategies.apply", input]);
      progress({ phase: "apply", step: "patch", message: "patched Deployment web" });
      progress({ phase: "apply", step: "rollout", message: "rollout 1/2", current: 1, total: 2 });
      progress({ phase: "apply", step: "rollout", message: "rollout 2/2", current: 2, total: 2 });
      progress({ phase: "verify", step: "verified", message: "verified: All 2 pods are HEALTHY at the load balancer (Compute API)." });
      return { operation: operation(), verification: { healthy: true, timedOut: false, signal: "compute-api", message: "All 2 pods are HEALTHY at the load balancer (Compute API).", pods: [] } };
    },
    "strategies.rollback": async (input: unknown) => {
      calls.push(["strategies.rollback", input]);
      return operation({ state: "rolled-back", canRollback: false });
    },
    "strategies.resume": async (input: unknown) => {
      calls.push(["strategies.resume", input]);
      return { operation: operation(), verification: null };
    },
    "strategies.list": async () => ({ context: "shop", operations: [] }),
  } as unknown as SwitchboardApi;
  createStrategyActions(api);
  return { calls };
}

beforeEach(() => {
  useStrategies.setState({ ...initialStrategiesState });
});
afterEach(cleanup);

describe("StrategyWizard", () => {
  it("shows pin disabled with the planner's reason for a numeric targetPort", async () => {
    fakeApi();
    render(<StrategyWizard detail={detail("api")} initial="pin-serving-port" />);
    const pin = await screen.findByRole("radio", { name: /Pin the serving port/ });
    await screen.findByText(/Not possible here/);
    expect((pin as HTMLInputElement | HTMLButtonElement).disabled).toBe(true);
    expect(pin.closest("label")!.textContent).toMatch(/targetPort is the NUMBER 8080/);
    // The refused preselection falls back to a strategy the core accepts.
    expect((screen.getByRole("radio", { name: /Health sidecar/ }) as HTMLInputElement).checked).toBe(true);
  });

  it("previews the plan (coloured diff, kubectl), applies, follows progress to verified and rolls back", async () => {
    const { calls } = fakeApi();
    render(<StrategyWizard detail={detail("web")} initial="sidecar" portKey="http" />);
    expect((screen.getByRole("radio", { name: /Health sidecar/ }) as HTMLInputElement).checked).toBe(true);
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Preview changes" })));
    expect(calls.at(-1)).toEqual(["strategies.plan", { namespace: "shop", service: "web", strategy: "sidecar", port: "http" }]);
    const dep = await screen.findByRole("region", { name: "patch Deployment web" });
    const added = within(dep).getAllByText((_, el) => el?.classList.contains("diff-add") === true && /health-sidecar/.test(el.textContent ?? ""));
    expect(added.length).toBeGreaterThan(0);
    expect(within(dep).getByLabelText("kubectl for Deployment web").textContent).toMatch(/^kubectl --context 'shop' -n 'shop' patch deployment 'web'/);
    expect(screen.getByRole("button", { name: "Copy kubectl for Deployment web" })).toBeTruthy();

    await act(async () => fireEvent.click(screen.getByRole("button", { name: /^Apply/ })));
    expect(calls.some(([m, i]) => m === "strategies.apply" && (i as { planId: string }).planId === "plan-sidecar")).toBe(true);
    const steps = screen.getByRole("list", { name: "Progress" });
    expect(steps.textContent).toContain("patched Deployment web");
    // Rollout ticks replace each other.
    expect(within(steps).queryByText("rollout 1/2")).toBeNull();
    expect(within(steps).getByText("rollout 2/2")).toBeTruthy();
    expect(screen.getByRole("status").textContent).toMatch(/Verified: healthy\./);

    await act(async () => fireEvent.click(within(screen.getByRole("status")).getByRole("button", { name: "Roll back" })));
    expect(calls.some(([m, i]) => m === "strategies.rollback" && (i as { operationId: string }).operationId === "20261124-120000-abcd1234")).toBe(true);
    expect(screen.getByText("Rolled back: every object is as it was before.")).toBeTruthy();
  });

  it("the preview says where the health check goes and, for pin, where the plan comes from (its provenance)", async () => {
    fakeApi();
    render(<StrategyWizard detail={detail("web")} initial="pin-serving-port" portKey="http" />);
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Preview changes" })));
    await screen.findByRole("heading", { name: "Preview" });
    const facts = () => Object.fromEntries([...document.querySelectorAll(".plan-facts .field")].map((f) => [f.querySelector("dt")!.textContent, f.querySelector("dd")!.textContent]));
    expect(facts()).toEqual({
      "Health check goes to": "port 8080 of container web (HTTP /healthz) · telepresence.md §5 row 3",
      "Where this comes from": "Derived from Telepresence's injection rules (telepresence.md §4–5)",
    });

    // The sidecar's plan has no provenance note: only its target.
    fireEvent.click(screen.getByRole("button", { name: "Back" }));
    fireEvent.click(screen.getByRole("radio", { name: /Health sidecar/ }));
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Preview changes" })));
    await screen.findByRole("heading", { name: "Preview" });
    expect(facts()).toEqual({ "Health check goes to": "port 8081 of container health-sidecar (HTTP /healthz) · telepresence.md §5 row 5" });
  });

  it("sidecar: image and port are validated as typed and sent to the planner; its preview uses them", async () => {
    const { calls } = fakeApi();
    render(<StrategyWizard detail={detail("web")} initial="sidecar" portKey="http" />);
    const options = screen.getByRole("group", { name: "Sidecar options" });
    const image = within(options).getByRole("textbox", { name: "Sidecar image (optional)" });
    const port = within(options).getByRole("textbox", { name: "Sidecar port (optional)" });
    expect(within(options).getByRole("textbox", { name: "Health path the sidecar answers (optional)" })).toBeTruthy();
    const preview = () => screen.getByRole("button", { name: "Preview changes" }) as HTMLButtonElement;
    expect(preview().disabled).toBe(false);

    for (const bad of ["ghcr.io/acme/health check:1", "ghcr.io/Acme/health", "acme/health:", "-acme/health"]) {
      fireEvent.change(image, { target: { value: bad } });
      expect(image.getAttribute("aria-invalid"), bad).toBe("true");
      expect(preview().disabled, bad).toBe(true);
    }
    expect(screen.getByText(/Not an image reference/).id).toBe(image.getAttribute("aria-describedby"));
    fireEvent.change(image, { target: { value: "ghcr.io/acme/health:1.2" } });
    expect(image.getAttribute("aria-invalid")).toBe("false");

    for (const bad of ["0", "65536", "80a", "-1", "1.5"]) {
      fireEvent.change(port, { target: { value: bad } });
      expect(port.getAttribute("aria-invalid"), bad).toBe("true");
      expect(preview().disabled, bad).toBe(true);
    }
    expect(document.getElementById(port.getAttribute("aria-describedby")!)!.textContent).toBe("A port is a whole number from 1 to 65535.");
    fireEvent.change(port, { target: { value: "8090" } });
    expect(preview().disabled).toBe(false);

    await act(async () => fireEvent.click(preview()));
    expect(calls.at(-1)).toEqual(["strategies.plan", { namespace: "shop", service: "web", strategy: "sidecar", port: "http", sidecar: { image: "ghcr.io/acme/health:1.2", port: 8090 } }]);
    const dep = await screen.findByRole("region", { name: "patch Deployment web" });
    expect(within(dep).getByText(/Add container "health-sidecar" \(ghcr\.io\/acme\/health:1\.2\) answering \/healthz on port 8090/)).toBeTruthy();
    expect(document.querySelector(".plan-facts dd")!.textContent).toMatch(/^port 8090 of container health-sidecar/);
    // A custom image: the planner's warning that it must honour PORT and HEALTH_PATH.
    expect(within(screen.getByRole("list", { name: "Warnings" })).getByText(/must listen on the port given in its PORT environment variable \(8090\)/)).toBeTruthy();

    // Back: the options are kept.
    fireEvent.click(screen.getByRole("button", { name: "Back" }));
    expect((screen.getByRole("textbox", { name: /Sidecar image/ }) as HTMLInputElement).value).toBe("ghcr.io/acme/health:1.2");
    expect((screen.getByRole("textbox", { name: /Sidecar port/ }) as HTMLInputElement).value).toBe("8090");
  });

  it("sidecar: a port the core refuses is said next to the options; the strategy stays available", async () => {
    const { calls } = fakeApi();
    render(<StrategyWizard detail={detail("web")} initial="sidecar" portKey="http" />);
    const port = screen.getByRole("textbox", { name: /Sidecar port/ });
    // 9900+ is the traffic-agent's range: the planner refuses it (the UI does not know the rule).
    fireEvent.change(port, { target: { value: "9901" } });
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Preview changes" })));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toMatch(/Not possible with these options:.*Port 9901 is in the range Telepresence's traffic-agent uses/);
    const sidecar = screen.getByRole("radio", { name: /Health sidecar/ }) as HTMLInputElement;
    expect(sidecar.checked).toBe(true);
    expect(sidecar.disabled).toBe(false);
    expect((screen.getByRole("button", { name: "Preview changes" }) as HTMLButtonElement).disabled).toBe(true);
    // Another port: the refusal goes, the preview works.
    fireEvent.change(screen.getByRole("textbox", { name: /Sidecar port/ }), { target: { value: "8091" } });
    expect(screen.queryByRole("alert")).toBeNull();
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Preview changes" })));
    await screen.findByRole("heading", { name: "Preview" });
    expect(calls.at(-1)![1]).toMatchObject({ sidecar: { port: 8091 } });
  });

  it("dedicated-port asks for the port first and sends it", async () => {
    const { calls } = fakeApi();
    render(<StrategyWizard detail={detail("web")} initial="dedicated-port" />);
    const preview = screen.getByRole("button", { name: "Preview changes" });
    expect((preview as HTMLInputElement | HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByRole("textbox", { name: /Port the app already serves health on/ }), { target: { value: "8081" } });
    await act(async () => fireEvent.click(preview));
    expect(calls.some(([m, i]) => m === "strategies.plan" && (i as StrategyPlanInput).dedicatedPort?.port === 8081)).toBe(true);
    await screen.findByRole("heading", { name: "Preview" });
  });
});

describe("sidecar option checks", () => {
  it("accepts image references as registries write them, and rejects what no registry accepts", () => {
    for (const ok of ["nginx", "hashicorp/http-echo:1.0", "switchboard/health-sidecar", "localhost:5000/team/health:v2.1-rc_1", "us-docker.pkg.dev/my-proj/repo/health@sha256:" + "a".repeat(64), "ghcr.io/acme/health:1.2@sha256:" + "0".repeat(64)]) {
      expect(validImageText(ok), ok).toBe(true);
    }
    for (const bad of ["", " nginx", "nginx:", "Nginx", "acme//health", "acme/health:-x", "acme/health@sha256:xyz", "a".repeat(501)]) {
      expect(validImageText(bad), bad).toBe(false);
    }
  });

  it("ports are whole numbers from 1 to 65535", () => {
    expect(["1", "8081", "65535"].every(validPortText)).toBe(true);
    expect(["", "0", "65536", "123456", "8o8o", " 80", "8.0"].some(validPortText)).toBe(false);
  });
});

describe("PendingStrategies", () => {
  it("offers finish and roll back for an operation a crash interrupted", async () => {
    const { calls } = fakeApi();
    const pending = operation({ state: "applying", pending: true, canResume: true, steps: [{ object: { kind: "Deployment", apiVersion: "apps/v1", namespace: "shop", name: "web" }, action: "patch", status: "applied", error: null }, { object: { kind: "BackendConfig", apiVersion: "cloud.google.com/v1", namespace: "shop", name: "web" }, action: "patch", status: "pending", error: null }] });
    act(() => useStrategies.getState().apply([{ type: "strategies", strategies: { context: "shop", operations: [pending] } }]));
    render(<PendingStrategies />);
    const alert = screen.getByRole("alert", { name: "Unfinished health strategy operations" });
    expect(alert.textContent).toMatch(/1 of 2 changes made/);
    await act(async () => fireEvent.click(within(alert).getByRole("button", { name: "Finish" })));
    expect(calls.some(([m]) => m === "strategies.resume")).toBe(true);
    expect(within(alert).getByRole("button", { name: /Roll back/ })).toBeTruthy();
  });
});
