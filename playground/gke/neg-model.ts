// Which NEGs a Service should have, and which endpoints go in them (gke-neg.md §2, §5). Pure.
import type { NegAnnotation } from "./annotations.ts";
import { parseNegAnnotation } from "./annotations.ts";
import type { NetworkEndpoint } from "./gce.ts";
import { endpointKey } from "./gce.ts";
import { negName } from "./naming.ts";
import type { Gateway, HTTPRoute, Ingress, IngressBackend, Pod, Service, ServicePort } from "./types.ts";

export type NegKind = "ingress" | "exposed" | "gateway";

export interface DesiredNeg {
  name: string;
  kind: NegKind;
  servicePort: ServicePort;
}

/** Ingresses the GKE Ingress controller owns: class unset, `gce` or `gce-internal`. */
export function isGceIngress(ing: Ingress): boolean {
  const cls = ing.metadata.annotations?.["kubernetes.io/ingress.class"] ?? ing.spec?.ingressClassName;
  return cls === undefined || cls === "" || cls === "gce" || cls === "gce-internal";
}

/** GKE's Gateway classes (`gke-l7-global-external-managed`, `gke-l7-rilb`, …). */
export function isGkeGateway(gw: Gateway): boolean {
  return (gw.spec?.gatewayClassName ?? "").startsWith("gke-l7");
}

export function ingressBackends(ing: Ingress): IngressBackend[] {
  const out: IngressBackend[] = [];
  if (ing.spec?.defaultBackend) out.push(ing.spec.defaultBackend);
  for (const rule of ing.spec?.rules ?? []) for (const p of rule.http?.paths ?? []) out.push(p.backend);
  return out;
}

/** The Service port an Ingress backend names (by number or by name). */
export function resolveServicePort(service: Service, port: { number?: number; name?: string } | undefined): ServicePort | undefined {
  const ports = service.spec?.ports ?? [];
  if (port?.number !== undefined) return ports.find((p) => p.port === port.number);
  if (port?.name !== undefined) return ports.find((p) => p.name === port.name);
  return undefined;
}

/** Service ports of `service` referenced by GCE Ingresses of its namespace. */
export function ingressPortsOf(service: Service, ingresses: Iterable<Ingress>): ServicePort[] {
  const out = new Map<number, ServicePort>();
  for (const ing of ingresses) {
    if (ing.metadata.namespace !== service.metadata.namespace || !isGceIngress(ing) || ing.metadata.deletionTimestamp) continue;
    for (const b of ingressBackends(ing)) {
      if (b.service?.name !== service.metadata.name) continue;
      const sp = resolveServicePort(service, b.service.port);
      if (sp) out.set(sp.port, sp);
    }
  }
  return [...out.values()];
}

/** HTTPRoutes attached to a GKE Gateway (parentRef in the route's namespace unless given). */
export function routesOfGateway(gw: Gateway, routes: Iterable<HTTPRoute>): HTTPRoute[] {
  return [...routes].filter((r) =>
    (r.spec?.parentRefs ?? []).some((p) => (p.kind ?? "Gateway") === "Gateway" && p.name === gw.metadata.name && (p.namespace ?? r.metadata.namespace) === gw.metadata.namespace),
  );
}

/** Service ports of `service` that HTTPRoutes of GKE Gateways send traffic to. */
export function gatewayPortsOf(service: Service, gateways: Iterable<Gateway>, routes: Iterable<HTTPRoute>): ServicePort[] {
  const out = new Map<number, ServicePort>();
  const routeList = [...routes];
  for (const gw of gateways) {
    if (!isGkeGateway(gw)) continue;
    for (const r of routesOfGateway(gw, routeList)) {
      for (const rule of r.spec?.rules ?? []) {
        for (const ref of rule.backendRefs ?? []) {
          if ((ref.kind ?? "Service") !== "Service" || (ref.group ?? "") !== "") continue;
          if (ref.name !== service.metadata.name || (ref.namespace ?? r.metadata.namespace) !== service.metadata.namespace) continue;
          const sp = (service.spec?.ports ?? []).find((p) => p.port === ref.port);
          if (sp) out.set(sp.port, sp);
        }
      }
    }
  }
  return [...out.values()];
}

export interface NegContext {
  clusterId: string;
  ingresses: Iterable<Ingress>;
  gateways: Iterable<Gateway>;
  routes: Iterable<HTTPRoute>;
}

export type DesiredNegs = { ok: true; negs: DesiredNeg[]; annotation?: NegAnnotation } | { ok: false; error: string };

/**
 * gke-neg.md §2: `{"ingress": true}` → NEGs for the ports GCE Ingresses use (on VPC-native
 * clusters also without the annotation, as GKE defaults it); `exposed_ports` → standalone NEGs,
 * custom names allowed; Services behind a GKE Gateway's HTTPRoutes get NEGs for the routed ports.
 */
export function desiredNegs(service: Service, ctx: NegContext): DesiredNegs {
  const parsed = parseNegAnnotation(service);
  if (parsed && !parsed.ok) return { ok: false, error: parsed.error };
  const annotation = parsed?.value;
  const ns = service.metadata.namespace ?? "default";
  const svc = service.metadata.name;
  const negs = new Map<number, DesiredNeg>();
  // An explicit `{"ingress": false}` turns Ingress NEGs off; no annotation means the GKE default (on).
  const ingressOn = annotation ? annotation.ingress : true;
  if (ingressOn) {
    for (const sp of ingressPortsOf(service, ctx.ingresses)) negs.set(sp.port, { name: negName(ctx.clusterId, ns, svc, sp.port), kind: "ingress", servicePort: sp });
  }
  for (const [port, custom] of annotation?.exposedPorts ?? []) {
    const sp = (service.spec?.ports ?? []).find((p) => p.port === port);
    if (!sp) return { ok: false, error: `port ${port} specified in "cloud.google.com/neg" doesn't exist in the service` };
    if (!negs.has(port)) negs.set(port, { name: custom ?? negName(ctx.clusterId, ns, svc, port), kind: "exposed", servicePort: sp });
  }
  for (const sp of gatewayPortsOf(service, ctx.gateways, ctx.routes)) {
    if (!negs.has(sp.port)) negs.set(sp.port, { name: negName(ctx.clusterId, ns, svc, sp.port), kind: "gateway", servicePort: sp });
  }
  return { ok: true, negs: [...negs.values()].sort((a, b) => a.servicePort.port - b.servicePort.port), annotation };
}

export function selectorMatches(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** gke-neg.md §5: every non-terminating endpoint counts, ready or not. */
export function isNonTerminating(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return !pod.metadata.deletionTimestamp && phase !== "Succeeded" && phase !== "Failed" && !!pod.status?.podIP && !!pod.spec?.nodeName;
}

/** The container port a Service port's targetPort names in this pod (number, or port name). */
export function targetContainerPort(pod: Pod, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === "number") return target;
  if (/^\d+$/.test(target)) return Number(target);
  for (const c of pod.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.name === target) return p.containerPort;
  return undefined;
}

/** Endpoints per zone for one Service port: pod IP + target container port (gke-neg.md §8 mapping). */
export function endpointsByZone(service: Service, sp: ServicePort, pods: Iterable<Pod>, zoneOf: (nodeName: string) => string): Map<string, Map<string, NetworkEndpoint>> {
  const out = new Map<string, Map<string, NetworkEndpoint>>();
  for (const pod of pods) {
    if (pod.metadata.namespace !== service.metadata.namespace) continue;
    if (!selectorMatches(service.spec?.selector, pod.metadata.labels) || !isNonTerminating(pod)) continue;
    const port = targetContainerPort(pod, sp);
    if (port === undefined) continue;
    const zone = zoneOf(pod.spec!.nodeName!);
    let m = out.get(zone);
    if (!m) out.set(zone, (m = new Map()));
    const ip = pod.status!.podIP!;
    m.set(endpointKey(ip, port), { ipAddress: ip, port, instance: pod.spec!.nodeName!, pod: `${pod.metadata.namespace}/${pod.metadata.name}` });
  }
  return out;
}

/** Whether a new pod gets the NEG readiness gate (gke-neg.md §5): a NEG-enabled Service selects it. */
export function needsNegReadinessGate(pod: Pod, services: Iterable<Service>, ctx: NegContext): boolean {
  const ns = pod.metadata.namespace ?? "default";
  for (const svc of services) {
    if ((svc.metadata.namespace ?? "default") !== ns || !selectorMatches(svc.spec?.selector, pod.metadata.labels)) continue;
    const parsed = parseNegAnnotation(svc);
    if (parsed?.ok && (parsed.value.ingress || parsed.value.exposedPorts.size > 0)) return true;
    const desired = desiredNegs(svc, ctx);
    if (desired.ok && desired.negs.length > 0) return true;
  }
  return false;
}

export const NEG_READINESS_GATE = "cloud.google.com/load-balancer-neg-ready";

/** Adds the readiness gate to a pod spec (idempotent). Returns whether it changed. */
export function addNegReadinessGate(pod: Pod): boolean {
  const spec = (pod.spec ??= {});
  const gates = (spec.readinessGates ??= []);
  if (gates.some((g) => g.conditionType === NEG_READINESS_GATE)) return false;
  gates.push({ conditionType: NEG_READINESS_GATE });
  return true;
}
