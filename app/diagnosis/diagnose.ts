// Diagnosis entry points: snapshot → service views → findings, pure. The watch cache and the Compute
// API client feed the snapshot; the UI renders the ClusterDiagnosis (app/contract/model.ts).
import type { ClusterDiagnosis, Finding, ServiceDiagnosis, ServiceView, Severity } from "../contract/model.ts";
import { MODEL_VERSION } from "../contract/model.ts";
import { buildServiceViews } from "../gke/model.ts";
import type { ClusterSnapshot } from "../gke/snapshot.ts";
import { telepresenceView } from "../gke/telepresence-facts.ts";
import type { DiagnosisContext } from "./rules.ts";
import { SERVICE_RULES, clusterFindings } from "./rules.ts";

const ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort((a, b) => ORDER[a.severity] - ORDER[b.severity] || a.key.localeCompare(b.key));
}

/** Findings of one Service view. */
export function diagnoseService(view: ServiceView, ctx: DiagnosisContext): Finding[] {
  return sortFindings(SERVICE_RULES.flatMap((rule) => rule(view, ctx)));
}

export function contextFor(snapshot: ClusterSnapshot, namespace: string): DiagnosisContext {
  return {
    telepresence: telepresenceView(snapshot.telepresence),
    intercepts: snapshot.telepresence?.intercepts ?? [],
    events: snapshot.namespaces[namespace]?.events ?? [],
  };
}

/** The whole picture: every Service's view and findings, plus cluster-wide findings. */
export function diagnose(snapshot: ClusterSnapshot): ClusterDiagnosis {
  const services: ServiceDiagnosis[] = buildServiceViews(snapshot).map((service) => ({
    service,
    findings: diagnoseService(service, contextFor(snapshot, service.namespace)),
  }));
  const tp = telepresenceView(snapshot.telepresence);
  return {
    modelVersion: MODEL_VERSION,
    telepresence: tp,
    services,
    cluster: sortFindings(clusterFindings({ telepresence: tp, intercepts: snapshot.telepresence?.intercepts ?? [], events: [] })),
  };
}
