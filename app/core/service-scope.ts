// Cheap derivation at 5,000 services: the GKE model (app/gke/model.ts) reads a whole namespace per
// Service (every pod for the selector, every Service for the agent's ports, every event), which is
// fine for one Service and quadratic for all of them. This module indexes one namespace once per
// change and cuts, per Service, the small ClusterSnapshot holding only what that Service's view can
// depend on — the model then gives the same answer as on the whole namespace, at a fraction of the
// cost. It also says which Services an object touches, so a change re-derives only those.
import type { KubeObject, Snapshot } from "../kube/cache.ts";
import type {
  BackendConfig,
  ClusterSnapshot,
  Deployment,
  Gateway,
  HealthCheckPolicy,
  HTTPRoute,
  Ingress,
  InstalledKinds,
  KubeEvent,
  NamespaceSnapshot,
  NegEndpointHealth,
  Pod,
  ReplicaSet,
  Service,
  ServiceNetworkEndpointGroup,
  TelepresenceFacts,
} from "../gke/snapshot.ts";

type Labels = Record<string, string> | undefined;

/** Which custom kinds the model may count on (not installed or forbidden ⇒ treat as absent). */
export function installedKinds(kinds: Snapshot["kinds"]): InstalledKinds {
  const ok = (key: string) => {
    const phase = kinds[key]?.phase;
    return phase !== undefined && phase !== "not-installed" && phase !== "forbidden";
  };
  return {
    backendconfigs: ok("backendconfigs"),
    svcnegs: ok("servicenetworkendpointgroups"),
    healthcheckpolicies: ok("healthcheckpolicies"),
    httproutes: ok("httproutes"),
    gateways: ok("gateways"),
  };
}

function selectorOf(svc: Service): Record<string, string> | null {
  const s = svc.spec?.selector;
  return s && Object.keys(s).length > 0 ? s : null;
}

/** Objects indexed by one label pair, so a selector looks at the smallest bucket instead of all. */
class LabelIndex<T> {
  readonly #buckets = new Map<string, T[]>();
  constructor(items: readonly T[], labelsOf: (t: T) => Labels) {
    for (const item of items) {
      for (const [k, v] of Object.entries(labelsOf(item) ?? {})) {
        const key = `${k}=${v}`;
        let bucket = this.#buckets.get(key);
        if (!bucket) this.#buckets.set(key, (bucket = []));
        bucket.push(item);
      }
    }
  }
  /** Items whose labels include every pair of `selector` (same rule as app/gke/pods.ts `selects`). */
  select(selector: Record<string, string> | null, labelsOf: (t: T) => Labels): T[] {
    if (!selector) return [];
    let smallest: T[] | undefined;
    for (const [k, v] of Object.entries(selector)) {
      const bucket = this.#buckets.get(`${k}=${v}`);
      if (!bucket) return [];
      if (!smallest || bucket.length < smallest.length) smallest = bucket;
    }
    return (smallest ?? []).filter((t) => Object.entries(selector).every(([k, v]) => labelsOf(t)?.[k] === v));
  }
}

const podLabels = (p: Pod) => p.metadata?.labels;
const templateLabels = (d: Deployment) => d.spec?.template.metadata?.labels;

function push<K, V>(map: Map<K, V[]>, key: K, value: V) {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Message words of events about Telepresence's agent injection (app/diagnosis/rules.ts reads them by text). */
const AGENT_EVENT_TEXT = /agent/i;

/** One namespace of a watch-cache snapshot, indexed. Rebuilt per change notification (O(objects)). */
export class NamespaceIndex {
  readonly namespace: string;
  readonly ns: NamespaceSnapshot;
  readonly installed: InstalledKinds;
  readonly #pods: LabelIndex<Pod>;
  readonly #deployments: LabelIndex<Deployment>;
  readonly #replicasets = new Map<string, ReplicaSet>();
  readonly #eventsByObject = new Map<string, KubeEvent[]>();
  readonly #agentEvents: KubeEvent[] = [];
  readonly #svcnegsByService = new Map<string, ServiceNetworkEndpointGroup[]>();
  readonly #svcnegsByName = new Map<string, ServiceNetworkEndpointGroup>();
  readonly #podsOfService = new Map<string, Pod[]>();
  /** Each event's place in the cache's list: a scoped snapshot keeps list order without scanning it. */
  readonly #eventOrder = new Map<KubeEvent, number>();
  readonly #servicesByName = new Map<string, Service>();
  /** pod name → Services selecting it (filled lazily per Service asked). */
  #servicesOfPod: Map<string, Service[]> | null = null;

  constructor(snapshot: Snapshot, namespace: string) {
    this.namespace = namespace;
    const list = <T>(key: string) => (snapshot.objects[key] ?? []).filter((o) => (o.metadata.namespace ?? "") === namespace) as unknown as T[];
    this.installed = installedKinds(snapshot.kinds);
    this.ns = {
      services: list<Service>("services"),
      pods: list<Pod>("pods"),
      deployments: list<Deployment>("deployments"),
      replicasets: list<ReplicaSet>("replicasets"),
      ingresses: list<Ingress>("ingresses"),
      backendconfigs: list<BackendConfig>("backendconfigs"),
      svcnegs: list<ServiceNetworkEndpointGroup>("servicenetworkendpointgroups"),
      healthcheckpolicies: list<HealthCheckPolicy>("healthcheckpolicies"),
      httproutes: list<HTTPRoute>("httproutes"),
      gateways: list<Gateway>("gateways"),
      events: list<KubeEvent>("events"),
    };
    this.#pods = new LabelIndex(this.ns.pods, podLabels);
    this.#deployments = new LabelIndex(this.ns.deployments, templateLabels);
    for (const rs of this.ns.replicasets) this.#replicasets.set(rs.metadata?.name ?? "", rs);
    for (const svc of this.ns.services) this.#servicesByName.set(svc.metadata?.name ?? "", svc);
    for (const [i, e] of this.ns.events.entries()) {
      this.#eventOrder.set(e, i);
      push(this.#eventsByObject, `${e.involvedObject?.kind ?? ""}/${e.involvedObject?.name ?? ""}`, e);
      if (AGENT_EVENT_TEXT.test(e.message ?? "")) this.#agentEvents.push(e);
    }
    for (const s of this.ns.svcnegs) {
      this.#svcnegsByName.set(s.metadata.name ?? "", s);
      const svc = s.metadata.labels?.["networking.gke.io/service-name"];
      if (svc) push(this.#svcnegsByService, svc, s);
    }
  }

  service(name: string): Service | undefined {
    return this.#servicesByName.get(name);
  }

  podsOf(svc: Service): Pod[] {
    const name = svc.metadata?.name ?? "";
    let pods = this.#podsOfService.get(name);
    if (!pods) this.#podsOfService.set(name, (pods = this.#pods.select(selectorOf(svc), podLabels)));
    return pods;
  }

  /** Services selecting a pod: the agent covers the ports of all of them (telepresence.md §4). */
  servicesOf(pod: Pod): Service[] {
    if (!this.#servicesOfPod) {
      this.#servicesOfPod = new Map();
      for (const svc of this.ns.services) for (const p of this.podsOf(svc)) push(this.#servicesOfPod, p.metadata?.name ?? "", svc);
    }
    return this.#servicesOfPod.get(pod.metadata?.name ?? "") ?? [];
  }

  /** Services whose selector matches these labels (a pod's, or a workload template's). */
  servicesSelecting(labels: Labels): Service[] {
    if (!labels) return [];
    return this.ns.services.filter((s) => {
      const sel = selectorOf(s);
      return sel !== null && Object.entries(sel).every(([k, v]) => labels[k] === v);
    });
  }

  /**
   * The snapshot one Service's view depends on: its pods, the Services sharing them, the workloads
   * and ReplicaSets behind them, its svcnegs, the events about any of those (plus Telepresence agent
   * events, matched by text in the diagnosis), and the few cluster-level kinds whole.
   */
  scopedSnapshot(svc: Service, extra: { endpointHealth?: NegEndpointHealth[]; telepresence?: TelepresenceFacts }): ClusterSnapshot {
    const name = svc.metadata?.name ?? "";
    const pods = this.podsOf(svc);
    const services = new Set<Service>([svc]);
    for (const p of pods) for (const s of this.servicesOf(p)) services.add(s);
    const deployments = this.#deployments.select(selectorOf(svc), templateLabels);
    const replicasets = new Set<ReplicaSet>();
    for (const p of pods) {
      for (const o of p.metadata?.ownerReferences ?? []) {
        const rs = o.kind === "ReplicaSet" ? this.#replicasets.get(o.name) : undefined;
        if (rs) replicasets.add(rs);
      }
    }
    const negNames = negNamesOf(svc);
    const svcnegs = new Set<ServiceNetworkEndpointGroup>(this.#svcnegsByService.get(name) ?? []);
    for (const n of negNames) {
      const s = this.#svcnegsByName.get(n);
      if (s) svcnegs.add(s);
    }
    const ingresses = this.ns.ingresses;
    const objectKeys = [
      `Service/${name}`,
      ...pods.map((p) => `Pod/${p.metadata?.name ?? ""}`),
      ...deployments.map((d) => `Deployment/${d.metadata?.name ?? ""}`),
      ...[...replicasets].map((r) => `ReplicaSet/${r.metadata?.name ?? ""}`),
      ...ingresses.map((i) => `Ingress/${i.metadata?.name ?? ""}`),
    ];
    const events = new Set<KubeEvent>(this.#agentEvents);
    for (const key of objectKeys) for (const e of this.#eventsByObject.get(key) ?? []) events.add(e);
    const scoped: NamespaceSnapshot = {
      services: [...services],
      pods,
      deployments,
      replicasets: [...replicasets],
      ingresses,
      backendconfigs: this.ns.backendconfigs,
      svcnegs: [...svcnegs],
      healthcheckpolicies: this.ns.healthcheckpolicies,
      httproutes: this.ns.httproutes ?? [],
      gateways: this.ns.gateways ?? [],
      // The model reads events in list order; keep the cache's order. Sorting the few events of this
      // Service by their place, not filtering the namespace's list: that was O(services × events),
      // most of a first list at 5,000 services.
      events: this.ns.events.length === events.size ? this.ns.events : [...events].sort((a, b) => this.#eventOrder.get(a)! - this.#eventOrder.get(b)!),
    };
    return {
      namespaces: { [this.namespace]: scoped },
      installed: this.installed,
      ...(extra.endpointHealth ? { endpointHealth: extra.endpointHealth.filter((h) => negNames.includes(h.neg)) } : {}),
      ...(extra.telepresence ? { telepresence: extra.telepresence } : {}),
    };
  }
}

/** gke-neg.md §2: the NEG names a Service's neg-status annotation lists. */
export function negNamesOf(svc: Service | KubeObject): string[] {
  const raw = svc.metadata?.annotations?.["cloud.google.com/neg-status"];
  if (!raw) return [];
  try {
    const status = JSON.parse(raw) as { network_endpoint_groups?: Record<string, string> };
    return Object.values(status.network_endpoint_groups ?? {}).filter((v): v is string => typeof v === "string");
  } catch {
    return [];
  }
}
