// Deciding what an object's current state means for an operation, and computing the undo: pure.
// "Restorable" parts are spec, labels and annotations; annotations that GKE or Kubernetes controllers
// own are left to them (restoring them would only start a fight with the controller).
import fjp from "fast-json-patch";
import type { Operation } from "fast-json-patch";
import { applyPatchCopy, deepEqual, guardedPatch, restorable } from "./guards.ts";
import type { KubeObject, StepRecord } from "./types.ts";

/** Written by controllers, not users: ignored when comparing, never restored (gke-neg.md §2 neg-status). */
export const CONTROLLER_ANNOTATIONS = ["deployment.kubernetes.io/revision", "cloud.google.com/neg-status"];

/**
 * Strategies change only a Service's annotations, and its spec is read through client-node's typed API
 * (which drops fields newer than the client): a Service's spec is left out of comparisons and undo.
 */
function specTracked(obj: KubeObject): boolean {
  return obj.kind !== "Service";
}

function userView(obj: KubeObject): { spec: unknown; metadata: { labels: Record<string, string>; annotations: Record<string, string> } } {
  const r = restorable(obj);
  const annotations = { ...r.annotations };
  for (const a of CONTROLLER_ANNOTATIONS) delete annotations[a];
  return { spec: specTracked(obj) ? structuredClone(r.spec) : null, metadata: { labels: { ...r.labels }, annotations } };
}

export function sameUserState(a: KubeObject, b: KubeObject): boolean {
  return deepEqual(userView(a), userView(b));
}

/** JSON pointers (spec / metadata.labels / metadata.annotations) where two objects differ for a user. */
export function userDifferences(a: KubeObject, b: KubeObject): string[] {
  return [...new Set(fjp.compare(userView(a), userView(b)).map((o) => o.path))];
}

/** What the object looks like once the step landed: the server's answer, else the plan applied to `before`. */
export function expectedAfter(step: StepRecord): KubeObject {
  if (step.applied) return step.applied;
  const c = step.change;
  if (c.action === "create" || !c.before || !c.patch) return c.after;
  return applyPatchCopy(c.before, c.patch.filter((op) => op.op !== "test"));
}

export type StepState = "not-applied" | "applied" | "changed-since";

/** Where a (possibly in-flight) step stands, judged from the object as it is now. */
export function judgeStep(step: StepRecord, current: KubeObject | null): StepState {
  const c = step.change;
  if (c.action === "create") {
    if (!current) return "not-applied";
    if (step.applied?.metadata.uid && current.metadata.uid !== step.applied.metadata.uid) return "changed-since";
    return sameUserState(current, expectedAfter(step)) || sameUserState(current, c.after) ? "applied" : "changed-since";
  }
  if (!current) return "changed-since"; // deleted by somebody
  if (c.before && sameUserState(current, c.before)) return "not-applied";
  return sameUserState(current, expectedAfter(step)) ? "applied" : "changed-since";
}

/**
 * The guarded patch that turns `current` back into `before` (spec, labels, annotations; controller
 * annotations keep their current values). With `onlyOurs`, only the paths this step changed are put
 * back, on top of whatever else changed since (the forced rollback after a concurrent edit); null
 * when that cannot be done cleanly.
 */
export function undoPatch(step: StepRecord, current: KubeObject, onlyOurs = false): Operation[] | null {
  const before = step.change.before;
  if (!before) return null;
  let parts: ReturnType<typeof userView>;
  if (!onlyOurs) {
    parts = userView(before);
  } else {
    // Invert our own change and replay it on the current object.
    const inverse = fjp.compare(userView(expectedAfter(step)), userView(before));
    try {
      parts = fjp.applyPatch(userView(current), inverse, true, true).newDocument;
    } catch {
      return null;
    }
  }
  const target = structuredClone(current);
  if (specTracked(before)) {
    if (parts.spec === null || parts.spec === undefined) delete (target as { spec?: unknown }).spec;
    else (target as { spec?: unknown }).spec = parts.spec;
  }
  // Controller-owned annotations keep their current values.
  const annotations = { ...parts.metadata.annotations };
  for (const a of CONTROLLER_ANNOTATIONS) if (current.metadata.annotations?.[a] !== undefined) annotations[a] = current.metadata.annotations[a]!;
  // An empty map stays absent when it was absent before (exact restore, not `{}`).
  if (Object.keys(annotations).length === 0 && before.metadata.annotations === undefined) delete target.metadata.annotations;
  else target.metadata.annotations = annotations;
  if (Object.keys(parts.metadata.labels).length === 0 && before.metadata.labels === undefined) delete target.metadata.labels;
  else target.metadata.labels = parts.metadata.labels;
  return guardedPatch(current, target);
}
