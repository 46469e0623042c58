// Health of a pod behind a NEG, from the strongest signal available (gke-neg.md §1): the Compute
// API's per-endpoint health, else the Kubernetes-side signals, each saying why it is weaker.
import type { HealthSignal, HealthState, HealthValue, ReadinessGateView } from "../contract/model.ts";
import type { EndpointHealthItem, KubeEvent, NegEndpointHealth, Pod } from "./snapshot.ts";
import { timeOf } from "./snapshot.ts";

export const NEG_READY_CONDITION = "cloud.google.com/load-balancer-neg-ready";

/** gke-neg.md §1: why each Kubernetes-side signal is weaker than the Compute API. */
export const SIGNAL_CAVEATS: Record<HealthSignal, string | null> = {
  "compute-api": null,
  "readiness-gate":
    "The NEG readiness gate is one-way: GKE sets it True once (first healthy, or after a 10-minute timeout) and never back, so a pod that turns unhealthy later — for example during an intercept — still shows True.",
  "ingress-backends":
    "The Ingress backends annotation holds one value per backend service, HEALTHY if any endpoint is; one failing pod does not show, only a backend where every endpoint failed.",
  events: "Events record past transitions of the readiness gate, not the current state, and expire.",
  none: "No health signal is available for this pod.",
};

/** gke-neg.md §8: healthState is an open string. */
export function healthStateOf(raw: string | null): HealthState {
  if (raw === null) return "not-health-checked";
  switch (raw.toUpperCase()) {
    case "HEALTHY":
      return "healthy";
    case "UNHEALTHY":
    case "TIMEOUT":
      return "unhealthy";
    case "DRAINING":
      return "draining";
    default:
      return "unknown";
  }
}

/** gke-neg.md §1, §5: the NEG readiness gate and its condition (EMPTY status = not ready). */
export function readinessGateOf(pod: Pod): ReadinessGateView {
  const present = (pod.spec?.readinessGates ?? []).some((g) => g.conditionType === NEG_READY_CONDITION);
  const cond = (pod.status?.conditions ?? []).find((c) => c.type === NEG_READY_CONDITION);
  const status = cond ? (cond.status ?? "") : null;
  const reason = cond?.reason ?? null;
  const ready = status === "True";
  let explanation: string;
  if (!present && !cond) explanation = "The pod has no NEG readiness gate: it is not behind a container-native load balancer, or was created before the NEG existed.";
  else if (!cond) explanation = "The NEG readiness gate is present but GKE has not written its condition yet: the pod is not Ready.";
  else if (reason === "LoadBalancerNegReady") explanation = "The load balancer saw this pod healthy once (or the pod belongs to no NEG). The gate never goes back, so this says nothing about now.";
  else if (reason === "LoadBalancerNegTimeout") explanation = "The pod did not become healthy in the load balancer within 10 minutes of its creation; GKE marked the gate True anyway so the rollout can go on.";
  else if (reason === "LoadBalancerNegWithoutHealthCheck") explanation = "The NEG is not attached to a health-checked backend service, so GKE marked the gate True without a health check.";
  else if (!ready) explanation = "GKE is waiting for the load balancer to see this pod healthy in at least one NEG; until then the pod is not Ready (an empty status means not ready).";
  else explanation = "The NEG readiness gate is True.";
  return { present, status, ready, reason, message: cond?.message ?? null, explanation };
}

function value(state: HealthState, raw: string | null, signal: HealthSignal, extra: Partial<HealthValue> = {}): HealthValue {
  return {
    state,
    raw,
    signal,
    caveat: SIGNAL_CAVEATS[signal],
    neg: null,
    zone: null,
    backendService: null,
    detail: null,
    ...extra,
  };
}

export interface PodHealthInput {
  pod: Pod;
  /** NEG names of the Service port. */
  negs: readonly string[];
  /** The pod ports the endpoint may carry: the current endpoint port first, then the app's own port. */
  endpointPorts: readonly number[];
  endpointHealth: readonly NegEndpointHealth[] | undefined;
  /** Ingress backends annotation values for this port's backend services: backend service → value. */
  ingressBackends: readonly { backendService: string; value: string }[];
  events: readonly KubeEvent[];
}

/** All signals for one pod and Service port, strongest first (gke-neg.md §1, §8). */
export function podHealth(input: PodHealthInput): HealthValue[] {
  const { pod } = input;
  const ip = pod.status?.podIP;
  const out: HealthValue[] = [];
  const compute = (input.endpointHealth ?? []).filter((e) => input.negs.includes(e.neg));
  if (compute.length > 0 && ip) {
    const found: HealthValue[] = [];
    const missing: HealthValue[] = [];
    for (const neg of compute) {
      let items: EndpointHealthItem[] = [];
      for (const port of input.endpointPorts) {
        items = neg.items.filter((i) => i.ipAddress === ip && i.port === port);
        if (items.length) break;
      }
      if (items.length === 0) {
        missing.push(value("unknown", null, "compute-api", { neg: neg.neg, zone: neg.zone, detail: `Endpoint ${ip} is not in NEG "${neg.neg}" (${neg.zone}): another zone, or not attached yet.` }));
      }
      for (const item of items) {
        found.push(
          value(healthStateOf(item.healthState), item.healthState, "compute-api", {
            neg: neg.neg,
            zone: neg.zone,
            backendService: item.backendService ?? null,
            detail: item.healthState === null ? "The endpoint has no health: its NEG is not behind a health-checked backend service." : `${ip}:${item.port} in NEG "${neg.neg}" (${neg.zone}).`,
          }),
        );
      }
    }
    // One zonal NEG per zone (gke-neg.md §2): the pod is in one of them; "missing" only when in none.
    return found.length > 0 ? found : missing.slice(0, 1);
  }
  for (const b of input.ingressBackends) {
    const raw = b.value;
    const state: HealthState = raw.toUpperCase() === "HEALTHY" ? "healthy" : raw.toUpperCase() === "UNHEALTHY" ? "unhealthy" : "unknown";
    out.push(value(state, raw, "ingress-backends", { backendService: b.backendService, detail: `Backend service "${b.backendService}" is ${raw} as a whole.` }));
  }
  const gate = readinessGateOf(pod);
  if (gate.status !== null) {
    const state: HealthState =
      gate.reason === "LoadBalancerNegWithoutHealthCheck"
        ? "not-health-checked"
        : gate.reason === "LoadBalancerNegTimeout"
          ? "unknown"
          : gate.ready
            ? "healthy"
            : "unhealthy";
    out.push(value(state, gate.status, "readiness-gate", { detail: gate.explanation }));
  } else {
    const name = pod.metadata?.name;
    const reasons = ["LoadBalancerNegReady", "LoadBalancerNegNotReady", "LoadBalancerNegTimeout", "LoadBalancerNegWithoutHealthCheck"];
    const latest = input.events
      .filter((e) => e.involvedObject?.kind === "Pod" && e.involvedObject.name === name && reasons.includes(e.reason ?? ""))
      .sort((a, b) => eventTime(b) - eventTime(a))[0];
    if (latest) {
      const state: HealthState = latest.reason === "LoadBalancerNegReady" ? "healthy" : latest.reason === "LoadBalancerNegNotReady" ? "unhealthy" : "unknown";
      out.push(value(state, latest.reason ?? null, "events", { detail: latest.message ?? null }));
    }
  }
  if (out.length === 0) out.push(value("unknown", null, "none"));
  return out;
}

export function eventTime(e: KubeEvent): number {
  const t = timeOf(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp);
  return Number.isNaN(t) ? 0 : t;
}
