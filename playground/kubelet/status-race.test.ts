// The kubelet's status write racing another writer's (conformance/README.md, difference 10): over
// HTTP the watch event of the NEG readiness reflector's patch can arrive before the answer to the
// kubelet's own PUT. The kubelet must keep the newer object, or it judges the pod on a status
// without the readiness-gate condition (Ready=False for ever: nothing triggers another sync).
import { afterEach, expect, it } from "vitest";
import { Store, StoreClient } from "../apiserver/store.ts";
import { resources, type ClusterClient, type KubeObject } from "../cluster/client.ts";
import { waitFor } from "../workloads/test-cluster.ts";
import { Informer } from "../workloads/informer.ts";
import type { Pod, PodCondition } from "../workloads/types.ts";
import { Kubelet } from "./kubelet.ts";

const GATE = "cloud.google.com/load-balancer-neg-ready";
const cond = (p: Pod | undefined, type: string) => p?.status?.conditions?.find((c) => c.type === type);
const stops: Array<() => unknown> = [];

afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

it("keeps a newer pod seen on the watch over the answer to its own older status write", async () => {
  const store = new Store({ gracefulPodDeletion: true });
  const direct = new StoreClient(store);
  const pods = new Informer<Pod>(direct, resources.pods);
  let raced = false;
  // The kubelet's client: when the kubelet writes ContainersReady=True, the "reflector" sets the gate
  // condition True right after that write, and the kubelet's informer sees it, before the kubelet
  // gets the answer to its own (now older) write.
  const kubeletClient = new Proxy(direct, {
    get(target, prop, receiver) {
      if (prop === "updateStatus") {
        return async <T extends KubeObject>(res: typeof resources.pods, obj: T): Promise<T> => {
          const written = await target.updateStatus<T>(res, obj);
          const p = written as unknown as Pod;
          if (!raced && res.plural === "pods" && cond(p, "ContainersReady")?.status === "True") {
            raced = true;
            const gate: PodCondition = { type: GATE, status: "True", reason: "LoadBalancerNegReady" } as PodCondition;
            const newer = await target.updateStatus<Pod>(resources.pods, { ...p, status: { ...p.status, conditions: [...(p.status?.conditions ?? []), gate] } });
            await waitFor("the informer to see the reflector's write", () => pods.get("demo", p.metadata.name)?.metadata.resourceVersion === newer.metadata.resourceVersion);
          }
          return written;
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  }) as ClusterClient;
  const kubelet = new Kubelet({ client: kubeletClient, speed: 50, pods });
  stops.push(() => kubelet.stop(), () => pods.stop());
  await kubelet.start();
  await pods.start();
  await direct.create(resources.namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name: "demo" } });
  await direct.create(resources.pods, {
    apiVersion: "v1", kind: "Pod", metadata: { name: "web-0", namespace: "demo" },
    spec: { readinessGates: [{ conditionType: GATE }], containers: [{ name: "app", image: "switchboard/demo-app:1.4.0", ports: [{ name: "http", containerPort: 8080 }] }] },
  });

  const ready = await waitFor("Ready=True on the API server", async () => {
    const p = await direct.get<Pod>(resources.pods, "demo", "web-0");
    return cond(p, "Ready")?.status === "True" ? p : undefined;
  }, 5_000);
  expect(raced).toBe(true);
  expect(cond(ready, GATE)).toMatchObject({ status: "True", reason: "LoadBalancerNegReady" });
});
