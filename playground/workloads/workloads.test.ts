import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resources } from "../cluster/client.ts";
import { deployment, startTestCluster, waitFor } from "./test-cluster.ts";
import { newRSReplicas, scaleDownOld } from "./rollout.ts";
import type { Deployment, Pod, ReplicaSet } from "./types.ts";

type Cluster = Awaited<ReturnType<typeof startTestCluster>>;

function ready(p: Pod): boolean {
  return p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

describe("rollout arithmetic", () => {
  const d = (replicas: number, maxSurge: number | string, maxUnavailable: number | string) =>
    ({ spec: { replicas, strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge, maxUnavailable } } } }) as Deployment;
  const rs = (name: string, replicas: number, available: number, revision: number) =>
    ({ metadata: { name, annotations: { "deployment.kubernetes.io/revision": String(revision) } }, spec: { replicas }, status: { replicas, availableReplicas: available } }) as unknown as ReplicaSet;

  it("surges the new ReplicaSet by at most maxSurge", () => {
    const old = rs("old", 4, 4, 1);
    expect(newRSReplicas(d(4, 1, 0), [old], undefined)).toBe(1);
    expect(newRSReplicas(d(4, "50%", 0), [old], undefined)).toBe(2);
    // Already at replicas + maxSurge: no more.
    expect(newRSReplicas(d(4, 1, 0), [old, rs("new", 1, 0, 2)], rs("new", 1, 0, 2))).toBe(1);
  });

  it("scales old ReplicaSets down only while replicas - maxUnavailable stay available", () => {
    const newRS = rs("new", 1, 0, 2);
    // New pod not yet available, maxUnavailable 0: nothing may go.
    expect(scaleDownOld(d(2, 1, 0), newRS, [rs("old", 2, 2, 1)]).size).toBe(0);
    // New pod available: one old pod may go.
    expect(scaleDownOld(d(2, 1, 0), rs("new", 1, 1, 2), [rs("old", 2, 2, 1)]).get("old")).toBe(1);
    // Unavailable old pods go first, even when nothing is available.
    expect(scaleDownOld(d(2, 1, 1), newRS, [rs("old", 2, 0, 1)]).get("old")).toBe(1);
  });
});

describe("workload controllers", () => {
  let c: Cluster;
  beforeEach(async () => {
    c = await startTestCluster(50);
  });
  afterEach(async () => {
    await c.stop();
  });

  it("creates a ReplicaSet and spread, owned pods; reports Deployment status", async () => {
    await c.client.create(resources.deployments, deployment("web", { replicas: 3 }));
    const d = await waitFor("web available", async () => {
      const x = await c.client.get<Deployment>(resources.deployments, "demo", "web");
      return x?.status?.availableReplicas === 3 ? x : undefined;
    });
    expect(d.status).toMatchObject({ replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
    expect(d.status?.conditions?.find((x) => x.type === "Available")).toMatchObject({ status: "True", reason: "MinimumReplicasAvailable" });
    expect(d.status?.conditions?.find((x) => x.type === "Progressing")).toMatchObject({ status: "True", reason: "NewReplicaSetAvailable" });
    const [rs] = (await c.client.list<ReplicaSet>(resources.replicasets, { namespace: "demo" })).items;
    const hash = rs!.metadata.labels!["pod-template-hash"]!;
    expect(rs!.metadata.name).toBe(`web-${hash}`);
    expect(rs!.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("1");
    expect(rs!.metadata.ownerReferences?.[0]).toMatchObject({ kind: "Deployment", name: "web", uid: d.metadata.uid, controller: true });
    const pods = (await c.client.list<Pod>(resources.pods, { namespace: "demo" })).items;
    expect(pods).toHaveLength(3);
    for (const p of pods) {
      expect(p.metadata.name).toMatch(new RegExp(`^web-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
      expect(p.metadata.ownerReferences?.[0]).toMatchObject({ kind: "ReplicaSet", uid: rs!.metadata.uid, controller: true });
      expect(p.status?.podIP).toMatch(/^10\.8\.\d+\.\d+$/);
    }
    // Three pods on three nodes, both zones used.
    expect(new Set(pods.map((p) => p.spec.nodeName)).size).toBe(3);
  });

  it("rolls out a template change without dropping below replicas - maxUnavailable", async () => {
    await c.client.create(resources.deployments, deployment("web", { replicas: 2, strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }));
    await waitFor("web available", async () => (await c.client.get<Deployment>(resources.deployments, "demo", "web"))?.status?.availableReplicas === 2);
    const oldHash = (await c.client.list<ReplicaSet>(resources.replicasets, { namespace: "demo" })).items[0]!.metadata.labels!["pod-template-hash"];

    // Watch every pod change during the rollout: ready pods never below 2, pods never above 3.
    const seen = new Map<string, Pod>();
    let minReady = Infinity;
    let maxPods = 0;
    const before = await c.client.list<Pod>(resources.pods, { namespace: "demo" });
    for (const p of before.items) seen.set(p.metadata.name, p);
    const stopWatch = c.client.watch<Pod>(resources.pods, { namespace: "demo", resourceVersion: before.resourceVersion }, (ev) => {
      if (ev.type === "DELETED") seen.delete(ev.object.metadata.name);
      else seen.set(ev.object.metadata.name, ev.object);
      const live = [...seen.values()].filter((p) => !p.metadata.deletionTimestamp);
      minReady = Math.min(minReady, live.filter(ready).length);
      maxPods = Math.max(maxPods, live.length);
    });
    await c.client.patch(resources.deployments, "demo", "web", "merge", { spec: { template: { spec: { containers: [{ name: "demo-app", image: "switchboard/demo-app:1.5.0", ports: [{ name: "http", containerPort: 8080 }] }] } } } });
    const d = await waitFor("rollout complete", async () => {
      const x = await c.client.get<Deployment>(resources.deployments, "demo", "web");
      const s = x?.status;
      return s && s.observedGeneration === 2 && s.updatedReplicas === 2 && s.replicas === 2 && s.availableReplicas === 2 ? x : undefined;
    });
    stopWatch();
    expect(d.status?.conditions?.find((x) => x.type === "Progressing")?.reason).toBe("NewReplicaSetAvailable");
    expect(minReady).toBeGreaterThanOrEqual(2);
    expect(maxPods).toBeLessThanOrEqual(3);
    const rss = (await c.client.list<ReplicaSet>(resources.replicasets, { namespace: "demo" })).items;
    const newRS = rss.find((r) => r.metadata.labels!["pod-template-hash"] !== oldHash)!;
    const oldRS = rss.find((r) => r.metadata.labels!["pod-template-hash"] === oldHash)!;
    expect(newRS.spec.replicas).toBe(2);
    expect(newRS.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("2");
    expect(oldRS.spec.replicas).toBe(0);
    await waitFor("old pods gone", async () => {
      const pods = (await c.client.list<Pod>(resources.pods, { namespace: "demo" })).items;
      return pods.length === 2 && pods.every((p) => p.metadata.labels!["pod-template-hash"] === newRS.metadata.labels!["pod-template-hash"]);
    });
    const pod = (await c.client.list<Pod>(resources.pods, { namespace: "demo" })).items[0]!;
    expect(pod.status?.containerStatuses?.[0]?.image).toBe("switchboard/demo-app:1.5.0");
  });

  it("writes Endpoints with ready and not-ready addresses, resolving a named targetPort", async () => {
    await c.client.create(resources.services, {
      apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "demo" },
      spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http" }] },
    });
    await c.client.create(resources.deployments, deployment("web", { replicas: 2, probe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 1, failureThreshold: 1 } }));
    const ep = await waitFor("two ready addresses", async () => {
      const e = await c.client.get(resources.endpoints, "demo", "web");
      const subsets = e?.subsets as Array<{ addresses?: unknown[]; ports: unknown[] }> | undefined;
      return subsets?.[0]?.addresses?.length === 2 ? subsets : undefined;
    });
    expect(ep[0]!.ports).toEqual([{ name: "http", port: 8080, protocol: "TCP" }]);
    const pods = (await c.client.list<Pod>(resources.pods, { namespace: "demo" })).items;
    c.kubelet.health.set("demo", pods[0]!.metadata.name, false);
    const after = await waitFor("one not-ready address", async () => {
      const e = await c.client.get(resources.endpoints, "demo", "web");
      const subsets = e?.subsets as Array<{ addresses?: Array<{ ip: string }>; notReadyAddresses?: Array<{ ip: string; targetRef: { name: string } }> }>;
      return subsets?.[0]?.notReadyAddresses?.length === 1 ? subsets[0] : undefined;
    });
    expect(after.notReadyAddresses![0]!.targetRef.name).toBe(pods[0]!.metadata.name);
    expect(after.addresses!.map((a) => a.ip)).toEqual([pods[1]!.status!.podIP]);
    const slices = (await c.client.list(resources.endpointslices, { namespace: "demo", labelSelector: "kubernetes.io/service-name=web" })).items;
    expect(slices).toHaveLength(1);
    const endpoints = slices[0]!.endpoints as Array<{ conditions: { ready: boolean }; zone: string }>;
    expect(endpoints.filter((e) => e.conditions.ready)).toHaveLength(1);
    expect(endpoints.every((e) => e.zone.startsWith("us-central1-"))).toBe(true);
  });

  it("reports ProgressDeadlineExceeded when new pods never become ready", async () => {
    const d = deployment("stuck", { replicas: 1, probe: { tcpSocket: { port: 9999 }, periodSeconds: 1 } });
    (d.spec as { progressDeadlineSeconds: number }).progressDeadlineSeconds = 2;
    await c.client.create(resources.deployments, d);
    const stuck = await waitFor("deadline exceeded", async () => {
      const x = await c.client.get<Deployment>(resources.deployments, "demo", "stuck");
      const p = x?.status?.conditions?.find((k) => k.type === "Progressing");
      return p?.reason === "ProgressDeadlineExceeded" ? x : undefined;
    });
    expect(stuck.status?.conditions?.find((k) => k.type === "Progressing")).toMatchObject({ status: "False", message: expect.stringMatching(/^ReplicaSet "stuck-[a-z0-9]+" has timed out progressing\.$/) });
    expect(stuck.status?.conditions?.find((k) => k.type === "Available")).toMatchObject({ status: "False", reason: "MinimumReplicasUnavailable" });
    expect(stuck.status?.unavailableReplicas).toBe(1);
  });

  it("deletes pods when the Deployment is deleted and the kubelet closes their listeners", async () => {
    await c.client.create(resources.deployments, deployment("web", { replicas: 1 }));
    const pod = await waitFor("pod running", async () => (await c.client.list<Pod>(resources.pods, { namespace: "demo" })).items.find(ready));
    const addr = c.kubelet.dialer(pod.status!.podIP!, 8080)!;
    expect(await (await fetch(`http://${addr.host}:${addr.port}/`)).text()).toBe(`hello from ${pod.metadata.name} (demo-app)\n`);
    await c.client.delete(resources.deployments, "demo", "web");
    await waitFor("pods gone", async () => (await c.client.list(resources.pods, { namespace: "demo" })).items.length === 0);
    expect(c.kubelet.dialer(pod.status!.podIP!, 8080)).toBeUndefined();
    await expect(fetch(`http://${addr.host}:${addr.port}/`)).rejects.toThrow();
  });
});
