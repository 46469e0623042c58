// Checks before applying that need the cluster: "dedicated-port" only works if the app really serves
// health on that port, so probe it on a running pod where Switchboard can reach pods (a dial function:
// a port-forward, the playground's pod network); where it cannot, the plan keeps saying so.
import type { ObjectApi } from "./kube.ts";
import type { KubeObject, Plan, PlanWarning } from "./types.ts";

/** Where a pod's port can be reached from here (undefined: it cannot / connection refused). */
export type PodDialer = (podIP: string, port: number) => Promise<{ host: string; port: number } | undefined> | { host: string; port: number } | undefined;

export interface ProbeResult {
  pod: string;
  ok: boolean;
  /** HTTP status, or null when nothing answered. */
  status: number | null;
  detail: string;
}

export interface PreflightResult {
  checked: boolean;
  probes: ProbeResult[];
  /** The plan's warnings with `dedicated-port-unverified` replaced by what the probe found. */
  warnings: PlanWarning[];
}

async function probeOnce(dial: PodDialer, podIP: string, port: number, path: string, timeoutMs: number): Promise<{ status: number | null; detail: string }> {
  const addr = await dial(podIP, port);
  if (!addr) return { status: null, detail: `nothing listens on ${podIP}:${port} (connection refused)` };
  try {
    const res = await fetch(`http://${addr.host}:${addr.port}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return { status: res.status, detail: `${podIP}:${port}${path} answered ${res.status}` };
  } catch (err) {
    return { status: null, detail: `${podIP}:${port}${path} did not answer: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/**
 * For "dedicated-port": GETs the health path on the port of every running pod of the workload (the
 * load balancer's health check counts 200 as healthy; gke-neg.md §3). Other strategies pass through.
 */
export async function preflight(plan: Plan, o: { objects: ObjectApi; dial?: PodDialer; timeoutMs?: number }): Promise<PreflightResult> {
  const base = plan.warnings.filter((w) => w.id !== "dedicated-port-unverified");
  if (plan.strategy !== "dedicated-port") return { checked: false, probes: [], warnings: plan.warnings };
  const unverified = plan.warnings.find((w) => w.id === "dedicated-port-unverified");
  const { port, path } = plan.target;
  if (!o.dial || !plan.target.workload) {
    return {
      checked: false,
      probes: [],
      warnings: [
        ...base,
        {
          id: "dedicated-port-unverified",
          severity: "danger",
          message: `Switchboard cannot reach the pods from here, so it could not check that the app answers ${path} on port ${port}. ${unverified?.message ?? ""}`.trim(),
          references: unverified?.references ?? [],
        },
      ],
    };
  }
  const dep = await o.objects.get({ kind: "Deployment", apiVersion: "apps/v1", namespace: plan.target.workload.namespace, name: plan.target.workload.name });
  const labels = ((dep as { spec?: { selector?: { matchLabels?: Record<string, string> } } } | null)?.spec?.selector?.matchLabels) ?? {};
  const pods = (await o.objects.listPods(plan.target.workload.namespace, Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(","))) as (KubeObject & { status?: { podIP?: string; phase?: string } })[];
  const running = pods.filter((p) => p.status?.podIP && p.status.phase === "Running" && !p.metadata["deletionTimestamp"]);
  const probes: ProbeResult[] = [];
  for (const p of running) {
    const r = await probeOnce(o.dial, p.status!.podIP!, port, path, o.timeoutMs ?? 3000);
    // GCE HTTP health checks pass on 200 only.
    probes.push({ pod: p.metadata.name ?? "", ok: r.status === 200, status: r.status, detail: r.detail });
  }
  const failed = probes.filter((p) => !p.ok);
  const warning: PlanWarning =
    probes.length === 0
      ? { id: "dedicated-port-unverified", severity: "danger", message: `No running pod to check that the app answers ${path} on port ${port}. ${unverified?.message ?? ""}`.trim(), references: unverified?.references ?? [] }
      : failed.length === 0
        ? { id: "dedicated-port-verified", severity: "info", message: `Checked: ${probes.length === 1 ? "the pod answers" : `all ${probes.length} pods answer`} 200 on ${path} at port ${port}.`, references: [] }
        : {
            id: "dedicated-port-fails",
            severity: "danger",
            message: `The app does NOT answer 200 on ${path} at port ${port} (${failed.map((f) => `${f.pod}: ${f.detail}`).join("; ")}). Applying would make every health check fail and take ${failed.length === probes.length ? "all pods" : "those pods"} out of the load balancer. Make the app serve health there first, or use the sidecar.`,
            references: ["gke-neg.md §3"],
          };
  return { checked: probes.length > 0, probes, warnings: [...base, warning] };
}
