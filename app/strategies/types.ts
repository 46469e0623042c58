// The shapes of health strategies: what a user asks for (a strategy on one Service port), the plan
// (every object change as before/after objects and guarded RFC 6902 patches, with warnings), and the
// operation record the journal keeps on disk. Plain JSON data throughout, so plans and journal entries
// cross the contract and survive a restart unchanged.
import type { Operation } from "fast-json-patch";

/** The three cluster-changing strategies the findings offer (app/diagnosis `fixes[].strategy`). */
export type StrategyId = "sidecar" | "dedicated-port" | "pin-serving-port";

export const STRATEGY_IDS: readonly StrategyId[] = ["sidecar", "dedicated-port", "pin-serving-port"];

export interface SidecarOptions {
  /** Container image. Default: DEFAULT_SIDECAR.image (real clusters); the playground uses `switchboard/health-sidecar`. */
  image?: string;
  /** Port the sidecar listens on (default 8081, or the next free one). */
  port?: number;
  /** Path it answers (default `/healthz`). */
  path?: string;
  /** Container name (default `health-sidecar`). */
  containerName?: string;
}

export interface DedicatedPortOptions {
  /** The port the app ALREADY serves its health endpoint on (required: Switchboard cannot know it). */
  port: number;
  /** Path the app answers health on (default: the health check's current requestPath). */
  path?: string;
  /** Name of the new containerPort (default `health`, ≤ 15 characters). */
  portName?: string;
}

export interface PlanRequest {
  strategy: StrategyId;
  namespace: string;
  service: string;
  /** Service port key (`name`, else the number as a string); default: the Service's only port. */
  port?: string;
  sidecar?: SidecarOptions;
  dedicatedPort?: DedicatedPortOptions;
  /** Health-check type for a NEW BackendConfig/HealthCheckPolicy (default: the port's app protocol). */
  type?: "HTTP" | "HTTPS" | "HTTP2";
}

export type ObjectKind = "Deployment" | "Service" | "BackendConfig" | "HealthCheckPolicy";

export interface ObjectKey {
  kind: ObjectKind;
  apiVersion: string;
  namespace: string;
  name: string;
}

/** A plain Kubernetes object as the API server sends it. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    [field: string]: unknown;
  };
  [field: string]: unknown;
}

export interface ObjectChange {
  object: ObjectKey;
  action: "create" | "patch";
  /** Why this object changes, in plain words. */
  summary: string;
  /** The object as read (null for create). Full object, for the journal and rollback. */
  before: KubeObject | null;
  /** The object as it will be (what Switchboard sends on create). */
  after: KubeObject;
  /** RFC 6902 patch (patch only): `test` guards first (resourceVersion and every value relied on), then the changes. */
  patch: Operation[] | null;
  /** Unified diff of the cleaned YAML (status, managedFields and server bookkeeping left out). */
  yamlDiff: string;
  /** The kubectl command a user can copy to make the same change. */
  kubectl: string;
  /** The change restarts the workload's pods (a rolling update). */
  restartsPods: boolean;
}

export interface PlanWarning {
  /** Stable id, e.g. `dedicated-port-unverified`, `readiness-probe-not-a-fix`. */
  id: string;
  severity: "danger" | "warning" | "info";
  message: string;
  /** Reference sections, e.g. ["gke-neg.md §4"]. */
  references: string[];
}

/** Where the health check will go once the plan is applied (what verify follows). */
export interface PlanTarget {
  /** The Deployment whose pods carry the checked port. */
  workload: { namespace: string; name: string } | null;
  /** The container and pod port the check will reach. */
  container: string;
  port: number;
  path: string;
  type: string;
  /** Where the check's new port comes from (telepresence.md §5 row). */
  tableRow: 3 | 5 | 6;
  /** The load balancers this applies to. */
  via: ("ingress" | "gateway")[];
}

export interface Plan {
  /** Plan format version (journal compatibility). */
  version: 1;
  strategy: StrategyId;
  title: string;
  /** One paragraph: what changes and why it keeps health checks off the intercepted port. */
  description: string;
  service: { namespace: string; name: string; port: string };
  /** Ordered: applied first to last, undone last to first. */
  changes: ObjectChange[];
  warnings: PlanWarning[];
  target: PlanTarget;
  /** "derived from Telepresence's injection rules" and similar provenance notes. */
  provenance: string | null;
  /** All commands in order, for a "copy all" button. */
  kubectlScript: string;
  /** The kubeconfig context the kubectl commands name (null: current context). */
  context: string | null;
}

/** Why a strategy cannot be planned: code `refused` carries a reason the user can act on. */
export interface PlanRefusal {
  strategy: StrategyId;
  reason: string;
  references: string[];
}

export type PlanResult = { ok: true; plan: Plan } | { ok: false; refusal: PlanRefusal };

// ---------------------------------------------------------------------------------------------
// Operations (journal)

export type StepStatus = "pending" | "in-flight" | "applied" | "undo-in-flight" | "undone" | "skipped";

export interface StepRecord {
  index: number;
  change: ObjectChange;
  status: StepStatus;
  /** After apply: the object as the server answered (uid, resourceVersion, the applied spec). */
  applied: KubeObject | null;
  error: string | null;
}

export type OperationState =
  | "applying" // started; a crash here leaves it pending
  | "applied" // every step done
  | "rolling-back"
  | "rolled-back"
  | "failed" // a step failed and everything applied was undone
  | "needs-attention"; // undo could not restore everything (a concurrent edit, RBAC): says what is left

export interface OperationRecord {
  id: string;
  version: 1;
  createdAt: string;
  updatedAt: string;
  state: OperationState;
  plan: Plan;
  steps: StepRecord[];
  /** The last error, as the contract's ErrorValue. */
  error: { code: string; message: string; hint?: string; details?: Record<string, unknown> } | null;
  /** Human-readable history (applied X, undone Y, ...). */
  log: { at: string; message: string }[];
}

export interface ProgressEvent {
  operation: string;
  /** e.g. `patch`, `create`, `undo`, `rollout`, `endpoint`, `readiness-gate`, `done`. */
  step: string;
  message: string;
  /** Counts for progress bars (rollout: updated/wanted). */
  current?: number;
  total?: number;
  object?: ObjectKey;
}

export type ProgressCallback = (event: ProgressEvent) => void;
