// telepresence.md §4: how the traffic-agent changes a pod, detected and simulated.
import { describe, expect, it } from "vitest";
import { container, httpProbe, podOf } from "./fixtures/build.ts";
import { shopItems } from "./fixtures/load.ts";
import { agentState, byCreationThenName, renamedPortName, resolvePodPort, targetPortOf, withSimulatedAgent, withoutAgent, workloadOf } from "./pods.ts";
import type { Pod, ReplicaSet } from "./snapshot.ts";

const items = shopItems();
const named = (n: string) => items.find((i) => (i as Pod).metadata?.name === n) as Pod;

describe("targetPort", () => {
  it("name, number, numeric string and default to the Service port", () => {
    expect(targetPortOf({ port: 80, targetPort: "http" })).toEqual({ kind: "name", value: "http" });
    expect(targetPortOf({ port: 80, targetPort: 8080 })).toEqual({ kind: "number", value: 8080 });
    expect(targetPortOf({ port: 80, targetPort: "8080" })).toEqual({ kind: "number", value: 8080 });
    expect(targetPortOf({ port: 80 })).toEqual({ kind: "number", value: 80 });
  });
});

describe("agent detection (telepresence.md §4)", () => {
  it("named targetPort: tm- renamed app port, agent declares the name", () => {
    const web = named("web-7d9c8b6f5-k2x8p");
    const a = agentState(web, []);
    expect(a.present).toBe(true);
    expect(a.iptablesInit).toBe(false);
    expect(a.agentPorts).toEqual([{ name: "http", containerPort: 9900 }]);
    expect(a.takenOver).toEqual([{ container: "web", containerPort: 8080, originalName: "http", renamedTo: "tm-http", by: "name" }]);
    // The Service's named targetPort now resolves to the agent.
    expect(resolvePodPort(web, { kind: "name", value: "http" })).toMatchObject({ container: "traffic-agent", containerPort: 9900 });
  });
  it("numeric targetPort: tel-agent-init iptables cover the Services' numeric ports", () => {
    const api = named("api-6c4f9d8b7-b5n2w");
    const a = agentState(api, [8080]);
    expect(a.iptablesInit).toBe(true);
    expect(a.takenOver).toEqual([{ container: "api", containerPort: 8080, originalName: null, renamedTo: null, by: "iptables" }]);
  });
  it("no agent", () => {
    expect(agentState(named("billing-5b8d7c9f4-h3j9k"), [])).toEqual({ present: false, agentPorts: [], takenOver: [], iptablesInit: false });
  });
  it("renamed ports are truncated to 15 characters", () => {
    expect(renamedPortName("http")).toBe("tm-http");
    expect(renamedPortName("metrics-admin")).toBe("tm-metrics-admi");
    expect(renamedPortName("metrics-admin")).toHaveLength(15);
  });
});

describe("withoutAgent / withSimulatedAgent", () => {
  it("undoes the injection, probes included", () => {
    const base = withoutAgent(named("web-7d9c8b6f5-k2x8p"));
    const c = base.spec!.containers;
    expect(c.map((x) => x.name)).toEqual(["web"]);
    expect(c[0]!.ports![0]!.name).toBe("http");
    expect(c[0]!.readinessProbe!.httpGet!.port).toBe("http");
  });
  it("simulating on the un-injected pod gives the real injected shape (named)", () => {
    const real = named("web-7d9c8b6f5-k2x8p");
    const sim = withSimulatedAgent(withoutAgent(real), [{ kind: "name", value: "http" }]);
    const app = sim.spec!.containers.find((x) => x.name === "web")!;
    expect(app.ports).toEqual(real.spec!.containers[0]!.ports);
    expect(app.readinessProbe!.httpGet!.port).toBe("tm-http");
    expect(sim.spec!.containers.find((x) => x.name === "traffic-agent")!.ports).toEqual([{ name: "http", containerPort: 9900, protocol: "TCP" }]);
    expect(agentState(sim, []).takenOver).toEqual(agentState(real, []).takenOver);
  });
  it("numeric targetPorts add tel-agent-init and leave port names alone", () => {
    const p = podOf([container("app", [[8080]], { readinessProbe: httpProbe("/r", 8080) })]);
    const sim = withSimulatedAgent(p, [{ kind: "number", value: 8080 }]);
    expect(sim.spec!.initContainers!.map((c) => c.name)).toEqual(["tel-agent-init"]);
    expect(sim.spec!.containers[0]!.ports).toEqual(p.spec!.containers[0]!.ports);
    expect(agentState(sim, [8080]).takenOver[0]!.by).toBe("iptables");
  });
});

describe("pods and workloads", () => {
  it("GKE's order: creation time, then name (gke-neg.md §4)", () => {
    const a = podOf([], { name: "b", created: "2026-01-01T00:00:00Z" });
    const b = podOf([], { name: "a", created: "2026-01-01T00:00:00Z" });
    const c = podOf([], { name: "c", created: "2025-12-31T00:00:00Z" });
    expect([a, b, c].sort(byCreationThenName).map((p) => p.metadata!.name)).toEqual(["c", "a", "b"]);
    // Date objects (client-node typed lists) sort the same.
    const d = { ...a, metadata: { ...a.metadata, name: "d", creationTimestamp: new Date("2025-01-01T00:00:00Z") } };
    expect([a, d].sort(byCreationThenName)[0]!.metadata!.name).toBe("d");
  });
  it("Pod → ReplicaSet → Deployment", () => {
    const rs = items.filter((i) => (i as { kind: string }).kind === "ReplicaSet") as ReplicaSet[];
    expect(workloadOf(named("web-7d9c8b6f5-k2x8p"), rs)).toEqual({ kind: "Deployment", name: "web" });
    // Without the ReplicaSet, the pod-template-hash suffix still tells the Deployment.
    expect(workloadOf(named("web-7d9c8b6f5-k2x8p"), [])).toEqual({ kind: "Deployment", name: "web" });
  });
});
