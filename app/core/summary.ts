// What the service list shows per row and what the detail's timeline shows, derived by the core from
// the GKE model's view and the diagnosis (the UI never computes a GKE rule). Pure.
import type { HealthEvent, ServiceHealth, ServiceSummary } from "../contract/api.ts";
import type { Finding, HealthSignal, HealthValue, ServiceView } from "../contract/model.ts";
import type { KubeEvent } from "../gke/snapshot.ts";
import { eventTime } from "../gke/health.ts";

/** Strongest first (gke-neg.md §1): the Compute API is the only live per-endpoint signal. */
const SIGNAL_ORDER: readonly HealthSignal[] = ["compute-api", "ingress-backends", "readiness-gate", "events"];

/** A port is load-balanced when a load balancer checks it or it has NEGs (gke-neg.md §2). */
export function loadBalanced(view: ServiceView): boolean {
  return view.ports.some((p) => p.healthChecks.length > 0 || p.neg.mode !== "none" || p.neg.names.length > 0);
}

/**
 * The badge: over the running pods and load-balanced ports, the values of the strongest signal any
 * of them has; healthy when all are healthy, unhealthy when none is, degraded in between, unknown when
 * nothing says either way. The badge names the signal it rests on.
 */
export function serviceHealth(view: ServiceView): { health: ServiceHealth; signal: ServiceSummary["healthSignal"] } {
  if (!loadBalanced(view)) return { health: "not-load-balanced", signal: "none" };
  const ports = new Set(view.ports.filter((p) => p.healthChecks.length > 0 || p.neg.mode !== "none" || p.neg.names.length > 0).map((p) => p.key));
  const values: HealthValue[] = view.pods
    .filter((p) => !p.terminating)
    .flatMap((p) => Object.entries(p.health).flatMap(([port, vs]) => (ports.has(port) ? vs : [])));
  const signal = SIGNAL_ORDER.find((s) => values.some((v) => v.signal === s)) ?? "none";
  const used = values.filter((v) => v.signal === signal && v.state !== "not-health-checked");
  const good = used.filter((v) => v.state === "healthy").length;
  const bad = used.filter((v) => v.state === "unhealthy").length;
  const health: ServiceHealth =
    used.length === 0 ? "unknown" : good === used.length ? "healthy" : bad === used.length ? "unhealthy" : good + bad === 0 ? "unknown" : bad > 0 ? "degraded" : "unknown";
  return { health, signal };
}

export function exposureOf(view: ServiceView): string {
  if (view.exposure.ingresses.length > 0) return "Ingress NEG";
  if (view.exposure.httpRoutes.length > 0 || view.exposure.healthCheckPolicies.length > 0) return "Gateway";
  if (view.ports.some((p) => p.neg.mode === "exposed_ports")) return "Standalone NEG";
  return "None";
}

export function summarize(view: ServiceView, findings: readonly Finding[]): ServiceSummary {
  const { health, signal } = serviceHealth(view);
  const live = view.pods.filter((p) => !p.terminating);
  const count = (s: Finding["severity"]) => findings.filter((f) => f.severity === s).length;
  return {
    key: view.key,
    namespace: view.namespace,
    name: view.name,
    health,
    healthSignal: signal,
    exposure: exposureOf(view),
    pods: { total: live.length, ready: live.filter((p) => p.ready).length },
    intercepted: view.pods.some((p) => p.intercepts.some((i) => i.active)),
    findings: { error: count("error"), warning: count("warning"), info: count("info") },
    topFinding: findings.find((f) => f.severity !== "info")?.title ?? null,
  };
}

/** Event sources that speak about load-balancer health (gke-neg.md §5) and kubelet's probe failures. */
const HEALTH_SOURCES = new Set(["neg-controller", "neg-readiness-reflector", "loadbalancer-controller"]);
const KUBELET_REASONS = new Set(["Unhealthy", "BackOff", "Killing", "Failed"]);

function sourceOf(e: KubeEvent): string {
  return e.source?.component ?? (e as { reportingController?: string }).reportingController ?? "";
}

/** Health-related events of the Service, its pods and its Ingresses, newest first. */
export function timelineOf(view: ServiceView, events: readonly KubeEvent[], limit = 200): HealthEvent[] {
  const objects = new Set([
    `Service/${view.name}`,
    ...view.pods.map((p) => `Pod/${p.name}`),
    ...view.exposure.ingresses.map((i) => `Ingress/${i.name}`),
  ]);
  return events
    .filter((e) => objects.has(`${e.involvedObject?.kind ?? ""}/${e.involvedObject?.name ?? ""}`))
    .filter((e) => {
      const source = sourceOf(e);
      return HEALTH_SOURCES.has(source) || (source === "kubelet" && KUBELET_REASONS.has(e.reason ?? "")) || e.type === "Warning";
    })
    .map((e) => ({ e, t: eventTime(e) }))
    .sort((a, b) => b.t - a.t)
    .slice(0, limit)
    .map(({ e, t }) => ({
      time: t > 0 ? new Date(t).toISOString() : "",
      object: `${e.involvedObject?.kind ?? ""} ${e.involvedObject?.name ?? ""}`,
      reason: e.reason ?? "",
      message: e.message ?? "",
      type: e.type === "Warning" ? ("Warning" as const) : ("Normal" as const),
      source: sourceOf(e),
    }));
}
