// The health strategies slice: the operations journal of the selected context (`strategies` events and
// strategies.list answers) and the step-by-step progress of actions (`strategy-progress`), per service.
// Plans, applies and rollbacks are contract calls; the core decides everything (refusals, warnings,
// verification). A service turning healthy is seen through the normal service events.
import { create } from "zustand";
import type { SwitchboardApi, SwitchboardEvent } from "../../app/contract/api.ts";
import type { ErrorValue } from "../../app/contract/errors.ts";
import type { StrategyApplyResult, StrategyOperationsView, StrategyOperationView, StrategyPlanInput, StrategyPlanResult, StrategyProgress } from "../../app/contract/strategies.ts";

export interface StrategiesSlice {
  /** The journal of the selected context, newest first (null until asked or sent). */
  operations: StrategyOperationsView | null;
  /** Progress steps per service ("namespace/name"), in order; a newer rollout tick replaces the last. */
  progress: Readonly<Record<string, StrategyProgress[]>>;
  /** Services with an action running from this window (apply, rollback, resume). */
  busy: Readonly<Record<string, string>>;
  /** The latest apply started from this window, per service: when, and how it ended (the Fix panel's status line). */
  applies: Readonly<Record<string, StrategyApplyRecord>>;
  apply(events: SwitchboardEvent[]): void;
}

export interface StrategyApplyRecord {
  /** ISO time the apply was started. */
  at: string;
  outcome: "running" | "done" | "failed";
}

export const initialStrategiesState = {
  operations: null,
  progress: {},
  busy: {},
  applies: {},
} satisfies Omit<StrategiesSlice, "apply">;

const MAX_STEPS = 200;

export const useStrategies = create<StrategiesSlice>()((set) => ({
  ...initialStrategiesState,
  apply(events) {
    set((state) => {
      let operations = state.operations;
      let progress: Record<string, StrategyProgress[]> | null = null;
      for (const event of events) {
        if (event.type === "strategies") operations = event.strategies;
        else if (event.type === "strategy-progress") {
          const p = event.progress;
          progress ??= { ...state.progress };
          const list = [...(progress[p.service] ?? [])];
          const last = list.at(-1);
          if (last && last.step === "rollout" && p.step === "rollout" && last.operation === p.operation && last.phase === p.phase) list[list.length - 1] = p;
          else list.push(p);
          progress[p.service] = list.slice(-MAX_STEPS);
        }
      }
      return { operations, ...(progress ? { progress } : {}) };
    });
  },
}));

/** Operations of one service, newest first. */
export function operationsOf(view: StrategyOperationsView | null, namespace: string, name: string): StrategyOperationView[] {
  return (view?.operations ?? []).filter((o) => o.service.namespace === namespace && o.service.name === name);
}

export function toErrorValue(error: unknown): ErrorValue {
  const e = error as Partial<ErrorValue> & { message?: string };
  return { code: e.code ?? "internal", message: e.message ?? String(error), ...(e.hint ? { hint: e.hint } : {}), ...(e.details ? { details: e.details } : {}) };
}

let boundApi: SwitchboardApi | null = null;

/** The actions of the strategies slice (store.ts binds them to the host's api). Calls reject with ErrorValue-shaped errors. */
export function createStrategyActions(api: SwitchboardApi) {
  boundApi = api;
  const set = useStrategies.setState;
  const during = async <T>(service: string, what: string, call: () => Promise<T>): Promise<T> => {
    set((s) => ({ busy: { ...s.busy, [service]: what }, progress: { ...s.progress, [service]: [] } }));
    try {
      return await call();
    } finally {
      set((s) => {
        const busy = { ...s.busy };
        delete busy[service];
        return { busy };
      });
      void actions.loadOperations();
    }
  };
  const actions = {
    async loadOperations(): Promise<void> {
      try {
        const operations = await api["strategies.list"]({});
        set({ operations });
      } catch {
        // No context yet, or the host is gone (the status bar says so); events bring the list later.
      }
    },
    /** A preview: changes nothing; a refusal is a value, not an error. */
    plan(input: StrategyPlanInput): Promise<StrategyPlanResult> {
      return api["strategies.plan"](input);
    },
    applyPlan(planId: string, service: string): Promise<StrategyApplyResult> {
      const record = (outcome: StrategyApplyRecord["outcome"], at: string) => set((s) => ({ applies: { ...s.applies, [service]: { at, outcome } } }));
      const at = new Date().toISOString();
      record("running", at);
      return during(service, "applying", () => api["strategies.apply"]({ planId })).then(
        (result) => {
          record("done", at);
          return result;
        },
        (error: unknown) => {
          record("failed", at);
          throw error;
        },
      );
    },
    rollback(operation: StrategyOperationView, force = false): Promise<StrategyOperationView> {
      return during(`${operation.service.namespace}/${operation.service.name}`, "rolling back", () => api["strategies.rollback"]({ operationId: operation.id, ...(force ? { force } : {}) }));
    },
    resume(operation: StrategyOperationView): Promise<StrategyApplyResult> {
      return during(`${operation.service.namespace}/${operation.service.name}`, "finishing", () => api["strategies.resume"]({ operationId: operation.id }));
    },
  };
  bound = actions;
  return actions;
}

export type StrategyActions = ReturnType<typeof createStrategyActions>;
let bound: StrategyActions | null = null;

/** The actions bound to the app's api (components deep in the tree use this instead of prop drilling). */
export function strategyActions(): StrategyActions | null {
  if (!boundApi) return null;
  bound ??= createStrategyActions(boundApi);
  return bound;
}
