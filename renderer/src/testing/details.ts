// Test data for the UI: wraps REAL service views and findings (built in the tests with app/gke's
// model and app/diagnosis from the GKE-shaped fixtures) into the contract's ServiceDetail and
// ServiceSummary, as the core answers services.get / services.list. Only for tests and the preview
// page; the app never builds these itself (the core does).
import type { HealthEvent, HealthSource, ServiceDetail, ServiceSummary } from "../../../app/contract/api.ts";
import type { Finding, HealthValue, ServiceDiagnosis, ServiceView } from "../../../app/contract/model.ts";

export const COMPUTE_SOURCE: HealthSource = { source: "compute-api", reason: "Live from the Compute API (project shop-prod).", error: null };
export const KUBERNETES_SOURCE: HealthSource = {
  source: "kubernetes",
  reason: "No Google Cloud credentials: Application Default Credentials were not found.",
  error: { code: "auth-failed", message: "Could not load the default credentials.", hint: "Run `gcloud auth application-default login`, then reconnect." },
};

/** A row as the core would summarise it (a stand-in: the core owns the real summary). */
export function summaryOf(view: ServiceView, findings: Finding[]): ServiceSummary {
  const values: HealthValue[] = view.pods.flatMap((p) => Object.values(p.health).flat());
  const loadBalanced = view.ports.some((p) => p.healthChecks.length > 0 || p.neg.mode !== "none");
  const strongest = (["compute-api", "ingress-backends", "readiness-gate", "events"] as const).find((s) => values.some((v) => v.signal === s)) ?? "none";
  const used = values.filter((v) => v.signal === strongest);
  const bad = used.filter((v) => v.state === "unhealthy").length;
  const good = used.filter((v) => v.state === "healthy").length;
  const health: ServiceSummary["health"] = !loadBalanced
    ? "not-load-balanced"
    : used.length === 0
      ? "unknown"
      : bad === 0 && good === used.length
        ? "healthy"
        : bad > 0 && good > 0
          ? "degraded"
          : bad > 0
            ? "unhealthy"
            : "unknown";
  const count = (s: Finding["severity"]) => findings.filter((f) => f.severity === s).length;
  const exposure = view.exposure.ingresses.length > 0 ? "Ingress NEG" : view.exposure.httpRoutes.length > 0 ? "Gateway" : view.ports.some((p) => p.neg.mode === "exposed_ports") ? "Standalone NEG" : "None";
  return {
    key: view.key,
    namespace: view.namespace,
    name: view.name,
    health,
    healthSignal: strongest,
    exposure,
    pods: { total: view.pods.length, ready: view.pods.filter((p) => p.ready).length },
    intercepted: view.pods.some((p) => p.intercepts.some((i) => i.active)),
    findings: { error: count("error"), warning: count("warning"), info: count("info") },
    topFinding: findings.find((f) => f.severity !== "info")?.title ?? null,
  };
}

export function detailOf(d: ServiceDiagnosis, options: { healthSource?: HealthSource; timeline?: HealthEvent[] } = {}): ServiceDetail {
  return {
    summary: summaryOf(d.service, d.findings),
    view: d.service,
    findings: d.findings,
    timeline: options.timeline ?? [],
    healthSource: options.healthSource ?? COMPUTE_SOURCE,
  };
}

/** Kubernetes Events (as kubectl shows them) → the timeline's HealthEvents, newest first. */
export function timelineOf(items: unknown[], service: ServiceView): HealthEvent[] {
  type Ev = {
    kind: string;
    involvedObject?: { kind?: string; name?: string };
    reason?: string;
    message?: string;
    type?: string;
    lastTimestamp?: string;
    source?: { component?: string };
  };
  const pods = new Set(service.pods.map((p) => p.name));
  return (items as Ev[])
    .filter((e) => e.kind === "Event")
    .filter((e) => (e.involvedObject?.kind === "Service" && e.involvedObject.name === service.name) || (e.involvedObject?.kind === "Pod" && pods.has(e.involvedObject.name ?? "")))
    .map((e) => ({
      time: e.lastTimestamp ?? "",
      object: `${e.involvedObject?.kind ?? ""} ${e.involvedObject?.name ?? ""}`,
      reason: e.reason ?? "",
      message: e.message ?? "",
      type: e.type === "Warning" ? ("Warning" as const) : ("Normal" as const),
      source: e.source?.component ?? "",
    }))
    .sort((a, b) => b.time.localeCompare(a.time));
}

/** n synthetic rows for list tests (names service-0000 …), deterministic. */
export function manyRows(n: number, namespace = "load"): ServiceSummary[] {
  const healths: ServiceSummary["health"][] = ["healthy", "degraded", "unhealthy", "unknown", "not-load-balanced"];
  return Array.from({ length: n }, (_, i) => {
    const name = `service-${String(i).padStart(4, "0")}`;
    const health = healths[i % healths.length]!;
    return {
      key: `${namespace}/${name}`,
      namespace,
      name,
      health,
      healthSignal: health === "not-load-balanced" ? "none" : i % 2 ? "compute-api" : "readiness-gate",
      exposure: health === "not-load-balanced" ? "None" : "Ingress NEG",
      pods: { total: 2, ready: 2 },
      intercepted: i % 7 === 0,
      findings: { error: i % 11 === 0 ? 1 : 0, warning: i % 3 === 0 ? 2 : 0, info: 0 },
      topFinding: null,
    };
  });
}
