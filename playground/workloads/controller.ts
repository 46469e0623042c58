// The workload controllers of kube-controller-manager the playground needs: Deployment →
// ReplicaSet (rolling update) → Pods (with a node picked, as the scheduler would), Endpoints and
// EndpointSlices for Services, and garbage collection along ownerReferences. Watch-driven, and
// they touch the cluster only through ClusterClient.
import { ClusterError, resources, type ClusterClient, type KubeObject } from "../cluster/client.ts";
import { defaultNodes, type SimNode } from "../kubelet/nodes.ts";
import { endpointSubsets, endpointsObject, MANAGED_BY, MANAGED_BY_LABEL, SERVICE_NAME_LABEL, sliceSpecs } from "./endpoints.ts";
import { EventRecorder, nowTime } from "./events.ts";
import { canonicalJson, podTemplateHash, randomSuffix, templateIdentity } from "./hash.ts";
import { Informer, keyOf, WorkQueue } from "./informer.ts";
import { DESIRED_REPLICAS, deploymentStatus, MAX_REPLICAS, newRSReplicas, resolveSurge, REVISION, revisionOf, scaleDownOld } from "./rollout.ts";
import { LabelIndex, matchesMap, matchesSelector, OwnerIndex } from "./selectors.ts";
import type { Deployment, Pod, ReplicaSet, Service } from "./types.ts";

export interface WorkloadOptions {
  client: ClusterClient;
  /** Divides simulated durations (progressDeadlineSeconds, minReadySeconds). Default 1. */
  speed?: number;
  /** Nodes pods are spread over (the kubelet's nodes). */
  nodes?: SimNode[];
  /** Also write discovery.k8s.io EndpointSlices (default true). */
  endpointSlices?: boolean;
  log?: (message: string) => void;
}

type Owned = { metadata: { ownerReferences?: KubeObject["metadata"]["ownerReferences"] } };

function controllerOf(obj: Owned, kind: string): string | undefined {
  return obj.metadata.ownerReferences?.find((o) => o.controller && o.kind === kind)?.uid;
}

function isActive(pod: Pod): boolean {
  return !pod.metadata.deletionTimestamp && pod.status?.phase !== "Succeeded" && pod.status?.phase !== "Failed";
}

function podReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

function readySince(pod: Pod): number | undefined {
  const c = pod.status?.conditions?.find((x) => x.type === "Ready" && x.status === "True");
  return c?.lastTransitionTime ? Date.parse(c.lastTransitionTime) : undefined;
}

const ignoreNotFound = (err: unknown) => {
  if (err instanceof ClusterError && err.code === 404) return undefined;
  throw err;
};

export class WorkloadControllers {
  readonly #client: ClusterClient;
  readonly #speed: number;
  readonly #nodes: SimNode[];
  readonly #slices: boolean;
  readonly #log: (m: string) => void;
  readonly #events: EventRecorder;
  readonly deployments: Informer<Deployment>;
  readonly replicaSets: Informer<ReplicaSet>;
  readonly pods: Informer<Pod>;
  readonly services: Informer<Service>;
  readonly endpoints: Informer<KubeObject>;
  readonly slices: Informer<KubeObject>;
  readonly #slicesByService = new LabelIndex();
  readonly #deploymentUids = new Map<string, string>();
  readonly #rsUids = new Map<string, string>();
  readonly #rsByOwner = new OwnerIndex();
  readonly #podsByOwner = new OwnerIndex();
  readonly #podLabels = new LabelIndex();
  readonly #svcSelectors = new LabelIndex();
  readonly #podsPerNode = new Map<string, number>();
  readonly #deploymentQueue: WorkQueue;
  readonly #rsQueue: WorkQueue;
  readonly #svcQueue: WorkQueue;
  readonly #timers = new Set<NodeJS.Timeout>();
  /** Deployments whose new ReplicaSet this controller created in the current rollout step. */
  readonly #createdNewRS = new Set<string>();
  #synced = false;
  #stopped = false;

  constructor(options: WorkloadOptions) {
    this.#client = options.client;
    this.#speed = options.speed && options.speed > 0 ? options.speed : 1;
    this.#nodes = options.nodes ?? defaultNodes();
    this.#slices = options.endpointSlices ?? true;
    this.#log = options.log ?? (() => undefined);
    this.#events = new EventRecorder(this.#client, "deployment-controller");
    const retry = (queue: () => WorkQueue) => (key: string, err: unknown) => {
      if (!(err instanceof ClusterError && err.code === 409)) this.#log(`workloads: ${key}: ${String(err)}`);
      this.#later(() => queue().add(key), 100);
    };
    this.#deploymentQueue = new WorkQueue((k) => this.#syncDeployment(k), retry(() => this.#deploymentQueue));
    this.#rsQueue = new WorkQueue((k) => this.#syncReplicaSet(k), retry(() => this.#rsQueue));
    // Endpoints change with every pod status; a short batch period folds a burst into one write.
    this.#svcQueue = new WorkQueue((k) => this.#syncService(k), retry(() => this.#svcQueue), 5);

    this.deployments = new Informer<Deployment>(this.#client, resources.deployments).on((type, d) => {
      if (type === "DELETED") {
        this.#deploymentUids.delete(d.metadata.uid ?? "");
        this.#collectReplicaSets(d.metadata.uid);
      } else {
        this.#deploymentUids.set(d.metadata.uid ?? "", keyOf(d));
        this.#deploymentQueue.add(keyOf(d));
      }
    });
    this.replicaSets = new Informer<ReplicaSet>(this.#client, resources.replicasets).on((type, rs, old) => {
      const key = keyOf(rs);
      if (type === "DELETED") {
        this.#rsByOwner.delete(key);
        this.#rsUids.delete(rs.metadata.uid ?? "");
        this.#collectPods(rs.metadata.uid);
      } else {
        this.#rsByOwner.set(key, controllerOf(rs, "Deployment"));
        this.#rsUids.set(rs.metadata.uid ?? "", key);
        this.#rsQueue.add(key);
      }
      for (const r of [rs, old]) {
        const owner = r && controllerOf(r, "Deployment");
        if (owner) this.#enqueueDeploymentByUid(r.metadata.namespace, owner);
      }
    });
    this.pods = new Informer<Pod>(this.#client, resources.pods).on((type, pod, old) => this.#onPod(type, pod, old));
    this.services = new Informer<Service>(this.#client, resources.services).on((type, svc) => {
      const key = keyOf(svc);
      if (type === "DELETED") this.#svcSelectors.delete(key);
      else this.#svcSelectors.set(key, svc.metadata.namespace ?? "default", svc.spec.selector);
      this.#svcQueue.add(key);
    });
    this.endpoints = new Informer<KubeObject>(this.#client, resources.endpoints);
    this.slices = new Informer<KubeObject>(this.#client, resources.endpointslices, { labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY}` }).on((type, s) => {
      const key = keyOf(s);
      const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
      if (type === "DELETED" || !svc) this.#slicesByService.delete(key);
      else this.#slicesByService.set(key, s.metadata.namespace ?? "default", { [SERVICE_NAME_LABEL]: svc });
    });
  }

  async start(): Promise<void> {
    // Caches first, so that garbage collection never mistakes "not yet seen" for "gone".
    await Promise.all([this.deployments.start(), this.replicaSets.start(), this.pods.start(), this.endpoints.start(), this.slices.start()]);
    // Services last: their first sync reads the pods, endpoints and slices above.
    await this.services.start();
    this.#synced = true;
    for (const rs of this.replicaSets.values()) {
      const owner = controllerOf(rs, "Deployment");
      if (owner && !this.#deploymentByUid(rs.metadata.namespace, owner)) this.#collectReplicaSets(owner);
    }
    for (const pod of this.pods.values()) {
      const owner = controllerOf(pod, "ReplicaSet");
      if (owner && !this.#rsByUid(pod.metadata.namespace, owner)) this.#collectPods(owner);
    }
  }

  stop(): void {
    this.#stopped = true;
    for (const q of [this.#deploymentQueue, this.#rsQueue, this.#svcQueue]) q.stop();
    for (const i of [this.deployments, this.replicaSets, this.pods, this.services, this.endpoints, this.slices]) i.stop();
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  #later(fn: () => void, ms: number): void {
    if (this.#stopped) return;
    const t = setTimeout(() => {
      this.#timers.delete(t);
      if (!this.#stopped) fn();
    }, Math.max(1, ms));
    this.#timers.add(t);
  }

  // ---- indexes ---------------------------------------------------------------------------------

  #onPod(type: "ADDED" | "MODIFIED" | "DELETED", pod: Pod, old: Pod | undefined): void {
    const key = keyOf(pod);
    const ns = pod.metadata.namespace ?? "default";
    if (old?.spec.nodeName) this.#podsPerNode.set(old.spec.nodeName, (this.#podsPerNode.get(old.spec.nodeName) ?? 1) - 1);
    if (type === "DELETED") {
      this.#podsByOwner.delete(key);
      this.#podLabels.delete(key);
    } else {
      this.#podsByOwner.set(key, controllerOf(pod, "ReplicaSet"));
      this.#podLabels.set(key, ns, pod.metadata.labels);
      if (pod.spec.nodeName) this.#podsPerNode.set(pod.spec.nodeName, (this.#podsPerNode.get(pod.spec.nodeName) ?? 0) + 1);
    }
    for (const p of [pod, old]) {
      if (!p) continue;
      const owner = controllerOf(p, "ReplicaSet");
      if (owner) {
        const rs = this.#rsByUid(ns, owner);
        if (rs) this.#rsQueue.add(keyOf(rs));
        else if (this.#synced && type !== "DELETED") this.#collectPods(owner);
      }
      for (const svcKey of this.#servicesSelecting(ns, p.metadata.labels)) this.#svcQueue.add(svcKey);
    }
  }

  #servicesSelecting(ns: string, labels: Record<string, string> | undefined): string[] {
    const out = new Set<string>();
    for (const [k, v] of Object.entries(labels ?? {})) {
      for (const svcKey of this.#svcSelectors.with(ns, k, v)) {
        const svc = this.services.get(undefined, svcKey);
        if (svc?.spec.selector && matchesMap(labels, svc.spec.selector)) out.add(svcKey);
      }
    }
    return [...out];
  }

  #podsSelectedBy(ns: string, selector: Record<string, string>): Pod[] {
    const entries = Object.entries(selector);
    if (entries.length === 0) return [];
    // Start from the smallest label bucket.
    let smallest: Set<string> | undefined;
    for (const [k, v] of entries) {
      const set = this.#podLabels.with(ns, k, v);
      if (!smallest || set.size < smallest.size) smallest = set;
    }
    const out: Pod[] = [];
    for (const key of smallest ?? []) {
      const pod = this.pods.get(undefined, key);
      if (pod && matchesMap(pod.metadata.labels, selector)) out.push(pod);
    }
    return out;
  }

  #deploymentByUid(_ns: string | undefined, uid: string): Deployment | undefined {
    const key = this.#deploymentUids.get(uid);
    return key ? this.deployments.get(undefined, key) : undefined;
  }

  #enqueueDeploymentByUid(_ns: string | undefined, uid: string): void {
    const key = this.#deploymentUids.get(uid);
    if (key) this.#deploymentQueue.add(key);
  }

  #rsByUid(_ns: string | undefined, uid: string): ReplicaSet | undefined {
    const key = this.#rsUids.get(uid);
    return key ? this.replicaSets.get(undefined, key) : undefined;
  }

  #ownedReplicaSets(d: Deployment): ReplicaSet[] {
    return this.#rsByOwner.owned(d.metadata.uid).map((k) => this.replicaSets.get(undefined, k)).filter((x): x is ReplicaSet => !!x && !x.metadata.deletionTimestamp);
  }

  #ownedPods(rs: ReplicaSet): Pod[] {
    return this.#podsByOwner.owned(rs.metadata.uid).map((k) => this.pods.get(undefined, k)).filter((x): x is Pod => !!x);
  }

  // ---- garbage collection (ownerReferences, background propagation) --------------------------

  #collectReplicaSets(deploymentUid: string | undefined): void {
    if (!this.#synced || !deploymentUid) return;
    for (const key of this.#rsByOwner.owned(deploymentUid)) {
      const rs = this.replicaSets.get(undefined, key);
      if (!rs) continue;
      void this.#client.delete(resources.replicasets, rs.metadata.namespace, rs.metadata.name).catch(ignoreNotFound).catch((e: unknown) => this.#log(String(e)));
    }
  }

  #collectPods(rsUid: string | undefined): void {
    if (!this.#synced || !rsUid) return;
    for (const key of this.#podsByOwner.owned(rsUid)) {
      const pod = this.pods.get(undefined, key);
      if (!pod || pod.metadata.deletionTimestamp) continue;
      void this.#client.delete(resources.pods, pod.metadata.namespace, pod.metadata.name).catch(ignoreNotFound).catch((e: unknown) => this.#log(String(e)));
    }
  }

  // ---- Deployment ------------------------------------------------------------------------------

  async #syncDeployment(key: string): Promise<void> {
    let d = this.deployments.get(undefined, key);
    if (!d || d.metadata.deletionTimestamp) return;
    const replicas = d.spec.replicas ?? 1;
    let owned = this.#ownedReplicaSets(d);
    const identity = templateIdentity(d.spec.template);
    let newRS = owned.find((rs) => templateIdentity(rs.spec.template) === identity);
    const old = () => owned.filter((rs) => rs !== newRS);
    const maxOldRevision = Math.max(0, ...old().map(revisionOf));
    const { maxSurge } = resolveSurge(d);

    if (!d.spec.paused) {
      if (!newRS) {
        newRS = await this.#createReplicaSet(d, owned, maxOldRevision + 1);
        owned = [...owned, newRS];
        this.#createdNewRS.add(key);
      } else if (revisionOf(newRS) <= maxOldRevision) {
        // Rolling back to an older template: that ReplicaSet becomes the newest revision.
        newRS = await this.#patchRS(newRS, { metadata: { annotations: { [REVISION]: String(maxOldRevision + 1) } } });
        owned = owned.map((rs) => (rs.metadata.uid === newRS!.metadata.uid ? newRS! : rs));
      }
      const activeOld = old().filter((rs) => (rs.spec.replicas ?? 0) > 0);
      const oldPods = old().reduce((n, rs) => n + (rs.status?.replicas ?? 0), 0);
      let target: number;
      if (d.spec.strategy?.type === "Recreate") target = activeOld.length > 0 || oldPods > 0 ? 0 : replicas;
      else target = activeOld.length === 0 ? replicas : newRSReplicas(d, owned, newRS);
      if (target !== (newRS.spec.replicas ?? 0)) {
        const from = newRS.spec.replicas ?? 0;
        newRS = await this.#scaleRS(newRS, target, d, replicas, maxSurge);
        owned = owned.map((rs) => (rs.metadata.uid === newRS!.metadata.uid ? newRS! : rs));
        this.#events.record(d, "Normal", "ScalingReplicaSet", `Scaled ${target > from ? "up" : "down"} replica set ${newRS.metadata.name} from ${from} to ${target}`);
      }
      const downs = d.spec.strategy?.type === "Recreate"
        ? new Map(activeOld.map((rs) => [rs.metadata.name, 0]))
        : scaleDownOld(d, newRS, old());
      for (const [name, count] of downs) {
        const rs = owned.find((r) => r.metadata.name === name)!;
        const from = rs.spec.replicas ?? 0;
        const scaled = await this.#scaleRS(rs, count, d, replicas, maxSurge);
        owned = owned.map((r) => (r.metadata.uid === scaled.metadata.uid ? scaled : r));
        this.#events.record(d, "Normal", "ScalingReplicaSet", `Scaled down replica set ${name} from ${from} to ${count}`);
      }
      await this.#cleanupHistory(d, owned.filter((rs) => rs !== newRS));
      // The Deployment carries its current revision too (kubectl rollout undo patches these annotations).
      const revision = String(revisionOf(newRS));
      if (d.metadata.annotations?.[REVISION] !== revision) {
        const written = await this.#client.patch<Deployment>(resources.deployments, d.metadata.namespace, d.metadata.name, "merge", { metadata: { annotations: { [REVISION]: revision } } });
        this.deployments.upsert(written);
        d = written;
      }
    }

    // Status (only written when it changes).
    const progressing = d.status?.conditions?.find((c) => c.type === "Progressing");
    const deadlineMs = ((d.spec.progressDeadlineSeconds ?? 600) * 1000) / this.#speed;
    const since = progressing?.lastUpdateTime ? Date.now() - Date.parse(progressing.lastUpdateTime) : undefined;
    const status = deploymentStatus({
      d, newRS, all: owned, now: nowTime(), sinceProgressMs: since, deadlineMs, createdNewRS: this.#createdNewRS.delete(key),
    });
    if (canonicalJson(status) !== canonicalJson(d.status ?? {})) {
      const written = await this.#client.updateStatus<Deployment>(resources.deployments, { ...d, status });
      this.deployments.upsert(written);
    }
    const done = status.conditions?.find((c) => c.type === "Progressing");
    if (done && done.reason !== "NewReplicaSetAvailable" && done.reason !== "ProgressDeadlineExceeded" && done.status === "True" && !d.spec.paused) {
      // Re-check when the progress deadline would pass (gives kubectl rollout status its timeout).
      this.#later(() => this.#deploymentQueue.add(key), deadlineMs + 50);
    }
  }

  async #createReplicaSet(d: Deployment, owned: ReplicaSet[], revision: number): Promise<ReplicaSet> {
    const replicas = d.spec.replicas ?? 1;
    const { maxSurge } = resolveSurge(d);
    let collision = d.status?.collisionCount ?? 0;
    for (;;) {
      const hash = podTemplateHash(d.spec.template, collision);
      const labels = { ...(d.spec.template.metadata?.labels ?? {}), "pod-template-hash": hash };
      const anyOldActive = owned.some((rs) => (rs.spec.replicas ?? 0) > 0);
      const draft: ReplicaSet = {
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        metadata: {
          name: `${d.metadata.name}-${hash}`,
          namespace: d.metadata.namespace,
          labels,
          annotations: { [DESIRED_REPLICAS]: String(replicas), [MAX_REPLICAS]: String(replicas + maxSurge), [REVISION]: String(revision) },
          ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: d.metadata.name, uid: d.metadata.uid ?? "", controller: true, blockOwnerDeletion: true }],
        },
        spec: {
          replicas: 0,
          minReadySeconds: d.spec.minReadySeconds ?? 0,
          selector: { ...d.spec.selector, matchLabels: { ...(d.spec.selector.matchLabels ?? {}), "pod-template-hash": hash } },
          template: { ...d.spec.template, metadata: { ...(d.spec.template.metadata ?? {}), labels } },
        },
      };
      // Start at the rolling-update size (or full size when nothing old runs), then record the event.
      const initial = anyOldActive && d.spec.strategy?.type !== "Recreate" ? newRSReplicas(d, owned, undefined)
        : anyOldActive ? 0 : replicas;
      draft.spec.replicas = initial;
      try {
        const created = await this.#client.create<ReplicaSet>(resources.replicasets, draft);
        this.replicaSets.upsert(created);
        this.#rsByOwner.set(keyOf(created), d.metadata.uid);
        this.#rsUids.set(created.metadata.uid ?? "", keyOf(created));
        if (initial > 0) this.#events.record(d, "Normal", "ScalingReplicaSet", `Scaled up replica set ${created.metadata.name} from 0 to ${initial}`);
        return created;
      } catch (err) {
        if (!(err instanceof ClusterError && err.code === 409)) throw err;
        const existing = await this.#client.get<ReplicaSet>(resources.replicasets, d.metadata.namespace, draft.metadata.name);
        if (existing && controllerOf(existing, "Deployment") === d.metadata.uid && templateIdentity(existing.spec.template) === templateIdentity(d.spec.template)) {
          this.replicaSets.upsert(existing);
          return existing;
        }
        collision++;
        await this.#client.updateStatus<Deployment>(resources.deployments, { ...d, status: { ...(d.status ?? {}), collisionCount: collision } }).then((w) => this.deployments.upsert(w));
      }
    }
  }

  async #patchRS(rs: ReplicaSet, patch: unknown): Promise<ReplicaSet> {
    const written = await this.#client.patch<ReplicaSet>(resources.replicasets, rs.metadata.namespace, rs.metadata.name, "merge", patch);
    this.replicaSets.upsert(written);
    return written;
  }

  #scaleRS(rs: ReplicaSet, replicas: number, _d: Deployment, desired: number, maxSurge: number): Promise<ReplicaSet> {
    return this.#patchRS(rs, {
      metadata: { annotations: { [DESIRED_REPLICAS]: String(desired), [MAX_REPLICAS]: String(desired + maxSurge) } },
      spec: { replicas },
    });
  }

  async #cleanupHistory(d: Deployment, old: ReplicaSet[]): Promise<void> {
    const limit = d.spec.revisionHistoryLimit ?? 10;
    const dead = old.filter((rs) => (rs.spec.replicas ?? 0) === 0 && (rs.status?.replicas ?? 0) === 0)
      .sort((a, b) => revisionOf(a) - revisionOf(b));
    for (const rs of dead.slice(0, Math.max(0, dead.length - limit))) {
      await this.#client.delete(resources.replicasets, rs.metadata.namespace, rs.metadata.name).catch(ignoreNotFound);
    }
  }

  // ---- ReplicaSet ------------------------------------------------------------------------------

  async #syncReplicaSet(key: string): Promise<void> {
    const rs = this.replicaSets.get(undefined, key);
    if (!rs || rs.metadata.deletionTimestamp) return;
    const pods = this.#ownedPods(rs).filter(isActive);
    const want = rs.spec.replicas ?? 0;
    if (pods.length < want) {
      const missing = want - pods.length;
      const nodes = this.#pickNodes(rs, missing);
      const created = await Promise.all(nodes.map((node) => this.#createPod(rs, node)));
      pods.push(...created);
    } else if (pods.length > want) {
      // Delete the pods that matter least first: unscheduled, not running, not ready, newest.
      const rank = (p: Pod) => (p.spec.nodeName ? 0 : 4) + (p.status?.phase === "Running" ? 0 : 2) + (podReady(p) ? 0 : 1);
      const victims = [...pods].sort((a, b) => rank(b) - rank(a)
        || (b.metadata.creationTimestamp ?? "").localeCompare(a.metadata.creationTimestamp ?? "")
        || b.metadata.name.localeCompare(a.metadata.name))
        .slice(0, pods.length - want);
      await Promise.all(victims.map(async (p) => {
        await this.#client.delete(resources.pods, p.metadata.namespace, p.metadata.name).catch(ignoreNotFound);
        this.pods.remove(p);
      }));
      pods.splice(0, pods.length, ...pods.filter((p) => !victims.includes(p)));
    }
    const minReadyMs = ((rs.spec.minReadySeconds ?? 0) * 1000) / this.#speed;
    const now = Date.now();
    let availableCount = 0;
    let wakeIn: number | undefined;
    for (const p of pods) {
      if (!podReady(p)) continue;
      const since = readySince(p);
      if (minReadyMs === 0 || (since !== undefined && now - since >= minReadyMs)) availableCount++;
      else wakeIn = Math.min(wakeIn ?? Infinity, minReadyMs - (now - (since ?? now)));
    }
    if (wakeIn !== undefined) this.#later(() => this.#rsQueue.add(key), wakeIn + 10);
    const templateLabels = rs.spec.template.metadata?.labels ?? {};
    const status = {
      replicas: pods.length,
      fullyLabeledReplicas: pods.filter((p) => matchesMap(p.metadata.labels, templateLabels)).length,
      readyReplicas: pods.filter(podReady).length,
      availableReplicas: availableCount,
      observedGeneration: rs.metadata.generation ?? 1,
    };
    if (canonicalJson(status) !== canonicalJson(rs.status ?? {})) {
      const written = await this.#client.updateStatus<ReplicaSet>(resources.replicasets, { ...rs, status });
      this.replicaSets.upsert(written);
    }
  }

  /** Picks nodes the way the default scheduler's spreading does: fewest pods of this set per zone, then per node, then overall. */
  #pickNodes(rs: ReplicaSet, count: number): string[] {
    const perZone = new Map<string, number>();
    const perNode = new Map<string, number>();
    const total = new Map(this.#podsPerNode);
    const add = (node: SimNode) => {
      perZone.set(node.zone, (perZone.get(node.zone) ?? 0) + 1);
      perNode.set(node.name, (perNode.get(node.name) ?? 0) + 1);
    };
    for (const p of this.#ownedPods(rs).filter(isActive)) {
      const node = this.#nodes.find((n) => n.name === p.spec.nodeName);
      if (node) add(node);
    }
    const picks: string[] = [];
    for (let i = 0; i < count; i++) {
      const score = (n: SimNode) => [perZone.get(n.zone) ?? 0, perNode.get(n.name) ?? 0, total.get(n.name) ?? 0];
      const best = [...this.#nodes].sort((a, b) => {
        const sa = score(a);
        const sb = score(b);
        return sa[0]! - sb[0]! || sa[1]! - sb[1]! || sa[2]! - sb[2]!;
      })[0]!;
      add(best);
      total.set(best.name, (total.get(best.name) ?? 0) + 1);
      picks.push(best.name);
    }
    return picks;
  }

  async #createPod(rs: ReplicaSet, nodeName: string): Promise<Pod> {
    const template = rs.spec.template;
    for (let attempt = 0; ; attempt++) {
      const pod: Pod = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          name: `${rs.metadata.name}-${randomSuffix()}`,
          generateName: `${rs.metadata.name}-`,
          namespace: rs.metadata.namespace,
          labels: { ...(template.metadata?.labels ?? {}) },
          ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
          ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: rs.metadata.name, uid: rs.metadata.uid ?? "", controller: true, blockOwnerDeletion: true }],
        },
        spec: { ...structuredClone(template.spec), nodeName },
      };
      try {
        const created = await this.#client.create<Pod>(resources.pods, pod);
        this.pods.upsert(created);
        return created;
      } catch (err) {
        // A name clash of the random suffix: try another one.
        if (err instanceof ClusterError && err.code === 409 && attempt < 5) continue;
        throw err;
      }
    }
  }

  // ---- Services → Endpoints / EndpointSlices --------------------------------------------------

  async #syncService(key: string): Promise<void> {
    const svc = this.services.get(undefined, key);
    const [ns, name] = key.split("/") as [string, string];
    if (!svc) {
      // The Service is gone: its Endpoints go too (slices are collected through their ownerReference here).
      const ep = this.endpoints.get(ns, name);
      if (ep) {
        await this.#client.delete(resources.endpoints, ns, name).catch(ignoreNotFound);
        this.endpoints.remove(ep);
      }
      if (this.#slices) await this.#deleteSlices(ns, name, new Set());
      return;
    }
    const selector = svc.spec.selector;
    if (!selector || Object.keys(selector).length === 0) return; // Endpoints of selector-less Services belong to the user.
    const pods = this.#podsSelectedBy(ns, selector);
    const subsets = endpointSubsets(svc, pods);
    const existing = this.endpoints.get(ns, name);
    const desired = endpointsObject(svc, subsets);
    if (!existing) {
      this.endpoints.upsert(await this.#client.create(resources.endpoints, desired));
    } else if (canonicalJson(existing.subsets ?? []) !== canonicalJson(subsets) || canonicalJson(existing.metadata.labels ?? {}) !== canonicalJson(desired.metadata.labels ?? {})) {
      const next: KubeObject = { ...existing, metadata: { ...existing.metadata, labels: desired.metadata.labels }, subsets };
      if (subsets.length === 0) delete next.subsets;
      this.endpoints.upsert(await this.#client.update(resources.endpoints, next));
    }
    if (this.#slices) await this.#syncSlices(svc, pods);
  }

  async #syncSlices(svc: Service, pods: Pod[]): Promise<void> {
    const ns = svc.metadata.namespace ?? "default";
    const zoneOf = (node: string | undefined) => this.#nodes.find((n) => n.name === node)?.zone;
    const specs = sliceSpecs(svc, pods, zoneOf);
    const existing = this.#slicesOf(ns, svc.metadata.name);
    const keep = new Set<string>();
    const free = [...existing];
    for (const spec of specs) {
      const sameKey = canonicalJson(spec.ports);
      const idx = free.findIndex((s) => canonicalJson(s.ports ?? []) === sameKey);
      const current = idx >= 0 ? free.splice(idx, 1)[0] : free.shift();
      const body = { addressType: "IPv4", endpoints: spec.endpoints, ports: spec.ports };
      if (current) {
        keep.add(current.metadata.name);
        if (canonicalJson({ addressType: current.addressType, endpoints: current.endpoints, ports: current.ports }) !== canonicalJson(body)) {
          this.slices.upsert(await this.#client.update(resources.endpointslices, { ...current, ...body }));
        }
      } else {
        const created = await this.#client.create(resources.endpointslices, {
          apiVersion: "discovery.k8s.io/v1",
          kind: "EndpointSlice",
          metadata: {
            name: `${svc.metadata.name}-${randomSuffix()}`,
            generateName: `${svc.metadata.name}-`,
            namespace: ns,
            labels: { ...(svc.metadata.labels ?? {}), [SERVICE_NAME_LABEL]: svc.metadata.name, [MANAGED_BY_LABEL]: MANAGED_BY },
            ownerReferences: [{ apiVersion: "v1", kind: "Service", name: svc.metadata.name, uid: svc.metadata.uid ?? "", controller: true, blockOwnerDeletion: true }],
          },
          ...body,
        });
        this.slices.upsert(created);
        keep.add(created.metadata.name);
      }
    }
    await this.#deleteSlices(ns, svc.metadata.name, keep, existing);
  }

  async #deleteSlices(ns: string, service: string, keep: Set<string>, known?: KubeObject[]): Promise<void> {
    const slices = known ?? this.#slicesOf(ns, service);
    for (const s of slices) {
      if (keep.has(s.metadata.name)) continue;
      await this.#client.delete(resources.endpointslices, ns, s.metadata.name).catch(ignoreNotFound);
      this.slices.remove(s);
    }
  }

  #slicesOf(ns: string, service: string): KubeObject[] {
    return [...this.#slicesByService.with(ns, SERVICE_NAME_LABEL, service)].map((k) => this.slices.get(undefined, k)).filter((x): x is KubeObject => !!x);
  }
}

export async function startWorkloads(options: WorkloadOptions): Promise<WorkloadControllers> {
  const c = new WorkloadControllers(options);
  await c.start();
  return c;
}

export { matchesSelector };
