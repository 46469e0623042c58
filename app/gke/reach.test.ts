// telepresence.md §5, row by row: what a GKE health check reaches before injection, after injection,
// during a global intercept and during an HTTP-filtered intercept.
import { describe, expect, it } from "vitest";
import { container, podOf } from "./fixtures/build.ts";
import { shopItems } from "./fixtures/load.ts";
import type { TargetPort } from "./pods.ts";
import { withSimulatedAgent } from "./pods.ts";
import type { PodIntercept, ReachInput } from "./reach.ts";
import { reachOf } from "./reach.ts";
import type { Pod } from "./snapshot.ts";

const named: TargetPort = { kind: "name", value: "http" };
const numeric: TargetPort = { kind: "number", value: 8080 };
const GLOBAL: PodIntercept[] = [{ containerPort: 8080, global: true }];
const FILTERED: PodIntercept[] = [{ containerPort: 8080, global: false }];

// An app serving 8080 ("http"), a dedicated health port 9091 and a health sidecar on 8086.
const plain = podOf([container("app", [[8080, "http"], [9091, "health"]]), container("health", [[8086, "health-sc"]])]);

function reach(pod: Pod, target: TargetPort, spec: Partial<ReachInput>, intercepts: PodIntercept[] = []) {
  return reachOf({
    pod,
    target,
    portSpecification: "USE_SERVING_PORT",
    fixedPort: null,
    portName: null,
    numericTargets: target.kind === "number" ? [target.value] : [],
    intercepts,
    ...spec,
  });
}

describe("telepresence.md §5 row 1: serving port, named targetPort", () => {
  const injected = withSimulatedAgent(plain, [named]);
  it("reaches the app before injection", () => {
    const r = reach(plain, named, {});
    expect(r).toMatchObject({ reaches: "app", container: "app", port: 8080, toLaptop: false, tableRow: null });
  });
  it("reaches the agent's port 9900 once the agent took over the name", () => {
    expect(reach(injected, named, {})).toMatchObject({ reaches: "traffic-agent", port: 9900, via: "endpoint-port", toLaptop: false, tableRow: 1 });
  });
  it("goes to the laptop during a global intercept", () => {
    expect(reach(injected, named, {}, GLOBAL)).toMatchObject({ reaches: "traffic-agent", toLaptop: true, tableRow: 1 });
  });
  it("still reaches the app through the agent during an HTTP-filtered intercept", () => {
    const r = reach(injected, named, {}, FILTERED);
    expect(r).toMatchObject({ reaches: "traffic-agent", toLaptop: false });
    expect(r.explanation).toMatch(/HTTP-filtered/);
  });
  it("works on a real injected pod (fixture web: tm-http + agent port http:9900)", () => {
    const web = shopItems().find((i) => (i as Pod).metadata?.name === "web-7d9c8b6f5-k2x8p") as Pod;
    expect(reach(web, named, {}, GLOBAL)).toMatchObject({ reaches: "traffic-agent", port: 9900, toLaptop: true, tableRow: 1 });
  });
});

describe("telepresence.md §5 row 2: serving port, numeric targetPort", () => {
  const injected = withSimulatedAgent(plain, [numeric]);
  it("reaches the app before injection", () => {
    expect(reach(plain, numeric, {})).toMatchObject({ reaches: "app", port: 8080, tableRow: null });
  });
  it("is redirected by iptables to the agent after injection, to the laptop during a global intercept", () => {
    expect(reach(injected, numeric, {})).toMatchObject({ reaches: "traffic-agent", via: "iptables", toLaptop: false, tableRow: 2 });
    expect(reach(injected, numeric, {}, GLOBAL)).toMatchObject({ reaches: "traffic-agent", via: "iptables", toLaptop: true, tableRow: 2 });
  });
  it("stays with the app during an HTTP-filtered intercept", () => {
    expect(reach(injected, numeric, {}, FILTERED)).toMatchObject({ toLaptop: false });
  });
  it("an undeclared numeric targetPort still reaches port 8080 (Kubernetes allows it)", () => {
    const bare = podOf([container("app", [])]);
    expect(reach(bare, numeric, {})).toMatchObject({ reaches: "app", container: null, port: 8080 });
  });
});

describe("telepresence.md §5 row 3: fixed port = the intercepted containerPort, named targetPort", () => {
  it("reaches the app container directly: the agent took the name, not the number", () => {
    const injected = withSimulatedAgent(plain, [named]);
    const r = reach(injected, named, { portSpecification: "USE_FIXED_PORT", fixedPort: 8080 }, GLOBAL);
    expect(r).toMatchObject({ reaches: "app", container: "app", port: 8080, via: "fixed-port", toLaptop: false, tableRow: 3 });
  });
});

describe("telepresence.md §5 row 4: fixed port = the intercepted containerPort, numeric targetPort", () => {
  it("is still redirected by iptables to the agent and the laptop", () => {
    const injected = withSimulatedAgent(plain, [numeric]);
    const r = reach(injected, numeric, { portSpecification: "USE_FIXED_PORT", fixedPort: 8080 }, GLOBAL);
    expect(r).toMatchObject({ reaches: "traffic-agent", via: "iptables", toLaptop: true, tableRow: 4 });
  });
});

describe("telepresence.md §5 row 5: fixed port = a health sidecar's port", () => {
  for (const target of [named, numeric]) {
    it(`reaches the sidecar during a global intercept (${target.kind} targetPort)`, () => {
      const injected = withSimulatedAgent(plain, [target]);
      expect(reach(injected, target, { portSpecification: "USE_FIXED_PORT", fixedPort: 8086 }, GLOBAL)).toMatchObject({
        reaches: "health-sidecar",
        container: "health",
        toLaptop: false,
        tableRow: 5,
      });
      expect(reach(plain, target, { portSpecification: "USE_FIXED_PORT", fixedPort: 8086 })).toMatchObject({ reaches: "health-sidecar", tableRow: null });
    });
  }
});

describe("telepresence.md §5 row 6: fixed port = a dedicated app health port", () => {
  for (const target of [named, numeric]) {
    it(`reaches the app's health listener during a global intercept (${target.kind} targetPort)`, () => {
      const injected = withSimulatedAgent(plain, [target]);
      expect(reach(injected, target, { portSpecification: "USE_FIXED_PORT", fixedPort: 9091 }, GLOBAL)).toMatchObject({
        reaches: "app-health-port",
        container: "app",
        port: 9091,
        toLaptop: false,
        tableRow: 6,
      });
    });
  }
});

describe("edge cases", () => {
  it("a fixed port no container declares is unknown and says why (gke-neg.md §3)", () => {
    const r = reach(plain, named, { portSpecification: "USE_FIXED_PORT", fixedPort: 80 });
    expect(r.reaches).toBe("unknown");
    expect(r.explanation).toMatch(/Service port rather than a container port/);
  });
  it("a named targetPort no container declares has no endpoint", () => {
    expect(reach(plain, { kind: "name", value: "grpc" }, {}).reaches).toBe("unknown");
  });
  it("USE_NAMED_PORT resolves the name in the pod (Gateway)", () => {
    expect(reach(plain, named, { portSpecification: "USE_NAMED_PORT", portName: "health-sc" })).toMatchObject({ reaches: "health-sidecar", via: "named-port" });
    const injected = withSimulatedAgent(plain, [named]);
    expect(reach(injected, named, { portSpecification: "USE_NAMED_PORT", portName: "http" }, GLOBAL)).toMatchObject({ reaches: "traffic-agent", toLaptop: true });
  });
  it("an intercept of another port leaves this port's check with the app", () => {
    const injected = withSimulatedAgent(plain, [named]);
    expect(reach(injected, named, {}, [{ containerPort: 9999, global: true }]).toLaptop).toBe(false);
  });
});
