// Label selectors for the controllers (own copy: controllers must run against any API server, so
// they do not import the playground API server's code), and an index from label to objects so
// that --scale 5000 does not make every pod event scan every Service.
import type { LabelSelector } from "./types.ts";

export function matchesSelector(labels: Record<string, string> | undefined, selector: LabelSelector | undefined): boolean {
  if (!selector) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(l, e.key);
    const values = e.values ?? [];
    switch (e.operator) {
      case "In": if (!has || !values.includes(l[e.key]!)) return false; break;
      case "NotIn": if (has && values.includes(l[e.key]!)) return false; break;
      case "Exists": if (!has) return false; break;
      case "DoesNotExist": if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

/** A Service-style selector (map); an empty map selects nothing here (Services without selector are skipped). */
export function matchesMap(labels: Record<string, string> | undefined, selector: Record<string, string>): boolean {
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector)) if (l[k] !== v) return false;
  return true;
}

/** namespace → "key=value" → keys of objects carrying that label. */
export class LabelIndex {
  readonly #index = new Map<string, Map<string, Set<string>>>();
  readonly #labelsOf = new Map<string, { namespace: string; pairs: string[] }>();

  set(key: string, namespace: string, labels: Record<string, string> | undefined): void {
    this.delete(key);
    const pairs = Object.entries(labels ?? {}).map(([k, v]) => `${k}=${v}`);
    this.#labelsOf.set(key, { namespace, pairs });
    let ns = this.#index.get(namespace);
    if (!ns) this.#index.set(namespace, (ns = new Map()));
    for (const p of pairs) {
      let set = ns.get(p);
      if (!set) ns.set(p, (set = new Set()));
      set.add(key);
    }
  }

  delete(key: string): void {
    const prev = this.#labelsOf.get(key);
    if (!prev) return;
    this.#labelsOf.delete(key);
    const ns = this.#index.get(prev.namespace);
    for (const p of prev.pairs) {
      const set = ns?.get(p);
      set?.delete(key);
      if (set && set.size === 0) ns!.delete(p);
    }
  }

  /** Keys of objects in `namespace` that carry the label `key=value`. */
  with(namespace: string, key: string, value: string): Set<string> {
    return this.#index.get(namespace)?.get(`${key}=${value}`) ?? new Set();
  }
}

/** uid of the controlling owner → keys of the objects it owns. */
export class OwnerIndex {
  readonly #byOwner = new Map<string, Set<string>>();
  readonly #ownerOf = new Map<string, string>();

  set(key: string, ownerUid: string | undefined): void {
    this.delete(key);
    if (!ownerUid) return;
    this.#ownerOf.set(key, ownerUid);
    let set = this.#byOwner.get(ownerUid);
    if (!set) this.#byOwner.set(ownerUid, (set = new Set()));
    set.add(key);
  }

  delete(key: string): void {
    const owner = this.#ownerOf.get(key);
    if (owner === undefined) return;
    this.#ownerOf.delete(key);
    const set = this.#byOwner.get(owner);
    set?.delete(key);
    if (set && set.size === 0) this.#byOwner.delete(owner);
  }

  owned(ownerUid: string | undefined): string[] {
    return ownerUid ? [...(this.#byOwner.get(ownerUid) ?? [])] : [];
  }
}
