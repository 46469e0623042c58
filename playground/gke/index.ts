// The simulated GKE control plane and Google Cloud side of the playground: NEG controller,
// readiness reflector, readiness-gate admission, load-balancer controller with its health checker
// and front doors, and the Compute API emulation. One call starts it all.
import type { ClusterClient } from "../cluster/client.ts";
import { resources } from "../cluster/client.ts";
import { GkeCaches } from "./caches.ts";
import { ComputeApi } from "./compute-api.ts";
import { Gce } from "./gce.ts";
import { HealthChecker } from "./health-checker.ts";
import { LoadBalancerController } from "./lb-controller.ts";
import { NegController } from "./neg-controller.ts";
import { addNegReadinessGate, needsNegReadinessGate } from "./neg-model.ts";
import { ReadinessReflector } from "./readiness-reflector.ts";
import type { EndpointDialer, Pod } from "./types.ts";

export type { EndpointDialer } from "./types.ts";
export { Gce } from "./gce.ts";

/** The part of the playground API server's admission chain this needs (playground/apiserver/store.ts). */
export interface AdmissionRegistry {
  addMutating(selector: { name: string; resource?: { group: string; plural: string }; operations?: Array<"CREATE" | "UPDATE" | "DELETE"> }, fn: (req: { object: unknown; namespace: string | undefined }) => unknown): () => void;
}

export interface GkeOptions {
  client: ClusterClient;
  /** Pod IP + port → the loopback socket that serves it (the playground kubelet's `PodNetwork.dial`). */
  dialer: EndpointDialer;
  /** The playground's `--speed`: every GKE interval and timeout is divided by it. Default 1. */
  speed?: number;
  /** Cluster UID; its first 8 characters go in NEG names. */
  clusterId?: string;
  project?: string;
  zones?: string[];
  /**
   * The in-memory API server's admission chain: when given, pods of NEG Services get the readiness
   * gate at creation (gke-neg.md §5). Against a real kube-apiserver there is no such hook.
   */
  admission?: AdmissionRegistry;
  /** Fixed bearer token / port for the Compute API (random when not given). */
  computeToken?: string;
  computePort?: number;
  log?: (msg: string) => void;
}

export interface Gke {
  /** `namespace/name` of each Ingress and GKE Gateway → its front door URL (http://127.0.0.1:port). */
  loadBalancers(): Record<string, string>;
  /** Base URL of the Compute API emulation; paths start with `/compute/v1/projects/{project}/…`. */
  computeApiUrl: string;
  /** Bearer token the Compute API requires. */
  computeToken: string;
  project: string;
  zones: string[];
  clusterId: string;
  /** The simulated GCE state (NEGs, backend services, health), for tests and the playground's own views. */
  gce: Gce;
  stop(): Promise<void>;
}

export async function startGke(options: GkeOptions): Promise<Gke> {
  const speed = options.speed && options.speed > 0 ? options.speed : 1;
  const clusterId = options.clusterId ?? "74b928a2";
  const project = options.project ?? "playground-project";
  const zones = options.zones ?? ["us-central1-a", "us-central1-b"];
  const { client, dialer, log } = options;

  const gce = new Gce(project);
  const caches = new GkeCaches(client);
  const negs = new NegController(client, caches, gce, { clusterId, zones, speed, log });
  const reflector = new ReadinessReflector(client, caches, gce, negs, { speed, log });
  const lb = new LoadBalancerController(client, caches, gce, dialer, { clusterId, zones, speed, log });
  const checker = new HealthChecker(gce, dialer, { speed });
  const api = new ComputeApi(gce, { token: options.computeToken, port: options.computePort });

  // gke-neg.md §5: GKE adds the readiness gate to pods behind NEGs at creation (a webhook).
  const removeHook = options.admission?.addMutating(
    { name: "neg-readiness-gate.networking.gke.io", resource: { group: "", plural: resources.pods.plural }, operations: ["CREATE"] },
    (req) => {
      const pod = req.object as Pod;
      if (!pod.metadata.namespace && req.namespace) pod.metadata.namespace = req.namespace;
      if (needsNegReadinessGate(pod, caches.servicesSelecting(pod.metadata.namespace ?? "default", pod.metadata.labels), negs.context)) addNegReadinessGate(pod);
    },
  );

  let computeApiUrl: string;
  try {
    await caches.start(log);
    computeApiUrl = await api.start();
  } catch (err) {
    removeHook?.();
    caches.stop();
    await api.stop();
    throw err;
  }
  checker.start();
  negs.start();
  lb.start();
  reflector.start();

  return {
    loadBalancers: () => lb.loadBalancers(),
    computeApiUrl,
    computeToken: api.token,
    project,
    zones,
    clusterId,
    gce,
    async stop() {
      removeHook?.();
      reflector.stop();
      negs.stop();
      checker.stop();
      caches.stop();
      await lb.stop();
      await api.stop();
    },
  };
}
