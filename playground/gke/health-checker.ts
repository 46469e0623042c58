// The load balancer's prober: real HTTP requests to every endpoint of every health-checked backend
// service, at the health check's interval and timeout, through the kubelet's dialer (pod IP:port →
// loopback socket). Thresholds decide HEALTHY / UNHEALTHY; the state lives in `Gce`.
import http from "node:http";
import https from "node:https";
import net from "node:net";
import type { Gce, GceChange, HealthState, NetworkEndpoint } from "./gce.ts";
import { endpointKey } from "./gce.ts";
import type { HealthCheckSettings } from "./healthcheck.ts";
import type { EndpointDialer } from "./types.ts";

export interface ProbeResult {
  ok: boolean;
  detail: string;
}

/**
 * One health-check probe as GCE sends it: GET requestPath with the Host header (the endpoint's IP
 * when the health check sets none), success only on HTTP 200 (TCP: the connection opens).
 * `podIP:port` is where the probe goes in the pod network; the dialer says where that really is.
 */
export function probeOnce(dialer: EndpointDialer, podIP: string, port: number, hc: HealthCheckSettings, timeoutMs: number): Promise<ProbeResult> {
  const target = dialer(podIP, port);
  if (!target) return Promise.resolve({ ok: false, detail: `connection refused: nothing listens on ${podIP}:${port}` });
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const timer = setTimeout(() => {
      done({ ok: false, detail: `timeout after ${hc.timeoutSec}s` });
      cleanup();
    }, timeoutMs);
    let cleanup = () => {};
    if (hc.type === "TCP") {
      const sock = net.connect({ host: target.host, port: target.port }, () => {
        done({ ok: true, detail: "connected" });
        sock.destroy();
      });
      sock.on("error", (err) => done({ ok: false, detail: err.message }));
      cleanup = () => sock.destroy();
      return;
    }
    const options: http.RequestOptions & https.RequestOptions = {
      host: target.host,
      port: target.port,
      method: "GET",
      path: hc.requestPath || "/",
      headers: { Host: hc.host || podIP, "User-Agent": "GoogleHC/1.0", Connection: "close" },
      agent: false,
    };
    const secure = hc.type === "HTTPS" || hc.type === "HTTP2";
    // HTTPS/HTTP2 probes speak TLS; a plain-HTTP listener fails them, as it would on GCE.
    const req = secure ? https.request({ ...options, rejectUnauthorized: false }) : http.request(options);
    req.on("response", (res) => {
      res.resume();
      done({ ok: res.statusCode === 200, detail: `HTTP ${res.statusCode}` });
      res.on("error", () => {});
    });
    req.on("error", (err) => done({ ok: false, detail: err.message }));
    cleanup = () => req.destroy();
    req.end();
  });
}

/**
 * A high --speed would shrink probe timeouts to a few milliseconds, and a loaded machine (CI with
 * 2 cores) would then fail healthy pods. Timeouts never go below this; intervals still scale.
 */
export const MIN_PROBE_TIMEOUT_MS = 250;

interface ProberState {
  bs: string;
  neg: string;
  endpoint: NetworkEndpoint;
  successes: number;
  failures: number;
  state: HealthState;
  timer?: NodeJS.Timeout;
  stopped: boolean;
  lastDetail?: string;
}

export interface HealthCheckerOptions {
  /** The playground's speed factor: every interval and timeout is divided by it. */
  speed: number;
  /**
   * Probes in flight at once; the others wait their turn (FIFO). Each probe holds two sockets, and
   * at --scale 5000 (15,000 endpoints, all probed at once when the load balancers appear) sockets
   * beyond the process's file limit fail with EMFILE — failed health checks that GCE would not see.
   * A probe's timeout starts when it is sent. Default 256.
   */
  maxConcurrentProbes?: number;
  onProbe?: (info: { backendService: string; endpoint: NetworkEndpoint; result: ProbeResult; state: HealthState }) => void;
}

export class HealthChecker {
  private readonly gce: Gce;
  private readonly dialer: EndpointDialer;
  private readonly options: HealthCheckerOptions;
  /** `bs|neg` → endpoint key → prober: a sync touches only the slots a change names. */
  private readonly slots = new Map<string, Map<string, ProberState>>();
  /** backend service → NEG keys it has slots for; NEG key → backend services with a slot on it. */
  private readonly slotNegsByBs = new Map<string, Set<string>>();
  private readonly slotBsByNeg = new Map<string, Set<string>>();
  private syncScheduled = false;
  // What changed since the last sync; `full` when a change did not say (walk everything, as before).
  private dirtyFull = false;
  private readonly dirtyBs = new Set<string>();
  private readonly dirtyNegs = new Set<string>();
  private readonly dirtyHcs = new Set<string>();
  // Probe results themselves ("health") never change which endpoints are probed; other changes
  // come in bursts (a NEG sync attaches many endpoints), so one sync per turn of the event loop,
  // and it looks only at the backend services and NEGs the changes named.
  private readonly onChanged = (what: string, detail?: GceChange) => {
    if (what === "health") return;
    if (!detail) this.dirtyFull = true;
    else {
      for (const n of detail.backendServices ?? []) this.dirtyBs.add(n);
      for (const n of detail.negs ?? []) this.dirtyNegs.add(n);
      for (const n of detail.healthChecks ?? []) this.dirtyHcs.add(n);
    }
    if (this.syncScheduled) return;
    this.syncScheduled = true;
    setImmediate(() => {
      this.syncScheduled = false;
      this.sync();
    });
  };
  private running = false;
  private inFlight = 0;
  private waiting: ProberState[] = [];
  private waitingHead = 0;

  constructor(gce: Gce, dialer: EndpointDialer, options: HealthCheckerOptions) {
    this.gce = gce;
    this.dialer = dialer;
    this.options = options;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.gce.on("changed", this.onChanged);
    this.dirtyFull = true;
    this.sync();
  }

  stop(): void {
    this.running = false;
    this.gce.off("changed", this.onChanged);
    for (const slot of this.slots.values()) for (const p of slot.values()) this.stopProber(p);
    this.waiting = [];
    this.waitingHead = 0;
    this.slots.clear();
    this.slotNegsByBs.clear();
    this.slotBsByNeg.clear();
  }

  /** The last probe's outcome of an endpoint, for humans (`ip:port`). */
  lastDetail(bs: string, neg: string, endpoint: string): string | undefined {
    return this.slots.get(`${bs}|${neg}`)?.get(endpoint)?.lastDetail;
  }

  /**
   * Keeps a prober for every (backend service, NEG, endpoint) whose backend service has a health
   * check, and stops the ones that went away — for the backend services and NEGs that changed.
   */
  private sync(): void {
    if (!this.running) return;
    const pairs = new Set<string>();
    const addBs = (name: string) => {
      for (const neg of this.gce.backendServices.get(name)?.backends ?? []) pairs.add(`${name}|${neg}`);
      for (const neg of this.slotNegsByBs.get(name) ?? []) pairs.add(`${name}|${neg}`);
    };
    if (this.dirtyFull) {
      for (const name of this.gce.backendServices.keys()) addBs(name);
      for (const name of this.slotNegsByBs.keys()) addBs(name);
    } else {
      for (const name of this.dirtyBs) addBs(name);
      if (this.dirtyHcs.size) {
        // A health check appearing or going turns probing of its backend services on or off.
        for (const hc of this.dirtyHcs) for (const name of this.gce.backendServiceNamesUsing(hc)) addBs(name);
      }
      for (const neg of this.dirtyNegs) {
        for (const name of this.gce.backendServiceNamesOf(neg)) pairs.add(`${name}|${neg}`);
        for (const name of this.slotBsByNeg.get(neg) ?? []) pairs.add(`${name}|${neg}`);
      }
    }
    this.dirtyFull = false;
    this.dirtyBs.clear();
    this.dirtyNegs.clear();
    this.dirtyHcs.clear();
    for (const pair of pairs) {
      const i = pair.indexOf("|");
      this.syncSlot(pair.slice(0, i), pair.slice(i + 1));
    }
  }

  /** One backend service's probers on one NEG: one per endpoint while the pair is health-checked. */
  private syncSlot(bsName: string, key: string): void {
    const id = `${bsName}|${key}`;
    const bs = this.gce.backendServices.get(bsName);
    const neg = bs && this.gce.healthChecks.has(bs.healthCheck) && bs.backends.includes(key) ? this.gce.negs.get(key) : undefined;
    let slot = this.slots.get(id);
    if (neg && neg.endpoints.size > 0) {
      if (!slot) {
        this.slots.set(id, (slot = new Map()));
        this.link(bsName, key, true);
      }
      for (const [epKey, ep] of neg.endpoints) {
        const existing = slot.get(epKey);
        if (existing) {
          existing.endpoint = ep;
          continue;
        }
        const prober: ProberState = { bs: bsName, neg: key, endpoint: ep, successes: 0, failures: 0, state: this.gce.healthOf(bsName, key, epKey), stopped: false };
        slot.set(epKey, prober);
        // The first probe goes out right away; the next ones every checkIntervalSec.
        prober.timer = setTimeout(() => this.probe(prober), 0);
      }
    }
    if (!slot) return;
    for (const [epKey, p] of slot) {
      if (!neg?.endpoints.has(epKey)) {
        this.stopProber(p);
        slot.delete(epKey);
      }
    }
    if (slot.size === 0) {
      this.slots.delete(id);
      this.link(bsName, key, false);
    }
  }

  private link(bs: string, neg: string, add: boolean): void {
    const update = (index: Map<string, Set<string>>, k: string, v: string) => {
      let set = index.get(k);
      if (add) {
        if (!set) index.set(k, (set = new Set()));
        set.add(v);
      } else if (set) {
        set.delete(v);
        if (set.size === 0) index.delete(k);
      }
    };
    update(this.slotNegsByBs, bs, neg);
    update(this.slotBsByNeg, neg, bs);
  }

  private stopProber(p: ProberState): void {
    p.stopped = true;
    if (p.timer) clearTimeout(p.timer);
  }

  /** Sends the probe now, or queues it while maxConcurrentProbes are in flight. */
  private probe(p: ProberState): void {
    if (p.stopped) return;
    if (this.inFlight >= (this.options.maxConcurrentProbes ?? 256)) {
      this.waiting.push(p);
      return;
    }
    this.inFlight += 1;
    void this.probeNow(p).finally(() => {
      this.inFlight -= 1;
      while (this.waitingHead < this.waiting.length && this.inFlight < (this.options.maxConcurrentProbes ?? 256)) {
        const next = this.waiting[this.waitingHead++]!;
        if (!next.stopped) this.probe(next);
      }
      // Drop the consumed head now and then (Array#shift is linear: quadratic over 15,000 probes).
      if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length) {
        this.waiting = this.waiting.slice(this.waitingHead);
        this.waitingHead = 0;
      }
    });
  }

  private async probeNow(p: ProberState): Promise<void> {
    if (p.stopped) return;
    const bs = this.gce.backendServices.get(p.bs);
    const hc = bs && this.gce.healthChecks.get(bs.healthCheck);
    if (!hc) return;
    const settings = hc.settings;
    const speed = this.options.speed;
    // USE_SERVING_PORT → the NEG endpoint's own port; USE_FIXED_PORT → podIP:port (gke-neg.md §3).
    const port = settings.portSpecification === "USE_FIXED_PORT" && settings.port ? settings.port : p.endpoint.port;
    const result = await probeOnce(this.dialer, p.endpoint.ipAddress, port, settings, Math.max(MIN_PROBE_TIMEOUT_MS, (settings.timeoutSec * 1000) / speed));
    if (p.stopped) return;
    p.lastDetail = result.detail;
    if (result.ok) {
      p.successes += 1;
      p.failures = 0;
      if (p.state !== "HEALTHY" && p.successes >= settings.healthyThreshold) p.state = "HEALTHY";
    } else {
      p.failures += 1;
      p.successes = 0;
      if (p.state !== "UNHEALTHY" && p.failures >= settings.unhealthyThreshold) p.state = "UNHEALTHY";
    }
    this.gce.setHealth(p.bs, p.neg, endpointKey(p.endpoint.ipAddress, p.endpoint.port), p.state);
    this.options.onProbe?.({ backendService: p.bs, endpoint: p.endpoint, result, state: p.state });
    if (!p.stopped) p.timer = setTimeout(() => this.probe(p), Math.max(1, (settings.checkIntervalSec * 1000) / speed));
  }
}
