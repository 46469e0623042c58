// The GKE model on GKE-shaped fixtures (app/gke/fixtures/shop.json): gke-neg.md §2–§7 and the
// telepresence.md §5 answers per Service, now and hypothetically.
import { describe, expect, it } from "vitest";
import type { ServiceView } from "../contract/model.ts";
import { itemOf, removeItems, shopEndpointHealth, shopItems, shopTelepresence } from "./fixtures/load.ts";
import { buildServiceViews } from "./model.ts";
import type { BackendConfig, ClusterSnapshot, Deployment, Pod, Service } from "./snapshot.ts";
import { snapshotFromItems } from "./snapshot.ts";

function views(items: unknown[] = shopItems(), extra: Partial<Omit<ClusterSnapshot, "namespaces">> = {}): Record<string, ServiceView> {
  return Object.fromEntries(buildServiceViews(snapshotFromItems(items, extra)).map((v) => [v.name, v]));
}
const port0 = (v: ServiceView) => v.ports[0]!;
const hc0 = (v: ServiceView) => port0(v).healthChecks[0]!;

describe("snapshot from kubectl JSON", () => {
  it("sorts items by kind and namespace", () => {
    const s = snapshotFromItems(shopItems());
    const ns = s.namespaces.shop!;
    expect(ns.services.map((x) => x.metadata!.name).sort()).toEqual(["api", "billing", "catalog", "search", "web"]);
    expect(ns.backendconfigs).toHaveLength(3);
    expect(ns.svcnegs).toHaveLength(4);
    expect(ns.healthcheckpolicies).toHaveLength(1);
    expect(ns.httproutes).toHaveLength(1);
    expect(ns.events.length).toBeGreaterThan(0);
  });
});

describe("NEG per Service port (gke-neg.md §2, §6)", () => {
  it("ingress mode with names and zones from neg-status and the svcneg conditions", () => {
    const api = port0(views().api!);
    expect(api.neg).toMatchObject({ mode: "ingress", annotation: "present", names: ["k8s1-74b928a2-shop-api-80-5f0e2c1b"], zones: ["us-central1-a", "us-central1-b"] });
    expect(api.neg.svcnegs).toHaveLength(1);
    expect(api.neg.svcnegs![0]).toMatchObject({ zones: ["us-central1-a", "us-central1-b"], synced: { status: "True", reason: "NegSyncSuccessful" } });
  });
  it("exposed_ports mode (standalone NEG)", () => {
    expect(port0(views().catalog!).neg).toMatchObject({ mode: "exposed_ports", customName: null });
  });
  it("invalid annotation JSON → a problem, mode none", () => {
    const items = shopItems();
    itemOf<Service>(items, "Service", "web").metadata!.annotations!["cloud.google.com/neg"] = '{"ingress": tru';
    const web = views(items).web!;
    expect(port0(web).neg.annotation).toBe("invalid");
    expect(web.problems.map((p) => p.code)).toContain("neg-annotation-invalid");
  });
  it("no annotation but neg-status: GKE enabled NEGs by default (implicit)", () => {
    const items = shopItems();
    delete itemOf<Service>(items, "Service", "web").metadata!.annotations!["cloud.google.com/neg"];
    expect(port0(views(items).web!).neg).toMatchObject({ mode: "ingress", annotation: "implicit" });
  });
  it("no annotation, no neg-status: none", () => {
    const items = shopItems();
    const a = itemOf<Service>(items, "Service", "web").metadata!.annotations!;
    delete a["cloud.google.com/neg"];
    delete a["cloud.google.com/neg-status"];
    const web = port0(views(items).web!);
    expect(web.neg).toMatchObject({ mode: "none", annotation: "absent", names: [] });
    expect(web.healthChecks[0]!.reachNow.reaches).toBe("unknown");
  });
  it("svcnegs are null when the CRD is not installed (not an error)", () => {
    const v = views(shopItems(), { installed: { backendconfigs: true, svcnegs: false, healthcheckpolicies: true, httproutes: true, gateways: true } });
    expect(port0(v.web!).neg.svcnegs).toBeNull();
  });
});

describe("which BackendConfig applies (gke-neg.md §2)", () => {
  it("default", () => {
    expect(port0(views().web!).backendConfig).toMatchObject({ name: "web-bc", matchedBy: "default", found: true });
  });
  it("by port name (billing) and by Service port number, not targetPort (search)", () => {
    const v = views();
    expect(port0(v.billing!).backendConfig).toMatchObject({ name: "billing-bc", matchedBy: "port-name" });
    expect(port0(v.search!).backendConfig).toMatchObject({ name: "search-bc", matchedBy: "port-number" });
    expect(port0(v.search!).backendConfig!.why).toMatch(/not the targetPort/);
  });
  it("port name beats port number beats default", () => {
    const items = shopItems();
    itemOf<Service>(items, "Service", "web").metadata!.annotations!["cloud.google.com/backend-config"] = '{"default": "d", "ports": {"80": "by-number", "http": "by-name"}}';
    expect(port0(views(items).web!).backendConfig).toMatchObject({ name: "by-name", matchedBy: "port-name" });
    itemOf<Service>(items, "Service", "web").metadata!.annotations!["cloud.google.com/backend-config"] = '{"default": "d", "ports": {"80": "by-number", "8080": "target"}}';
    expect(port0(views(items).web!).backendConfig).toMatchObject({ name: "by-number", matchedBy: "port-number" });
    itemOf<Service>(items, "Service", "web").metadata!.annotations!["cloud.google.com/backend-config"] = '{"ports": {"8080": "target"}}';
    expect(port0(views(items).web!).backendConfig).toBeNull();
  });
  it("GA over beta", () => {
    const items = shopItems();
    itemOf<Service>(items, "Service", "web").metadata!.annotations!["beta.cloud.google.com/backend-config"] = '{"default": "beta-bc"}';
    expect(port0(views(items).web!).backendConfig).toMatchObject({ name: "web-bc", annotation: "cloud.google.com/backend-config" });
  });
  it("a missing referenced BackendConfig is a problem; its fields do not apply", () => {
    const items = shopItems();
    removeItems(items, (o) => o.kind === "BackendConfig" && o.metadata.name === "web-bc");
    const web = port0(views(items).web!);
    expect(web.backendConfig).toMatchObject({ name: "web-bc", found: false });
    expect(web.problems.map((p) => p.code)).toEqual(["backendconfig-missing"]);
    expect(web.problems[0]!.message).toMatch(/Translation failed/);
    // Falls back to the probe of the first pod.
    expect(web.healthChecks[0]!.requestPath).toEqual({ value: "/healthz", source: "readiness-probe" });
  });
  it("BackendConfig CRD not installed", () => {
    const v = views(shopItems(), { installed: { backendconfigs: false, svcnegs: true, healthcheckpolicies: true, httproutes: true, gateways: true } });
    expect(port0(v.web!).problems.map((p) => p.code)).toEqual(["backendconfig-crd-not-installed"]);
  });
});

describe("effective health check and its source (gke-neg.md §4)", () => {
  it("web: BackendConfig without port → serving port, fields from the BackendConfig", () => {
    const hc = hc0(views().web!);
    expect(hc).toMatchObject({ via: "ingress", source: "backendconfig", configuredBy: { kind: "BackendConfig", name: "web-bc" } });
    expect(hc.portSpecification).toEqual({ value: "USE_SERVING_PORT", source: "default" });
    expect(hc.requestPath).toEqual({ value: "/healthz", source: "backendconfig" });
  });
  it("api: inferred from the readinessProbe of the first pod by creation time, then name", () => {
    const hc = hc0(views().api!);
    expect(hc.source).toBe("readiness-probe");
    expect(hc.requestPath).toEqual({ value: "/ready", source: "readiness-probe" });
    expect(hc.checkIntervalSec).toEqual({ value: 5, source: "readiness-probe" });
    expect(hc.timeoutSec).toEqual({ value: 2, source: "readiness-probe" });
    expect(hc.healthyThreshold).toEqual({ value: 1, source: "default" });
    // Both api pods were created at the same second: the name decides.
    expect(hc.inference).toMatchObject({ pod: "api-6c4f9d8b7-b5n2w", skippedReason: null, templateDiffers: [] });
    expect(hc.notes.join(" ")).toMatch(/first pod by creation time, then name.*later probe edits do not apply/);
  });
  it("the template's probe changed after creation: the oldest pod still decides, the difference is listed", () => {
    const items = shopItems();
    const d = itemOf<Deployment>(items, "Deployment", "api");
    d.spec!.template.spec!.containers[0]!.readinessProbe!.httpGet!.path = "/readyz";
    const hc = hc0(views(items).api!);
    expect(hc.requestPath.value).toBe("/ready");
    expect(hc.inference!.templateDiffers).toEqual([{ field: "path", atCreation: "ready", now: "/readyz" }]);
    expect(hc.inference!.templateProbe!.path).toBe("/readyz");
  });
  it("search: the probe targets the health port, so nothing is inferred; BackendConfig port → USE_FIXED_PORT", () => {
    const hc = hc0(views().search!);
    expect(hc.inference!.skippedReason).toMatch(/not the serving port/);
    expect(hc.portSpecification).toEqual({ value: "USE_FIXED_PORT", source: "backendconfig" });
    expect(hc.checkIntervalSec).toEqual({ value: 15, source: "default" });
  });
  it("a Gateway backend uses its HealthCheckPolicy and never the probe (gke-neg.md §7)", () => {
    const hc = hc0(views().catalog!);
    expect(hc).toMatchObject({ via: "gateway", inference: null, configuredBy: { kind: "HealthCheckPolicy", name: "catalog-health" } });
    expect(hc.portSpecification.value).toBe("USE_FIXED_PORT");
    expect(hc.port.value).toBe(8081);
    expect(hc.usedBy.map((o) => o.kind)).toEqual(["HTTPRoute", "HealthCheckPolicy"]);
  });
  it("an Ingress of another class (nginx) is ignored", () => {
    const items = shopItems();
    const ing = itemOf<{ spec: Record<string, unknown> }>(items, "Ingress", "shop");
    ing.spec.ingressClassName = "nginx";
    const v = views(items);
    expect(port0(v.web!).healthChecks).toEqual([]);
  });
});

describe("what the health check reaches (telepresence.md §5)", () => {
  it("web (named targetPort, BackendConfig without port): agent now; laptop if intercepted globally; app if HTTP-filtered", () => {
    const hc = hc0(views().web!);
    expect(hc.reachNow).toMatchObject({ reaches: "traffic-agent", port: 9900, toLaptop: false, tableRow: 1 });
    expect(hc.whatIf).toHaveLength(1);
    expect(hc.whatIf[0]!.interceptPort).toBe("http");
    expect(hc.whatIf[0]!.global).toMatchObject({ reaches: "traffic-agent", toLaptop: true, tableRow: 1 });
    expect(hc.whatIf[0]!.httpFiltered.toLaptop).toBe(false);
  });
  it("web during the active global intercept: every pod sends checks to the laptop", () => {
    const hc = hc0(views(shopItems(), { telepresence: shopTelepresence() }).web!);
    expect(hc.reachNow.toLaptop).toBe(true);
    expect(hc.reachByPod.map((r) => r.reach.toLaptop)).toEqual([true, true]);
  });
  it("api (numeric targetPort, inferred): iptables → agent; laptop if intercepted", () => {
    const hc = hc0(views().api!);
    expect(hc.reachNow).toMatchObject({ reaches: "traffic-agent", via: "iptables", tableRow: 2 });
    expect(hc.whatIf[0]!.global.toLaptop).toBe(true);
  });
  it("billing: health sidecar, never the laptop", () => {
    const hc = hc0(views().billing!);
    expect(hc.healthSidecar).toEqual({ container: "health", port: 8086 });
    expect(hc.reachNow.reaches).toBe("health-sidecar");
    expect(hc.whatIf[0]!.global).toMatchObject({ reaches: "health-sidecar", toLaptop: false, tableRow: 5 });
  });
  it("search: dedicated app health port, never the laptop", () => {
    const hc = hc0(views().search!);
    expect(hc.appHealthPort).toEqual({ container: "search", port: 9091 });
    expect(hc.whatIf[0]!.global).toMatchObject({ reaches: "app-health-port", toLaptop: false, tableRow: 6 });
  });
  it("web with the serving port pinned in the BackendConfig: the app, even during an intercept (row 3)", () => {
    const items = shopItems();
    itemOf<BackendConfig>(items, "BackendConfig", "web-bc").spec!.healthCheck!.port = 8080;
    const hc = hc0(views(items, { telepresence: shopTelepresence() }).web!);
    expect(hc.reachNow).toMatchObject({ reaches: "app", port: 8080, toLaptop: false, tableRow: 3 });
  });
  it("api with the serving port pinned: still the agent (row 4)", () => {
    const items = shopItems();
    itemOf<Service>(items, "Service", "api").metadata!.annotations!["cloud.google.com/backend-config"] = '{"default": "pin"}';
    items.push({ apiVersion: "cloud.google.com/v1", kind: "BackendConfig", metadata: { name: "pin", namespace: "shop" }, spec: { healthCheck: { port: 8080 } } });
    const hc = hc0(views(items).api!);
    expect(hc.whatIf[0]!.global).toMatchObject({ reaches: "traffic-agent", via: "iptables", toLaptop: true, tableRow: 4 });
  });
  it("web: the probe is read from the pod as it was before the agent (tm-http undone), so the template does not differ", () => {
    const inf = hc0(views().web!).inference!;
    expect(inf.probe).toMatchObject({ container: "web", port: "http", path: "/healthz" });
    expect(inf.templateDiffers).toEqual([]);
  });
  it("a headless Service: the agent uses iptables even for a named port (telepresence.md §4)", () => {
    const items = shopItems();
    itemOf<Service>(items, "Service", "billing").spec!.clusterIP = "None";
    delete itemOf<BackendConfig>(items, "BackendConfig", "billing-bc").spec!.healthCheck!.port;
    const hc = hc0(views(items).billing!);
    expect(hc.whatIf[0]!.global).toMatchObject({ reaches: "traffic-agent", via: "iptables", toLaptop: true });
  });
  it("the transparent health checker's port is not attributed to a container", () => {
    const items = shopItems();
    const a = itemOf<Service>(items, "Service", "api").metadata!.annotations!;
    a["networking.gke.io/transparent-health-checker"] = '{"enabled": true}';
    const hc = hc0(views(items).api!);
    expect(hc.port).toEqual({ value: 7877, source: "transparent-health-checker" });
    expect(hc.reachNow).toMatchObject({ reaches: "unknown", toLaptop: false });
    expect(hc.reachNow.explanation).toMatch(/transparent health checker/);
    expect(hc.whatIf[0]!.global.toLaptop).toBe(false);
  });
  it("no running pod: the workload template answers", () => {
    const items = shopItems();
    removeItems(items, (o) => o.kind === "Pod" && o.metadata.name.startsWith("web-"));
    const hc = hc0(views(items).web!);
    expect(hc.reachNow.reaches).toBe("app");
    expect(hc.reachNow.explanation).toMatch(/No pod runs/);
    expect(hc.whatIf[0]!.global.toLaptop).toBe(true);
  });
});

describe("pods (gke-neg.md §1, §5, §8)", () => {
  it("roles, agent, readiness gate", () => {
    const v = views();
    const web = v.web!.pods[0]!;
    expect(web.containers.map((c) => [c.name, c.role])).toEqual([
      ["web", "app"],
      ["traffic-agent", "traffic-agent"],
    ]);
    expect(web.agent.takenOver[0]).toMatchObject({ containerPort: 8080, renamedTo: "tm-http", by: "name" });
    expect(web.readinessGate).toMatchObject({ present: true, status: "True", ready: true, reason: "LoadBalancerNegReady" });
    expect(web.workload).toEqual({ kind: "Deployment", name: "web" });
    expect(v.billing!.pods[0]!.containers.map((c) => c.role)).toEqual(["app", "health-sidecar"]);
  });
  it("intercepts are mapped to the pod's app container port", () => {
    const web = views(shopItems(), { telepresence: shopTelepresence() }).web!;
    expect(web.pods[0]!.intercepts).toEqual([{ name: "web", containerPort: 8080, servicePort: "http", global: true, httpFilter: [], disposition: "ACTIVE", active: true }]);
  });
  it("Compute API health maps by podIP and the endpoint port (the agent's 9900 after injection); stray endpoints are listed", () => {
    const v = views(shopItems(), { endpointHealth: shopEndpointHealth() });
    const [a, b] = v.web!.pods;
    expect(a!.health.http).toMatchObject([{ signal: "compute-api", state: "unhealthy", raw: "UNHEALTHY" }]);
    expect(b!.health.http).toMatchObject([{ signal: "compute-api", state: "healthy" }]);
    expect(port0(v.web!).unmatchedEndpoints).toEqual([expect.objectContaining({ ipAddress: "10.12.9.99", healthState: "DRAINING" })]);
    // api: one NEG per zone, each pod is in one of them.
    expect(v.api!.pods.map((p) => p.health.http![0]!.raw)).toEqual(["HEALTHY", "TIMEOUT"]);
  });
  it("without the Compute API the weaker signals say so", () => {
    const health = views().web!.pods[0]!.health.http!;
    expect(health.map((h) => h.signal)).toEqual(["ingress-backends", "readiness-gate"]);
    expect(health.every((h) => h.caveat)).toBe(true);
  });
  it("a pod waiting for the gate: empty status", () => {
    const items = shopItems();
    const pod = itemOf<Pod>(items, "Pod", "billing-5b8d7c9f4-h3j9k");
    pod.status!.conditions![0] = { type: "cloud.google.com/load-balancer-neg-ready", status: "", reason: "LoadBalancerNegNotReady", message: "Waiting for pod to become healthy in at least one of the NEG(s): [k8s1-74b928a2-shop-billing-443-9d7a6b21]" };
    const p = views(items).billing!.pods[0]!;
    expect(p.readinessGate).toMatchObject({ status: "", ready: false });
    expect(p.health.https!.find((h) => h.signal === "readiness-gate")!.state).toBe("unhealthy");
  });
});

describe("wording", () => {
  it("what-if answers say 'would', the present says 'is active'", () => {
    const hc = hc0(views().web!);
    expect(hc.whatIf[0]!.global.explanation).toMatch(/^Once Telepresence injects its traffic-agent to intercept port http, the check.*would make the agent send/);
    const now = hc0(views(shopItems(), { telepresence: shopTelepresence() }).web!).reachNow.explanation;
    expect(now).toMatch(/A global intercept of port 8080 is active/);
  });
});

describe("robustness", () => {
  it("sparse and odd objects do not throw", () => {
    const items: unknown[] = [
      { kind: "Service", metadata: { name: "bare", namespace: "x" } },
      { kind: "Service", metadata: { name: "noselector", namespace: "x" }, spec: { ports: [{ port: 80 }] } },
      { kind: "Service", metadata: { name: "s", namespace: "x", annotations: { "cloud.google.com/neg": "[]", "cloud.google.com/neg-status": "{}", "cloud.google.com/backend-config": "{}" } }, spec: { selector: { a: "b" }, ports: [{ port: 80, targetPort: "http" }] } },
      { kind: "Pod", metadata: { name: "p", namespace: "x", labels: { a: "b" } } },
      { kind: "BackendConfig", metadata: { name: "bc", namespace: "x" } },
      { kind: "HealthCheckPolicy", metadata: { name: "hcp", namespace: "x" }, spec: { targetRef: { kind: "Service", name: "s" } } },
      { kind: "Ingress", metadata: { name: "i", namespace: "x" }, spec: { defaultBackend: { service: { name: "s", port: { number: 80 } } } } },
      { kind: "ServiceNetworkEndpointGroup", metadata: { name: "n", namespace: "x", labels: { "networking.gke.io/service-name": "s", "networking.gke.io/service-port": "80" } } },
      { kind: "HTTPRoute", metadata: { name: "r", namespace: "x" } },
      { kind: "Event", metadata: { name: "e", namespace: "x" } },
    ];
    const v = views(items);
    expect(Object.keys(v).sort()).toEqual(["bare", "noselector", "s"]);
    expect(v.s!.problems.map((p) => p.code)).toEqual(["neg-annotation-invalid"]);
    expect(port0(v.s!).healthChecks.map((h) => h.via)).toEqual(["ingress", "gateway"]);
    expect(port0(v.s!).neg.svcnegs).toHaveLength(1);
  });
});

describe("views are plain JSON", () => {
  it("round-trips through JSON unchanged", () => {
    const v = buildServiceViews(snapshotFromItems(shopItems(), { telepresence: shopTelepresence(), endpointHealth: shopEndpointHealth() }));
    expect(JSON.parse(JSON.stringify(v))).toEqual(v);
  });
  it("accepts Date timestamps (client-node typed lists) like strings", () => {
    const items = shopItems();
    for (const i of items) {
      const m = (i as { metadata: { creationTimestamp?: string | Date } }).metadata;
      if (typeof m.creationTimestamp === "string") m.creationTimestamp = new Date(m.creationTimestamp);
    }
    const withDates = buildServiceViews(snapshotFromItems(items));
    expect(withDates).toEqual(buildServiceViews(snapshotFromItems(shopItems())));
  });
});
