// Equality of JSON-shaped values as JSON sees them, without building strings: the store and the
// kubelet compare objects on every write, which at --scale 5000 means hundreds of thousands of times.

/**
 * `JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b))` without building either string:
 * key order does not matter, properties whose value is undefined count as absent (JSON drops them),
 * and undefined array elements equal null (JSON writes them so).
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") {
    if (typeof a === "number" && typeof b === "number") return JSON.stringify(a) === JSON.stringify(b);
    return false;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) {
      const x = a[i] === undefined || typeof a[i] === "function" ? null : a[i];
      const y = bb[i] === undefined || typeof bb[i] === "function" ? null : bb[i];
      if (!jsonEqual(x, y)) return false;
    }
    return true;
  }
  const pa = Object.getPrototypeOf(a);
  const pb = Object.getPrototypeOf(b);
  if ((pa !== Object.prototype && pa !== null) || (pb !== Object.prototype && pb !== null)) {
    // Not plain JSON data (a Date, a class instance): compare what JSON makes of it.
    return JSON.stringify(a) === JSON.stringify(b);
  }
  const oa = a as Record<string, unknown>;
  const ob = b as Record<string, unknown>;
  let na = 0;
  for (const k in oa) {
    const x = oa[k];
    if (x === undefined || typeof x === "function") continue;
    na++;
    const y = ob[k];
    if (y === undefined || typeof y === "function" || !jsonEqual(x, y)) return false;
  }
  let nb = 0;
  for (const k in ob) if (ob[k] !== undefined && typeof ob[k] !== "function") nb++;
  return na === nb;
}

