// Applying, resuming and rolling back a plan against a cluster, all-or-nothing and journaled:
// - every step is written to the journal (fsync'd) BEFORE it runs and again once it landed;
// - patches carry `test` guards, so a concurrent edit between plan and apply aborts with `conflict`;
// - when a step fails, every earlier step is undone (newest first), each undo guarded in turn;
// - after a crash, `pendingOperations()` lists what was left half-way; `resume(id)` finishes it and
//   `rollback(id)` undoes it, judging each in-flight step from the object as it is now.
// Rollback restores spec, labels and annotations exactly as they were (deleting created objects), and
// refuses — saying what changed — when somebody edited an object since Switchboard changed it.
import type { KubeConfig } from "@kubernetes/client-node";
import { SwitchboardError, toErrorValue } from "../contract/errors.ts";
import type { ErrorCode } from "../contract/errors.ts";
import { Journal } from "./journal.ts";
import { clientNodeObjects, describeObject } from "./kube.ts";
import type { ObjectApi } from "./kube.ts";
import { planStrategy } from "./plan.ts";
import { podProxyProbe } from "./preflight.ts";
import type { PlanOptions } from "./plan.ts";
import { expectedAfter, judgeStep, sameUserState, undoPatch, userDifferences } from "./restore.ts";
import type { ClusterSnapshot } from "../gke/snapshot.ts";
import type { KubeObject, OperationRecord, Plan, PlanRequest, PlanResult, ProgressCallback, StepRecord } from "./types.ts";
import { verifyPlan, waitForRollout } from "./verify.ts";
import type { VerifyOptions, VerifyResult } from "./verify.ts";

export interface RunnerOptions {
  /** The kubeconfig whose current context is the cluster to change. */
  kubeConfig?: KubeConfig;
  /** Or an ObjectApi directly (tests, other transports). One of the two is required. */
  objects?: ObjectApi;
  /** Directory for the operation journal (created if missing). */
  journalDir: string;
  /** How long apply waits for the Deployment's rollout before switching the health check (default 5 min). */
  rolloutTimeoutMs?: number;
  pollMs?: number;
  /** Test hooks: called after each step landed and was journaled. */
  hooks?: { afterStep?: (record: OperationRecord, index: number) => void | Promise<void> };
}

export interface ApplyOptions {
  onProgress?: ProgressCallback;
  /**
   * Wait for the Deployment's rollout before pointing the health check at the new port (default true):
   * a check pointed at a port the old pods lack would fail on them and drop them from the load balancer.
   */
  waitForRollout?: boolean;
}

export interface RollbackOptions {
  onProgress?: ProgressCallback;
  /**
   * When an object was edited by somebody else since apply, put back only what Switchboard changed,
   * on top of their edit (default false: refuse and say what changed).
   */
  force?: boolean;
}

const PENDING_STATES = new Set(["applying", "rolling-back", "needs-attention"]);

export class StrategyRunner {
  readonly journal: Journal;
  readonly objects: ObjectApi;
  readonly #opts: RunnerOptions;

  constructor(options: RunnerOptions) {
    if (!options.objects && !options.kubeConfig) throw new Error("StrategyRunner needs kubeConfig or objects");
    this.#opts = options;
    this.objects = options.objects ?? clientNodeObjects(options.kubeConfig!);
    this.journal = new Journal(options.journalDir);
  }

  /** Plans on a snapshot (pure; see plan.ts). */
  plan(snapshot: ClusterSnapshot, request: PlanRequest, options: PlanOptions = {}): PlanResult {
    return planStrategy(snapshot, request, options);
  }

  /** Every operation in the journal, oldest first. */
  operations(): OperationRecord[] {
    return this.journal.list();
  }

  /**
   * Operations a crash or a failed undo left half-way: offer to finish (resume) or roll back. Those
   * another live Switchboard process is working on right now are not listed.
   */
  pendingOperations(): OperationRecord[] {
    return this.journal.list().filter((r) => PENDING_STATES.has(r.state) && this.journal.holder(r.id) === null);
  }

  /** Runs `fn` holding the operation's lock (see Journal.lock). */
  async #locked<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const lock = this.journal.lock(id);
    if (typeof lock !== "function") {
      throw new SwitchboardError("conflict", `Another Switchboard process (pid ${lock.heldBy}) is working on operation ${id} right now.`, "Wait for it to finish, or close the other window.", { operation: id, pid: lock.heldBy });
    }
    try {
      return await fn();
    } finally {
      lock();
    }
  }

  operation(id: string): OperationRecord {
    const record = this.journal.read(id);
    if (!record) throw new SwitchboardError("not-found", `There is no operation "${id}" in the journal.`, "Refresh the list of operations.");
    return record;
  }

  async apply(input: Plan, options: ApplyOptions = {}): Promise<OperationRecord> {
    // The record owns its copy (guards may be re-based on a newer resourceVersion below).
    const plan = structuredClone(input);
    const now = new Date().toISOString();
    const record: OperationRecord = {
      id: Journal.newId(),
      version: 1,
      createdAt: now,
      updatedAt: now,
      state: "applying",
      plan,
      steps: plan.changes.map((change, index) => ({ index, change, status: "pending", applied: null, error: null })),
      error: null,
      log: [],
    };
    // Cheap early check: an object edited since the plan aborts before anything changes (the patches'
    // own guards still protect against an edit that lands during the apply).
    for (const c of plan.changes) {
      const current = await this.objects.get(c.object);
      let stale = c.action === "create" ? current !== null : !current || current.metadata.resourceVersion !== c.before?.metadata.resourceVersion;
      if (stale && current && c.action === "patch" && rebase(c, current)) stale = false;
      if (stale) {
        throw new SwitchboardError(
          "conflict",
          c.action === "create"
            ? `${describeObject(c.object)} was created by somebody else since the plan was made. Nothing was changed.`
            : `${describeObject(c.object)} was ${current ? "changed" : "deleted"} by somebody else since the plan was made. Nothing was changed.`,
          "Refresh to plan again on the current state, then apply.",
          { object: c.object },
        );
      }
    }
    this.#log(record, `Started applying "${plan.title}" to ${plan.service.namespace}/${plan.service.name}:${plan.service.port}.`);
    return this.#locked(record.id, async () => {
      this.journal.write(record);
      return this.#run(record, options);
    });
  }

  /** Finishes an operation a crash interrupted (steps already applied are kept, the rest applied). */
  resume(id: string, options: ApplyOptions = {}): Promise<OperationRecord> {
    return this.#locked(id, () => this.#resume(id, options));
  }

  async #resume(id: string, options: ApplyOptions): Promise<OperationRecord> {
    const record = this.operation(id);
    if (record.state !== "applying") {
      throw new SwitchboardError("invalid-request", `Operation ${id} is ${record.state}; only an interrupted apply can be finished.`, record.state === "needs-attention" || record.state === "rolling-back" ? "Roll it back instead." : undefined);
    }
    this.#log(record, "Resuming after an interruption.");
    this.journal.write(record);
    return this.#run(record, options);
  }

  async #run(record: OperationRecord, options: ApplyOptions): Promise<OperationRecord> {
    const emit = options.onProgress ?? (() => undefined);
    const wait = options.waitForRollout ?? true;
    for (const step of record.steps) {
      const { object } = step.change;
      const later = record.steps.slice(step.index + 1).some((s) => s.status !== "applied");
      if (step.status === "applied") {
        // Resumed after a crash: the pods may still be rolling out; do not switch the check before.
        if (step.change.restartsPods && wait && later) {
          try {
            await waitForRollout(this.objects, object, { timeoutMs: this.#opts.rolloutTimeoutMs ?? 300_000, pollMs: this.#opts.pollMs ?? 250, onProgress: emit, operation: record.id });
          } catch (err) {
            record.error = toErrorValue(err);
            this.#log(record, `Waiting for the rollout failed: ${record.error.message}`);
            this.journal.write(record);
            throw err;
          }
        }
        continue;
      }
      try {
        if (step.status === "in-flight") {
          // Interrupted while the request was out: did it land?
          const state = judgeStep(step, await this.objects.get(object));
          if (state === "applied") {
            step.applied = await this.objects.get(object);
            step.status = "applied";
            this.#log(record, `${describeObject(object)} had already been changed before the interruption.`);
            this.journal.write(record);
            continue;
          }
          if (state === "changed-since") throw this.#conflict(object, "while the operation was interrupted");
        }
        step.status = "in-flight";
        this.journal.write(record); // BEFORE the step
        const applied = step.change.action === "create" ? await this.objects.create(object, step.change.after) : await this.#patchStep(record, step);
        step.applied = applied;
        step.status = "applied";
        this.#log(record, `${step.change.action === "create" ? "Created" : "Patched"} ${describeObject(object)}.`);
        this.journal.write(record);
        emit({ operation: record.id, step: step.change.action, message: `${step.change.action === "create" ? "created" : "patched"} ${object.kind} ${object.name}`, object, current: step.index + 1, total: record.steps.length });
        await this.#opts.hooks?.afterStep?.(record, step.index);
        if (step.change.restartsPods && wait && later) {
          await waitForRollout(this.objects, object, { timeoutMs: this.#opts.rolloutTimeoutMs ?? 300_000, pollMs: this.#opts.pollMs ?? 250, onProgress: emit, operation: record.id });
        }
      } catch (err) {
        // A request that failed outright changed nothing; one whose fate is unknown (connection cut)
        // is judged from the object during the undo.
        if (step.status === "in-flight" && err instanceof SwitchboardError && ["conflict", "forbidden", "invalid-request", "not-found", "not-installed", "auth-failed"].includes(err.code)) step.status = "pending";
        step.error = toErrorValue(err).message;
        record.error = toErrorValue(err);
        this.#log(record, `Failed on ${describeObject(object)}: ${record.error.message}`);
        this.journal.write(record);
        const made = record.steps.filter((s) => s.status === "applied" || s.status === "in-flight").length;
        const undone = await this.#undoAll(record, { onProgress: emit, force: false });
        record.state = undone ? "failed" : "needs-attention";
        this.#log(record, undone ? "Every earlier change was undone; the cluster is as it was." : "Some changes could not be undone; see the operation for what is left.");
        this.journal.write(record);
        const e = err instanceof SwitchboardError ? err : new SwitchboardError("internal", record.error.message);
        throw new SwitchboardError(
          e.code,
          `${e.message}${undone ? (made ? ` The ${made} change${made === 1 ? "" : "s"} already made ${made === 1 ? "was" : "were"} undone: nothing is left half-applied.` : " Nothing was changed.") : " Some changes could not be undone (see the operation)."}`,
          e.hint,
          { ...(e.details ?? {}), operation: record.id, state: record.state },
        );
      }
    }
    record.state = "applied";
    record.error = null;
    this.#log(record, "Applied.");
    this.journal.write(record);
    emit({ operation: record.id, step: "done", message: "applied" });
    return record;
  }

  /**
   * Sends a step's guarded patch. When only the resourceVersion guard failed because a controller wrote
   * status (spec, labels and annotations still exactly as planned), the guard moves to the new
   * resourceVersion and the patch is sent again; any real edit still fails the `test` operations.
   */
  async #patchStep(record: OperationRecord, step: StepRecord): Promise<KubeObject> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.objects.patch(step.change.object, step.change.patch ?? []);
      } catch (err) {
        if (!(err instanceof SwitchboardError && err.code === "conflict") || attempt >= 4) throw err;
        const current = await this.objects.get(step.change.object);
        if (!current || !rebase(step.change, current)) throw err;
        this.#log(record, `${describeObject(step.change.object)}: only its status changed since the plan; retrying on resourceVersion ${current.metadata.resourceVersion}.`);
        this.journal.write(record);
      }
    }
  }

  /** Undoes an applied, failed-half-way or interrupted operation (newest step first). */
  rollback(id: string, options: RollbackOptions = {}): Promise<OperationRecord> {
    return this.#locked(id, () => this.#rollback(id, options));
  }

  async #rollback(id: string, options: RollbackOptions): Promise<OperationRecord> {
    const record = this.operation(id);
    if (record.state === "rolled-back" || record.state === "failed") return record;
    record.state = "rolling-back";
    record.error = null;
    this.#log(record, options.force ? "Rolling back (forced: only Switchboard's own changes)." : "Rolling back.");
    this.journal.write(record);
    const ok = await this.#undoAll(record, { onProgress: options.onProgress ?? (() => undefined), force: options.force ?? false });
    record.state = ok ? "rolled-back" : "needs-attention";
    this.#log(record, ok ? "Rolled back: every object is as it was before." : "Rollback stopped; see the error.");
    this.journal.write(record);
    const error = record.error as OperationRecord["error"];
    if (!ok && error) {
      throw new SwitchboardError(error.code as ErrorCode, error.message, error.hint, { ...(error.details ?? {}), operation: id });
    }
    options.onProgress?.({ operation: id, step: "done", message: "rolled back" });
    return record;
  }

  /** Follows the rollout and the health of what the plan changed (see verify.ts). */
  verify(plan: Plan, options: Omit<VerifyOptions, "objects"> = {}): Promise<VerifyResult> {
    // The check's new target is probed through the API server's pod proxy unless told otherwise.
    return verifyPlan(plan, { ...options, probe: "probe" in options ? options.probe : podProxyProbe(this.objects), objects: this.objects });
  }

  /** Undo applied (and in-flight) steps newest first; stops at the first that cannot be undone. */
  async #undoAll(record: OperationRecord, o: { onProgress: ProgressCallback; force: boolean }): Promise<boolean> {
    for (const step of [...record.steps].reverse()) {
      if (step.status === "pending" || step.status === "undone" || step.status === "skipped") continue;
      try {
        await this.#undoStep(record, step, o.force);
        o.onProgress({ operation: record.id, step: "undo", message: `restored ${step.change.object.kind} ${step.change.object.name}`, object: step.change.object });
      } catch (err) {
        record.error = toErrorValue(err);
        step.error = record.error.message;
        this.#log(record, `Could not undo ${describeObject(step.change.object)}: ${record.error.message}`);
        this.journal.write(record);
        return false;
      }
    }
    return true;
  }

  async #undoStep(record: OperationRecord, step: StepRecord, force: boolean): Promise<void> {
    step.status = "undo-in-flight";
    this.journal.write(record); // BEFORE the undo
    // Controllers write status (and bump resourceVersion) all the time, e.g. during a rollout: a guard
    // that fails only because of that is retried on a fresh read; a real edit is caught by judgeStep.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#undoOnce(record, step, force);
        return;
      } catch (err) {
        if (!(err instanceof SwitchboardError && err.code === "conflict" && err.details?.["retryable"] === true && attempt < 5)) throw err;
        await new Promise((r) => setTimeout(r, 50 * attempt));
      }
    }
  }

  async #undoOnce(record: OperationRecord, step: StepRecord, force: boolean): Promise<void> {
    const { object } = step.change;
    const current = await this.objects.get(object);
    const state = judgeStep(step, current);
    if (state === "not-applied") {
      step.status = "undone";
      this.#log(record, `${describeObject(object)} was not changed (nothing to undo).`);
      this.journal.write(record);
      return;
    }
    if (state === "changed-since" && !(force && current)) {
      throw this.#conflict(object, "since Switchboard changed it", current ? userDifferences(expectedAfter(step), current) : ["(deleted)"]);
    }
    if (step.change.action === "create") {
      await this.#retryable(() => this.objects.delete(object, { uid: current!.metadata.uid, resourceVersion: current!.metadata.resourceVersion }));
      this.#log(record, `Deleted ${describeObject(object)} (Switchboard created it).`);
    } else {
      const ops = undoPatch(step, current!, state === "changed-since");
      if (!ops) throw this.#conflict(object, "since Switchboard changed it, so its own change cannot be put back cleanly", userDifferences(expectedAfter(step), current!));
      await this.#retryable(() => this.objects.patch(object, ops));
      this.#log(record, `Restored ${describeObject(object)} to how it was before.`);
    }
    step.status = "undone";
    this.journal.write(record);
  }

  /** Marks a guard failure of an undo request as worth a fresh read and another try. */
  async #retryable<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof SwitchboardError && err.code === "conflict") throw new SwitchboardError(err.code, err.message, err.hint, { ...(err.details ?? {}), retryable: true });
      throw err;
    }
  }

  #conflict(object: StepRecord["change"]["object"], when: string, paths: string[] = []): SwitchboardError {
    return new SwitchboardError(
      "conflict",
      `${describeObject(object)} was changed by somebody else ${when}${paths.length ? ` (${paths.slice(0, 5).join(", ")}${paths.length > 5 ? ", …" : ""})` : ""}. Switchboard did not overwrite their change.`,
      "Look at the object: roll back with force to put back only Switchboard's own change on top of theirs, or fix it by hand.",
      { object, changedPaths: paths },
    );
  }

  #log(record: OperationRecord, message: string): void {
    record.log.push({ at: new Date().toISOString(), message });
  }
}

/**
 * Moves a patch's resourceVersion guard to `current` when nothing a user sets changed (spec, labels,
 * annotations equal the plan's `before`): controllers bump resourceVersion on every status write.
 */
function rebase(change: StepRecord["change"], current: KubeObject): boolean {
  if (!change.before || !change.patch || !sameUserState(current, change.before)) return false;
  const guard = change.patch.find((op) => op.op === "test" && op.path === "/metadata/resourceVersion") as { value: unknown } | undefined;
  if (!guard) return false;
  guard.value = current.metadata.resourceVersion;
  change.before = { ...change.before, metadata: { ...change.before.metadata, resourceVersion: current.metadata.resourceVersion! } };
  return true;
}

export type { KubeObject };
