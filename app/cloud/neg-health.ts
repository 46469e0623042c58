// Live per-endpoint load-balancer health per NEG, polled from the Compute API (gke-neg.md §1, §8), as
// plain data. Which NEGs: the ones a Service's `cloud.google.com/neg-status` names (gke-neg.md §2).
// Without Google Cloud credentials nothing is polled and the source says why the app shows only the
// Kubernetes-side signals.
import type { ErrorValue } from "../contract/errors.ts";
import { SwitchboardError, toErrorValue } from "../contract/errors.ts";
import type { KubeObject } from "../kube/cache.ts";
import { adcTokenSource, findAdc, staticToken, type TokenSource } from "./adc.ts";
import { ComputeClient, type EndpointHealth } from "./compute.ts";

export const NEG_STATUS_ANNOTATION = "cloud.google.com/neg-status";

/** One zonal NEG of one Service port. */
export interface NegTarget {
  namespace: string;
  service: string;
  /** The Service port number (the key of neg-status, gke-neg.md §2). */
  servicePort: number;
  neg: string;
  zone: string;
}

export function negKey(zone: string, neg: string): string {
  return `${zone}/${neg}`;
}

/** gke-neg.md §2: `{"network_endpoint_groups":{"80":"k8s1-…"},"zones":["us-central1-a"]}` → targets. */
export function negTargetsOf(service: KubeObject): NegTarget[] {
  const raw = service.metadata.annotations?.[NEG_STATUS_ANNOTATION];
  if (!raw) return [];
  let status: { network_endpoint_groups?: Record<string, string>; zones?: string[] };
  try {
    status = JSON.parse(raw) as typeof status;
  } catch {
    return []; // written by the controller; a broken one is the model's finding, not ours
  }
  const out: NegTarget[] = [];
  for (const [port, neg] of Object.entries(status.network_endpoint_groups ?? {})) {
    for (const zone of status.zones ?? []) {
      out.push({ namespace: service.metadata.namespace ?? "", service: service.metadata.name, servicePort: Number(port), neg, zone });
    }
  }
  return out;
}

interface PodLike {
  metadata: { name: string; namespace?: string };
  spec?: { containers?: Array<{ ports?: Array<{ name?: string; containerPort?: number }> }> };
  status?: { podIP?: string; podIPs?: Array<{ ip?: string }> };
}

/** The container port a Service port targets in one pod (a named targetPort resolves per pod). */
export function targetContainerPort(service: KubeObject, servicePort: number, pod: PodLike): number | null {
  const ports = (service.spec as { ports?: Array<{ port?: number; targetPort?: number | string }> } | undefined)?.ports ?? [];
  const sp = ports.find((p) => p.port === servicePort);
  if (!sp) return null;
  const target = sp.targetPort ?? sp.port ?? null;
  if (typeof target === "number") return target;
  if (typeof target === "string" && /^\d+$/.test(target)) return Number(target);
  for (const c of pod.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.name === target && p.containerPort) return p.containerPort;
  return null;
}

/** gke-neg.md §8: an endpoint is a pod when ipAddress = podIP and port = the target container port. */
export function podOfEndpoint(endpoint: { ipAddress: string; port: number }, service: KubeObject, servicePort: number, pods: readonly PodLike[]): string | null {
  for (const pod of pods) {
    const ips = [pod.status?.podIP, ...(pod.status?.podIPs ?? []).map((p) => p.ip)];
    if (!ips.includes(endpoint.ipAddress)) continue;
    if (targetContainerPort(service, servicePort, pod) === endpoint.port) return pod.metadata.name;
  }
  return null;
}

/** Where endpoint health comes from, in words the UI can show. */
export type HealthSource =
  | { kind: "compute-api"; describe: string }
  | { kind: "kubernetes"; reason: ErrorValue };

export function noCredentials(): ErrorValue {
  return new SwitchboardError(
    "auth-failed",
    "No Google Cloud credentials: showing the Kubernetes-side signals (readiness gate, Ingress backends annotation, events), which are weaker because the readiness gate turns True once and never goes back, and the Ingress annotation is one value per backend service (HEALTHY if any endpoint is). A pod whose health check broke after it became Ready (for example during an intercept) looks fine there; only the Compute API shows it.",
    "Run `gcloud auth application-default login` (or set GOOGLE_APPLICATION_CREDENTIALS to a service account key with the Compute Viewer role) to see live per-endpoint health.",
    { signal: "kubernetes" },
  ).toValue();
}

/**
 * Picks the token source: an explicit token (the playground's emulation, tests), else Application
 * Default Credentials from files, else none (Kubernetes signals only). Never waits on a metadata server.
 */
export function healthSourceFor(options: { token?: string; env?: Record<string, string | undefined> }): { tokens: TokenSource | null; source: HealthSource } {
  if (options.token) {
    const tokens = staticToken(options.token);
    return { tokens, source: { kind: "compute-api", describe: tokens.describe } };
  }
  try {
    const found = findAdc(options.env ?? process.env);
    if (!found) return { tokens: null, source: { kind: "kubernetes", reason: noCredentials() } };
    const tokens = adcTokenSource(found);
    return { tokens, source: { kind: "compute-api", describe: tokens.describe } };
  } catch (err) {
    return { tokens: null, source: { kind: "kubernetes", reason: toErrorValue(err) } };
  }
}

export interface NegHealth {
  key: string;
  target: NegTarget;
  /** null until the first answer (or after a failure that left nothing to show). */
  endpoints: EndpointHealth[] | null;
  /** ISO time of the last successful poll. */
  fetchedAt: string | null;
  /** The last failure (the previous endpoints are kept and marked by this). */
  error: ErrorValue | null;
}

export interface NegHealthPollerOptions {
  project: string;
  /** Compute API base URL (default Google's); the playground's emulation URL in tests. */
  baseUrl?: string;
  /** A fixed access token (emulation). Without it, Application Default Credentials from files. */
  token?: string;
  env?: Record<string, string | undefined>;
  intervalMs?: number;
  maxIntervalMs?: number;
  concurrency?: number;
  timeoutMs?: number;
}

/** Polls the NEGs it is given; one notification per poll round that changed something. */
export class NegHealthPoller {
  readonly project: string;
  readonly #client: ComputeClient | null;
  #source: HealthSource;
  readonly #activeSource: HealthSource;
  readonly #intervalMs: number;
  readonly #maxIntervalMs: number;
  readonly #concurrency: number;
  readonly #results = new Map<string, NegHealth>();
  readonly #schedule = new Map<string, { next: number; failures: number }>();
  readonly #listeners = new Set<(changed: string[]) => void>();
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #stopped = false;
  /** Set after a 401/403 on credentials: no polling until refresh(). */
  #paused: ErrorValue | null = null;

  constructor(options: NegHealthPollerOptions) {
    this.project = options.project;
    const { tokens, source } = healthSourceFor({ ...(options.token ? { token: options.token } : {}), ...(options.env ? { env: options.env } : {}) });
    this.#source = source;
    this.#activeSource = source;
    this.#client = tokens
      ? new ComputeClient({ tokens, ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}), ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) })
      : null;
    this.#intervalMs = options.intervalMs ?? 10_000;
    this.#maxIntervalMs = options.maxIntervalMs ?? 300_000;
    this.#concurrency = options.concurrency ?? 4;
  }

  source(): HealthSource {
    return this.#source;
  }

  /** The NEGs to poll (e.g. `negTargetsOf` of the Services on screen). New ones are polled at once. */
  setTargets(targets: readonly NegTarget[]): void {
    const keep = new Set<string>();
    for (const t of targets) {
      const key = negKey(t.zone, t.neg);
      keep.add(key);
      if (!this.#results.has(key)) {
        this.#results.set(key, { key, target: t, endpoints: null, fetchedAt: null, error: null });
        this.#schedule.set(key, { next: 0, failures: 0 });
      }
    }
    for (const key of [...this.#results.keys()]) {
      if (!keep.has(key)) {
        this.#results.delete(key);
        this.#schedule.delete(key);
      }
    }
    this.#arm(0);
  }

  results(): NegHealth[] {
    return [...this.#results.values()];
  }

  get(zone: string, neg: string): NegHealth | undefined {
    return this.#results.get(negKey(zone, neg));
  }

  /** Called with the keys (zone/neg) whose results changed. */
  onUpdate(listener: (changed: string[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Poll everything now (the user's refresh; also lifts a pause after a credentials error). */
  refresh(): void {
    if (this.#paused && this.#client) this.#source = this.#activeSource;
    this.#paused = null;
    for (const s of this.#schedule.values()) s.next = 0;
    this.#arm(0);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#listeners.clear();
  }

  /** One round: polls every due NEG (bounded concurrency). Resolves when done; tests await it. */
  async pollDue(): Promise<string[]> {
    if (!this.#client || this.#paused || this.#running || this.#stopped) return [];
    this.#running = true;
    const changed: string[] = [];
    try {
      const now = Date.now();
      const due = [...this.#schedule.entries()].filter(([, s]) => s.next <= now).map(([k]) => k);
      const queue = [...due];
      const worker = async () => {
        for (let key = queue.shift(); key; key = queue.shift()) {
          if (await this.#pollOne(key)) changed.push(key);
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.#concurrency, queue.length) }, worker));
    } finally {
      this.#running = false;
    }
    if (changed.length) for (const l of this.#listeners) l(changed);
    return changed;
  }

  async #pollOne(key: string): Promise<boolean> {
    const result = this.#results.get(key);
    const sched = this.#schedule.get(key);
    if (!result || !sched || !this.#client) return false;
    const { zone, neg } = result.target;
    try {
      const endpoints = await this.#client.listNetworkEndpoints(this.project, zone, neg);
      if (!this.#results.has(key)) return false; // dropped meanwhile
      sched.failures = 0;
      sched.next = Date.now() + this.#intervalMs;
      const same = result.error === null && JSON.stringify(result.endpoints) === JSON.stringify(endpoints);
      this.#results.set(key, { ...result, endpoints, fetchedAt: new Date().toISOString(), error: null });
      return !same;
    } catch (err) {
      const error = toErrorValue(err);
      sched.failures++;
      // Exponential back-off with jitter per NEG; quota errors and outages calm down by themselves.
      const backoff = Math.min(this.#maxIntervalMs, this.#intervalMs * 2 ** sched.failures);
      sched.next = Date.now() + backoff / 2 + (Math.random() * backoff) / 2;
      if (error.code === "auth-failed") {
        // Credentials do not heal by themselves: stop until refresh(), say so in the source.
        this.#paused = error;
        this.#source = { kind: "kubernetes", reason: error };
      }
      const same = JSON.stringify(result.error) === JSON.stringify(error);
      this.#results.set(key, { ...result, error });
      return !same;
    }
  }

  #arm(delayMs: number): void {
    if (this.#stopped || !this.#client) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      void this.pollDue().finally(() => {
        const next = Math.min(...[...this.#schedule.values()].map((s) => s.next), Date.now() + this.#intervalMs);
        if (!this.#paused) this.#arm(Math.max(50, next - Date.now()));
      });
    }, delayMs);
    this.#timer.unref?.();
  }
}
