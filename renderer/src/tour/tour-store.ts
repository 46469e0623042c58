// The tour's slice: its persisted progress (engine.ts), the local server and the requests that reached
// it (`local-server` / `local-request` events), the front door's latest answer (playground.request),
// and the actions: each is a contract call. "Do it for me" calls the same methods as the real controls
// (intercepts.start through the intercepts slice, strategies.plan + strategies.apply through the
// strategies slice), so the app reacts to it exactly as to a click.
import { create } from "zustand";
import type { SwitchboardApi, SwitchboardEvent } from "../../../app/contract/api.ts";
import type { ErrorValue } from "../../../app/contract/errors.ts";
import type { LocalRequest, LocalServerView, PlaygroundResponse } from "../../../app/contract/tour.ts";
import { interceptActions } from "../intercepts-store.ts";
import { strategyActions } from "../strategies-store.ts";
import { loadProgress, reduce, saveProgress, type TourAction, type TourProgress } from "./engine.ts";

export const WEB = { namespace: "demo", name: "web", key: "demo/web", loadBalancer: "demo/web" } as const;

export interface TourSlice {
  progress: TourProgress;
  server: LocalServerView | null;
  /** Every request the local server reported, newest last (at most 100). */
  requests: LocalRequest[];
  /** `requests` seq at which the current step began: the step shows (and counts) only newer ones. */
  stepSince: number;
  frontDoor: PlaygroundResponse | null;
  /** A "do it for me" or a request in flight (its words). */
  busy: string | null;
  error: ErrorValue | null;
  dispatch(action: TourAction): void;
  apply(events: SwitchboardEvent[]): void;
}

function storage(): Storage | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null;
  }
}

export const useTour = create<TourSlice>()((set, get) => ({
  progress: loadProgress(storage()),
  server: null,
  requests: [],
  stepSince: 0,
  frontDoor: null,
  busy: null,
  error: null,
  dispatch(action) {
    const before = get().progress;
    const progress = reduce(before, action);
    if (progress === before) return;
    saveProgress(storage(), progress);
    const stepChanged = progress.step !== before.step || (action.type === "start" && before.status !== "active");
    set(stepChanged ? { progress, stepSince: lastSeq(get().requests), frontDoor: null, error: null } : { progress });
  },
  apply(events) {
    set((state) => {
      let requests: LocalRequest[] | null = null;
      let server = state.server;
      for (const event of events) {
        if (event.type === "local-server") {
          // A new server run restarts the numbering: forget the old run's requests.
          if (event.server.port !== server?.port) requests = [];
          server = event.server;
        } else if (event.type === "local-request") {
          if (server && event.port !== server.port) continue;
          requests ??= [...state.requests];
          requests.push(event.request);
        }
      }
      return { server, ...(requests ? { requests: requests.slice(-100), ...(requests.length === 0 ? { stepSince: 0 } : {}) } : {}) };
    });
  },
}));

function lastSeq(requests: LocalRequest[]): number {
  return requests.at(-1)?.seq ?? 0;
}

function toErrorValue(error: unknown): ErrorValue {
  const e = error as Partial<ErrorValue> & { message?: string };
  return { code: e.code ?? "internal", message: e.message ?? String(error), ...(e.hint ? { hint: e.hint } : {}) };
}

/** The tour's calls. `openService` is the services slice's (the same as clicking the row). */
export function createTourActions(api: SwitchboardApi) {
  const set = useTour.setState;
  const run = async <T>(what: string, call: () => Promise<T>): Promise<T | null> => {
    set({ busy: what, error: null });
    try {
      return await call();
    } catch (error) {
      set({ error: toErrorValue(error) });
      return null;
    } finally {
      set({ busy: null });
    }
  };
  return {
    /** Is this the embedded playground (and is the server running)? Never fails loudly. */
    async tourStatus(): Promise<LocalServerView | null> {
      try {
        const server = await api["playground.localServer"]({ action: "status" });
        set((s) => ({ server, requests: s.server?.port === server.port ? s.requests : server.requests }));
        return server;
      } catch {
        return null;
      }
    },
    /** Starts the local server ("your laptop"); `unservedPaths`: the health-check path it does not serve. */
    async startLocalServer(unservedPaths: string[]): Promise<LocalServerView | null> {
      const server = await run("Starting your local server…", () => api["playground.localServer"]({ action: "start", unservedPaths }));
      if (server) set((s) => ({ server, requests: s.server?.port === server.port ? s.requests : server.requests }));
      return server;
    },
    async stopLocalServer(): Promise<void> {
      const server = await run("Stopping your local server…", () => api["playground.localServer"]({ action: "stop" }));
      if (server) set({ server });
    },
    /** One GET through web's front door; the answer is shown as is. */
    async sendThroughFrontDoor(quiet = false): Promise<PlaygroundResponse | null> {
      const call = () => api["playground.request"]({ loadBalancer: WEB.loadBalancer, path: "/", headers: { "x-switchboard-tour": "1" } });
      const answer = quiet ? await call().catch(() => null) : await run("Sending a request through the front door…", call);
      if (answer) set({ frontDoor: answer });
      return answer;
    },
    /** Step 2 for the user: the same intercepts.start the Intercept panel's Start button calls. */
    async interceptForMe(localPort: number): Promise<void> {
      const intercepts = interceptActions();
      if (!intercepts) return;
      await run("Starting a global intercept of web…", async () => {
        const result = await intercepts.startIntercept({ namespace: WEB.namespace, service: WEB.name, servicePort: "http", localPort, kind: "global" });
        if (!result) throw new Error("The intercept did not start: the Intercept panel says why.");
        return result;
      });
    },
    /** Step 4 for the user: strategies.plan then strategies.apply of exactly that plan, as the wizard does. */
    async applySidecarForMe(): Promise<void> {
      const strategies = strategyActions();
      if (!strategies) return;
      await run("Planning and applying the sidecar strategy…", async () => {
        const planned = await strategies.plan({ namespace: WEB.namespace, service: WEB.name, strategy: "sidecar" });
        if (!planned.ok) throw Object.assign(new Error(planned.refusal.reason), { code: "conflict" });
        return strategies.applyPlan(planned.plan.planId, WEB.key);
      });
    },
  };
}

export type TourActions = ReturnType<typeof createTourActions>;
