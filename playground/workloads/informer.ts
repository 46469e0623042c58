// A list-then-watch cache of one kind, like client-go's informer: controllers read from memory and
// react to changes. `upsert` lets a controller put the answer of its own write into the cache at
// once, so it does not act twice on a stale view (a newer resourceVersion always wins).
import type { ClusterClient, KubeObject, ListOptions, ResourceRef, WatchEvent } from "../cluster/client.ts";

export type InformerHandler<T> = (type: WatchEvent["type"], obj: T, old: T | undefined) => void;

function rvNewer(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return true;
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return BigInt(a) >= BigInt(b);
  return true;
}

export function keyOf(obj: { metadata: { namespace?: string; name: string } }): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name;
}

export class Informer<T extends KubeObject> {
  readonly #client: ClusterClient;
  readonly #res: ResourceRef;
  readonly #options: ListOptions;
  readonly #handlers: InformerHandler<T>[] = [];
  readonly #cache = new Map<string, T>();
  readonly #deleted = new Set<string>();
  #stopWatch: (() => void) | undefined;
  #stopped = false;

  constructor(client: ClusterClient, res: ResourceRef, options: ListOptions = {}) {
    this.#client = client;
    this.#res = res;
    this.#options = options;
  }

  on(handler: InformerHandler<T>): this {
    this.#handlers.push(handler);
    return this;
  }

  async start(): Promise<void> {
    const list = await this.#client.list<T>(this.#res, this.#options);
    if (this.#stopped) return;
    for (const item of list.items) this.#apply("ADDED", item);
    this.#stopWatch = this.#client.watch<T>(this.#res, { ...this.#options, resourceVersion: list.resourceVersion }, (ev) => {
      if (!this.#stopped) this.#apply(ev.type, ev.object);
    });
  }

  stop(): void {
    this.#stopped = true;
    this.#stopWatch?.();
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.#cache.get(namespace ? `${namespace}/${name}` : name);
  }

  values(): IterableIterator<T> {
    return this.#cache.values();
  }

  get size(): number {
    return this.#cache.size;
  }

  /** Records the result of this controller's own write (ignored if the cache already has newer). */
  upsert(obj: T): void {
    this.#apply("MODIFIED", obj, true);
  }

  /** Records this controller's own delete. */
  remove(obj: T): void {
    this.#apply("DELETED", obj, true);
  }

  #apply(type: WatchEvent["type"], obj: T, own = false): void {
    const key = keyOf(obj);
    const old = this.#cache.get(key);
    const uid = obj.metadata.uid;
    if (type === "DELETED") {
      if (!old || (uid && old.metadata.uid !== uid)) {
        if (uid) this.#deleted.add(uid);
        return;
      }
      this.#cache.delete(key);
      if (uid) this.#deleted.add(uid);
      this.#emit("DELETED", obj, old);
      return;
    }
    if (uid && this.#deleted.has(uid)) return;
    if (old && old.metadata.uid === uid && !rvNewer(obj.metadata.resourceVersion, old.metadata.resourceVersion)) return;
    if (own && old && old.metadata.resourceVersion === obj.metadata.resourceVersion) return;
    this.#cache.set(key, obj);
    this.#emit(old ? "MODIFIED" : "ADDED", obj, old);
  }

  #emit(type: WatchEvent["type"], obj: T, old: T | undefined): void {
    for (const h of this.#handlers) h(type, obj, old);
  }
}

/** Runs `fn(key)` at most once at a time per key, coalescing requests that arrive meanwhile. */
export class WorkQueue {
  readonly #fn: (key: string) => Promise<void>;
  readonly #pending = new Set<string>();
  readonly #running = new Set<string>();
  readonly #again = new Set<string>();
  readonly #onError: (key: string, err: unknown) => void;
  #scheduled = false;
  #stopped = false;

  readonly #batchMs: number;
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;

  /** `batchMs` > 0 gathers keys for that long before running (like the endpoints controller's batch period). */
  constructor(fn: (key: string) => Promise<void>, onError: (key: string, err: unknown) => void, batchMs = 0) {
    this.#fn = fn;
    this.#onError = onError;
    this.#batchMs = batchMs;
  }

  add(key: string): void {
    if (this.#stopped) return;
    if (this.#running.has(key)) {
      this.#again.add(key);
      return;
    }
    this.#pending.add(key);
    if (!this.#scheduled) {
      this.#scheduled = true;
      if (this.#batchMs > 0) this.#timer = setTimeout(() => this.#drain(), this.#batchMs);
      else this.#immediate = setImmediate(() => this.#drain());
    }
  }

  stop(): void {
    this.#stopped = true;
    this.#pending.clear();
    this.#again.clear();
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
  }

  #drain(): void {
    this.#scheduled = false;
    this.#timer = undefined;
    this.#immediate = undefined;
    const keys = [...this.#pending];
    this.#pending.clear();
    for (const key of keys) {
      this.#running.add(key);
      this.#fn(key)
        .catch((err: unknown) => {
          if (!this.#stopped) this.#onError(key, err);
        })
        .finally(() => {
          this.#running.delete(key);
          if (this.#again.delete(key)) this.add(key);
        });
    }
  }
}
