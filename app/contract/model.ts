// The views the UI renders for "see the cluster as GKE sees it": what the core derives from a cluster
// snapshot (app/gke) and the findings it draws from them (app/diagnosis). Plain JSON data only (no
// Dates, no class instances, no undefined-vs-null tricks the UI has to know): absent values are
// `null`, times are ISO strings. Rules behind every field are cited from ../shared/reference/ (beside the repo).

export const MODEL_VERSION = 1;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A Kubernetes object, e.g. {kind: "BackendConfig", namespace: "shop", name: "web-bc"}. */
export interface ObjectRef {
  kind: string;
  namespace: string | null;
  name: string;
}

/** One fact a finding or problem rests on: which object, which field, what value it has. */
export interface Evidence {
  object: ObjectRef;
  /** JSONPath-like field path, e.g. `metadata.annotations["cloud.google.com/neg"]`. */
  path: string;
  value: JsonValue;
}

/** Something the model could not interpret (invalid annotation JSON, missing BackendConfig, ...). */
export interface ModelProblem {
  code: string;
  message: string;
  evidence: Evidence[];
}

// ---------------------------------------------------------------------------------------------
// Health signals (gke-neg.md §1): every health value says where it came from and how far to trust it.

/**
 * - `compute-api`: live per-endpoint health of the load balancer (the only real one).
 * - `readiness-gate`: the pod condition `cloud.google.com/load-balancer-neg-ready`; one-way.
 * - `ingress-backends`: the Ingress annotation `ingress.kubernetes.io/backends`; one value per
 *   backend service.
 * - `events`: neg-readiness-reflector / neg-controller events; past transitions only.
 * - `none`: nothing known.
 */
export type HealthSignal = "compute-api" | "readiness-gate" | "ingress-backends" | "events" | "none";

export type HealthState = "healthy" | "unhealthy" | "draining" | "unknown" | "not-health-checked";

export interface HealthValue {
  state: HealthState;
  /** The raw value as the signal gave it (Compute API healthState, condition status, annotation value). */
  raw: string | null;
  signal: HealthSignal;
  /** Why this signal is weaker than the Compute API (null for `compute-api`). */
  caveat: string | null;
  /** NEG and zone the value is about, when the signal is per NEG. */
  neg: string | null;
  zone: string | null;
  /** Backend service the value is about, when known. */
  backendService: string | null;
  detail: string | null;
}

// ---------------------------------------------------------------------------------------------
// NEGs (gke-neg.md §2, §6)

export type NegMode = "ingress" | "exposed_ports" | "none";

export interface ConditionView {
  type: string;
  /** "True" | "False" | "Unknown" | "" (empty status is a value, gke-neg.md §1). */
  status: string;
  reason: string | null;
  message: string | null;
}

export interface SvcNegView {
  name: string;
  zones: string[];
  initialized: ConditionView | null;
  synced: ConditionView | null;
  lastSyncTime: string | null;
}

export interface NegView {
  mode: NegMode;
  /** `cloud.google.com/neg` annotation state. `implicit`: absent but neg-status shows GKE made NEGs. */
  annotation: "present" | "absent" | "invalid" | "implicit";
  /** Custom NEG name requested through exposed_ports, if any. */
  customName: string | null;
  /** NEG names from `cloud.google.com/neg-status` for this Service port (one zonal NEG per zone). */
  names: string[];
  zones: string[];
  /** The ServiceNetworkEndpointGroup objects of this port; null when the CRD is not installed. */
  svcnegs: SvcNegView[] | null;
}

// ---------------------------------------------------------------------------------------------
// BackendConfig choice (gke-neg.md §2–§3)

export interface BackendConfigChoice {
  name: string;
  /** Which annotation named it: the GA one wins over the legacy beta one. */
  annotation: "cloud.google.com/backend-config" | "beta.cloud.google.com/backend-config";
  /** Lookup order: port name, then Service port number (not targetPort), then `default`. */
  matchedBy: "port-name" | "port-number" | "default";
  /** The BackendConfig object exists in the Service's namespace. */
  found: boolean;
  /** Plain-words reason, e.g. `ports["http"] names it (matched by the port name "http")`. */
  why: string;
}

// ---------------------------------------------------------------------------------------------
// Health check (gke-neg.md §4, §7)

export type FieldSource =
  | "backendconfig"
  | "readiness-probe"
  | "app-protocol"
  | "default"
  | "health-check-policy"
  | "transparent-health-checker"
  | "unknown";

export interface HealthCheckField<T extends JsonValue> {
  value: T;
  source: FieldSource;
}

export type PortSpecification = "USE_SERVING_PORT" | "USE_FIXED_PORT" | "USE_NAMED_PORT";

/** The probe fields GKE copies (gke-neg.md §4), as found on a pod or a pod template. */
export interface ProbeSummary {
  container: string;
  scheme: string;
  path: string;
  port: string | number;
  host: string | null;
  timeoutSeconds: number;
  periodSeconds: number;
}

export interface ProbeDifference {
  field: "path" | "host" | "timeoutSeconds" | "periodSeconds" | "scheme" | "port" | "probe";
  atCreation: JsonValue;
  now: JsonValue;
}

/** Where the readinessProbe-inferred values come from (Ingress only; the Gateway never infers). */
export interface ProbeInferenceView {
  /** The first pod by creation time, then name (skipping terminating pods): GKE's choice. */
  pod: string | null;
  podCreated: string | null;
  /** The probe used, or null when none qualified. */
  probe: ProbeSummary | null;
  /** Why no probe was used (e.g. "the probe is exec, not httpGet"), null when one was. */
  skippedReason: string | null;
  /** The probe of the workload's current pod template for the same container, when known. */
  templateProbe: ProbeSummary | null;
  /** Differences oldest pod → template; non-empty means the template changed after creation. */
  templateDiffers: ProbeDifference[];
  /** Fields of the probe BackendConfig overrides anyway (they do not matter). */
  overriddenByBackendConfig: string[];
}

export type ReachTarget = "app" | "traffic-agent" | "health-sidecar" | "app-health-port" | "unknown";

/** What the health check's packets reach in a pod (telepresence.md §5). */
export interface ReachView {
  reaches: ReachTarget;
  container: string | null;
  /** Pod port the check is sent to (the NEG endpoint port or the fixed port). */
  port: number | null;
  /** How it gets there: the endpoint's own port, a fixed port, iptables redirection, a named port. */
  via: "endpoint-port" | "fixed-port" | "iptables" | "named-port" | "none";
  /** True when the traffic-agent forwards these checks to a developer's laptop (global intercept). */
  toLaptop: boolean;
  /** The row of the telepresence.md §5 table that applies (1–6), null when no agent is involved. */
  tableRow: number | null;
  explanation: string;
}

/** "If this Service port were intercepted": the check's reach with a global and an HTTP-filtered intercept. */
export interface WhatIfView {
  /** The Service port that would be intercepted: its name, else its number as a string. */
  interceptPort: string;
  global: ReachView;
  httpFiltered: ReachView;
}

export interface PodReachView {
  pod: string;
  reach: ReachView;
}

/** The effective health check's settings, each with where it came from (gke-neg.md §4, §7). */
export interface HealthCheckFields {
  type: HealthCheckField<string>;
  portSpecification: HealthCheckField<PortSpecification>;
  /** The fixed port (USE_FIXED_PORT), else null. */
  port: HealthCheckField<number | null>;
  /** The named port (USE_NAMED_PORT, Gateway only), else null. */
  portName: HealthCheckField<string | null>;
  requestPath: HealthCheckField<string | null>;
  host: HealthCheckField<string | null>;
  checkIntervalSec: HealthCheckField<number | null>;
  timeoutSec: HealthCheckField<number | null>;
  healthyThreshold: HealthCheckField<number | null>;
  unhealthyThreshold: HealthCheckField<number | null>;
}

export interface HealthCheckView extends HealthCheckFields {
  /** Which load balancer builds this check: an Ingress (BackendConfig rules), a Gateway (HealthCheckPolicy
   *  rules) or a standalone NEG (health check owned outside Kubernetes). */
  via: "ingress" | "gateway" | "standalone";
  /** The objects that make this load balancer use the port (Ingress, HTTPRoute, HealthCheckPolicy). */
  usedBy: ObjectRef[];
  /** Overall source: the one source when all fields agree, else `mixed`. */
  source: FieldSource | "mixed";
  sourceExplanation: string;
  /** The HealthCheckPolicy (Gateway) or BackendConfig (Ingress) that sets fields, if any. */
  configuredBy: ObjectRef | null;
  inference: ProbeInferenceView | null;
  /** What the check reaches now: the representative pod (an intercepted or injected one first). */
  reachNow: ReachView;
  reachByPod: PodReachView[];
  /** For each port of the Service: what the check would reach if that port were intercepted. */
  whatIf: WhatIfView[];
  /** The container serving a fixed health port, when that is not the serving container. */
  healthSidecar: { container: string; port: number } | null;
  /** A dedicated health port of the serving container (not the serving port). */
  appHealthPort: { container: string; port: number } | null;
  notes: string[];
}

// ---------------------------------------------------------------------------------------------
// Ports, pods, services

export interface ServingView {
  targetPort: { kind: "name" | "number"; value: string | number };
  /** The app container and port the targetPort resolves to (before any traffic-agent), if found. */
  container: string | null;
  containerPort: number | null;
  /** The pod port NEG endpoints use now (the agent's port once it took over a named port). */
  endpointPort: number | null;
  problem: string | null;
}

export interface PortView {
  /** `<service port name or number>`, unique within the Service. */
  key: string;
  name: string | null;
  port: number;
  protocol: string;
  appProtocol: { value: "HTTP" | "HTTPS" | "HTTP2"; source: "app-protocols" | "default" };
  serving: ServingView;
  neg: NegView;
  backendConfig: BackendConfigChoice | null;
  healthChecks: HealthCheckView[];
  /** Ingress `ingress.kubernetes.io/backends` entries for this port's backend service. */
  ingressBackends: { ingress: string; backendService: string; value: string }[];
  /** What the model could not interpret for this port (e.g. an invalid HealthCheckPolicy port rule). */
  problems: ModelProblem[];
  /** Per-endpoint health from the Compute API that matched no pod of the Service. */
  unmatchedEndpoints: { neg: string; zone: string; ipAddress: string; port: number; healthState: string | null }[];
}

export interface ReadinessGateView {
  present: boolean;
  /** "True" | "False" | "" (waiting: empty status means NOT ready) | null (no condition yet). */
  status: string | null;
  ready: boolean;
  reason: string | null;
  message: string | null;
  explanation: string;
}

export interface AgentView {
  present: boolean;
  /** Ports declared by the traffic-agent container (the names it took over live here). */
  agentPorts: { name: string | null; containerPort: number }[];
  /** App ports the agent took over: by name (renamed `tm-…`) or by number (iptables, `tel-agent-init`). */
  takenOver: { container: string; containerPort: number; originalName: string | null; renamedTo: string | null; by: "name" | "iptables" }[];
  iptablesInit: boolean;
}

export interface PodInterceptView {
  name: string;
  containerPort: number | null;
  servicePort: string | null;
  global: boolean;
  httpFilter: string[];
  disposition: string;
  active: boolean;
}

export interface PodView {
  name: string;
  phase: string | null;
  podIP: string | null;
  created: string | null;
  terminating: boolean;
  /** Kubernetes Ready condition (includes every readiness gate). */
  ready: boolean;
  workload: { kind: string; name: string } | null;
  containers: { name: string; role: "app" | "traffic-agent" | "health-sidecar" | "other"; ports: { name: string | null; containerPort: number }[] }[];
  readinessGate: ReadinessGateView;
  agent: AgentView;
  intercepts: PodInterceptView[];
  /** Health per Service port key: the strongest signal available, per NEG. */
  health: Record<string, HealthValue[]>;
}

export interface ExposureView {
  ingresses: { name: string; className: string | null; ports: string[] }[];
  httpRoutes: { name: string; ports: string[] }[];
  healthCheckPolicies: string[];
}

export interface ServiceView {
  /** `<namespace>/<name>` */
  key: string;
  namespace: string;
  name: string;
  type: string;
  headless: boolean;
  selector: Record<string, string> | null;
  exposure: ExposureView;
  ports: PortView[];
  pods: PodView[];
  workloads: { kind: string; name: string }[];
  problems: ModelProblem[];
}

export interface TelepresenceView {
  known: boolean;
  trafficManager: { present: boolean; namespace: string | null; version: string | null };
  clientVersion: string | null;
  /** Client and traffic-manager are both ≥ 2.25 (header-filtered intercepts, telepresence.md §2, §5). */
  httpFilterSupported: boolean | null;
}

// ---------------------------------------------------------------------------------------------
// Findings (app/diagnosis)

export type Severity = "error" | "warning" | "info";

export type FixStrategy =
  | "sidecar"
  | "dedicated-port"
  | "pin-serving-port"
  | "http-filtered-intercept"
  | "install-traffic-manager"
  | "add-neg-annotation"
  | "edit-backendconfig"
  | "create-backendconfig"
  | "edit-healthcheckpolicy"
  | "open-webhook-firewall"
  | "wait"
  | "investigate";

export interface Fix {
  /** What the UI acts on (unique within the finding). */
  id: string;
  strategy: FixStrategy;
  title: string;
  description: string;
  /** Values the action needs (object names, ports), plain data. */
  params: Record<string, JsonValue>;
}

export interface Finding {
  /** The rule, stable across versions (e.g. `health-check-hits-intercepted-port`). */
  id: string;
  /** Unique and stable per subject (rule + service + port + pod), for keys and de-duplication. */
  key: string;
  severity: Severity;
  title: string;
  explanation: string;
  /** The Service (or null for a cluster-wide finding) and, when it is about one, its port key. */
  service: ObjectRef | null;
  port: string | null;
  evidence: Evidence[];
  fixes: Fix[];
  /** Reference sections the rule comes from, e.g. ["gke-neg.md §4"]. */
  references: string[];
}

export interface ServiceDiagnosis {
  service: ServiceView;
  findings: Finding[];
}

export interface ClusterDiagnosis {
  modelVersion: number;
  telepresence: TelepresenceView;
  services: ServiceDiagnosis[];
  /** Findings not about one Service (e.g. `traffic-manager-missing`). */
  cluster: Finding[];
}
