// The NEG readiness gate's condition, as ingress-gce's readiness reflector computes it
// (gke-neg.md §1, §5). Pure: the reflector (readiness-reflector.ts) feeds it and writes the result.
import type { HealthState } from "./gce.ts";
import { NEG_READINESS_GATE } from "./neg-model.ts";
import type { NegKind } from "./neg-model.ts";
import type { Pod, PodCondition } from "./types.ts";

export const NEG_READY_REASON = "LoadBalancerNegReady";
export const NEG_NOT_READY_REASON = "LoadBalancerNegNotReady";
export const NEG_TIMEOUT_REASON = "LoadBalancerNegTimeout";
export const NEG_WITHOUT_HEALTH_CHECK_REASON = "LoadBalancerNegWithoutHealthCheck";
/** gke-neg.md §5: 10 minutes from pod creation (divided by the playground's speed factor). */
export const NEG_READINESS_TIMEOUT_MS = 10 * 60 * 1000;

/** Go's %q for the ASCII strings used here. */
function q(s: string): string {
  return JSON.stringify(s);
}

/** ingress-gce formats GCE keys with meta.Key.String(): `Key{"name", zone: "zone"}`. */
export function zonalKey(name: string, zone: string): string {
  return `Key{${q(name)}, zone: ${q(zone)}}`;
}

export function globalKey(name: string): string {
  return `Key{${q(name)}}`;
}

/** Go's %v of a []string: `[a b c]`. */
function goList(items: string[]): string {
  return `[${items.join(" ")}]`;
}

export interface NegMembership {
  neg: string;
  zone: string;
  kind: NegKind;
  /** Health-checked backend services that have this NEG as a backend, with the pod endpoint's state. */
  backendServices: Array<{ name: string; state: HealthState }>;
}

export interface ReadinessInput {
  pod: Pod;
  /** NEGs whose Service selects the pod (ingress-gce `ReadinessGateEnabledNegs`), sorted. */
  negsForPod: string[];
  /** The NEGs the pod's endpoint is attached to. */
  memberships: NegMembership[];
  now: number;
  /** The timeout already divided by the speed factor. */
  timeoutMs: number;
}

export function hasNegReadinessGate(pod: Pod): boolean {
  return (pod.spec?.readinessGates ?? []).some((g) => g.conditionType === NEG_READINESS_GATE);
}

export function currentNegCondition(pod: Pod): PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === NEG_READINESS_GATE);
}

/**
 * The condition the reflector wants on the pod, or undefined when it must not touch it: no gate,
 * or already True — the condition is one-way and never set back (gke-neg.md §1).
 */
export function expectedNegCondition(input: ReadinessInput): PodCondition | undefined {
  const { pod } = input;
  if (!hasNegReadinessGate(pod)) return undefined;
  if (currentNegCondition(pod)?.status === "True") return undefined;
  const base = { type: NEG_READINESS_GATE, lastProbeTime: null, lastTransitionTime: null };
  const marking = `Marking condition ${q(NEG_READINESS_GATE)} to True.`;
  for (const m of input.memberships) {
    const healthy = m.backendServices.find((b) => b.state === "HEALTHY");
    if (healthy) {
      return { ...base, status: "True", reason: NEG_READY_REASON, message: `Pod has become Healthy in NEG ${q(zonalKey(m.neg, m.zone))} attached to BackendService ${q(globalKey(healthy.name))}. ${marking}` };
    }
  }
  // A standalone NEG nothing health-checks: nothing will ever say "healthy", so the gate opens.
  // NEGs of an Ingress or Gateway wait for the load balancer to attach them.
  const unchecked = input.memberships.find((m) => m.backendServices.length === 0 && m.kind === "exposed");
  if (unchecked) {
    return { ...base, status: "True", reason: NEG_WITHOUT_HEALTH_CHECK_REASON, message: `Pod is in NEG ${q(zonalKey(unchecked.neg, unchecked.zone))}. NEG is not attached to any BackendService with health checking. ${marking}` };
  }
  if (input.negsForPod.length === 0) {
    return { ...base, status: "True", reason: NEG_READY_REASON, message: `Pod does not belong to any NEG. ${marking}` };
  }
  const created = Date.parse(pod.metadata.creationTimestamp ?? "");
  if (Number.isFinite(created) && input.now > created + input.timeoutMs) {
    return { ...base, status: "True", reason: NEG_TIMEOUT_REASON, message: `Timeout waiting for pod to become healthy in at least one of the NEG(s): ${goList(input.negsForPod)}. ${marking}` };
  }
  // EMPTY status while waiting (not "False"): ingress-gce leaves it unset on purpose.
  return { ...base, status: "", reason: NEG_NOT_READY_REASON, message: `Waiting for pod to become healthy in at least one of the NEG(s): ${goList(input.negsForPod)}` };
}

export function sameCondition(a: PodCondition | undefined, b: PodCondition): boolean {
  return !!a && (a.status ?? "") === (b.status ?? "") && a.reason === b.reason && a.message === b.message;
}
