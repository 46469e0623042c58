// The strategies against a real API server: the playground's (startPlayground) with its workloads,
// kubelet, NEG readiness gates, load balancers and Compute API. Apply / verify / roll back each
// strategy on web (named targetPort), api (numeric) and shop (Gateway + HealthCheckPolicy); concurrent
// edits, a forbidden patch half-way, a process killed mid-apply; the kubectl commands run for real.
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SwitchboardError } from "../contract/errors.ts";
import { ComputeClient } from "../cloud/compute.ts";
import { staticToken } from "../cloud/adc.ts";
import { snapshotFromItems } from "../gke/snapshot.ts";
import type { NegEndpointHealth } from "../gke/snapshot.ts";
import { preflight } from "./preflight.ts";
import { planStrategy } from "./plan.ts";
import { CONTROLLER_ANNOTATIONS } from "./restore.ts";
import { StrategyRunner } from "./runner.ts";
import type { KubeObject, ObjectKey, Plan, PlanRequest, ProgressEvent } from "./types.ts";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../../", import.meta.url));
// Loaded at run time, not imported: app/ code never depends on playground/, only this test does.
const index = join(root, "playground", "index.ts");
// The Node running the tests (scripts/run.mjs already chose one new enough) runs the children too.
const NODE = process.execPath;

interface Pg {
  kubeconfigPath: string;
  server: string;
  token: string;
  computeApi: string;
  computeToken: string;
  project: string;
  loadBalancers: Record<string, string>;
  dialer: (ip: string, port: number) => { host: string; port: number } | undefined;
  stop(): Promise<void>;
}

describe("strategies against the playground", () => {
  let pg: Pg;
  let kc: KubeConfig;
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), "sb-strategies-"));
    dirs.push(d);
    return d;
  };
  const kubectl = async (...args: string[]) => (await run("kubectl", ["--kubeconfig", pg.kubeconfigPath, "-n", "demo", ...args])).stdout;
  const runner = (o: Partial<ConstructorParameters<typeof StrategyRunner>[0]> = {}) => new StrategyRunner({ kubeConfig: kc, journalDir: tmp(), pollMs: 30, rolloutTimeoutMs: 30_000, ...o });

  async function snapshot() {
    const out = await kubectl("get", "deployments,services,pods,replicasets,ingresses,backendconfigs,healthcheckpolicies,httproutes,gateways", "-o", "json");
    return snapshotFromItems((JSON.parse(out) as { items: unknown[] }).items);
  }
  async function planFor(req: Omit<PlanRequest, "namespace">): Promise<Plan> {
    const r = planStrategy(await snapshot(), { namespace: "demo", ...req }, { context: "playground" });
    if (!r.ok) throw new Error(r.refusal.reason);
    return r.plan;
  }
  /**
   * What rollback must restore: spec, labels and annotations (not resourceVersion/generation/
   * managedFields). The Deployment controller's revision counter is not the user's: a rollback is a
   * new revision for Kubernetes too.
   */
  const user = (o: KubeObject | null) => {
    if (!o) return null;
    const annotations = o.metadata.annotations ? { ...o.metadata.annotations } : undefined;
    if (annotations) for (const a of CONTROLLER_ANNOTATIONS) delete annotations[a];
    return { spec: (o as { spec?: unknown }).spec, labels: o.metadata.labels, annotations };
  };
  async function stateOf(keys: ObjectKey[]) {
    const r = runner();
    return Promise.all(keys.map(async (k) => user(await r.objects.get(k))));
  }
  const keysOf = (p: Plan): ObjectKey[] => {
    const keys = p.changes.map((c) => c.object);
    // The Service and the Deployment always, so a stray change anywhere shows.
    keys.push({ kind: "Service", apiVersion: "v1", namespace: "demo", name: p.service.name });
    if (p.target.workload) keys.push({ kind: "Deployment", apiVersion: "apps/v1", namespace: "demo", name: p.target.workload.name });
    return keys;
  };

  /** The HTTP blocks of the GCE health checks for demo/shop (global/healthChecks of the Compute API). */
  async function shopChecks(): Promise<unknown[]> {
    const res = await fetch(`${pg.computeApi}/compute/v1/projects/${pg.project}/global/healthChecks`, { headers: { Authorization: `Bearer ${pg.computeToken}` } });
    const list = (await res.json()) as { items?: { name: string; httpHealthCheck?: unknown }[] };
    return (list.items ?? []).filter((h) => h.name.includes("-demo-shop-")).map((h) => h.httpHealthCheck);
  }

  /** Live per-endpoint health from the playground's Compute API, for the Service's NEGs. */
  function computeHealth(service: string): () => Promise<NegEndpointHealth[]> {
    const client = new ComputeClient({ baseUrl: pg.computeApi, tokens: staticToken(pg.computeToken) });
    return async () => {
      const svc = await runner().objects.get({ kind: "Service", apiVersion: "v1", namespace: "demo", name: service });
      const status = JSON.parse(svc?.metadata.annotations?.["cloud.google.com/neg-status"] ?? "{}") as { network_endpoint_groups?: Record<string, string>; zones?: string[] };
      const out: NegEndpointHealth[] = [];
      for (const neg of Object.values(status.network_endpoint_groups ?? {})) {
        for (const zone of status.zones ?? []) {
          const items = await client.listNetworkEndpoints(pg.project, zone, neg);
          out.push({ neg, zone, items: items.map((i) => ({ ipAddress: i.ipAddress, port: i.port, healthState: i.healths[0]?.healthState ?? null })) });
        }
      }
      return out;
    };
  }

  /**
   * A loopback proxy in front of the API server: `refuse` answers a request with a 403 Status of its
   * own (an RBAC refusal the playground's admin token never meets), or null to pass it on.
   */
  async function refusingProxy(refuse: (req: http.IncomingMessage) => object | null): Promise<{ kubeConfig: KubeConfig; close: () => Promise<void> }> {
    const upstream = new URL(pg.server);
    const ca = kc.getCurrentCluster()?.caData ? Buffer.from(kc.getCurrentCluster()!.caData!, "base64") : undefined;
    const proxy = http.createServer((req, res) => {
      const status = refuse(req);
      if (status) {
        req.resume();
        res.writeHead(403, { "Content-Type": "application/json" });
        res.end(JSON.stringify(status));
        return;
      }
      const mod = upstream.protocol === "https:" ? https : http;
      const out = mod.request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: { ...req.headers, host: upstream.host }, ...(ca ? { ca } : {}) }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      out.on("error", () => res.destroy());
      req.pipe(out);
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: "proxy", server: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, skipTLSVerify: true }], // plain HTTP on loopback: client-node asks for this flag
      users: [{ name: "u", token: pg.token }],
      contexts: [{ name: "proxy", cluster: "proxy", user: "u", namespace: "demo" }],
      currentContext: "proxy",
    });
    return { kubeConfig, close: () => new Promise<void>((resolve) => { proxy.closeAllConnections(); proxy.close(() => resolve()); }) };
  }

  beforeAll(async () => {
    const mod = (await import(index)) as { startPlayground(o: { speed?: number }): Promise<Pg> };
    pg = await mod.startPlayground({ speed: 50 });
    kc = new KubeConfig();
    kc.loadFromFile(pg.kubeconfigPath);
  }, 90_000);

  afterAll(async () => {
    await pg?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /**
   * Makes a Deployment's app really serve its health path on `port` (env HEALTH_PORT of the demo app),
   * as a user's app must before the dedicated-port strategy can work, and waits for the rollout.
   * Returns the undo (env back as it was, rolled out).
   */
  async function serveHealthOn(deployment: string, port: number): Promise<() => Promise<void>> {
    const dep = (await runner().objects.get({ kind: "Deployment", apiVersion: "apps/v1", namespace: "demo", name: deployment })) as unknown as { spec: { template: { spec: { containers: { env?: unknown[] }[] } } } };
    const env = dep.spec.template.spec.containers[0]!.env;
    const path = "/spec/template/spec/containers/0/env";
    const entry = { name: "HEALTH_PORT", value: String(port) };
    const rollout = async (ops: object[]) => {
      await kubectl("patch", "deployment", deployment, "--type=json", "-p", JSON.stringify(ops));
      await kubectl("rollout", "status", `deployment/${deployment}`, "--timeout=60s");
    };
    await rollout(env ? [{ op: "add", path: `${path}/-`, value: entry }] : [{ op: "add", path, value: [entry] }]);
    return () => rollout(env ? [{ op: "remove", path: `${path}/${env.length}` }] : [{ op: "remove", path }]);
  }

  // The dedicated-port cases first make the app serve health on 8081: declaring the port alone does
  // not (see the test after these).
  const cases: { name: string; req: Omit<PlanRequest, "namespace">; kinds: string[]; healthPort?: number }[] = [
    { name: "web: sidecar", req: { strategy: "sidecar", service: "web", sidecar: { image: "switchboard/health-sidecar" } }, kinds: ["Deployment", "BackendConfig"] },
    { name: "web: pin-serving-port", req: { strategy: "pin-serving-port", service: "web" }, kinds: ["BackendConfig"] },
    { name: "web: dedicated-port", req: { strategy: "dedicated-port", service: "web", dedicatedPort: { port: 8081 } }, kinds: ["Deployment", "BackendConfig"], healthPort: 8081 },
    { name: "api: sidecar", req: { strategy: "sidecar", service: "api", sidecar: { image: "switchboard/health-sidecar" } }, kinds: ["Deployment", "BackendConfig", "Service"] },
    { name: "api: dedicated-port", req: { strategy: "dedicated-port", service: "api", dedicatedPort: { port: 8081 } }, kinds: ["Deployment", "BackendConfig", "Service"], healthPort: 8081 },
    { name: "shop: sidecar (HealthCheckPolicy)", req: { strategy: "sidecar", service: "shop", sidecar: { image: "switchboard/health-sidecar" } }, kinds: ["Deployment", "HealthCheckPolicy"] },
    { name: "shop: dedicated-port (HealthCheckPolicy)", req: { strategy: "dedicated-port", service: "shop", dedicatedPort: { port: 8081 } }, kinds: ["Deployment", "HealthCheckPolicy"], healthPort: 8081 },
  ];

  for (const c of cases) {
    it(`${c.name}: apply, verify healthy at the load balancer, roll back exactly`, async () => {
      const undoHealth = c.healthPort ? await serveHealthOn(c.req.service, c.healthPort) : null;
      try {
        await applyVerifyRollback(c);
      } finally {
        await undoHealth?.();
      }
    });
  }

  async function applyVerifyRollback(c: (typeof cases)[number]) {
    const plan = await planFor(c.req);
    expect(plan.changes.map((x) => x.object.kind)).toEqual(c.kinds);
    if (c.healthPort) {
      // The app serves health there now: the preflight says so before anything changes.
      const pf = await preflight(plan, { objects: runner().objects });
      expect(pf.warnings.find((w) => w.id === "dedicated-port-verified")?.message).toContain(`answer 200 on port ${c.healthPort}`);
    }
    const keys = keysOf(plan);
    const before = await stateOf(keys);
    const r = runner();
    const events: ProgressEvent[] = [];
    const op = await r.apply(plan, { onProgress: (e) => events.push(e) });
    expect(op.state).toBe("applied");
    expect(events.filter((e) => e.step === "patch" || e.step === "create").map((e) => e.object?.kind)).toEqual(c.kinds);
    if (c.kinds[0] === "Deployment") expect(events.some((e) => e.step === "rollout" && e.message.includes("done"))).toBe(true);

    // The health check now goes where the plan said, and the load balancer sees every pod healthy.
    const after = await stateOf(keys);
    expect(after).not.toEqual(before);
    const v = await r.verify(plan, { endpointHealth: computeHealth(c.req.service), timeoutMs: 20_000, pollMs: 100, onProgress: (e) => events.push(e) });
    expect(v.message).toContain("HEALTHY");
    expect(v.healthy).toBe(true);
    expect(events.some((e) => e.step === "endpoint" && /HEALTHY/.test(e.message))).toBe(true);

    const rb = await r.rollback(op.id);
    expect(rb.state).toBe("rolled-back");
    expect(await stateOf(keys)).toEqual(before);
    // Created objects are gone.
    for (const x of plan.changes.filter((y) => y.action === "create")) expect(await r.objects.get(x.object)).toBeNull();
    expect(r.pendingOperations()).toEqual([]);
  }

  it("web: dedicated-port where the app does NOT serve health: preflight says nothing answers; after apply, verify never sees it healthy", async () => {
    const plan = await planFor({ strategy: "dedicated-port", service: "web", dedicatedPort: { port: 8081 } });
    const pf = await preflight(plan, { objects: runner().objects });
    expect(pf.warnings.find((w) => w.id === "dedicated-port-fails")?.message).toContain("nothing answers on 8081");
    const keys = keysOf(plan);
    const before = await stateOf(keys);
    const r = runner();
    // Applied anyway (a user who ignores the warning): the rollout itself succeeds — pods are Ready,
    // the readiness probe is on the serving port — and only the load balancer's check fails.
    const op = await r.apply(plan);
    try {
      expect(op.state).toBe("applied");
      const events: ProgressEvent[] = [];
      const v = await r.verify(plan, { endpointHealth: computeHealth("web"), timeoutMs: 4000, pollMs: 100, onProgress: (e) => events.push(e) });
      expect(v).toMatchObject({ healthy: false, timedOut: true, signal: "compute-api" });
      expect(v.pods.length).toBeGreaterThan(0);
      expect(v.pods.every((p) => p.ready && p.endpoints.length > 0 && p.endpoints.every((e) => e.healthState === "UNHEALTHY"))).toBe(true);
      // Says why, per pod: the load balancer's verdict and the check's target not answering.
      expect(v.message).toMatch(/^Not healthy after 4 s: web-\S+ \(endpoint 10\.8\.\d+\.\d+:8080 UNHEALTHY; nothing answers on 8081 \(error trying to reach service/);
      expect(v.pods.every((p) => p.target?.outcome === "nothing")).toBe(true);
      expect(events.some((e) => e.step === "done")).toBe(false);
      expect(events.some((e) => e.step === "endpoint" && /UNHEALTHY/.test(e.message))).toBe(true);
      expect(events.some((e) => e.step === "health-target" && /nothing answers on 8081/.test(e.message))).toBe(true);
    } finally {
      await r.rollback(op.id);
    }
    expect(await stateOf(keys)).toEqual(before);
  });

  it("shop without a HealthCheckPolicy: the sidecar strategy creates one, the load balancer follows it, rollback deletes it", async () => {
    const r = runner();
    const policyKey: ObjectKey = { kind: "HealthCheckPolicy", apiVersion: "networking.gke.io/v1", namespace: "demo", name: "shop" };
    const original = await r.objects.get(policyKey);
    expect(original).not.toBeNull();
    await kubectl("delete", "healthcheckpolicy", "shop");
    try {
      const plan = await planFor({ strategy: "sidecar", service: "shop", sidecar: { image: "switchboard/health-sidecar" } });
      expect(plan.changes.map((c) => `${c.action} ${c.object.kind}`)).toEqual(["patch Deployment", "create HealthCheckPolicy"]);
      const created = plan.changes[1]!;
      expect(created.object).toMatchObject({ kind: "HealthCheckPolicy", name: "shop-health" });
      const keys = keysOf(plan);
      const before = await stateOf(keys);
      expect(before[1]).toBeNull(); // the policy to be created
      const op = await r.apply(plan);
      expect(op.state).toBe("applied");
      // The API server took it as planned (its CRD validates the §7 rules), with the server's defaults on top.
      const live = await r.objects.get(created.object);
      expect(live?.spec).toMatchObject(created.after.spec as object);
      expect((live as unknown as { spec: { default: { config: { httpHealthCheck: unknown } } } }).spec.default.config.httpHealthCheck).toEqual({ portSpecification: "USE_FIXED_PORT", port: plan.target.port, requestPath: "/healthz" });
      const v = await r.verify(plan, { endpointHealth: computeHealth("shop"), timeoutMs: 20_000, pollMs: 100 });
      expect(v.healthy, v.message).toBe(true);
      expect(v.message).toContain(`each answers 200 on port ${plan.target.port}`);
      // The Gateway's GCE health check follows the new policy (the Compute API's healthChecks).
      await expect.poll(shopChecks, { timeout: 10_000 }).toEqual([expect.objectContaining({ portSpecification: "USE_FIXED_PORT", port: plan.target.port, requestPath: "/healthz" })]);
      await r.rollback(op.id);
      expect(await r.objects.get(created.object)).toBeNull();
      expect(await stateOf(keys)).toEqual(before);
    } finally {
      const { name, namespace, labels, annotations } = original!.metadata;
      await r.objects.create(policyKey, { apiVersion: "networking.gke.io/v1", kind: "HealthCheckPolicy", metadata: { name, namespace, ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) }, spec: (original as { spec?: unknown }).spec });
    }
  });

  it("refuses pin-serving-port for api (numeric targetPort) and finds shop's already pinned", async () => {
    const snap = await snapshot();
    const api = planStrategy(snap, { strategy: "pin-serving-port", namespace: "demo", service: "api" });
    expect(api.ok ? "" : api.refusal.reason).toContain("iptables");
    const shop = planStrategy(snap, { strategy: "pin-serving-port", namespace: "demo", service: "shop" });
    expect(shop.ok && shop.plan.changes.length === 0 && shop.plan.warnings.some((w) => w.id === "already-in-place")).toBe(true);
  });

  it("preflight through the API server's pod proxy: nothing answers where the app does not listen, 200 where it does", async () => {
    const r = runner();
    // web's app serves nothing on 8081 (declaring the port would not change that).
    const web = await preflight(await planFor({ strategy: "dedicated-port", service: "web", dedicatedPort: { port: 8081 } }), { objects: r.objects });
    const fails = web.warnings.find((w) => w.id === "dedicated-port-fails");
    expect(fails?.severity).toBe("danger");
    expect(fails?.message).toContain("does NOT answer 200 on /healthz at port 8081 (checked through the Kubernetes API server's pod proxy");
    expect(fails?.message).toContain("nothing answers on 8081 (error trying to reach service: dial tcp");
    expect(web.probes).toHaveLength(2);
    expect(web.probes.every((p) => p.outcome === "nothing" && !p.ok)).toBe(true);
    expect(web.warnings.map((w) => w.id)).not.toContain("dedicated-port-unverified");
    // search's app serves /healthz on 8090 (HEALTH_PORT).
    const search = await preflight(await planFor({ strategy: "dedicated-port", service: "search", dedicatedPort: { port: 8090 } }), { objects: r.objects });
    expect(search.checked).toBe(true);
    expect(search.warnings.find((w) => w.id === "dedicated-port-verified")?.message).toBe("Checked through the Kubernetes API server's pod proxy: all 2 pods answer 200 on port 8090 at /healthz.");
    // The app's own non-200 is a failure too: a path the health port does not serve answers 404.
    const wrongPath = await preflight(await planFor({ strategy: "dedicated-port", service: "search", dedicatedPort: { port: 8090, path: "/nope" } }), { objects: r.objects });
    expect(wrongPath.warnings.find((w) => w.id === "dedicated-port-fails")?.message).toContain("answers 404 on port 8090 at /nope");
  });

  it("preflight: the pod network's dialer gives the same verdicts; no way to reach pods says so", async () => {
    const r = runner();
    const web = await preflight(await planFor({ strategy: "dedicated-port", service: "web", dedicatedPort: { port: 8081 } }), { objects: r.objects, dial: pg.dialer });
    expect(web.warnings.find((w) => w.id === "dedicated-port-fails")?.message).toContain("does NOT answer 200 on /healthz at port 8081 (checked on the pod network");
    const search = await preflight(await planFor({ strategy: "dedicated-port", service: "search", dedicatedPort: { port: 8090 } }), { objects: r.objects, dial: pg.dialer });
    expect(search.warnings.map((w) => w.id)).toContain("dedicated-port-verified");
    // An ObjectApi that cannot proxy (and no dialer): the plan keeps its warning, saying why.
    const { proxyGet: _none, ...noProxy } = r.objects;
    const blind = await preflight(await planFor({ strategy: "dedicated-port", service: "web", dedicatedPort: { port: 8081 } }), { objects: noProxy });
    expect(blind.checked).toBe(false);
    expect(blind.warnings.find((w) => w.id === "dedicated-port-unverified")?.message).toContain("cannot reach the pods");
  });

  it("preflight without RBAC get on pods/proxy (403): cannot check, and says which permission", async () => {
    let refused = 0;
    const { kubeConfig: pkc, close } = await refusingProxy((req) => {
      const m = /^\/api\/v1\/namespaces\/demo\/pods\/([^/]+)\/proxy/.exec(req.url ?? "");
      if (!m) return null;
      refused++;
      const pod = decodeURIComponent(m[1]!).split(":")[0];
      // kube-apiserver's wording for a subresource (RBAC authorizer).
      return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", reason: "Forbidden", code: 403, message: `pods "${pod}" is forbidden: User "dev@example.com" cannot get resource "pods/proxy" in API group "" in the namespace "demo"`, details: { name: pod, kind: "pods" } };
    });
    try {
      const plan = await planFor({ strategy: "dedicated-port", service: "web", dedicatedPort: { port: 8081 } });
      const pf = await preflight(plan, { objects: runner({ kubeConfig: pkc }).objects });
      expect(refused).toBe(2);
      expect(pf.checked).toBe(false);
      expect(pf.probes.every((p) => p.outcome === "cannot-check")).toBe(true);
      const w = pf.warnings.find((x) => x.id === "dedicated-port-unverified");
      expect(w?.severity).toBe("danger");
      expect(w?.message).toContain("Switchboard cannot check that the app answers /healthz on port 8081");
      expect(w?.message).toContain("it needs RBAC get on pods/proxy");
      expect(w?.message).toContain('cannot get resource "pods/proxy"');
      // Not mistaken for the app refusing: no "fails" verdict.
      expect(pf.warnings.map((x) => x.id)).not.toContain("dedicated-port-fails");
    } finally {
      await close();
    }
  });

  it("a concurrent edit between plan and apply (kubectl annotate) aborts with nothing changed", async () => {
    const plan = await planFor({ strategy: "sidecar", service: "web", sidecar: { image: "switchboard/health-sidecar" } });
    await kubectl("annotate", "backendconfig", "web", "example.com/edited=yes");
    try {
      const keys = keysOf(plan);
      const before = await stateOf(keys);
      const r = runner();
      const err = await r.apply(plan).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(SwitchboardError);
      expect((err as SwitchboardError).code).toBe("conflict");
      expect((err as SwitchboardError).message).toContain('BackendConfig "demo/web"');
      expect(await stateOf(keys)).toEqual(before);
    } finally {
      await kubectl("annotate", "backendconfig", "web", "example.com/edited-");
    }
  });

  it("an edit landing during apply trips the patch's test guard; the earlier step is undone", async () => {
    const plan = await planFor({ strategy: "sidecar", service: "web", sidecar: { image: "switchboard/health-sidecar" } });
    const keys = keysOf(plan);
    const before = await stateOf(keys);
    const r = runner({ hooks: { afterStep: async (_rec, i) => void (i === 0 && (await kubectl("annotate", "backendconfig", "web", "example.com/during=yes"))) } });
    try {
      const err = await r.apply(plan).then(() => null, (e: unknown) => e);
      expect((err as SwitchboardError).code).toBe("conflict");
      expect((err as SwitchboardError).message).toContain('BackendConfig "demo/web" was changed by somebody else');
      expect((err as SwitchboardError).message).toContain("undone: nothing is left half-applied");
      const [deployment] = await stateOf([keys.find((k) => k.kind === "Deployment")!]);
      expect(deployment).toEqual(before[keys.findIndex((k) => k.kind === "Deployment")]);
      expect(r.operations()[0]!.state).toBe("failed");
    } finally {
      await kubectl("annotate", "backendconfig", "web", "example.com/during-");
    }
  });

  it("a forbidden patch in the middle (RBAC) leaves nothing half-applied", async () => {
    // A loopback proxy in front of the API server that answers one BackendConfig PATCH with 403.
    let forbidden = 0;
    const { kubeConfig: pkc, close } = await refusingProxy((req) => {
      if (req.method === "PATCH" && req.url?.startsWith("/apis/cloud.google.com/v1/namespaces/demo/backendconfigs/web") && forbidden === 0) {
        forbidden++;
        return { kind: "Status", apiVersion: "v1", status: "Failure", reason: "Forbidden", code: 403, message: 'backendconfigs.cloud.google.com "web" is forbidden: User "dev@example.com" cannot patch resource "backendconfigs" in API group "cloud.google.com" in the namespace "demo"', details: { name: "web", group: "cloud.google.com", kind: "backendconfigs" } };
      }
      return null;
    });
    try {
      const plan = await planFor({ strategy: "sidecar", service: "web", sidecar: { image: "switchboard/health-sidecar" } });
      const keys = keysOf(plan);
      const before = await stateOf(keys);
      const r = runner({ kubeConfig: pkc });
      const err = await r.apply(plan).then(() => null, (e: unknown) => e);
      expect(forbidden).toBe(1);
      expect((err as SwitchboardError).code).toBe("forbidden");
      expect((err as SwitchboardError).message).toContain('User "dev@example.com" is not allowed to patch backendconfigs.cloud.google.com in namespace "demo"');
      expect((err as SwitchboardError).message).toContain("undone: nothing is left half-applied");
      expect(await stateOf(keys)).toEqual(before);
      const op = r.operations()[0]!;
      expect(op.state).toBe("failed");
      expect(op.steps.map((s) => s.status)).toEqual(["undone", "pending"]);
    } finally {
      await close();
    }
  });

  for (const recovery of ["rollback", "resume"] as const) {
    it(`a process killed after the first step is recovered from the journal (${recovery})`, async () => {
      const plan = await planFor({ strategy: "sidecar", service: "web", sidecar: { image: "switchboard/health-sidecar" } });
      const keys = keysOf(plan);
      const before = await stateOf(keys);
      const dir = tmp();
      const planFile = join(dir, "plan.json");
      writeFileSync(planFile, JSON.stringify(plan));
      const journalDir = join(dir, "journal");
      const child = spawn(NODE, [join(root, "app/strategies/crash-child.ts"), pg.kubeconfigPath, journalDir, planFile], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      let err = "";
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          if (out.includes("STEP 0")) resolve();
        });
        child.on("exit", (code) => reject(new Error(`child exited (${code}) before the first step: ${out}${err}`)));
      });
      // While the applying process lives, another one neither lists nor touches its operation.
      const other = runner({ journalDir });
      expect(other.pendingOperations()).toEqual([]);
      const id0 = other.operations()[0]!.id;
      await expect(other.rollback(id0)).rejects.toMatchObject({ code: "conflict", message: expect.stringContaining(`pid ${child.pid}`) });
      const exited = new Promise((resolve) => child.on("exit", (_c, sig) => resolve(sig)));
      child.kill("SIGKILL");
      expect(await exited).toBe("SIGKILL");

      // The next start: a fresh runner on the same journal.
      const r = runner({ journalDir });
      const pending = r.pendingOperations();
      expect(pending).toHaveLength(1);
      expect(pending[0]!.state).toBe("applying");
      expect(pending[0]!.steps.map((s) => s.status)).toEqual(["applied", "pending"]);
      const id = pending[0]!.id;
      if (recovery === "rollback") {
        await r.rollback(id);
        expect(await stateOf(keys)).toEqual(before);
      } else {
        const op = await r.resume(id);
        expect(op.state).toBe("applied");
        const bc = await r.objects.get(keys.find((k) => k.kind === "BackendConfig")!);
        expect((bc as unknown as { spec: { healthCheck: { port: number } } }).spec.healthCheck.port).toBe(plan.target.port);
        await r.rollback(id);
        expect(await stateOf(keys)).toEqual(before);
      }
      expect(r.pendingOperations()).toEqual([]);
    });
  }

  it("rollback refuses to clobber an edit made since apply, and with force puts back only its own change", async () => {
    const plan = await planFor({ strategy: "pin-serving-port", service: "web" });
    const bcKey = plan.changes[0]!.object;
    const [before] = await stateOf([bcKey]);
    const r = runner();
    const op = await r.apply(plan);
    await kubectl("patch", "backendconfig", "web", "--type=merge", "-p", '{"spec":{"healthCheck":{"checkIntervalSec":7}}}');
    const err = await r.rollback(op.id).then(() => null, (e: unknown) => e);
    expect((err as SwitchboardError).code).toBe("conflict");
    expect((err as SwitchboardError).message).toContain("/spec/healthCheck/checkIntervalSec");
    expect(r.operation(op.id).state).toBe("needs-attention");
    expect(r.pendingOperations().map((o) => o.id)).toEqual([op.id]);
    await r.rollback(op.id, { force: true });
    const [now] = await stateOf([bcKey]);
    const hc = (now as { spec: { healthCheck: Record<string, unknown> } }).spec.healthCheck;
    expect(hc.port).toBeUndefined();
    expect(hc.checkIntervalSec).toBe(7);
    await kubectl("patch", "backendconfig", "web", "--type=merge", "-p", JSON.stringify({ spec: { healthCheck: { checkIntervalSec: (before as { spec: { healthCheck: { checkIntervalSec: number } } }).spec.healthCheck.checkIntervalSec } } }));
    expect(await stateOf([bcKey])).toEqual([before]);
  });

  it("the kubectl commands of a plan do the same change when run by hand", async () => {
    // The commands carry the resourceVersion guard: plan on a settled Deployment (earlier tests'
    // rollbacks may still be writing its status), as a user copying them would.
    await kubectl("rollout", "status", "deployment/api", "--timeout=30s");
    await new Promise((r) => setTimeout(r, 300));
    const plan = await planFor({ strategy: "sidecar", service: "api", sidecar: { image: "switchboard/health-sidecar" } });
    const keys = keysOf(plan);
    const before = await stateOf(keys);
    await run("bash", ["-euo", "pipefail", "-c", plan.kubectlScript], { env: { ...process.env, KUBECONFIG: pg.kubeconfigPath } }).catch((e: { stderr?: string }) => {
      throw new Error(`the plan's kubectl script failed: ${e.stderr ?? String(e)}`);
    });
    const after = await stateOf(keys);
    for (const c of plan.changes) {
      const k = keys.findIndex((x) => x.kind === c.object.kind && x.name === c.object.name);
      // The server adds its defaults (imagePullPolicy, terminationMessagePath, ...) on top.
      expect(after[k]!.spec).toMatchObject((c.after as { spec?: object }).spec ?? {});
      if (c.object.kind === "Service") expect(after[k]!.annotations?.["cloud.google.com/backend-config"]).toBe(c.after.metadata.annotations?.["cloud.google.com/backend-config"]);
    }
    // Put api back by hand too (the plan's objects, reversed).
    const r = runner();
    const svc = plan.changes.find((c) => c.object.kind === "Service")!;
    await kubectl("annotate", "service", "api", "cloud.google.com/backend-config-");
    await kubectl("delete", "backendconfig", plan.changes.find((c) => c.object.kind === "BackendConfig")!.object.name);
    const dep = await r.objects.get(keys.find((k) => k.kind === "Deployment")!);
    const containers = (dep as unknown as { spec: { template: { spec: { containers: unknown[] } } } }).spec.template.spec.containers;
    await kubectl("patch", "deployment", "api", "--type=json", "-p", JSON.stringify([{ op: "remove", path: `/spec/template/spec/containers/${containers.length - 1}` }]));
    void svc;
    expect(await stateOf(keys)).toEqual(before);
  });
});
