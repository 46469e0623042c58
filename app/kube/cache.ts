// A live cache of the kinds a session watches, in one namespace (or all): client-go informer semantics
// written out, because client-node's ListWatch stops for good on an ordinary error (see its
// `doneHandler`: only 410 and client timeouts restart) and has no per-kind "not installed"/"forbidden".
//
// Per kind, a reflector loops: list (paged) → replace the store, diffing so only real changes are
// signalled → watch from the list's resourceVersion with bookmarks → on a clean end, watch again from
// the last resourceVersion → on 410 Gone (status or ERROR event), list again → on any other error, back
// off exponentially with jitter and list again (nothing stale survives a relist).
// A 404 on a CRD's list is "not installed" and a 403 is "forbidden": both are per-kind states, the
// other kinds stay live, and both are re-checked slowly (a CRD can be installed, RBAC granted).
//
// Changes are coalesced: every change within `coalesceMs` becomes ONE notification naming the kinds
// and objects that changed, so a consumer re-derives only those.
import type { ErrorValue } from "../contract/errors.ts";
import { SwitchboardError } from "../contract/errors.ts";
import type { KubeClient, WatchEvent } from "./client.ts";
import { apiVersionOf, collectionPath, DEFAULT_KINDS, type KindSpec } from "./kinds.ts";

/** A Kubernetes object as JSON (what the API server sent, minus managedFields). */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export type KindPhase = "pending" | "listing" | "live" | "backoff" | "not-installed" | "forbidden";

export interface KindState {
  phase: KindPhase;
  /** Set in backoff (the last failure), not-installed and forbidden. */
  error: ErrorValue | null;
  /** Objects held. */
  count: number;
  /** resourceVersion the watch resumes from. */
  resourceVersion: string;
  /** Lists done (the first one + every relist), for diagnostics and tests. */
  lists: number;
}

/** One coalesced notification: which objects changed, per kind ("namespace/name" keys). */
export interface CacheChange {
  /** Increases by one per notification. */
  seq: number;
  objects: Record<string, { upserted: string[]; deleted: string[] }>;
  /** Kinds whose KindState phase changed (e.g. live → backoff, → not-installed). */
  kinds: string[];
  /** Set by a session after a namespace switch: drop everything derived before, re-derive all. */
  reset?: boolean;
}

/** Plain data for the model: every watched kind's objects (read-only: shared, not copied). */
export interface Snapshot {
  namespace: string | null;
  objects: Record<string, readonly KubeObject[]>;
  kinds: Record<string, KindState>;
}

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export interface WatchCacheOptions {
  /** One namespace, or null for all namespaces. */
  namespace: string | null;
  kinds?: readonly KindSpec[];
  /** The coalescing window of change notifications. */
  coalesceMs?: number;
  backoff?: BackoffOptions;
  /** How often a not-installed or forbidden kind is checked again. */
  recheckMs?: number;
  /** Server-side watch timeout; a fresh watch (from the last resourceVersion) follows. */
  watchTimeoutSeconds?: number;
  /** End a watch on which nothing (not even a bookmark) arrived for this long, and resume it. */
  watchIdleTimeoutMs?: number;
  /** Page size of lists. */
  pageSize?: number;
}

type Client = Pick<KubeClient, "request" | "watch">;

interface ListResponse {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: KubeObject[];
}

/** Full-jitter exponential back-off (AWS architecture blog; client-go's wait.Backoff with jitter). */
export function backoffDelay(attempt: number, { baseMs, maxMs }: BackoffOptions, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

function keyOf(obj: KubeObject): string {
  return `${obj.metadata.namespace ?? ""}/${obj.metadata.name}`;
}

/** The annotation kubectl apply writes holds a whole second copy of the object: dropped to save memory. */
const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

/** Keeps one lean copy: no managedFields, no last-applied copy; list items get apiVersion/kind back. */
function lean(obj: KubeObject, spec: KindSpec): KubeObject {
  const meta = obj.metadata;
  if (meta) {
    delete meta.managedFields;
    if (meta.annotations && LAST_APPLIED in meta.annotations) delete meta.annotations[LAST_APPLIED];
  }
  // List items come without apiVersion/kind; the model should not have to know where they came from.
  obj.apiVersion ??= apiVersionOf(spec);
  obj.kind ??= spec.kind;
  return obj;
}

class Reflector {
  readonly spec: KindSpec;
  readonly store = new Map<string, KubeObject>();
  state: KindState = { phase: "pending", error: null, count: 0, resourceVersion: "", lists: 0 };
  #array: readonly KubeObject[] | null = null;
  #abort = new AbortController();
  #wake: (() => void) | null = null;
  #attempt = 0;
  /** 410s in a row without a good event in between. */
  #gones = 0;
  #stopped = false;
  readonly #cache: WatchCache;

  constructor(spec: KindSpec, cache: WatchCache) {
    this.spec = spec;
    this.#cache = cache;
  }

  list(): readonly KubeObject[] {
    this.#array ??= [...this.store.values()];
    return this.#array;
  }

  start(): void {
    void this.#run();
  }

  stop(): void {
    this.#stopped = true;
    this.#abort.abort();
    this.#wake?.();
  }

  /** Drops the current watch or back-off and lists again now. */
  reconnect(): void {
    this.#attempt = 0;
    this.state.resourceVersion = "";
    this.#abort.abort();
    this.#wake?.();
  }

  #setPhase(phase: KindPhase, error: ErrorValue | null): void {
    const changed = this.state.phase !== phase || JSON.stringify(this.state.error) !== JSON.stringify(error);
    this.state = { ...this.state, phase, error };
    if (changed) this.#cache.kindChanged(this.spec.key);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        this.#wake = null;
        done();
      };
    });
  }

  #upsert(obj: KubeObject): void {
    const key = keyOf(obj);
    const prev = this.store.get(key);
    if (prev && prev.metadata.resourceVersion === obj.metadata.resourceVersion && obj.metadata.resourceVersion) return;
    this.store.set(key, lean(obj, this.spec));
    this.#array = null;
    this.#cache.objectChanged(this.spec.key, key, false);
  }

  #delete(obj: KubeObject): void {
    const key = keyOf(obj);
    if (!this.store.delete(key)) return;
    this.#array = null;
    this.#cache.objectChanged(this.spec.key, key, true);
  }

  async #listAll(signal: AbortSignal): Promise<{ items: KubeObject[]; resourceVersion: string }> {
    const opts = this.#cache.options;
    const items: KubeObject[] = [];
    let cont: string | undefined;
    let resourceVersion: string;
    do {
      const page = await this.#cache.client.request<ListResponse>({
        path: collectionPath(this.spec, opts.namespace),
        query: { limit: opts.pageSize, continue: cont },
        ctx: { verb: "list", resource: this.spec.plural, group: this.spec.group, ...(opts.namespace ? { namespace: opts.namespace } : {}) },
        signal,
      });
      for (const item of page.items ?? []) items.push(item);
      resourceVersion = page.metadata?.resourceVersion ?? "";
      cont = page.metadata?.continue || undefined;
    } while (cont);
    return { items, resourceVersion };
  }

  /** Replaces the store with a fresh list, signalling only what differs. */
  #replace(items: KubeObject[], resourceVersion: string): void {
    const seen = new Set<string>();
    for (const item of items) {
      seen.add(keyOf(item));
      this.#upsert(item);
    }
    for (const [key, obj] of [...this.store]) if (!seen.has(key)) this.#delete(obj);
    this.state = { ...this.state, resourceVersion, lists: this.state.lists + 1 };
  }

  async #afterGone(): Promise<void> {
    if (++this.#gones > 1) await this.#sleep(backoffDelay(this.#attempt++, this.#cache.options.backoff));
  }

  #onEvent(event: WatchEvent, outcome: { gone: boolean; failure: SwitchboardError | null; events: number }): void {
    outcome.events++;
    if (event.type === "ERROR") {
      const status = event.object as { code?: number; message?: string; reason?: string };
      if (status.code === 410) outcome.gone = true;
      else
        outcome.failure = new SwitchboardError(
          "unreachable",
          `The watch on ${this.spec.plural} failed: ${status.message ?? status.reason ?? "unknown error"}.`,
          "Switchboard lists again by itself.",
          { status: status.code, resource: this.spec.plural },
        );
      this.#abort.abort();
      return;
    }
    const obj = event.object as unknown as KubeObject;
    if (!obj?.metadata) return;
    // A BOOKMARK carries only a resourceVersion: resume from there, nothing changed.
    if (event.type === "DELETED") this.#delete(obj);
    else if (event.type !== "BOOKMARK") this.#upsert(obj);
    if (obj.metadata.resourceVersion) this.state.resourceVersion = obj.metadata.resourceVersion;
    this.#attempt = 0;
    this.#gones = 0;
  }

  async #run(): Promise<void> {
    const opts = this.#cache.options;
    while (!this.#stopped) {
      this.#abort = new AbortController();
      const signal = this.#abort.signal;
      try {
        if (!this.state.resourceVersion) {
          if (this.state.phase === "pending") this.#setPhase("listing", null);
          const { items, resourceVersion } = await this.#listAll(signal);
          if (signal.aborted) continue;
          this.#replace(items, resourceVersion);
          this.#attempt = 0;
        }
        this.state.count = this.store.size;
        this.#setPhase("live", null);
        const outcome: { gone: boolean; failure: SwitchboardError | null; events: number } = { gone: false, failure: null, events: 0 };
        const started = Date.now();
        const end = await this.#cache.client.watch({
          path: collectionPath(this.spec, opts.namespace),
          query: {
            resourceVersion: this.state.resourceVersion,
            timeoutSeconds: opts.watchTimeoutSeconds,
          },
          ctx: { resource: this.spec.plural, group: this.spec.group, ...(opts.namespace ? { namespace: opts.namespace } : {}) },
          signal,
          idleTimeoutMs: opts.watchIdleTimeoutMs,
          onEvent: (event: WatchEvent) => this.#onEvent(event, outcome),
        });
        if (this.#stopped) break;
        if (outcome.gone) {
          // 410: our resourceVersion is older than the server's history: list again at once
          // (and, should a server answer 410 to every fresh list's version, not in a tight loop).
          this.state.resourceVersion = "";
          await this.#afterGone();
          continue;
        }
        if (outcome.failure) throw outcome.failure;
        if (end === "aborted") continue; // reconnect(): resourceVersion was cleared, list again
        const served = Date.now() - started;
        if (end === "idle" || served >= opts.watchTimeoutSeconds * 1000 - 1000) {
          // Our idle timeout or the server's timeoutSeconds: resume from our resourceVersion.
          continue;
        }
        // The server ended the watch early: it is shutting down or restarting, or a proxy cut the
        // stream. client-go would resume; a restarted server may be a different one (restored etcd,
        // a playground started afresh on the same port) whose history happens to accept our version
        // and replays only part of the truth. Listing again costs one list and leaves nothing stale.
        this.state.resourceVersion = "";
        if (outcome.events === 0 && served < 1000) {
          // …and a watch that ends at once with nothing must not spin.
          await this.#sleep(backoffDelay(this.#attempt++, opts.backoff));
        }
      } catch (err) {
        if (this.#stopped) break;
        if (signal.aborted) continue; // reconnect() dropped the request on purpose
        const error = err instanceof SwitchboardError ? err : new SwitchboardError("internal", String(err));
        const status = (error.details?.status as number | undefined) ?? 0;
        this.state.resourceVersion = "";
        if (status === 410) {
          await this.#afterGone();
          continue;
        }
        if (error.code === "not-installed" && this.spec.optional) {
          this.#clear();
          this.#setPhase("not-installed", error.toValue());
          await this.#sleep(opts.recheckMs);
          continue;
        }
        if (error.code === "forbidden") {
          this.#clear();
          this.#setPhase("forbidden", error.toValue());
          await this.#sleep(opts.recheckMs);
          continue;
        }
        // Anything else (network, 5xx, auth): back off with jitter, then list again so nothing
        // missed while away stays stale.
        this.#setPhase("backoff", error.toValue());
        await this.#sleep(backoffDelay(this.#attempt++, opts.backoff));
      }
    }
  }

  /** A kind that turned not-installed or forbidden holds nothing (its objects are no longer known). */
  #clear(): void {
    for (const obj of [...this.store.values()]) this.#delete(obj);
    this.state.count = 0;
  }
}

export type Resolved<T> = { [K in keyof T]-?: Exclude<T[K], undefined> };

export class WatchCache {
  readonly client: Client;
  readonly options: Resolved<Omit<WatchCacheOptions, "kinds">>;
  readonly #reflectors = new Map<string, Reflector>();
  readonly #listeners = new Set<(change: CacheChange) => void>();
  readonly #kindListeners = new Set<() => void>();
  #pending: Map<string, { upserted: Set<string>; deleted: Set<string> }> = new Map();
  #pendingKinds = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #seq = 0;
  #started = false;

  constructor(client: Client, options: WatchCacheOptions) {
    this.client = client;
    const watchTimeoutSeconds = options.watchTimeoutSeconds ?? 300 + Math.floor(Math.random() * 300);
    this.options = {
      namespace: options.namespace,
      coalesceMs: options.coalesceMs ?? 25,
      backoff: options.backoff ?? { baseMs: 500, maxMs: 30_000 },
      recheckMs: options.recheckMs ?? 60_000,
      watchTimeoutSeconds,
      // Real API servers send a bookmark about once a minute; 90 s of silence means a dead connection
      // (laptop slept, VPN dropped) much sooner than TCP keepalive would say so.
      watchIdleTimeoutMs: options.watchIdleTimeoutMs ?? 90_000,
      pageSize: options.pageSize ?? 500,
    };
    for (const spec of options.kinds ?? DEFAULT_KINDS) this.#reflectors.set(spec.key, new Reflector(spec, this));
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    for (const r of this.#reflectors.values()) r.start();
  }

  stop(): void {
    for (const r of this.#reflectors.values()) r.stop();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#listeners.clear();
    this.#kindListeners.clear();
  }

  /** Every kind lists again now (the user's "reconnect"); back-off is reset. */
  reconnect(): void {
    for (const r of this.#reflectors.values()) r.reconnect();
  }

  /** Coalesced change notifications. Returns an unsubscribe function. */
  onChange(listener: (change: CacheChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Called synchronously whenever a kind's phase changes (the session derives its connection state). */
  onKindState(listener: () => void): () => void {
    this.#kindListeners.add(listener);
    return () => this.#kindListeners.delete(listener);
  }

  kindStates(): Record<string, KindState> {
    const out: Record<string, KindState> = {};
    for (const [key, r] of this.#reflectors) out[key] = { ...r.state, count: r.store.size };
    return out;
  }

  specs(): KindSpec[] {
    return [...this.#reflectors.values()].map((r) => r.spec);
  }

  /** The objects of one kind (shared array, rebuilt only after that kind changed). */
  list(kind: string): readonly KubeObject[] {
    return this.#reflectors.get(kind)?.list() ?? [];
  }

  get(kind: string, namespace: string, name: string): KubeObject | undefined {
    return this.#reflectors.get(kind)?.store.get(`${namespace}/${name}`);
  }

  snapshot(): Snapshot {
    const objects: Record<string, readonly KubeObject[]> = {};
    for (const [key, r] of this.#reflectors) objects[key] = r.list();
    return { namespace: this.options.namespace, objects, kinds: this.kindStates() };
  }

  /** @internal reflectors report here */
  objectChanged(kind: string, key: string, deleted: boolean): void {
    let entry = this.#pending.get(kind);
    if (!entry) this.#pending.set(kind, (entry = { upserted: new Set(), deleted: new Set() }));
    if (deleted) {
      entry.upserted.delete(key);
      entry.deleted.add(key);
    } else {
      entry.deleted.delete(key);
      entry.upserted.add(key);
    }
    this.#schedule();
  }

  /** @internal */
  kindChanged(kind: string): void {
    this.#pendingKinds.add(kind);
    for (const l of this.#kindListeners) l();
    this.#schedule();
  }

  #schedule(): void {
    this.#timer ??= setTimeout(() => this.flush(), this.options.coalesceMs);
  }

  /** Delivers pending changes now (tests, and closing). */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.size === 0 && this.#pendingKinds.size === 0) return;
    const objects: CacheChange["objects"] = {};
    for (const [kind, { upserted, deleted }] of this.#pending) objects[kind] = { upserted: [...upserted], deleted: [...deleted] };
    const change: CacheChange = { seq: ++this.#seq, objects, kinds: [...this.#pendingKinds] };
    this.#pending = new Map();
    this.#pendingKinds = new Set();
    for (const l of this.#listeners) {
      try {
        l(change);
      } catch {
        // a broken consumer must not stop the others or the cache
      }
    }
  }
}
