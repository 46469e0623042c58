// Health strategies for the core (contract: app/contract/strategies.ts): plans made on the live state of
// the selected context and KEPT by id, so what is applied is exactly what was previewed; apply → verify
// (rollout, readiness gates, Compute API endpoint health when available) with `strategy-progress`
// events; rollback of any operation later; the journal's pending operations (a crash mid-apply) listed
// for "finish or roll back". The work itself is app/strategies (README there); this module is wiring:
// which KubeConfig (the operation's own context, never the user's kubeconfig file written), which
// journal directory (the host's data dir), which events.
import { randomUUID } from "node:crypto";
import { homedir } from "node:os";
import { join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import type { SwitchboardEvent } from "../contract/api.ts";
import { SwitchboardError, toErrorValue } from "../contract/errors.ts";
import type {
  StrategyApplyResult,
  StrategyOperationsView,
  StrategyOperationView,
  StrategyPlanInput,
  StrategyPlanResult,
  StrategyPlanView,
  StrategyProgress,
  StrategyVerification,
} from "../contract/strategies.ts";
import { emptyNamespace, snapshotFromItems, type ClusterSnapshot, type InstalledKinds, type NegEndpointHealth, type TelepresenceFacts } from "../gke/snapshot.ts";
import { KubeClient } from "../kube/client.ts";
import { apiVersionOf, collectionPath, DEFAULT_KINDS, EVENTS, type KindSpec } from "../kube/kinds.ts";
import { Journal, planStrategy, podProxyProbe, preflight, StrategyRunner } from "../strategies/index.ts";
import type { OperationRecord, Plan, ProgressEvent, VerifyResult } from "../strategies/index.ts";
import { createEndpointHealthFeed, type ComputeSettings } from "./endpoint-health.ts";

export interface StrategiesOptions {
  /**
   * The app's data directory; the journal lives in `<dataDir>/operations`. Electron passes userData;
   * the browser host and the CLI default to $XDG_CONFIG_HOME/switchboard (or ~/.config/switchboard).
   */
  dataDir?: string | undefined;
  env: Record<string, string | undefined>;
  /** The selected context and namespace. */
  session: () => { context: string | null; namespace: string | null };
  /** A client-node KubeConfig holding only this context (app/kube/kubeconfig.ts clientConfigFor). */
  kubeConfig: (context: string) => KubeConfig;
  /** Compute API settings of a context (endpoint health for verify; gke-neg.md §8). */
  compute: (context: string) => ComputeSettings;
  /** Telepresence facts for the plan's snapshot (the planner warns about running intercepts). */
  telepresence?: () => TelepresenceFacts | undefined;
  emit: (event: SwitchboardEvent) => void;
  log: (message: string, error?: unknown) => void;
  /** Rollout / verify deadlines (the CLI's --timeout), and for tests poll intervals. */
  tuning?: { pollMs?: number; rolloutTimeoutMs?: number; verifyTimeoutMs?: number; healthIntervalMs?: number; planTtlMs?: number };
}

/** $XDG_CONFIG_HOME/switchboard, else ~/.config/switchboard (%APPDATA%\Switchboard on Windows). */
export function defaultDataDir(env: Record<string, string | undefined>): string {
  if (process.platform === "win32" && env.APPDATA) return join(env.APPDATA, "Switchboard");
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, "switchboard");
  return join(env.HOME || homedir(), ".config", "switchboard");
}

const PENDING_STATES = new Set(["applying", "rolling-back", "needs-attention"]);
/** Kinds the planner reads (events are not needed and are the biggest list). */
const PLAN_KINDS: readonly KindSpec[] = DEFAULT_KINDS.filter((k) => k !== EVENTS);
const INSTALLED_KEY: Partial<Record<string, keyof InstalledKinds>> = {
  backendconfigs: "backendconfigs",
  servicenetworkendpointgroups: "svcnegs",
  healthcheckpolicies: "healthcheckpolicies",
  httproutes: "httproutes",
  gateways: "gateways",
};

/**
 * The namespace as the API server has it now, as the model's snapshot. A fresh read rather than the
 * watch cache: the plan's guards carry each object's resourceVersion, and a plan made on a cache a
 * moment behind would only be refused at apply. Custom kinds that are missing or forbidden count as
 * not installed (the planner then refuses with that reason).
 */
export async function readPlanSnapshot(kubeConfig: KubeConfig, context: string, namespace: string, env: Record<string, string | undefined>, telepresence?: TelepresenceFacts): Promise<ClusterSnapshot> {
  const client = new KubeClient({ kubeConfig, context, env });
  try {
    const installed: InstalledKinds = { backendconfigs: true, svcnegs: true, healthcheckpolicies: true, httproutes: true, gateways: true };
    const lists = await Promise.all(
      PLAN_KINDS.map(async (spec) => {
        try {
          const list = await client.request<{ items?: Array<{ kind?: string; apiVersion?: string }> }>({
            path: collectionPath(spec, namespace),
            ctx: { verb: "list", resource: spec.plural, group: spec.group, namespace },
          });
          // List items carry no kind; the snapshot sorts by it.
          return (list.items ?? []).map((item) => ({ ...item, kind: spec.kind, apiVersion: apiVersionOf(spec) }));
        } catch (error) {
          const code = error instanceof SwitchboardError ? error.code : null;
          if (spec.optional && (code === "not-found" || code === "not-installed" || code === "forbidden")) {
            const key = INSTALLED_KEY[spec.key];
            if (key) installed[key] = false;
            return [];
          }
          throw error;
        }
      }),
    );
    const snapshot = snapshotFromItems(lists.flat(), { installed, ...(telepresence ? { telepresence } : {}) });
    snapshot.namespaces[namespace] ??= emptyNamespace();
    return snapshot;
  } finally {
    client.close();
  }
}

interface KeptPlan {
  plan: Plan;
  view: StrategyPlanView;
  context: string;
  expires: number;
}

export interface Strategies {
  methods: {
    "strategies.plan"(input: StrategyPlanInput): Promise<StrategyPlanResult>;
    "strategies.apply"(input: { planId: string; verify?: boolean | undefined }): Promise<StrategyApplyResult>;
    "strategies.rollback"(input: { operationId: string; force?: boolean | undefined }): Promise<StrategyOperationView>;
    "strategies.resume"(input: { operationId: string }): Promise<StrategyApplyResult>;
    "strategies.list"(input: { namespace?: string | undefined; service?: string | undefined }): Promise<StrategyOperationsView>;
  };
  /** The session changed (connected, other context): publish that context's operations (pending ones first of all). */
  sessionChanged(): void;
  readonly journalDir: string;
  close(): Promise<void>;
}

export function createStrategies(options: StrategiesOptions): Strategies {
  const journalDir = join(options.dataDir ?? defaultDataDir(options.env), "operations");
  let journal: Journal | null = null;
  /** Created on first use: a CLI `plan` that fails early leaves no directory behind. */
  const theJournal = () => (journal ??= new Journal(journalDir));
  const runners = new Map<string, StrategyRunner>();
  const plans = new Map<string, KeptPlan>();
  const running = new Set<Promise<unknown>>();
  const tuning = options.tuning ?? {};
  const planTtlMs = tuning.planTtlMs ?? 30 * 60_000;
  let closed = false;
  /** Aborts verifications on close (an apply in flight is let finish its step: it is journaled). */
  const shutdown = new AbortController();

  function runnerFor(context: string): StrategyRunner {
    let runner = runners.get(context);
    if (!runner) {
      runner = new StrategyRunner({
        kubeConfig: options.kubeConfig(context),
        journalDir,
        ...(tuning.pollMs ? { pollMs: tuning.pollMs } : {}),
        ...(tuning.rolloutTimeoutMs ? { rolloutTimeoutMs: tuning.rolloutTimeoutMs } : {}),
      });
      runners.set(context, runner);
    }
    return runner;
  }

  function requireOpen() {
    if (closed) throw new SwitchboardError("cancelled", "Switchboard is shutting down.", "Start it again.");
  }

  function currentContext(): string {
    const { context } = options.session();
    if (!context) throw new SwitchboardError("context-not-found", "No context is selected, so there is no cluster to change.", "Pick a context in the sidebar first (or pass --context).");
    return context;
  }

  function track<T>(work: Promise<T>): Promise<T> {
    running.add(work);
    void work.finally(() => running.delete(work)).catch(() => undefined);
    return work;
  }

  function progress(p: Omit<StrategyProgress, "at">) {
    options.emit({ type: "strategy-progress", progress: { ...p, at: new Date().toISOString() } });
  }

  function forward(phase: StrategyProgress["phase"], service: string, fallbackId: string) {
    return (e: ProgressEvent) => {
      // Verification's own "done" carries the verdict that `verify` reports as verified / failed.
      if (phase === "verify" && e.step === "done") return;
      progress({
        operation: e.operation || fallbackId,
        service,
        phase,
        step: e.step,
        message: e.message,
        ...(e.current !== undefined ? { current: e.current } : {}),
        ...(e.total !== undefined ? { total: e.total } : {}),
      });
    };
  }

  function operationView(record: OperationRecord, j: Journal): StrategyOperationView {
    const held = j.holder(record.id) !== null;
    const pending = PENDING_STATES.has(record.state) && !held;
    return {
      id: record.id,
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
      state: record.state,
      pending,
      canResume: record.state === "applying" && !held,
      canRollback: !held && record.state !== "rolled-back" && record.state !== "failed",
      strategy: record.plan.strategy,
      title: record.plan.title,
      context: record.plan.context,
      service: record.plan.service,
      steps: record.steps.map((s) => ({ object: s.change.object, action: s.change.action, status: s.status, error: s.error })),
      error: record.error ? toErrorValue(record.error) : null,
      log: record.log,
    };
  }

  function listFor(context: string | null, filter: { namespace?: string | undefined; service?: string | undefined } = {}): StrategyOperationsView {
    if (!context) return { context: null, operations: [] };
    const j = theJournal();
    const operations = j
      .list()
      .filter((r) => r.plan.context === context)
      .filter((r) => (!filter.namespace || r.plan.service.namespace === filter.namespace) && (!filter.service || r.plan.service.name === filter.service))
      .map((r) => operationView(r, j))
      .reverse();
    return { context, operations };
  }

  function publish(context: string | null = options.session().context) {
    // The event carries the selected context's journal; an operation of another context changes nothing shown.
    if (closed || context !== options.session().context) return;
    try {
      options.emit({ type: "strategies", strategies: listFor(context) });
    } catch (error) {
      options.log("listing the strategy operations failed", error);
    }
  }

  function planView(planId: string, plan: Plan, createdAt: string): StrategyPlanView {
    return {
      planId,
      strategy: plan.strategy,
      title: plan.title,
      description: plan.description,
      service: plan.service,
      changes: plan.changes.map((c) => ({ object: c.object, action: c.action, summary: c.summary, yamlDiff: c.yamlDiff, kubectl: c.kubectl, restartsPods: c.restartsPods })),
      warnings: plan.warnings,
      target: plan.target,
      provenance: plan.provenance,
      kubectlScript: plan.kubectlScript,
      context: plan.context,
      createdAt,
    };
  }

  /** Live endpoint health for the Service's NEGs while verifying, when the Compute API answers. */
  async function endpointHealthFor(context: string, runner: StrategyRunner, plan: Plan): Promise<{ fetch?: () => Promise<NegEndpointHealth[]>; stop: () => void }> {
    const settings = options.compute(context);
    if (!settings.project) return { stop: () => undefined };
    const svc = await runner.objects.get({ kind: "Service", apiVersion: "v1", namespace: plan.service.namespace, name: plan.service.name });
    if (!svc) return { stop: () => undefined };
    const feed = createEndpointHealthFeed({ ...settings, intervalMs: tuning.healthIntervalMs ?? 2000 }, options.env, () => undefined);
    feed.setServices([svc as never]);
    await feed.firstAnswers(5000);
    if (feed.source().source !== "compute-api" || !feed.endpointHealth()?.length) {
      feed.stop();
      return { stop: () => undefined };
    }
    return { fetch: async () => feed.endpointHealth() ?? [], stop: () => feed.stop() };
  }

  async function verify(context: string, runner: StrategyRunner, record: OperationRecord): Promise<StrategyVerification> {
    const service = `${record.plan.service.namespace}/${record.plan.service.name}`;
    const emit = forward("verify", service, record.id);
    progress({ operation: record.id, service, phase: "verify", step: "verify", message: "verifying: rollout, readiness gates, the check's target on each pod, load-balancer health" });
    const health = await endpointHealthFor(context, runner, record.plan).catch((error: unknown) => {
      options.log("endpoint health for verification failed", error);
      return { stop: () => undefined } as { fetch?: () => Promise<NegEndpointHealth[]>; stop: () => void };
    });
    let result: VerifyResult;
    try {
      result = await runner.verify(record.plan, {
        onProgress: emit,
        operation: record.id,
        signal: shutdown.signal,
        timeoutMs: tuning.verifyTimeoutMs ?? 300_000,
        ...(tuning.pollMs ? { pollMs: tuning.pollMs } : {}),
        ...(health.fetch ? { endpointHealth: health.fetch } : {}),
      });
    } finally {
      health.stop();
    }
    // `done` of verify carries the verdict; a failed verification says so as its own step.
    if (!result.healthy) progress({ operation: record.id, service, phase: "verify", step: "failed", message: result.message });
    else progress({ operation: record.id, service, phase: "verify", step: "verified", message: `verified: ${result.message}` });
    return {
      healthy: result.healthy,
      timedOut: result.timedOut,
      signal: result.signal,
      message: result.message,
      pods: result.pods.map((p) => ({ pod: p.pod, ready: p.ready, readinessGate: p.readinessGate, endpoints: p.endpoints })),
    };
  }

  function failed(phase: StrategyProgress["phase"], service: string, id: string, error: unknown): never {
    const value = toErrorValue(error);
    if (value.code === "internal") options.log(`strategy ${phase} failed unexpectedly`, error);
    progress({ operation: typeof value.details?.["operation"] === "string" ? (value.details["operation"] as string) : id, service, phase, step: "failed", message: value.message, error: value });
    throw error;
  }

  function record(id: string): OperationRecord {
    const r = theJournal().read(id);
    if (!r) throw new SwitchboardError("not-found", `There is no operation "${id}" in the journal (${journalDir}).`, "List the operations (strategies.list / `switchboard strategy list`) and pick one of them.", { operation: id });
    return r;
  }

  function contextOf(r: OperationRecord): string {
    // The operation changed the cluster of its own context; roll it back there even when another is selected.
    return r.plan.context ?? currentContext();
  }

  const methods: Strategies["methods"] = {
    async "strategies.plan"(input) {
      requireOpen();
      const context = currentContext();
      const snapshot = await readPlanSnapshot(options.kubeConfig(context), context, input.namespace, options.env, options.telepresence?.());
      const result = planStrategy(
        snapshot,
        {
          strategy: input.strategy,
          namespace: input.namespace,
          service: input.service,
          ...(input.port ? { port: input.port } : {}),
          ...(input.sidecar ? { sidecar: input.sidecar } : {}),
          ...(input.dedicatedPort ? { dedicatedPort: input.dedicatedPort } : {}),
          ...(input.type ? { type: input.type } : {}),
        },
        { context },
      );
      if (!result.ok) return { ok: false, refusal: result.refusal };
      let plan = result.plan;
      if (plan.strategy === "dedicated-port") {
        // Pod IPs are not reachable from a laptop, but the API server's pod proxy reaches them on any
        // cluster where the user may get pods/proxy: the plan then says whether the app answers there
        // ("answers 200 on port N", "nothing answers on N") or why it could not check.
        const objects = runnerFor(context).objects;
        const pf = await preflight(plan, { objects, probe: podProxyProbe(objects) });
        plan = { ...plan, warnings: pf.warnings };
      }
      const now = Date.now();
      for (const [id, kept] of plans) if (kept.expires < now) plans.delete(id);
      const planId = randomUUID();
      const view = planView(planId, plan, new Date(now).toISOString());
      plans.set(planId, { plan, view, context, expires: now + planTtlMs });
      return { ok: true, plan: view };
    },

    async "strategies.apply"(input) {
      requireOpen();
      const kept = plans.get(input.planId);
      if (!kept || kept.expires < Date.now()) {
        plans.delete(input.planId);
        throw new SwitchboardError("not-found", "That preview is no longer kept (it expired, was applied already, or Switchboard restarted).", "Preview the strategy again, then apply.", { planId: input.planId });
      }
      // One apply per preview: the plan's guards would refuse a second one anyway.
      plans.delete(input.planId);
      const { plan, context } = kept;
      const service = `${plan.service.namespace}/${plan.service.name}`;
      const runner = runnerFor(context);
      return track(
        (async (): Promise<StrategyApplyResult> => {
          let op: OperationRecord;
          try {
            op = await runner.apply(plan, { onProgress: forward("apply", service, input.planId) });
          } catch (error) {
            publish(context);
            failed("apply", service, input.planId, error);
          }
          publish(context);
          const verification = input.verify === false ? null : await verify(context, runner, op).catch((error: unknown) => failed("verify", service, op.id, error));
          return { operation: operationView(runner.operation(op.id), runner.journal), verification };
        })(),
      );
    },

    async "strategies.rollback"(input) {
      requireOpen();
      const r = record(input.operationId);
      const context = contextOf(r);
      const runner = runnerFor(context);
      const service = `${r.plan.service.namespace}/${r.plan.service.name}`;
      return track(
        (async () => {
          try {
            const done = await runner.rollback(r.id, { onProgress: forward("rollback", service, r.id), ...(input.force ? { force: true } : {}) });
            return operationView(done, runner.journal);
          } catch (error) {
            failed("rollback", service, r.id, error);
          } finally {
            publish(context);
          }
        })(),
      );
    },

    async "strategies.resume"(input) {
      requireOpen();
      const r = record(input.operationId);
      const context = contextOf(r);
      const runner = runnerFor(context);
      const service = `${r.plan.service.namespace}/${r.plan.service.name}`;
      return track(
        (async (): Promise<StrategyApplyResult> => {
          let op: OperationRecord;
          try {
            op = await runner.resume(r.id, { onProgress: forward("resume", service, r.id) });
          } catch (error) {
            publish(context);
            failed("resume", service, r.id, error);
          }
          publish(context);
          const verification = await verify(context, runner, op).catch((error: unknown) => failed("verify", service, op.id, error));
          return { operation: operationView(runner.operation(op.id), runner.journal), verification };
        })(),
      );
    },

    async "strategies.list"(input) {
      requireOpen();
      return listFor(options.session().context, input);
    },
  };

  return {
    methods,
    journalDir,
    sessionChanged: () => {
      // A new session may come with new credentials (a reloaded kubeconfig): new clients next time.
      runners.clear();
      publish();
    },
    async close() {
      closed = true;
      shutdown.abort();
      // An apply in flight finishes its current step and is journaled; do not cut it mid-request.
      await Promise.allSettled([...running]);
      plans.clear();
      runners.clear();
    },
  };
}
