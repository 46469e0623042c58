// The Deployment controller's arithmetic (kubernetes pkg/controller/deployment, rolling.go and
// deploymentutil), as pure functions: how far to scale the new and old ReplicaSets, and the status
// and conditions `kubectl rollout status` reads.
import type { Condition, Deployment, ReplicaSet } from "./types.ts";

export const REVISION = "deployment.kubernetes.io/revision";
export const DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas";
export const MAX_REPLICAS = "deployment.kubernetes.io/max-replicas";

function intOrPercent(v: number | string | undefined, total: number, fallback: string, roundUp: boolean): number {
  const value = v ?? fallback;
  if (typeof value === "number") return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) return Number(value) || 0;
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

/** maxSurge (rounded up) and maxUnavailable (rounded down); both 0 ⇒ maxUnavailable 1. */
export function resolveSurge(d: Deployment): { maxSurge: number; maxUnavailable: number } {
  const replicas = d.spec.replicas ?? 1;
  if (d.spec.strategy?.type === "Recreate") return { maxSurge: 0, maxUnavailable: replicas };
  const ru = d.spec.strategy?.rollingUpdate;
  const maxSurge = intOrPercent(ru?.maxSurge, replicas, "25%", true);
  let maxUnavailable = intOrPercent(ru?.maxUnavailable, replicas, "25%", false);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}

export function revisionOf(rs: ReplicaSet): number {
  return Number(rs.metadata.annotations?.[REVISION] ?? "0") || 0;
}

const specReplicas = (rs: ReplicaSet) => rs.spec.replicas ?? 0;
const available = (rs: ReplicaSet) => rs.status?.availableReplicas ?? 0;

/** New replica count of the new ReplicaSet for a rolling update (NewRSNewReplicas). */
export function newRSReplicas(d: Deployment, all: ReplicaSet[], newRS: ReplicaSet | undefined): number {
  const replicas = d.spec.replicas ?? 1;
  const current = newRS ? specReplicas(newRS) : 0;
  if (d.spec.strategy?.type === "Recreate") return replicas;
  const { maxSurge } = resolveSurge(d);
  const total = all.reduce((n, rs) => n + specReplicas(rs), 0);
  const maxTotal = replicas + maxSurge;
  if (total >= maxTotal) return Math.min(current, replicas);
  const scaleUp = Math.min(maxTotal - total, replicas - current);
  return current + Math.max(0, scaleUp);
}

/**
 * How many replicas each old ReplicaSet keeps (reconcileOldReplicaSets): first drop old pods that
 * are not available, then healthy ones while at least replicas - maxUnavailable stay available.
 */
export function scaleDownOld(d: Deployment, newRS: ReplicaSet, old: ReplicaSet[]): Map<string, number> {
  const out = new Map<string, number>();
  const replicas = d.spec.replicas ?? 1;
  const { maxUnavailable } = resolveSurge(d);
  const minAvailable = replicas - maxUnavailable;
  const all = [newRS, ...old];
  const allPods = all.reduce((n, rs) => n + specReplicas(rs), 0);
  const newUnavailable = specReplicas(newRS) - available(newRS);
  let maxScaledDown = allPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return out;
  const sorted = [...old].sort((a, b) => revisionOf(a) - revisionOf(b));
  const next = new Map(sorted.map((rs) => [rs.metadata.name, specReplicas(rs)]));
  // 1. unhealthy old replicas
  for (const rs of sorted) {
    if (maxScaledDown <= 0) break;
    const cur = next.get(rs.metadata.name)!;
    const unhealthy = Math.max(0, cur - available(rs));
    const cut = Math.min(unhealthy, maxScaledDown);
    if (cut > 0) {
      next.set(rs.metadata.name, cur - cut);
      maxScaledDown -= cut;
    }
  }
  // 2. healthy old replicas, keeping minAvailable available in total
  const availableTotal = all.reduce((n, rs) => n + available(rs), 0);
  let canScaleDown = availableTotal - minAvailable;
  for (const rs of sorted) {
    if (canScaleDown <= 0) break;
    const cur = next.get(rs.metadata.name)!;
    const cut = Math.min(cur, canScaleDown);
    if (cut > 0) {
      next.set(rs.metadata.name, cur - cut);
      canScaleDown -= cut;
    }
  }
  for (const rs of sorted) if (next.get(rs.metadata.name) !== specReplicas(rs)) out.set(rs.metadata.name, next.get(rs.metadata.name)!);
  return out;
}

export type DeploymentStatus = NonNullable<Deployment["status"]>;

function setCondition(conditions: Condition[], c: Omit<Condition, "lastUpdateTime" | "lastTransitionTime">, now: string, touch: boolean): Condition[] {
  const prev = conditions.find((x) => x.type === c.type);
  const rest = conditions.filter((x) => x.type !== c.type);
  if (prev && prev.status === c.status && prev.reason === c.reason && prev.message === c.message && !touch) return conditions;
  const cond: Condition = {
    type: c.type, status: c.status, reason: c.reason, message: c.message,
    lastUpdateTime: now,
    lastTransitionTime: prev && prev.status === c.status ? (prev.lastTransitionTime ?? now) : now,
  };
  return [...rest, cond].sort((a, b) => (a.type === "Available" ? -1 : b.type === "Available" ? 1 : 0));
}

export interface StatusInput {
  d: Deployment;
  newRS: ReplicaSet | undefined;
  all: ReplicaSet[];
  now: string;
  /** Milliseconds since the Progressing condition last moved, to decide ProgressDeadlineExceeded. */
  sinceProgressMs: number | undefined;
  /** progressDeadlineSeconds in (sped-up) milliseconds. */
  deadlineMs: number;
  createdNewRS: boolean;
}

/** The Deployment status (syncRolloutStatus + calculateStatus). */
export function deploymentStatus(input: StatusInput): DeploymentStatus {
  const { d, newRS, all, now } = input;
  const prev = d.status ?? {};
  const replicas = d.spec.replicas ?? 1;
  const sum = (f: (rs: ReplicaSet) => number) => all.reduce((n, rs) => n + f(rs), 0);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation ?? 1,
    replicas: sum((rs) => rs.status?.replicas ?? 0),
    updatedReplicas: newRS?.status?.replicas ?? 0,
    readyReplicas: sum((rs) => rs.status?.readyReplicas ?? 0),
    availableReplicas: sum(available),
  };
  const unavailable = Math.max(0, replicas - (status.availableReplicas ?? 0));
  if (unavailable > 0) status.unavailableReplicas = unavailable;
  if (prev.collisionCount) status.collisionCount = prev.collisionCount;

  let conditions = prev.conditions ?? [];
  const { maxUnavailable } = resolveSurge(d);
  conditions = (status.availableReplicas ?? 0) >= replicas - maxUnavailable
    ? setCondition(conditions, { type: "Available", status: "True", reason: "MinimumReplicasAvailable", message: "Deployment has minimum availability." }, now, false)
    : setCondition(conditions, { type: "Available", status: "False", reason: "MinimumReplicasUnavailable", message: "Deployment does not have minimum availability." }, now, false);

  const rsName = newRS?.metadata.name ?? d.metadata.name;
  const complete = status.updatedReplicas === replicas && status.replicas === replicas && status.availableReplicas === replicas;
  const progressing = (status.updatedReplicas ?? 0) > (prev.updatedReplicas ?? 0) || (status.readyReplicas ?? 0) > (prev.readyReplicas ?? 0)
    || (status.availableReplicas ?? 0) > (prev.availableReplicas ?? 0) || (prev.replicas ?? 0) - (prev.updatedReplicas ?? 0) > (status.replicas ?? 0) - (status.updatedReplicas ?? 0);
  const current = conditions.find((c) => c.type === "Progressing");
  if (d.spec.paused) {
    conditions = setCondition(conditions, { type: "Progressing", status: "Unknown", reason: "DeploymentPaused", message: "Deployment is paused" }, now, false);
  } else if (complete) {
    conditions = setCondition(conditions, { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable", message: `ReplicaSet "${rsName}" has successfully progressed.` }, now, false);
  } else if (input.createdNewRS) {
    conditions = setCondition(conditions, { type: "Progressing", status: "True", reason: "NewReplicaSetCreated", message: `Created new replica set "${rsName}"` }, now, true);
  } else if (progressing || !current || current.reason === "NewReplicaSetAvailable" || current.reason === "DeploymentPaused") {
    conditions = setCondition(conditions, { type: "Progressing", status: "True", reason: "ReplicaSetUpdated", message: `ReplicaSet "${rsName}" is progressing.` }, now, true);
  } else if (current.reason !== "ProgressDeadlineExceeded" && input.sinceProgressMs !== undefined && input.sinceProgressMs > input.deadlineMs) {
    conditions = setCondition(conditions, { type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded", message: `ReplicaSet "${rsName}" has timed out progressing.` }, now, false);
  }
  status.conditions = conditions;
  return status;
}
