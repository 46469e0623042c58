// The services slice: the service list, the open service's detail, where health comes from, and the
// fix a user asked for. Fed only by contract answers (services.list, services.get) and event batches
// (`services`, `service`, `health-source`). Row objects keep their identity until the core sends a
// new version of that row, so memoised rows re-render only when they changed.
import { create } from "zustand";
import type { HealthSource, ServiceDetail, ServicesState, ServiceSummary, SwitchboardApi, SwitchboardEvent } from "../../app/contract/api.ts";
import type { ErrorValue } from "../../app/contract/errors.ts";
import type { Finding, Fix, TelepresenceView } from "../../app/contract/model.ts";

export type LoadStatus = "idle" | "loading" | "ready" | "error";

/** A fix the user asked for from a finding; the strategy wizard / intercept panel acts on it. */
export interface FixRequest {
  /** Service key "namespace/name" the finding is about (null for a cluster-wide finding). */
  service: string | null;
  finding: Finding;
  fix: Fix;
  /** ISO time of the request. */
  at: string;
}

export interface OpenPanels {
  intercept: string | null;
  strategy: string | null;
}

export interface ServicesSlice {
  listStatus: LoadStatus;
  listError: ErrorValue | null;
  /** Which context/namespace the rows belong to (events for another one are stale and ignored). */
  context: string | null;
  namespace: string | null;
  /** Rows by key; each object is replaced only when the core sends a new version of it. */
  byKey: ReadonlyMap<string, ServiceSummary>;
  /** All rows sorted by name (the array changes on every batch, its objects do not). */
  rows: readonly ServiceSummary[];
  healthSource: HealthSource | null;
  unavailableKinds: ServicesState["unavailableKinds"];
  telepresence: TelepresenceView | null;

  /** The service whose detail is open ("namespace/name"), its detail once answered. */
  openKey: string | null;
  detail: ServiceDetail | null;
  detailStatus: LoadStatus;
  detailError: ErrorValue | null;

  /** Most recently opened services of the current context, newest first (persisted). */
  recent: readonly string[];

  /** The last fix the user asked for; the panel it opens stays until closed. */
  fixRequest: FixRequest | null;

  /** Which service's Intercept panel and strategy wizard are open (the cards' buttons and the palette share it). */
  openPanels: OpenPanels;

  apply(events: SwitchboardEvent[]): void;
}

const RECENT_KEY = "switchboard.recentServices.v1";
export const RECENT_LIMIT = 5;
const NO_KINDS: ServicesState["unavailableKinds"] = [];

function storage(): Storage | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null;
  }
}

/** Recently opened services per context, from localStorage (unreadable data counts as none). */
export function loadRecent(context: string | null): string[] {
  if (!context) return [];
  try {
    const all = JSON.parse(storage()?.getItem(RECENT_KEY) ?? "{}") as Record<string, unknown>;
    const list = all[context];
    return Array.isArray(list) ? list.filter((k): k is string => typeof k === "string").slice(0, RECENT_LIMIT) : [];
  } catch {
    return [];
  }
}

function saveRecent(context: string, recent: readonly string[]): void {
  const store = storage();
  if (!store) return;
  let all: Record<string, unknown>;
  try {
    all = JSON.parse(store.getItem(RECENT_KEY) ?? "{}") as Record<string, unknown>;
  } catch {
    all = {};
  }
  all[context] = recent;
  try {
    store.setItem(RECENT_KEY, JSON.stringify(all));
  } catch {
    // A full or disabled storage only loses the pins.
  }
}

const byName = (a: ServiceSummary, b: ServiceSummary) => a.name.localeCompare(b.name) || a.namespace.localeCompare(b.namespace);

function sortedRows(map: ReadonlyMap<string, ServiceSummary>): ServiceSummary[] {
  return [...map.values()].sort(byName);
}

/** Same content ⇒ keep the old object, so a re-sent but unchanged row does not re-render. */
function sameSummary(a: ServiceSummary, b: ServiceSummary): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export const initialServicesState = {
  listStatus: "idle" as LoadStatus,
  listError: null,
  context: null,
  namespace: null,
  byKey: new Map<string, ServiceSummary>() as ReadonlyMap<string, ServiceSummary>,
  rows: [] as readonly ServiceSummary[],
  healthSource: null,
  unavailableKinds: NO_KINDS,
  telepresence: null,
  openKey: null,
  detail: null,
  detailStatus: "idle" as LoadStatus,
  detailError: null,
  recent: [] as readonly string[],
  fixRequest: null,
  openPanels: { intercept: null, strategy: null } as OpenPanels,
} satisfies Omit<ServicesSlice, "apply">;

export const useServices = create<ServicesSlice>()((set) => ({
  ...initialServicesState,
  apply(events) {
    set((state) => {
      let byKey: Map<string, ServiceSummary> | null = null;
      const next: Partial<ServicesSlice> = {};
      let context = state.context;
      let namespace = state.namespace;
      for (const event of events) {
        if (event.type === "services") {
          if (event.reset) {
            byKey = new Map();
            context = event.context;
            namespace = event.namespace;
            next.listStatus = "ready";
            next.listError = null;
          } else if (event.context !== context || event.namespace !== namespace) {
            continue; // a batch for a list we no longer show
          }
          byKey ??= new Map(state.byKey);
          for (const key of event.removed) byKey.delete(key);
          for (const row of event.upserts) {
            const old = byKey.get(row.key);
            byKey.set(row.key, old && sameSummary(old, row) ? old : row);
          }
        } else if (event.type === "service") {
          if (event.detail.summary.key === state.openKey) {
            next.detail = event.detail;
            next.detailStatus = "ready";
            next.detailError = null;
          }
        } else if (event.type === "health-source") {
          next.healthSource = event.healthSource;
        }
      }
      if (byKey) {
        next.byKey = byKey;
        next.rows = sortedRows(byKey);
        if (context !== state.context) {
          next.context = context;
          next.recent = loadRecent(context);
        }
        if (namespace !== state.namespace) next.namespace = namespace;
      }
      return next;
    });
  },
}));

/** The actions of the services slice: each is one contract call whose answer goes into the slice. */
export function createServiceActions(api: SwitchboardApi) {
  const set = useServices.setState;
  const get = useServices.getState;
  let listGeneration = 0;
  let detailGeneration = 0;

  const fetchDetail = async (key: string, namespace: string, name: string) => {
    const generation = ++detailGeneration;
    try {
      const detail = await api["services.get"]({ namespace, name });
      if (generation !== detailGeneration || get().openKey !== key) return;
      set({ detail, detailStatus: "ready", detailError: null });
    } catch (error) {
      if (generation !== detailGeneration || get().openKey !== key) return;
      set({ detailStatus: "error", detailError: toErrorValue(error) });
    }
  };

  return {
    /** Reads the whole list once (after connecting, switching namespace or the link coming back). */
    async loadServices() {
      const generation = ++listGeneration;
      set((s) => ({ listStatus: s.listStatus === "ready" ? "ready" : "loading", listError: null }));
      try {
        const answer = await api["services.list"]({});
        if (generation !== listGeneration) return;
        const old = get().byKey;
        const byKey = new Map<string, ServiceSummary>();
        for (const row of answer.services) {
          const prev = old.get(row.key);
          byKey.set(row.key, prev && sameSummary(prev, row) ? prev : row);
        }
        set((s) => ({
          listStatus: "ready",
          listError: null,
          context: answer.context,
          namespace: answer.namespace,
          byKey,
          rows: sortedRows(byKey),
          healthSource: answer.healthSource,
          unavailableKinds: answer.unavailableKinds,
          telepresence: answer.telepresence,
          recent: answer.context === s.context && s.recent.length > 0 ? s.recent : loadRecent(answer.context),
        }));
      } catch (error) {
        if (generation !== listGeneration) return;
        set({ listStatus: "error", listError: toErrorValue(error) });
      }
    },

    /** Opens a service's detail: remembers it as recent (pinned at the top) and asks services.get. */
    openService(key: string) {
      const row = get().byKey.get(key);
      const [namespace, name] = row ? [row.namespace, row.name] : splitKey(key);
      const context = get().context;
      const recent = [key, ...get().recent.filter((k) => k !== key)].slice(0, RECENT_LIMIT);
      if (context) saveRecent(context, recent);
      const keep = get().detail?.summary.key === key;
      set({ openKey: key, recent, detail: keep ? get().detail : null, detailStatus: keep ? "ready" : "loading", detailError: null });
      return fetchDetail(key, namespace, name);
    },

    /** Asks for the open detail again (after an error, or the link coming back). */
    reloadService() {
      const key = get().openKey;
      if (!key) return Promise.resolve();
      const [namespace, name] = splitKey(key);
      set({ detailStatus: get().detail ? "ready" : "loading", detailError: null });
      return fetchDetail(key, namespace, name);
    },

    closeService() {
      detailGeneration++;
      set({ openKey: null, detail: null, detailStatus: "idle", detailError: null });
    },

    /** Removes a service from the recently opened pins. */
    unpin(key: string) {
      const context = get().context;
      const recent = get().recent.filter((k) => k !== key);
      if (context) saveRecent(context, recent);
      set({ recent });
    },

    /**
     * A finding's Fix button: records what the user asked for and opens the fix panel. The strategy
     * wizard and the intercept panel (next step) read `fixRequest` and act on it.
     */
    requestFix(finding: Finding, fix: Fix) {
      const service = finding.service ? `${finding.service.namespace ?? ""}/${finding.service.name}` : null;
      set({ fixRequest: { service, finding, fix, at: new Date().toISOString() } });
    },

    closeFix() {
      set({ fixRequest: null });
    },

    /** A new context or namespace: forget the old rows (events for the new list follow). */
    resetServices() {
      listGeneration++;
      detailGeneration++;
      set({ ...initialServicesState, byKey: new Map(), recent: [] });
    },
  };
}

/** Opens (service key) or closes (null) a service's Intercept panel or strategy wizard; no api involved. */
export function setOpenPanel(panel: keyof OpenPanels, service: string | null): void {
  useServices.setState((s) => ({ openPanels: { ...s.openPanels, [panel]: service } }));
}

export type ServiceActions = ReturnType<typeof createServiceActions>;

function splitKey(key: string): [string, string] {
  const slash = key.indexOf("/");
  return slash < 0 ? ["", key] : [key.slice(0, slash), key.slice(slash + 1)];
}

function toErrorValue(error: unknown): ErrorValue {
  const e = error as Partial<ErrorValue> & { message?: string };
  return { code: e.code ?? "internal", message: e.message ?? String(error), ...(e.hint ? { hint: e.hint } : {}) };
}
