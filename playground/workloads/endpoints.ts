// Endpoints and EndpointSlices of a Service from its pods (kubernetes pkg/controller/endpoint and
// endpointslice), as pure functions. Ready pods go to `addresses`, the others to
// `notReadyAddresses`, as `kubectl describe svc` shows; terminating pods are left out. A named
// targetPort resolves per pod, so pods that number it differently land in different subsets.
import type { KubeObject } from "../cluster/client.ts";
import { canonicalJson } from "./hash.ts";
import type { Pod, Service, ServicePort } from "./types.ts";

export interface EndpointAddress {
  ip: string;
  nodeName?: string;
  targetRef: { kind: "Pod"; namespace: string; name: string; uid: string };
}

export interface EndpointPort {
  name?: string;
  port: number;
  protocol: string;
}

export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports: EndpointPort[];
}

export function podReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

/** targetPort of a Service port for one pod: a number, or the pod's containerPort of that NAME. */
export function resolveTargetPort(pod: Pod, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === "number") return target;
  if (/^\d+$/.test(target)) return Number(target);
  for (const c of pod.spec.containers ?? []) {
    const p = c.ports?.find((x) => x.name === target && (x.protocol ?? "TCP") === (sp.protocol ?? "TCP"));
    if (p) return p.containerPort;
  }
  return undefined;
}

interface PodEndpoint {
  pod: Pod;
  ip: string;
  ready: boolean;
  ports: EndpointPort[];
}

function podEndpoints(svc: Service, pods: Pod[]): PodEndpoint[] {
  const out: PodEndpoint[] = [];
  for (const pod of pods) {
    const ip = pod.status?.podIP;
    if (!ip || pod.metadata.deletionTimestamp) continue;
    if (pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed") continue;
    const ports: EndpointPort[] = [];
    for (const sp of svc.spec.ports ?? []) {
      const port = resolveTargetPort(pod, sp);
      if (port === undefined) continue;
      ports.push({ ...(sp.name ? { name: sp.name } : {}), port, protocol: sp.protocol ?? "TCP" });
    }
    if (ports.length === 0 && (svc.spec.ports ?? []).length > 0) continue;
    out.push({ pod, ip, ready: podReady(pod), ports });
  }
  return out;
}

function address(e: PodEndpoint): EndpointAddress {
  return {
    ip: e.ip,
    ...(e.pod.spec.nodeName ? { nodeName: e.pod.spec.nodeName } : {}),
    targetRef: { kind: "Pod", namespace: e.pod.metadata.namespace ?? "default", name: e.pod.metadata.name, uid: e.pod.metadata.uid ?? "" },
  };
}

/** Groups pods by their resolved port tuple (one subset / slice per distinct tuple). */
function grouped(svc: Service, pods: Pod[]): Map<string, { ports: EndpointPort[]; endpoints: PodEndpoint[] }> {
  const groups = new Map<string, { ports: EndpointPort[]; endpoints: PodEndpoint[] }>();
  for (const e of podEndpoints(svc, pods)) {
    const key = canonicalJson(e.ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports: e.ports, endpoints: [] }));
    g.endpoints.push(e);
  }
  for (const g of groups.values()) g.endpoints.sort((a, b) => compareIp(a.ip, b.ip));
  return new Map([...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function compareIp(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

export function endpointSubsets(svc: Service, pods: Pod[]): EndpointSubset[] {
  const subsets: EndpointSubset[] = [];
  for (const g of grouped(svc, pods).values()) {
    const ready = g.endpoints.filter((e) => e.ready).map(address);
    const notReady = g.endpoints.filter((e) => !e.ready).map(address);
    subsets.push({ ...(ready.length ? { addresses: ready } : {}), ...(notReady.length ? { notReadyAddresses: notReady } : {}), ports: g.ports });
  }
  return subsets;
}

export function endpointsObject(svc: Service, subsets: EndpointSubset[]): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: {
      name: svc.metadata.name,
      namespace: svc.metadata.namespace,
      labels: { ...(svc.metadata.labels ?? {}) },
    },
    ...(subsets.length ? { subsets } : {}),
  };
}

export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
export const MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
export const MANAGED_BY = "endpointslice-controller.k8s.io";

export interface SliceSpec {
  ports: EndpointPort[];
  endpoints: Array<{
    addresses: string[];
    conditions: { ready: boolean; serving: boolean; terminating: boolean };
    nodeName?: string;
    zone?: string;
    targetRef: EndpointAddress["targetRef"];
  }>;
}

/** One slice per port tuple; `zoneOf` maps a node name to its zone. */
export function sliceSpecs(svc: Service, pods: Pod[], zoneOf: (node: string | undefined) => string | undefined): SliceSpec[] {
  const out: SliceSpec[] = [];
  for (const g of grouped(svc, pods).values()) {
    out.push({
      ports: g.ports,
      endpoints: g.endpoints.map((e) => {
        const zone = zoneOf(e.pod.spec.nodeName);
        return {
          addresses: [e.ip],
          conditions: { ready: e.ready, serving: e.ready, terminating: false },
          ...(e.pod.spec.nodeName ? { nodeName: e.pod.spec.nodeName } : {}),
          ...(zone ? { zone } : {}),
          targetRef: address(e).targetRef,
        };
      }),
    });
  }
  return out;
}
