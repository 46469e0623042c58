// The NEG controller (ingress-gce `neg-controller`): per Service, the zonal NEGs of gke-neg.md §2,
// their endpoints (every non-terminating pod, ready or not, §5), the `neg-status` annotation, the
// `svcneg` objects (§6) and the Service events GKE writes. Watch-driven.
import type { ClusterClient, KubeObject } from "../cluster/client.ts";
import { ClusterError, resources } from "../cluster/client.ts";
import { EventRecorder } from "../workloads/events.ts";
import { WorkQueue, keyOf } from "../workloads/informer.ts";
import { NEG_STATUS_ANNOTATION, formatNegStatus } from "./annotations.ts";
import type { GkeCaches } from "./caches.ts";
import type { Gce } from "./gce.ts";
import { negKey } from "./gce.ts";
import type { DesiredNeg, NegContext } from "./neg-model.ts";
import { desiredNegs, endpointsByZone, ingressBackends } from "./neg-model.ts";
import { zoneForNode } from "./naming.ts";
import type { Ingress, Pod, Service } from "./types.ts";

export const NEG_FINALIZER = "networking.gke.io/neg-finalizer";
const MANAGED_BY = "networking.gke.io/managed-by";
const SERVICE_NAME_LABEL = "networking.gke.io/service-name";
const SERVICE_PORT_LABEL = "networking.gke.io/service-port";

export interface NegControllerOptions {
  clusterId: string;
  zones: string[];
  speed: number;
  log?: (msg: string) => void;
}

interface ServiceNegs {
  /** NEG name → what it was created for. */
  negs: Map<string, DesiredNeg>;
}

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, "Z");
}

export class NegController {
  private readonly client: ClusterClient;
  private readonly caches: GkeCaches;
  private readonly gce: Gce;
  private readonly options: NegControllerOptions;
  private readonly recorder: EventRecorder;
  private readonly queue: WorkQueue;
  private readonly state = new Map<string, ServiceNegs>();
  /** NEG name → its kind, for the readiness reflector. */
  private readonly kinds = new Map<string, DesiredNeg["kind"]>();
  private started = false;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  /**
   * `ns/service` → keys of the Ingresses whose backends name it, and → names of the svcnegs labelled
   * with it. At --scale 5000 (100 Ingresses of 50 paths, 5,000 svcnegs) walking all of them on each
   * of the tens of thousands of Service syncs was most of the playground's CPU.
   */
  private readonly ingressesByService = new Map<string, Set<string>>();
  private readonly svcNegsByService = new Map<string, Set<string>>();

  constructor(client: ClusterClient, caches: GkeCaches, gce: Gce, options: NegControllerOptions) {
    this.client = client;
    this.caches = caches;
    this.gce = gce;
    this.options = options;
    this.recorder = new EventRecorder(client, "neg-controller");
    this.queue = new WorkQueue(
      (key) => this.sync(key),
      (key, err) => {
        options.log?.(`neg-controller: sync ${key} failed: ${(err as Error).message}`);
        const t = setTimeout(() => {
          this.retryTimers.delete(t);
          this.queue.add(key);
        }, Math.max(10, 1000 / options.speed));
        this.retryTimers.add(t);
      },
    );
    caches.services.on((_type, svc) => this.enqueue(keyOf(svc)));
    caches.pods.on((_type, pod, old) => this.onPod(pod, old));
    // Only the Services an Ingress names (before or after the change) can see their NEGs change: the
    // ingress ports of a Service come only from Ingresses that name it (ingressPortsOf).
    caches.ingresses.on((type, ing, old) => {
      const before = old ? this.servicesOfIngress(old) : [];
      const after = type === "DELETED" ? [] : this.servicesOfIngress(ing);
      const key = keyOf(ing);
      for (const s of before) this.ingressesByService.get(s)?.delete(key);
      for (const s of after) {
        let set = this.ingressesByService.get(s);
        if (!set) this.ingressesByService.set(s, (set = new Set()));
        set.add(key);
      }
      for (const s of new Set([...before, ...after])) this.enqueue(s);
    });
    caches.gateways.on(() => this.enqueueAll());
    caches.httpRoutes.on(() => this.enqueueAll());
    caches.nodes.on(() => this.enqueueAll());
    caches.svcNegs.on((type, obj, old) => {
      const oldSvc = old?.metadata.labels?.[SERVICE_NAME_LABEL];
      if (oldSvc) this.svcNegsByService.get(`${old!.metadata.namespace}/${oldSvc}`)?.delete(old!.metadata.name);
      const svc = obj.metadata.labels?.[SERVICE_NAME_LABEL];
      if (svc && type !== "DELETED") {
        const k = `${obj.metadata.namespace}/${svc}`;
        let set = this.svcNegsByService.get(k);
        if (!set) this.svcNegsByService.set(k, (set = new Set()));
        set.add(obj.metadata.name);
      }
      if (svc) this.enqueue(`${obj.metadata.namespace}/${svc}`);
    });
  }

  start(): void {
    this.started = true;
    this.enqueueAll();
  }

  stop(): void {
    this.started = false;
    this.queue.stop();
    for (const t of this.retryTimers) clearTimeout(t);
  }

  get context(): NegContext {
    return { clusterId: this.options.clusterId, ingresses: this.caches.ingresses.values(), gateways: this.caches.gateways.values(), routes: this.caches.httpRoutes.values() };
  }

  /** The Ingresses a Service's NEGs depend on: those naming it (the others add no port, ingressPortsOf). */
  contextFor(svc: Service): NegContext {
    const ingresses: Ingress[] = [];
    for (const k of this.ingressesByService.get(keyOf(svc)) ?? []) {
      const i = k.indexOf("/");
      const ing = i < 0 ? this.caches.ingresses.get(undefined, k) : this.caches.ingresses.get(k.slice(0, i), k.slice(i + 1));
      if (ing) ingresses.push(ing);
    }
    return { ...this.context, ingresses };
  }

  /** `ns/service` of every Service an Ingress's backends name (its own namespace). */
  private servicesOfIngress(ing: Ingress): string[] {
    const ns = ing.metadata.namespace ?? "default";
    const out = new Set<string>();
    for (const b of ingressBackends(ing)) if (b.service?.name) out.add(`${ns}/${b.service.name}`);
    return [...out];
  }

  /** gke-neg.md §2: zone of a node, from its label when the cluster has Node objects. */
  zoneOf = (nodeName: string): string => {
    const node = this.caches.nodes.get(undefined, nodeName);
    return zoneForNode(nodeName, this.options.zones, node?.metadata.labels);
  };

  /** NEG names of the Services that select this pod (ingress-gce `ReadinessGateEnabledNegs`). */
  negsForPod(pod: Pod): string[] {
    const out: string[] = [];
    for (const svc of this.caches.servicesSelecting(pod.metadata.namespace ?? "", pod.metadata.labels)) {
      const s = this.state.get(keyOf(svc));
      if (s) out.push(...s.negs.keys());
    }
    return out.sort();
  }

  /** Kind of a NEG this controller manages (for the readiness reflector). */
  negKind(name: string): DesiredNeg["kind"] | undefined {
    return this.kinds.get(name);
  }

  private enqueue(key: string): void {
    if (this.started) this.queue.add(key);
  }

  private enqueueAll(): void {
    if (!this.started) return;
    for (const svc of this.caches.services.values()) this.queue.add(keyOf(svc));
    for (const key of this.state.keys()) this.queue.add(key);
  }

  private onPod(pod: Pod, old: Pod | undefined): void {
    const ns = pod.metadata.namespace ?? "";
    for (const svc of this.caches.servicesSelecting(ns, pod.metadata.labels)) this.enqueue(keyOf(svc));
    if (old && JSON.stringify(old.metadata.labels) !== JSON.stringify(pod.metadata.labels)) {
      for (const svc of this.caches.servicesSelecting(ns, old.metadata.labels)) this.enqueue(keyOf(svc));
    }
  }

  private async sync(key: string): Promise<void> {
    const [ns, ...rest] = key.split("/");
    const name = rest.join("/");
    const svc = this.caches.services.get(ns, name);
    const prev = this.state.get(key) ?? { negs: new Map<string, DesiredNeg>() };
    if (!svc || svc.metadata.deletionTimestamp) {
      await this.removeNegs(ns!, name, prev, [...prev.negs.keys()], undefined);
      for (const n of prev.negs.keys()) this.kinds.delete(n);
      this.state.delete(key);
      await this.finishDeletedSvcNegs(ns!, name, new Set());
      return;
    }
    const desired = desiredNegs(svc, this.contextFor(svc));
    if (!desired.ok) {
      // gke-neg.md §2: invalid annotation → Warning ProcessServiceFailed; existing NEGs are kept.
      this.recorder.record(svc, "Warning", "ProcessServiceFailed", `Failed to process service "${key}": ${desired.error}`);
      return;
    }
    const wanted = new Map(desired.negs.map((d) => [d.name, d]));
    const removed = [...prev.negs.keys()].filter((n) => !wanted.has(n));
    await this.removeNegs(ns!, name, prev, removed, svc);
    for (const n of removed) this.kinds.delete(n);
    this.state.set(key, { negs: wanted });
    for (const d of wanted.values()) this.kinds.set(d.name, d.kind);
    for (const d of wanted.values()) await this.syncNeg(svc, d);
    await this.finishDeletedSvcNegs(ns!, name, new Set(wanted.keys()));
    await this.writeNegStatus(svc, desired.negs);
  }

  private portName(svc: Service, d: DesiredNeg): string {
    return `${svc.metadata.namespace}/${svc.metadata.name}-${d.servicePort.port}/${d.servicePort.targetPort ?? d.servicePort.port}`;
  }

  private async syncNeg(svc: Service, d: DesiredNeg): Promise<void> {
    const { zones } = this.options;
    let error: string | undefined;
    try {
      const byZone = endpointsByZone(svc, d.servicePort, this.caches.podsOf(svc), this.zoneOf);
      for (const zone of zones) {
        const { neg, created } = this.gce.ensureNeg(zone, d.name, JSON.stringify({ "cluster-uid": this.options.clusterId, namespace: svc.metadata.namespace, "service-name": svc.metadata.name, port: String(d.servicePort.port) }));
        if (created) this.recorder.record(svc, "Normal", "Create", `Created NEG ${JSON.stringify(d.name)} for ${this.portName(svc, d)} in ${JSON.stringify(zone)}.`);
        const want = byZone.get(zone) ?? new Map();
        const toAttach = [...want.entries()].filter(([k, ep]) => {
          const cur = neg.endpoints.get(k);
          return !cur || cur.pod !== ep.pod || cur.instance !== ep.instance;
        });
        const toDetach = [...neg.endpoints.keys()].filter((k) => !want.has(k));
        if (toDetach.length) {
          this.gce.detach(zone, d.name, toDetach);
          this.recorder.record(svc, "Normal", "Detach", `Detach ${toDetach.length} network endpoint(s) (NEG ${JSON.stringify(d.name)} in zone ${JSON.stringify(zone)})`);
        }
        if (toAttach.length) {
          this.gce.attach(zone, d.name, toAttach.map(([, ep]) => ep));
          this.recorder.record(svc, "Normal", "Attach", `Attach ${toAttach.length} network endpoint(s) (NEG ${JSON.stringify(d.name)} in zone ${JSON.stringify(zone)})`);
        }
      }
    } catch (err) {
      error = (err as Error).message;
      this.recorder.record(svc, "Warning", "SyncNetworkEndpointGroupFailed", `Failed to sync NEG ${JSON.stringify(d.name)} (will retry): ${error}`);
    }
    await this.ensureSvcNeg(svc, d, error);
    if (error) throw new Error(error);
  }

  /** gke-neg.md §6: name = NEG name, labels, ownerReference, finalizer, empty spec, status. */
  private async ensureSvcNeg(svc: Service, d: DesiredNeg, error: string | undefined): Promise<void> {
    const ns = svc.metadata.namespace!;
    const existing = this.caches.svcNegs.get(ns, d.name) ?? (await this.client.get(resources.svcnegs, ns, d.name));
    if (existing?.metadata.deletionTimestamp) return; // being deleted; re-created on a later sync
    const negRefs = this.options.zones
      .map((z) => this.gce.negs.get(negKey(z, d.name)))
      .filter((n) => n !== undefined)
      .map((n) => ({ id: n.id, selfLink: n.selfLink, networkEndpointType: "GCE_VM_IP_PORT" }));
    const prevConds = ((existing?.status as { conditions?: Array<Record<string, unknown>> } | undefined)?.conditions ?? []);
    const cond = (type: string, ok: boolean, reason: string, message: string) => {
      const prev = prevConds.find((c) => c.type === type);
      const status = ok ? "True" : "False";
      return { type, status, reason, message, lastTransitionTime: prev && prev.status === status ? prev.lastTransitionTime : now(), observedGeneration: 0 };
    };
    const status = {
      networkEndpointGroups: negRefs,
      conditions: [
        cond("Initialized", negRefs.length > 0, negRefs.length > 0 ? "NegInitializationSuccessful" : "NegInitializationFailed", ""),
        cond("Synced", !error, error ? "NegSyncFailed" : "NegSyncSuccessful", error ?? ""),
      ],
      lastSyncTime: now(),
    };
    const labels = { [MANAGED_BY]: "neg-controller", [SERVICE_NAME_LABEL]: svc.metadata.name, [SERVICE_PORT_LABEL]: String(d.servicePort.port) };
    if (!existing) {
      const obj: KubeObject = {
        apiVersion: "networking.gke.io/v1beta1",
        kind: "ServiceNetworkEndpointGroup",
        metadata: {
          name: d.name,
          namespace: ns,
          labels,
          ownerReferences: [{ apiVersion: "v1", kind: "Service", name: svc.metadata.name, uid: svc.metadata.uid ?? "", controller: true, blockOwnerDeletion: false }],
          finalizers: [NEG_FINALIZER],
        },
        spec: {},
        status,
      };
      try {
        this.caches.svcNegs.upsert(await this.client.create(resources.svcnegs, obj));
      } catch (err) {
        if (!(err instanceof ClusterError && err.code === 409)) throw err;
      }
      return;
    }
    const prevStatus = existing.status as { networkEndpointGroups?: unknown; conditions?: Array<Record<string, unknown>> } | undefined;
    const sameStatus = JSON.stringify(prevStatus?.networkEndpointGroups) === JSON.stringify(status.networkEndpointGroups) &&
      JSON.stringify(prevStatus?.conditions?.map((c) => [c.type, c.status, c.reason, c.message])) === JSON.stringify(status.conditions.map((c) => [c.type, c.status, c.reason, c.message]));
    const finalizers = existing.metadata.finalizers ?? [];
    if (sameStatus && finalizers.includes(NEG_FINALIZER)) return;
    const next = { ...existing, metadata: { ...existing.metadata, labels: { ...existing.metadata.labels, ...labels }, finalizers: finalizers.includes(NEG_FINALIZER) ? finalizers : [...finalizers, NEG_FINALIZER] }, status };
    try {
      this.caches.svcNegs.upsert(await this.client.update(resources.svcnegs, next));
    } catch (err) {
      if (!(err instanceof ClusterError && err.code === 409)) throw err;
      this.queue.add(`${ns}/${svc.metadata.name}`);
    }
  }

  /** Detaches and deletes NEGs no longer wanted, and deletes their svcneg objects. */
  private async removeNegs(ns: string, svcName: string, prev: ServiceNegs, names: string[], svc: Service | undefined): Promise<void> {
    for (const name of names) {
      const d = prev.negs.get(name);
      for (const zone of this.options.zones) {
        const neg = this.gce.negs.get(negKey(zone, name));
        if (!neg) continue;
        const keys = [...neg.endpoints.keys()];
        if (keys.length) {
          this.gce.detach(zone, name, keys);
          if (svc) this.recorder.record(svc, "Normal", "Detach", `Detach ${keys.length} network endpoint(s) (NEG ${JSON.stringify(name)} in zone ${JSON.stringify(zone)})`);
        }
        this.gce.deleteNeg(zone, name);
        if (svc && d) this.recorder.record(svc, "Normal", "Delete", `Deleted NEG ${JSON.stringify(name)} for ${this.portName(svc, d)} in ${JSON.stringify(zone)}.`);
      }
      const obj = this.caches.svcNegs.get(ns, name);
      if (obj && obj.metadata.labels?.[SERVICE_NAME_LABEL] === svcName) {
        await this.deleteSvcNeg(obj);
      }
    }
  }

  /** svcnegs of this Service being deleted (e.g. garbage-collected with it): drop their NEGs, then the finalizer. */
  private async finishDeletedSvcNegs(ns: string, svcName: string, keep: Set<string>): Promise<void> {
    const names = [...(this.svcNegsByService.get(`${ns}/${svcName}`) ?? [])];
    for (const name of names) {
      const obj = this.caches.svcNegs.get(ns, name);
      if (!obj) continue;
      if (obj.metadata.namespace !== ns || obj.metadata.labels?.[SERVICE_NAME_LABEL] !== svcName) continue;
      if (keep.has(obj.metadata.name) && !obj.metadata.deletionTimestamp) continue;
      for (const zone of this.options.zones) {
        const neg = this.gce.negs.get(negKey(zone, obj.metadata.name));
        if (neg && !keep.has(obj.metadata.name)) {
          this.gce.detach(zone, neg.name, [...neg.endpoints.keys()]);
          this.gce.deleteNeg(zone, neg.name);
        }
      }
      await this.deleteSvcNeg(obj);
    }
  }

  private async deleteSvcNeg(obj: KubeObject): Promise<void> {
    const ns = obj.metadata.namespace!;
    try {
      if (!obj.metadata.deletionTimestamp) await this.client.delete(resources.svcnegs, ns, obj.metadata.name);
      const fresh = await this.client.get(resources.svcnegs, ns, obj.metadata.name);
      if (fresh && (fresh.metadata.finalizers ?? []).includes(NEG_FINALIZER)) {
        await this.client.update(resources.svcnegs, { ...fresh, metadata: { ...fresh.metadata, finalizers: (fresh.metadata.finalizers ?? []).filter((f) => f !== NEG_FINALIZER) } });
      }
    } catch (err) {
      if (!(err instanceof ClusterError && err.code === 404)) throw err;
    }
  }

  /** gke-neg.md §2: `cloud.google.com/neg-status`, keys are Service port numbers. */
  private async writeNegStatus(svc: Service, negs: DesiredNeg[]): Promise<void> {
    const current = svc.metadata.annotations?.[NEG_STATUS_ANNOTATION];
    let wanted: string | null = null;
    if (negs.length > 0) {
      wanted = formatNegStatus({ network_endpoint_groups: Object.fromEntries(negs.map((d) => [String(d.servicePort.port), d.name])), zones: this.options.zones });
    }
    if ((current ?? null) === wanted) return;
    if (wanted === null && current === undefined) return;
    const updated = await this.client.patch<Service>(resources.services, svc.metadata.namespace, svc.metadata.name, "merge", { metadata: { annotations: { [NEG_STATUS_ANNOTATION]: wanted } } });
    this.caches.services.upsert(updated);
  }
}

