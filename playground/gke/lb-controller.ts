// The load-balancer controller (ingress-gce `loadbalancer-controller`, and the GKE Gateway
// controller): per Ingress or GKE Gateway, a backend service + health check per NEG in the
// simulated GCE, a front door on 127.0.0.1, the Ingress `ingress.kubernetes.io/backends`
// annotation and the events GKE writes (gke-neg.md §1, §4, §5, §7). Watch-driven.
import type { ClusterClient, KubeObject } from "../cluster/client.ts";
import { ClusterError, resources } from "../cluster/client.ts";
import { EventRecorder } from "../workloads/events.ts";
import { WorkQueue, keyOf } from "../workloads/informer.ts";
import type { AppProtocol } from "./annotations.ts";
import { INGRESS_BACKENDS_ANNOTATION, appProtocolFor, backendConfigNameFor, parseBackendConfigAnnotation } from "./annotations.ts";
import type { GkeCaches } from "./caches.ts";
import { FrontDoor } from "./front-door.ts";
import type { RouteRule, RouteTable } from "./front-door.ts";
import type { Gce } from "./gce.ts";
import { negKey } from "./gce.ts";
import type { BackendConfigHealthCheckValues, HealthCheckSettings, Resolved } from "./healthcheck.ts";
import { createHealthCheck, gatewayDefaultHealthCheck, healthCheckFromPolicy, policyForService, readBackendConfigHealthCheck, reconcileHealthCheck } from "./healthcheck.ts";
import { gatewayBackendServiceName, negName } from "./naming.ts";
import { isGceIngress, isGkeGateway, resolveServicePort, routesOfGateway } from "./neg-model.ts";
import type { EndpointDialer, Gateway, HealthCheckPolicy, Ingress, IngressBackend, Pod, Service, ServicePort } from "./types.ts";

export interface LbControllerOptions {
  clusterId: string;
  zones: string[];
  speed: number;
  log?: (msg: string) => void;
}

interface Backend {
  bsName: string;
  negName: string;
  service: Service;
  servicePort: ServicePort;
}

type Translation = { ok: true; backends: Map<string, Backend>; routes: RouteTable } | { ok: false; error: string };

function backendPortText(port: { number?: number; name?: string } | undefined): string {
  return `&ServiceBackendPort{Name:${port?.name ?? ""},Number:${port?.number ?? 0},}`;
}

export class LoadBalancerController {
  private readonly client: ClusterClient;
  private readonly caches: GkeCaches;
  private readonly gce: Gce;
  private readonly dialer: EndpointDialer;
  private readonly options: LbControllerOptions;
  private readonly recorder: EventRecorder;
  private readonly queue: WorkQueue;
  private readonly annotationQueue: WorkQueue;
  /** `ingress/ns/name` or `gateway/ns/name` → backend services it uses. */
  private readonly owners = new Map<string, Set<string>>();
  private readonly doors = new Map<string, FrontDoor>();
  private readonly lastGeneration = new Map<string, number | undefined>();
  /** Gateways whose HealthCheckPolicy names a port no pod declares yet. */
  private readonly needsPods = new Set<string>();
  private started = false;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly onGce = (what: string) => {
    if (what === "health" || what === "backendservice" || what === "endpoints") for (const key of this.owners.keys()) if (key.startsWith("ingress/")) this.annotationQueue.add(key);
  };

  constructor(client: ClusterClient, caches: GkeCaches, gce: Gce, dialer: EndpointDialer, options: LbControllerOptions) {
    this.client = client;
    this.caches = caches;
    this.gce = gce;
    this.dialer = dialer;
    this.options = options;
    this.recorder = new EventRecorder(client, "loadbalancer-controller");
    const onError = (key: string, err: unknown) => {
      options.log?.(`loadbalancer-controller: ${key}: ${(err as Error).message}`);
      const t = setTimeout(() => {
        this.retryTimers.delete(t);
        this.enqueue(key);
      }, Math.max(10, 1000 / options.speed));
      this.retryTimers.add(t);
    };
    this.queue = new WorkQueue((key) => this.sync(key), onError);
    this.annotationQueue = new WorkQueue((key) => this.writeBackendsAnnotation(key), onError);
    caches.ingresses.on((_t, ing) => this.enqueue(`ingress/${keyOf(ing)}`));
    caches.gateways.on((_t, gw) => this.enqueue(`gateway/${keyOf(gw)}`));
    for (const inf of [caches.services, caches.backendConfigs, caches.healthCheckPolicies, caches.httpRoutes]) inf.on(() => this.enqueueAll());
    // Pods matter to a health check only when it is first created (readinessProbe inference, §4),
    // which is the first sync; after that only a HealthCheckPolicy's USE_NAMED_PORT looks at them.
    caches.pods.on(() => {
      for (const key of this.needsPods) this.enqueue(key);
    });
  }

  start(): void {
    this.started = true;
    this.gce.on("changed", this.onGce);
    this.enqueueAll();
  }

  async stop(): Promise<void> {
    this.started = false;
    this.gce.off("changed", this.onGce);
    this.queue.stop();
    this.annotationQueue.stop();
    for (const t of this.retryTimers) clearTimeout(t);
    await Promise.all([...this.doors.values()].map((d) => d.stop()));
    this.doors.clear();
  }

  /** `ns/name` → front door URL, for Ingresses and Gateways that have one. */
  loadBalancers(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, door] of this.doors) if (door.url) out[key.slice(key.indexOf("/") + 1)] = door.url;
    return out;
  }

  private enqueue(key: string): void {
    if (this.started) this.queue.add(key);
  }

  private enqueueAll(): void {
    if (!this.started) return;
    for (const ing of this.caches.ingresses.values()) this.queue.add(`ingress/${keyOf(ing)}`);
    for (const gw of this.caches.gateways.values()) this.queue.add(`gateway/${keyOf(gw)}`);
    for (const key of this.owners.keys()) this.queue.add(key);
  }

  private podsOf(svc: Service): Pod[] {
    return this.caches.podsOf(svc).filter((p) => !p.metadata.deletionTimestamp);
  }

  private negKeys(name: string): string[] {
    return this.options.zones.map((z) => negKey(z, name));
  }

  private async sync(key: string): Promise<void> {
    const [kind, ns, ...rest] = key.split("/");
    const name = rest.join("/");
    if (kind === "ingress") await this.syncIngress(key, ns!, name);
    else await this.syncGateway(key, ns!, name);
    this.collectGarbage();
  }

  // ---- Ingress ---------------------------------------------------------------------------------

  private translateIngress(ing: Ingress): Translation {
    const ns = ing.metadata.namespace!;
    const backends = new Map<string, Backend>();
    const resolve = (b: IngressBackend): Resolved<Backend> => {
      const ref = b.service;
      if (!ref) return { ok: false, error: "only service backends are supported" };
      const svc = this.caches.services.get(ns, ref.name);
      if (!svc) return { ok: false, error: `could not find service "${ns}/${ref.name}"` };
      const sp = resolveServicePort(svc, ref.port);
      if (!sp) return { ok: false, error: `could not find port "${ref.port?.name ?? ref.port?.number}" in service "${ns}/${ref.name}"` };
      // gke-neg.md §2: a BackendConfig the Service names must exist (same namespace).
      const bcRef = parseBackendConfigAnnotation(svc);
      if (bcRef && !bcRef.ok) return { ok: false, error: `error getting BackendConfig for port "${backendPortText(ref.port)}" on service "${ns}/${ref.name}", err: ${bcRef.error}` };
      const bcName = bcRef?.value && backendConfigNameFor(bcRef.value, sp);
      if (bcName && !this.caches.backendConfigs.get(ns, bcName)) {
        return { ok: false, error: `error getting BackendConfig for port "${backendPortText(ref.port)}" on service "${ns}/${ref.name}", err: no BackendConfig for service port exists.` };
      }
      const neg = negName(this.options.clusterId, ns, svc.metadata.name, sp.port);
      // gke-neg.md §2: for Ingress NEGs the backend service and health check share the NEG's name.
      return { ok: true, value: { bsName: neg, negName: neg, service: svc, servicePort: sp } };
    };
    const rules: RouteRule[] = [];
    let defaultBackendService: string | undefined;
    if (ing.spec?.defaultBackend) {
      const r = resolve(ing.spec.defaultBackend);
      if (!r.ok) return r;
      backends.set(r.value.bsName, r.value);
      defaultBackendService = r.value.bsName;
    }
    for (const rule of ing.spec?.rules ?? []) {
      for (const p of rule.http?.paths ?? []) {
        const r = resolve(p.backend);
        if (!r.ok) return r;
        backends.set(r.value.bsName, r.value);
        const path = p.path || "/";
        rules.push({ host: rule.host, pathType: p.pathType === "Exact" ? "Exact" : "Prefix", path: path.replace(/\/\*$/, "/"), backendService: r.value.bsName });
      }
    }
    return { ok: true, backends, routes: { rules, defaultBackendService } };
  }

  private async syncIngress(key: string, ns: string, name: string): Promise<void> {
    const ing = this.caches.ingresses.get(ns, name);
    if (!ing || ing.metadata.deletionTimestamp || !isGceIngress(ing)) {
      this.owners.delete(key);
      await this.closeDoor(key);
      return;
    }
    if (this.lastGeneration.get(key) !== ing.metadata.generation || !this.lastGeneration.has(key)) {
      this.lastGeneration.set(key, ing.metadata.generation);
      this.recorder.record(ing, "Normal", "Sync", "Scheduled for sync");
    }
    const t = this.translateIngress(ing);
    if (!t.ok) {
      // gke-neg.md §2, §5: the whole Ingress fails to translate; what exists in GCE stays.
      this.recorder.record(ing, "Warning", "Translate", `Translation failed: invalid ingress spec: ${t.error}`);
      if (!this.owners.has(key)) this.owners.set(key, new Set());
      return;
    }
    const used = new Set<string>();
    const errors: string[] = [];
    for (const b of t.backends.values()) {
      const err = this.syncIngressBackend(b);
      if (err) errors.push(err);
      if (this.gce.backendServices.has(b.bsName)) used.add(b.bsName);
    }
    this.owners.set(key, used);
    if (errors.length) this.recorder.record(ing, "Warning", "Sync", `Error syncing to GCP: error running backend syncing routine: ${errors.join("; ")}`);
    const door = await this.openDoor(key, `Ingress ${ns}/${name}`);
    door.setRoutes(t.routes);
    await this.writeIngressStatus(ing);
    this.annotationQueue.add(key);
  }

  /** One backend: health check (created once, then reconciled, §4) and backend service. Returns an error text. */
  private syncIngressBackend(b: Backend): string | undefined {
    const ns = b.service.metadata.namespace!;
    const protocolR = appProtocolFor(b.service, b.servicePort);
    if (!protocolR.ok) return protocolR.error;
    const protocol: AppProtocol = protocolR.value;
    const bcRef = parseBackendConfigAnnotation(b.service);
    const bcName = bcRef?.ok ? backendConfigNameFor(bcRef.value, b.servicePort) : undefined;
    const bc = bcName ? this.caches.backendConfigs.get(ns, bcName) : undefined;
    let bcValues: BackendConfigHealthCheckValues | undefined;
    if (bc) {
      const r = readBackendConfigHealthCheck(bc);
      if (!r.ok) return r.error;
      bcValues = r.value;
    }
    const existing = this.gce.healthChecks.get(b.bsName);
    const hc: Resolved<HealthCheckSettings> = existing
      ? reconcileHealthCheck(existing.settings, protocol, bcValues)
      : createHealthCheck({ protocol, pods: this.podsOf(b.service), servicePort: b.servicePort, backendConfig: bcValues });
    if (!hc.ok) return hc.error;
    this.gce.upsertHealthCheck(b.bsName, hc.value);
    this.gce.upsertBackendService(b.bsName, b.bsName, this.negKeys(b.negName), `${ns}/${b.service.metadata.name}`);
    return undefined;
  }

  private async writeIngressStatus(ing: Ingress): Promise<void> {
    const lb = ing.status?.loadBalancer?.ingress ?? [];
    if (lb.length === 1 && lb[0]!.ip === "127.0.0.1") return;
    try {
      const fresh = await this.client.get<Ingress>(resources.ingresses, ing.metadata.namespace, ing.metadata.name);
      if (!fresh) return;
      const updated = await this.client.updateStatus<Ingress>(resources.ingresses, { ...fresh, status: { loadBalancer: { ingress: [{ ip: "127.0.0.1" }] } } });
      this.caches.ingresses.upsert(updated);
    } catch (err) {
      if (!(err instanceof ClusterError && (err.code === 409 || err.code === 404))) throw err;
    }
  }

  /** gke-neg.md §1: `{"<backend service>": "HEALTHY" | "UNHEALTHY" | "Unknown"}`, HEALTHY if any endpoint is. */
  private async writeBackendsAnnotation(key: string): Promise<void> {
    if (!key.startsWith("ingress/")) return;
    const [, ns, ...rest] = key.split("/");
    const name = rest.join("/");
    const ing = this.caches.ingresses.get(ns, name);
    const used = this.owners.get(key);
    if (!ing || !used) return;
    const value: Record<string, string> = {};
    for (const bs of [...used].sort()) value[bs] = this.gce.aggregateHealth(bs);
    const text = JSON.stringify(value);
    if (ing.metadata.annotations?.[INGRESS_BACKENDS_ANNOTATION] === text) return;
    try {
      const updated = await this.client.patch<Ingress>(resources.ingresses, ns, name, "merge", { metadata: { annotations: { [INGRESS_BACKENDS_ANNOTATION]: text } } });
      this.caches.ingresses.upsert(updated);
    } catch (err) {
      if (!(err instanceof ClusterError && err.code === 404)) throw err;
    }
  }

  // ---- Gateway (gke-neg.md §7) -------------------------------------------------------------

  private async syncGateway(key: string, ns: string, name: string): Promise<void> {
    const gw = this.caches.gateways.get(ns, name);
    if (!gw || gw.metadata.deletionTimestamp || !isGkeGateway(gw)) {
      this.owners.delete(key);
      this.needsPods.delete(key);
      await this.closeDoor(key);
      return;
    }
    const used = new Set<string>();
    const rules: RouteRule[] = [];
    const policyResults = new Map<string, { policy: HealthCheckPolicy; error?: string }>();
    let waitsForPods = false;
    for (const route of routesOfGateway(gw, this.caches.httpRoutes.values())) {
      const rns = route.metadata.namespace!;
      for (const rule of route.spec?.rules ?? []) {
        const ref = (rule.backendRefs ?? []).find((r) => (r.kind ?? "Service") === "Service" && (r.weight ?? 1) > 0);
        if (!ref) continue;
        const svcNs = ref.namespace ?? rns;
        const svc = this.caches.services.get(svcNs, ref.name);
        const sp = svc && (svc.spec?.ports ?? []).find((p) => p.port === ref.port);
        if (!svc || !sp) continue;
        const bsName = gatewayBackendServiceName(this.options.clusterId, svcNs, svc.metadata.name, sp.port);
        const policy = policyForService([...this.caches.healthCheckPolicies.values()], svc);
        let hc: Resolved<HealthCheckSettings> = { ok: true, value: gatewayDefaultHealthCheck() };
        if (policy) {
          hc = healthCheckFromPolicy(policy, (portName) => {
            for (const pod of this.podsOf(svc)) for (const c of pod.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.name === portName) return p.containerPort;
            return undefined;
          });
          policyResults.set(keyOf(policy), { policy, error: hc.ok ? undefined : hc.error });
          if (!hc.ok && /no container port named/.test(hc.error)) waitsForPods = true;
        }
        if (hc.ok) {
          this.gce.upsertHealthCheck(bsName, hc.value);
          this.gce.upsertBackendService(bsName, bsName, this.negKeys(negName(this.options.clusterId, svcNs, svc.metadata.name, sp.port)), `${svcNs}/${svc.metadata.name}`);
        }
        if (this.gce.backendServices.has(bsName)) used.add(bsName);
        const hostnames = route.spec?.hostnames?.length ? route.spec.hostnames : [undefined];
        const matches = rule.matches?.length ? rule.matches : [{ path: { type: "PathPrefix", value: "/" } }];
        for (const host of hostnames) {
          for (const m of matches) {
            rules.push({ host, pathType: m.path?.type === "Exact" ? "Exact" : "Prefix", path: m.path?.value ?? "/", backendService: bsName });
          }
        }
      }
    }
    this.owners.set(key, used);
    if (waitsForPods) this.needsPods.add(key);
    else this.needsPods.delete(key);
    for (const { policy, error } of policyResults.values()) await this.writePolicyStatus(policy, error);
    const door = await this.openDoor(key, `Gateway ${ns}/${name}`);
    door.setRoutes({ rules });
    await this.writeGatewayStatus(gw);
  }

  private async writePolicyStatus(policy: HealthCheckPolicy, error: string | undefined): Promise<void> {
    const cond = { type: "Attached", status: error ? "False" : "True", reason: error ? "Invalid" : "Attached", message: error ?? "", observedGeneration: policy.metadata.generation ?? 0 };
    const current = ((policy as KubeObject & { status?: { conditions?: Array<Record<string, unknown>> } }).status?.conditions ?? []).find((c) => c.type === "Attached");
    if (current && current.status === cond.status && current.reason === cond.reason && current.message === cond.message && current.observedGeneration === cond.observedGeneration) return;
    try {
      const fresh = await this.client.get<HealthCheckPolicy>(resources.healthcheckpolicies, policy.metadata.namespace, policy.metadata.name);
      if (!fresh) return;
      const updated = await this.client.updateStatus(resources.healthcheckpolicies, { ...fresh, status: { conditions: [{ ...cond, lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z") }] } });
      this.caches.healthCheckPolicies.upsert(updated as HealthCheckPolicy);
    } catch (err) {
      if (!(err instanceof ClusterError && (err.code === 409 || err.code === 404))) throw err;
    }
  }

  private async writeGatewayStatus(gw: Gateway): Promise<void> {
    const status = (gw as KubeObject & { status?: { addresses?: Array<{ value?: string }> } }).status;
    if (status?.addresses?.[0]?.value === "127.0.0.1") return;
    try {
      const fresh = await this.client.get<Gateway>(resources.gateways, gw.metadata.namespace, gw.metadata.name);
      if (!fresh) return;
      const t = new Date().toISOString().replace(/\.\d+Z$/, "Z");
      const g = fresh.metadata.generation ?? 1;
      const updated = await this.client.updateStatus(resources.gateways, {
        ...fresh,
        status: {
          addresses: [{ type: "IPAddress", value: "127.0.0.1" }],
          conditions: [
            { type: "Accepted", status: "True", reason: "Accepted", message: "", observedGeneration: g, lastTransitionTime: t },
            { type: "Programmed", status: "True", reason: "Programmed", message: "", observedGeneration: g, lastTransitionTime: t },
          ],
        },
      });
      this.caches.gateways.upsert(updated as Gateway);
    } catch (err) {
      if (!(err instanceof ClusterError && (err.code === 409 || err.code === 404))) throw err;
    }
  }

  // ---- shared ------------------------------------------------------------------------------

  private async openDoor(key: string, label: string): Promise<FrontDoor> {
    let door = this.doors.get(key);
    if (!door) {
      door = new FrontDoor(label, this.gce, this.dialer);
      this.doors.set(key, door);
      await door.start();
    }
    return door;
  }

  private async closeDoor(key: string): Promise<void> {
    const door = this.doors.get(key);
    this.doors.delete(key);
    this.lastGeneration.delete(key);
    await door?.stop();
  }

  /** Backend services (and their health checks) no Ingress or Gateway uses any more. */
  private collectGarbage(): void {
    const used = new Set<string>();
    for (const s of this.owners.values()) for (const bs of s) used.add(bs);
    for (const name of [...this.gce.backendServices.keys()]) if (!used.has(name) && this.isInFlight(name) === false) this.gce.deleteBackendService(name);
  }

  /** A backend service being created by a sync in progress is in no owner set yet. */
  private isInFlight(name: string): boolean {
    for (const ing of this.caches.ingresses.values()) {
      if (!this.owners.has(`ingress/${keyOf(ing)}`) && isGceIngress(ing) && !ing.metadata.deletionTimestamp) {
        // Not synced yet: keep everything that could be its backend.
        if (name.startsWith("k8s1-")) return true;
      }
    }
    return false;
  }
}
