// The demo scenarios do what playground/README.md says: the health check each one ends up with,
// and, with real HTTP through the load balancer, what a failing health endpoint does.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resources } from "../cluster/client.ts";
import { startPlayground, type Playground } from "../index.ts";
import { endpointHealth, healthCheckOf } from "../telepresence/harness.ts";
import { waitFor } from "../workloads/test-cluster.ts";
import type { Pod, Service } from "../workloads/types.ts";
import { demoObjects, loadBalancerKeys, scaleObjects } from "./scenarios.ts";

describe("scenario data", () => {
  it("has six stories of 2 replicas, each Service on 8080 named http", () => {
    const objects = demoObjects();
    const deployments = objects.filter((o) => o.kind === "Deployment");
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(["api", "billing", "legacy", "search", "shop", "web"]);
    for (const d of deployments) expect((d.spec as { replicas: number }).replicas).toBe(2);
    for (const s of objects.filter((o): o is Service => o.kind === "Service")) {
      expect(s.spec.ports).toEqual([expect.objectContaining({ name: "http", port: 8080 })]);
    }
    expect(loadBalancerKeys(objects).sort()).toEqual(["demo/api", "demo/billing", "demo/search", "demo/shop", "demo/web"]);
  });

  it("generates N scale services of 3 pods with Ingress NEGs", () => {
    const objects = scaleObjects(120);
    expect(objects.filter((o) => o.kind === "Deployment")).toHaveLength(120);
    expect(objects.filter((o) => o.kind === "Service").every((s) => s.metadata.annotations?.["cloud.google.com/neg"] === '{"ingress": true}')).toBe(true);
    expect(objects.filter((o) => o.kind === "BackendConfig")).toHaveLength(40);
    expect(objects.filter((o) => o.kind === "Ingress")).toHaveLength(3);
  });
});

describe("scenario stories on a running playground", () => {
  let pg: Playground;
  beforeAll(async () => {
    pg = await startPlayground({ speed: 20 });
  });
  afterAll(async () => {
    await pg?.stop();
  });

  const backendService = (owner: string, svc: string) => {
    const bs = [...pg.gke.gce.backendServices.values()].find((b) => (b.owner === owner || b.owner.endsWith(` ${owner}`)) && b.name.includes(`-${svc}-`));
    if (!bs) throw new Error(`no backend service of ${owner} for ${svc}: ${[...pg.gke.gce.backendServices.values()].map((b) => `${b.owner} ${b.name}`).join(", ")}`);
    return bs;
  };
  const settings = (owner: string, svc: string) => pg.gke.gce.healthChecks.get(backendService(owner, svc).healthCheck)!.settings;
  const pods = async (app: string) => (await pg.client.list<Pod>(resources.pods, { namespace: "demo", labelSelector: `app=${app}` })).items.filter((p) => !p.metadata.deletionTimestamp);
  const lbState = (owner: string, svc: string, pod: Pod) => {
    const bs = backendService(owner, svc);
    const ep = pg.gke.gce.endpointsOfPod(`demo/${pod.metadata.name}`).find((e) => bs.backends.includes(`${e.neg.zone}/${e.neg.name}`));
    return ep ? pg.gke.gce.healthOf(bs.name, `${ep.neg.zone}/${ep.neg.name}`, ep.key) : undefined;
  };

  it("ends up with the health check each story describes", () => {
    expect(settings("demo/web", "web")).toMatchObject({ portSpecification: "USE_SERVING_PORT", requestPath: "/healthz" });
    expect(settings("demo/api", "api")).toMatchObject({ portSpecification: "USE_SERVING_PORT", requestPath: "/ready" });
    expect(settings("demo/billing", "billing")).toMatchObject({ portSpecification: "USE_FIXED_PORT", port: 8081, requestPath: "/healthz" });
    expect(settings("demo/search", "search")).toMatchObject({ portSpecification: "USE_FIXED_PORT", port: 8090, requestPath: "/healthz" });
    expect(settings("demo/shop", "shop")).toMatchObject({ portSpecification: "USE_FIXED_PORT", port: 8080, requestPath: "/healthz" });
    expect([...pg.gke.gce.backendServices.values()].some((b) => b.name.includes("-legacy-"))).toBe(false);
  });

  it("web: a pod whose health path fails is dropped by the load balancer; traffic goes to the other", async () => {
    const [bad, good] = await pods("web");
    pg.setHealth("demo", bad!.metadata.name, false);
    try {
      await waitFor("web pod UNHEALTHY", () => lbState("demo/web", "web", bad!) === "UNHEALTHY", 10_000);
      expect(lbState("demo/web", "web", good!)).toBe("HEALTHY");
      const bodies = new Set<string>();
      for (let i = 0; i < 8; i++) bodies.add(await (await fetch(pg.loadBalancers["demo/web"]!)).text());
      expect([...bodies]).toEqual([`hello from ${good!.metadata.name} (demo-app)\n`]);
    } finally {
      pg.setHealth("demo", bad!.metadata.name, true);
    }
    await waitFor("web pod HEALTHY again", () => lbState("demo/web", "web", bad!) === "HEALTHY", 10_000);
  });

  it("billing: the load balancer asks the sidecar, not the app", async () => {
    const [pod] = await pods("billing");
    const name = pod!.metadata.name;
    // The app's health path fails: its own readiness probe notices, the load balancer does not.
    pg.setHealth("demo", name, false, "demo-app");
    try {
      await waitFor("app container NotReady", async () => {
        const p = await pg.client.get<Pod>(resources.pods, "demo", name);
        return p?.status?.containerStatuses?.find((c) => c.name === "demo-app")?.ready === false;
      }, 10_000);
      expect(lbState("demo/billing", "billing", pod!)).toBe("HEALTHY");
      // The sidecar fails: now the load balancer drops the pod.
      pg.setHealth("demo", name, false, "health");
      await waitFor("billing pod UNHEALTHY", () => lbState("demo/billing", "billing", pod!) === "UNHEALTHY", 10_000);
    } finally {
      pg.setHealth("demo", name, true);
    }
  });

  it("the control endpoint flips health out of process", async () => {
    const [pod] = await pods("search");
    const url = `${pg.control}/pods/demo/${pod!.metadata.name}/health`;
    expect((await fetch(url, { method: "POST", body: JSON.stringify({ healthy: false }) })).status).toBe(204);
    expect(await (await fetch(url)).json()).toMatchObject({ healthy: false });
    await waitFor("search pod UNHEALTHY", () => lbState("demo/search", "search", pod!) === "UNHEALTHY", 10_000);
    expect((await fetch(url, { method: "POST", body: JSON.stringify({ healthy: true }) })).status).toBe(204);
    expect((await fetch(`${pg.control}/pods/demo/nope/health`, { method: "POST", body: "{}" })).status).toBe(404);
    expect((await fetch(url.replace(/\/c\/[0-9a-f]+\//, "/c/wrong/"))).status).toBe(404);
    const dial = await (await fetch(`${pg.control}/dial?ip=${pod!.status!.podIP}&port=8090`)).json() as { host: string; port: number };
    expect((await fetch(`http://${dial.host}:${dial.port}/healthz`)).status).toBe(200);
  });

  // gke-neg.md §4: the readinessProbe is read only when the health check is first CREATED, from the
  // first pod by creation time. Here a rolling update replaces EVERY api pod, so that first pod now
  // carries the new probe: a controller that re-inferred on a later sync would pick it up. (Last in
  // this file: it leaves api on the new template.)
  it("api: a probe changed by a rollout that replaces every pod leaves the inferred health check alone", async () => {
    const before = await healthCheckOf(pg, "demo", "api");
    expect(before).toMatchObject({ type: "HTTP", checkIntervalSec: 5, httpHealthCheck: { portSpecification: "USE_SERVING_PORT", requestPath: "/ready" } });
    const old = new Set((await pods("api")).map((p) => p.metadata.name));

    // The probe moves to /live; HEALTH_PATH stays /ready, so the demo app still fails /ready (only) when its switch is off.
    await pg.client.patch(resources.deployments, "demo", "api", "strategic", {
      spec: { template: { spec: { containers: [{ name: "demo-app", readinessProbe: { httpGet: { path: "/live", port: 8080 } } }] } } },
    });
    const fresh = await waitFor("every api pod replaced and Ready", async () => {
      const ps = await pods("api");
      const ready = ps.filter((p) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
      return ps.length === 2 && ready.length === 2 && ps.every((p) => !old.has(p.metadata.name)) && ps;
    }, 30_000);
    const first = [...fresh].sort((a, b) => (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? "") || a.metadata.name.localeCompare(b.metadata.name))[0]!;
    expect(first.spec.containers[0]!.readinessProbe?.httpGet?.path).toBe("/live");

    // A Service edit makes the load-balancer controller sync the Ingress again (ingress-gce also
    // resyncs periodically), so a wrong re-inference would happen now at the latest.
    await pg.client.patch(resources.services, "demo", "api", "merge", { metadata: { annotations: { "playground.switchboard.dev/touched": "1" } } });

    // With real traffic: /ready fails on one pod while its probe (/live) still passes. The load
    // balancer, still checking /ready, drops it; the pod stays Ready in Kubernetes.
    const victim = fresh[0]!;
    pg.setHealth("demo", victim.metadata.name, false);
    try {
      await waitFor("api pod UNHEALTHY in the Compute API", async () => (await endpointHealth(pg, "demo", "api")).get(`${victim.status!.podIP}:8080`) === "UNHEALTHY", 10_000);
      const other = fresh[1]!;
      expect((await endpointHealth(pg, "demo", "api")).get(`${other.status!.podIP}:8080`)).toBe("HEALTHY");
      const p = await pg.client.get<Pod>(resources.pods, "demo", victim.metadata.name);
      expect(p?.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
      expect(await healthCheckOf(pg, "demo", "api")).toMatchObject({ checkIntervalSec: 5, httpHealthCheck: { requestPath: "/ready" } });
    } finally {
      pg.setHealth("demo", victim.metadata.name, true);
    }
  });
});
