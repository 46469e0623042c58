// How contract values read in the UI. Pure: no state, no calls.
import type { AuthKind, ConnectionPhase, ContextInfo, ServiceHealth, ServiceSummary } from "../../app/contract/api.ts";
import type { FieldSource, HealthSignal, HealthState, ReachTarget, ReachView, Severity } from "../../app/contract/model.ts";

export const phaseLabel: Record<ConnectionPhase, string> = {
  idle: "Not connected",
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
  error: "Connection failed",
};

export const authLabel: Record<AuthKind, string> = {
  token: "Bearer token",
  exec: "Credential plugin",
  "client-certificate": "Client certificate",
  basic: "Username and password",
  "auth-provider": "Auth provider (legacy)",
  none: "None",
};

/** The short name people know a context by: a GKE cluster's own name, else the context name. */
export function displayName(context: ContextInfo): string {
  return context.gke && context.name.startsWith("gke_") ? context.gke.cluster : context.name;
}

/** Second line in the context list: where the cluster lives. */
export function subtitle(context: ContextInfo): string {
  // A host's label (the embedded playground: "Playground — a simulated GKE cluster") says it best.
  if (context.label) return context.label;
  if (context.gke?.project) return `${context.gke.project} · ${context.gke.location}`;
  if (context.server) {
    try {
      return new URL(context.server).host;
    } catch {
      return context.server;
    }
  }
  return "no server address";
}

// ---------------------------------------------------------------------------------------------
// Services, health and the diagram. Words only: every value comes from the core's views.

export const serviceHealthLabel: Record<ServiceHealth, string> = {
  healthy: "Healthy",
  degraded: "Degraded",
  unhealthy: "Unhealthy",
  unknown: "Unknown",
  "not-load-balanced": "Not load-balanced",
};

export const healthStateLabel: Record<HealthState, string> = {
  healthy: "Healthy",
  unhealthy: "Unhealthy",
  draining: "Draining",
  unknown: "Unknown",
  "not-health-checked": "Not health-checked",
};

/** The signal a health value rests on (gke-neg.md §1), as people name it. */
export const signalLabel: Record<HealthSignal, string> = {
  "compute-api": "Compute API",
  "readiness-gate": "Ready gate",
  "ingress-backends": "Ingress annotation",
  events: "Events",
  none: "No signal",
};

/** Longer form for explanations. */
export const signalLongLabel: Record<HealthSignal, string> = {
  "compute-api": "live per-endpoint health from the Compute API",
  "readiness-gate": "the NEG readiness gate (pod condition cloud.google.com/load-balancer-neg-ready)",
  "ingress-backends": "the Ingress annotation ingress.kubernetes.io/backends",
  events: "neg-readiness-reflector events",
  none: "no signal",
};

/** Where a health-check setting came from (gke-neg.md §4, §7). */
export const fieldSourceLabel: Record<FieldSource | "mixed", string> = {
  backendconfig: "BackendConfig",
  "readiness-probe": "inferred from readinessProbe",
  "app-protocol": "app-protocols annotation",
  default: "GKE default",
  "health-check-policy": "HealthCheckPolicy",
  "transparent-health-checker": "transparent health checker",
  unknown: "unknown (outside Kubernetes)",
  mixed: "several sources",
};

/** The same, short enough for a diagram box. */
export const fieldSourceShortLabel: Record<FieldSource | "mixed", string> = {
  backendconfig: "BackendConfig",
  "readiness-probe": "readinessProbe",
  "app-protocol": "app-protocols",
  default: "GKE default",
  "health-check-policy": "HCPolicy",
  "transparent-health-checker": "THC",
  unknown: "unknown",
  mixed: "mixed",
};

export const reachLabel: Record<ReachTarget, string> = {
  app: "App container",
  "traffic-agent": "Traffic agent",
  "health-sidecar": "Health sidecar",
  "app-health-port": "App health port",
  unknown: "Unknown",
};

export const reachViaLabel: Record<ReachView["via"], string> = {
  "endpoint-port": "the NEG endpoint's port",
  "fixed-port": "a fixed port",
  iptables: "iptables redirection",
  "named-port": "a named port",
  none: "nothing",
};

export const severityLabel: Record<Severity, string> = { error: "Error", warning: "Warning", info: "Info" };

/** "Unhealthy · Compute API": the badge text of a list row. */
export function healthBadgeText(summary: Pick<ServiceSummary, "health" | "healthSignal">): string {
  const label = serviceHealthLabel[summary.health];
  if (summary.health === "not-load-balanced" || summary.healthSignal === "none") return label;
  return `${label} · ${signalLabel[summary.healthSignal]}`;
}
