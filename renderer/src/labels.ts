// How contract values read in the UI. Pure: no state, no calls.
import type { AuthKind, ConnectionPhase, ContextInfo, ServiceHealth, ServiceSummary } from "../../app/contract/api.ts";
import type { FieldSource, HealthSignal, HealthState, JsonValue, ReachTarget, ReachView, Severity } from "../../app/contract/model.ts";

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

// ---------------------------------------------------------------------------------------------
// A finding's Fix parameters (Fix.params: plain data for the action) as the Fix panel shows them.

export interface FixParamRow {
  label: string;
  value: string;
}

/** "Deployment/web" → "Deployment web"; anything else as it is. */
function objectWords(ref: string): string {
  const slash = ref.indexOf("/");
  return slash > 0 ? `${ref.slice(0, slash)} ${ref.slice(slash + 1)}` : ref;
}

/** A value in words: lists joined, yes/no for booleans, seconds where the key says so. */
function valueWords(key: string, value: JsonValue): string {
  if (Array.isArray(value)) return value.length === 0 ? "none" : value.map((v) => valueWords(key, v)).join(", ");
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "number") return /Sec$/.test(key) ? `${value} s` : String(value);
  if (value === null) return "—";
  if (typeof value === "object") return Object.entries(value).map(([k, v]) => `${keyWords(k).toLowerCase()} ${valueWords(k, v)}`).join(", ");
  return value;
}

/** "checkIntervalSec" → "Check interval"; "servicePorts" → "Service ports". */
function keyWords(key: string): string {
  const words = key
    .replace(/Sec$/, "")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const KNOWN_LABEL: Record<string, string> = {
  container: "Container",
  type: "Health check type",
  requestPath: "Request path",
  timeoutSec: "Timeout",
  checkIntervalSec: "Check interval",
  portSpecification: "Port specification",
};

/**
 * Fix.params in human words, in a stable order: the object the fix changes (and whether it is created
 * or changed in place), the Service, its ports, the workloads, then the values. Null values (nothing to
 * set) are left out; unknown keys are shown with their key in words.
 */
export function fixParamRows(params: Readonly<Record<string, JsonValue>>): FixParamRow[] {
  const rows: FixParamRow[] = [];
  const used = new Set<string>();
  const take = (key: string): JsonValue | undefined => {
    used.add(key);
    return params[key];
  };
  const text = (v: JsonValue | undefined) => (typeof v === "string" ? v : v === undefined || v === null ? "" : valueWords("", v));

  const kind = take("kind");
  const name = take("name");
  const create = take("create");
  if (kind !== undefined || name !== undefined) {
    const what = [text(kind), text(name) ? `"${text(name)}"` : ""].filter(Boolean).join(" ");
    const how = create === true ? " — does not exist yet: it will be created" : create === false ? " — exists: it will be changed in place" : "";
    rows.push({ label: "Changes", value: `${what}${how}` });
  } else if (create !== undefined) {
    used.delete("create");
  }

  const service = take("service");
  const namespace = take("namespace");
  if (service !== undefined) rows.push({ label: "Service", value: namespace !== undefined ? `${text(service)} in namespace ${text(namespace)}` : text(service) });
  else if (namespace !== undefined) rows.push({ label: "Namespace", value: text(namespace) });

  const servicePorts = take("servicePorts");
  if (Array.isArray(servicePorts)) rows.push({ label: servicePorts.length === 1 ? "Service port" : "Service ports", value: valueWords("servicePorts", servicePorts) });
  const servicePort = take("servicePort");
  if (servicePort !== undefined && servicePort !== null) rows.push({ label: "Service port", value: text(servicePort) });

  const workloads = take("workloads");
  if (Array.isArray(workloads)) {
    rows.push({ label: workloads.length === 1 ? "Workload" : "Workloads", value: workloads.length === 0 ? "none found" : workloads.map((w) => objectWords(text(w))).join(", ") });
  }

  const protocol = take("protocol");
  const port = take("port");
  const legacyPort = take("legacyPort");
  if (protocol !== undefined) {
    rows.push({ label: "Allow", value: `${text(protocol).toUpperCase()} port ${text(port)}${legacyPort !== undefined && legacyPort !== null ? ` (${text(legacyPort)} on older traffic-manager charts)` : ""}` });
  } else {
    if (port !== undefined && port !== null) rows.push({ label: "Port", value: text(port) });
    if (legacyPort !== undefined && legacyPort !== null) rows.push({ label: "Older port", value: text(legacyPort) });
  }

  const annotation = take("annotation");
  const annotationValue = annotation !== undefined ? take("value") : undefined;
  if (annotation !== undefined) rows.push({ label: "Annotation", value: `${text(annotation)}: ${text(annotationValue)}` });

  for (const [key, value] of Object.entries(params)) {
    if (used.has(key) || value === null) continue;
    rows.push({ label: KNOWN_LABEL[key] ?? keyWords(key), value: valueWords(key, value) });
  }
  return rows;
}
