// The UI's state: fed only by contract events and call results, never computed from Kubernetes.
import { create } from "zustand";
import type { AppInfo, ConnectionState, ContextsView, SwitchboardApi, SwitchboardEvent } from "../../app/contract/api.ts";
import type { ErrorValue } from "../../app/contract/errors.ts";
import { createServiceActions, useServices } from "./services-store.ts";
import { createInterceptActions, useIntercepts } from "./intercepts-store.ts";
import { createSettingsActions, useSettings } from "./settings-store.ts";
import { createStrategyActions, useStrategies } from "./strategies-store.ts";
import { createTourActions, useTour } from "./tour/tour-store.ts";

export interface SwitchboardState {
  info: AppInfo | null;
  contexts: ContextsView | null;
  connection: ConnectionState | null;
  namespaces: string[];
  /** The link to the host (the browser host's WebSocket); false while it is down. */
  linkUp: boolean;
  /** The last call that failed (a refused selection, a lost host), shown until the next success. */
  callError: ErrorValue | null;
  /**
   * Someone asked to (re)play the onboarding tour (the command palette's "Replay the tour"): the tour
   * starts when this turns true and sets it back to false.
   */
  tourRequested: boolean;
  startTour(): void;
  apply(events: SwitchboardEvent[]): void;
}

export const useSwitchboard = create<SwitchboardState>()((set) => ({
  info: null,
  contexts: null,
  connection: null,
  namespaces: [],
  linkUp: false,
  callError: null,
  tourRequested: false,
  startTour: () => set({ tourRequested: true }),
  apply(events) {
    // Settings (settings-store.ts).
    if (events.some((e) => e.type === "settings")) useSettings.getState().apply(events);
    // Service events belong to the services slice (services-store.ts): one entry point for the host.
    if (events.some((e) => e.type === "services" || e.type === "service" || e.type === "health-source")) {
      useServices.getState().apply(events);
    }
    // Telepresence state and progress; service rows too (it toasts when an intercepted one turns unhealthy).
    if (events.some((e) => e.type === "intercepts" || e.type === "intercept-progress" || e.type === "services" || e.type === "service")) {
      useIntercepts.getState().apply(events);
    }
    // Health strategy progress and the operations journal (strategies-store.ts).
    if (events.some((e) => e.type === "strategies" || e.type === "strategy-progress")) useStrategies.getState().apply(events);
    // The tour's local server and the requests that reach it (tour/tour-store.ts).
    if (events.some((e) => e.type === "local-server" || e.type === "local-request")) useTour.getState().apply(events);
    set((state) => {
      const next: Partial<SwitchboardState> = {};
      for (const event of events) {
        if (event.type === "contexts") next.contexts = event.contexts;
        else if (event.type === "connection") next.connection = newer(state.connection, event.connection);
        else if (event.type === "namespaces") next.namespaces = event.namespaces;
      }
      return next;
    });
  },
}));

/** Answers and events can cross: keep whichever connection state is more recent. */
function newer(current: ConnectionState | null, incoming: ConnectionState): ConnectionState {
  if (!current) return incoming;
  return incoming.since >= current.since ? incoming : current;
}

function toErrorValue(error: unknown): ErrorValue {
  const e = error as Partial<ErrorValue> & { message?: string };
  return { code: e.code ?? "internal", message: e.message ?? String(error), ...(e.hint ? { hint: e.hint } : {}) };
}

/** The actions: each is one contract call whose answer goes into the store. */
export function createActions(api: SwitchboardApi) {
  const set = useSwitchboard.setState;
  const guard = async <T>(call: () => Promise<T>, apply: (value: T) => void) => {
    try {
      const value = await call();
      apply(value);
      set({ callError: null });
    } catch (error) {
      set({ callError: toErrorValue(error) });
    }
  };
  const setConnection = (connection: ConnectionState) =>
    set((state) => ({ connection: newer(state.connection, connection) }));

  const intercepts = createInterceptActions(api);
  const settings = createSettingsActions(api);
  const strategies = createStrategyActions(api);
  return {
    ...createServiceActions(api),
    ...intercepts,
    ...settings,
    /** The onboarding tour's calls (playground.*; "do it for me" goes through the slices above). */
    ...createTourActions(api),
    /** Reads everything once (at start and after the host link comes back); events do the rest. */
    async sync() {
      await guard(() => api["app.info"]({}), (info) => set({ info }));
      await guard(() => api["contexts.list"]({}), (contexts) => set({ contexts }));
      await guard(() => api["session.get"]({}), setConnection);
      void intercepts.loadTelepresence();
      void settings.loadSettings();
      void strategies.loadOperations();
      if (useSwitchboard.getState().connection?.phase === "connected") {
        await guard(() => api["namespaces.list"]({}), ({ namespaces }) => set({ namespaces }));
      }
    },
    selectContext(context: string) {
      return guard(() => api["session.select"]({ context }), setConnection);
    },
    selectNamespace(context: string, namespace: string) {
      return guard(() => api["session.select"]({ context, namespace }), setConnection);
    },
    reconnect() {
      return guard(() => api["session.reconnect"]({}), setConnection);
    },
  };
}

export type Actions = ReturnType<typeof createActions>;
