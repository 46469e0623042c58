// Live per-endpoint health for the services in view (gke-neg.md §1, §8), adapted for the core: the
// NEGs to poll come from the Services' neg-status, the answers become the snapshot's `endpointHealth`,
// and the HealthSource says in plain words where health comes from and why. The Compute API endpoint,
// token and project are options (the playground's emulation goes through this same code path).
import type { HealthSource } from "../contract/api.ts";
import { lastSegment } from "../cloud/compute.ts";
import { NegHealthPoller, negTargetsOf, type NegTarget } from "../cloud/neg-health.ts";
import type { EndpointHealthItem, NegEndpointHealth } from "../gke/snapshot.ts";
import type { KubeObject } from "../kube/cache.ts";

export interface ComputeSettings {
  /** Compute API base URL (default Google's). */
  apiUrl?: string | undefined;
  /** A fixed access token; without it, Application Default Credentials from files. */
  token?: string | undefined;
  /** Google Cloud project of the cluster's NEGs; default from the GKE context name. */
  project?: string | undefined;
  intervalMs?: number | undefined;
}

/** Settings from the environment: SWITCHBOARD_COMPUTE_API, SWITCHBOARD_COMPUTE_TOKEN, SWITCHBOARD_PROJECT. */
export function computeSettingsFromEnv(env: Record<string, string | undefined>): ComputeSettings {
  return {
    ...(env.SWITCHBOARD_COMPUTE_API ? { apiUrl: env.SWITCHBOARD_COMPUTE_API } : {}),
    ...(env.SWITCHBOARD_COMPUTE_TOKEN ? { token: env.SWITCHBOARD_COMPUTE_TOKEN } : {}),
    ...(env.SWITCHBOARD_PROJECT ? { project: env.SWITCHBOARD_PROJECT } : {}),
  };
}

export interface EndpointHealthFeed {
  source(): HealthSource;
  /** The NEGs of these Services are polled (new ones at once); others are dropped. */
  setServices(services: readonly KubeObject[]): void;
  /** What the Compute API last said, per zonal NEG, for the snapshot. */
  endpointHealth(): NegEndpointHealth[] | undefined;
  refresh(): void;
  /** Resolves once every NEG polled has answered (or failed) once, or after `timeoutMs`. */
  firstAnswers(timeoutMs: number): Promise<void>;
  stop(): void;
}

/** `onChange(negNames)`: the answers of these NEGs changed (or the source did: then `sourceChanged`). */
export function createEndpointHealthFeed(
  settings: ComputeSettings,
  env: Record<string, string | undefined>,
  onChange: (negs: string[], sourceChanged: boolean) => void,
): EndpointHealthFeed {
  if (!settings.project) {
    const source: HealthSource = {
      source: "kubernetes",
      reason:
        "Showing the Kubernetes-side signals (readiness gate, Ingress backends annotation, events): the Google Cloud project of this cluster is not known, so the Compute API cannot be asked. Contexts named gke_<project>_<location>_<cluster> carry it; otherwise set SWITCHBOARD_PROJECT (or --project).",
      error: null,
    };
    return { source: () => source, setServices: () => undefined, endpointHealth: () => undefined, refresh: () => undefined, firstAnswers: async () => undefined, stop: () => undefined };
  }
  const project = settings.project;
  const poller = new NegHealthPoller({
    project,
    ...(settings.apiUrl ? { baseUrl: settings.apiUrl } : {}),
    ...(settings.token ? { token: settings.token } : {}),
    env,
    ...(settings.intervalMs ? { intervalMs: settings.intervalMs } : {}),
  });
  let targets = new Map<string, NegTarget>();
  const describe = (): HealthSource => {
    const s = poller.source();
    if (s.kind === "kubernetes") return { source: "kubernetes", reason: s.reason.message, error: s.reason };
    const failing = poller.results().find((r) => r.error);
    return {
      source: "compute-api",
      reason: `Live per-endpoint health from the Compute API (project ${project}${settings.apiUrl ? `, ${settings.apiUrl}` : ""}; ${s.describe}).`,
      error: failing?.error ?? null,
    };
  };
  let last = JSON.stringify(describe());
  poller.onUpdate((keys) => {
    const negs = keys.map((k) => targets.get(k)?.neg).filter((n): n is string => !!n);
    const now = JSON.stringify(describe());
    const sourceChanged = now !== last;
    last = now;
    onChange(negs, sourceChanged);
  });
  return {
    source: describe,
    setServices(services) {
      const next = new Map<string, NegTarget>();
      for (const svc of services) for (const t of negTargetsOf(svc)) next.set(`${t.zone}/${t.neg}`, t);
      const same = next.size === targets.size && [...next.keys()].every((k) => targets.has(k));
      targets = next;
      if (!same) poller.setTargets([...next.values()]);
    },
    endpointHealth() {
      if (poller.source().kind !== "compute-api") return undefined;
      const out: NegEndpointHealth[] = [];
      for (const r of poller.results()) {
        if (!r.endpoints) continue;
        out.push({
          neg: r.target.neg,
          zone: r.target.zone,
          ...(r.fetchedAt ? { observedAt: r.fetchedAt } : {}),
          items: r.endpoints.flatMap((e) =>
            e.healths.length === 0
              ? [{ ipAddress: e.ipAddress, port: e.port, healthState: null } as EndpointHealthItem]
              : e.healths.map((h): EndpointHealthItem => ({
                  ipAddress: e.ipAddress,
                  port: e.port,
                  healthState: h.healthState,
                  ...(h.backendService ? { backendService: lastSegment(h.backendService) ?? h.backendService } : {}),
                  ...(h.healthCheck ? { healthCheck: lastSegment(h.healthCheck) ?? h.healthCheck } : {}),
                })),
          ),
        });
      }
      return out;
    },
    refresh: () => poller.refresh(),
    async firstAnswers(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      const answered = () => poller.source().kind !== "compute-api" || poller.results().every((r) => r.fetchedAt !== null || r.error !== null);
      while (!answered() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    },
    stop: () => poller.stop(),
  };
}
