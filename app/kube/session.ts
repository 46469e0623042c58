// A cluster session: one kubeconfig context, its HTTP client, and a live watch cache of one namespace.
// It owns the connection state the contract shows (connecting / connected / reconnecting / error) and
// hands the core plain snapshots plus coalesced change notifications.
//
//   const session = openSession({ kubeConfig: clientConfigFor(merged, ctx), context: ctx, namespace, env });
//   session.onConnection((state) => emit({ type: "connection", connection: state }));
//   session.onChange((change) => rederive(session.snapshot(), change));
//   ...; session.reconnect(); session.close();
import type { KubeConfig } from "@kubernetes/client-node";
import type { ConnectionPhase, ConnectionState } from "../contract/api.ts";
import { SwitchboardError, type ErrorCode, type ErrorValue } from "../contract/errors.ts";
import { KubeClient } from "./client.ts";
import { WatchCache, type CacheChange, type KindState, type Snapshot, type WatchCacheOptions } from "./cache.ts";

export interface SessionOptions extends Omit<WatchCacheOptions, "namespace"> {
  /** The merged kubeconfig (e.g. app/kube/kubeconfig.ts clientConfigFor); never written. */
  kubeConfig: KubeConfig;
  context: string;
  /** Namespace to watch; defaults to the context's namespace, then "default". null = all namespaces. */
  namespace?: string | null;
  /** Environment for exec credential plugins: the login shell's (PATH!). Defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** Deadline of a request (and of a watch until the server answers). Default 15 s. */
  requestTimeoutMs?: number;
  execTimeoutMs?: number;
}

/** Errors that will not go away by retrying: the phase is "error" even after having been connected. */
const PERSISTENT: ReadonlySet<ErrorCode> = new Set(["auth-plugin-missing", "auth-failed", "tls", "kubeconfig-invalid", "context-not-found"]);

/**
 * The connection phase from the kinds' states (pure, for tests):
 *  - every kind settled (live, not-installed, forbidden) → connected, unless every required kind is
 *    forbidden (then there is nothing to show: error);
 *  - some kind failing → error before the first connect or when retrying cannot help (auth, TLS),
 *    reconnecting after having been connected;
 *  - otherwise connecting (first time) or reconnecting.
 */
export function connectionPhase(
  kinds: Record<string, KindState>,
  required: readonly string[],
  everConnected: boolean,
): { phase: ConnectionPhase; error: ErrorValue | null } {
  const states = Object.values(kinds);
  const failing = states.find((s) => s.phase === "backoff");
  if (failing) {
    const error = failing.error;
    const persistent = error !== null && PERSISTENT.has(error.code);
    return { phase: persistent || !everConnected ? "error" : "reconnecting", error };
  }
  const settled = states.every((s) => s.phase === "live" || s.phase === "not-installed" || s.phase === "forbidden");
  if (settled) {
    const forbidden = required.map((k) => kinds[k]).filter((s) => s?.phase === "forbidden");
    if (required.length > 0 && forbidden.length === required.length) return { phase: "error", error: forbidden[0]!.error };
    return { phase: "connected", error: null };
  }
  return { phase: everConnected ? "reconnecting" : "connecting", error: null };
}

export class ClusterSession {
  readonly context: string;
  readonly client: KubeClient;
  #namespace: string | null;
  #cache: WatchCache;
  readonly #cacheOptions: Omit<WatchCacheOptions, "namespace">;
  #state: ConnectionState;
  #everConnected = false;
  #closed = false;
  #started = false;
  /** The next change notification after a namespace switch tells consumers to start over. */
  #reset = false;
  readonly #listeners = new Set<(state: ConnectionState) => void>();
  readonly #changeListeners = new Set<(change: CacheChange) => void>();

  constructor(options: SessionOptions) {
    this.client = new KubeClient({
      kubeConfig: options.kubeConfig,
      context: options.context,
      ...(options.env ? { env: options.env } : {}),
      ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
      ...(options.execTimeoutMs !== undefined ? { execTimeoutMs: options.execTimeoutMs } : {}),
    });
    this.context = options.context;
    this.#namespace = options.namespace === undefined ? (this.client.namespace ?? "default") : options.namespace;
    const { kubeConfig: _kc, context: _c, namespace: _n, env: _e, requestTimeoutMs: _r, execTimeoutMs: _x, ...cacheOptions } = options;
    this.#cacheOptions = cacheOptions;
    this.#cache = this.#newCache();
    this.#state = this.#make("connecting", null);
  }

  #newCache(): WatchCache {
    const cache = new WatchCache(this.client, { ...this.#cacheOptions, namespace: this.#namespace });
    cache.onKindState(() => this.#update());
    cache.onChange((change) => {
      const out = this.#reset ? { ...change, reset: true } : change;
      this.#reset = false;
      for (const l of this.#changeListeners) l(out);
    });
    return cache;
  }

  /** The namespace watched (null: all namespaces). */
  get namespace(): string | null {
    return this.#namespace;
  }

  /** The live cache (objects, kind states); replaced when the namespace changes. */
  get cache(): WatchCache {
    return this.#cache;
  }

  /**
   * Watches another namespace with the same client (credentials stay cached). The connection goes back
   * to "connecting"; the next change notification has `reset: true` (everything before is gone).
   */
  setNamespace(namespace: string | null): ConnectionState {
    if (namespace === this.#namespace) return this.#state;
    this.#cache.stop();
    this.#namespace = namespace;
    this.#everConnected = false;
    this.#reset = true;
    this.#cache = this.#newCache();
    this.#state = this.#make("connecting", null);
    for (const l of this.#listeners) l(this.#state);
    if (this.#started) this.#cache.start();
    return this.#state;
  }

  #make(phase: ConnectionPhase, error: ErrorValue | null): ConnectionState {
    return { phase, context: this.context, namespace: this.#namespace, since: new Date().toISOString(), error };
  }

  #update(): void {
    if (this.#closed) return;
    const required = this.#cache.specs().filter((s) => !s.optional).map((s) => s.key);
    const { phase, error } = connectionPhase(this.#cache.kindStates(), required, this.#everConnected);
    if (phase === "connected") this.#everConnected = true;
    const prev = this.#state;
    if (prev.phase === phase && JSON.stringify(prev.error) === JSON.stringify(error)) return;
    this.#state = this.#make(phase, error);
    for (const l of this.#listeners) l(this.#state);
  }

  start(): this {
    this.#started = true;
    this.#cache.start();
    return this;
  }

  connection(): ConnectionState {
    return this.#state;
  }

  /** Called on every connection phase (or error) change. */
  onConnection(listener: (state: ConnectionState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Coalesced: one call per window, naming the kinds and "namespace/name" keys that changed. */
  onChange(listener: (change: CacheChange) => void): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
  }

  /** Plain objects of every watched kind (shared, read-only), and each kind's state. */
  snapshot(): Snapshot {
    return this.#cache.snapshot();
  }

  /** Drops every watch and back-off and lists again now. */
  reconnect(): ConnectionState {
    if (this.#closed) throw new SwitchboardError("cancelled", "This cluster session was closed.", "Select the context again.");
    // The user may have just fixed their login (gcloud auth login): run the plugin again.
    this.client.resetCredentials();
    this.#cache.reconnect();
    return this.#state;
  }

  /**
   * Namespace names for a picker. A user who may not list namespaces still gets the context's own
   * namespace (like kubectl, which only needs access to the namespace it works in).
   */
  async listNamespaces(): Promise<string[]> {
    try {
      const list = await this.client.request<{ items?: Array<{ metadata: { name: string } }> }>({
        path: "/api/v1/namespaces",
        ctx: { verb: "list", resource: "namespaces", group: "" },
      });
      return (list.items ?? []).map((n) => n.metadata.name).sort();
    } catch (err) {
      if (err instanceof SwitchboardError && err.code === "forbidden") {
        return [...new Set([this.client.namespace ?? "default", ...(this.#namespace ? [this.#namespace] : [])])];
      }
      throw err;
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#cache.stop();
    this.client.close();
    this.#listeners.clear();
    this.#changeListeners.clear();
  }
}

/** Opens a session and starts its watches; the first state is "connecting". */
export function openSession(options: SessionOptions): ClusterSession {
  return new ClusterSession(options).start();
}
