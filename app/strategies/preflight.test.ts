// The verdicts of the dedicated-port preflight (pure): which pod-proxy answers are the API server's
// own (RBAC, no route, no IP) and which are the app's, and how per-pod outcomes become the plan's
// warning. The real wire (playground API server, kubectl) is in playground.test.ts.
import { describe, expect, it } from "vitest";
import type { ObjectApi } from "./kube.ts";
import { judgeProxyAnswer } from "./kube.ts";
import { preflight, type PodProbe, type ProbeOutcome } from "./preflight.ts";
import type { KubeObject, Plan } from "./types.ts";

const status = (code: number, reason: string, message: string) => JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", reason, code, message });
const JSON_TYPE = "application/json";

describe("judgeProxyAnswer", () => {
  it("passes the pod's own answers through, whatever their status", () => {
    expect(judgeProxyAnswer(200, "text/plain", "ok\n", "demo")).toEqual({ kind: "answered", status: 200 });
    // An app answering 503 with text, or JSON that is not a Status, is the app's verdict.
    expect(judgeProxyAnswer(503, "text/plain", "unhealthy", "demo")).toEqual({ kind: "answered", status: 503 });
    expect(judgeProxyAnswer(500, JSON_TYPE, '{"error":"db down"}', "demo")).toEqual({ kind: "answered", status: 500 });
  });

  it("reads the API server's Status: refused means nothing listens; everything else is no verdict", () => {
    expect(judgeProxyAnswer(503, JSON_TYPE, status(503, "ServiceUnavailable", "error trying to reach service: dial tcp 10.8.0.3:8081: connect: connection refused"), "demo")).toEqual({
      kind: "refused",
      message: "error trying to reach service: dial tcp 10.8.0.3:8081: connect: connection refused",
    });
    const forbidden = judgeProxyAnswer(403, JSON_TYPE, status(403, "Forbidden", 'pods "web-1" is forbidden: User "dev" cannot get resource "pods/proxy" in API group "" in the namespace "demo"'), "demo");
    expect(forbidden.kind).toBe("cannot-check");
    expect(forbidden.kind === "cannot-check" && forbidden.reason).toContain("kubectl auth can-i get pods/proxy -n demo");
    // A private cluster's control plane through Konnectivity, or a dial timeout: says nothing about the app.
    const tunnel = judgeProxyAnswer(503, JSON_TYPE, status(503, "ServiceUnavailable", "error trying to reach service: proxy error from 127.0.0.1:9345 while dialing 10.42.0.5:8081, code 502: 502 Bad Gateway"), "demo");
    expect(tunnel).toMatchObject({ kind: "cannot-check", reason: expect.stringContaining("could not reach the pod") });
    expect(judgeProxyAnswer(400, JSON_TYPE, status(400, "BadRequest", "address not allowed"), "demo")).toEqual({ kind: "cannot-check", reason: "the pod has no IP address yet" });
    expect(judgeProxyAnswer(404, JSON_TYPE, status(404, "NotFound", 'pods "web-1" not found'), "demo")).toMatchObject({ kind: "cannot-check", reason: expect.stringContaining("gone") });
  });
});

describe("preflight verdicts", () => {
  const plan = { strategy: "dedicated-port", target: { workload: { namespace: "demo", name: "web" }, container: "app", port: 8081, path: "/healthz" }, warnings: [{ id: "dedicated-port-unverified", severity: "danger", message: "This works only if…", references: ["gke-neg.md §3"] }] } as unknown as Plan;
  const pod = (name: string, phase = "Running"): KubeObject => ({ metadata: { name }, status: { podIP: `10.8.0.${name.length}`, phase } });
  const objects = (pods: KubeObject[]): ObjectApi => ({
    get: async () => ({ metadata: { name: "web" }, spec: { selector: { matchLabels: { app: "web" } } } }),
    create: async () => { throw new Error("not used"); },
    patch: async () => { throw new Error("not used"); },
    delete: async () => undefined,
    listPods: async () => pods,
  });
  const probe = (by: Record<string, ProbeOutcome>): PodProbe => ({ via: "by hand", get: async (p) => by[p.name]! });

  it("one pod that cannot be checked and none failing: unverified, saying how many answered", async () => {
    const r = await preflight(plan, { objects: objects([pod("a"), pod("bb")]), probe: probe({ a: { outcome: "answered", status: 200, detail: "answers 200" }, bb: { outcome: "cannot-check", detail: "RBAC" } }) });
    expect(r.checked).toBe(false);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatchObject({ id: "dedicated-port-unverified", severity: "danger" });
    expect(r.warnings[0]!.message).toContain("(bb: RBAC); 1 of 2 pods answer 200");
  });

  it("any pod that answers non-200 or nothing fails the check; pods not running are not probed", async () => {
    const r = await preflight(plan, { objects: objects([pod("a"), pod("bb"), pod("ccc", "Pending")]), probe: probe({ a: { outcome: "answered", status: 200, detail: "answers 200" }, bb: { outcome: "nothing", detail: "nothing answers on 8081" } }) });
    expect(r.probes.map((p) => p.pod)).toEqual(["a", "bb"]);
    expect(r.warnings[0]).toMatchObject({ id: "dedicated-port-fails", severity: "danger" });
    expect(r.warnings[0]!.message).toContain("bb: nothing answers on 8081");
    expect(r.warnings[0]!.message).toContain("take those pods out of the load balancer");
  });

  it("no running pod: unverified; other strategies pass through untouched", async () => {
    const none = await preflight(plan, { objects: objects([]), probe: probe({}) });
    expect(none.warnings[0]!.message).toMatch(/^No running pod to check/);
    const other = { ...plan, strategy: "sidecar" } as Plan;
    expect(await preflight(other, { objects: objects([]), probe: probe({}) })).toEqual({ checked: false, probes: [], warnings: plan.warnings });
  });
});
