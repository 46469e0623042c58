// The intercepts slice: Telepresence's state (the `intercepts` event), the step-by-step progress of
// the current action (`intercept-progress`), and toasts when an intercepted service turns unhealthy.
// Fed only by contract answers and events; the core decides everything (health verdicts included).
import { create } from "zustand";
import type { ServiceSummary, SwitchboardApi, SwitchboardEvent } from "../../app/contract/api.ts";
import type { ErrorValue } from "../../app/contract/errors.ts";
import type { InterceptPreview, InterceptProgress, InterceptSpec, InterceptStartResult, TelepresenceStatusView } from "../../app/contract/intercepts.ts";

export interface Toast {
  id: string;
  tone: "unhealthy" | "info";
  title: string;
  text: string;
  service: string | null;
}

export interface InterceptsSlice {
  telepresence: TelepresenceStatusView | null;
  /** The steps of the latest action, in order, one line per step (its latest status). */
  progress: InterceptProgress[];
  /** The latest failure of an action started from this UI (with the program's words in details). */
  error: ErrorValue | null;
  toasts: Toast[];
  /** Health of intercepted services last seen, to notice when one turns unhealthy. */
  interceptedHealth: ReadonlyMap<string, ServiceSummary["health"]>;
  apply(events: SwitchboardEvent[]): void;
}

const BAD: ReadonlySet<ServiceSummary["health"]> = new Set(["unhealthy", "degraded"]);

export const initialInterceptsState = {
  telepresence: null,
  progress: [] as InterceptProgress[],
  error: null,
  toasts: [] as Toast[],
  interceptedHealth: new Map<string, ServiceSummary["health"]>() as ReadonlyMap<string, ServiceSummary["health"]>,
} satisfies Omit<InterceptsSlice, "apply">;

let toastSeq = 0;

/** An OS notification where the user allowed them (the toast shows either way). */
function notify(title: string, body: string): void {
  try {
    if (typeof Notification !== "undefined" && Notification.permission === "granted") new Notification(title, { body });
  } catch {
    // Not available in this host: the toast is enough.
  }
}

export const useIntercepts = create<InterceptsSlice>()((set) => ({
  ...initialInterceptsState,
  apply(events) {
    set((state) => {
      const next: Partial<InterceptsSlice> = {};
      let progress: InterceptProgress[] | null = null;
      let health: Map<string, ServiceSummary["health"]> | null = null;
      const toasts: Toast[] = [];
      // Intercepted services whose health came back: their "turned unhealthy" toast is stale.
      const recovered = new Set<string>();
      for (const event of events) {
        if (event.type === "intercepts") {
          next.telepresence = event.telepresence;
        } else if (event.type === "intercept-progress") {
          const p = event.progress;
          progress ??= [...(next.progress ?? state.progress)];
          if (progress.length > 0 && progress[0]!.action !== p.action) progress = [];
          const same = progress.findIndex((x) => x.step === p.step);
          if (same >= 0) progress[same] = p;
          else progress.push(p);
        } else if (event.type === "services" || event.type === "service") {
          const rows = event.type === "services" ? event.upserts : [event.detail.summary];
          for (const row of rows) {
            health ??= new Map(state.interceptedHealth);
            const before = health.get(row.key);
            if (!row.intercepted) {
              health.delete(row.key);
              continue;
            }
            health.set(row.key, row.health);
            if (!BAD.has(row.health)) recovered.add(row.key);
            else recovered.delete(row.key);
            if (BAD.has(row.health) && before !== undefined && !BAD.has(before)) {
              const title = `${row.name} turned ${row.health === "unhealthy" ? "unhealthy" : "partly unhealthy"} while intercepted`;
              const text = row.topFinding ?? "The load balancer's health checks fail: it may stop sending traffic to these pods for everyone.";
              toasts.push({ id: `t${++toastSeq}`, tone: "unhealthy", title, text, service: row.key });
              notify(title, text);
            }
          }
        }
      }
      if (progress) next.progress = progress;
      if (health) next.interceptedHealth = health;
      const stale = (t: Toast) => t.tone === "unhealthy" && t.service !== null && recovered.has(t.service);
      if (toasts.length > 0 || state.toasts.some(stale)) next.toasts = [...state.toasts, ...toasts].filter((t) => !stale(t)).slice(-4);
      return next;
    });
  },
}));

let boundApi: SwitchboardApi | null = null;
let bound: InterceptActions | null = null;

function toErrorValue(error: unknown): ErrorValue {
  const e = error as Partial<ErrorValue> & { message?: string };
  return { code: e.code ?? "internal", message: e.message ?? String(error), ...(e.hint ? { hint: e.hint } : {}), ...(e.details ? { details: e.details } : {}) };
}

/** The actions of the intercepts slice (store.ts spreads them into the app's actions). */
export function createInterceptActions(api: SwitchboardApi) {
  boundApi = api;
  const set = useIntercepts.setState;
  const guarded = async <T>(call: () => Promise<T>): Promise<T | null> => {
    set({ error: null });
    try {
      return await call();
    } catch (error) {
      set({ error: toErrorValue(error) });
      return null;
    }
  };
  const keep = (status: TelepresenceStatusView | null) => {
    if (status) set({ telepresence: status });
    return status;
  };
  const actions = {
    async loadTelepresence(refresh = false) {
      try {
        keep(await api["telepresence.status"]({ refresh }));
      } catch {
        // The status carries its own errors; a failing call means the host is gone (the status bar says so).
      }
    },
    connectTelepresence(docker = false) {
      return guarded(() => api["telepresence.connect"]({ docker })).then(keep);
    },
    /** Opens a terminal running `telepresence connect` for the sudo password; resolves to what opened. */
    connectInTerminal() {
      return guarded(() => api["telepresence.connectInTerminal"]({}));
    },
    disconnectTelepresence() {
      return guarded(() => api["telepresence.quit"]({})).then(keep);
    },
    /** Never sets the slice's error: a preview that fails says why in its answer. */
    previewIntercept(spec: InterceptSpec): Promise<InterceptPreview> {
      return api["intercepts.preview"](spec);
    },
    async startIntercept(spec: InterceptSpec): Promise<InterceptStartResult | null> {
      // Asked during a click: the one moment a permission prompt is welcome.
      try {
        if (typeof Notification !== "undefined" && Notification.permission === "default") void Notification.requestPermission();
      } catch {
        // no Notification API
      }
      const result = await guarded(() => api["intercepts.start"](spec));
      if (result) keep(result.status);
      return result;
    },
    stopIntercept(namespace: string, name: string) {
      return guarded(() => api["intercepts.stop"]({ namespace, name })).then(keep);
    },
    leaveAllIntercepts() {
      return guarded(() => api["intercepts.leaveAll"]({})).then(keep);
    },
    dismissToast(id: string) {
      set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
    },
  };
  bound = actions;
  return actions;
}

export type InterceptActions = ReturnType<typeof createInterceptActions>;

/** The actions bound to the app's api (components deep in the tree use this instead of prop drilling). */
export function interceptActions(): InterceptActions | null {
  if (!boundApi) return null;
  bound ??= createInterceptActions(boundApi);
  return bound;
}
