// Parsing of the GKE Service annotations (gke-neg.md §2). Pure functions; errors are returned as
// values so the controllers can turn them into the events GKE writes.
import type { Service, ServicePort } from "./types.ts";

export const NEG_ANNOTATION = "cloud.google.com/neg";
export const NEG_STATUS_ANNOTATION = "cloud.google.com/neg-status";
export const BACKEND_CONFIG_ANNOTATION = "cloud.google.com/backend-config";
export const BETA_BACKEND_CONFIG_ANNOTATION = "beta.cloud.google.com/backend-config";
export const APP_PROTOCOLS_ANNOTATION = "cloud.google.com/app-protocols";
export const INGRESS_BACKENDS_ANNOTATION = "ingress.kubernetes.io/backends";

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

export interface NegAnnotation {
  ingress: boolean;
  /** Service port number → custom NEG name (undefined: generated name). */
  exposedPorts: Map<number, string | undefined>;
}

/** gke-neg.md §2: `{"ingress": true}` and/or `{"exposed_ports": {"80": {}, "443": {"name": "x"}}}`. */
export function parseNegAnnotation(service: Service): Parsed<NegAnnotation> | undefined {
  const raw = service.metadata.annotations?.[NEG_ANNOTATION];
  if (raw === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    return { ok: false, error: `failed to parse annotation ${NEG_ANNOTATION} ${JSON.stringify(raw)}: ${(err as Error).message}` };
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return { ok: false, error: `annotation ${NEG_ANNOTATION} must be a JSON object, got ${JSON.stringify(raw)}` };
  }
  const obj = json as { ingress?: unknown; exposed_ports?: unknown };
  if (obj.ingress !== undefined && typeof obj.ingress !== "boolean") {
    return { ok: false, error: `annotation ${NEG_ANNOTATION}: "ingress" must be true or false` };
  }
  const exposedPorts = new Map<number, string | undefined>();
  if (obj.exposed_ports !== undefined) {
    if (typeof obj.exposed_ports !== "object" || obj.exposed_ports === null || Array.isArray(obj.exposed_ports)) {
      return { ok: false, error: `annotation ${NEG_ANNOTATION}: "exposed_ports" must be an object keyed by Service port number` };
    }
    for (const [key, attrs] of Object.entries(obj.exposed_ports as Record<string, unknown>)) {
      const port = Number(key);
      if (!Number.isInteger(port) || port <= 0 || port > 65535) {
        return { ok: false, error: `annotation ${NEG_ANNOTATION}: exposed port ${JSON.stringify(key)} is not a port number` };
      }
      const name = typeof attrs === "object" && attrs !== null ? (attrs as { name?: unknown }).name : undefined;
      if (name !== undefined && typeof name !== "string") {
        return { ok: false, error: `annotation ${NEG_ANNOTATION}: name of exposed port ${port} must be a string` };
      }
      exposedPorts.set(port, name === "" ? undefined : name);
    }
  }
  const ingress = obj.ingress === true;
  // gke-neg.md §2: a custom name together with `ingress: true` is an error.
  if (ingress && [...exposedPorts.values()].some((n) => n !== undefined)) {
    return { ok: false, error: `annotation ${NEG_ANNOTATION}: custom NEG names cannot be used with "ingress": true` };
  }
  return { ok: true, value: { ingress, exposedPorts } };
}

export interface BackendConfigRef {
  default?: string;
  ports: Record<string, string>;
}

/** gke-neg.md §2: GA annotation wins over the beta one. */
export function parseBackendConfigAnnotation(service: Service): Parsed<BackendConfigRef> | undefined {
  const annotations = service.metadata.annotations ?? {};
  const key = annotations[BACKEND_CONFIG_ANNOTATION] !== undefined ? BACKEND_CONFIG_ANNOTATION : BETA_BACKEND_CONFIG_ANNOTATION;
  const raw = annotations[key];
  if (raw === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    return { ok: false, error: `failed to parse annotation ${key}: ${(err as Error).message}` };
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return { ok: false, error: `annotation ${key} must be a JSON object` };
  }
  const obj = json as { default?: unknown; ports?: unknown };
  if (obj.default !== undefined && typeof obj.default !== "string") return { ok: false, error: `annotation ${key}: "default" must be a name` };
  const ports: Record<string, string> = {};
  if (obj.ports !== undefined) {
    if (typeof obj.ports !== "object" || obj.ports === null || Array.isArray(obj.ports)) {
      return { ok: false, error: `annotation ${key}: "ports" must be an object` };
    }
    for (const [port, name] of Object.entries(obj.ports as Record<string, unknown>)) {
      if (typeof name !== "string") return { ok: false, error: `annotation ${key}: BackendConfig name for port ${port} must be a string` };
      ports[port] = name;
    }
  }
  return { ok: true, value: { default: obj.default as string | undefined, ports } };
}

/**
 * gke-neg.md §2: lookup for a Service port by port NAME, then by Service port NUMBER (not
 * targetPort), then `default`. Undefined when the Service names no BackendConfig for this port.
 */
export function backendConfigNameFor(ref: BackendConfigRef, port: ServicePort): string | undefined {
  if (port.name && ref.ports[port.name] !== undefined) return ref.ports[port.name];
  if (ref.ports[String(port.port)] !== undefined) return ref.ports[String(port.port)];
  return ref.default;
}

export type AppProtocol = "HTTP" | "HTTPS" | "HTTP2";

/** gke-neg.md §2: `cloud.google.com/app-protocols`, keyed by port NAME only; default HTTP. */
export function appProtocolFor(service: Service, port: ServicePort): Parsed<AppProtocol> {
  const raw = service.metadata.annotations?.[APP_PROTOCOLS_ANNOTATION];
  if (raw === undefined) return { ok: true, value: "HTTP" };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    return { ok: false, error: `failed to parse annotation ${APP_PROTOCOLS_ANNOTATION}: ${(err as Error).message}` };
  }
  if (typeof json !== "object" || json === null) return { ok: false, error: `annotation ${APP_PROTOCOLS_ANNOTATION} must be a JSON object` };
  const value = port.name ? (json as Record<string, unknown>)[port.name] : undefined;
  if (value === undefined) return { ok: true, value: "HTTP" };
  if (value === "HTTP" || value === "HTTPS" || value === "HTTP2") return { ok: true, value };
  return { ok: false, error: `invalid port application protocol ${JSON.stringify(value)} for port ${JSON.stringify(port.name)}: only HTTP, HTTPS and HTTP2 are supported` };
}

export interface NegStatus {
  network_endpoint_groups: Record<string, string>;
  zones: string[];
}

export function formatNegStatus(status: NegStatus): string {
  const negs: Record<string, string> = {};
  for (const key of Object.keys(status.network_endpoint_groups).sort((a, b) => Number(a) - Number(b))) {
    negs[key] = status.network_endpoint_groups[key]!;
  }
  return JSON.stringify({ network_endpoint_groups: negs, zones: [...status.zones].sort() });
}
