// ingress-gce's readiness reflector (gke-neg.md §5): writes the pod condition
// `cloud.google.com/load-balancer-neg-ready` from the load balancer's health, with a Pod event per
// change, and never sets it back once True. Driven by pod watches and the simulated GCE's changes.
import type { ClusterClient } from "../cluster/client.ts";
import { ClusterError, resources } from "../cluster/client.ts";
import { EventRecorder } from "../workloads/events.ts";
import { WorkQueue, keyOf } from "../workloads/informer.ts";
import type { GkeCaches } from "./caches.ts";
import type { Gce, GceChange } from "./gce.ts";
import { negKey } from "./gce.ts";
import type { NegController } from "./neg-controller.ts";
import { NEG_READINESS_GATE } from "./neg-model.ts";
import type { NegMembership } from "./readiness.ts";
import { NEG_READINESS_TIMEOUT_MS, currentNegCondition, expectedNegCondition, hasNegReadinessGate, sameCondition } from "./readiness.ts";
import type { Pod } from "./types.ts";

export interface ReflectorOptions {
  speed: number;
  log?: (msg: string) => void;
}

export class ReadinessReflector {
  private readonly client: ClusterClient;
  private readonly caches: GkeCaches;
  private readonly gce: Gce;
  private readonly negs: NegController;
  private readonly options: ReflectorOptions;
  private readonly recorder: EventRecorder;
  private readonly queue: WorkQueue;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private started = false;
  private scanScheduled = false;
  /** Pods named by the GCE changes since the last scan; undefined once a change could concern any pod. */
  private touched: Set<string> | undefined = new Set();
  /**
   * GCE changes come in bursts (one per probe state change): one scan per turn of the event loop,
   * of the pods the changes concern (at --scale 5000 a scan of every waiting pod per probe result
   * was quadratic).
   */
  private readonly onGce = (_what: string, detail?: GceChange) => {
    const pods = this.gce.podsAffectedBy(detail);
    if (!pods) this.touched = undefined;
    else if (this.touched) for (const p of pods) this.touched.add(p);
    if (this.scanScheduled) return;
    this.scanScheduled = true;
    setImmediate(() => {
      this.scanScheduled = false;
      const touched = this.touched;
      this.touched = new Set();
      if (!touched) this.enqueueWaiting();
      else for (const key of touched) {
        const i = key.indexOf("/");
        const pod = this.caches.pods.get(key.slice(0, i), key.slice(i + 1));
        if (pod && this.needsWork(pod)) this.enqueue(key);
      }
    });
  };

  constructor(client: ClusterClient, caches: GkeCaches, gce: Gce, negs: NegController, options: ReflectorOptions) {
    this.client = client;
    this.caches = caches;
    this.gce = gce;
    this.negs = negs;
    this.options = options;
    this.recorder = new EventRecorder(client, "neg-readiness-reflector");
    this.queue = new WorkQueue(
      (key) => this.sync(key),
      (key, err) => {
        options.log?.(`neg-readiness-reflector: ${key}: ${(err as Error).message}`);
        this.later(key, Math.max(10, 500 / options.speed));
      },
    );
    caches.pods.on((type, pod) => {
      if (type === "DELETED") this.clearTimer(keyOf(pod));
      else if (this.needsWork(pod)) this.enqueue(keyOf(pod));
    });
  }

  /** The timeout after which a waiting pod is let through anyway (gke-neg.md §5), speed-scaled. */
  get timeoutMs(): number {
    return NEG_READINESS_TIMEOUT_MS / this.options.speed;
  }

  start(): void {
    this.started = true;
    this.gce.on("changed", this.onGce);
    this.enqueueWaiting();
  }

  stop(): void {
    this.started = false;
    this.gce.off("changed", this.onGce);
    this.queue.stop();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private needsWork(pod: Pod): boolean {
    // A pod without an IP is not running yet: nothing to decide (and its Service's NEGs may not be
    // synced yet, which would read as "does not belong to any NEG").
    return hasNegReadinessGate(pod) && currentNegCondition(pod)?.status !== "True" && !pod.metadata.deletionTimestamp && !!pod.status?.podIP;
  }

  private enqueue(key: string): void {
    if (this.started) this.queue.add(key);
  }

  private enqueueWaiting(): void {
    if (!this.started) return;
    for (const pod of this.caches.pods.values()) if (this.needsWork(pod)) this.queue.add(keyOf(pod));
  }

  private later(key: string, ms: number): void {
    this.clearTimer(key);
    const t = setTimeout(() => {
      this.timers.delete(key);
      this.enqueue(key);
    }, ms);
    this.timers.set(key, t);
  }

  private clearTimer(key: string): void {
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.delete(key);
  }

  /** The NEGs holding this pod's endpoint, and the health-checked backend services over each. */
  memberships(pod: Pod): NegMembership[] {
    const out: NegMembership[] = [];
    for (const { neg, key, endpoint } of this.gce.endpointsOfPod(keyOf(pod))) {
      const kind = this.negs.negKind(neg.name);
      if (!kind || endpoint.ipAddress !== pod.status?.podIP) continue;
      const k = negKey(neg.zone, neg.name);
      out.push({ neg: neg.name, zone: neg.zone, kind, backendServices: this.gce.backendServicesOf(k).map((bs) => ({ name: bs.name, state: this.gce.healthOf(bs.name, k, key) })) });
    }
    return out.sort((a, b) => (a.neg + a.zone < b.neg + b.zone ? -1 : 1));
  }

  private async sync(key: string): Promise<void> {
    const [ns, ...rest] = key.split("/");
    const name = rest.join("/");
    const cached = this.caches.pods.get(ns, name);
    if (!cached || !this.needsWork(cached)) return;
    const wanted = expectedNegCondition({ pod: cached, negsForPod: this.negs.negsForPod(cached), memberships: this.memberships(cached), now: Date.now(), timeoutMs: this.timeoutMs });
    if (!wanted) return;
    if (wanted.status !== "True") {
      const created = Date.parse(cached.metadata.creationTimestamp ?? "");
      if (Number.isFinite(created)) this.later(key, Math.max(1, created + this.timeoutMs - Date.now() + 5));
    } else {
      this.clearTimer(key);
    }
    if (sameCondition(currentNegCondition(cached), wanted)) return;
    // Read-modify-write of the status subresource; a conflict (the kubelet wrote meanwhile) retries.
    for (let attempt = 0; attempt < 5; attempt++) {
      const fresh = await this.client.get<Pod>(resources.pods, ns, name);
      if (!fresh || !this.needsWork(fresh)) return;
      if (sameCondition(currentNegCondition(fresh), wanted)) return;
      const conditions = (fresh.status?.conditions ?? []).filter((c) => c.type !== NEG_READINESS_GATE);
      conditions.push(wanted);
      try {
        const updated = await this.client.updateStatus<Pod>(resources.pods, { ...fresh, status: { ...fresh.status, conditions } });
        this.caches.pods.upsert(updated);
        this.recorder.record(updated, "Normal", wanted.reason!, wanted.message!);
        return;
      } catch (err) {
        if (err instanceof ClusterError && err.code === 409) continue;
        if (err instanceof ClusterError && err.code === 404) return;
        throw err;
      }
    }
    this.enqueue(key);
  }
}
