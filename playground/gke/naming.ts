// GCE resource names and URLs as GKE forms them (gke-neg.md §2, §6, §8).
import { createHash } from "node:crypto";

const MAX_NEG_DESCRIPTIVE_LABEL = 38; // 63 - 5 ("k8s1-") - 8 (cluster id) - 8 (hash) - 4 (hyphens)

function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** ingress-gce `TrimFieldsEvenly`: shortens the fields in proportion to their length. */
export function trimFieldsEvenly(max: number, fields: string[]): string[] {
  const total = fields.reduce((n, f) => n + f.length, 0);
  if (total <= max) return fields;
  const excess = total - max;
  let remaining = max;
  const lengths = fields.map((f) => {
    const l = f.length - Math.floor((f.length * excess) / total) - 1;
    remaining -= l;
    return l;
  });
  for (let i = 0; i < remaining; i++) lengths[i % lengths.length]! += 1;
  return fields.map((f, i) => f.slice(0, lengths[i]));
}

/** The 8-character cluster id used in names (GKE uses the first 8 of the cluster UID). */
export function shortClusterId(clusterId: string): string {
  return clusterId.slice(0, 8);
}

/** gke-neg.md §2: `k8s1-{clusterid}-{namespace}-{service}-{port}-{hash}`, at most 63 characters. */
export function negName(clusterId: string, namespace: string, service: string, port: number): string {
  const uid = shortClusterId(clusterId);
  const portStr = String(port);
  const [ns, name, p] = trimFieldsEvenly(MAX_NEG_DESCRIPTIVE_LABEL, [namespace, service, portStr]);
  const hash = sha256Hex([uid, namespace, service, portStr].join(";")).slice(0, 8);
  return `k8s1-${uid}-${ns}-${name}-${p}-${hash}`;
}

/** Backend service of a GKE Gateway (`gkegw1-…`, inferred from real clusters). */
export function gatewayBackendServiceName(clusterId: string, namespace: string, service: string, port: number): string {
  const uid = shortClusterId(clusterId).slice(0, 4);
  const portStr = String(port);
  const [ns, name, p] = trimFieldsEvenly(63 - 7 - 4 - 8 - 4, [namespace, service, portStr]);
  const hash = sha256Hex(["gw", uid, namespace, service, portStr].join(";")).slice(0, 8);
  return `gkegw1-${uid}-${ns}-${name}-${p}-${hash}`;
}

export const COMPUTE_BASE = "https://www.googleapis.com/compute/v1";

export function negUrl(project: string, zone: string, name: string): string {
  return `${COMPUTE_BASE}/projects/${project}/zones/${zone}/networkEndpointGroups/${name}`;
}

export function backendServiceUrl(project: string, name: string): string {
  return `${COMPUTE_BASE}/projects/${project}/global/backendServices/${name}`;
}

export function healthCheckUrl(project: string, name: string): string {
  return `${COMPUTE_BASE}/projects/${project}/global/healthChecks/${name}`;
}

export function instanceUrl(project: string, zone: string, name: string): string {
  return `${COMPUTE_BASE}/projects/${project}/zones/${zone}/instances/${name}`;
}

/** Parses a NEG URL (full or partial: `projects/p/zones/z/networkEndpointGroups/n`). */
export function parseNegUrl(url: string): { project: string; zone: string; name: string } | undefined {
  const m = /(?:^|\/)projects\/([^/]+)\/zones\/([^/]+)\/networkEndpointGroups\/([^/?#]+)$/.exec(url);
  return m ? { project: m[1]!, zone: m[2]!, name: m[3]! } : undefined;
}

/** A numeric id like GCE's (uint64 as a decimal string), stable for a given name. */
export function gceId(kind: string, name: string): string {
  return BigInt(`0x${sha256Hex(`${kind}/${name}`).slice(0, 15)}`).toString();
}

/**
 * Zone of a node. A node's `topology.kubernetes.io/zone` label wins when the caller knows it;
 * otherwise nodes are spread over the cluster's zones by a stable hash of their name.
 */
export function zoneForNode(nodeName: string, zones: string[], nodeLabels?: Record<string, string>): string {
  const labelled = nodeLabels?.["topology.kubernetes.io/zone"] ?? nodeLabels?.["failure-domain.beta.kubernetes.io/zone"];
  if (labelled && zones.includes(labelled)) return labelled;
  const h = parseInt(sha256Hex(nodeName).slice(0, 8), 16);
  return zones[h % zones.length]!;
}
