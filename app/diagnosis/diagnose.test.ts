// Every finding, present and absent, on the GKE-shaped fixtures (app/gke/fixtures/shop.json).
import { describe, expect, it } from "vitest";
import type { ClusterDiagnosis, Finding } from "../contract/model.ts";
import { itemOf, removeItems, shopEndpointHealth, shopItems, shopTelepresence } from "../gke/fixtures/load.ts";
import type { BackendConfig, ClusterSnapshot, Deployment, HealthCheckPolicy, Ingress, Pod, Service, TelepresenceFacts } from "../gke/snapshot.ts";
import { snapshotFromItems } from "../gke/snapshot.ts";
import { diagnose } from "./diagnose.ts";

function run(items: unknown[] = shopItems(), extra: Partial<Omit<ClusterSnapshot, "namespaces">> = {}): ClusterDiagnosis {
  return diagnose(snapshotFromItems(items, extra));
}
function findings(d: ClusterDiagnosis, service: string, id?: string): Finding[] {
  const all = d.services.find((s) => s.service.name === service)!.findings;
  return id ? all.filter((f) => f.id === id) : all;
}
const ids = (fs: Finding[]) => fs.map((f) => f.id);
const noIntercept = (): TelepresenceFacts => ({ ...shopTelepresence(), intercepts: [] });

describe("the fixtures as they are", () => {
  it("only the intercept risk is reported; billing, search and catalog are clean", () => {
    const d = run();
    expect(ids(findings(d, "web"))).toEqual(["health-check-hits-intercepted-port"]);
    expect(ids(findings(d, "api"))).toEqual(["health-check-hits-intercepted-port"]);
    for (const s of ["billing", "search", "catalog"]) expect(findings(d, s)).toEqual([]);
    expect(d.cluster).toEqual([]);
  });
  it("every finding is complete, keyed uniquely and plain JSON", () => {
    const d = run(shopItems(), { telepresence: shopTelepresence(), endpointHealth: shopEndpointHealth() });
    const all = d.services.flatMap((s) => s.findings);
    expect(all.length).toBeGreaterThan(3);
    for (const f of all) {
      expect(f.title.length).toBeGreaterThan(10);
      expect(f.explanation.length).toBeGreaterThan(40);
      expect(f.evidence.length).toBeGreaterThan(0);
      expect(f.references.length).toBeGreaterThan(0);
    }
    expect(new Set(all.map((f) => f.key)).size).toBe(all.length);
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
  });
});

describe("health-check-hits-intercepted-port (telepresence.md §5)", () => {
  it("before intercepting web (named targetPort, BackendConfig without port): a warning with the pin fix", () => {
    const [f] = findings(run(), "web", "health-check-hits-intercepted-port");
    expect(f).toMatchObject({ severity: "warning", port: "http" });
    expect(f!.title).toMatch(/Intercepting web port http would send/);
    expect(f!.fixes.map((x) => x.id)).toEqual(["http-filtered-intercept", "pin-serving-port", "dedicated-port", "sidecar"]);
    const pin = f!.fixes.find((x) => x.id === "pin-serving-port")!;
    expect(pin.params).toMatchObject({ kind: "BackendConfig", name: "web-bc", port: 8080, create: false });
    expect(pin.description).toMatch(/NAME "http".*NUMBER 8080/);
    expect(pin.description).toMatch(/only because targetPort is a name/);
    expect(f!.evidence[0]).toMatchObject({ object: { kind: "Service", name: "web" }, path: "spec.ports[0].targetPort", value: "http" });
    expect(f!.evidence[1]).toEqual({ object: { kind: "BackendConfig", namespace: "shop", name: "web-bc" }, path: "spec.healthCheck.port", value: null });
  });
  it("before intercepting api (numeric targetPort, inferred from the probe): a warning, never the pin fix, and says why", () => {
    const [f] = findings(run(), "api", "health-check-hits-intercepted-port");
    expect(f!.severity).toBe("warning");
    expect(f!.fixes.map((x) => x.id)).not.toContain("pin-serving-port");
    expect(f!.explanation).toMatch(/copied this check from the readinessProbe/);
    expect(f!.explanation).toMatch(/would not help.*iptables/);
    expect(f!.evidence.some((e) => e.object.kind === "Pod" && e.path.includes("readinessProbe"))).toBe(true);
    // No BackendConfig yet: the fixes create one.
    expect(f!.fixes.find((x) => x.id === "dedicated-port")!.params).toMatchObject({ kind: "BackendConfig", create: true });
  });
  it("during a global intercept of web: an error", () => {
    const d = run(shopItems(), { telepresence: shopTelepresence() });
    const [f] = findings(d, "web", "health-check-hits-intercepted-port");
    expect(f!.severity).toBe("error");
    expect(f!.title).toMatch(/go to your laptop/);
    expect(f!.explanation).toMatch(/readiness gate never goes back/);
  });
  it("an HTTP-filtered intercept does not send checks to the laptop (only the hypothetical warning remains)", () => {
    const tp = shopTelepresence();
    tp.intercepts[0] = { ...tp.intercepts[0]!, global: false, httpFilter: ["x-dev=alice"] };
    expect(findings(run(shopItems(), { telepresence: tp }), "web", "health-check-hits-intercepted-port").map((f) => f.severity)).toEqual(["warning"]);
  });
  it("absent for billing (health sidecar on a fixed port) and search (dedicated health port)", () => {
    const d = run(shopItems(), { telepresence: shopTelepresence() });
    expect(findings(d, "billing", "health-check-hits-intercepted-port")).toEqual([]);
    expect(findings(d, "search", "health-check-hits-intercepted-port")).toEqual([]);
  });
  it("absent for web once the serving port is pinned (row 3)", () => {
    const items = shopItems();
    itemOf<BackendConfig>(items, "BackendConfig", "web-bc").spec!.healthCheck!.port = 8080;
    expect(findings(run(items), "web", "health-check-hits-intercepted-port")).toEqual([]);
  });
  it("the http-filter fix is dropped when the versions are known to be too old", () => {
    const tp = noIntercept();
    tp.clientVersion = "v2.24.0";
    const [f] = findings(run(shopItems(), { telepresence: tp }), "web", "health-check-hits-intercepted-port");
    expect(f!.fixes.map((x) => x.id)).not.toContain("http-filtered-intercept");
  });
});

describe("http-filtered-intercept-available", () => {
  it("present when client and traffic-manager are ≥ 2.25 and the check would reach the laptop", () => {
    const d = run(shopItems(), { telepresence: noIntercept() });
    const [f] = findings(d, "web", "http-filtered-intercept-available");
    expect(f).toMatchObject({ severity: "info" });
    expect(f!.explanation).toMatch(/2\.25\.1/);
    expect(findings(d, "api", "http-filtered-intercept-available")).toHaveLength(1);
    expect(findings(d, "billing", "http-filtered-intercept-available")).toEqual([]);
  });
  it("absent with an older traffic-manager, or when versions are unknown", () => {
    const tp = noIntercept();
    tp.trafficManager.version = "2.21.3";
    expect(findings(run(shopItems(), { telepresence: tp }), "web", "http-filtered-intercept-available")).toEqual([]);
    expect(findings(run(), "web", "http-filtered-intercept-available")).toEqual([]);
  });
});

describe("BackendConfig rules (gke-neg.md §3)", () => {
  it("backendconfig-port-not-container-port: the Service port instead of a container port", () => {
    const items = shopItems();
    itemOf<BackendConfig>(items, "BackendConfig", "billing-bc").spec!.healthCheck!.port = 443;
    const [f] = findings(run(items), "billing", "backendconfig-port-not-container-port");
    expect(f).toMatchObject({ severity: "error", port: "https" });
    expect(f!.explanation).toMatch(/443 is the Service port/);
    expect(f!.fixes[0]!.params).toMatchObject({ port: 8443 });
    expect(findings(run(), "billing", "backendconfig-port-not-container-port")).toEqual([]);
  });
  it("backendconfig-unsupported-type: TCP", () => {
    const items = shopItems();
    itemOf<BackendConfig>(items, "BackendConfig", "web-bc").spec!.healthCheck!.type = "TCP";
    const [f] = findings(run(items), "web", "backendconfig-unsupported-type");
    expect(f!.severity).toBe("error");
    expect(f!.evidence[0]).toMatchObject({ object: { kind: "BackendConfig", name: "web-bc" }, path: "spec.healthCheck.type", value: "TCP" });
    expect(findings(run(), "web", "backendconfig-unsupported-type")).toEqual([]);
  });
  it("health-check-timeout-exceeds-interval: a BackendConfig interval under GKE's default timeout", () => {
    const items = shopItems();
    itemOf<BackendConfig>(items, "BackendConfig", "search-bc").spec!.healthCheck!.checkIntervalSec = 5;
    const [f] = findings(run(items), "search", "health-check-timeout-exceeds-interval");
    expect(f!.title).toMatch(/15s.*5s/);
    expect(f!.explanation).toMatch(/timeoutSec 15 comes from GKE's default and checkIntervalSec 5 from BackendConfig "search-bc"/);
    expect(f!.fixes[0]!.params).toMatchObject({ timeoutSec: 5 });
    expect(findings(run(), "search", "health-check-timeout-exceeds-interval")).toEqual([]);
  });
  it("health-check-timeout-exceeds-interval from an inferred probe", () => {
    const items = shopItems();
    for (const p of items.filter((i) => (i as Pod).kind === "Pod" && (i as Pod).metadata!.name!.startsWith("api-")) as Pod[]) {
      p.spec!.containers[0]!.readinessProbe!.timeoutSeconds = 10;
    }
    const [f] = findings(run(items), "api", "health-check-timeout-exceeds-interval");
    expect(f!.explanation).toMatch(/readinessProbe \(timeoutSeconds\)/);
  });
  it("backendconfig-missing", () => {
    const items = shopItems();
    removeItems(items, (o) => o.kind === "BackendConfig" && o.metadata.name === "web-bc");
    const [f] = findings(run(items), "web", "backendconfig-missing");
    expect(f).toMatchObject({ severity: "error", port: "http" });
    expect(f!.evidence[0]).toMatchObject({ path: 'metadata.annotations["cloud.google.com/backend-config"]', value: '{"default": "web-bc"}' });
  });
});

describe("probe-changed-after-health-check-created (gke-neg.md §4)", () => {
  it("present when the template's probe differs from the oldest pod's", () => {
    const items = shopItems();
    const c = itemOf<Deployment>(items, "Deployment", "api").spec!.template.spec!.containers[0]!;
    c.readinessProbe!.httpGet!.path = "/readyz";
    c.readinessProbe!.periodSeconds = 3;
    const [f] = findings(run(items), "api", "probe-changed-after-health-check-created");
    expect(f!.severity).toBe("warning");
    expect(f!.explanation).toMatch(/only when it CREATES/);
    expect(f!.explanation).toMatch(/path: "ready" → "\/readyz"/);
    expect(f!.fixes[0]!.params).toMatchObject({ kind: "BackendConfig", create: true, requestPath: "/readyz", checkIntervalSec: 3 });
  });
  it("absent when nothing changed", () => {
    expect(findings(run(), "api", "probe-changed-after-health-check-created")).toEqual([]);
  });
  it("absent when the BackendConfig overrides the changed fields anyway (web)", () => {
    const items = shopItems();
    itemOf<Deployment>(items, "Deployment", "web").spec!.template.spec!.containers[0]!.readinessProbe!.httpGet!.path = "/ready";
    expect(findings(run(items), "web", "probe-changed-after-health-check-created")).toEqual([]);
  });
});

describe("pod health (gke-neg.md §1, §5, §8)", () => {
  it("readiness-gate-not-ready: empty status", () => {
    const items = shopItems();
    const pod = itemOf<Pod>(items, "Pod", "billing-5b8d7c9f4-h3j9k");
    pod.status!.conditions![0] = { type: "cloud.google.com/load-balancer-neg-ready", status: "", reason: "LoadBalancerNegNotReady" };
    const [f] = findings(run(items), "billing", "readiness-gate-not-ready");
    expect(f!.evidence[0]).toMatchObject({ object: { kind: "Pod", name: "billing-5b8d7c9f4-h3j9k" }, value: { status: "", reason: "LoadBalancerNegNotReady" } });
    expect(findings(run(), "billing", "readiness-gate-not-ready")).toEqual([]);
  });
  it("readiness-gate-timed-out", () => {
    const items = shopItems();
    itemOf<Pod>(items, "Pod", "billing-5b8d7c9f4-h3j9k").status!.conditions![0]!.reason = "LoadBalancerNegTimeout";
    expect(ids(findings(run(items), "billing"))).toEqual(["readiness-gate-timed-out"]);
  });
  it("endpoint-unhealthy from the Compute API, tied to the intercept when that is the cause", () => {
    const d = run(shopItems(), { telepresence: shopTelepresence(), endpointHealth: shopEndpointHealth() });
    const [web] = findings(d, "web", "endpoint-unhealthy");
    expect(web!.explanation).toMatch(/Compute API.*UNHEALTHY for web-7d9c8b6f5-k2x8p/);
    expect(web!.explanation).toMatch(/health-check-hits-intercepted-port/);
    expect(web!.fixes.map((x) => x.id)).toContain("http-filtered-intercept");
    const [api] = findings(d, "api", "endpoint-unhealthy");
    expect(api!.explanation).toMatch(/TIMEOUT for api-6c4f9d8b7-r8t6y/);
  });
  it("endpoint-unhealthy from the Ingress backends annotation when there is no Compute API", () => {
    const items = shopItems();
    const ing = itemOf<Ingress>(items, "Ingress", "shop");
    const backends = JSON.parse(ing.metadata!.annotations!["ingress.kubernetes.io/backends"]!) as Record<string, string>;
    backends["k8s1-74b928a2-shop-billing-443-9d7a6b21"] = "UNHEALTHY";
    ing.metadata!.annotations!["ingress.kubernetes.io/backends"] = JSON.stringify(backends);
    const [f] = findings(run(items), "billing", "endpoint-unhealthy");
    expect(f!.explanation).toMatch(/every endpoint is failing/);
    expect(f!.evidence[0]!.path).toBe('metadata.annotations["ingress.kubernetes.io/backends"]');
  });
  it("endpoint-unhealthy absent when everything is healthy", () => {
    expect(findings(run(), "web", "endpoint-unhealthy")).toEqual([]);
    expect(findings(run(shopItems(), { endpointHealth: shopEndpointHealth() }), "search", "endpoint-unhealthy")).toEqual([]);
  });
});

describe("NEG annotation (gke-neg.md §2)", () => {
  it("neg-annotation-missing: an Ingress backend without NEG annotation or neg-status", () => {
    const items = shopItems();
    const a = itemOf<Service>(items, "Service", "search").metadata!.annotations!;
    delete a["cloud.google.com/neg"];
    delete a["cloud.google.com/neg-status"];
    const [f] = findings(run(items), "search", "neg-annotation-missing");
    expect(f!.fixes[0]).toMatchObject({ id: "add-neg-annotation", params: { value: '{"ingress": true}' } });
    expect(findings(run(), "search", "neg-annotation-missing")).toEqual([]);
  });
  it("absent when GKE enabled NEGs by itself (neg-status without the annotation)", () => {
    const items = shopItems();
    delete itemOf<Service>(items, "Service", "search").metadata!.annotations!["cloud.google.com/neg"];
    expect(findings(run(items), "search", "neg-annotation-missing")).toEqual([]);
  });
  it("neg-annotation-invalid", () => {
    const items = shopItems();
    itemOf<Service>(items, "Service", "search").metadata!.annotations!["cloud.google.com/neg"] = "{'ingress': true}";
    expect(findings(run(items), "search", "neg-annotation-invalid").map((f) => f.severity)).toEqual(["error"]);
  });
});

describe("NEG and load-balancer sync (gke-neg.md §5, §6)", () => {
  it("neg-sync-failed from the svcneg Synced condition", () => {
    const items = shopItems();
    const neg = itemOf<{ status: { conditions: { type: string; status: string; reason: string; message: string }[] } }>(items, "ServiceNetworkEndpointGroup", "k8s1-74b928a2-shop-api-80-5f0e2c1b");
    neg.status.conditions[1] = { type: "Synced", status: "False", reason: "NegSyncFailed", message: "googleapi: Error 403: Required 'compute.networkEndpointGroups.attachNetworkEndpoints' permission" };
    const [f] = findings(run(items), "api", "neg-sync-failed");
    expect(f!.explanation).toMatch(/NegSyncFailed.*403/);
    expect(findings(run(), "api", "neg-sync-failed")).toEqual([]);
  });
  it("load-balancer-sync-failed from Warning events on the Service or its Ingress", () => {
    const items = shopItems();
    items.push({
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: "shop.1", namespace: "shop" },
      involvedObject: { kind: "Ingress", name: "shop", namespace: "shop" },
      reason: "Translate",
      type: "Warning",
      message: 'Translation failed: invalid ingress spec: error getting BackendConfig for port "&ServiceBackendPort{Name:,Number:80,}" on service "shop/web", err: no BackendConfig for service port exists.',
    });
    const d = run(items);
    expect(findings(d, "web", "load-balancer-sync-failed")).toHaveLength(1);
    expect(findings(d, "catalog", "load-balancer-sync-failed")).toEqual([]);
    expect(findings(run(), "web", "load-balancer-sync-failed")).toEqual([]);
  });
});

describe("HealthCheckPolicy (gke-neg.md §7)", () => {
  it("healthcheckpolicy-port-needs-fixed-port — and then the check stays on the serving port", () => {
    const items = shopItems();
    delete itemOf<HealthCheckPolicy>(items, "HealthCheckPolicy", "catalog-health").spec!.default!.config!.httpHealthCheck!.portSpecification;
    const d = run(items);
    const [f] = findings(d, "catalog", "healthcheckpolicy-port-needs-fixed-port");
    expect(f!.severity).toBe("error");
    expect(f!.fixes[0]!.params).toMatchObject({ portSpecification: "USE_FIXED_PORT", port: 8081 });
    // Without USE_FIXED_PORT the Gateway checks the serving port, which an intercept takes over.
    expect(findings(d, "catalog", "health-check-hits-intercepted-port")).toHaveLength(1);
    expect(findings(run(), "catalog", "healthcheckpolicy-port-needs-fixed-port")).toEqual([]);
  });
});

describe("Telepresence (telepresence.md §3, §6)", () => {
  it("traffic-manager-missing is a cluster finding", () => {
    const tp: TelepresenceFacts = { trafficManager: { present: false }, clientVersion: "2.25.1", intercepts: [] };
    const d = run(shopItems(), { telepresence: tp });
    expect(d.cluster.map((f) => [f.id, f.fixes[0]!.id])).toEqual([["traffic-manager-missing", "install-traffic-manager"]]);
    expect(run(shopItems(), { telepresence: shopTelepresence() }).cluster).toEqual([]);
    expect(run().cluster).toEqual([]);
  });
  it("agent-webhook-unreachable: an intercept waiting for an agent that never arrived", () => {
    const items = shopItems();
    // Pods recreated without the agent: the webhook was not called.
    for (const p of items.filter((i) => (i as Pod).kind === "Pod" && (i as Pod).metadata!.name!.startsWith("web-")) as Pod[]) {
      p.spec!.containers = p.spec!.containers.filter((c) => c.name !== "traffic-agent");
    }
    const tp = shopTelepresence();
    tp.intercepts[0] = { ...tp.intercepts[0]!, disposition: 4, message: "request timed out while waiting for agent web.shop to arrive" };
    const [f] = findings(run(items, { telepresence: tp }), "web", "agent-webhook-unreachable");
    expect(f!.severity).toBe("error");
    expect(f!.explanation).toMatch(/private GKE.*tcp:8443/);
    expect(f!.evidence[0]).toMatchObject({ path: "disposition", value: "NO_AGENT: request timed out while waiting for agent web.shop to arrive" });
    expect(f!.fixes[0]).toMatchObject({ id: "open-webhook-firewall", params: { port: 8443, protocol: "tcp" } });
  });
  it("agent-webhook-unreachable from events", () => {
    const items = shopItems();
    items.push({
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: "web-7d9c8b6f5.1", namespace: "shop" },
      involvedObject: { kind: "ReplicaSet", name: "web-7d9c8b6f5", namespace: "shop" },
      reason: "FailedCreate",
      type: "Warning",
      message: 'Internal error occurred: failed calling webhook "agent-injector-webhook-ambassador.getambassador.io": context deadline exceeded',
    });
    expect(findings(run(items), "web", "agent-webhook-unreachable")).toHaveLength(1);
  });
  it("agent-webhook-unreachable ignores webhook events of other workloads", () => {
    const items = shopItems();
    items.push({
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: "other.1", namespace: "shop" },
      involvedObject: { kind: "ReplicaSet", name: "reports-5d6f7", namespace: "shop" },
      reason: "FailedCreate",
      type: "Warning",
      message: 'Internal error occurred: failed calling webhook "agent-injector-webhook-ambassador.getambassador.io": context deadline exceeded',
    });
    expect(findings(run(items), "web", "agent-webhook-unreachable")).toEqual([]);
  });
  it("agent-webhook-unreachable absent for an active intercept", () => {
    expect(findings(run(shopItems(), { telepresence: shopTelepresence() }), "web", "agent-webhook-unreachable")).toEqual([]);
  });
});
