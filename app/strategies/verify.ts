// Verifying a plan took effect: the Deployment's rollout (observedGeneration, updated/available
// replicas), then the pods — Ready, the NEG readiness gate (gke-neg.md §1, §5), the check's new target
// answering on each pod — and, when a Compute API fetcher is given, each endpoint's live load-balancer
// health (gke-neg.md §8), with progress events.
import { SwitchboardError } from "../contract/errors.ts";
import type { NegEndpointHealth } from "../gke/snapshot.ts";
import type { ObjectApi } from "./kube.ts";
import { describeObject } from "./kube.ts";
import type { PodProbe, ProbeOutcome } from "./preflight.ts";
import type { KubeObject, ObjectKey, Plan, ProgressCallback } from "./types.ts";

export const NEG_READY_CONDITION = "cloud.google.com/load-balancer-neg-ready";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface DeploymentShape {
  metadata: { generation?: number };
  spec?: { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
  status?: { observedGeneration?: number; replicas?: number; updatedReplicas?: number; availableReplicas?: number; conditions?: { type: string; status?: string; reason?: string; message?: string }[] };
}

export function rolloutProgress(d: KubeObject): { done: boolean; updated: number; available: number; wanted: number; stuck: string | null } {
  const dep = d as unknown as DeploymentShape;
  const wanted = dep.spec?.replicas ?? 1;
  const s = dep.status ?? {};
  const observed = (s.observedGeneration ?? 0) >= (dep.metadata.generation ?? 0);
  const updated = observed ? (s.updatedReplicas ?? 0) : 0;
  const available = s.availableReplicas ?? 0;
  const progressing = s.conditions?.find((c) => c.type === "Progressing");
  const stuck = progressing?.reason === "ProgressDeadlineExceeded" ? (progressing.message ?? "progress deadline exceeded") : null;
  // As `kubectl rollout status`: every replica updated and available, and no old replica left.
  return { done: observed && updated === wanted && available >= wanted && (s.replicas ?? 0) === wanted, updated, available, wanted, stuck };
}

export async function waitForRollout(
  objects: ObjectApi,
  key: ObjectKey,
  o: { timeoutMs: number; pollMs: number; onProgress?: ProgressCallback; operation?: string; signal?: AbortSignal },
): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  let last = "";
  for (;;) {
    if (o.signal?.aborted) throw new SwitchboardError("cancelled", "Waiting for the rollout was cancelled.");
    const d = await objects.get(key);
    if (!d) throw new SwitchboardError("not-found", `${describeObject(key)} disappeared during the rollout.`);
    const p = rolloutProgress(d);
    const text = `${p.updated}/${p.wanted}`;
    if (text !== last || p.done) {
      last = text;
      o.onProgress?.({ operation: o.operation ?? "", step: "rollout", message: `rollout ${p.updated}/${p.wanted}${p.done ? " done" : ""}`, current: p.updated, total: p.wanted, object: key });
    }
    if (p.done) return;
    if (p.stuck) throw new SwitchboardError("timeout", `The rollout of ${describeObject(key)} is stuck: ${p.stuck}.`, "Look at the new pods' events (image pull, crash, port clash).", { object: key });
    if (Date.now() > deadline) {
      throw new SwitchboardError("timeout", `The rollout of ${describeObject(key)} did not finish within ${Math.round(o.timeoutMs / 1000)} s (${p.updated}/${p.wanted} updated, ${p.available} available).`, "Look at the new pods (kubectl get pods, kubectl describe pod) for why they do not become ready.", { object: key });
    }
    await sleep(o.pollMs);
  }
}

export interface PodHealth {
  pod: string;
  podIP: string | null;
  ready: boolean;
  /** "True" | "waiting" (empty or False) | "absent" (no gate on this pod). */
  readinessGate: "True" | "waiting" | "absent";
  /** The pod carries the plan's health port (new template). */
  hasHealthPort: boolean;
  endpoints: { ipAddress: string; port: number; healthState: string | null }[];
  /** What a GET of the check's target (port, path) on this pod found; null: not probed. */
  target: ProbeOutcome | null;
}

export interface VerifyResult {
  healthy: boolean;
  timedOut: boolean;
  /**
   * The strongest signal the verdict rests on (gke-neg.md §1): the Compute API's per-endpoint health;
   * else the NEG readiness gate where the pods carry one; else only pod Ready.
   */
  signal: "compute-api" | "readiness-gate" | "pod-ready";
  pods: PodHealth[];
  message: string;
}

export interface VerifyOptions {
  objects: ObjectApi;
  timeoutMs?: number;
  pollMs?: number;
  onProgress?: ProgressCallback;
  operation?: string;
  /** Per-endpoint health from the Compute API (app/cloud); without it the readiness gate is the best signal. */
  endpointHealth?: () => Promise<NegEndpointHealth[]>;
  /**
   * GETs the health check's new target (plan.target port and path) on each pod, as the load
   * balancer's check will (USE_FIXED_PORT → podIP:port, gke-neg.md §3). Needed because the Compute
   * API's state lags a change: right after the check moves, endpoints are still HEALTHY from the old
   * target until unhealthyThreshold checks failed. A target that does not answer 200 is not healthy,
   * whatever the load balancer still says. "cannot-check" answers are no evidence either way.
   */
  probe?: PodProbe | undefined;
  signal?: AbortSignal;
}

function selectorOf(d: KubeObject): string {
  const labels = (d as unknown as DeploymentShape).spec?.selector?.matchLabels ?? {};
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(",");
}

interface PodShape {
  metadata: { name?: string; namespace?: string; deletionTimestamp?: string };
  spec?: { containers?: { name: string; ports?: { containerPort: number }[] }[]; readinessGates?: { conditionType: string }[] };
  status?: { podIP?: string; conditions?: { type: string; status?: string }[] };
}

/** Why one pod is not healthy yet, in words (empty when it is). */
function whyNot(p: PodHealth, lb: boolean): string[] {
  const out: string[] = [];
  if (!p.ready) out.push("not Ready");
  if (p.readinessGate === "waiting") out.push("NEG readiness gate waiting");
  if (lb) {
    if (p.endpoints.length === 0) out.push("not in the NEG's health results yet");
    for (const e of p.endpoints) if (e.healthState !== "HEALTHY") out.push(`endpoint ${e.ipAddress}:${e.port} ${e.healthState ?? "not health-checked"}`);
  }
  if (p.target && p.target.outcome !== "cannot-check" && !(p.target.outcome === "answered" && p.target.status === 200)) out.push(p.target.detail);
  return out;
}

export async function verifyPlan(plan: Plan, o: VerifyOptions): Promise<VerifyResult> {
  const timeoutMs = o.timeoutMs ?? 600_000;
  const pollMs = o.pollMs ?? 500;
  const deadline = Date.now() + timeoutMs;
  const emit = o.onProgress ?? (() => undefined);
  const operation = o.operation ?? "";
  const wl = plan.target.workload;
  // Before any pod is seen, claim no more than the weakest signal.
  const early: VerifyResult["signal"] = o.endpointHealth ? "compute-api" : "pod-ready";
  if (!wl) {
    return { healthy: false, timedOut: false, signal: early, pods: [], message: "No Deployment is known for this Service, so there are no pods to follow." };
  }
  const depKey: ObjectKey = { kind: "Deployment", apiVersion: "apps/v1", namespace: wl.namespace, name: wl.name };
  try {
    await waitForRollout(o.objects, depKey, { timeoutMs, pollMs, onProgress: emit, operation, ...(o.signal ? { signal: o.signal } : {}) });
  } catch (err) {
    if (err instanceof SwitchboardError && err.code === "timeout") return { healthy: false, timedOut: true, signal: early, pods: [], message: err.message };
    throw err;
  }
  const dep = await o.objects.get(depKey);
  const selector = dep ? selectorOf(dep) : "";
  const seen = new Map<string, string>();
  /** Target probes: a pod that answered 200 keeps that verdict (by pod name); others are asked again. */
  const targets = new Map<string, { outcome: ProbeOutcome; at: number }>();
  const reprobeMs = Math.max(pollMs, 1000);
  const { port, path } = plan.target;
  let pods: PodHealth[];
  for (;;) {
    if (o.signal?.aborted) throw new SwitchboardError("cancelled", "Verification was cancelled.");
    const raw = (await o.objects.listPods(wl.namespace, selector)) as unknown as PodShape[];
    const health = o.endpointHealth ? await o.endpointHealth() : null;
    const live = raw.filter((p) => !p.metadata.deletionTimestamp);
    pods = await Promise.all(
      live.map(async (p) => {
        const name = p.metadata.name ?? "";
        const gate = (p.spec?.readinessGates ?? []).some((g) => g.conditionType === NEG_READY_CONDITION);
        const gateStatus = p.status?.conditions?.find((c) => c.type === NEG_READY_CONDITION)?.status;
        const ip = p.status?.podIP ?? null;
        const endpoints = health && ip ? health.flatMap((h) => h.items.filter((i) => i.ipAddress === ip).map((i) => ({ ipAddress: i.ipAddress, port: i.port, healthState: i.healthState }))) : [];
        const hasHealthPort = (p.spec?.containers ?? []).some((c) => c.name === plan.target.container && (c.ports ?? []).some((q) => q.containerPort === port));
        let target: ProbeOutcome | null = null;
        if (o.probe && ip && hasHealthPort) {
          const known = targets.get(name);
          const settled = known && known.outcome.outcome === "answered" && known.outcome.status === 200;
          if (known && (settled || Date.now() - known.at < reprobeMs)) target = known.outcome;
          else {
            target = await o.probe.get({ namespace: wl.namespace, name, podIP: ip }, port, path, Math.min(5000, Math.max(1000, deadline - Date.now())));
            targets.set(name, { outcome: target, at: Date.now() });
          }
        }
        return {
          pod: name,
          podIP: ip,
          ready: (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
          // gke-neg.md §1: an empty status means waiting, not ready.
          readinessGate: !gate ? "absent" : gateStatus === "True" ? "True" : "waiting",
          hasHealthPort,
          endpoints,
          target,
        } satisfies PodHealth;
      }),
    );
    for (const p of pods) {
      for (const e of p.endpoints) {
        const k = `${e.ipAddress}:${e.port}`;
        if (seen.get(k) !== e.healthState) {
          seen.set(k, e.healthState ?? "none");
          emit({ operation, step: "endpoint", message: `endpoint ${k} ${e.healthState ?? "not health-checked"} (${p.pod})` });
        }
      }
      const gk = `gate:${p.pod}`;
      if (p.readinessGate !== "absent" && seen.get(gk) !== p.readinessGate) {
        seen.set(gk, p.readinessGate);
        emit({ operation, step: "readiness-gate", message: `pod ${p.pod} readiness gate ${p.readinessGate}` });
      }
      const tk = `target:${p.pod}`;
      if (p.target && seen.get(tk) !== p.target.detail) {
        seen.set(tk, p.target.detail);
        emit({ operation, step: "health-target", message: `pod ${p.pod} ${p.target.detail}` });
      }
    }
    const current = pods.filter((p) => p.hasHealthPort);
    const gated = current.some((p) => p.readinessGate !== "absent");
    const signal: VerifyResult["signal"] = health ? "compute-api" : gated ? "readiness-gate" : "pod-ready";
    const bad = current.filter((p) => whyNot(p, health !== null).length > 0);
    if (current.length > 0 && bad.length === 0) {
      const probed = current.filter((p) => p.target?.outcome === "answered");
      const targetNote = o.probe && probed.length === current.length ? `, and each answers 200 on port ${port} at ${path} (the check's target, ${o.probe.via})` : "";
      const message = health
        ? `All ${current.length} pods are HEALTHY at the load balancer (Compute API)${targetNote}.`
        : gated
          ? `All ${current.length} pods are Ready and passed the NEG readiness gate${targetNote}. The gate is one-way (gke-neg.md §1): live load-balancer health needs the Compute API.`
          : `All ${current.length} pods are Ready${targetNote}. They carry no NEG readiness gate (gke-neg.md §5), so Ready says nothing about the load balancer: live load-balancer health needs the Compute API.`;
      emit({ operation, step: "done", message });
      return { healthy: true, timedOut: false, signal, pods, message };
    }
    if (Date.now() > deadline) {
      return {
        healthy: false,
        timedOut: true,
        signal,
        pods,
        message: current.length === 0 ? "No pod carries the new health port yet." : `Not healthy after ${Math.round(timeoutMs / 1000)} s: ${bad.map((p) => `${p.pod} (${whyNot(p, health !== null).join("; ")})`).join(", ")}.`,
      };
    }
    await sleep(pollMs);
  }
}
