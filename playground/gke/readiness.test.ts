import { describe, expect, it } from "vitest";
import { negName, trimFieldsEvenly } from "./naming.ts";
import { addNegReadinessGate, desiredNegs, endpointsByZone, needsNegReadinessGate } from "./neg-model.ts";
import type { NegContext } from "./neg-model.ts";
import { expectedNegCondition } from "./readiness.ts";
import type { Ingress, Pod, Service } from "./types.ts";

const GATE = "cloud.google.com/load-balancer-neg-ready";

function svc(name: string, annotations: Record<string, string> = {}, selector: Record<string, string> = { app: name }): Service {
  return { apiVersion: "v1", kind: "Service", metadata: { name, namespace: "shop", annotations }, spec: { selector, ports: [{ name: "http", port: 80, targetPort: "http" }, { name: "admin", port: 9000, targetPort: 9000 }] } };
}

function pod(name: string, labels: Record<string, string>, extra: Partial<Pod> = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "shop", labels, creationTimestamp: "2026-11-24T10:00:00Z" },
    spec: { nodeName: "node-a", containers: [{ name: "app", ports: [{ name: "http", containerPort: 8080 }, { containerPort: 9000 }] }] },
    status: { phase: "Running", podIP: "10.8.0.5" },
    ...extra,
  };
}

const ingress = (backendSvc: string, cls?: string): Ingress => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "Ingress",
  metadata: { name: "shop", namespace: "shop", ...(cls ? { annotations: { "kubernetes.io/ingress.class": cls } } : {}) },
  spec: { rules: [{ http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: backendSvc, port: { name: "http" } } } }] } }] },
});

const ctx = (ingresses: Ingress[] = []): NegContext => ({ clusterId: "74b928a2aa", ingresses, gateways: [], routes: [] });

describe("NEG names (gke-neg.md §2)", () => {
  it("k8s1-{clusterid}-{ns}-{svc}-{port}-{hash}, at most 63 characters", () => {
    const n = negName("74b928a2ffff", "default", "web", 80);
    expect(n).toMatch(/^k8s1-74b928a2-default-web-80-[0-9a-f]{8}$/);
    const long = negName("74b928a2", "a-very-long-namespace-name-for-testing", "an-even-longer-service-name-that-goes-on", 8080);
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long.startsWith("k8s1-74b928a2-")).toBe(true);
    expect(trimFieldsEvenly(10, ["aaaaaaaaaa", "bbbbbbbbbb", "80"]).join("").length).toBeLessThanOrEqual(10);
  });
});

describe("which Services get NEGs", () => {
  it("ingress: true → the ports an Ingress uses; exposed_ports → standalone NEGs with custom names", () => {
    const d = desiredNegs(svc("web", { "cloud.google.com/neg": '{"ingress": true}' }), ctx([ingress("web")]));
    expect(d.ok && d.negs.map((n) => [n.servicePort.port, n.kind])).toEqual([[80, "ingress"]]);
    const e = desiredNegs(svc("web", { "cloud.google.com/neg": '{"exposed_ports":{"9000":{"name":"web-admin"}}}' }), ctx());
    expect(e.ok && e.negs.map((n) => [n.name, n.kind])).toEqual([["web-admin", "exposed"]]);
    expect(desiredNegs(svc("web", { "cloud.google.com/neg": '{"exposed_ports":{"81":{}}}' }), ctx()).ok).toBe(false);
    // A non-GCE Ingress class does not count.
    const n = desiredNegs(svc("web", { "cloud.google.com/neg": '{"ingress": true}' }), ctx([ingress("web", "nginx")]));
    expect(n.ok && n.negs).toEqual([]);
  });
  it("endpoints: every non-terminating pod (ready or not) at its target container port", () => {
    const pods = [
      pod("a", { app: "web" }),
      pod("b", { app: "web" }, { status: { phase: "Running", podIP: "10.8.0.6", conditions: [{ type: "Ready", status: "False" }] } }),
      pod("c", { app: "web" }, { status: { phase: "Running", podIP: "10.8.0.7" }, metadata: { name: "c", namespace: "shop", labels: { app: "web" }, deletionTimestamp: "2026-11-24T10:01:00Z" } }),
      pod("d", { app: "other" }),
    ];
    const byZone = endpointsByZone(svc("web"), { name: "http", port: 80, targetPort: "http" }, pods, () => "us-central1-a");
    expect([...byZone.get("us-central1-a")!.keys()].sort()).toEqual(["10.8.0.5:8080", "10.8.0.6:8080"]);
  });
});

describe("readiness gate admission (gke-neg.md §5)", () => {
  it("adds the gate to pods selected by a NEG Service, not to others", () => {
    const services = [svc("web", { "cloud.google.com/neg": '{"ingress": true}' }), svc("plain")];
    expect(needsNegReadinessGate(pod("w", { app: "web" }), services, ctx())).toBe(true);
    expect(needsNegReadinessGate(pod("p", { app: "plain" }), services, ctx())).toBe(false);
    // No annotation, but an Ingress uses the Service: NEGs by default on VPC-native clusters.
    expect(needsNegReadinessGate(pod("p", { app: "plain" }), services, ctx([ingress("plain")]))).toBe(true);
    const p = pod("w", { app: "web" });
    expect(addNegReadinessGate(p)).toBe(true);
    expect(addNegReadinessGate(p)).toBe(false);
    expect(p.spec?.readinessGates).toEqual([{ conditionType: GATE }]);
  });
});

describe("readiness reflector condition (gke-neg.md §1, §5)", () => {
  const gated = (conditions: Pod["status"] = { phase: "Running", podIP: "10.8.0.5" }) => ({ ...pod("w", { app: "web" }), spec: { nodeName: "node-a", containers: [], readinessGates: [{ conditionType: GATE }] }, status: conditions });
  const created = Date.parse("2026-11-24T10:00:00Z");
  const neg = "k8s1-74b928a2-shop-web-80-0b3c2d1e";
  const base = { negsForPod: [neg], now: created + 1000, timeoutMs: 600_000 };

  it("waiting: EMPTY status, LoadBalancerNegNotReady, the NEG list", () => {
    const c = expectedNegCondition({ ...base, pod: gated(), memberships: [{ neg, zone: "us-central1-a", kind: "ingress", backendServices: [{ name: neg, state: "UNHEALTHY" }] }] });
    expect(c).toMatchObject({ type: GATE, status: "", reason: "LoadBalancerNegNotReady", message: `Waiting for pod to become healthy in at least one of the NEG(s): [${neg}]` });
  });
  it("healthy → True with the NEG and backend service keys", () => {
    const c = expectedNegCondition({ ...base, pod: gated(), memberships: [{ neg, zone: "us-central1-a", kind: "ingress", backendServices: [{ name: neg, state: "HEALTHY" }] }] });
    expect(c?.status).toBe("True");
    expect(c?.reason).toBe("LoadBalancerNegReady");
    expect(c?.message).toBe(`Pod has become Healthy in NEG "Key{\\"${neg}\\", zone: \\"us-central1-a\\"}" attached to BackendService "Key{\\"${neg}\\"}". Marking condition "${GATE}" to True.`);
  });
  it("never set back: once True the reflector leaves the pod alone", () => {
    const p = gated({ phase: "Running", podIP: "10.8.0.5", conditions: [{ type: GATE, status: "True", reason: "LoadBalancerNegReady", message: "…" }] });
    expect(expectedNegCondition({ ...base, pod: p, memberships: [{ neg, zone: "us-central1-a", kind: "ingress", backendServices: [{ name: neg, state: "UNHEALTHY" }] }] })).toBeUndefined();
  });
  it("timeout after 10 minutes (scaled), no NEG, standalone NEG without health check", () => {
    const waiting = [{ neg, zone: "us-central1-a", kind: "ingress" as const, backendServices: [] }];
    expect(expectedNegCondition({ ...base, now: created + 600_001, pod: gated(), memberships: waiting })).toMatchObject({ status: "True", reason: "LoadBalancerNegTimeout" });
    expect(expectedNegCondition({ ...base, now: created + 601, timeoutMs: 600, pod: gated(), memberships: waiting })?.reason).toBe("LoadBalancerNegTimeout");
    expect(expectedNegCondition({ ...base, negsForPod: [], pod: gated(), memberships: [] })).toMatchObject({ status: "True", reason: "LoadBalancerNegReady", message: `Pod does not belong to any NEG. Marking condition "${GATE}" to True.` });
    expect(expectedNegCondition({ ...base, pod: gated(), memberships: [{ ...waiting[0]!, kind: "exposed" }] })?.reason).toBe("LoadBalancerNegWithoutHealthCheck");
    // Ingress NEG not yet behind its backend service: still waiting.
    expect(expectedNegCondition({ ...base, pod: gated(), memberships: waiting })?.reason).toBe("LoadBalancerNegNotReady");
  });
  it("pods without the gate are not touched", () => {
    expect(expectedNegCondition({ ...base, pod: pod("x", { app: "web" }), memberships: [] })).toBeUndefined();
  });
});
