// Checks before applying that need the cluster: "dedicated-port" only works if the app really serves
// health on that port (declaring a containerPort does not make a process listen there), so GET the
// health path on that port of every running pod. The default way works on any cluster: the
// Kubernetes API server's pod proxy (ObjectApi.proxyGet; needs RBAC get on pods/proxy). A dial
// function (the playground's pod network, a port-forward) goes to the pods directly instead. Where
// neither can answer, the plan says it could not check, and why.
import type { ObjectApi, ProxyAnswer } from "./kube.ts";
import type { KubeObject, Plan, PlanWarning } from "./types.ts";

/** Where a pod's port can be reached from here (undefined: it cannot / connection refused). */
export type PodDialer = (podIP: string, port: number) => Promise<{ host: string; port: number } | undefined> | { host: string; port: number } | undefined;

/** What one GET of the health path on one pod found. */
export type ProbeOutcome =
  /** Something answered with this HTTP status. */
  | { outcome: "answered"; status: number; detail: string }
  /** Nothing answers on the port (connection refused, or no answer from a direct connection). */
  | { outcome: "nothing"; detail: string }
  /** No verdict about the app (RBAC, the control plane cannot reach the pod, the pod went away). */
  | { outcome: "cannot-check"; detail: string };

/** GETs `path` on `port` of one pod. */
export interface PodProbe {
  /** How it reaches the pods, for the messages ("through the API server's pod proxy"). */
  via: string;
  get(pod: { namespace: string; name: string; podIP: string }, port: number, path: string, timeoutMs: number): Promise<ProbeOutcome>;
}

export interface ProbeResult {
  pod: string;
  ok: boolean;
  outcome: ProbeOutcome["outcome"];
  /** HTTP status, or null when nothing answered. */
  status: number | null;
  detail: string;
}

export interface PreflightResult {
  /** Every probe gave a verdict (answered or nothing answers). */
  checked: boolean;
  probes: ProbeResult[];
  /** The plan's warnings with `dedicated-port-unverified` replaced by what the probe found. */
  warnings: PlanWarning[];
}

/** The API server's pod proxy (works wherever the user may `get pods/proxy`). */
export function podProxyProbe(objects: ObjectApi): PodProbe | undefined {
  const proxyGet = objects.proxyGet?.bind(objects);
  if (!proxyGet) return undefined;
  return {
    via: "through the Kubernetes API server's pod proxy",
    async get(pod, port, path, timeoutMs) {
      const a: ProxyAnswer = await proxyGet(pod.namespace, pod.name, port, path, timeoutMs);
      if (a.kind === "answered") return { outcome: "answered", status: a.status, detail: `answers ${a.status} on port ${port} at ${path}` };
      if (a.kind === "refused") return { outcome: "nothing", detail: `nothing answers on ${port} (${a.message})` };
      return { outcome: "cannot-check", detail: a.reason };
    },
  };
}

/** Straight to the pod's address (the playground's pod network, a port-forward). */
export function dialProbe(dial: PodDialer): PodProbe {
  return {
    via: "on the pod network",
    async get(pod, port, path, timeoutMs) {
      const addr = await dial(pod.podIP, port);
      if (!addr) return { outcome: "nothing", detail: `nothing answers on ${port} (${pod.podIP}:${port}: connection refused)` };
      try {
        const res = await fetch(`http://${addr.host}:${addr.port}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
        await res.arrayBuffer();
        return { outcome: "answered", status: res.status, detail: `answers ${res.status} on port ${port} at ${path}` };
      } catch (err) {
        // The connection reached the port: a GCE health check would fail the same way.
        return { outcome: "nothing", detail: `nothing answers on ${port} (${pod.podIP}:${port}${path}: ${err instanceof Error ? err.message : String(err)})` };
      }
    },
  };
}

/**
 * For "dedicated-port": GETs the health path on the port of every running pod of the workload (the
 * load balancer's HTTP health check counts only 200 as healthy; gke-neg.md §3 `port` = USE_FIXED_PORT
 * goes to podIP:port). Other strategies pass through. `probe` wins over `dial`; without either, the
 * ObjectApi's pod proxy is used when it has one.
 */
export async function preflight(plan: Plan, o: { objects: ObjectApi; probe?: PodProbe | undefined; dial?: PodDialer | undefined; timeoutMs?: number | undefined }): Promise<PreflightResult> {
  if (plan.strategy !== "dedicated-port") return { checked: false, probes: [], warnings: plan.warnings };
  const base = plan.warnings.filter((w) => w.id !== "dedicated-port-unverified");
  const unverified = plan.warnings.find((w) => w.id === "dedicated-port-unverified");
  const references = unverified?.references ?? ["telepresence.md §5", "gke-neg.md §3"];
  const { port, path } = plan.target;
  const cannot = (why: string): PreflightResult => ({
    checked: false,
    probes: [],
    warnings: [...base, { id: "dedicated-port-unverified", severity: "danger", message: `${why} ${unverified?.message ?? ""}`.trim(), references }],
  });
  const probe = o.probe ?? (o.dial ? dialProbe(o.dial) : podProxyProbe(o.objects));
  if (!probe) return cannot(`Switchboard cannot reach the pods from here, so it could not check that the app answers ${path} on port ${port}.`);
  if (!plan.target.workload) return cannot(`No Deployment is known for this Service, so there is no pod to check that the app answers ${path} on port ${port}.`);
  const ns = plan.target.workload.namespace;
  const dep = await o.objects.get({ kind: "Deployment", apiVersion: "apps/v1", namespace: ns, name: plan.target.workload.name });
  const labels = ((dep as { spec?: { selector?: { matchLabels?: Record<string, string> } } } | null)?.spec?.selector?.matchLabels) ?? {};
  const pods = (await o.objects.listPods(ns, Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(","))) as (KubeObject & { status?: { podIP?: string; phase?: string } })[];
  const running = pods.filter((p) => p.status?.podIP && p.status.phase === "Running" && !p.metadata["deletionTimestamp"]);
  const timeoutMs = o.timeoutMs ?? 5000;
  const probes: ProbeResult[] = await Promise.all(
    running.map(async (p) => {
      const r = await probe.get({ namespace: ns, name: p.metadata.name ?? "", podIP: p.status!.podIP! }, port, path, timeoutMs);
      // GCE HTTP health checks pass on 200 only.
      return { pod: p.metadata.name ?? "", ok: r.outcome === "answered" && r.status === 200, outcome: r.outcome, status: r.outcome === "answered" ? r.status : null, detail: r.detail };
    }),
  );
  if (probes.length === 0) return cannot(`No running pod to check that the app answers ${path} on port ${port}.`);
  const failed = probes.filter((p) => p.outcome !== "cannot-check" && !p.ok);
  const unchecked = probes.filter((p) => p.outcome === "cannot-check");
  const listed = (ps: ProbeResult[]) => ps.map((f) => `${f.pod}: ${f.detail}`).join("; ");
  let warning: PlanWarning;
  if (failed.length > 0) {
    warning = {
      id: "dedicated-port-fails",
      severity: "danger",
      message: `The app does NOT answer 200 on ${path} at port ${port} (checked ${probe.via}: ${listed(failed)}). Applying would make every health check fail and take ${failed.length === probes.length ? "all pods" : "those pods"} out of the load balancer. Make the app serve health there first, or use the sidecar.`,
      references: ["gke-neg.md §3"],
    };
  } else if (unchecked.length > 0) {
    const okCount = probes.length - unchecked.length;
    warning = {
      id: "dedicated-port-unverified",
      severity: "danger",
      message: `Switchboard cannot check that the app answers ${path} on port ${port} (${listed(unchecked)})${okCount ? `; ${okCount} of ${probes.length} pods answer 200` : ""}. ${unverified?.message ?? ""}`.trim(),
      references,
    };
  } else {
    warning = {
      id: "dedicated-port-verified",
      severity: "info",
      message: `Checked ${probe.via}: ${probes.length === 1 ? "the pod answers" : `all ${probes.length} pods answer`} 200 on port ${port} at ${path}.`,
      references: [],
    };
  }
  return { checked: unchecked.length === 0, probes, warnings: [...base, warning] };
}
