// The one way the playground's controllers (kubelet, workloads, NEG controller, load balancer,
// Telepresence manager and injector) read and write the cluster. Two implementations:
//  - the in-memory store of the playground's own API server (in-process, fast), and
//  - plain HTTP to any Kubernetes API server (the conformance run puts a real kube-apiserver here).
// Controllers must not know which one they have.
//
// Added by the API server work (compatible extensions):
//  - ClusterError takes an optional 4th argument `details` (the Status `details`: name, group, kind,
//    causes), so 422 Invalid errors carry their field causes both in-process and over HTTP.
//  - `delete` takes optional DeleteOptions (propagationPolicy, gracePeriodSeconds, preconditions).
//  - ListOptions takes optional `limit` / `continue`; `list` may return `continue`.
//  - `resources.nodes` (core/v1 Node, cluster-scoped).
//  - `patchStatus`: a patch on the status subresource. Note that, like the real API server, a plain
//    `patch` or `update` of a kind with a status subresource (pods, deployments, replicasets,
//    services, ingresses, healthcheckpolicies, gateways, httproutes, namespaces, nodes) IGNORES
//    status: controllers write status with updateStatus or patchStatus.
// Implementations: StoreClient (playground/apiserver/store.ts) and HttpClusterClient
// (playground/cluster/http-client.ts).

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<{
    apiVersion: string;
    kind: string;
    name: string;
    uid: string;
    controller?: boolean;
    blockOwnerDeletion?: boolean;
  }>;
  finalizers?: string[];
  generateName?: string;
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** Names a resource the way the REST API does: group ("" for core), version, plural. */
export interface ResourceRef {
  group: string;
  version: string;
  plural: string;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size; the answer then carries `continue` when more items remain. */
  limit?: number;
  continue?: string;
}

export interface DeleteOptions {
  /** Background (default): dependents are garbage-collected after the owner; Foreground: before; Orphan: kept. */
  propagationPolicy?: "Background" | "Foreground" | "Orphan";
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/** The `details` of a Kubernetes Status object. */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: "ADDED" | "MODIFIED" | "DELETED";
  object: T;
}

export type PatchType = "json" | "merge" | "strategic";

export interface ClusterClient {
  get<T extends KubeObject = KubeObject>(res: ResourceRef, namespace: string | undefined, name: string): Promise<T | undefined>;
  list<T extends KubeObject = KubeObject>(res: ResourceRef, options?: ListOptions): Promise<{ items: T[]; resourceVersion: string; continue?: string }>;
  create<T extends KubeObject = KubeObject>(res: ResourceRef, object: T): Promise<T>;
  /** Replaces the object; fails with a conflict when metadata.resourceVersion is set and stale. */
  update<T extends KubeObject = KubeObject>(res: ResourceRef, object: T): Promise<T>;
  /** Writes the status subresource where the kind has one (pods, healthcheckpolicies), else the object. */
  updateStatus<T extends KubeObject = KubeObject>(res: ResourceRef, object: T): Promise<T>;
  patch<T extends KubeObject = KubeObject>(res: ResourceRef, namespace: string | undefined, name: string, type: PatchType, patch: unknown): Promise<T>;
  /** Patches the status subresource where the kind has one, else the object (like updateStatus). */
  patchStatus<T extends KubeObject = KubeObject>(res: ResourceRef, namespace: string | undefined, name: string, type: PatchType, patch: unknown): Promise<T>;
  delete(res: ResourceRef, namespace: string | undefined, name: string, options?: DeleteOptions): Promise<void>;
  /**
   * Lists then watches; calls `onEvent` for every change after `resourceVersion` (or for the
   * current objects as ADDED when none is given). Returns a stop function. Reconnects by itself.
   */
  watch<T extends KubeObject = KubeObject>(res: ResourceRef, options: ListOptions & { resourceVersion?: string }, onEvent: (event: WatchEvent<T>) => void): () => void;
}

/** Thrown by ClusterClient implementations; `code` is the HTTP status the API server would send. */
export class ClusterError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details: StatusDetails | undefined;
  constructor(code: number, reason: string, message: string, details?: StatusDetails) {
    super(message);
    this.name = "ClusterError";
    this.code = code;
    this.reason = reason;
    this.details = details;
  }
}

export const resources = {
  namespaces: { group: "", version: "v1", plural: "namespaces" },
  nodes: { group: "", version: "v1", plural: "nodes" },
  pods: { group: "", version: "v1", plural: "pods" },
  services: { group: "", version: "v1", plural: "services" },
  endpoints: { group: "", version: "v1", plural: "endpoints" },
  events: { group: "", version: "v1", plural: "events" },
  configmaps: { group: "", version: "v1", plural: "configmaps" },
  secrets: { group: "", version: "v1", plural: "secrets" },
  serviceaccounts: { group: "", version: "v1", plural: "serviceaccounts" },
  endpointslices: { group: "discovery.k8s.io", version: "v1", plural: "endpointslices" },
  deployments: { group: "apps", version: "v1", plural: "deployments" },
  replicasets: { group: "apps", version: "v1", plural: "replicasets" },
  ingresses: { group: "networking.k8s.io", version: "v1", plural: "ingresses" },
  backendconfigs: { group: "cloud.google.com", version: "v1", plural: "backendconfigs" },
  svcnegs: { group: "networking.gke.io", version: "v1beta1", plural: "servicenetworkendpointgroups" },
  healthcheckpolicies: { group: "networking.gke.io", version: "v1", plural: "healthcheckpolicies" },
  gateways: { group: "gateway.networking.k8s.io", version: "v1", plural: "gateways" },
  httproutes: { group: "gateway.networking.k8s.io", version: "v1", plural: "httproutes" },
  mutatingwebhookconfigurations: { group: "admissionregistration.k8s.io", version: "v1", plural: "mutatingwebhookconfigurations" },
  customresourcedefinitions: { group: "apiextensions.k8s.io", version: "v1", plural: "customresourcedefinitions" },
} as const satisfies Record<string, ResourceRef>;
