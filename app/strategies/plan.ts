// Planning a health strategy (pure): from the model's input snapshot and a request (strategy, Service,
// port, options) to the exact change of every object — Deployment, Service, BackendConfig,
// HealthCheckPolicy — as before/after objects, guarded JSON patches, a YAML diff and kubectl commands,
// with the warnings a user needs before touching a production-like service. Nothing here does I/O.
//
// The strategies move the load balancer's health check off the port a Telepresence intercept takes over
// (telepresence.md §5, gke-neg.md §10):
//   sidecar          a small health container on its own port; the check goes there (§5 row 5)
//   dedicated-port   the app's own second health port, declared as a containerPort (§5 row 6)
//   pin-serving-port the app's serving port by NUMBER, only where the Service names its targetPort:
//                    the agent takes over the name, not the number (§5 row 3; derived from
//                    Telepresence's injection rules, telepresence.md §4)
import type { HealthCheckView, PortView, ServiceView } from "../contract/model.ts";
import {
  BACKEND_CONFIG_ANNOTATION,
  BETA_BACKEND_CONFIG_ANNOTATION,
  parseBackendConfigAnnotation,
} from "../gke/annotations.ts";
import { SUPPORTED_BACKENDCONFIG_TYPES } from "../gke/healthcheck.ts";
import { buildServiceView } from "../gke/model.ts";
import { AGENT_FIRST_PORT, selects, targetPortOf } from "../gke/pods.ts";
import type { Container } from "../gke/pods.ts";
import type { BackendConfig, ClusterSnapshot, Deployment, HealthCheckPolicy, NamespaceSnapshot, Service } from "../gke/snapshot.ts";
import { guardedPatch, pointer } from "./guards.ts";
import { kubectlCreate, kubectlPatch, kubectlRolloutStatus, yamlDiff } from "./preview.ts";
import type {
  KubeObject,
  ObjectChange,
  ObjectKey,
  Plan,
  PlanRequest,
  PlanResult,
  PlanTarget,
  PlanWarning,
  StrategyId,
} from "./types.ts";

/** A tiny, well-known image that answers 200 on every path (real clusters; configurable). */
export const DEFAULT_SIDECAR = { image: "hashicorp/http-echo:1.0", port: 8081, path: "/healthz", containerName: "health-sidecar" } as const;
/** The playground's health sidecar (playground/README.md): PORT and HEALTH_PATH from env. */
export const PLAYGROUND_SIDECAR_IMAGE = "switchboard/health-sidecar";

export const BACKENDCONFIG_API = "cloud.google.com/v1";
export const HEALTHCHECKPOLICY_API = "networking.gke.io/v1";

/** telepresence.md §4: the agent's ports start at 9900; keep health ports out of its way. */
const AGENT_PORT_RANGE = { from: AGENT_FIRST_PORT, to: AGENT_FIRST_PORT + 99 };

const BLOCK_OF: Record<string, "httpHealthCheck" | "httpsHealthCheck" | "http2HealthCheck" | "grpcHealthCheck" | "tcpHealthCheck"> = {
  HTTP: "httpHealthCheck",
  HTTPS: "httpsHealthCheck",
  HTTP2: "http2HealthCheck",
  GRPC: "grpcHealthCheck",
  TCP: "tcpHealthCheck",
};

export interface PlanOptions {
  /** kubeconfig context named in the kubectl commands (null: the current context). */
  context?: string | null;
}

class Refused extends Error {
  readonly references: string[];
  constructor(reason: string, references: string[] = []) {
    super(reason);
    this.references = references;
  }
}

function refuse(reason: string, references: string[] = []): never {
  throw new Refused(reason, references);
}

const clone = <T>(x: T): T => structuredClone(x);

/** A copy with kind and apiVersion filled in (list items from a watch cache may lack them). */
function asKube(o: unknown, kind: ObjectKey["kind"], apiVersion: string): KubeObject {
  const out = clone(o) as KubeObject;
  out.apiVersion ??= apiVersion;
  out.kind ??= kind;
  return out;
}

function key(kind: ObjectKey["kind"], apiVersion: string, namespace: string, name: string): ObjectKey {
  return { kind, apiVersion, namespace, name };
}

function patchChange(k: ObjectKey, before: KubeObject, after: KubeObject, relied: string[], summary: string, context: string | null, restartsPods = false): ObjectChange {
  const patch = guardedPatch(before, after, relied);
  return { object: k, action: "patch", summary, before, after, patch, yamlDiff: yamlDiff(k, before, after), kubectl: kubectlPatch(context, k, patch), restartsPods };
}

function createChange(k: ObjectKey, after: KubeObject, summary: string, context: string | null): ObjectChange {
  return { object: k, action: "create", summary, before: null, after, patch: null, yamlDiff: yamlDiff(k, null, after), kubectl: kubectlCreate(context, k, after), restartsPods: false };
}

/** Every containerPort declared in a pod template (number → container). */
function declaredPorts(containers: readonly Container[]): Map<number, string> {
  const out = new Map<number, string>();
  for (const c of containers) for (const p of c.ports ?? []) out.set(p.containerPort, c.name);
  return out;
}

function declaredPortNames(containers: readonly Container[]): Set<string> {
  return new Set(containers.flatMap((c) => (c.ports ?? []).flatMap((p) => (p.name ? [p.name] : []))));
}

/** Numeric targetPorts of the Services selecting these pod labels (what tel-agent-init would redirect). */
function numericTargetsOfLabels(ns: NamespaceSnapshot, labels: Record<string, string> | undefined): { service: string; port: number }[] {
  const out: { service: string; port: number }[] = [];
  for (const s of ns.services) {
    if (!selects(s.spec?.selector, labels)) continue;
    for (const p of s.spec?.ports ?? []) {
      const t = targetPortOf(p);
      if (t.kind === "number") out.push({ service: s.metadata?.name ?? "", port: t.value });
    }
  }
  return out;
}

/** Every (Service, port key) whose BackendConfig lookup (gke-neg.md §2) lands on `name`. */
function backendConfigUsers(ns: NamespaceSnapshot, name: string): { service: string; port: string }[] {
  const out: { service: string; port: string }[] = [];
  for (const s of ns.services) {
    const ann = parseBackendConfigAnnotation(s).value;
    if (!ann) continue;
    for (const p of s.spec?.ports ?? []) {
      const chosen = (p.name ? ann.ports[p.name] : undefined) ?? ann.ports[String(p.port)] ?? ann.default;
      if (chosen === name) out.push({ service: s.metadata?.name ?? "", port: p.name ?? String(p.port) });
    }
  }
  return out;
}

function freeName(base: string, taken: (n: string) => boolean): string {
  const b = base.slice(0, 63).replace(/-+$/, "");
  if (!taken(b)) return b;
  for (let i = 2; ; i++) {
    const n = `${b.slice(0, 60)}-${i}`;
    if (!taken(n)) return n;
  }
}

/** Kubernetes object names: lowercase RFC 1123. */
function dnsName(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "");
}

// ---------------------------------------------------------------------------------------------
// The sidecar container

export function sidecarContainer(image: string, port: number, path: string, name: string, portName = "sb-health"): Container {
  const base = image.replace(/^docker\.io\//, "").replace(/[:@].*$/, "");
  const resources = { requests: { cpu: "5m", memory: "8Mi" }, limits: { memory: "32Mi" } };
  const ports = [{ name: portName, containerPort: port, protocol: "TCP" }];
  if (base === "hashicorp/http-echo") {
    // http-echo answers every path with its text and 200; it runs as a plain binary, so non-root works.
    return {
      name,
      image,
      args: [`-listen=:${port}`, "-text=ok"],
      ports,
      resources,
      securityContext: { runAsNonRoot: true, runAsUser: 65532, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true },
    };
  }
  // The playground's image (and any custom one) reads PORT and HEALTH_PATH (playground/README.md).
  return {
    name,
    image,
    env: [
      { name: "PORT", value: String(port) },
      { name: "HEALTH_PATH", value: path },
    ],
    ports,
    resources,
  };
}

// ---------------------------------------------------------------------------------------------
// Health-check objects (gke-neg.md §2–§3 BackendConfig, §7 HealthCheckPolicy)

interface CheckSetting {
  port: number;
  path: string;
  /** Forced type (the sidecar speaks plain HTTP); null keeps the current one when it is valid. */
  type: string | null;
}

interface Ctx {
  snapshot: ClusterSnapshot;
  ns: NamespaceSnapshot;
  namespace: string;
  service: Service;
  view: ServiceView;
  port: PortView;
  context: string | null;
  warnings: PlanWarning[];
  changes: ObjectChange[];
}

function warn(ctx: Ctx, id: string, severity: PlanWarning["severity"], message: string, references: string[] = []): void {
  if (ctx.warnings.some((w) => w.id === id)) return;
  ctx.warnings.push({ id, severity, message, references });
}

/** Ingress: create or patch the BackendConfig of this port and attach it through the Service annotation. */
function planBackendConfig(ctx: Ctx, hc: HealthCheckView, setting: CheckSetting): string {
  const { ns, namespace, port, service } = ctx;
  const svcName = service.metadata?.name ?? "";
  const choice = port.backendConfig;
  const existing: BackendConfig | null = choice?.found ? (ns.backendconfigs.find((b) => b.metadata.name === choice.name) ?? null) : null;
  if (choice && !choice.found) {
    warn(ctx, "backendconfig-missing", "warning", `The Service names BackendConfig "${choice.name}" for port ${port.key}, but it does not exist; Switchboard creates its own and points this port at it.`, ["gke-neg.md §2"]);
  }
  const users = existing ? backendConfigUsers(ns, existing.metadata.name ?? "") : [];
  const shared = users.filter((u) => !(u.service === svcName && u.port === port.key));
  const reuse = existing !== null && shared.length === 0;
  if (existing && !reuse) {
    warn(
      ctx,
      "backendconfig-shared",
      "info",
      `BackendConfig "${existing.metadata.name}" is also used by ${shared.map((u) => `${u.service}:${u.port}`).join(", ")}; changing it would move their health checks too. Switchboard copies it (every other field kept) into a BackendConfig of its own for ${svcName}:${port.key}.`,
      ["gke-neg.md §2", "gke-neg.md §3"],
    );
  }

  const oldHc = (existing?.spec?.healthCheck ?? {}) as Record<string, unknown>;
  const currentType = typeof oldHc.type === "string" ? oldHc.type : null;
  if (currentType !== null && !SUPPORTED_BACKENDCONFIG_TYPES.includes(currentType)) {
    warn(ctx, "backendconfig-type-unsupported", "warning", `BackendConfig type "${currentType}" cannot work: GKE Ingress builds only HTTP, HTTPS or HTTP2 health checks (TCP is not possible with a BackendConfig). Switchboard sets type ${setting.type ?? hc.type.value}.`, ["gke-neg.md §3"]);
  }
  const type = setting.type ?? (currentType && SUPPORTED_BACKENDCONFIG_TYPES.includes(currentType) ? currentType : SUPPORTED_BACKENDCONFIG_TYPES.includes(hc.type.value) ? hc.type.value : "HTTP");
  // Every other field is kept (gke-neg.md §3): only type, port and requestPath are written.
  const healthCheck: Record<string, unknown> = { ...oldHc, type, port: setting.port, requestPath: setting.path };
  const interval = typeof healthCheck.checkIntervalSec === "number" ? healthCheck.checkIntervalSec : null;
  const timeout = typeof healthCheck.timeoutSec === "number" ? healthCheck.timeoutSec : null;
  if (interval !== null && timeout !== null && timeout > interval) {
    warn(ctx, "timeout-exceeds-interval", "warning", `timeoutSec ${timeout} is longer than checkIntervalSec ${interval}; Google Cloud rejects that when GKE updates the health check. Fix it too.`, ["gke-neg.md §3"]);
  }

  if (reuse && existing) {
    const before = asKube(existing, "BackendConfig", BACKENDCONFIG_API);
    const after = clone(before);
    (after as { spec?: Record<string, unknown> }).spec = { ...(before.spec as Record<string, unknown> | undefined), healthCheck };
    const k = key("BackendConfig", existing.apiVersion ?? BACKENDCONFIG_API, namespace, existing.metadata.name ?? "");
    ctx.changes.push(patchChange(k, before, after, ["/spec"], `Point the health check of BackendConfig "${k.name}" at port ${setting.port} (${setting.path}), keeping its other fields.`, ctx.context));
    return k.name;
  }

  const taken = (n: string) => ns.backendconfigs.some((b) => b.metadata.name === n);
  const name = freeName(dnsName(ctx.view.ports.length === 1 ? `${svcName}-health` : `${svcName}-${port.key}-health`), taken);
  const spec: Record<string, unknown> = existing ? { ...clone(existing.spec ?? {}), healthCheck } : { healthCheck };
  const created: KubeObject = {
    apiVersion: BACKENDCONFIG_API,
    kind: "BackendConfig",
    metadata: { name, namespace, labels: { "app.kubernetes.io/managed-by": "switchboard" } },
    spec,
  };
  const k = key("BackendConfig", BACKENDCONFIG_API, namespace, name);
  ctx.changes.push(createChange(k, created, existing ? `Create BackendConfig "${name}", a copy of "${existing.metadata.name}" with the health check on port ${setting.port} (${setting.path}).` : `Create BackendConfig "${name}" with the health check on port ${setting.port} (${setting.path}).`, ctx.context));
  planAnnotation(ctx, name);
  return name;
}

/** gke-neg.md §2: name the BackendConfig for this port in `cloud.google.com/backend-config`, keeping every entry. */
function planAnnotation(ctx: Ctx, bcName: string): void {
  const { service, port, namespace } = ctx;
  const annotations = service.metadata?.annotations ?? {};
  const parsed = parseBackendConfigAnnotation(service);
  if (parsed.problem) refuse(`The Service's ${BACKEND_CONFIG_ANNOTATION} annotation is not valid JSON; fix it first (Switchboard will not overwrite what it cannot read).`, ["gke-neg.md §2"]);
  const raw = annotations[BACKEND_CONFIG_ANNOTATION] ?? annotations[BETA_BACKEND_CONFIG_ANNOTATION];
  const value = (raw ? JSON.parse(raw) : {}) as { default?: string; ports?: Record<string, string> };
  if (annotations[BACKEND_CONFIG_ANNOTATION] === undefined && annotations[BETA_BACKEND_CONFIG_ANNOTATION] !== undefined) {
    warn(ctx, "beta-backendconfig-annotation", "info", `The Service uses the legacy ${BETA_BACKEND_CONFIG_ANNOTATION} annotation. Switchboard writes the GA ${BACKEND_CONFIG_ANNOTATION} (which wins over the beta one) with all of the beta entries plus this port; the beta annotation is left as it is.`, ["gke-neg.md §2"]);
  }
  // Lookup is port name, then number, then default: replace the entry that matched, else add one
  // under the port's name (its number when unnamed) so only this port changes.
  const matched = ctx.port.backendConfig?.matchedBy;
  const entry = matched === "port-number" ? String(port.port) : (port.name ?? String(port.port));
  const next = { ...value, ports: { ...(value.ports ?? {}), [entry]: bcName } };
  const before = asKube(service, "Service", "v1");
  const after = clone(before);
  after.metadata.annotations = { ...(after.metadata.annotations ?? {}), [BACKEND_CONFIG_ANNOTATION]: JSON.stringify(next) };
  const k = key("Service", "v1", namespace, service.metadata?.name ?? "");
  const relied = annotations[BACKEND_CONFIG_ANNOTATION] !== undefined ? [pointer("metadata", "annotations", BACKEND_CONFIG_ANNOTATION)] : [];
  ctx.changes.push(patchChange(k, before, after, relied, `Attach BackendConfig "${bcName}" to port ${port.key} in the Service's ${BACKEND_CONFIG_ANNOTATION} annotation (other entries kept).`, ctx.context));
}

/** Gateway: create or patch the HealthCheckPolicy targeting the Service (gke-neg.md §7). */
function planPolicy(ctx: Ctx, hc: HealthCheckView, setting: CheckSetting): string {
  const { ns, namespace, service } = ctx;
  const svcName = service.metadata?.name ?? "";
  const existing: HealthCheckPolicy | null = hc.configuredBy ? (ns.healthcheckpolicies.find((p) => p.metadata.name === hc.configuredBy!.name) ?? null) : null;
  if ((service.spec?.ports ?? []).length > 1) {
    warn(ctx, "policy-covers-all-ports", "warning", `A HealthCheckPolicy targets the whole Service "${svcName}": the fixed port ${setting.port} applies to the Gateway's checks of every port of it.`, ["gke-neg.md §7"]);
  }
  warn(ctx, "standalone-neg-firewall", "info", `Health checks come from 130.211.0.0/22 and 35.191.0.0/16. For Gateway and standalone NEGs a firewall rule for port ${setting.port} may have to be added by hand (inferred).`, ["gke-neg.md §9"]);
  const oldDefault = (existing?.spec?.default ?? {}) as Record<string, unknown>;
  const oldConfig = (oldDefault.config ?? {}) as Record<string, unknown>;
  const oldType = typeof oldConfig.type === "string" ? oldConfig.type : "HTTP";
  const type = setting.type ?? (oldType in BLOCK_OF ? oldType : "HTTP");
  if (type === "TCP" || type === "GRPC") {
    warn(ctx, "policy-type-kept", "info", `The policy's type ${type} is kept; its check goes to port ${setting.port} without a request path.`, ["gke-neg.md §7"]);
  }
  const oldBlock = (oldConfig[BLOCK_OF[oldType] ?? "httpHealthCheck"] ?? {}) as Record<string, unknown>;
  const block: Record<string, unknown> = { ...(type === oldType ? oldBlock : {}) };
  delete block.portName; // USE_FIXED_PORT forbids portName (gke-neg.md §7)
  block.portSpecification = "USE_FIXED_PORT";
  block.port = setting.port;
  if (type !== "TCP" && type !== "GRPC") block.requestPath = setting.path;
  // Exactly `type` + the matching block (gke-neg.md §7).
  const config = { type, [BLOCK_OF[type]!]: block };
  if (existing) {
    const before = asKube(existing, "HealthCheckPolicy", HEALTHCHECKPOLICY_API);
    const after = clone(before);
    const spec = (after as { spec?: Record<string, unknown> }).spec ?? {};
    (after as { spec?: Record<string, unknown> }).spec = { ...spec, default: { ...oldDefault, config } };
    const k = key("HealthCheckPolicy", existing.apiVersion ?? HEALTHCHECKPOLICY_API, namespace, existing.metadata.name ?? "");
    ctx.changes.push(patchChange(k, before, after, ["/spec"], `Set the Gateway's health check in HealthCheckPolicy "${k.name}" to USE_FIXED_PORT ${setting.port} (${setting.path}), keeping its other fields.`, ctx.context));
    return k.name;
  }
  const name = freeName(dnsName(`${svcName}-health`), (n) => ns.healthcheckpolicies.some((p) => p.metadata.name === n));
  const created: KubeObject = {
    apiVersion: HEALTHCHECKPOLICY_API,
    kind: "HealthCheckPolicy",
    metadata: { name, namespace, labels: { "app.kubernetes.io/managed-by": "switchboard" } },
    spec: { targetRef: { group: "", kind: "Service", name: svcName }, default: { config } },
  };
  const k = key("HealthCheckPolicy", HEALTHCHECKPOLICY_API, namespace, name);
  ctx.changes.push(createChange(k, created, `Create HealthCheckPolicy "${name}" for Service "${svcName}": USE_FIXED_PORT ${setting.port} (${setting.path}).`, ctx.context));
  return name;
}

function planChecks(ctx: Ctx, hcs: HealthCheckView[], setting: CheckSetting): void {
  for (const hc of hcs) {
    if (hc.via === "ingress") planBackendConfig(ctx, hc, setting);
    else if (hc.via === "gateway") planPolicy(ctx, hc, setting);
  }
}

// ---------------------------------------------------------------------------------------------

function workloadOfView(ctx: Ctx): Deployment | null {
  const d = ctx.view.workloads.find((w) => w.kind === "Deployment");
  if (!d) return null;
  return ctx.ns.deployments.find((x) => x.metadata?.name === d.name) ?? null;
}

function appContainerIndex(ctx: Ctx, dep: Deployment): number {
  const containers = dep.spec?.template.spec?.containers ?? [];
  const byName = ctx.port.serving.container ? containers.findIndex((c) => c.name === ctx.port.serving.container) : -1;
  if (byName >= 0) return byName;
  const t = ctx.port.serving.targetPort;
  return containers.findIndex((c) => (c.ports ?? []).some((p) => (t.kind === "name" ? p.name === t.value : p.containerPort === t.value)));
}

function currentPath(hcs: HealthCheckView[]): string {
  return hcs.find((h) => h.requestPath.value)?.requestPath.value ?? "/";
}

function validPort(n: unknown): n is number {
  return typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= 65535;
}

function commonWarnings(ctx: Ctx, strategy: StrategyId): void {
  warn(
    ctx,
    "readiness-probe-not-a-fix",
    "info",
    "Editing the readinessProbe is not a fix: GKE reads the probe only when it first creates the health check, so later probe edits change nothing at the load balancer. The BackendConfig / HealthCheckPolicy fields written here win at once.",
    ["gke-neg.md §4"],
  );
  if (ctx.port.healthChecks.some((h) => h.via === "ingress")) {
    warn(ctx, "backendconfig-no-tcp", "info", "A BackendConfig health check can only be HTTP, HTTPS or HTTP2; type TCP is not possible there (the API server accepts it, the controller fails).", ["gke-neg.md §3"]);
  }
  if (strategy !== "pin-serving-port") {
    warn(
      ctx,
      "rolling-update",
      "info",
      "The Deployment's pod template changes, so its pods are replaced one by one (a rolling update); a running intercept re-attaches to the new pods. Switchboard waits for the rollout before it moves the health check, so pods never get checked on a port they lack. While a global intercept already sends the checks to a laptop, the new pods cannot pass them until the check moves (their NEG readiness gate waits): leave the intercept first, or apply without waiting for the rollout.",
      ["telepresence.md §4", "gke-neg.md §5"],
    );
  }
}

function planSidecar(ctx: Ctx, req: PlanRequest, hcs: HealthCheckView[]): PlanTarget {
  const dep = workloadOfView(ctx) ?? refuse(`No Deployment runs the pods of Service "${ctx.view.name}"; Switchboard can add a sidecar only to a Deployment.`);
  const containers = dep.spec?.template.spec?.containers ?? [];
  const opts = req.sidecar ?? {};
  const image = opts.image ?? DEFAULT_SIDECAR.image;
  const path = opts.path ?? DEFAULT_SIDECAR.path;
  if (!path.startsWith("/")) refuse(`The health path must start with "/" (got "${path}").`);
  const name = opts.containerName ?? DEFAULT_SIDECAR.containerName;
  if (containers.some((c) => c.name === name)) refuse(`The pod template already has a container named "${name}"; choose another name (or the sidecar is already there).`);
  if ((dep.spec?.template.spec?.initContainers ?? []).some((c) => c.name === name)) refuse(`The pod template already has an init container named "${name}".`);
  const used = declaredPorts(containers);
  const numeric = numericTargetsOfLabels(ctx.ns, dep.spec?.template.metadata?.labels).map((t) => t.port);
  const inAgentRange = (p: number) => p >= AGENT_PORT_RANGE.from && p <= AGENT_PORT_RANGE.to;
  let port: number;
  if (opts.port !== undefined) {
    if (!validPort(opts.port)) refuse(`Port ${String(opts.port)} is not a valid port number.`);
    port = opts.port;
    if (used.has(port)) refuse(`Port ${port} is already declared by container "${used.get(port)}"; two containers of a pod cannot listen on the same port.`);
    if (numeric.includes(port)) refuse(`Port ${port} is a numeric targetPort of a Service selecting these pods: an intercept of it would redirect the sidecar's port too (telepresence.md §4).`, ["telepresence.md §4"]);
    if (inAgentRange(port)) refuse(`Port ${port} is in the range Telepresence's traffic-agent uses (9900 and up); pick another.`, ["telepresence.md §4"]);
  } else {
    port = DEFAULT_SIDECAR.port;
    while (used.has(port) || numeric.includes(port) || inAgentRange(port)) port++;
  }
  // Port names are unique in a pod (≤ 15 characters).
  const portName = declaredPortNames(containers).has("sb-health") ? `sb-health-${port}`.slice(0, 15) : "sb-health";
  const container = sidecarContainer(image, port, path, name, portName);
  const before = asKube(dep, "Deployment", "apps/v1");
  const after = clone(before);
  const spec = (after as unknown as Deployment).spec!.template.spec!;
  spec.containers = [...spec.containers, container];
  const depKey = key("Deployment", dep.apiVersion ?? "apps/v1", ctx.namespace, dep.metadata?.name ?? "");
  // Relied on: the containers' names and ports (no clash).
  const relied = containers.flatMap((c, i) => [pointer("spec", "template", "spec", "containers", i, "name"), ...(c.ports ? [pointer("spec", "template", "spec", "containers", i, "ports")] : [])]);
  ctx.changes.push(patchChange(depKey, before, after, relied, `Add container "${name}" (${image}) answering ${path} on port ${port} to Deployment "${depKey.name}".`, ctx.context, true));

  const base = image.replace(/^docker\.io\//, "").replace(/[:@].*$/, "");
  if (base === "hashicorp/http-echo") {
    warn(
      ctx,
      "sidecar-does-not-check-app",
      "danger",
      `The default sidecar (${image}) answers 200 as long as the pod runs; it does not ask the app. GKE attaches every non-terminating pod to the NEG, ready or not, and only the health check decides where traffic goes — so the load balancer keeps sending traffic to pods whose app is down or not ready yet. Use an image that checks the app over localhost if that matters (option image; it gets PORT and HEALTH_PATH in its environment).`,
      ["gke-neg.md §5"],
    );
  } else if (base !== PLAYGROUND_SIDECAR_IMAGE) {
    warn(ctx, "sidecar-custom-image", "warning", `The image ${image} must listen on the port given in its PORT environment variable (${port}) and answer 200 on HEALTH_PATH (${path}); otherwise every health check fails.`);
  }
  warn(ctx, "sidecar-resources", "info", "The sidecar requests 5m CPU and 8Mi memory per pod (limit 32Mi).");
  const type = "HTTP"; // the sidecar speaks plain HTTP, whatever the app's protocol
  if (hcs.some((h) => h.type.value !== "HTTP")) {
    warn(ctx, "sidecar-type-http", "info", "The sidecar speaks plain HTTP, so the health check's type is set to HTTP.", ["gke-neg.md §3", "gke-neg.md §7"]);
  }
  planChecks(ctx, hcs, { port, path, type });
  return { workload: { namespace: ctx.namespace, name: depKey.name }, container: name, port, path, type, tableRow: 5, via: hcs.map((h) => h.via as "ingress" | "gateway") };
}

function planDedicatedPort(ctx: Ctx, req: PlanRequest, hcs: HealthCheckView[]): PlanTarget {
  const opts = req.dedicatedPort ?? refuse("Say which port the app serves its health endpoint on (dedicatedPort.port): Switchboard cannot know it, and the strategy only works if the app really listens there.");
  if (!validPort(opts.port)) refuse(`Port ${String(opts.port)} is not a valid port number.`);
  const dep = workloadOfView(ctx) ?? refuse(`No Deployment runs the pods of Service "${ctx.view.name}"; Switchboard can declare a port only on a Deployment.`);
  const containers = dep.spec?.template.spec?.containers ?? [];
  const idx = appContainerIndex(ctx, dep);
  if (idx < 0) refuse(`The app container serving port ${ctx.port.key} was not found in Deployment "${dep.metadata?.name}".`);
  const app = containers[idx]!;
  const serving = ctx.port.serving.containerPort;
  if (opts.port === serving) {
    refuse(
      ctx.port.serving.targetPort.kind === "name"
        ? `Port ${opts.port} is the serving port itself. Use the "pin-serving-port" strategy for that.`
        : `Port ${opts.port} is the serving port, a numeric targetPort: Telepresence redirects it to the agent (iptables), so checks there still reach the laptop (telepresence.md §5 row 4).`,
      ["telepresence.md §5"],
    );
  }
  const used = declaredPorts(containers);
  if (used.has(opts.port) && used.get(opts.port) !== app.name) refuse(`Port ${opts.port} belongs to container "${used.get(opts.port)}", not to the app container "${app.name}".`);
  const numeric = numericTargetsOfLabels(ctx.ns, dep.spec?.template.metadata?.labels).filter((t) => t.port === opts.port);
  if (numeric.length) {
    refuse(`Port ${opts.port} is the numeric targetPort of Service "${numeric[0]!.service}": an intercept of that Service would redirect it to the agent too (telepresence.md §4). Pick a port no Service uses.`, ["telepresence.md §4", "telepresence.md §5"]);
  }
  const path = opts.path ?? currentPath(hcs);
  if (!path.startsWith("/")) refuse(`The health path must start with "/" (got "${path}").`);
  const existingPort = (app.ports ?? []).find((p) => p.containerPort === opts.port);
  const depKey = key("Deployment", dep.apiVersion ?? "apps/v1", ctx.namespace, dep.metadata?.name ?? "");
  if (!existingPort) {
    const names = declaredPortNames(containers);
    let portName = opts.portName ?? "health";
    if (portName.length > 15 || !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(portName) || !/[a-z]/.test(portName)) refuse(`"${portName}" is not a valid port name (at most 15 lowercase letters, digits and '-', with a letter).`);
    if (names.has(portName)) {
      if (opts.portName) refuse(`A port named "${portName}" already exists in the pod template.`);
      portName = `health-${opts.port}`.slice(0, 15);
    }
    const before = asKube(dep, "Deployment", "apps/v1");
    const after = clone(before);
    const c = (after as unknown as Deployment).spec!.template.spec!.containers[idx]!;
    c.ports = [...(c.ports ?? []), { name: portName, containerPort: opts.port, protocol: "TCP" }];
    const relied = containers.flatMap((cc, i) => [pointer("spec", "template", "spec", "containers", i, "name"), ...(cc.ports ? [pointer("spec", "template", "spec", "containers", i, "ports")] : [])]);
    ctx.changes.push(patchChange(depKey, before, after, relied, `Declare containerPort ${opts.port} ("${portName}") on the app container "${app.name}" of Deployment "${depKey.name}".`, ctx.context, true));
  } else {
    warn(ctx, "port-already-declared", "info", `Container "${app.name}" already declares port ${opts.port}; the Deployment is not changed.`);
  }
  warn(
    ctx,
    "dedicated-port-unverified",
    "danger",
    `This works only if the app really serves ${path} on port ${opts.port}. Declaring the port does not make the app listen there. If it does not answer, every health check fails and the load balancer stops sending traffic to ALL pods of ${ctx.view.name}. Switchboard checks it on the running pods through the API server's pod proxy where it may (RBAC get on pods/proxy); otherwise check it yourself: kubectl get --raw /api/v1/namespaces/${ctx.namespace}/pods/<pod>:${opts.port}/proxy${path}`,
    ["telepresence.md §5", "gke-neg.md §3"],
  );
  const type = req.type ?? (hcs[0]?.type.value && hcs[0].type.value in BLOCK_OF ? hcs[0].type.value : "HTTP");
  planChecks(ctx, hcs, { port: opts.port, path, type: req.type ?? null });
  return { workload: { namespace: ctx.namespace, name: depKey.name }, container: app.name, port: opts.port, path, type, tableRow: 6, via: hcs.map((h) => h.via as "ingress" | "gateway") };
}

function planPin(ctx: Ctx, hcs: HealthCheckView[]): PlanTarget {
  const t = ctx.port.serving.targetPort;
  if (t.kind === "number") {
    refuse(
      `Pinning cannot work here: the Service's targetPort is the NUMBER ${t.value}. For a numeric targetPort Telepresence's tel-agent-init installs iptables rules that redirect everything arriving at port ${t.value} — the load balancer's checks included — to the traffic-agent, so a health check pinned to ${t.value} still reaches the developer's laptop during an intercept (telepresence.md §5 row 4). Use "sidecar" or "dedicated-port" instead.`,
      ["telepresence.md §4", "telepresence.md §5"],
    );
  }
  if (ctx.view.headless) {
    refuse(`Service "${ctx.view.name}" is headless: Telepresence then redirects the port with iptables even though targetPort is a name, so pinning would not avoid the agent (telepresence.md §4).`, ["telepresence.md §4"]);
  }
  const port = ctx.port.serving.containerPort;
  const container = ctx.port.serving.container;
  if (port === null || container === null) {
    refuse(`No container declares a port named "${t.value}", so there is no port number to pin to.`);
  }
  const dep = workloadOfView(ctx);
  const path = currentPath(hcs);
  warn(
    ctx,
    "pin-derived",
    "warning",
    `Derived from Telepresence's injection rules (telepresence.md §4–5, row 3): the traffic-agent takes over the port NAME "${t.value}" and leaves the app's port NUMBER ${port} alone, so a check on ${port} keeps reaching the app. This is inferred, not documented by Telepresence; it stops holding if the Service switches to a numeric targetPort or becomes headless.`,
    ["telepresence.md §4", "telepresence.md §5"],
  );
  const current = hcs.map((h) => h.type.value).find((x) => SUPPORTED_BACKENDCONFIG_TYPES.includes(x)) ?? "HTTP";
  planChecks(ctx, hcs, { port, path, type: null });
  return { workload: dep ? { namespace: ctx.namespace, name: dep.metadata?.name ?? "" } : null, container, port, path, type: current, tableRow: 3, via: hcs.map((h) => h.via as "ingress" | "gateway") };
}

const TITLES: Record<StrategyId, string> = {
  sidecar: "Add a health sidecar",
  "dedicated-port": "Check a dedicated health port of the app",
  "pin-serving-port": "Pin the health check to the app's port number",
};

/** Plans a strategy for one Service port. Pure: never throws for a user's situation, it refuses with a reason. */
export function planStrategy(snapshot: ClusterSnapshot, req: PlanRequest, options: PlanOptions = {}): PlanResult {
  try {
    return { ok: true, plan: buildPlan(snapshot, req, options) };
  } catch (err) {
    if (err instanceof Refused) return { ok: false, refusal: { strategy: req.strategy, reason: err.message, references: err.references } };
    throw err;
  }
}

function buildPlan(snapshot: ClusterSnapshot, req: PlanRequest, options: PlanOptions): Plan {
  const ns = snapshot.namespaces[req.namespace] ?? refuse(`Namespace "${req.namespace}" is not in the snapshot.`);
  const service = ns.services.find((s) => s.metadata?.name === req.service) ?? refuse(`Service "${req.namespace}/${req.service}" was not found.`);
  const view = buildServiceView(snapshot, req.namespace, service);
  const port = req.port !== undefined ? view.ports.find((p) => p.key === req.port || String(p.port) === req.port) : view.ports.length === 1 ? view.ports[0] : undefined;
  if (!port) refuse(req.port !== undefined ? `Service "${req.service}" has no port "${req.port}".` : `Service "${req.service}" has several ports; say which one (port).`);
  const hcs = port.healthChecks.filter((h) => h.via === "ingress" || h.via === "gateway");
  if (hcs.length === 0) {
    refuse(
      port.healthChecks.some((h) => h.via === "standalone")
        ? `Port ${port.key} has a standalone NEG: its backend service and health check are created outside Kubernetes (gcloud, Terraform), so they cannot be changed through the cluster. Change the health check there (gcloud compute health-checks update).`
        : `No GKE load balancer health-checks port ${port.key} of "${req.service}" (no Ingress or Gateway uses it), so there is nothing to move.`,
      ["gke-neg.md §2", "gke-neg.md §7"],
    );
  }
  if (req.type !== undefined && !SUPPORTED_BACKENDCONFIG_TYPES.includes(req.type)) {
    refuse(`Type "${String(req.type)}" is not possible: BackendConfig health checks are HTTP, HTTPS or HTTP2 only (TCP does not exist there).`, ["gke-neg.md §3"]);
  }
  const ctx: Ctx = { snapshot, ns, namespace: req.namespace, service, view, port, context: options.context ?? null, warnings: [], changes: [] };
  if (port.problems.some((p) => p.code === "backendconfig-crd-not-installed") || (hcs.some((h) => h.via === "ingress") && !snapshot.installed.backendconfigs)) {
    refuse("The BackendConfig kind is not installed in this cluster, so the Ingress health check cannot be configured.", ["gke-neg.md §3"]);
  }
  if (hcs.some((h) => h.via === "gateway") && !snapshot.installed.healthcheckpolicies) {
    refuse("The HealthCheckPolicy kind is not installed in this cluster, so the Gateway health check cannot be configured.", ["gke-neg.md §7"]);
  }
  commonWarnings(ctx, req.strategy);
  const target = req.strategy === "sidecar" ? planSidecar(ctx, req, hcs) : req.strategy === "dedicated-port" ? planDedicatedPort(ctx, req, hcs) : planPin(ctx, hcs);

  // Order: pods first (the new port must exist before checks go there), then the check objects,
  // then the Service annotation that attaches a new BackendConfig (never name a missing one).
  const rank = { Deployment: 0, BackendConfig: 1, HealthCheckPolicy: 1, Service: 2 } as const;
  // A patch with nothing but guards changes nothing: the object is already as the strategy wants it.
  const changes = ctx.changes.filter((c) => c.action === "create" || (c.patch ?? []).some((op) => op.op !== "test")).sort((a, b) => rank[a.object.kind] - rank[b.object.kind]);
  if (changes.length === 0) {
    warn(ctx, "already-in-place", "info", "The cluster already looks the way this strategy would make it: nothing to change.");
  }
  const script = changes.map((c) => c.kubectl);
  const dep = changes.find((c) => c.object.kind === "Deployment");
  if (dep) script.splice(1, 0, kubectlRolloutStatus(ctx.context, req.namespace, dep.object.name));
  const where = target.via.map((v) => (v === "ingress" ? "Ingress (BackendConfig)" : "Gateway (HealthCheckPolicy)")).join(" and ");
  const description =
    req.strategy === "sidecar"
      ? `Adds a health container "${target.container}" on port ${target.port} to the pods of ${view.name} and points the ${where} health check at it (USE_FIXED_PORT ${target.port}, ${target.path}). Intercepts never touch that container, so the load balancer keeps seeing the pods healthy (telepresence.md §5 row 5).`
      : req.strategy === "dedicated-port"
        ? `Declares the app's health port ${target.port} on container "${target.container}" and points the ${where} health check there (USE_FIXED_PORT ${target.port}, ${target.path}). No Service uses that port, so Telepresence leaves it alone (telepresence.md §4, §5 row 6).`
        : `Points the ${where} health check at the app's own port number ${target.port} (USE_FIXED_PORT, ${target.path}). The Service names its targetPort, so an intercept moves the NAME to the traffic-agent while the number keeps reaching the app (telepresence.md §5 row 3).`;
  return {
    version: 1,
    strategy: req.strategy,
    title: TITLES[req.strategy],
    description,
    service: { namespace: req.namespace, name: req.service, port: port.key },
    changes,
    warnings: ctx.warnings,
    target,
    provenance: req.strategy === "pin-serving-port" ? "derived from Telepresence's injection rules (telepresence.md §4–5)" : null,
    kubectlScript: script.join("\n"),
    context: ctx.context,
  };
}
