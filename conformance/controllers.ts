// The playground's controllers (workloads + kubelet, GKE NEG / readiness reflector / load balancers /
// Compute API, optionally the Telepresence traffic-manager) running against a REAL kube-apiserver
// through HttpClusterClient: playground/index.ts `startPlayground` with `client` (no in-memory store
// or API server).
//
// What cannot run against the real server, and how it is handled here:
//  - Admission hooks are in-process in the playground (store.admission): GKE's NEG readiness-gate
//    webhook and Telepresence's agent-injector webhook (telepresence.md §4). No webhook server is
//    registered with the real API server, so:
//      * the readiness gate is put into the pod templates of NEG-backed Deployments by
//        `withNegReadinessGates` (what the webhook would add to each pod; gke-neg.md §5), so the
//        reflector's pod-status patches are still exercised;
//      * agent injection at pod creation does not happen (see conformance/README.md).
//  - The service-account controller: a `default` ServiceAccount is created per namespace.
import type { ClusterClient, KubeObject } from "../playground/cluster/client.ts";
import { startPlayground, type ExternalPlayground } from "../playground/index.ts";
import { applyScenario, loadBalancerKeys } from "../playground/scenarios/scenarios.ts";
import type { Deployment, Pod } from "../playground/workloads/types.ts";
import { ensureDefaultServiceAccount } from "./cluster.ts";
import type { HttpClusterClient } from "../playground/cluster/http-client.ts";

export const NEG_READINESS_GATE = "cloud.google.com/load-balancer-neg-ready";

/** The playground on the real server (`startPlayground` with an external client): no in-memory store. */
export type Controllers = ExternalPlayground;

export interface ControllerOptions {
  client: HttpClusterClient;
  /** The server, token and CA of `client` (for the playground's kubeconfig). */
  apiServer: { url: string; token: string; ca?: string };
  speed?: number;
  /** Start the Telepresence traffic-manager controller too (not installed: see withoutWebhookRegistrations). */
  telepresence?: boolean;
  log?: (message: string) => void;
}

/**
 * The playground's controllers on the real server: `startPlayground` with the external client, no
 * admission chain (so no readiness-gate webhook or agent injector, and the traffic-manager is not
 * installed) and no scenarios (`deployAndWait` applies them, with the readiness gates in the pod
 * templates and the ServiceAccounts the real admission wants).
 */
export async function startControllers(options: ControllerOptions): Promise<Controllers> {
  return startPlayground({
    client: options.client, apiServer: options.apiServer, speed: options.speed ?? 20, scenarios: false,
    telepresence: options.telepresence ? { install: false } : false,
    ...(options.log ? { log: options.log } : {}),
  });
}

interface ServiceLike extends KubeObject {
  spec?: { selector?: Record<string, string> };
}

/**
 * gke-neg.md §5: GKE's webhook adds the NEG readiness gate to pods behind NEG Services at creation.
 * Without webhooks, the same gate goes into the pod template of every Deployment a NEG Service selects.
 */
export function withNegReadinessGates(objects: KubeObject[]): KubeObject[] {
  const negServices = objects.filter((o): o is ServiceLike => o.kind === "Service" && !!o.metadata.annotations?.["cloud.google.com/neg"]);
  return objects.map((o) => {
    if (o.kind !== "Deployment") return o;
    const d = structuredClone(o) as Deployment;
    const labels = d.spec.template.metadata?.labels ?? {};
    const selected = negServices.some((s) => s.metadata.namespace === d.metadata.namespace && s.spec?.selector
      && Object.entries(s.spec.selector).every(([k, v]) => labels[k] === v));
    if (!selected) return o;
    const spec = d.spec.template.spec as Deployment["spec"]["template"]["spec"] & { readinessGates?: Array<{ conditionType: string }> };
    spec.readinessGates = [...(spec.readinessGates ?? []).filter((g) => g.conditionType !== NEG_READINESS_GATE), { conditionType: NEG_READINESS_GATE }];
    return d as unknown as KubeObject;
  });
}

function deploymentDone(d: Deployment): boolean {
  const replicas = d.spec.replicas ?? 1;
  const s = d.status;
  return !!s && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 1) && s.updatedReplicas === replicas
    && s.availableReplicas === replicas && s.replicas === replicas;
}

function podReady(p: Pod): boolean {
  return p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

/** Ready=False for a missing readiness-gate condition that is in fact there (and True). */
function staleReadinessGate(p: Pod): boolean {
  const conditions = p.status?.conditions ?? [];
  const ready = conditions.find((c) => c.type === "Ready");
  return ready?.status === "False" && (ready as { reason?: string }).reason === "ReadinessGatesNotReady"
    && (p.spec as { readinessGates?: Array<{ conditionType: string }> }).readinessGates?.every((g) => conditions.some((c) => c.type === g.conditionType && c.status === "True")) === true;
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/**
 * Applies scenario objects as startPlayground does (everything but load balancers, then those once
 * the pods exist) and waits until every Deployment rolled out, every pod of `namespace` is Ready
 * (readiness gates included) and every load balancer's front door answers 200.
 */
export async function deployAndWait(c: Controllers, objects: KubeObject[], namespace: string, timeoutMs = 90_000): Promise<Record<string, string>> {
  const client = c.client as HttpClusterClient;
  for (const ns of new Set(objects.map((o) => o.metadata.namespace).filter((n): n is string => !!n))) {
    const existing = await client.get({ group: "", version: "v1", plural: "namespaces" }, undefined, ns);
    if (!existing) await client.create({ group: "", version: "v1", plural: "namespaces" }, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
    await ensureDefaultServiceAccount(client, ns);
  }
  const wantedPods = objects.reduce((n, o) => n + (o.kind === "Deployment" ? ((o as Deployment).spec.replicas ?? 1) : 0), 0);
  const inNs = () => [...c.workloads.pods.values()].filter((p) => p.metadata.namespace === namespace && !p.metadata.deletionTimestamp);
  await applyScenario(c.client, objects.filter((o) => o.kind !== "Namespace"), () => inNs().length >= wantedPods, timeoutMs);
  const expected = loadBalancerKeys(objects);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const deployments = [...c.workloads.deployments.values()].filter((d) => d.metadata.namespace === namespace);
    const lbs = c.gke.loadBalancers();
    if (deployments.length > 0 && deployments.every(deploymentDone) && inNs().every(podReady) && expected.every((k) => lbs[k])) {
      const ok = await Promise.all(expected.map((k) => answers(lbs[k]!)));
      if (ok.every(Boolean)) return lbs;
    }
    if (Date.now() > deadline) {
      const stale = inNs().filter(staleReadinessGate).map((p) => p.metadata.name);
      if (stale.length) {
        throw new Error(`not ready in time: pods ${stale.join(", ")} say "Ready=False: readiness gate condition does not exist" while the API server holds that condition True. `
          + "This is the playground kubelet's status-write race (conformance/README.md, difference 10): it adopted its own older write over the newer watch event.");
      }
      const pending = deployments.filter((d) => !deploymentDone(d)).map((d) => d.metadata.name);
      const notReady = inNs().filter((p) => !podReady(p)).map((p) => `${p.metadata.name}: ${JSON.stringify(p.status?.conditions ?? [])}`);
      throw new Error(`not ready in time: deployments ${pending.join(", ") || "done"}; pods not Ready: ${notReady.slice(0, 3).join(" | ") || "none"}; load balancers missing: ${expected.filter((k) => !lbs[k]).join(", ") || "none"}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The client, except that creating a MutatingWebhookConfiguration is skipped (reported through
 * `skipped`, and answered with the object as sent). Registered on the real kube-apiserver, the
 * traffic-manager's webhook would make it call the agent-injector Service's cluster address on every
 * pod CREATE / DELETE: an address that exists only inside the playground, so the real server would
 * dial out of the machine. The playground injects through its in-process admission hook instead.
 */
export function withoutWebhookRegistrations(client: ClusterClient, skipped: (object: KubeObject) => void): ClusterClient {
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === "create") {
        return async <T extends KubeObject>(res: { plural: string }, object: T): Promise<T> => {
          if (res.plural === "mutatingwebhookconfigurations" || res.plural === "validatingwebhookconfigurations") {
            skipped(object);
            return object;
          }
          return target.create(res as never, object);
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
