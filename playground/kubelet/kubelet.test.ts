import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { request } from "node:http";
import { resources } from "../cluster/client.ts";
import { deployment, startTestCluster, waitFor } from "../workloads/test-cluster.ts";
import type { Pod } from "../workloads/types.ts";
import { PodNetwork } from "./network.ts";

type Cluster = Awaited<ReturnType<typeof startTestCluster>>;
const GATE = "cloud.google.com/load-balancer-neg-ready";

const cond = (p: Pod | undefined, type: string) => p?.status?.conditions?.find((c) => c.type === type);

function get(host: string, port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host, port, path, agent: false }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    }).on("error", reject).end();
  });
}

describe("kubelet", () => {
  let c: Cluster;
  beforeEach(async () => {
    c = await startTestCluster(50);
  });
  afterEach(async () => {
    await c.stop();
  });

  async function onlyPod(): Promise<Pod> {
    return waitFor("the pod", async () => (await c.client.list<Pod>(resources.pods, { namespace: "demo" })).items.find((p) => p.status?.podIP));
  }

  async function fresh(name: string): Promise<Pod | undefined> {
    return c.client.get<Pod>(resources.pods, "demo", name);
  }

  it("runs containers as real listeners and derives readiness from a real HTTP probe", async () => {
    await c.client.create(resources.deployments, deployment("web", {
      replicas: 1,
      probe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 1, failureThreshold: 2 },
    }));
    const pod = await onlyPod();
    const ready = await waitFor("Ready", async () => {
      const p = await fresh(pod.metadata.name);
      return cond(p, "Ready")?.status === "True" ? p : undefined;
    });
    expect(ready.status).toMatchObject({ phase: "Running", hostIP: expect.stringMatching(/^10\.128\.0\.\d+$/), podIP: expect.stringMatching(/^10\.8\./) });
    const cs = ready.status!.containerStatuses![0]!;
    expect(cs).toMatchObject({ name: "demo-app", ready: true, started: true, restartCount: 0 });
    expect((cs.state as { running: { startedAt: string } }).running.startedAt).toMatch(/Z$/);
    for (const t of ["PodScheduled", "Initialized", "ContainersReady", "Ready"]) expect(cond(ready, t)?.status).toBe("True");

    const addr = c.kubelet.dialer(ready.status!.podIP!, 8080)!;
    expect(addr.host).toBe("127.0.0.1");
    expect(await get(addr.host, addr.port, "/")).toEqual({ status: 200, body: `hello from ${pod.metadata.name} (demo-app)\n` });
    expect((await get(addr.host, addr.port, "/healthz")).status).toBe(200);

    // The test hook: the health path fails, the real probe sees 503, the pod goes NotReady.
    c.kubelet.health.set("demo", pod.metadata.name, false);
    expect((await get(addr.host, addr.port, "/healthz")).status).toBe(503);
    const notReady = await waitFor("NotReady", async () => {
      const p = await fresh(pod.metadata.name);
      return cond(p, "Ready")?.status === "False" ? p : undefined;
    });
    expect(cond(notReady, "Ready")).toMatchObject({ reason: "ContainersNotReady", message: "containers with unready status: [demo-app]" });
    expect(cond(notReady, "ContainersReady")?.status).toBe("False");
    expect(notReady.status!.containerStatuses![0]!.ready).toBe(false);
    const events = (await c.client.list(resources.events, { namespace: "demo" })).items;
    const about = events.filter((e) => (e.involvedObject as { name: string }).name === pod.metadata.name);
    expect(about.find((e) => e.reason === "Scheduled")).toMatchObject({ message: `Successfully assigned demo/${pod.metadata.name} to ${ready.spec.nodeName}`, source: { component: "default-scheduler" } });
    expect(about.find((e) => e.reason === "Started")).toMatchObject({ message: "Started container demo-app", source: { component: "kubelet" } });
    expect(events.some((e) => e.reason === "Unhealthy" && String(e.message).startsWith("Readiness probe failed: HTTP probe failed with statuscode: 503"))).toBe(true);

    c.kubelet.health.set("demo", pod.metadata.name, true);
    await waitFor("Ready again", async () => cond(await fresh(pod.metadata.name), "Ready")?.status === "True");
  });

  it("holds a pod NotReady until its readiness gate's condition is True (empty status is not ready)", async () => {
    await c.client.create(resources.deployments, deployment("web", { replicas: 1, readinessGates: [GATE] }));
    const pod = await onlyPod();
    const waiting = await waitFor("containers ready", async () => {
      const p = await fresh(pod.metadata.name);
      return cond(p, "ContainersReady")?.status === "True" ? p : undefined;
    });
    expect(cond(waiting, "Ready")).toMatchObject({ status: "False", reason: "ReadinessGatesNotReady",
      message: `corresponding condition of pod readiness gate "${GATE}" does not exist.` });

    // What the NEG readiness reflector writes while waiting: reason, EMPTY status (gke-neg.md §1).
    const withEmpty = { ...waiting, status: { ...waiting.status, conditions: [...waiting.status!.conditions!, { type: GATE, status: "", reason: "LoadBalancerNegNotReady", message: "Waiting for pod to become healthy in at least one of the NEG(s): [neg]" }] } };
    await c.client.updateStatus(resources.pods, withEmpty);
    await waitFor("gate message", async () => cond(await fresh(pod.metadata.name), "Ready")?.message?.includes("is not \"True\""));
    expect(cond(await fresh(pod.metadata.name), "Ready")?.status).toBe("False");

    const current = (await fresh(pod.metadata.name))!;
    const conditions = current.status!.conditions!.map((x) => (x.type === GATE ? { ...x, status: "True", reason: "LoadBalancerNegReady" } : x));
    await c.client.updateStatus(resources.pods, { ...current, status: { ...current.status, conditions } });
    const ready = await waitFor("Ready", async () => {
      const p = await fresh(pod.metadata.name);
      return cond(p, "Ready")?.status === "True" ? p : undefined;
    });
    // The kubelet kept the condition it does not own.
    expect(cond(ready, GATE)).toMatchObject({ status: "True", reason: "LoadBalancerNegReady" });
  });

  it("completes init containers at once and does not rewrite an unchanged status", async () => {
    const d = deployment("web", { replicas: 1 });
    (d.spec as { template: { spec: Record<string, unknown> } }).template.spec.initContainers = [{ name: "tel-agent-init", image: "ghcr.io/telepresenceio/tel2:2.20.2" }];
    await c.client.create(resources.deployments, d);
    const pod = await onlyPod();
    const ready = await waitFor("Ready", async () => {
      const p = await fresh(pod.metadata.name);
      return cond(p, "Ready")?.status === "True" ? p : undefined;
    });
    expect(ready.status!.initContainerStatuses![0]).toMatchObject({ name: "tel-agent-init", ready: true, state: { terminated: { exitCode: 0, reason: "Completed" } } });
    const rv = ready.metadata.resourceVersion;
    await new Promise((r) => setTimeout(r, 100));
    expect((await fresh(pod.metadata.name))!.metadata.resourceVersion).toBe(rv);
  });

  it("runs registered init-container actions first: a tel-agent-init style redirect sends port 8080 to another container", async () => {
    c.kubelet.registerInitContainer("tel-agent-init", ({ network, podIP }) => network.redirect(podIP, 8080, 9900));
    const d = deployment("api", { replicas: 1 });
    const spec = (d.spec as { template: { spec: { initContainers?: unknown[]; containers: unknown[] } } }).template.spec;
    spec.initContainers = [{ name: "tel-agent-init", image: "ghcr.io/telepresenceio/tel2:2.20.2" }];
    spec.containers.push({ name: "traffic-agent", image: "ghcr.io/telepresenceio/tel2:2.20.2", ports: [{ name: "http", containerPort: 9900 }] });
    await c.client.create(resources.deployments, d);
    const pod = await waitFor("Ready", async () => {
      const p = (await c.client.list<Pod>(resources.pods, { namespace: "demo" })).items[0];
      return cond(p, "Ready")?.status === "True" ? p : undefined;
    });
    const viaRedirect = c.kubelet.dialer(pod.status!.podIP!, 8080)!;
    expect((await get(viaRedirect.host, viaRedirect.port, "/")).body).toBe(`ok from ${pod.metadata.name} (traffic-agent)\n`);
    const direct = c.kubelet.network.dial(pod.status!.podIP!, 8080, { direct: true })!;
    expect((await get(direct.host, direct.port, "/")).body).toBe(`hello from ${pod.metadata.name} (demo-app)\n`);
  });

  it("tcpSocket probes connect for real: a port nobody listens on keeps the pod NotReady", async () => {
    await c.client.create(resources.deployments, deployment("web", { replicas: 1, probe: { tcpSocket: { port: 9999 }, periodSeconds: 1 } }));
    const pod = await onlyPod();
    await waitFor("running", async () => (await fresh(pod.metadata.name))?.status?.phase === "Running");
    await new Promise((r) => setTimeout(r, 150));
    expect(cond(await fresh(pod.metadata.name), "Ready")?.status).toBe("False");
  });
});

describe("pod network", () => {
  it("redirects a port to another port of the same pod, unless dialled directly", () => {
    const net = new PodNetwork();
    net.attach("10.8.0.2", "demo", "web-1");
    net.bind("10.8.0.2", 8080, "app", { host: "127.0.0.1", port: 40001 });
    net.bind("10.8.0.2", 9900, "traffic-agent", { host: "127.0.0.1", port: 40002 });
    expect(net.dial("10.8.0.2", 8080)).toEqual({ host: "127.0.0.1", port: 40001 });
    net.redirect("10.8.0.2", 8080, 9900);
    expect(net.dial("10.8.0.2", 8080)).toEqual({ host: "127.0.0.1", port: 40002 });
    expect(net.dial("10.8.0.2", 8080, { direct: true })).toEqual({ host: "127.0.0.1", port: 40001 });
    expect(net.dial("10.8.0.3", 8080)).toBeUndefined();
    net.detach("10.8.0.2");
    expect(net.dial("10.8.0.2", 9900)).toBeUndefined();
  });
});
