// Parsing of the GKE Service annotations (gke-neg.md §2). Every parser is total: bad input becomes a
// problem with evidence, never an exception, because a user's typo must show up in the UI.
import type { Evidence, JsonValue, ModelProblem } from "../contract/model.ts";
import type { Service } from "./snapshot.ts";

export const NEG_ANNOTATION = "cloud.google.com/neg";
export const NEG_STATUS_ANNOTATION = "cloud.google.com/neg-status";
export const BACKEND_CONFIG_ANNOTATION = "cloud.google.com/backend-config";
export const BETA_BACKEND_CONFIG_ANNOTATION = "beta.cloud.google.com/backend-config";
export const APP_PROTOCOLS_ANNOTATION = "cloud.google.com/app-protocols";
export const TRANSPARENT_HC_ANNOTATION = "networking.gke.io/transparent-health-checker";
export const INGRESS_BACKENDS_ANNOTATION = "ingress.kubernetes.io/backends";

export function annotationPath(key: string): string {
  return `metadata.annotations["${key}"]`;
}

export function serviceEvidence(svc: Service, key: string): Evidence {
  return {
    object: { kind: "Service", namespace: svc.metadata?.namespace ?? null, name: svc.metadata?.name ?? "" },
    path: annotationPath(key),
    value: svc.metadata?.annotations?.[key] ?? null,
  };
}

type Parsed<T> = { value: T | null; problem: ModelProblem | null };

function parseJsonObject(svc: Service, key: string): Parsed<Record<string, unknown>> {
  const raw = svc.metadata?.annotations?.[key];
  if (raw === undefined) return { value: null, problem: null };
  try {
    const value: unknown = JSON.parse(raw);
    if (value === null || typeof value !== "object" || Array.isArray(value)) throw new Error("not a JSON object");
    return { value: value as Record<string, unknown>, problem: null };
  } catch (e) {
    return {
      value: null,
      problem: {
        code: "annotation-invalid-json",
        message: `The annotation ${key} is not a valid JSON object (${(e as Error).message}); GKE ignores it.`,
        evidence: [serviceEvidence(svc, key)],
      },
    };
  }
}

export interface NegAnnotation {
  ingress: boolean;
  /** Service port number (as a string) → custom NEG name or null. */
  exposedPorts: Record<string, string | null>;
}

/**
 * gke-neg.md §2: `{"ingress": true}` and/or `{"exposed_ports": {"80": {}, "443": {"name": "x"}}}`.
 * Invalid JSON → GKE emits a Warning event ProcessServiceFailed: reported as `neg-annotation-invalid`.
 */
export function parseNegAnnotation(svc: Service): Parsed<NegAnnotation> & { present: boolean } {
  const present = svc.metadata?.annotations?.[NEG_ANNOTATION] !== undefined;
  const parsed = parseJsonObject(svc, NEG_ANNOTATION);
  if (parsed.problem) {
    return {
      present,
      value: null,
      problem: {
        ...parsed.problem,
        code: "neg-annotation-invalid",
        message: `${parsed.problem.message} GKE reports it as a Warning event ProcessServiceFailed on the Service and creates no NEG from it.`,
      },
    };
  }
  if (!parsed.value) return { present, value: null, problem: null };
  const ingress = parsed.value.ingress === true;
  const exposedPorts: Record<string, string | null> = {};
  const exposed = parsed.value.exposed_ports;
  if (exposed && typeof exposed === "object" && !Array.isArray(exposed)) {
    for (const [port, cfg] of Object.entries(exposed as Record<string, unknown>)) {
      const name = cfg && typeof cfg === "object" && typeof (cfg as { name?: unknown }).name === "string" ? (cfg as { name: string }).name : null;
      exposedPorts[port] = name;
    }
  }
  const custom = Object.values(exposedPorts).filter((n) => n !== null);
  const problem: ModelProblem | null =
    ingress && custom.length > 0
      ? {
          code: "neg-annotation-invalid",
          message: `The ${NEG_ANNOTATION} annotation asks for custom NEG names together with "ingress": true, which GKE rejects (gke-neg.md §2).`,
          evidence: [serviceEvidence(svc, NEG_ANNOTATION)],
        }
      : null;
  return { present, value: { ingress, exposedPorts }, problem };
}

export interface NegStatus {
  /** Service port number (as a string) → NEG name. */
  negs: Record<string, string>;
  zones: string[];
}

/** gke-neg.md §2: `{"network_endpoint_groups":{"80":"k8s1-…"},"zones":["us-central1-a"]}`. */
export function parseNegStatus(svc: Service): Parsed<NegStatus> {
  const parsed = parseJsonObject(svc, NEG_STATUS_ANNOTATION);
  if (parsed.problem) return { value: null, problem: { ...parsed.problem, code: "neg-status-invalid" } };
  if (!parsed.value) return { value: null, problem: null };
  const negs: Record<string, string> = {};
  const groups = parsed.value.network_endpoint_groups;
  if (groups && typeof groups === "object") {
    for (const [port, name] of Object.entries(groups as Record<string, unknown>)) {
      if (typeof name === "string") negs[port] = name;
    }
  }
  const zones = Array.isArray(parsed.value.zones) ? parsed.value.zones.filter((z): z is string => typeof z === "string") : [];
  return { value: { negs, zones }, problem: null };
}

export interface BackendConfigAnnotation {
  annotation: typeof BACKEND_CONFIG_ANNOTATION | typeof BETA_BACKEND_CONFIG_ANNOTATION;
  default: string | null;
  /** Port name or Service port number (string) → BackendConfig name. */
  ports: Record<string, string>;
}

/**
 * gke-neg.md §2: `{"default": "cfg"}`, `{"ports": {"http": "a", "443": "b"}}`, or both. The GA
 * annotation wins over the legacy beta one as a whole (the beta one is then ignored).
 */
export function parseBackendConfigAnnotation(svc: Service): Parsed<BackendConfigAnnotation> {
  const annotations = svc.metadata?.annotations ?? {};
  const key =
    annotations[BACKEND_CONFIG_ANNOTATION] !== undefined
      ? BACKEND_CONFIG_ANNOTATION
      : annotations[BETA_BACKEND_CONFIG_ANNOTATION] !== undefined
        ? BETA_BACKEND_CONFIG_ANNOTATION
        : null;
  if (!key) return { value: null, problem: null };
  const parsed = parseJsonObject(svc, key);
  if (parsed.problem) return { value: null, problem: { ...parsed.problem, code: "backendconfig-annotation-invalid" } };
  const obj = parsed.value ?? {};
  const ports: Record<string, string> = {};
  if (obj.ports && typeof obj.ports === "object") {
    for (const [k, v] of Object.entries(obj.ports as Record<string, unknown>)) if (typeof v === "string") ports[k] = v;
  }
  return {
    value: { annotation: key, default: typeof obj.default === "string" ? obj.default : null, ports },
    problem: null,
  };
}

export type AppProtocol = "HTTP" | "HTTPS" | "HTTP2";

/** gke-neg.md §2: `{"my-port-name": "HTTPS"}`, keyed by port NAME only; HTTP when absent. */
export function parseAppProtocols(svc: Service): Parsed<Record<string, string>> {
  const parsed = parseJsonObject(svc, APP_PROTOCOLS_ANNOTATION);
  if (parsed.problem) return { value: null, problem: { ...parsed.problem, code: "app-protocols-invalid" } };
  if (!parsed.value) return { value: null, problem: null };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed.value)) if (typeof v === "string") out[k] = v;
  return { value: out, problem: null };
}

export function appProtocolFor(
  protocols: Record<string, string> | null,
  portName: string | null,
): { value: AppProtocol; source: "app-protocols" | "default" } {
  const raw = portName ? protocols?.[portName] : undefined;
  if (raw === "HTTP" || raw === "HTTPS" || raw === "HTTP2") return { value: raw, source: "app-protocols" };
  return { value: "HTTP", source: "default" };
}

/** gke-neg.md §2: `networking.gke.io/transparent-health-checker: {"enabled": true}`. */
export function transparentHealthCheckerEnabled(svc: Service): boolean {
  const raw = svc.metadata?.annotations?.[TRANSPARENT_HC_ANNOTATION];
  if (!raw) return false;
  try {
    const v = JSON.parse(raw) as { enabled?: unknown };
    return v?.enabled === true;
  } catch {
    return false;
  }
}

/** gke-neg.md §1: `ingress.kubernetes.io/backends` on an Ingress: backend service → state. */
export function parseIngressBackends(raw: string | undefined): Record<string, string> {
  if (!raw) return {};
  try {
    const v: unknown = JSON.parse(raw);
    if (!v || typeof v !== "object") return {};
    const out: Record<string, string> = {};
    for (const [k, s] of Object.entries(v as Record<string, JsonValue>)) if (typeof s === "string") out[k] = s;
    return out;
  } catch {
    return {};
  }
}
