// The watch caches the simulated GKE controllers share (one list+watch per kind).
import type { ClusterClient, KubeObject } from "../cluster/client.ts";
import { ClusterError, resources } from "../cluster/client.ts";
import { Informer, keyOf } from "../workloads/informer.ts";
import { LabelIndex as KeyLabelIndex } from "../workloads/selectors.ts";
import type { BackendConfig, Gateway, HealthCheckPolicy, HTTPRoute, Ingress, Pod, Service } from "./types.ts";

export class GkeCaches {
  readonly services: Informer<Service>;
  readonly pods: Informer<Pod>;
  readonly ingresses: Informer<Ingress>;
  readonly backendConfigs: Informer<BackendConfig>;
  readonly healthCheckPolicies: Informer<HealthCheckPolicy>;
  readonly gateways: Informer<Gateway>;
  readonly httpRoutes: Informer<HTTPRoute>;
  readonly svcNegs: Informer<KubeObject>;
  readonly nodes: Informer<KubeObject>;
  /** Pods by their labels. */
  readonly podIndex: LabelIndex<Pod>;
  /** Services by their SELECTOR pairs (a pod's labels find the Services that may select it). */
  readonly serviceIndex: LabelIndex<Service>;

  constructor(client: ClusterClient) {
    this.services = new Informer<Service>(client, resources.services);
    this.pods = new Informer<Pod>(client, resources.pods);
    this.ingresses = new Informer<Ingress>(client, resources.ingresses);
    this.backendConfigs = new Informer<BackendConfig>(client, resources.backendconfigs);
    this.healthCheckPolicies = new Informer<HealthCheckPolicy>(client, resources.healthcheckpolicies);
    this.gateways = new Informer<Gateway>(client, resources.gateways);
    this.httpRoutes = new Informer<HTTPRoute>(client, resources.httproutes);
    this.svcNegs = new Informer<KubeObject>(client, resources.svcnegs);
    this.nodes = new Informer<KubeObject>(client, { group: "", version: "v1", plural: "nodes" });
    this.podIndex = new LabelIndex(this.pods, (p) => p.metadata.labels);
    this.serviceIndex = new LabelIndex(this.services, (s) => s.spec?.selector);
  }

  /** Pods a Service selects (any state), from the index. */
  podsOf(svc: Service): Pod[] {
    return svc.spec?.selector ? this.podIndex.withLabels(svc.metadata.namespace ?? "", svc.spec.selector) : [];
  }

  /** Services whose selector matches these labels (namespace-local). */
  servicesSelecting(ns: string, labels: Record<string, string> | undefined): Service[] {
    return this.serviceIndex.sharingAnyPair(ns, labels).filter((s) => {
      const sel = s.spec?.selector ?? {};
      return Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => labels?.[k] === v);
    });
  }

  private all(): Array<Informer<KubeObject>> {
    return [this.nodes, this.services, this.pods, this.ingresses, this.backendConfigs, this.healthCheckPolicies, this.gateways, this.httpRoutes, this.svcNegs] as unknown as Array<Informer<KubeObject>>;
  }

  /**
   * Starts every watch. Against a real kube-apiserver the Gateway API and HealthCheckPolicy CRDs may
   * be missing (404): those caches then stay empty instead of failing the whole start.
   */
  async start(log?: (msg: string) => void): Promise<void> {
    const optional = new Set<Informer<KubeObject>>([this.gateways, this.httpRoutes, this.healthCheckPolicies] as unknown as Array<Informer<KubeObject>>);
    await Promise.all(this.all().map((i) => i.start().catch((err: unknown) => {
      if (optional.has(i) && err instanceof ClusterError && err.code === 404) {
        log?.(`gke: ${err.message} (kind not served; its cache stays empty)`);
        return;
      }
      throw err;
    })));
  }

  stop(): void {
    for (const i of this.all()) i.stop();
  }
}

/**
 * Objects of one kind indexed by namespace and `key=value` label pairs, so "pods a selector picks"
 * and "Services whose selector picks this pod" stay cheap with thousands of objects (--scale). The
 * posting lists are the workload controllers' LabelIndex; this adds the objects and the informer feed.
 */
export class LabelIndex<T extends KubeObject> {
  private readonly pairs = new KeyLabelIndex();
  private readonly byNs = new Map<string, Set<string>>();
  private readonly objects = new Map<string, T>();
  private readonly labelsOf: (obj: T) => Record<string, string> | undefined;

  constructor(informer: Informer<T>, labelsOf: (obj: T) => Record<string, string> | undefined) {
    this.labelsOf = labelsOf;
    informer.on((type, obj, old) => {
      if (old) this.remove(old);
      if (type !== "DELETED") this.add(obj);
    });
  }

  private add(obj: T): void {
    const k = keyOf(obj);
    const ns = obj.metadata.namespace ?? "";
    this.objects.set(k, obj);
    let set = this.byNs.get(ns);
    if (!set) this.byNs.set(ns, (set = new Set()));
    set.add(k);
    this.pairs.set(k, ns, this.labelsOf(obj));
  }

  private remove(obj: T): void {
    const k = keyOf(obj);
    const current = this.objects.get(k);
    if (!current) return;
    this.objects.delete(k);
    this.byNs.get(current.metadata.namespace ?? "")?.delete(k);
    this.pairs.delete(k);
  }

  /** Objects in `ns` carrying every pair of `selector` (the smallest posting list, then verified). */
  withLabels(ns: string, selector: Record<string, string>): T[] {
    const pairs = Object.entries(selector);
    if (pairs.length === 0) return [];
    let smallest: Set<string> | undefined;
    for (const [k, v] of pairs) {
      const s = this.pairs.with(ns, k, v);
      if (s.size === 0) return [];
      if (!smallest || s.size < smallest.size) smallest = s;
    }
    const out: T[] = [];
    for (const key of smallest!) {
      const o = this.objects.get(key);
      const labels = o && this.labelsOf(o);
      if (o && pairs.every(([k, v]) => labels?.[k] === v)) out.push(o);
    }
    return out;
  }

  /** Objects in `ns` whose indexed labels include at least one of the given pairs (candidates). */
  sharingAnyPair(ns: string, labels: Record<string, string> | undefined): T[] {
    const keys = new Set<string>();
    for (const [k, v] of Object.entries(labels ?? {})) for (const key of this.pairs.with(ns, k, v)) keys.add(key);
    return [...keys].map((k) => this.objects.get(k)!).filter(Boolean);
  }

  inNamespace(ns: string): T[] {
    return [...(this.byNs.get(ns) ?? [])].map((k) => this.objects.get(k)!).filter(Boolean);
  }
}
