// The effective health check of one Service port, field by field with the SOURCE of each value:
// Ingress NEGs follow gke-neg.md §4, Gateways follow the HealthCheckPolicy (gke-neg.md §7).
import type {
  FieldSource,
  HealthCheckField,
  HealthCheckFields,
  JsonValue,
  ModelProblem,
  ObjectRef,
  PortSpecification,
  ProbeSummary,
} from "../contract/model.ts";
import type { AppProtocol } from "./annotations.ts";
import { healthCheckPath } from "./probe.ts";
import type { BackendConfig, HealthCheckPolicy, PolicyProtocolCheck } from "./snapshot.ts";

/** gke-neg.md §4: NEG defaults. */
export const NEG_DEFAULTS = { checkIntervalSec: 15, timeoutSec: 15, healthyThreshold: 1, unhealthyThreshold: 2, requestPath: "/" };
/** gke-neg.md §7: HealthCheckPolicy defaults for interval and timeout. */
export const POLICY_DEFAULTS = { checkIntervalSec: 5, timeoutSec: 5 };
/** gke-neg.md §2: the transparent health checker's fixed port and path. */
export const TRANSPARENT_HC = { port: 7877, requestPath: "/api/podhealth" };
/** gke-neg.md §3: the only types the Ingress controller can build. */
export const SUPPORTED_BACKENDCONFIG_TYPES = ["HTTP", "HTTPS", "HTTP2"];


export interface EffectiveHealthCheck {
  fields: HealthCheckFields;
  source: FieldSource | "mixed";
  sourceExplanation: string;
  configuredBy: ObjectRef | null;
  /** Names of the BackendConfig healthCheck fields that are set (they beat the probe). */
  overriddenByBackendConfig: string[];
  notes: string[];
  problems: ModelProblem[];
}

const f = <T extends JsonValue>(value: T, source: FieldSource): HealthCheckField<T> => ({ value, source });

function summarizeSource(fields: HealthCheckFields): FieldSource | "mixed" {
  const sources = new Set<FieldSource>();
  for (const field of Object.values(fields) as HealthCheckField<JsonValue>[]) {
    if (field.source !== "default" && field.source !== "app-protocol" && field.source !== "unknown") sources.add(field.source);
  }
  if (sources.size > 1) return "mixed";
  if (sources.size === 1) return [...sources][0]!;
  const all = new Set((Object.values(fields) as HealthCheckField<JsonValue>[]).map((x) => x.source));
  return all.has("unknown") && all.size === 1 ? "unknown" : "default";
}

function fieldsFrom(fields: HealthCheckFields, source: FieldSource): string[] {
  return Object.entries(fields)
    .filter(([, v]) => (v as HealthCheckField<JsonValue>).source === source)
    .map(([k]) => k);
}

const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

export interface IngressHealthCheckInput {
  namespace: string;
  appProtocol: { value: AppProtocol; source: "app-protocols" | "default" };
  /** The BackendConfig that applies to this port (found), or null. */
  backendConfig: BackendConfig | null;
  /** The probe GKE would copy (gke-neg.md §4), or null. */
  probe: ProbeSummary | null;
  transparentHealthChecker: boolean;
}

/**
 * gke-neg.md §4. Precedence: BackendConfig healthCheck fields (field by field) > the existing GCE
 * health check (not visible here) > readinessProbe inference (only at creation) > NEG defaults.
 */
export function ingressHealthCheck(input: IngressHealthCheckInput): EffectiveHealthCheck {
  const hc = input.backendConfig?.spec?.healthCheck ?? null;
  const bcRef: ObjectRef | null = input.backendConfig
    ? { kind: "BackendConfig", namespace: input.namespace, name: input.backendConfig.metadata.name ?? "" }
    : null;
  const probe = input.probe;
  // gke-neg.md §2: the transparent health checker is ignored when a BackendConfig healthCheck is set.
  const thc = input.transparentHealthChecker && !hc;
  const typeFromProtocol = f<string>(input.appProtocol.value, input.appProtocol.source === "app-protocols" ? "app-protocol" : "default");

  const fields: HealthCheckFields = {
    type: typeof hc?.type === "string" ? f(hc.type, "backendconfig") : typeFromProtocol,
    portSpecification: isNum(hc?.port)
      ? f<PortSpecification>("USE_FIXED_PORT", "backendconfig")
      : thc
        ? f<PortSpecification>("USE_FIXED_PORT", "transparent-health-checker")
        : f<PortSpecification>("USE_SERVING_PORT", "default"),
    port: isNum(hc?.port) ? f<number | null>(hc.port, "backendconfig") : thc ? f<number | null>(TRANSPARENT_HC.port, "transparent-health-checker") : f<number | null>(null, "default"),
    portName: f<string | null>(null, "default"),
    requestPath: typeof hc?.requestPath === "string"
      ? f<string | null>(hc.requestPath, "backendconfig")
      : thc
        ? f<string | null>(TRANSPARENT_HC.requestPath, "transparent-health-checker")
        : probe
          ? f<string | null>(healthCheckPath(probe.path), "readiness-probe")
          : f<string | null>(NEG_DEFAULTS.requestPath, "default"),
    host: probe?.host ? f<string | null>(probe.host, "readiness-probe") : f<string | null>(null, "default"),
    checkIntervalSec: isNum(hc?.checkIntervalSec)
      ? f<number | null>(hc.checkIntervalSec, "backendconfig")
      : probe
        ? f<number | null>(probe.periodSeconds, "readiness-probe")
        : f<number | null>(NEG_DEFAULTS.checkIntervalSec, "default"),
    timeoutSec: isNum(hc?.timeoutSec)
      ? f<number | null>(hc.timeoutSec, "backendconfig")
      : probe
        ? f<number | null>(probe.timeoutSeconds, "readiness-probe")
        : f<number | null>(NEG_DEFAULTS.timeoutSec, "default"),
    // gke-neg.md §4: thresholds are never copied from the probe.
    healthyThreshold: isNum(hc?.healthyThreshold) ? f<number | null>(hc.healthyThreshold, "backendconfig") : f<number | null>(NEG_DEFAULTS.healthyThreshold, "default"),
    unhealthyThreshold: isNum(hc?.unhealthyThreshold) ? f<number | null>(hc.unhealthyThreshold, "backendconfig") : f<number | null>(NEG_DEFAULTS.unhealthyThreshold, "default"),
  };

  const overriddenByBackendConfig = hc
    ? (["checkIntervalSec", "timeoutSec", "healthyThreshold", "unhealthyThreshold", "type", "port", "requestPath"] as const).filter((k) => hc[k] !== undefined)
    : [];
  const parts: string[] = [];
  const fromBc = fieldsFrom(fields, "backendconfig");
  if (fromBc.length) parts.push(`BackendConfig "${bcRef?.name}" sets ${fromBc.join(", ")} (its fields always win).`);
  const fromProbe = fieldsFrom(fields, "readiness-probe");
  if (fromProbe.length) {
    parts.push(
      `${fromProbe.join(", ")} ${fromProbe.length === 1 ? "was" : "were"} copied from the readinessProbe of container "${probe?.container}" when GKE created the health check; later probe edits do not apply.`,
    );
  }
  if (thc) parts.push("The transparent health checker annotation makes GKE check port 7877, path /api/podhealth.");
  if (fields.type.source === "app-protocol") parts.push(`The type ${fields.type.value} comes from the app-protocols annotation.`);
  const fromDefault = fieldsFrom(fields, "default").filter((k) => k !== "portName" && !(k === "port" && fields.port.value === null) && !(k === "host" && fields.host.value === null));
  if (fromDefault.length) parts.push(`GKE's NEG defaults give ${fromDefault.join(", ")}.`);

  const notes = [
    "Edits made directly to the GCE health check survive, except its type and port specification, which the controller reverts; Switchboard does not read the GCE health check itself (gke-neg.md §4).",
  ];
  return {
    fields,
    source: summarizeSource(fields),
    sourceExplanation: parts.join(" "),
    configuredBy: fromBc.length ? bcRef : null,
    overriddenByBackendConfig,
    notes,
    problems: [],
  };
}

function policyBlock(type: string, config: NonNullable<NonNullable<HealthCheckPolicy["spec"]>["default"]>["config"]): PolicyProtocolCheck | null {
  if (!config) return null;
  const key = ({ HTTP: "httpHealthCheck", HTTPS: "httpsHealthCheck", HTTP2: "http2HealthCheck", GRPC: "grpcHealthCheck", TCP: "tcpHealthCheck" } as const)[
    type as "HTTP"
  ];
  return (key ? config[key] : undefined) ?? null;
}

/**
 * gke-neg.md §7: the Gateway's health check comes from the HealthCheckPolicy targeting the Service;
 * there is no probe inference on the Gateway (default `GET /` on the serving port).
 * Port rules: USE_FIXED_PORT needs `port`, USE_NAMED_PORT needs `portName`, USE_SERVING_PORT (or
 * absent) forbids both — a `port` without USE_FIXED_PORT does NOT move the check off the serving port.
 */
export function gatewayHealthCheck(namespace: string, policy: HealthCheckPolicy | null): EffectiveHealthCheck {
  const ref: ObjectRef | null = policy ? { kind: "HealthCheckPolicy", namespace, name: policy.metadata.name ?? "" } : null;
  const problems: ModelProblem[] = [];
  const notes: string[] = ["The GKE Gateway does not infer health checks from readiness probes (gke-neg.md §7)."];
  if (!policy) {
    const fields: HealthCheckFields = {
      type: f("HTTP", "default"),
      portSpecification: f<PortSpecification>("USE_SERVING_PORT", "default"),
      port: f<number | null>(null, "default"),
      portName: f<string | null>(null, "default"),
      requestPath: f<string | null>("/", "default"),
      host: f<string | null>(null, "default"),
      checkIntervalSec: f<number | null>(null, "unknown"),
      timeoutSec: f<number | null>(null, "unknown"),
      healthyThreshold: f<number | null>(null, "unknown"),
      unhealthyThreshold: f<number | null>(null, "unknown"),
    };
    notes.push("No HealthCheckPolicy targets this Service: the Gateway checks GET / on the serving port; its timing defaults are not known here.");
    return { fields, source: "default", sourceExplanation: "No HealthCheckPolicy targets this Service, so the Gateway uses its default check: GET / on the serving port.", configuredBy: null, overriddenByBackendConfig: [], notes, problems };
  }
  const d = policy.spec?.default ?? {};
  const type = d.config?.type ?? "HTTP";
  const block = policyBlock(type, d.config) ?? {};
  const spec = block.portSpecification;
  const path = (p: string) => `spec.default.config.${({ HTTP: "httpHealthCheck", HTTPS: "httpsHealthCheck", HTTP2: "http2HealthCheck", GRPC: "grpcHealthCheck", TCP: "tcpHealthCheck" } as Record<string, string>)[type] ?? "httpHealthCheck"}.${p}`;
  const evidence = (p: string, value: JsonValue) => ({ object: ref!, path: path(p), value });

  let portSpecification: PortSpecification = "USE_SERVING_PORT";
  let port: number | null = null;
  let portName: string | null = null;
  if (spec === "USE_FIXED_PORT") {
    if (isNum(block.port)) {
      portSpecification = "USE_FIXED_PORT";
      port = block.port;
    } else {
      problems.push({ code: "healthcheckpolicy-fixed-port-without-port", message: "USE_FIXED_PORT needs a port; GKE rejects this policy.", evidence: [evidence("portSpecification", spec)] });
    }
  } else if (spec === "USE_NAMED_PORT") {
    if (typeof block.portName === "string") {
      portSpecification = "USE_NAMED_PORT";
      portName = block.portName;
    } else {
      problems.push({ code: "healthcheckpolicy-named-port-without-name", message: "USE_NAMED_PORT needs a portName; GKE rejects this policy.", evidence: [evidence("portSpecification", spec)] });
    }
  } else {
    if (block.port !== undefined) {
      problems.push({
        code: "healthcheckpolicy-port-needs-fixed-port",
        message: `The policy sets port ${String(block.port)} but portSpecification is ${spec ?? "absent"}; a port is only allowed with USE_FIXED_PORT, so the check stays on the serving port.`,
        evidence: [evidence("port", block.port ?? null), evidence("portSpecification", spec ?? null)],
      });
    }
    if (block.portName !== undefined) {
      problems.push({
        code: "healthcheckpolicy-port-needs-fixed-port",
        message: `The policy sets portName "${block.portName}" but portSpecification is ${spec ?? "absent"}; a portName is only allowed with USE_NAMED_PORT.`,
        evidence: [evidence("portName", block.portName ?? null), evidence("portSpecification", spec ?? null)],
      });
    }
  }
  const fields: HealthCheckFields = {
    type: f(type, d.config?.type ? "health-check-policy" : "default"),
    portSpecification: f(portSpecification, spec ? "health-check-policy" : "default"),
    port: f(port, port !== null ? "health-check-policy" : "default"),
    portName: f(portName, portName !== null ? "health-check-policy" : "default"),
    requestPath: typeof block.requestPath === "string" ? f<string | null>(block.requestPath, "health-check-policy") : f<string | null>(type === "TCP" || type === "GRPC" ? null : "/", "default"),
    host: typeof block.host === "string" ? f<string | null>(block.host, "health-check-policy") : f<string | null>(null, "default"),
    checkIntervalSec: isNum(d.checkIntervalSec) ? f<number | null>(d.checkIntervalSec, "health-check-policy") : f<number | null>(POLICY_DEFAULTS.checkIntervalSec, "default"),
    timeoutSec: isNum(d.timeoutSec) ? f<number | null>(d.timeoutSec, "health-check-policy") : f<number | null>(POLICY_DEFAULTS.timeoutSec, "default"),
    healthyThreshold: isNum(d.healthyThreshold) ? f<number | null>(d.healthyThreshold, "health-check-policy") : f<number | null>(null, "unknown"),
    unhealthyThreshold: isNum(d.unhealthyThreshold) ? f<number | null>(d.unhealthyThreshold, "health-check-policy") : f<number | null>(null, "unknown"),
  };
  const set = fieldsFrom(fields, "health-check-policy");
  return {
    fields,
    source: summarizeSource(fields),
    sourceExplanation: set.length
      ? `HealthCheckPolicy "${ref!.name}" sets ${set.join(", ")}; the rest are the policy's defaults.`
      : `HealthCheckPolicy "${ref!.name}" sets nothing; its defaults apply.`,
    configuredBy: ref,
    overriddenByBackendConfig: [],
    notes,
    problems,
  };
}
