// @vitest-environment jsdom
// The service detail and its two diagrams, on REAL views: the GKE-shaped fixtures (app/gke/fixtures)
// run through the core's pure model and diagnosis, changed the way each state arises in a cluster.
import { act, cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { HealthSource, ServiceDetail as Detail, SwitchboardApi } from "../../../app/contract/api.ts";
import type { StrategyPlanInput } from "../../../app/contract/strategies.ts";
import { diagnose } from "../../../app/diagnosis/diagnose.ts";
import { container } from "../../../app/gke/fixtures/build.ts";
import endpointHealthJson from "../../../app/gke/fixtures/endpoint-health.json";
import { itemOf, removeItems } from "../../../app/gke/fixtures/load.ts";
import shopJson from "../../../app/gke/fixtures/shop.json";
import telepresenceJson from "../../../app/gke/fixtures/telepresence.json";
import { withoutAgent } from "../../../app/gke/pods.ts";
import type { BackendConfig, NegEndpointHealth, Pod, TelepresenceFacts } from "../../../app/gke/snapshot.ts";
import { snapshotFromItems } from "../../../app/gke/snapshot.ts";
import { planStrategy } from "../../../app/strategies/plan.ts";
import { createServiceActions, initialServicesState, useServices } from "../services-store.ts";
import { createStrategyActions, initialStrategiesState, useStrategies } from "../strategies-store.ts";
import { COMPUTE_SOURCE, KUBERNETES_SOURCE, detailOf, timelineOf } from "../testing/details.ts";
import { ServiceDetail } from "./ServiceDetail.tsx";

// The fixtures as load.ts gives them (imported as JSON: under jsdom its file URL does not resolve). Fresh
// copies each call, so a scenario may change them.
const shopItems = (): unknown[] => structuredClone(shopJson.items) as unknown[];
const shopEndpointHealth = (): NegEndpointHealth[] => structuredClone(endpointHealthJson) as NegEndpointHealth[];
const shopTelepresence = (): TelepresenceFacts => structuredClone(telepresenceJson) as TelepresenceFacts;

// ---------------------------------------------------------------------------------------------
// States of the web Service (named targetPort "http", BackendConfig web-bc without a port, Ingress shop)

type Scenario = "healthy" | "broken" | "sidecar" | "dedicated-port" | "pinned" | "no-credentials" | "no-pods";

const webPods = (items: unknown[]) => (items as Pod[]).filter((i) => i.kind === "Pod" && i.metadata?.name?.startsWith("web-"));

/** The Compute API's answer for web's NEG with every endpoint in `state` on `port`. */
function webHealth(items: unknown[], port: number, state: string): NegEndpointHealth[] {
  const [template] = shopEndpointHealth();
  return [{ ...template!, items: webPods(items).map((p) => ({ ipAddress: p.status!.podIP!, port, healthState: state, backendService: template!.items[0]!.backendService })) }];
}

function setBackendConfigPort(items: unknown[], port: number) {
  const bc = itemOf<BackendConfig>(items, "BackendConfig", "web-bc");
  bc.spec!.healthCheck = { ...bc.spec!.healthCheck, port };
}

function build(scenario: Scenario): Detail {
  const items = shopItems();
  let telepresence: TelepresenceFacts | undefined = shopTelepresence();
  let endpointHealth: NegEndpointHealth[] | undefined = shopEndpointHealth();
  let healthSource: HealthSource = COMPUTE_SOURCE;
  switch (scenario) {
    case "healthy":
      // Before anyone intercepts: no traffic-agent in the pods, every endpoint healthy on 8080.
      for (const pod of webPods(items)) Object.assign(pod, withoutAgent(pod));
      telepresence = { ...telepresence, intercepts: [] };
      endpointHealth = webHealth(items, 8080, "HEALTHY");
      break;
    case "broken":
      break; // the fixtures: a global intercept of web, the Compute API reports one endpoint UNHEALTHY
    case "sidecar":
      // Strategy "sidecar": a health container on 8081, BackendConfig port 8081 (telepresence.md §5 row 5).
      for (const pod of webPods(items)) pod.spec!.containers.push(container("health-sidecar", [[8081, "health"]]));
      setBackendConfigPort(items, 8081);
      endpointHealth = webHealth(items, 9900, "HEALTHY");
      break;
    case "dedicated-port":
      // Strategy "dedicated-port": the app's own health listener on 8082 (row 6).
      for (const pod of webPods(items)) pod.spec!.containers.find((c) => c.name === "web")!.ports!.push({ containerPort: 8082, name: "health", protocol: "TCP" });
      setBackendConfigPort(items, 8082);
      endpointHealth = webHealth(items, 9900, "HEALTHY");
      break;
    case "pinned":
      // Strategy "pin-serving-port": the app's port by NUMBER; the agent took only the name (row 3).
      setBackendConfigPort(items, 8080);
      endpointHealth = webHealth(items, 9900, "HEALTHY");
      break;
    case "no-credentials":
      endpointHealth = undefined;
      healthSource = KUBERNETES_SOURCE;
      break;
    case "no-pods":
      // Scaled to zero: the Service, its NEG and health check remain, with no endpoint.
      removeItems(items, (o) => o.kind === "Pod" && o.metadata.name.startsWith("web-"));
      telepresence = { ...telepresence, intercepts: [] };
      break;
  }
  const d = diagnose(snapshotFromItems(items, { telepresence, ...(endpointHealth ? { endpointHealth } : {}) }));
  const web = d.services.find((s) => s.service.name === "web")!;
  return detailOf(web, { healthSource, timeline: timelineOf(items, web.service) });
}

// ---------------------------------------------------------------------------------------------

function Harness({ detail }: { detail: Detail }) {
  const actions = createServiceActions({} as never);
  const fixRequest = useServices((s) => s.fixRequest);
  return <ServiceDetail detail={detail} healthSource={null} fixRequest={fixRequest} onFix={actions.requestFix} onCloseFix={actions.closeFix} />;
}

function show(scenario: Scenario) {
  const detail = build(scenario);
  render(<Harness detail={detail} />);
  return detail;
}

const trafficDiagram = () => screen.getByRole("group", { name: /^Traffic path of web port http/ });
const checkDiagram = () => screen.getByRole("group", { name: /^Health check path of port http/ });
/** The Fix panel's parameter rows as [label, value]. */
const paramsOf = (panel: HTMLElement) => [...panel.querySelectorAll(".fix-params .field")].map((f) => [f.querySelector("dt")!.textContent, f.querySelector("dd")!.textContent]);
const hopLabels = (diagram: HTMLElement) => within(diagram).getAllByRole("button").map((b) => b.getAttribute("aria-label") ?? "");
const hop = (diagram: HTMLElement, label: RegExp) => within(diagram).getByRole("button", { name: label });
/** The details panel next to a diagram (it explains the hovered or focused box). */
const detailsOf = (diagram: HTMLElement) => within(diagram.closest(".diagram") as HTMLElement).getByRole("region", { name: "Hop details" });

afterEach(() => {
  cleanup();
  useServices.setState({ ...initialServicesState, byKey: new Map() });
});

describe("ServiceDetail diagrams on real views", () => {
  it("healthy: load balancer → NEG → pods → :8080 → app, checks reach the app, all healthy from the Compute API", () => {
    show("healthy");
    const traffic = hopLabels(trafficDiagram());
    expect(traffic).toContain("Load balancer Ingress shop (gce): HEALTHY · Ingress annotation");
    expect(traffic.filter((l) => l.startsWith("NEG us-central1-a (k8s1-74b928a2-shop-web-80-a3c1e454)"))).toHaveLength(1);
    expect(traffic.filter((l) => /^Pod web-7d9c8b6f5-\w+ \(10\.12\.\d+\.\d+ · us-central1-a\): Healthy · Compute API$/.test(l))).toHaveLength(2);
    expect(traffic.filter((l) => l.startsWith("Port :8080 (http)"))).toHaveLength(2);
    expect(traffic.some((l) => l.startsWith("Laptop"))).toBe(false);

    const check = hopLabels(checkDiagram());
    expect(check[0]).toBe("Health check HTTP health check (Ingress · Ingress shop): Set by BackendConfig");
    expect(check).toContain("Container App container (web): Healthy · Compute API");
    expect(check.some((l) => l.startsWith("Laptop"))).toBe(false);
    // Where each setting came from (gke-neg.md §4): BackendConfig fields and GKE defaults.
    const checkBox = hop(checkDiagram(), /^Health check HTTP health check/);
    fireEvent.focus(checkBox);
    const rows = within(detailsOf(checkDiagram())).getAllByRole("row").map((r) => r.textContent);
    expect(rows).toEqual(expect.arrayContaining(["TypeHTTPBackendConfig", "Port specUSE_SERVING_PORTGKE default", "Path/healthzBackendConfig"]));
  });

  it("broken by a global intercept: the check reaches the traffic-agent → your laptop, unhealthy, with the reason on focus", () => {
    show("broken");
    const check = checkDiagram();
    const labels = hopLabels(check);
    expect(labels).toContain("Port :9900 (endpoint port): Unhealthy · Compute API");
    expect(labels).toContain("Container Traffic agent (traffic-agent): Unhealthy · Compute API");
    expect(labels).toContain("Laptop Your laptop (through the intercept): Unhealthy · Compute API");
    expect(screen.getByText(/It reaches traffic agent \(traffic-agent\) on port 9900 → your laptop\./)).toBeTruthy();

    // Keyboard: focusing a hop explains it in the details panel (same text as the hover tooltip).
    const agent = hop(check, /^Container Traffic agent/);
    agent.focus();
    fireEvent.focus(agent);
    const details = detailsOf(check);
    expect(details.textContent).toMatch(/A global intercept of port 8080 is active, so the agent sends the health checks to the developer's laptop/);
    expect(details.textContent).toMatch(/Signal: Compute API/);
    expect(agent.getAttribute("title")).toMatch(/developer's laptop/);

    // The traffic path: each pod's endpoint is the agent's port, and the agent forwards to the laptop.
    const traffic = hopLabels(trafficDiagram());
    expect(traffic.filter((l) => l.startsWith("Port :9900 (http)"))).toHaveLength(2);
    expect(traffic.filter((l) => l.startsWith("Container traffic-agent (traffic-agent)"))).toHaveLength(2);
    expect(traffic.filter((l) => l.startsWith("Laptop Your laptop (intercept web)"))).toHaveLength(2);
    expect(traffic.filter((l) => l.endsWith("Unhealthy · Compute API")).length).toBeGreaterThan(0);
  });

  it.each([
    ["sidecar", "Container Health sidecar (health-sidecar): Healthy · Compute API", "Port :8081 (fixed port): Healthy · Compute API"],
    ["dedicated-port", "Container App health port (web): Healthy · Compute API", "Port :8082 (fixed port): Healthy · Compute API"],
    ["pinned", "Container App container (web): Healthy · Compute API", "Port :8080 (fixed port): Healthy · Compute API"],
  ] as const)("fixed by %s: the check stays off the intercepted port and off the laptop", (scenario, target, port) => {
    show(scenario);
    const labels = hopLabels(checkDiagram());
    expect(labels).toContain(target);
    expect(labels).toContain(port);
    expect(labels.some((l) => l.startsWith("Laptop"))).toBe(false);
    // The intercept is still there: user traffic still goes to the laptop.
    expect(hopLabels(trafficDiagram()).some((l) => l.startsWith("Laptop Your laptop"))).toBe(true);
    // The fix's source is named: the port now comes from the BackendConfig.
    fireEvent.focus(hop(checkDiagram(), /^Health check/));
    expect(within(detailsOf(checkDiagram())).getByRole("row", { name: /^Port \d+ BackendConfig$/ })).toBeTruthy();
  });

  it("no credentials: Kubernetes-side signals are labelled as such, with their caveat", () => {
    show("no-credentials");
    expect(screen.getByText(/Health here comes from Kubernetes-side signals/)).toBeTruthy();
    const traffic = trafficDiagram();
    const pods = hopLabels(traffic).filter((l) => l.startsWith("Pod "));
    expect(pods).toHaveLength(2);
    for (const l of pods) expect(l).toMatch(/· (Ready gate|Ingress annotation)$/);
    const pod = hop(traffic, /^Pod web-7d9c8b6f5-k2x8p/);
    fireEvent.focus(pod);
    expect(detailsOf(traffic).textContent).toMatch(/Caveat: /);
    // The pods table names the weaker signal too.
    const table = screen.getByRole("table", { name: "Pods" });
    expect(within(table).getAllByText(/· (Ready gate|Ingress annotation)/).length).toBeGreaterThan(0);
    expect(screen.queryByText(/· Compute API/)).toBeNull();
  });

  it("what-if: intercepting port http globally would send the checks to the laptop; an HTTP-filtered one would not", () => {
    show("healthy");
    expect(hopLabels(checkDiagram()).some((l) => l.startsWith("Laptop"))).toBe(false);
    fireEvent.click(screen.getByRole("checkbox", { name: "What if I intercept port" }));
    const global = screen.getByRole("group", { name: "Health check path of port http if port http were intercepted (global)" });
    expect(hopLabels(global)).toContain("Container Traffic agent (traffic-agent): Would reach your laptop");
    expect(hopLabels(global).some((l) => l.startsWith("Laptop Your laptop"))).toBe(true);
    fireEvent.click(screen.getByRole("radio", { name: "HTTP-filtered" }));
    const filtered = screen.getByRole("group", { name: "Health check path of port http if port http were intercepted (HTTP-filtered)" });
    expect(hopLabels(filtered)).toContain("Container Traffic agent (traffic-agent): Would still reach the app");
    expect(hopLabels(filtered).some((l) => l.startsWith("Laptop"))).toBe(false);
  });
});

describe("ServiceDetail without pods", () => {
  it("says the NEG has no endpoints instead of drawing an empty path, and the pods table says why", () => {
    show("no-pods");
    const traffic = hopLabels(trafficDiagram());
    expect(traffic).toContain("Pod No endpoints (app=web): Nothing to send traffic to");
    expect(screen.getByText("No pod matches the Service's selector.")).toBeTruthy();
  });
});

describe("ServiceDetail pods, timeline and findings", () => {
  it("lists pods with readiness gate, agent and per-port health; the timeline; findings with evidence", () => {
    const detail = show("broken");
    const rows = within(screen.getByRole("table", { name: "Pods" })).getAllByRole("row");
    expect(rows).toHaveLength(3);
    const first = rows.find((r) => r.textContent?.includes("web-7d9c8b6f5-k2x8p"))!;
    expect(first.textContent).toMatch(/us-central1-a10\.12\.1\.14/);
    expect(first.textContent).toMatch(/LoadBalancerNegReady/);
    expect(first.textContent).toMatch(/renamed http → tm-http/);
    expect(first.textContent).toMatch(/Unhealthy · Compute API/);
    expect(within(screen.getByRole("region", { name: /Health timeline/ }) ?? document.body).getAllByRole("listitem").length).toBe(detail.timeline.length);
    const findings = screen.getByRole("heading", { name: /^Findings/ }).closest("section")!;
    expect(within(findings).getByText("The Ingress's health checks of web:http go to your laptop")).toBeTruthy();
    expect(within(findings).getAllByText("Evidence", { exact: false }).length).toBeGreaterThan(0);
  });

  it("a Fix button records the request in the store and opens the fix panel that says what it will do", async () => {
    const detail = show("broken");
    const finding = detail.findings.find((f) => f.id === "health-check-hits-intercepted-port")!;
    const sidecar = finding.fixes.find((f) => f.id === "sidecar")!;
    const group = screen.getByRole("group", { name: `Fixes for: ${finding.title}` });
    await act(async () => fireEvent.click(within(group).getByRole("button", { name: `Fix: ${sidecar.title}` })));
    const request = useServices.getState().fixRequest!;
    expect(request.fix).toBe(sidecar);
    expect(request.finding).toBe(finding);
    expect(request.service).toBe("shop/web");
    const panel = screen.getByRole("region", { name: "Fix" });
    expect(panel.textContent).toContain(sidecar.title);
    expect(panel.textContent).toContain(sidecar.description.replace(/`/g, ""));
    expect(panel.textContent).toContain("Nothing has changed in the cluster yet.");
    // The fix's parameters in words, not raw data ("create false", ["Deployment/web"]).
    expect(paramsOf(panel)).toEqual([
      ["Changes", 'BackendConfig "web-bc" — exists: it will be changed in place'],
      ["Workload", "Deployment web"],
    ]);
    expect(panel.querySelector(".fix-params")!.textContent).not.toMatch(/false|true|\[|"Deployment|create|workloads/);
    await act(async () => fireEvent.click(within(panel).getByRole("button", { name: "Close fix" })));
    expect(screen.queryByRole("region", { name: "Fix" })).toBeNull();
    expect(useServices.getState().fixRequest).toBeNull();
  });

  it("every Fix of the broken web reads in words: the object, the port and container, the Service's ports", async () => {
    const detail = show("broken");
    const finding = detail.findings.find((f) => f.id === "health-check-hits-intercepted-port")!;
    const group = screen.getByRole("group", { name: `Fixes for: ${finding.title}` });
    const open = async (title: string) => {
      await act(async () => fireEvent.click(within(group).getByRole("button", { name: `Fix: ${title}` })));
      return paramsOf(screen.getByRole("region", { name: "Fix" }));
    };
    const byId = (id: string) => finding.fixes.find((f) => f.id === id)!.title;
    expect(await open(byId("pin-serving-port"))).toEqual([
      ["Changes", 'BackendConfig "web-bc" — exists: it will be changed in place'],
      ["Port", "8080"],
      ["Container", "web"],
    ]);
    expect(await open(byId("dedicated-port"))).toEqual([
      ["Changes", 'BackendConfig "web-bc" — exists: it will be changed in place'],
      ["Container", "web"],
    ]);
    const filtered = finding.fixes.find((f) => f.id === "http-filtered-intercept");
    expect(await open(filtered!.title)).toEqual([["Service", "web in namespace shop"], ["Service port", "http"]]);
  });

  it("the fix panel's status line follows the wizard's apply (from the strategies store)", async () => {
    useStrategies.setState({ ...initialStrategiesState });
    let finish!: () => void;
    const gate = new Promise<void>((resolve) => (finish = resolve));
    const operation = { id: "op1", createdAt: "2026-11-24T12:00:00.000Z", updatedAt: "2026-11-24T12:00:01.000Z", state: "applied", pending: false, canResume: false, canRollback: true, strategy: "sidecar", title: "Add a health sidecar", context: "shop", service: { namespace: "shop", name: "web", port: "http" }, steps: [], error: null, log: [] };
    createStrategyActions({
      "strategies.plan": async (input: StrategyPlanInput) => {
        const r = planStrategy(snapshotFromItems(shopItems()), { ...input }, { context: "shop" });
        return r.ok ? { ok: true, plan: { ...r.plan, planId: "plan-sidecar", createdAt: "2026-11-24T12:00:00.000Z" } } : r;
      },
      "strategies.apply": async () => {
        await gate;
        return { operation, verification: null };
      },
      "strategies.list": async () => ({ context: "shop", operations: [] }),
    } as unknown as SwitchboardApi);
    const detail = show("broken");
    const finding = detail.findings.find((f) => f.id === "health-check-hits-intercepted-port")!;
    const sidecar = finding.fixes.find((f) => f.id === "sidecar")!;
    const group = screen.getByRole("group", { name: `Fixes for: ${finding.title}` });
    await act(async () => fireEvent.click(within(group).getByRole("button", { name: `Fix: ${sidecar.title}` })));
    const panel = screen.getByRole("region", { name: "Fix" });
    const status = () => panel.querySelector(".fix-status")!.textContent;
    expect(status()).toBe("Nothing has changed in the cluster yet.");
    await act(async () => fireEvent.click(within(panel).getByRole("button", { name: "Preview changes" })));
    await act(async () => fireEvent.click(await within(panel).findByRole("button", { name: /^Apply/ })));
    expect(status()).toMatch(/Applying the change to the cluster/);
    await act(async () => finish());
    await vi.waitFor(() => expect(status()).toMatch(/The change was applied to the cluster/));
    expect(status()).not.toMatch(/Nothing has changed/);
  });
});
