// A small in-process cluster for the workload and kubelet tests: the playground's store, the
// workload controllers and the kubelet, without the API server or GKE.
import { Store, StoreClient } from "../apiserver/store.ts";
import { resources, type KubeObject } from "../cluster/client.ts";
import { Kubelet } from "../kubelet/kubelet.ts";
import { WorkloadControllers } from "./controller.ts";

export async function startTestCluster(speed = 50) {
  const store = new Store({ gracefulPodDeletion: true });
  const client = new StoreClient(store);
  const kubelet = new Kubelet({ client, speed });
  const workloads = new WorkloadControllers({ client, speed });
  await kubelet.start();
  await workloads.start();
  await client.create(resources.namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name: "demo" } });
  return {
    store,
    client,
    kubelet,
    workloads,
    async stop() {
      workloads.stop();
      await kubelet.stop();
    },
  };
}

/** Polls `check` until it returns a value other than undefined/false; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function deployment(name: string, opts: { replicas?: number; image?: string; env?: Array<{ name: string; value: string }>; probe?: object; strategy?: object; readinessGates?: string[] } = {}): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "demo", labels: { app: name } },
    spec: {
      replicas: opts.replicas ?? 2,
      selector: { matchLabels: { app: name } },
      ...(opts.strategy ? { strategy: opts.strategy } : {}),
      template: {
        metadata: { labels: { app: name } },
        spec: {
          ...(opts.readinessGates ? { readinessGates: opts.readinessGates.map((conditionType) => ({ conditionType })) } : {}),
          containers: [{
            name: "demo-app",
            image: opts.image ?? "switchboard/demo-app:1.4.0",
            ports: [{ name: "http", containerPort: 8080 }],
            ...(opts.env ? { env: opts.env } : {}),
            ...(opts.probe ? { readinessProbe: opts.probe } : {}),
          }],
        },
      },
    },
  };
}
