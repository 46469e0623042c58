// verifyPlan's verdict and the signal it names (gke-neg.md §1): the Compute API when it answered,
// else the NEG readiness gate where the pods carry one, else only pod Ready — and a check's target
// that does not answer keeps it from "healthy" even while the load balancer still says HEALTHY.
import { describe, expect, it } from "vitest";
import type { NegEndpointHealth } from "../gke/snapshot.ts";
import type { ObjectApi } from "./kube.ts";
import type { PodProbe, ProbeOutcome } from "./preflight.ts";
import type { KubeObject, Plan, ProgressEvent } from "./types.ts";
import { NEG_READY_CONDITION, verifyPlan } from "./verify.ts";

const plan = { strategy: "dedicated-port", target: { workload: { namespace: "demo", name: "web" }, container: "app", port: 8081, path: "/healthz" } } as unknown as Plan;
const deployment: KubeObject = {
  metadata: { name: "web", generation: 2 },
  spec: { replicas: 2, selector: { matchLabels: { app: "web" } } },
  status: { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 },
};

function pod(name: string, ip: string, o: { gate?: "True" | "" | null } = {}): KubeObject {
  const gate = o.gate === undefined ? null : o.gate;
  return {
    metadata: { name },
    spec: { containers: [{ name: "app", ports: [{ containerPort: 8080 }, { containerPort: 8081 }] }], ...(gate !== null ? { readinessGates: [{ conditionType: NEG_READY_CONDITION }] } : {}) },
    status: { podIP: ip, conditions: [{ type: "Ready", status: "True" }, ...(gate !== null ? [{ type: NEG_READY_CONDITION, status: gate }] : [])] },
  };
}

const objects = (pods: KubeObject[]): ObjectApi => ({
  get: async () => deployment,
  create: async () => { throw new Error("not used"); },
  patch: async () => { throw new Error("not used"); },
  delete: async () => undefined,
  listPods: async () => pods,
});
const health = (state: string): (() => Promise<NegEndpointHealth[]>) => async () => [{ neg: "neg", zone: "z", items: [{ ipAddress: "10.8.0.1", port: 8080, healthState: state }, { ipAddress: "10.8.0.2", port: 8080, healthState: state }] }];
const probe = (outcome: ProbeOutcome): PodProbe => ({ via: "by hand", get: async () => outcome });
const fast = { timeoutMs: 300, pollMs: 20 };

describe("verifyPlan", () => {
  it("pods without a NEG readiness gate: healthy rests on pod Ready, and says that is no load-balancer signal", async () => {
    const v = await verifyPlan(plan, { objects: objects([pod("a", "10.8.0.1"), pod("b", "10.8.0.2")]), ...fast });
    expect(v).toMatchObject({ healthy: true, signal: "pod-ready" });
    expect(v.message).toContain("They carry no NEG readiness gate (gke-neg.md §5)");
    expect(v.pods.every((p) => p.readinessGate === "absent")).toBe(true);
  });

  it("pods with the gate True: signal readiness-gate, with its one-way caveat", async () => {
    const v = await verifyPlan(plan, { objects: objects([pod("a", "10.8.0.1", { gate: "True" }), pod("b", "10.8.0.2", { gate: "True" })]), ...fast });
    expect(v).toMatchObject({ healthy: true, signal: "readiness-gate" });
    expect(v.message).toContain("The gate is one-way");
  });

  it("a gate that keeps waiting (empty status, gke-neg.md §1) times out, naming the pod and why", async () => {
    const v = await verifyPlan(plan, { objects: objects([pod("a", "10.8.0.1", { gate: "True" }), pod("b", "10.8.0.2", { gate: "" })]), ...fast });
    expect(v).toMatchObject({ healthy: false, timedOut: true, signal: "readiness-gate" });
    expect(v.message).toBe("Not healthy after 0 s: b (NEG readiness gate waiting).");
  });

  it("with the Compute API: UNHEALTHY endpoints time out with signal compute-api", async () => {
    const events: ProgressEvent[] = [];
    const v = await verifyPlan(plan, { objects: objects([pod("a", "10.8.0.1", { gate: "True" }), pod("b", "10.8.0.2", { gate: "True" })]), endpointHealth: health("UNHEALTHY"), onProgress: (e) => events.push(e), ...fast });
    expect(v).toMatchObject({ healthy: false, timedOut: true, signal: "compute-api" });
    expect(v.message).toBe("Not healthy after 0 s: a (endpoint 10.8.0.1:8080 UNHEALTHY), b (endpoint 10.8.0.2:8080 UNHEALTHY).");
    expect(events.filter((e) => e.step === "endpoint").map((e) => e.message)).toEqual(["endpoint 10.8.0.1:8080 UNHEALTHY (a)", "endpoint 10.8.0.2:8080 UNHEALTHY (b)"]);
  });

  it("a target that does not answer is not healthy, though the load balancer still says HEALTHY (its state lags the change)", async () => {
    const v = await verifyPlan(plan, { objects: objects([pod("a", "10.8.0.1"), pod("b", "10.8.0.2")]), endpointHealth: health("HEALTHY"), probe: probe({ outcome: "nothing", detail: "nothing answers on 8081" }), ...fast });
    expect(v).toMatchObject({ healthy: false, timedOut: true, signal: "compute-api" });
    expect(v.message).toBe("Not healthy after 0 s: a (nothing answers on 8081), b (nothing answers on 8081).");
    const ok = await verifyPlan(plan, { objects: objects([pod("a", "10.8.0.1"), pod("b", "10.8.0.2")]), endpointHealth: health("HEALTHY"), probe: probe({ outcome: "answered", status: 200, detail: "answers 200" }), ...fast });
    expect(ok.healthy).toBe(true);
    expect(ok.message).toBe("All 2 pods are HEALTHY at the load balancer (Compute API), and each answers 200 on port 8081 at /healthz (the check's target, by hand).");
    // No verdict from the probe (RBAC): the rest decides.
    const blind = await verifyPlan(plan, { objects: objects([pod("a", "10.8.0.1"), pod("b", "10.8.0.2")]), endpointHealth: health("HEALTHY"), probe: probe({ outcome: "cannot-check", detail: "RBAC" }), ...fast });
    expect(blind.healthy).toBe(true);
    expect(blind.message).toBe("All 2 pods are HEALTHY at the load balancer (Compute API).");
  });
});
