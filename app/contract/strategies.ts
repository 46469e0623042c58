// Health strategies in the contract: plan (a preview that changes nothing), apply exactly the plan that
// was previewed (by its id), verify with progress, roll back any applied operation later, and the
// operations journal (pending ones after a crash: finish or roll back). Re-exported from api.ts
// (methods, events, outputs) and index.ts (types). Plain JSON only. Rules: gke-neg.md §3, §7, §10;
// telepresence.md §5.
import { z } from "zod";
import type { ErrorValue } from "./errors.ts";

const name = z.string().min(1).max(253);
const port = z.number().int().min(1).max(65535);
/** Journal ids are `YYYYMMDD-HHMMSS-hex` (app/strategies/journal.ts); plan ids are UUIDs. */
const id = z.string().min(1).max(100).regex(/^[\w-]+$/, "not a valid id");

export const strategyIds = ["sidecar", "dedicated-port", "pin-serving-port"] as const;
export type StrategyChoice = (typeof strategyIds)[number];

export const strategyPlanInputSchema = z
  .object({
    namespace: name,
    service: name,
    strategy: z.enum(strategyIds),
    /** The Service port: its name, else its number (a PortView key). Omitted → the only one. */
    port: z.string().min(1).max(63).optional(),
    /** dedicated-port: the port the app ALREADY serves health on (Switchboard cannot know it). */
    dedicatedPort: z
      .object({ port, path: z.string().min(1).max(1000).startsWith("/").optional(), portName: z.string().min(1).max(15).regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, "a port name is lower-case letters, digits and dashes").optional() })
      .strict()
      .optional(),
    sidecar: z
      .object({
        image: z.string().min(1).max(500).optional(),
        port: port.optional(),
        path: z.string().min(1).max(1000).startsWith("/").optional(),
        containerName: z.string().min(1).max(63).regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, "a container name is lower-case letters, digits and dashes").optional(),
      })
      .strict()
      .optional(),
    /** Health-check type for a NEW BackendConfig / HealthCheckPolicy (default: the port's app protocol). */
    type: z.enum(["HTTP", "HTTPS", "HTTP2"]).optional(),
  })
  .strict()
  .refine((s) => s.strategy !== "dedicated-port" || s.dedicatedPort !== undefined, { message: "the dedicated-port strategy needs the port the app serves health on", path: ["dedicatedPort"] })
  .refine((s) => s.strategy === "dedicated-port" || s.dedicatedPort === undefined, { message: "dedicatedPort applies only to the dedicated-port strategy", path: ["dedicatedPort"] })
  .refine((s) => s.strategy === "sidecar" || s.sidecar === undefined, { message: "sidecar options apply only to the sidecar strategy", path: ["sidecar"] });

export type StrategyPlanInput = z.input<typeof strategyPlanInputSchema>;

export const strategyMethods = {
  /** Plans a strategy on the live state and keeps the plan (by `planId`) for apply. Changes nothing. */
  "strategies.plan": { input: strategyPlanInputSchema },
  /**
   * Applies exactly the plan that was shown (by its id), then verifies (rollout, readiness gates,
   * Compute API endpoint health when available), with `strategy-progress` events.
   */
  "strategies.apply": { input: z.object({ planId: id, verify: z.boolean().optional() }).strict() },
  /** Undoes an operation (applied, interrupted or failed half-way). `force`: only Switchboard's own change on top of somebody's later edit. */
  "strategies.rollback": { input: z.object({ operationId: id, force: z.boolean().optional() }).strict() },
  /** Finishes an operation a crash interrupted. */
  "strategies.resume": { input: z.object({ operationId: id }).strict() },
  /** Every operation in the journal, newest first; `pending` ones need a decision (finish or roll back). */
  "strategies.list": { input: z.object({ namespace: name.optional(), service: name.optional() }).strict() },
} as const;

export type StrategyWarningSeverity = "danger" | "warning" | "info";

export interface StrategyObjectRef {
  kind: string;
  apiVersion: string;
  namespace: string;
  name: string;
}

/** One object the plan creates or patches, as the preview shows it. */
export interface StrategyObjectChange {
  object: StrategyObjectRef;
  action: "create" | "patch";
  summary: string;
  /** Unified diff of the cleaned YAML (lines start with "+", "-", " ", or "@@"). */
  yamlDiff: string;
  /** The kubectl command that makes the same change, copyable. */
  kubectl: string;
  restartsPods: boolean;
}

export interface StrategyWarning {
  id: string;
  severity: StrategyWarningSeverity;
  message: string;
  references: string[];
}

export interface StrategyPlanView {
  /** What `strategies.apply` takes: the core keeps this exact plan. */
  planId: string;
  strategy: StrategyChoice;
  title: string;
  description: string;
  service: { namespace: string; name: string; port: string };
  changes: StrategyObjectChange[];
  warnings: StrategyWarning[];
  target: { workload: { namespace: string; name: string } | null; container: string; port: number; path: string; type: string; tableRow: number; via: ("ingress" | "gateway")[] };
  provenance: string | null;
  kubectlScript: string;
  context: string | null;
  /** ISO time the plan was made (it is refused with `conflict` if an object changed since). */
  createdAt: string;
}

export interface StrategyRefusal {
  strategy: StrategyChoice;
  reason: string;
  references: string[];
}

export type StrategyPlanResult = { ok: true; plan: StrategyPlanView } | { ok: false; refusal: StrategyRefusal };

export type StrategyOperationState = "applying" | "applied" | "rolling-back" | "rolled-back" | "failed" | "needs-attention";

export interface StrategyOperationView {
  id: string;
  createdAt: string;
  updatedAt: string;
  state: StrategyOperationState;
  /** A crash or a failed undo left it half-way (and no other live process holds it): finish or roll back. */
  pending: boolean;
  /** Which actions make sense now. */
  canResume: boolean;
  canRollback: boolean;
  strategy: StrategyChoice;
  title: string;
  context: string | null;
  service: { namespace: string; name: string; port: string };
  steps: { object: StrategyObjectRef; action: "create" | "patch"; status: string; error: string | null }[];
  error: ErrorValue | null;
  log: { at: string; message: string }[];
}

export interface StrategyVerification {
  healthy: boolean;
  timedOut: boolean;
  /** The strongest signal the verdict rests on (gke-neg.md §1). */
  signal: "compute-api" | "readiness-gate" | "pod-ready";
  message: string;
  pods: { pod: string; ready: boolean; readinessGate: string; endpoints: { ipAddress: string; port: number; healthState: string | null }[] }[];
}

export interface StrategyApplyResult {
  operation: StrategyOperationView;
  /** Null when verification was not asked for. */
  verification: StrategyVerification | null;
}

export interface StrategyOperationsView {
  /** The kubeconfig context the journal shown belongs to (null: no context selected). */
  context: string | null;
  operations: StrategyOperationView[];
}

export type StrategyProgressStep = "patch" | "create" | "rollout" | "undo" | "endpoint" | "readiness-gate" | "verify" | "done" | "failed";

export interface StrategyProgress {
  /** The operation id (the plan id until the journal has one). */
  operation: string;
  /** "namespace/service". */
  service: string;
  /** What is running: apply, verify, rollback, resume. */
  phase: "apply" | "verify" | "rollback" | "resume";
  step: StrategyProgressStep | string;
  message: string;
  current?: number;
  total?: number;
  error?: ErrorValue;
  at: string;
}

export type StrategyEvent = { type: "strategy-progress"; progress: StrategyProgress } | { type: "strategies"; strategies: StrategyOperationsView };

export interface StrategyMethodOutputs {
  "strategies.plan": StrategyPlanResult;
  "strategies.apply": StrategyApplyResult;
  "strategies.rollback": StrategyOperationView;
  "strategies.resume": StrategyApplyResult;
  "strategies.list": StrategyOperationsView;
}
