// How GKE decides the load balancer's health check for a Service port (gke-neg.md §3, §4, §7).
// Pure functions: objects in, settings or an error out. The load-balancer controller stores what
// `createHealthCheck` returns ONCE and afterwards only runs `reconcileHealthCheck` on it, which is
// why a readinessProbe edited after creation changes nothing (gke-neg.md §4).
import type { AppProtocol } from "./annotations.ts";
import type { BackendConfig, HealthCheckPolicy, HealthCheckPolicyHttp, Pod, Probe, Service, ServicePort } from "./types.ts";

export type HealthCheckType = "HTTP" | "HTTPS" | "HTTP2" | "TCP";
export type PortSpecification = "USE_SERVING_PORT" | "USE_FIXED_PORT";

export interface HealthCheckSettings {
  type: HealthCheckType;
  checkIntervalSec: number;
  timeoutSec: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  portSpecification: PortSpecification;
  /** Only with USE_FIXED_PORT: probes go to podIP:port (gke-neg.md §3). */
  port?: number;
  requestPath: string;
  /** Host header; GCE sends the endpoint's IP when empty. */
  host?: string;
  /** Where the non-default values came from, for humans (GCE's `description`). */
  description: string;
}

export type Resolved<T> = { ok: true; value: T } | { ok: false; error: string };

/** gke-neg.md §4: NEG defaults — 15 s / 15 s / 1 / 2, type from the app protocol, serving port, `/`. */
export function negDefaultHealthCheck(protocol: AppProtocol): HealthCheckSettings {
  return {
    type: protocol,
    checkIntervalSec: 15,
    timeoutSec: 15,
    healthyThreshold: 1,
    unhealthyThreshold: 2,
    portSpecification: "USE_SERVING_PORT",
    requestPath: "/",
    description: "Default kubernetes L7 Loadbalancing health check for NEG.",
  };
}

/** The readinessProbe scheme that matches an app protocol (gke-neg.md §4: HTTP2 → HTTPS). */
function probeSchemeFor(protocol: AppProtocol): string {
  return protocol === "HTTP2" ? "HTTPS" : protocol;
}

/** gke-neg.md §4: httpGet only, no `host`, no headers except a single `Host`. */
function isSimpleHttpProbe(probe: Probe | undefined): probe is Probe & { httpGet: NonNullable<Probe["httpGet"]> } {
  const get = probe?.httpGet;
  if (!get || (get.host !== undefined && get.host !== "")) return false;
  const headers = get.httpHeaders ?? [];
  return headers.length === 0 || (headers.length === 1 && headers[0]!.name === "Host");
}

function byCreationThenName(a: Pod, b: Pod): number {
  const ta = Date.parse(a.metadata.creationTimestamp ?? "") || 0;
  const tb = Date.parse(b.metadata.creationTimestamp ?? "") || 0;
  if (ta !== tb) return ta - tb;
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}

export interface ProbeInference {
  pod: string;
  container: string;
  settings: Pick<HealthCheckSettings, "requestPath" | "host" | "timeoutSec" | "checkIntervalSec">;
}

/**
 * gke-neg.md §4, readinessProbe inference (ingress-gce `GetProbe`): pods of the Service in order
 * of creation time then name; in each, the container whose `ports[]` matches the Service port's
 * targetPort (number = containerPort, name = port name) with a simple httpGet probe whose scheme
 * matches the app protocol and whose port is that same container port. The first match wins
 * (a pod without one is passed over, as upstream does).
 */
export function inferFromReadinessProbe(pods: Pod[], servicePort: ServicePort, protocol: AppProtocol): ProbeInference | undefined {
  const targetPort = servicePort.targetPort ?? servicePort.port;
  for (const pod of [...pods].sort(byCreationThenName)) {
    for (const container of pod.spec?.containers ?? []) {
      const probe = container.readinessProbe;
      if (!isSimpleHttpProbe(probe)) continue;
      if ((probe.httpGet.scheme ?? "HTTP").toUpperCase() !== probeSchemeFor(protocol)) continue;
      for (const cp of container.ports ?? []) {
        const matchesTarget = typeof targetPort === "number" ? cp.containerPort === targetPort : cp.name === targetPort;
        if (!matchesTarget) continue;
        const probePort = probe.httpGet.port;
        const samePort = typeof probePort === "number" ? probePort === cp.containerPort : probePort !== undefined && probePort === cp.name;
        if (!samePort) continue;
        let path = probe.httpGet.path ?? "";
        if (!path.startsWith("/")) path = `/${path}`; // GCE requires a leading "/"
        const host = probe.httpGet.httpHeaders?.find((h) => h.name === "Host")?.value;
        return {
          pod: pod.metadata.name,
          container: container.name,
          settings: {
            requestPath: path,
            host: host || undefined,
            // Kubernetes' API defaults (timeoutSeconds 1, periodSeconds 10) when the store left them out.
            timeoutSec: probe.timeoutSeconds ?? 1,
            checkIntervalSec: probe.periodSeconds ?? 10,
          },
        };
      }
    }
  }
  return undefined;
}

export interface BackendConfigHealthCheckValues {
  checkIntervalSec?: number;
  timeoutSec?: number;
  healthyThreshold?: number;
  unhealthyThreshold?: number;
  type?: HealthCheckType;
  port?: number;
  requestPath?: string;
}

/**
 * gke-neg.md §3: the CRD accepts anything of the right JSON type; the controller fails later. Only
 * HTTP, HTTPS and HTTP2 work (TCP does not exist for Ingress); GCE rejects non-positive numbers.
 */
export function readBackendConfigHealthCheck(bc: BackendConfig): Resolved<BackendConfigHealthCheckValues | undefined> {
  const hc = bc.spec?.healthCheck;
  if (hc === undefined || hc === null) return { ok: true, value: undefined };
  const where = `BackendConfig ${bc.metadata.namespace}/${bc.metadata.name}`;
  const out: BackendConfigHealthCheckValues = {};
  const ints = ["checkIntervalSec", "timeoutSec", "healthyThreshold", "unhealthyThreshold", "port"] as const;
  for (const field of ints) {
    const v = hc[field];
    if (v === undefined || v === null) continue;
    if (typeof v !== "number" || !Number.isInteger(v)) return { ok: false, error: `${where}: healthCheck.${field} must be an integer, got ${JSON.stringify(v)}` };
    if (v <= 0 || (field === "port" && v > 65535)) {
      return { ok: false, error: `googleapi: Error 400: Invalid value for field 'resource.${field}': '${v}'. Must be greater than or equal to 1, invalid (from ${where})` };
    }
    out[field] = v;
  }
  if (hc.type !== undefined && hc.type !== null) {
    if (hc.type !== "HTTP" && hc.type !== "HTTPS" && hc.type !== "HTTP2") {
      return { ok: false, error: `${where}: health check type ${JSON.stringify(hc.type)} is not supported for Ingress backends: use HTTP, HTTPS or HTTP2` };
    }
    out.type = hc.type;
  }
  if (hc.requestPath !== undefined && hc.requestPath !== null) {
    if (typeof hc.requestPath !== "string") return { ok: false, error: `${where}: healthCheck.requestPath must be a string` };
    out.requestPath = hc.requestPath;
  }
  return { ok: true, value: out };
}

/** gke-neg.md §4: BackendConfig fields always win, field by field; `port` ⇒ USE_FIXED_PORT (§3). */
function applyBackendConfig(hc: HealthCheckSettings, bc: BackendConfigHealthCheckValues | undefined, protocol: AppProtocol): HealthCheckSettings {
  const next: HealthCheckSettings = { ...hc };
  // The controller owns type and portSpecification: it reverts them to what it would set (§4).
  next.type = bc?.type ?? protocol;
  if (bc?.port !== undefined) {
    next.portSpecification = "USE_FIXED_PORT";
    next.port = bc.port;
  } else {
    next.portSpecification = "USE_SERVING_PORT";
    delete next.port;
  }
  if (bc?.checkIntervalSec !== undefined) next.checkIntervalSec = bc.checkIntervalSec;
  if (bc?.timeoutSec !== undefined) next.timeoutSec = bc.timeoutSec;
  if (bc?.healthyThreshold !== undefined) next.healthyThreshold = bc.healthyThreshold;
  if (bc?.unhealthyThreshold !== undefined) next.unhealthyThreshold = bc.unhealthyThreshold;
  if (bc?.requestPath !== undefined) next.requestPath = bc.requestPath;
  return next;
}

/** GCE's own rule (gke-neg.md §3): timeoutSec ≤ checkIntervalSec. Nothing in Kubernetes checks it. */
export function validateForGce(hc: HealthCheckSettings): string | undefined {
  if (hc.timeoutSec > hc.checkIntervalSec) {
    return `googleapi: Error 400: Invalid value for field 'resource.timeoutSec': '${hc.timeoutSec}'. TimeoutSec should be less than checkIntervalSec., invalid`;
  }
  return undefined;
}

export interface CreateInput {
  protocol: AppProtocol;
  /** Pods selected by the Service (any state) — used only for readinessProbe inference. */
  pods: Pod[];
  servicePort: ServicePort;
  backendConfig?: BackendConfigHealthCheckValues;
}

/**
 * The health check as GKE CREATES it (gke-neg.md §4): defaults, then readinessProbe inference
 * (only now), then BackendConfig fields on top, field by field (ingress-gce applies the probe
 * first and the BackendConfig after it, so a BackendConfig that sets only `port` keeps the
 * probe's path).
 */
export function createHealthCheck(input: CreateInput): Resolved<HealthCheckSettings> {
  let hc = negDefaultHealthCheck(input.protocol);
  const inferred = inferFromReadinessProbe(input.pods, input.servicePort, input.protocol);
  if (inferred) {
    hc = { ...hc, ...inferred.settings, description: `Kubernetes L7 health check generated with readiness probe settings (pod ${inferred.pod}, container ${inferred.container}).` };
    if (hc.host === undefined) delete hc.host;
  }
  hc = applyBackendConfig(hc, input.backendConfig, input.protocol);
  if (input.backendConfig !== undefined && Object.keys(input.backendConfig).length > 0) hc.description += " BackendConfig healthCheck fields applied.";
  const invalid = validateForGce(hc);
  return invalid ? { ok: false, error: invalid } : { ok: true, value: hc };
}

/**
 * A later sync of a health check that EXISTS (gke-neg.md §4): its stored settings stay (probe
 * changes are not looked at), BackendConfig fields are re-applied field by field, and type and
 * portSpecification are reverted to what the controller wants.
 */
export function reconcileHealthCheck(existing: HealthCheckSettings, protocol: AppProtocol, backendConfig: BackendConfigHealthCheckValues | undefined): Resolved<HealthCheckSettings> {
  const hc = applyBackendConfig(existing, backendConfig, protocol);
  const invalid = validateForGce(hc);
  return invalid ? { ok: false, error: invalid } : { ok: true, value: hc };
}

// ---------------------------------------------------------------------------------------------
// Gateway API (gke-neg.md §7)

/** Defaults of a GKE Gateway backend without a HealthCheckPolicy; no probe inference (§7). */
export function gatewayDefaultHealthCheck(): HealthCheckSettings {
  return {
    type: "HTTP",
    checkIntervalSec: 5,
    timeoutSec: 5,
    healthyThreshold: 2,
    unhealthyThreshold: 2,
    portSpecification: "USE_SERVING_PORT",
    requestPath: "/",
    description: "Default health check of a GKE Gateway backend (readiness probes are not used).",
  };
}

/** The HealthCheckPolicy that targets a Service: same namespace, kind Service, core group (§7). */
export function policyForService(policies: HealthCheckPolicy[], service: Service): HealthCheckPolicy | undefined {
  return policies
    .filter((p) => p.metadata.namespace === service.metadata.namespace)
    .filter((p) => {
      const ref = p.spec?.targetRef;
      return ref?.kind === "Service" && (ref.group ?? "") === "" && ref.name === service.metadata.name && (ref.namespace === undefined || ref.namespace === service.metadata.namespace);
    })
    .sort((a, b) => byCreationThenName(a as unknown as Pod, b as unknown as Pod))[0];
}

function intIn(v: unknown, field: string, min: number, max: number): Resolved<number | undefined> {
  if (v === undefined || v === null) return { ok: true, value: undefined };
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) return { ok: false, error: `spec.default.${field} must be an integer in ${min}..${max}, got ${JSON.stringify(v)}` };
  return { ok: true, value: v };
}

/**
 * A HealthCheckPolicy's `spec.default` → health check settings (§7). The real CRD enforces these
 * rules at admission; the playground's API server may not, so they are checked here and reported.
 * USE_NAMED_PORT is resolved by `resolveNamedPort` (container port names of the Service's pods).
 */
export function healthCheckFromPolicy(policy: HealthCheckPolicy, resolveNamedPort: (name: string) => number | undefined): Resolved<HealthCheckSettings> {
  const d = policy.spec?.default ?? {};
  const hc = gatewayDefaultHealthCheck();
  hc.description = `Health check from HealthCheckPolicy ${policy.metadata.namespace}/${policy.metadata.name}.`;
  const fields = [
    ["checkIntervalSec", 1, 300],
    ["timeoutSec", 1, 300],
    ["healthyThreshold", 1, 10],
    ["unhealthyThreshold", 1, 10],
  ] as const;
  for (const [field, min, max] of fields) {
    const r = intIn(d[field], field, min, max);
    if (!r.ok) return r;
    if (r.value !== undefined) hc[field] = r.value;
  }
  if (hc.timeoutSec > hc.checkIntervalSec) return { ok: false, error: "spec.default.timeoutSec must be less than or equal to checkIntervalSec" };
  const config = d.config;
  if (config) {
    const type = config.type ?? "HTTP";
    const blocks: Record<string, unknown> = { TCP: config.tcpHealthCheck, HTTP: config.httpHealthCheck, HTTPS: config.httpsHealthCheck, HTTP2: config.http2HealthCheck, GRPC: config.grpcHealthCheck };
    if (typeof type !== "string" || !(type in blocks)) return { ok: false, error: `spec.default.config.type ${JSON.stringify(type)} is not one of TCP, HTTP, HTTPS, HTTP2, GRPC` };
    if (type === "GRPC") return { ok: false, error: "GRPC health checks are not simulated by the playground" };
    // "exactly `type` + the matching block" (§7)
    for (const [t, block] of Object.entries(blocks)) {
      if (t !== type && block !== undefined) return { ok: false, error: `spec.default.config: only the block matching type ${type} may be set (found the one for ${t})` };
    }
    hc.type = type as HealthCheckType;
    const block = (blocks[type] ?? {}) as HealthCheckPolicyHttp;
    const spec = block.portSpecification ?? "USE_SERVING_PORT";
    if (spec === "USE_FIXED_PORT") {
      const port = intIn(block.port, "config.port", 1, 65535);
      if (!port.ok) return port;
      if (port.value === undefined || block.portName !== undefined) return { ok: false, error: "USE_FIXED_PORT needs port (and no portName)" };
      hc.portSpecification = "USE_FIXED_PORT";
      hc.port = port.value;
    } else if (spec === "USE_NAMED_PORT") {
      if (typeof block.portName !== "string" || block.port !== undefined) return { ok: false, error: "USE_NAMED_PORT needs portName (and no port)" };
      const port = resolveNamedPort(block.portName);
      if (port === undefined) return { ok: false, error: `no container port named ${JSON.stringify(block.portName)} in the Service's pods` };
      hc.portSpecification = "USE_FIXED_PORT";
      hc.port = port;
    } else if (spec === "USE_SERVING_PORT") {
      if (block.port !== undefined || block.portName !== undefined) return { ok: false, error: "USE_SERVING_PORT forbids port and portName" };
    } else {
      return { ok: false, error: `portSpecification ${JSON.stringify(spec)} is not one of USE_FIXED_PORT, USE_NAMED_PORT, USE_SERVING_PORT` };
    }
    if (type !== "TCP") {
      if (block.requestPath !== undefined) {
        if (typeof block.requestPath !== "string") return { ok: false, error: "requestPath must be a string" };
        hc.requestPath = block.requestPath;
      }
      if (typeof block.host === "string" && block.host !== "") hc.host = block.host;
    }
  }
  return { ok: true, value: hc };
}
