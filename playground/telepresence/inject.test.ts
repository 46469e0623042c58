import { describe, expect, it } from "vitest";
import type { Pod, Service } from "../workloads/types.ts";
import { agentConfigOf, injectAgent, redirectsOf, renamedPortName } from "./inject.ts";

const opts = { workloadName: "web", workloadKind: "Deployment", agentImage: "ghcr.io/telepresenceio/tel2:2.27.1", managerNamespace: "ambassador" };

function pod(ports: Array<{ name?: string; containerPort: number }>, extra: Partial<Pod["spec"]["containers"][number]> = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web-abc", namespace: "demo", labels: { app: "web" } },
    spec: { containers: [{ name: "app", image: "switchboard/demo-app", ports, ...extra }] },
  };
}

function service(targetPort: number | string, name = "web", port = 80): Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: "demo", uid: "u-1" },
    spec: { selector: { app: "web" }, ports: [{ name: "http", port, targetPort }] },
  };
}

describe("injectAgent (telepresence.md §4)", () => {
  it("named targetPort: renames the app port to tm-<name>, keeps its number, the agent declares the name on 9900, probes follow", () => {
    const p = pod([{ name: "http", containerPort: 8080 }], {
      readinessProbe: { httpGet: { path: "/healthz", port: "http" } },
      livenessProbe: { tcpSocket: { port: "http" } },
    });
    const r = injectAgent(p, [service("http")], opts);
    if (!r.injected) throw new Error(r.reason);
    const app = r.pod.spec.containers.find((c) => c.name === "app")!;
    expect(app.ports).toEqual([{ name: "tm-http", containerPort: 8080 }]);
    expect(app.readinessProbe?.httpGet?.port).toBe("tm-http");
    expect(app.livenessProbe?.tcpSocket?.port).toBe("tm-http");
    const agent = r.pod.spec.containers.find((c) => c.name === "traffic-agent")!;
    expect(agent.ports).toEqual([{ name: "http", containerPort: 9900, protocol: "TCP" }]);
    expect(agent.image).toBe(opts.agentImage);
    expect(r.pod.spec.initContainers ?? []).toEqual([]);
    expect(r.pod.metadata.labels).toMatchObject({
      "telepresence.io/workloadName": "web",
      "telepresence.io/workloadKind": "Deployment",
      "telepresence.io/workloadEnabled": "true",
    });
    expect(redirectsOf(agentConfigOf(agent)!)).toEqual([]);
    // The input pod is not mutated.
    expect(p.spec.containers[0]!.ports).toEqual([{ name: "http", containerPort: 8080 }]);
  });

  it("numeric targetPort: keeps the app port, adds tel-agent-init with NET_ADMIN and a redirect to the agent", () => {
    const p = pod([{ containerPort: 8080 }], { readinessProbe: { httpGet: { path: "/ready", port: 8080 } } });
    const r = injectAgent(p, [service(8080, "api")], { ...opts, workloadName: "api" });
    if (!r.injected) throw new Error(r.reason);
    const app = r.pod.spec.containers.find((c) => c.name === "app")!;
    expect(app.ports).toEqual([{ containerPort: 8080 }]);
    expect(app.readinessProbe?.httpGet?.port).toBe(8080);
    const init = r.pod.spec.initContainers!.find((c) => c.name === "tel-agent-init")!;
    expect(init.securityContext).toEqual({ capabilities: { add: ["NET_ADMIN"] } });
    const agent = r.pod.spec.containers.find((c) => c.name === "traffic-agent")!;
    expect(agent.ports).toEqual([{ containerPort: 9900, protocol: "TCP" }]);
    expect(redirectsOf(agentConfigOf(agent)!)).toEqual([{ containerPort: 8080, agentPort: 9900 }]);
  });

  it("truncates renamed port names to 15 characters", () => {
    expect(renamedPortName("http")).toBe("tm-http");
    expect(renamedPortName("very-long-name1")).toBe("tm-very-long-na");
    expect(renamedPortName("very-long-name1").length).toBe(15);
  });

  it("leaves ports no Service references untouched and gives each covered container port its own agent port", () => {
    const p = pod([{ name: "http", containerPort: 8080 }, { name: "admin", containerPort: 9000 }, { name: "health", containerPort: 8081 }]);
    const svc: Service = {
      apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "demo" },
      spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http" }, { name: "admin", port: 9000, targetPort: 9000 }] },
    };
    const r = injectAgent(p, [svc], opts);
    if (!r.injected) throw new Error(r.reason);
    const app = r.pod.spec.containers.find((c) => c.name === "app")!;
    expect(app.ports).toEqual([{ name: "tm-http", containerPort: 8080 }, { name: "admin", containerPort: 9000 }, { name: "health", containerPort: 8081 }]);
    const agent = r.pod.spec.containers.find((c) => c.name === "traffic-agent")!;
    expect(agent.ports).toEqual([{ name: "http", containerPort: 9900, protocol: "TCP" }, { containerPort: 9901, protocol: "TCP" }]);
    expect(redirectsOf(agentConfigOf(agent)!)).toEqual([{ containerPort: 9000, agentPort: 9901 }]);
  });

  it("does nothing when no Service selects the pod or the pod already has an agent", () => {
    const p = pod([{ name: "http", containerPort: 8080 }]);
    expect(injectAgent(p, [{ ...service("http"), spec: { selector: { app: "other" }, ports: [{ port: 80 }] } }], opts).injected).toBe(false);
    const once = injectAgent(p, [service("http")], opts);
    if (!once.injected) throw new Error(once.reason);
    expect(injectAgent(once.pod, [service("http")], opts).injected).toBe(false);
  });

  it("replace mode removes the app container and its probes; the agent serves its ports", () => {
    const p = pod([{ containerPort: 8080 }], { readinessProbe: { httpGet: { path: "/ready", port: 8080 } } });
    const r = injectAgent(p, [service(8080, "api")], { ...opts, replaceContainers: ["app"] });
    if (!r.injected) throw new Error(r.reason);
    expect(r.pod.spec.containers.map((c) => c.name)).toEqual(["traffic-agent"]);
    expect(r.pod.spec.initContainers ?? []).toEqual([]);
    expect(r.pod.spec.containers[0]!.ports).toEqual([{ containerPort: 9900, protocol: "TCP" }, { containerPort: 8080, protocol: "TCP" }]);
  });
});
