// The live read side of one cluster session: watch cache → ClusterSnapshot (per Service, see
// service-scope.ts) → GKE model → diagnosis → ServiceSummary rows and ServiceDetail, emitted as
// contract events carrying ONLY what changed. Each change notification names the objects that
// changed; a dependency index (object → Services whose view read it) turns that into the few Services
// to re-derive. Endpoint health (Compute API) and Telepresence facts feed the same path.
//
//   const live = new LiveServices({ session, context, namespace, compute, env, emit });
//   await live.list();  live.get("web");  live.setTelepresence(facts);  live.close();
import { isDeepStrictEqual } from "node:util";
import type { HealthSource, ServiceDetail, ServicesState, ServiceSummary, SwitchboardEvent } from "../contract/api.ts";
import { SwitchboardError } from "../contract/errors.ts";
import type { Finding, ServiceView } from "../contract/model.ts";
import { contextFor, diagnoseService } from "../diagnosis/diagnose.ts";
import { buildServiceView } from "../gke/model.ts";
import type { InterceptFact, KubeEvent, Service, TelepresenceFacts } from "../gke/snapshot.ts";
import { telepresenceView } from "../gke/telepresence-facts.ts";
import type { CacheChange, KubeObject } from "../kube/cache.ts";
import type { ClusterSession } from "../kube/session.ts";
import { createEndpointHealthFeed, type ComputeSettings, type EndpointHealthFeed } from "./endpoint-health.ts";
import { NamespaceIndex, negNamesOf } from "./service-scope.ts";
import { summarize, timelineOf } from "./summary.ts";

export interface LiveServicesOptions {
  session: ClusterSession;
  context: string;
  /** Compute API settings with the project resolved (none: Kubernetes signals only, and why). */
  compute: ComputeSettings;
  env: Record<string, string | undefined>;
  emit: (event: SwitchboardEvent) => void;
  log?: (message: string, error?: unknown) => void;
  /** How many opened services (services.get) keep getting `service` events. */
  maxOpened?: number;
}

interface Derived {
  view: ServiceView;
  findings: Finding[];
  summary: ServiceSummary;
  deps: string[];
  /** The events the view could read (the timeline's source). */
  events: KubeEvent[];
}

/** Object keys a view read, to find it again when one of them changes. */
function depsOf(view: ServiceView, scopedServices: readonly Service[], replicasets: readonly string[]): string[] {
  const deps = new Set<string>([`Service/${view.name}`]);
  for (const s of scopedServices) deps.add(`Service/${s.metadata?.name ?? ""}`);
  for (const p of view.pods) deps.add(`Pod/${p.name}`);
  for (const w of view.workloads) deps.add(`${w.kind}/${w.name}`);
  for (const r of replicasets) deps.add(`ReplicaSet/${r}`);
  for (const i of view.exposure.ingresses) deps.add(`Ingress/${i.name}`);
  for (const r of view.exposure.httpRoutes) deps.add(`HTTPRoute/${r.name}`);
  for (const h of view.exposure.healthCheckPolicies) deps.add(`HealthCheckPolicy/${h}`);
  if (view.exposure.httpRoutes.length > 0) deps.add("Gateway/*");
  for (const port of view.ports) {
    if (port.backendConfig) deps.add(`BackendConfig/${port.backendConfig.name}`);
    for (const n of port.neg.names) deps.add(`NEG/${n}`);
    for (const s of port.neg.svcnegs ?? []) deps.add(`ServiceNetworkEndpointGroup/${s.name}`);
  }
  return [...deps];
}

const KIND_OF_KEY: Record<string, string> = {
  services: "Service",
  pods: "Pod",
  deployments: "Deployment",
  replicasets: "ReplicaSet",
  events: "Event",
  ingresses: "Ingress",
  backendconfigs: "BackendConfig",
  servicenetworkendpointgroups: "ServiceNetworkEndpointGroup",
  healthcheckpolicies: "HealthCheckPolicy",
  gateways: "Gateway",
  httproutes: "HTTPRoute",
};

export class LiveServices {
  readonly context: string;
  readonly namespace: string;
  readonly #session: ClusterSession;
  readonly #emit: (event: SwitchboardEvent) => void;
  readonly #log: (message: string, error?: unknown) => void;
  readonly #health: EndpointHealthFeed;
  readonly #maxOpened: number;
  #index: NamespaceIndex | null = null;
  /** Last summary emitted per service name. */
  readonly #summaries = new Map<string, ServiceSummary>();
  /** object key ("Pod/web-1") → names of the Services whose view read it. */
  readonly #deps = new Map<string, Set<string>>();
  readonly #depsOf = new Map<string, string[]>();
  /** event name → the object key it was about (to find the Services of a deleted event). */
  readonly #eventObjects = new Map<string, string>();
  /** Opened services (services.get), most recent last, with the detail last sent. */
  readonly #opened = new Map<string, string>();
  #healthSource: HealthSource;
  #telepresence: TelepresenceFacts | undefined;
  #derivedOnce = false;
  #closed = false;
  readonly #unsubscribe: () => void;

  constructor(options: LiveServicesOptions) {
    this.#session = options.session;
    this.context = options.context;
    this.namespace = options.session.namespace ?? "default";
    this.#emit = options.emit;
    this.#log = options.log ?? (() => undefined);
    this.#maxOpened = options.maxOpened ?? 8;
    this.#health = createEndpointHealthFeed(options.compute, options.env, (negs, sourceChanged) => this.#onHealth(negs, sourceChanged));
    this.#healthSource = this.#health.source();
    this.#unsubscribe = this.#session.onChange((change) => this.#onChange(change));
  }

  get healthSource(): HealthSource {
    return this.#healthSource;
  }

  /**
   * Every service as the core sees it now (derives everything once if no change arrived yet). Waits
   * up to `healthWaitMs` for the Compute API's first answers, so the first list already rests on them.
   */
  async list(healthWaitMs = 2000): Promise<ServicesState> {
    this.#requireOpen();
    if (!this.#derivedOnce) this.#deriveAll(true);
    await this.#health.firstAnswers(healthWaitMs);
    this.#requireOpen();
    return {
      context: this.context,
      namespace: this.namespace,
      services: [...this.#summaries.values()].sort((a, b) => a.name.localeCompare(b.name)),
      healthSource: this.#healthSource,
      unavailableKinds: this.unavailableKinds(),
      telepresence: this.#telepresence ? telepresenceView(this.#telepresence) : null,
    };
  }

  /** One service in full; it keeps getting `service` events while it stays among the recently opened. */
  async get(name: string, healthWaitMs = 2000): Promise<ServiceDetail> {
    this.#requireOpen();
    if (!this.#derivedOnce) this.#deriveAll(true);
    await this.#health.firstAnswers(healthWaitMs);
    this.#requireOpen();
    const derived = this.#derive(name);
    if (!derived) {
      throw new SwitchboardError("not-found", `There is no Service "${name}" in namespace "${this.namespace}" of "${this.context}".`, "It may have been deleted; pick another service from the list.", {
        namespace: this.namespace,
        name,
      });
    }
    const detail = this.#detail(derived);
    this.#opened.delete(name);
    this.#opened.set(name, JSON.stringify(detail));
    while (this.#opened.size > this.#maxOpened) this.#opened.delete(this.#opened.keys().next().value!);
    return detail;
  }

  unavailableKinds(): ServicesState["unavailableKinds"] {
    const out: ServicesState["unavailableKinds"] = [];
    for (const [kind, state] of Object.entries(this.#session.snapshot().kinds)) {
      if (state.phase === "not-installed" || state.phase === "forbidden") out.push({ kind, reason: state.phase, message: state.error?.message ?? "" });
    }
    return out;
  }

  /** Telepresence facts (client, traffic-manager, intercepts): re-derives the services of the workloads involved. */
  setTelepresence(facts: TelepresenceFacts | undefined): void {
    if (this.#closed || isDeepStrictEqual(facts, this.#telepresence)) return;
    const before = this.#telepresence;
    this.#telepresence = facts;
    if (!this.#derivedOnce) return;
    const versionChanged = !isDeepStrictEqual(telepresenceView(before), telepresenceView(facts));
    if (versionChanged) return this.#deriveAll(false);
    const workloads = new Set([...(before?.intercepts ?? []), ...(facts?.intercepts ?? [])].filter((i: InterceptFact) => i.namespace === this.namespace).map((i) => i.workload));
    const affected = new Set<string>();
    for (const w of workloads) for (const s of this.#deps.get(`Deployment/${w}`) ?? []) affected.add(s);
    this.#deriveSome(affected);
  }

  /** Ask the Compute API again now (the user's refresh). */
  refreshHealth(): void {
    this.#health.refresh();
  }

  close(): void {
    this.#closed = true;
    this.#unsubscribe();
    this.#health.stop();
  }

  #requireOpen() {
    if (this.#closed) throw new SwitchboardError("cancelled", "This cluster view was closed.", "Select the context again.");
  }

  #onChange(change: CacheChange): void {
    if (this.#closed) return;
    // Nothing to show before the first full list of every kind (no empty list flashing by).
    if (!this.#derivedOnce && this.#session.connection().phase !== "connected") return;
    try {
      if (change.reset || !this.#derivedOnce || change.kinds.length > 0) return this.#deriveAll(change.reset === true || !this.#derivedOnce);
      const previous = this.#index;
      this.#index = new NamespaceIndex(this.#session.snapshot(), this.namespace);
      this.#deriveSome(this.#affected(change, previous, this.#index), true);
    } catch (error) {
      this.#log("deriving the service views failed", error);
    }
  }

  #onHealth(negs: string[], sourceChanged: boolean): void {
    if (this.#closed || !this.#derivedOnce) return;
    try {
      if (sourceChanged) {
        this.#healthSource = this.#health.source();
        this.#emit({ type: "health-source", healthSource: this.#healthSource });
        // Every detail carries the source; every badge may change its signal.
        return this.#deriveAll(false);
      }
      const affected = new Set<string>();
      for (const n of negs) for (const s of this.#deps.get(`NEG/${n}`) ?? []) affected.add(s);
      this.#deriveSome(affected);
    } catch (error) {
      this.#log("applying endpoint health failed", error);
    }
  }

  /** The Services an object change can touch: what read it before, and what it points at now. */
  #affected(change: CacheChange, previous: NamespaceIndex | null, index: NamespaceIndex): Set<string> {
    const out = new Set<string>();
    const addDeps = (key: string) => {
      for (const s of this.#deps.get(key) ?? []) out.add(s);
    };
    const addSelecting = (labels: Record<string, string> | undefined) => {
      for (const s of index.servicesSelecting(labels)) out.add(s.metadata?.name ?? "");
    };
    const find = (kind: string, name: string): KubeObject | undefined =>
      (this.#session.snapshot().objects[kind] ?? []).find((o) => o.metadata.name === name && (o.metadata.namespace ?? "") === this.namespace);
    for (const [kind, { upserted, deleted }] of Object.entries(change.objects)) {
      const k = KIND_OF_KEY[kind] ?? kind;
      for (const key of [...upserted, ...deleted]) {
        const name = key.slice(key.indexOf("/") + 1);
        if (!key.startsWith(`${this.namespace}/`)) continue;
        const obj = deleted.includes(key) ? undefined : find(kind, name);
        switch (kind) {
          case "services":
            out.add(name);
            addDeps(`Service/${name}`);
            // A Service that selects the same pods changes which ports the agent covers (telepresence.md §4).
            if (obj) for (const p of index.podsOf(obj as unknown as Service)) for (const s of index.servicesOf(p)) out.add(s.metadata?.name ?? "");
            break;
          case "pods":
            addDeps(`Pod/${name}`);
            if (obj) addSelecting(obj.metadata.labels);
            break;
          case "deployments":
          case "replicasets":
            addDeps(`${k}/${name}`);
            if (obj) addSelecting((obj as { spec?: { template?: { metadata?: { labels?: Record<string, string> } } } }).spec?.template?.metadata?.labels);
            break;
          case "events": {
            const about = obj ? `${(obj as { involvedObject?: { kind?: string } }).involvedObject?.kind ?? ""}/${(obj as { involvedObject?: { name?: string } }).involvedObject?.name ?? ""}` : this.#eventObjects.get(name);
            if (obj && about) this.#eventObjects.set(name, about);
            if (!obj) this.#eventObjects.delete(name);
            if (about) {
              addDeps(about);
              // Telepresence's agent events name a workload's pods or ReplicaSets by prefix (rules.ts).
              const objName = about.slice(about.indexOf("/") + 1);
              if (/agent/i.test(String((obj as { message?: string } | undefined)?.message ?? ""))) {
                for (const [dep, services] of this.#deps) {
                  if (dep.startsWith("Deployment/") && objName.startsWith(dep.slice("Deployment/".length))) for (const s of services) out.add(s);
                }
              }
            }
            break;
          }
          case "ingresses": {
            addDeps(`Ingress/${name}`);
            const spec = (obj as { spec?: { defaultBackend?: { service?: { name?: string } }; rules?: Array<{ http?: { paths?: Array<{ backend?: { service?: { name?: string } } }> } }> } } | undefined)?.spec;
            if (spec?.defaultBackend?.service?.name) out.add(spec.defaultBackend.service.name);
            for (const r of spec?.rules ?? []) for (const p of r.http?.paths ?? []) if (p.backend?.service?.name) out.add(p.backend.service.name);
            break;
          }
          case "backendconfigs":
            addDeps(`BackendConfig/${name}`);
            for (const s of index.ns.services) {
              const a = s.metadata?.annotations ?? {};
              if ((a["cloud.google.com/backend-config"] ?? a["beta.cloud.google.com/backend-config"] ?? "").includes(`"${name}"`)) out.add(s.metadata?.name ?? "");
            }
            break;
          case "servicenetworkendpointgroups": {
            addDeps(`ServiceNetworkEndpointGroup/${name}`);
            const svc = obj?.metadata.labels?.["networking.gke.io/service-name"];
            if (svc) out.add(svc);
            break;
          }
          case "healthcheckpolicies": {
            addDeps(`HealthCheckPolicy/${name}`);
            const t = (obj as { spec?: { targetRef?: { kind?: string; name?: string } } } | undefined)?.spec?.targetRef;
            if (t?.kind === "Service" && t.name) out.add(t.name);
            break;
          }
          case "httproutes": {
            addDeps(`HTTPRoute/${name}`);
            const rules = (obj as { spec?: { rules?: Array<{ backendRefs?: Array<{ name?: string }> }> } } | undefined)?.spec?.rules ?? [];
            for (const r of rules) for (const b of r.backendRefs ?? []) if (b.name) out.add(b.name);
            break;
          }
          case "gateways":
            addDeps("Gateway/*");
            break;
          default:
            // A kind the model does not read.
            break;
        }
      }
    }
    void previous;
    return out;
  }

  #derive(name: string): Derived | null {
    const index = (this.#index ??= new NamespaceIndex(this.#session.snapshot(), this.namespace));
    const svc = index.service(name);
    if (!svc) return null;
    const scoped = index.scopedSnapshot(svc, {
      ...(this.#healthEndpoints() ? { endpointHealth: this.#healthEndpoints()! } : {}),
      ...(this.#telepresence ? { telepresence: this.#telepresence } : {}),
    });
    const view = buildServiceView(scoped, this.namespace, svc);
    const findings = diagnoseService(view, contextFor(scoped, this.namespace));
    const ns = scoped.namespaces[this.namespace]!;
    return { view, findings, summary: summarize(view, findings), deps: depsOf(view, ns.services, ns.replicasets.map((r) => r.metadata?.name ?? "")), events: ns.events };
  }

  #healthCache: { at: number; value: ReturnType<EndpointHealthFeed["endpointHealth"]> } | null = null;
  /** One conversion per derivation pass, not per service. */
  #healthEndpoints() {
    const now = this.#pass;
    if (this.#healthCache?.at !== now) this.#healthCache = { at: now, value: this.#health.endpointHealth() };
    return this.#healthCache.value;
  }
  #pass = 0;

  #detail(d: Derived): ServiceDetail {
    return { summary: d.summary, view: d.view, findings: d.findings, timeline: timelineOf(d.view, d.events), healthSource: this.#healthSource };
  }

  #setDeps(name: string, deps: string[] | null): void {
    for (const key of this.#depsOf.get(name) ?? []) this.#deps.get(key)?.delete(name);
    if (!deps) {
      this.#depsOf.delete(name);
      return;
    }
    this.#depsOf.set(name, deps);
    for (const key of deps) {
      let set = this.#deps.get(key);
      if (!set) this.#deps.set(key, (set = new Set()));
      set.add(name);
    }
  }

  #deriveAll(reset: boolean): void {
    this.#pass++;
    this.#index = new NamespaceIndex(this.#session.snapshot(), this.namespace);
    const services = this.#index.ns.services;
    this.#health.setServices(services as unknown as KubeObject[]);
    if (reset) {
      this.#summaries.clear();
      this.#deps.clear();
      this.#depsOf.clear();
      this.#eventObjects.clear();
      for (const e of this.#index.ns.events) this.#eventObjects.set(e.metadata?.name ?? "", `${e.involvedObject?.kind ?? ""}/${e.involvedObject?.name ?? ""}`);
    }
    const names = new Set(services.map((s) => s.metadata?.name ?? ""));
    for (const name of this.#summaries.keys()) if (!names.has(name)) names.add(name);
    this.#derivedOnce = true;
    this.#publish(names, reset);
  }

  #deriveSome(names: Set<string>, indexFresh = false): void {
    if (names.size === 0) return;
    this.#pass++;
    if (!indexFresh || !this.#index) this.#index = new NamespaceIndex(this.#session.snapshot(), this.namespace);
    this.#health.setServices(this.#index.ns.services as unknown as KubeObject[]);
    this.#publish(names, false);
  }

  /** Re-derives `names`, emits the rows that changed and the opened details that changed. */
  #publish(names: Set<string>, reset: boolean): void {
    const upserts: ServiceSummary[] = [];
    const removed: string[] = [];
    for (const name of names) {
      let derived: Derived | null;
      try {
        derived = this.#derive(name);
      } catch (error) {
        // One Service the model cannot read must not hide the others.
        this.#log(`deriving ${this.namespace}/${name} failed`, error);
        continue;
      }
      if (!derived) {
        this.#setDeps(name, null);
        if (this.#summaries.delete(name)) removed.push(`${this.namespace}/${name}`);
        continue;
      }
      this.#setDeps(name, derived.deps);
      const previous = this.#summaries.get(name);
      if (reset || !previous || !isDeepStrictEqual(previous, derived.summary)) {
        this.#summaries.set(name, derived.summary);
        upserts.push(derived.summary);
      }
      const sent = this.#opened.get(name);
      if (sent !== undefined) {
        const detail = this.#detail(derived);
        const json = JSON.stringify(detail);
        if (json !== sent) {
          this.#opened.set(name, json);
          this.#emit({ type: "service", detail });
        }
      }
    }
    if (reset || upserts.length > 0 || removed.length > 0) {
      this.#emit({ type: "services", context: this.context, namespace: this.namespace, reset, upserts, removed });
    }
  }
}

export { negNamesOf };
