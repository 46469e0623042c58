// The simulated Google Cloud side: zonal NEGs with their endpoints, health checks, backend
// services and the per-endpoint health the load balancer's prober measured. The NEG controller,
// the load-balancer controller, the health checker, the front doors and the Compute API all share
// one instance; it is the only place "live" health exists (gke-neg.md §1).
import { EventEmitter } from "node:events";
import type { HealthCheckSettings } from "./healthcheck.ts";
import { backendServiceUrl, gceId, healthCheckUrl, negUrl } from "./naming.ts";

export interface NetworkEndpoint {
  ipAddress: string;
  port: number;
  /** The GCE instance (= node name) the pod runs on. */
  instance: string;
  /** `namespace/name` of the pod, for the readiness reflector. */
  pod: string;
}

export interface Neg {
  name: string;
  zone: string;
  id: string;
  selfLink: string;
  description: string;
  creationTimestamp: string;
  /** key `ip:port` */
  endpoints: Map<string, NetworkEndpoint>;
}

export interface HealthCheck {
  name: string;
  id: string;
  selfLink: string;
  settings: HealthCheckSettings;
}

export interface BackendService {
  name: string;
  id: string;
  selfLink: string;
  healthCheck: string;
  /** NEG keys `zone/name` */
  backends: string[];
  /** Who made it: `Ingress ns/name` or `Gateway ns/name`. */
  owner: string;
}

export type HealthState = "HEALTHY" | "UNHEALTHY" | "UNKNOWN" | "DRAINING";

/**
 * What a "changed" event touched, so listeners can re-derive only that (at --scale 5000 a full walk
 * per change is quadratic). Listeners that ignore it re-derive everything, as before.
 */
export interface GceChange {
  negs?: string[];
  backendServices?: string[];
  healthChecks?: string[];
  /** Pods (`ns/name`) whose endpoints' health changed. */
  pods?: string[];
}

export function endpointKey(ip: string, port: number): string {
  return `${ip}:${port}`;
}

export function negKey(zone: string, name: string): string {
  return `${zone}/${name}`;
}

/**
 * Emits "changed" with a reason whenever anything changes (endpoints, backend services, health).
 * Listeners re-derive what they need; changes are coalesced by them, not here.
 */
export class Gce extends EventEmitter {
  readonly project: string;
  readonly negs = new Map<string, Neg>();
  readonly healthChecks = new Map<string, HealthCheck>();
  readonly backendServices = new Map<string, BackendService>();
  /** backend service → NEG key → endpoint key → state */
  private readonly health = new Map<string, Map<string, Map<string, HealthState>>>();
  /** pod `ns/name` → `negKey|endpointKey` of its endpoints, so per-pod lookups stay cheap at scale. */
  private readonly byPod = new Map<string, Set<string>>();
  /** NEG key → names of the backend services listing it, so per-NEG lookups stay cheap at scale. */
  private readonly bsByNeg = new Map<string, Set<string>>();
  /** Health check name → names of the backend services using it. */
  private readonly bsByHc = new Map<string, Set<string>>();

  constructor(project: string) {
    super();
    this.project = project;
    this.setMaxListeners(50);
  }

  private changed(what: string, detail?: GceChange): void {
    this.emit("changed", what, detail);
  }

  private indexBackends(name: string, backends: readonly string[], add: boolean): void {
    for (const k of backends) {
      let set = this.bsByNeg.get(k);
      if (add) {
        if (!set) this.bsByNeg.set(k, (set = new Set()));
        set.add(name);
      } else if (set) {
        set.delete(name);
        if (set.size === 0) this.bsByNeg.delete(k);
      }
    }
  }

  ensureNeg(zone: string, name: string, description: string): { neg: Neg; created: boolean } {
    const key = negKey(zone, name);
    const existing = this.negs.get(key);
    if (existing) return { neg: existing, created: false };
    const neg: Neg = { name, zone, id: gceId("neg", key), selfLink: negUrl(this.project, zone, name), description, creationTimestamp: new Date().toISOString(), endpoints: new Map() };
    this.negs.set(key, neg);
    this.changed("neg", { negs: [key] });
    return { neg, created: true };
  }

  deleteNeg(zone: string, name: string): boolean {
    const key = negKey(zone, name);
    const neg = this.negs.get(key);
    if (neg) for (const [k, ep] of neg.endpoints) this.unindex(ep.pod, key, k);
    const existed = this.negs.delete(key);
    const users = [...(this.bsByNeg.get(key) ?? [])];
    for (const name of users) {
      const bs = this.backendServices.get(name);
      if (bs) bs.backends = bs.backends.filter((b) => b !== key);
    }
    this.bsByNeg.delete(key);
    for (const perNeg of this.health.values()) perNeg.delete(key);
    if (existed) this.changed("neg", { negs: [key], backendServices: users });
    return existed;
  }

  attach(zone: string, name: string, endpoints: NetworkEndpoint[]): void {
    const neg = this.negs.get(negKey(zone, name));
    if (!neg) throw new Error(`The resource 'projects/${this.project}/zones/${zone}/networkEndpointGroups/${name}' was not found`);
    for (const ep of endpoints) {
      const k = endpointKey(ep.ipAddress, ep.port);
      const prev = neg.endpoints.get(k);
      if (prev) this.unindex(prev.pod, negKey(zone, name), k);
      neg.endpoints.set(k, ep);
      let set = this.byPod.get(ep.pod);
      if (!set) this.byPod.set(ep.pod, (set = new Set()));
      set.add(`${negKey(zone, name)}|${k}`);
    }
    if (endpoints.length) this.changed("endpoints", { negs: [negKey(zone, name)] });
  }

  detach(zone: string, name: string, keys: string[]): void {
    const key = negKey(zone, name);
    const neg = this.negs.get(key);
    if (!neg) return;
    for (const k of keys) {
      const ep = neg.endpoints.get(k);
      if (ep) this.unindex(ep.pod, key, k);
      neg.endpoints.delete(k);
      for (const perNeg of this.health.values()) perNeg.get(key)?.delete(k);
    }
    if (keys.length) this.changed("endpoints", { negs: [key] });
  }

  private unindex(pod: string, neg: string, ep: string): void {
    const set = this.byPod.get(pod);
    set?.delete(`${neg}|${ep}`);
    if (set && set.size === 0) this.byPod.delete(pod);
  }

  /** The NEG endpoints of a pod: `{ neg: Neg, key: endpointKey }`. */
  endpointsOfPod(pod: string): Array<{ neg: Neg; key: string; endpoint: NetworkEndpoint }> {
    const out: Array<{ neg: Neg; key: string; endpoint: NetworkEndpoint }> = [];
    for (const entry of this.byPod.get(pod) ?? []) {
      const [nk, ek] = entry.split("|") as [string, string];
      const neg = this.negs.get(nk);
      const endpoint = neg?.endpoints.get(ek);
      if (neg && endpoint) out.push({ neg, key: ek, endpoint });
    }
    return out;
  }

  upsertHealthCheck(name: string, settings: HealthCheckSettings): HealthCheck {
    const existing = this.healthChecks.get(name);
    if (existing && JSON.stringify(existing.settings) === JSON.stringify(settings)) return existing;
    const hc: HealthCheck = { name, id: existing?.id ?? gceId("hc", name), selfLink: healthCheckUrl(this.project, name), settings: { ...settings } };
    this.healthChecks.set(name, hc);
    this.changed("healthcheck", { healthChecks: [name] });
    return hc;
  }

  upsertBackendService(name: string, healthCheck: string, backends: string[], owner: string): BackendService {
    const existing = this.backendServices.get(name);
    const sorted = [...backends].sort();
    if (existing && existing.healthCheck === healthCheck && existing.owner === owner && JSON.stringify(existing.backends) === JSON.stringify(sorted)) return existing;
    const bs: BackendService = { name, id: existing?.id ?? gceId("bs", name), selfLink: backendServiceUrl(this.project, name), healthCheck, backends: sorted, owner };
    if (existing) {
      this.indexBackends(name, existing.backends, false);
      this.bsByHc.get(existing.healthCheck)?.delete(name);
    }
    this.backendServices.set(name, bs);
    this.indexBackends(name, bs.backends, true);
    let users = this.bsByHc.get(healthCheck);
    if (!users) this.bsByHc.set(healthCheck, (users = new Set()));
    users.add(name);
    this.changed("backendservice", { backendServices: [name] });
    return bs;
  }

  deleteBackendService(name: string): void {
    const existing = this.backendServices.get(name);
    if (!existing || !this.backendServices.delete(name)) return;
    this.indexBackends(name, existing.backends, false);
    this.bsByHc.get(existing.healthCheck)?.delete(name);
    this.health.delete(name);
    // A health check is removed with the last backend service using it.
    const hcName = name;
    let hcGone = false;
    if (!this.bsByHc.get(hcName)?.size) hcGone = this.healthChecks.delete(hcName);
    this.changed("backendservice", { backendServices: [name], ...(hcGone ? { healthChecks: [hcName] } : {}) });
  }

  setHealth(bs: string, neg: string, endpoint: string, state: HealthState): void {
    let perNeg = this.health.get(bs);
    if (!perNeg) this.health.set(bs, (perNeg = new Map()));
    let perEp = perNeg.get(neg);
    if (!perEp) perNeg.set(neg, (perEp = new Map()));
    if (perEp.get(endpoint) === state) return;
    perEp.set(endpoint, state);
    const pod = this.negs.get(neg)?.endpoints.get(endpoint)?.pod;
    this.changed("health", pod ? { pods: [pod] } : undefined);
  }

  /** Health of an endpoint as seen by one backend service (UNKNOWN until probed). */
  healthOf(bs: string, neg: string, endpoint: string): HealthState {
    return this.health.get(bs)?.get(neg)?.get(endpoint) ?? "UNKNOWN";
  }

  /** Backend services that have this NEG as a backend and a health check (gke-neg.md §8). */
  backendServicesOf(negKeyValue: string): BackendService[] {
    // Same order as a walk of backendServices (insertion order), through the index.
    const names = this.bsByNeg.get(negKeyValue);
    if (!names) return [];
    return this.inInsertionOrder(names).filter((b) => b.backends.includes(negKeyValue) && this.healthChecks.has(b.healthCheck));
  }

  /**
   * Pods (`ns/name`) a change may concern: those with endpoints in the NEGs it names or in the NEGs
   * of the backend services (and health checks) it names, plus the pods it names. Undefined: any pod.
   */
  podsAffectedBy(detail: GceChange | undefined): Set<string> | undefined {
    if (!detail) return undefined;
    const out = new Set<string>(detail.pods ?? []);
    const negs = new Set<string>(detail.negs ?? []);
    const bsNames = new Set<string>(detail.backendServices ?? []);
    for (const hc of detail.healthChecks ?? []) for (const n of this.bsByHc.get(hc) ?? []) bsNames.add(n);
    for (const n of bsNames) {
      const bs = this.backendServices.get(n);
      // A backend service that went away: its NEGs are unknown here now, so any pod may be concerned.
      if (!bs) return undefined;
      for (const k of bs.backends) negs.add(k);
    }
    for (const k of negs) {
      const neg = this.negs.get(k);
      // A deleted NEG's endpoints are gone: any pod may be concerned.
      if (!neg) return undefined;
      for (const ep of neg.endpoints.values()) out.add(ep.pod);
    }
    return out;
  }

  /** Names of the backend services using a health check. */
  backendServiceNamesUsing(healthCheck: string): string[] {
    return [...(this.bsByHc.get(healthCheck) ?? [])];
  }

  /** Names that use a NEG (whatever their health check), for incremental listeners. */
  backendServiceNamesOf(negKeyValue: string): string[] {
    return [...(this.bsByNeg.get(negKeyValue) ?? [])];
  }

  private inInsertionOrder(names: Set<string>): BackendService[] {
    const order = new Map<string, number>();
    const out: BackendService[] = [];
    for (const n of names) {
      const bs = this.backendServices.get(n);
      if (bs) out.push(bs);
    }
    if (out.length < 2) return out;
    let i = 0;
    for (const k of this.backendServices.keys()) if (names.has(k)) order.set(k, i++);
    return out.sort((a, b) => order.get(a.name)! - order.get(b.name)!);
  }

  /** gke-neg.md §1: one aggregated value per backend service, HEALTHY if any endpoint is. */
  aggregateHealth(bsName: string): "HEALTHY" | "UNHEALTHY" | "Unknown" {
    const bs = this.backendServices.get(bsName);
    if (!bs) return "Unknown";
    let sawUnhealthy = false;
    for (const key of bs.backends) {
      const neg = this.negs.get(key);
      if (!neg) continue;
      for (const ep of neg.endpoints.keys()) {
        const s = this.healthOf(bsName, key, ep);
        if (s === "HEALTHY") return "HEALTHY";
        if (s === "UNHEALTHY") sawUnhealthy = true;
      }
    }
    return sawUnhealthy ? "UNHEALTHY" : "Unknown";
  }

  /** Endpoints of a backend service that currently pass its health check. */
  healthyEndpoints(bsName: string): NetworkEndpoint[] {
    const bs = this.backendServices.get(bsName);
    if (!bs) return [];
    const out: NetworkEndpoint[] = [];
    for (const key of bs.backends) {
      const neg = this.negs.get(key);
      if (!neg) continue;
      for (const [k, ep] of neg.endpoints) if (this.healthOf(bsName, key, k) === "HEALTHY") out.push(ep);
    }
    return out;
  }
}
