// Verifying a plan took effect: the Deployment's rollout (observedGeneration, updated/available
// replicas), then the pods — Ready, the NEG readiness gate (gke-neg.md §1, §5) — and, when a Compute
// API fetcher is given, each endpoint's live load-balancer health (gke-neg.md §8), with progress events.
import { SwitchboardError } from "../contract/errors.ts";
import type { NegEndpointHealth } from "../gke/snapshot.ts";
import type { ObjectApi } from "./kube.ts";
import { describeObject } from "./kube.ts";
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
}

export interface VerifyResult {
  healthy: boolean;
  timedOut: boolean;
  /** The strongest signal the verdict rests on (gke-neg.md §1). */
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
  signal?: AbortSignal;
}

function selectorOf(d: KubeObject): string {
  const labels = (d as unknown as DeploymentShape).spec?.selector?.matchLabels ?? {};
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(",");
}

interface PodShape {
  metadata: { name?: string; deletionTimestamp?: string };
  spec?: { containers?: { name: string; ports?: { containerPort: number }[] }[]; readinessGates?: { conditionType: string }[] };
  status?: { podIP?: string; conditions?: { type: string; status?: string }[] };
}

export async function verifyPlan(plan: Plan, o: VerifyOptions): Promise<VerifyResult> {
  const timeoutMs = o.timeoutMs ?? 600_000;
  const pollMs = o.pollMs ?? 500;
  const deadline = Date.now() + timeoutMs;
  const emit = o.onProgress ?? (() => undefined);
  const operation = o.operation ?? "";
  const wl = plan.target.workload;
  const signal: VerifyResult["signal"] = o.endpointHealth ? "compute-api" : "readiness-gate";
  if (!wl) {
    return { healthy: false, timedOut: false, signal, pods: [], message: "No Deployment is known for this Service, so there are no pods to follow." };
  }
  const depKey: ObjectKey = { kind: "Deployment", apiVersion: "apps/v1", namespace: wl.namespace, name: wl.name };
  try {
    await waitForRollout(o.objects, depKey, { timeoutMs, pollMs, onProgress: emit, operation, ...(o.signal ? { signal: o.signal } : {}) });
  } catch (err) {
    if (err instanceof SwitchboardError && err.code === "timeout") return { healthy: false, timedOut: true, signal, pods: [], message: err.message };
    throw err;
  }
  const dep = await o.objects.get(depKey);
  const selector = dep ? selectorOf(dep) : "";
  const seen = new Map<string, string>();
  let pods: PodHealth[];
  for (;;) {
    if (o.signal?.aborted) throw new SwitchboardError("cancelled", "Verification was cancelled.");
    const raw = (await o.objects.listPods(wl.namespace, selector)) as unknown as PodShape[];
    const health = o.endpointHealth ? await o.endpointHealth() : null;
    pods = raw
      .filter((p) => !p.metadata.deletionTimestamp)
      .map((p) => {
        const gate = (p.spec?.readinessGates ?? []).some((g) => g.conditionType === NEG_READY_CONDITION);
        const gateStatus = p.status?.conditions?.find((c) => c.type === NEG_READY_CONDITION)?.status;
        const ip = p.status?.podIP ?? null;
        const endpoints = health && ip ? health.flatMap((h) => h.items.filter((i) => i.ipAddress === ip).map((i) => ({ ipAddress: i.ipAddress, port: i.port, healthState: i.healthState }))) : [];
        return {
          pod: p.metadata.name ?? "",
          podIP: ip,
          ready: (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
          // gke-neg.md §1: an empty status means waiting, not ready.
          readinessGate: !gate ? "absent" : gateStatus === "True" ? "True" : "waiting",
          hasHealthPort: (p.spec?.containers ?? []).some((c) => c.name === plan.target.container && (c.ports ?? []).some((q) => q.containerPort === plan.target.port)),
          endpoints,
        } satisfies PodHealth;
      });
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
    }
    const current = pods.filter((p) => p.hasHealthPort);
    const podsOk = current.length > 0 && current.every((p) => p.ready && p.readinessGate !== "waiting");
    const lbOk = !health || current.every((p) => p.endpoints.length > 0 && p.endpoints.every((e) => e.healthState === "HEALTHY"));
    if (podsOk && lbOk) {
      const message = health
        ? `All ${current.length} pods are HEALTHY at the load balancer (Compute API).`
        : `All ${current.length} pods are Ready${current.some((p) => p.readinessGate === "True") ? " and passed the NEG readiness gate" : ""}. The gate is one-way (gke-neg.md §1): live load-balancer health needs the Compute API.`;
      emit({ operation, step: "done", message });
      return { healthy: true, timedOut: false, signal, pods, message };
    }
    if (Date.now() > deadline) {
      const bad = current.filter((p) => !p.ready || p.readinessGate === "waiting" || (health && !p.endpoints.every((e) => e.healthState === "HEALTHY")));
      return {
        healthy: false,
        timedOut: true,
        signal,
        pods,
        message: current.length === 0 ? "No pod carries the new health port yet." : `Not healthy after ${Math.round(timeoutMs / 1000)} s: ${bad.map((p) => p.pod).join(", ")}.`,
      };
    }
    await sleep(pollMs);
  }
}
