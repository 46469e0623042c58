// The simulated GKE controllers end to end on the playground's real in-memory API server
// (Store + StoreClient), with real loopback HTTP servers as the pods' containers.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Store, StoreClient } from "../apiserver/store.ts";
import type { KubeObject } from "../cluster/client.ts";
import { resources } from "../cluster/client.ts";
import type { Gke } from "./index.ts";
import { startGke } from "./index.ts";
import type { Ingress, Pod, Service } from "./types.ts";

const GATE = "cloud.google.com/load-balancer-neg-ready";
const NODES = ["gke-playground-default-pool-6a1f2c3d-x4bk", "gke-playground-default-pool-9e8b7c6d-h2pt"];

interface App {
  server: http.Server;
  port: number;
  healthy: boolean;
  healthPaths: string[];
}

let store: Store;
let client: StoreClient;
let gke: Gke;
const apps = new Map<string, App>(); // podIP → its container's listener (containerPort 8080)

async function startApp(ip: string): Promise<void> {
  const app = { healthy: true, healthPaths: [] } as unknown as App;
  app.server = http.createServer((req, res) => {
    if (req.headers["user-agent"] === "GoogleHC/1.0") {
      app.healthPaths.push(req.url ?? "");
      res.writeHead(app.healthy ? 200 : 503).end();
      return;
    }
    res.writeHead(200, { "x-pod-ip": ip }).end(`served by ${ip}`);
  });
  await new Promise<void>((r) => app.server.listen(0, "127.0.0.1", r));
  app.port = (app.server.address() as AddressInfo).port;
  apps.set(ip, app);
}

const dialer = (ip: string, port: number) => {
  const app = apps.get(ip);
  return app && port === 8080 ? { host: "127.0.0.1", port: app.port } : undefined;
};

async function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function service(name: string, annotations: Record<string, string>): Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: "default", annotations },
    spec: { selector: { app: name }, ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }] },
  };
}

/** A pod as the kubelet would run it: scheduled, then Running with an IP from the node's range. */
async function runPod(name: string, app: string, ip: string, node: string, probePath = "/healthz"): Promise<Pod> {
  await startApp(ip);
  const created = await client.create<Pod>(resources.pods, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels: { app } },
    spec: {
      nodeName: node,
      containers: [{ name: "app", image: "web:1", ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }], readinessProbe: { httpGet: { path: probePath, port: "http", scheme: "HTTP" }, periodSeconds: 2, timeoutSeconds: 1 } }],
    },
  });
  return client.updateStatus<Pod>(resources.pods, { ...created, status: { phase: "Running", podIP: ip, hostIP: "10.128.0.2", conditions: [] } });
}

function ingress(name: string, svc: string): Ingress {
  return { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name, namespace: "default" }, spec: { defaultBackend: { service: { name: svc, port: { number: 80 } } } } };
}

async function events(kind: string, name: string): Promise<Array<{ reason: string; message: string; type: string; source: { component: string } }>> {
  const list = await client.list<KubeObject>(resources.events, { namespace: "default" });
  return list.items.filter((e) => (e.involvedObject as { kind: string; name: string }).kind === kind && (e.involvedObject as { name: string }).name === name) as never;
}

beforeEach(async () => {
  store = new Store();
  client = new StoreClient(store);
  for (const [i, n] of NODES.entries()) {
    await client.create(resources.nodes, { apiVersion: "v1", kind: "Node", metadata: { name: n, labels: { "topology.kubernetes.io/zone": i === 0 ? "us-central1-a" : "us-central1-b" } } });
  }
  // speed 100: health-check intervals of seconds become tens of milliseconds, the 10-minute gate timeout 6 s.
  gke = await startGke({ client, dialer, speed: 100, clusterId: "74b928a2c0ffee", project: "playground-project", admission: store.admission });
});

afterEach(async () => {
  await gke.stop();
  for (const app of apps.values()) {
    app.server.closeAllConnections();
    await new Promise((r) => app.server.close(r));
  }
  apps.clear();
});

describe("simulated GKE on the playground API server", () => {
  it("NEGs, svcneg, readiness gate, health checks with real HTTP, Ingress annotation, front door, Compute API", async () => {
    await client.create(resources.services, service("web", { "cloud.google.com/neg": '{"ingress": true}' }));
    const p1 = await runPod("web-1", "web", "10.8.0.12", NODES[0]!);
    await runPod("web-2", "web", "10.8.64.7", NODES[1]!);
    // Admission added the readiness gate at creation (gke-neg.md §5).
    expect(p1.spec?.readinessGates).toEqual([{ conditionType: GATE }]);
    await client.create(resources.ingresses, ingress("web", "web"));

    // neg-status annotation (gke-neg.md §2).
    const negStatus = await until("neg-status", async () => (await client.get<Service>(resources.services, "default", "web"))?.metadata.annotations?.["cloud.google.com/neg-status"]);
    const status = JSON.parse(negStatus) as { network_endpoint_groups: Record<string, string>; zones: string[] };
    const neg = status.network_endpoint_groups["80"]!;
    expect(neg).toMatch(/^k8s1-74b928a2-default-web-80-[0-9a-f]{8}$/);
    expect(status.zones).toEqual(["us-central1-a", "us-central1-b"]);
    // Pods spread across zones by node.
    await until("endpoints attached", () => gke.gce.negs.get(`us-central1-a/${neg}`)?.endpoints.size === 1 && gke.gce.negs.get(`us-central1-b/${neg}`)?.endpoints.size === 1);

    // svcneg (gke-neg.md §6).
    const svcneg = await until("svcneg synced", async () => {
      const o = await client.get<KubeObject & { status?: { conditions?: Array<{ type: string; status: string; reason: string }>; networkEndpointGroups?: Array<{ selfLink: string }> } }>(resources.svcnegs, "default", neg);
      return o?.status?.networkEndpointGroups?.length === 2 && o;
    });
    expect(svcneg.metadata.labels).toEqual({ "networking.gke.io/managed-by": "neg-controller", "networking.gke.io/service-name": "web", "networking.gke.io/service-port": "80" });
    expect(svcneg.metadata.finalizers).toEqual(["networking.gke.io/neg-finalizer"]);
    expect(svcneg.metadata.ownerReferences?.[0]).toMatchObject({ kind: "Service", name: "web" });
    expect(svcneg.status?.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([["Initialized", "True", "NegInitializationSuccessful"], ["Synced", "True", "NegSyncSuccessful"]]);
    expect(svcneg.status?.networkEndpointGroups?.[0]?.selfLink).toMatch(new RegExp(`/zones/us-central1-a/networkEndpointGroups/${neg}$`));

    // The health check was inferred from the readinessProbe at creation (gke-neg.md §4).
    const hc = await until("health check", () => gke.gce.healthChecks.get(neg));
    expect(hc.settings).toMatchObject({ requestPath: "/healthz", checkIntervalSec: 2, timeoutSec: 1, healthyThreshold: 1, unhealthyThreshold: 2, portSpecification: "USE_SERVING_PORT" });

    // Readiness gate condition goes True with the reflector's reason and an event.
    const ready = await until("gate true", async () => {
      const p = await client.get<Pod>(resources.pods, "default", "web-1");
      const c = p?.status?.conditions?.find((x) => x.type === GATE);
      return c?.status === "True" && c;
    });
    expect(ready.reason).toBe("LoadBalancerNegReady");
    expect(ready.message).toContain(`Pod has become Healthy in NEG "Key{\\"${neg}\\"`);
    const podEvents = await until("pod events", async () => {
      const ev = await events("Pod", "web-1");
      return ev.some((e) => e.reason === "LoadBalancerNegReady") && ev;
    });
    expect(podEvents.every((e) => e.source.component === "neg-readiness-reflector")).toBe(true);

    // Service events from the NEG controller (gke-neg.md §5).
    const svcEvents = await events("Service", "web");
    expect(svcEvents.map((e) => e.message)).toEqual(expect.arrayContaining([
      expect.stringMatching(new RegExp(`^Created NEG "${neg}" for default/web-80/http in "us-central1-a"\\.$`)),
      `Attach 1 network endpoint(s) (NEG "${neg}" in zone "us-central1-b")`,
    ]));

    // Ingress annotation and front door.
    await until("backends HEALTHY", async () => (await client.get<Ingress>(resources.ingresses, "default", "web"))?.metadata.annotations?.["ingress.kubernetes.io/backends"] === JSON.stringify({ [neg]: "HEALTHY" }));
    const url = gke.loadBalancers()["default/web"]!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${url}/hello`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^served by 10\.8\./);

    // A new pod with another probe changes nothing: the health check exists already (gke-neg.md §4).
    // (web-3 is not the first pod by creation time, so this alone would not catch a re-inference;
    // scenarios.test.ts "api: a probe changed by a rollout …" replaces every pod and does.)
    await runPod("web-3", "web", "10.8.0.13", NODES[0]!, "/other");
    await until("third endpoint", () => gke.gce.negs.get(`us-central1-a/${neg}`)?.endpoints.size === 2);
    expect(gke.gce.healthChecks.get(neg)?.settings.requestPath).toBe("/healthz");

    // Every app fails its health check: UNHEALTHY, 502, but the gate condition never goes back.
    for (const app of apps.values()) app.healthy = false;
    await until("backends UNHEALTHY", async () => (await client.get<Ingress>(resources.ingresses, "default", "web"))?.metadata.annotations?.["ingress.kubernetes.io/backends"] === JSON.stringify({ [neg]: "UNHEALTHY" }));
    const bad = await fetch(`${url}/hello`);
    expect(bad.status).toBe(502);
    const after = await client.get<Pod>(resources.pods, "default", "web-1");
    expect(after?.status?.conditions?.find((c) => c.type === GATE)?.status).toBe("True");

    // The Compute API shows the per-endpoint truth.
    const list = await fetch(`${gke.computeApiUrl}/compute/v1/projects/playground-project/zones/us-central1-a/networkEndpointGroups/${neg}/listNetworkEndpoints`, {
      method: "POST", headers: { authorization: `Bearer ${gke.computeToken}`, "content-type": "application/json" }, body: JSON.stringify({ healthStatus: "SHOW" }),
    });
    const body = (await list.json()) as { items: Array<{ networkEndpoint: { ipAddress: string }; healths: Array<{ healthState: string }> }> };
    expect(body.items.map((i) => i.networkEndpoint.ipAddress).sort()).toEqual(["10.8.0.12", "10.8.0.13"]);
    expect(body.items.every((i) => i.healths[0]?.healthState === "UNHEALTHY")).toBe(true);

    // Deleting the Service removes its NEGs and lets the svcneg go (finalizer removed).
    await client.delete(resources.services, "default", "web");
    await until("svcneg gone", async () => !(await client.get(resources.svcnegs, "default", neg)));
    await until("NEGs gone", () => !gke.gce.negs.has(`us-central1-a/${neg}`));
  });

  it("a type: TCP BackendConfig is a Sync error event on the Ingress; a missing BackendConfig a Translate event", async () => {
    await client.create(resources.backendconfigs, { apiVersion: "cloud.google.com/v1", kind: "BackendConfig", metadata: { name: "tcp-hc", namespace: "default" }, spec: { healthCheck: { type: "TCP", port: 8080 } } });
    await client.create(resources.services, service("tcp", { "cloud.google.com/neg": '{"ingress": true}', "cloud.google.com/backend-config": '{"default": "tcp-hc"}' }));
    await client.create(resources.services, service("nobc", { "cloud.google.com/neg": '{"ingress": true}', "cloud.google.com/backend-config": '{"ports": {"http": "missing"}}' }));
    await client.create(resources.ingresses, ingress("tcp", "tcp"));
    await client.create(resources.ingresses, ingress("nobc", "nobc"));
    const sync = await until("Sync warning", async () => (await events("Ingress", "tcp")).find((e) => e.reason === "Sync" && e.type === "Warning"));
    expect(sync.source.component).toBe("loadbalancer-controller");
    expect(sync.message).toMatch(/^Error syncing to GCP: .*"TCP" is not supported/);
    const translate = await until("Translate warning", async () => (await events("Ingress", "nobc")).find((e) => e.reason === "Translate"));
    expect(translate.type).toBe("Warning");
    expect(translate.message).toBe('Translation failed: invalid ingress spec: error getting BackendConfig for port "&ServiceBackendPort{Name:,Number:80,}" on service "default/nobc", err: no BackendConfig for service port exists.');
    // Neither got a backend service.
    expect([...gke.gce.backendServices.keys()]).toEqual([]);
    // Fixing the BackendConfig creates the health check; later edits re-apply field by field.
    await client.patch(resources.backendconfigs, "default", "tcp-hc", "merge", { spec: { healthCheck: { type: "HTTP", requestPath: "/ready", checkIntervalSec: 3, timeoutSec: 2 } } });
    const hc = await until("health check from the BackendConfig", () => [...gke.gce.healthChecks.values()].find((h) => h.name.includes("-tcp-")));
    expect(hc.settings).toMatchObject({ type: "HTTP", requestPath: "/ready", checkIntervalSec: 3, portSpecification: "USE_FIXED_PORT", port: 8080 });
    await client.patch(resources.backendconfigs, "default", "tcp-hc", "merge", { spec: { healthCheck: { port: null, requestPath: "/live" } } });
    await until("edited", () => gke.gce.healthChecks.get(hc.name)?.settings.requestPath === "/live");
    expect(gke.gce.healthChecks.get(hc.name)?.settings).toMatchObject({ checkIntervalSec: 3, portSpecification: "USE_SERVING_PORT" });
  });

  it("a standalone NEG nothing health-checks opens the gate with LoadBalancerNegWithoutHealthCheck", async () => {
    await client.create(resources.services, service("solo", { "cloud.google.com/neg": '{"exposed_ports": {"80": {"name": "solo-neg"}}}' }));
    await runPod("solo-1", "solo", "10.8.0.40", NODES[0]!);
    const c = await until("gate", async () => {
      const p = await client.get<Pod>(resources.pods, "default", "solo-1");
      return p?.status?.conditions?.find((x) => x.type === GATE && x.status === "True");
    });
    expect(c.reason).toBe("LoadBalancerNegWithoutHealthCheck");
    expect(JSON.parse((await client.get<Service>(resources.services, "default", "solo"))!.metadata.annotations!["cloud.google.com/neg-status"]!)).toEqual({ network_endpoint_groups: { "80": "solo-neg" }, zones: ["us-central1-a", "us-central1-b"] });
  });

  it("Gateway + HTTPRoute: the HealthCheckPolicy decides the health check (gke-neg.md §7)", async () => {
    await client.create(resources.services, service("gw", {}));
    await runPod("gw-1", "gw", "10.8.0.50", NODES[0]!);
    await client.create(resources.gateways, { apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", metadata: { name: "external", namespace: "default" }, spec: { gatewayClassName: "gke-l7-global-external-managed", listeners: [{ name: "http", port: 80, protocol: "HTTP" }] } });
    await client.create(resources.httproutes, { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: { name: "gw", namespace: "default" }, spec: { parentRefs: [{ name: "external" }], rules: [{ matches: [{ path: { type: "PathPrefix", value: "/" } }], backendRefs: [{ name: "gw", port: 80 }] }] } });
    // The policy sends health checks to a port nothing listens on.
    await client.create(resources.healthcheckpolicies, { apiVersion: "networking.gke.io/v1", kind: "HealthCheckPolicy", metadata: { name: "gw-hc", namespace: "default" }, spec: { targetRef: { group: "", kind: "Service", name: "gw" }, default: { checkIntervalSec: 1, timeoutSec: 1, unhealthyThreshold: 1, config: { type: "HTTP", httpHealthCheck: { portSpecification: "USE_FIXED_PORT", port: 8081, requestPath: "/healthz" } } } } });
    const url = await until("gateway front door", () => gke.loadBalancers()["default/external"]);
    const bs = await until("backend service", () => [...gke.gce.backendServices.values()].find((b) => b.name.startsWith("gkegw1-")));
    await until("policy applied", () => gke.gce.healthChecks.get(bs.healthCheck)?.settings.port === 8081);
    await until("unhealthy", () => gke.gce.aggregateHealth(bs.name) === "UNHEALTHY");
    expect((await fetch(`${url}/`)).status).toBe(502);
    const policy = await until("policy status", async () => {
      const p = await client.get<KubeObject & { status?: { conditions?: Array<{ type: string; status: string }> } }>(resources.healthcheckpolicies, "default", "gw-hc");
      return (p?.status?.conditions?.length ?? 0) > 0 && p;
    });
    expect(policy.status?.conditions?.[0]).toMatchObject({ type: "Attached", status: "True" });
    // Fix the policy: serving port.
    await client.patch(resources.healthcheckpolicies, "default", "gw-hc", "merge", { spec: { default: { config: { type: "HTTP", httpHealthCheck: { portSpecification: "USE_SERVING_PORT", port: null, requestPath: "/healthz" } } } } });
    await until("healthy", () => gke.gce.aggregateHealth(bs.name) === "HEALTHY");
    expect(await (await fetch(`${url}/x`)).text()).toBe("served by 10.8.0.50");
  });
});
