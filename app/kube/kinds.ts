// The kinds a session watches: what the GKE model needs (gke-neg.md §2–§7) and where each is served.

export interface KindSpec {
  /** Key in snapshots and change sets (the plural, unique across what we watch). */
  key: string;
  group: string;
  version: string;
  plural: string;
  kind: string;
  /** A custom resource (CRD) a cluster may not have: a 404 means "not installed", not an error. */
  optional: boolean;
}

function k(group: string, version: string, plural: string, kind: string, optional = false): KindSpec {
  return { key: plural, group, version, plural, kind, optional };
}

export const SERVICES = k("", "v1", "services", "Service");
export const PODS = k("", "v1", "pods", "Pod");
export const DEPLOYMENTS = k("apps", "v1", "deployments", "Deployment");
export const REPLICASETS = k("apps", "v1", "replicasets", "ReplicaSet");
export const EVENTS = k("", "v1", "events", "Event");
export const INGRESSES = k("networking.k8s.io", "v1", "ingresses", "Ingress");
/** gke-neg.md §3 */
export const BACKENDCONFIGS = k("cloud.google.com", "v1", "backendconfigs", "BackendConfig", true);
/** gke-neg.md §6 */
export const SVCNEGS = k("networking.gke.io", "v1beta1", "servicenetworkendpointgroups", "ServiceNetworkEndpointGroup", true);
/** gke-neg.md §7 */
export const HEALTHCHECKPOLICIES = k("networking.gke.io", "v1", "healthcheckpolicies", "HealthCheckPolicy", true);
export const GATEWAYS = k("gateway.networking.k8s.io", "v1", "gateways", "Gateway", true);
export const HTTPROUTES = k("gateway.networking.k8s.io", "v1", "httproutes", "HTTPRoute", true);

/** What a session watches by default. */
export const DEFAULT_KINDS: readonly KindSpec[] = [
  SERVICES,
  PODS,
  DEPLOYMENTS,
  REPLICASETS,
  EVENTS,
  INGRESSES,
  BACKENDCONFIGS,
  SVCNEGS,
  HEALTHCHECKPOLICIES,
  GATEWAYS,
  HTTPROUTES,
];

export function apiVersionOf(spec: KindSpec): string {
  return spec.group ? `${spec.group}/${spec.version}` : spec.version;
}

/** REST path of a kind's collection, in one namespace or across all (namespace null). */
export function collectionPath(spec: KindSpec, namespace: string | null): string {
  const base = spec.group ? `/apis/${spec.group}/${spec.version}` : `/api/${spec.version}`;
  return namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${spec.plural}` : `${base}/${spec.plural}`;
}
