// gke-neg.md §1, §5, §8: health signals, strongest first, each saying why it is weaker.
import { describe, expect, it } from "vitest";
import { podOf, container } from "./fixtures/build.ts";
import { healthStateOf, podHealth, readinessGateOf } from "./health.ts";
import type { KubeEvent, Pod } from "./snapshot.ts";

const GATE = "cloud.google.com/load-balancer-neg-ready";
function gated(status: string | undefined, reason?: string): Pod {
  const p = podOf([container("app", [[8080, "http"]])], { ip: "10.0.0.5" });
  p.spec!.readinessGates = [{ conditionType: GATE }];
  p.status!.conditions = status === undefined ? [] : [{ type: GATE, status, ...(reason ? { reason } : {}) }];
  return p;
}

describe("readiness gate (gke-neg.md §1, §5)", () => {
  it("an EMPTY status means not ready", () => {
    const g = readinessGateOf(gated("", "LoadBalancerNegNotReady"));
    expect(g).toMatchObject({ present: true, status: "", ready: false, reason: "LoadBalancerNegNotReady" });
  });
  it("no condition yet: not ready", () => {
    expect(readinessGateOf(gated(undefined))).toMatchObject({ present: true, status: null, ready: false });
  });
  it("True reasons are explained", () => {
    expect(readinessGateOf(gated("True", "LoadBalancerNegReady")).explanation).toMatch(/never goes back/);
    expect(readinessGateOf(gated("True", "LoadBalancerNegTimeout")).explanation).toMatch(/10 minutes/);
    expect(readinessGateOf(gated("True", "LoadBalancerNegWithoutHealthCheck")).explanation).toMatch(/not attached to a health-checked/);
  });
  it("absent gate", () => {
    expect(readinessGateOf(podOf([])).present).toBe(false);
  });
});

describe("podHealth", () => {
  const neg = "k8s1-x-shop-web-80-abc";
  const base = { negs: [neg], endpointPorts: [9900, 8080], ingressBackends: [], events: [] as KubeEvent[] };
  it("Compute API first: matched by podIP and the endpoint port; open healthState strings", () => {
    const pod = gated("True", "LoadBalancerNegReady");
    const v = podHealth({ ...base, pod, endpointHealth: [{ neg, zone: "z1", items: [{ ipAddress: "10.0.0.5", port: 9900, healthState: "TIMEOUT" }] }] });
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ state: "unhealthy", raw: "TIMEOUT", signal: "compute-api", caveat: null, neg, zone: "z1" });
  });
  it("falls back to the app's own port when the endpoint still carries it", () => {
    const v = podHealth({ ...base, pod: gated("True"), endpointHealth: [{ neg, zone: "z1", items: [{ ipAddress: "10.0.0.5", port: 8080, healthState: "HEALTHY" }] }] });
    expect(v[0]!.state).toBe("healthy");
  });
  it("one zonal NEG per zone: missing in one zone is fine, missing everywhere is reported", () => {
    const pod = gated("True");
    const two = [
      { neg, zone: "z1", items: [] },
      { neg, zone: "z2", items: [{ ipAddress: "10.0.0.5", port: 9900, healthState: "DRAINING" }] },
    ];
    expect(podHealth({ ...base, pod, endpointHealth: two }).map((v) => v.state)).toEqual(["draining"]);
    const none = podHealth({ ...base, pod, endpointHealth: [{ neg, zone: "z1", items: [] }] });
    expect(none).toHaveLength(1);
    expect(none[0]).toMatchObject({ signal: "compute-api", state: "unknown" });
    expect(none[0]!.detail).toMatch(/not in NEG/);
  });
  it("empty healths: not behind a health-checked backend service", () => {
    const v = podHealth({ ...base, pod: gated("True"), endpointHealth: [{ neg, zone: "z1", items: [{ ipAddress: "10.0.0.5", port: 9900, healthState: null }] }] });
    expect(v[0]!.state).toBe("not-health-checked");
  });
  it("without the Compute API: Ingress backends and the readiness gate, each with its caveat", () => {
    const v = podHealth({ ...base, pod: gated("True", "LoadBalancerNegReady"), endpointHealth: undefined, ingressBackends: [{ backendService: neg, value: "HEALTHY" }] });
    expect(v.map((x) => [x.signal, x.state])).toEqual([
      ["ingress-backends", "healthy"],
      ["readiness-gate", "healthy"],
    ]);
    expect(v[0]!.caveat).toMatch(/HEALTHY if any endpoint is/);
    expect(v[1]!.caveat).toMatch(/one-way/);
  });
  it("events when there is no gate condition", () => {
    const pod = podOf([], { name: "p1" });
    const ev: KubeEvent = { metadata: {}, involvedObject: { kind: "Pod", name: "p1" }, reason: "LoadBalancerNegNotReady", message: "Waiting for pod to become healthy in at least one of the NEG(s): [x]", lastTimestamp: "2026-11-24T09:00:00Z" };
    const v = podHealth({ ...base, pod, endpointHealth: undefined, events: [ev] });
    expect(v).toMatchObject([{ signal: "events", state: "unhealthy" }]);
  });
  it("nothing known", () => {
    expect(podHealth({ ...base, pod: podOf([]), endpointHealth: undefined })).toMatchObject([{ signal: "none", state: "unknown" }]);
  });
  it("healthState mapping", () => {
    expect(["HEALTHY", "UNHEALTHY", "TIMEOUT", "DRAINING", "UNKNOWN", "SOMETHING_NEW"].map(healthStateOf)).toEqual(["healthy", "unhealthy", "unhealthy", "draining", "unknown", "unknown"]);
  });
});
