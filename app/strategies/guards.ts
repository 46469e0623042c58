// Guarded RFC 6902 patches: the changes between two versions of an object, preceded by `test`
// operations on the object's resourceVersion and on every value the change relies on, so that an
// edit made by anybody between plan and apply makes the API server reject the whole patch (it
// applies a JSON patch atomically) instead of silently mixing two intents.
import fjp from "fast-json-patch";
import type { Operation } from "fast-json-patch";
import type { KubeObject } from "./types.ts";

/** RFC 6901 pointer from path segments. */
export function pointer(...segments: (string | number)[]): string {
  return segments.map((s) => `/${String(s).replace(/~/g, "~0").replace(/\//g, "~1")}`).join("");
}

function valueAt(doc: unknown, path: string): { found: boolean; value: unknown } {
  if (path === "") return { found: true, value: doc };
  let cur: unknown = doc;
  for (const raw of path.slice(1).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (cur === null || typeof cur !== "object") return { found: false, value: undefined };
    if (Array.isArray(cur)) {
      const i = Number(key);
      if (!Number.isInteger(i) || i < 0 || i >= cur.length) return { found: false, value: undefined };
      cur = cur[i];
    } else {
      if (!Object.hasOwn(cur, key)) return { found: false, value: undefined };
      cur = (cur as Record<string, unknown>)[key];
    }
  }
  return { found: true, value: cur };
}

function parentOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/"));
}

function isWithin(path: string, ancestor: string): boolean {
  return path === ancestor || path.startsWith(`${ancestor}/`);
}

/**
 * The patch turning `before` into `after`, guarded. Guards, in order:
 * - `test /metadata/resourceVersion` (any concurrent write to the object fails the patch);
 * - `test` of each path in `relied` (values the planner read to decide, e.g. the containers' names);
 * - `test` of every value a `replace`/`remove` overwrites, and of the array an `add` inserts into
 *   (RFC 6902 cannot test that an object key is absent; the resourceVersion covers that).
 */
export function guardedPatch(before: KubeObject, after: KubeObject, relied: string[] = []): Operation[] {
  const changes = fjp.compare(before as object, after as object);
  const tests: Operation[] = [];
  const tested: string[] = [];
  const addTest = (path: string) => {
    if (tested.some((t) => isWithin(path, t))) return;
    const v = valueAt(before, path);
    if (!v.found) return;
    // A broader test replaces narrower ones already queued.
    for (let i = tests.length - 1; i >= 0; i--) if (isWithin(tests[i]!.path, path)) tests.splice(i, 1);
    for (let i = tested.length - 1; i >= 0; i--) if (isWithin(tested[i]!, path)) tested.splice(i, 1);
    tests.push({ op: "test", path, value: structuredClone(v.value) });
    tested.push(path);
  };
  const rv = before.metadata.resourceVersion;
  if (rv !== undefined) {
    tests.push({ op: "test", path: "/metadata/resourceVersion", value: rv });
    tested.push("/metadata/resourceVersion");
  }
  for (const p of relied) addTest(p);
  for (const op of changes) {
    if (op.op === "replace" || op.op === "remove") addTest(op.path);
    else if (op.op === "add") {
      const parent = parentOf(op.path);
      // Guard the array inserted into, unless the planner named narrower guards inside it.
      if (Array.isArray(valueAt(before, parent).value) && !relied.some((r) => isWithin(r, parent) && r !== parent)) addTest(parent);
    }
  }
  return [...tests, ...changes.filter((op) => op.op !== "test")];
}

/** Applies a patch to a copy (validates that the guards hold on `doc`); throws when a test fails. */
export function applyPatchCopy<T>(doc: T, ops: Operation[]): T {
  return fjp.applyPatch(structuredClone(doc), ops, true, false).newDocument;
}

/** Server bookkeeping left out of diffs and comparisons. */
const SERVER_METADATA = ["resourceVersion", "generation", "managedFields", "uid", "creationTimestamp", "selfLink"];

/** The object as a user thinks of it: no status, no server bookkeeping, no last-applied blob. */
export function cleanForDisplay(obj: KubeObject | null): Record<string, unknown> | null {
  if (!obj) return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === "status") continue;
    if (k === "metadata") {
      const meta: Record<string, unknown> = {};
      for (const [mk, mv] of Object.entries(v as Record<string, unknown>)) {
        if (SERVER_METADATA.includes(mk)) continue;
        if (mk === "annotations") {
          const ann = { ...(mv as Record<string, string>) };
          delete ann["kubectl.kubernetes.io/last-applied-configuration"];
          if (Object.keys(ann).length) meta.annotations = ann;
          continue;
        }
        meta[mk] = mv;
      }
      out.metadata = meta;
      continue;
    }
    out[k] = v;
  }
  return out;
}

/** What rollback must restore exactly: spec, labels and annotations (gke-neg.md §2–§3 live in both). */
export function restorable(obj: KubeObject): { spec: unknown; labels: Record<string, string>; annotations: Record<string, string> } {
  return {
    spec: (obj as { spec?: unknown }).spec ?? null,
    labels: obj.metadata.labels ?? {},
    annotations: obj.metadata.annotations ?? {},
  };
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Paths (JSON pointers) where the restorable parts of two objects differ, for messages. */
export function differingPaths(a: KubeObject, b: KubeObject): string[] {
  const ra = restorable(a);
  const rb = restorable(b);
  const ops = fjp.compare({ spec: ra.spec, metadata: { labels: ra.labels, annotations: ra.annotations } }, { spec: rb.spec, metadata: { labels: rb.labels, annotations: rb.annotations } });
  return [...new Set(ops.map((o) => o.path))];
}
