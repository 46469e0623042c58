// Telepresence in the playground with real traffic: the real `telepresence` program against the
// playground's kubeconfig, the agent injected at pod creation, the GKE health checker probing
// through the pod network, the front door, the Compute API (telepresence.md §4–5, gke-neg.md §3–5).
import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resources } from "../cluster/client.ts";
import type { Deployment, Pod } from "../workloads/types.ts";
import { endpointHealth, freePort, frontDoor, healthCheckOf, localServer, podsOf, startHarness, until, type Harness } from "./harness.ts";

const SPEED = 50;
let h: Harness;

beforeAll(async () => {
  h = await startHarness(SPEED);
}, 60_000);

afterAll(async () => {
  await h?.stop();
});

function kubectl(args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile("kubectl", ["--kubeconfig", h.pg.kubeconfigPath, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`kubectl ${args.join(" ")}: ${stderr || err.message}`));
      else resolve(stdout);
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Waits some health-check rounds (checkIntervalSec 5 / SPEED): time for a wrong answer to show. */
function healthRounds(n: number, intervalSec = 5): Promise<void> {
  return new Promise((r) => setTimeout(r, (n * intervalSec * 1000) / SPEED));
}

async function agentPods(app: string): Promise<Pod[]> {
  return until(`agent pods of ${app}`, async () => {
    const pods = await podsOf(h.pg, "demo", app);
    const ready = pods.filter((p) => p.spec.containers.some((c) => c.name === "traffic-agent") &&
      p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
    return ready.length > 0 && ready.length === pods.length ? ready : undefined;
  });
}

async function allEndpoints(service: string, state: string): Promise<Map<string, string>> {
  return until(`${service} endpoints ${state}`, async () => {
    const health = await endpointHealth(h.pg, "demo", service);
    const pods = await podsOf(h.pg, "demo", service);
    const ips = new Set(pods.map((p) => p.status?.podIP));
    const mine = [...health].filter(([k]) => ips.has(k.split(":")[0]));
    return mine.length > 0 && mine.every(([, s]) => s === state) ? health : undefined;
  });
}

async function intercept(args: string[]): Promise<Record<string, unknown>> {
  const r = await h.run(["intercept", ...args, "--output", "json", "--detailed-output", "--mount", "false"]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

async function leave(name: string): Promise<void> {
  const r = await h.run(["leave", name, "--output", "json"]);
  expect(r).toEqual({ stdout: "", stderr: "", code: 0 });
}

describe("the seed story (web: named targetPort, BackendConfig without port)", () => {
  it("connects", async () => {
    expect(await h.run(["connect", "--output", "json"])).toEqual({ stdout: "", stderr: "", code: 0 });
  });

  it("intercepting web with nothing listening locally makes the endpoints UNHEALTHY and the front door 502, while the readiness gate stays True", async () => {
    const port = await freePort();
    const info = await intercept(["web", "--port", String(port)]);
    expect(info).toMatchObject({ name: "web", disposition: "ACTIVE", target_host: "127.0.0.1", target_port: port, container_port: 8080, global: true, filter_desc: "all TCP connections" });

    const pods = await agentPods("web");
    // Injection renamed the app's named port and gave its name to the agent on 9900 (telepresence.md §4).
    for (const pod of pods) {
      const app = pod.spec.containers.find((c) => c.name === "demo-app")!;
      expect(app.ports).toEqual([{ name: "tm-http", containerPort: 8080, protocol: "TCP" }]);
      expect(app.readinessProbe?.httpGet?.port).toBe("tm-http");
      expect(pod.spec.containers.find((c) => c.name === "traffic-agent")!.ports).toEqual([{ name: "http", containerPort: 9900, protocol: "TCP" }]);
      expect(pod.spec.initContainers ?? []).toEqual([]);
    }
    // The Deployment's containers are never edited.
    const dep = JSON.parse(await kubectl(["-n", "demo", "get", "deployment", "web", "-o", "json"])) as { spec: { template: { spec: { containers: Array<{ name: string }> } } } };
    expect(dep.spec.template.spec.containers.map((c) => c.name)).toEqual(["demo-app"]);

    const health = await allEndpoints("web", "UNHEALTHY");
    // The NEG endpoints are the agent's port: the serving port health check reaches the agent, then the laptop.
    expect([...health.keys()].every((k) => k.endsWith(":9900"))).toBe(true);
    await until("front door 502", async () => (await frontDoor(h.pg, "demo/web")).status === 502);
    for (const pod of await podsOf(h.pg, "demo", "web")) {
      const gate = pod.status?.conditions?.find((c) => c.type === "cloud.google.com/load-balancer-neg-ready");
      expect(gate?.status).toBe("True");
      expect(pod.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
    }
  });

  it("leave restores pass-through: the endpoints turn HEALTHY and the front door answers from the app", async () => {
    await leave("web");
    await allEndpoints("web", "HEALTHY");
    const res = await until("front door answers from the app", async () => {
      const r = await frontDoor(h.pg, "demo/web");
      return r.status === 200 ? r : undefined;
    });
    expect(res.body).toMatch(/^hello from web-/);
    const list = JSON.parse((await h.run(["list", "-i", "--output", "json"])).stdout) as { stdout: unknown[] };
    expect(list.stdout).toEqual([]);
  });
});

describe("§5: what the health check reaches during an intercept", () => {
  it("api (numeric targetPort, check inferred from the readinessProbe): tel-agent-init redirects 8080 to the agent, checks reach the laptop", async () => {
    const port = await freePort();
    const info = await intercept(["api", "--port", `${port}:8080`]);
    expect(info).toMatchObject({ disposition: "ACTIVE", container_port: 8080, port_id: "8080" });
    const pods = await until("api pods with the agent", async () => {
      const ps = await podsOf(h.pg, "demo", "api");
      return ps.length > 0 && ps.every((p) => p.spec.containers.some((c) => c.name === "traffic-agent")) ? ps : undefined;
    });
    for (const pod of pods) {
      const app = pod.spec.containers.find((c) => c.name === "demo-app")!;
      expect(app.ports).toEqual([{ name: "http", containerPort: 8080, protocol: "TCP" }]);
      const init = pod.spec.initContainers?.find((c) => c.name === "tel-agent-init");
      expect(init?.securityContext).toEqual({ capabilities: { add: ["NET_ADMIN"] } });
      expect(pod.spec.containers.find((c) => c.name === "traffic-agent")!.ports).toEqual([{ containerPort: 9900, protocol: "TCP" }]);
    }
    const health = await allEndpoints("api", "UNHEALTHY");
    // The endpoint stays the container port; the redirect sends it to the agent.
    expect([...health.keys()].every((k) => k.endsWith(":8080"))).toBe(true);
    await leave("api");
    await allEndpoints("api", "HEALTHY");
  });

  it("api with a fixed BackendConfig port equal to its numeric targetPort: the redirect still sends the check to the agent, then the laptop", async () => {
    await kubectl(["-n", "demo", "apply", "-f", "-"], JSON.stringify({
      apiVersion: "cloud.google.com/v1", kind: "BackendConfig", metadata: { name: "api-fixed", namespace: "demo" },
      spec: { healthCheck: { type: "HTTP", port: 8080, requestPath: "/ready", checkIntervalSec: 5, timeoutSec: 5 } },
    }));
    await kubectl(["-n", "demo", "annotate", "service", "api", "--overwrite", 'cloud.google.com/backend-config={"default":"api-fixed"}']);
    try {
      await until("the health check uses the fixed port", async () => {
        const hc = await healthCheckOf(h.pg, "demo", "api");
        const block = hc?.httpHealthCheck as { portSpecification?: string; port?: number } | undefined;
        return block?.portSpecification === "USE_FIXED_PORT" && block.port === 8080;
      });
      await allEndpoints("api", "HEALTHY");
      await intercept(["api", "--port", `${await freePort()}:8080`]);
      await allEndpoints("api", "UNHEALTHY");
      await leave("api");
      await allEndpoints("api", "HEALTHY");
    } finally {
      await kubectl(["-n", "demo", "annotate", "service", "api", "cloud.google.com/backend-config-"]);
    }
  });

  it("billing (health sidecar, BackendConfig port 8081): the check keeps reaching the sidecar", async () => {
    const laptop = await localServer();
    try {
      await intercept(["billing", "--port", String(laptop.port)]);
      await agentPods("billing");
      await until("front door reaches the laptop", async () => (await frontDoor(h.pg, "demo/billing")).body === "hello from the laptop\n");
      await healthRounds(4);
      expect([...(await endpointHealth(h.pg, "demo", "billing")).values()].every((s) => s === "HEALTHY")).toBe(true);
      expect(laptop.hits.some((x) => x.url === "/healthz")).toBe(false);
      // Positive proof: switching the sidecar's health off is what the load balancer sees.
      for (const pod of await podsOf(h.pg, "demo", "billing")) h.pg.setHealth("demo", pod.metadata.name, false, "health");
      await allEndpoints("billing", "UNHEALTHY");
      for (const pod of await podsOf(h.pg, "demo", "billing")) h.pg.setHealth("demo", pod.metadata.name, true, "health");
      await leave("billing");
    } finally {
      await laptop.close();
    }
  });

  it("search (dedicated health port 8090): the check keeps reaching the app's health listener", async () => {
    const port = await freePort();
    await intercept(["search", "--port", String(port)]);
    await agentPods("search");
    await healthRounds(4);
    expect([...(await endpointHealth(h.pg, "demo", "search")).values()].every((s) => s === "HEALTHY")).toBe(true);
    await leave("search");
  });

  it("a fixed BackendConfig port equal to the app's own container port with a named targetPort keeps the check on the app", async () => {
    await kubectl(["-n", "demo", "patch", "backendconfig", "web", "--type=merge", "-p", '{"spec":{"healthCheck":{"port":8080}}}']);
    const laptop = await localServer();
    try {
      await intercept(["web", "--port", String(laptop.port)]);
      await until("front door reaches the laptop", async () => (await frontDoor(h.pg, "demo/web")).body === "hello from the laptop\n");
      await healthRounds(4);
      expect([...(await endpointHealth(h.pg, "demo", "web")).values()].every((s) => s === "HEALTHY")).toBe(true);
      expect(laptop.hits.some((x) => x.url === "/healthz")).toBe(false);
      // The app answers the checks: turn its health off and the load balancer notices.
      for (const pod of await podsOf(h.pg, "demo", "web")) h.pg.setHealth("demo", pod.metadata.name, false);
      await allEndpoints("web", "UNHEALTHY");
      for (const pod of await podsOf(h.pg, "demo", "web")) h.pg.setHealth("demo", pod.metadata.name, true);
      await allEndpoints("web", "HEALTHY");
      await leave("web");
    } finally {
      await laptop.close();
      await kubectl(["-n", "demo", "patch", "backendconfig", "web", "--type=json", "-p", '[{"op":"remove","path":"/spec/healthCheck/port"}]']);
    }
  });

  it("an HTTP-filtered intercept (--http-header) leaves the endpoints healthy and sends only matching requests to the laptop", async () => {
    // The laptop answers 503: were health checks sent there, they would fail.
    const hits: string[] = [];
    const { createServer } = await import("node:http");
    const laptop = createServer((req, res) => {
      hits.push(`${req.url} ${String(req.headers["x-dev"] ?? "")}`);
      res.writeHead(503).end("laptop says no\n");
    });
    await new Promise<void>((r) => laptop.listen(0, "127.0.0.1", r));
    const port = (laptop.address() as { port: number }).port;
    try {
      const info = await intercept(["web", "--port", String(port), "--http-header", "x-dev=alice"]);
      expect(info).toMatchObject({ global: false, http_filter: ["x-dev=alice"] });
      await allEndpoints("web", "HEALTHY");
      await until("a request with the header reaches the laptop", async () => (await frontDoor(h.pg, "demo/web", { "x-dev": "alice" })).body === "laptop says no\n");
      const plain = await frontDoor(h.pg, "demo/web");
      expect(plain.status).toBe(200);
      expect(plain.body).toMatch(/^hello from web-/);
      expect((await frontDoor(h.pg, "demo/web", { "x-dev": "bob" })).body).toMatch(/^hello from web-/);
      await healthRounds(4);
      expect([...(await endpointHealth(h.pg, "demo", "web")).values()].every((s) => s === "HEALTHY")).toBe(true);
      expect(hits.every((x) => x.endsWith(" alice"))).toBe(true);
      await leave("web");
    } finally {
      laptop.closeAllConnections();
      laptop.close();
    }
  });

  it("strategy 1 applied with kubectl (health sidecar + BackendConfig port): the front door's requests arrive at the local server", async () => {
    await kubectl(["-n", "demo", "patch", "deployment", "web", "--type=json", "-p", JSON.stringify([
      { op: "add", path: "/spec/template/spec/containers/-", value: {
        name: "health", image: "switchboard/health-sidecar:1.0.0", env: [{ name: "PORT", value: "8081" }],
        ports: [{ name: "health", containerPort: 8081 }], readinessProbe: { httpGet: { path: "/healthz", port: "health" }, periodSeconds: 5 } } },
    ])]);
    await kubectl(["-n", "demo", "patch", "backendconfig", "web", "--type=merge", "-p", '{"spec":{"healthCheck":{"port":8081}}}']);
    await until("web rolled out with the sidecar", async () => {
      const pods = await podsOf(h.pg, "demo", "web");
      return pods.length === 2 && pods.every((p) => p.spec.containers.some((c) => c.name === "health") &&
        p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
    }, 30_000);
    const laptop = await localServer();
    try {
      await intercept(["web", "--port", String(laptop.port)]);
      const res = await until("front door reaches the laptop", async () => {
        const r = await frontDoor(h.pg, "demo/web");
        return r.body === "hello from the laptop\n" ? r : undefined;
      });
      expect(res.status).toBe(200);
      expect(laptop.hits.length).toBeGreaterThan(0);
      await healthRounds(4);
      expect([...(await endpointHealth(h.pg, "demo", "web")).values()].every((s) => s === "HEALTHY")).toBe(true);
      await leave("web");
    } finally {
      await laptop.close();
    }
  });

  it("the Deployment's containers were never edited", async () => {
    const dep = await h.pg.client.get<Deployment>(resources.deployments, "demo", "api");
    expect(dep?.spec.template.spec.containers.map((c) => c.name)).toEqual(["demo-app"]);
  });
});

describe("replace (2.22+) and wiretap (2.23+)", () => {
  it("replace removes the app container from new pods and sends everything to the laptop; leave brings the app back", async () => {
    const laptop = await localServer();
    try {
      const r = await h.run(["replace", "api", "--port", `${laptop.port}:8080`, "--mount", "false", "--output", "json", "--detailed-output"]);
      expect(r.stderr).toBe("");
      expect(JSON.parse(r.stdout)).toMatchObject({ disposition: "ACTIVE", replace: true, container_port: 8080 });
      const pods = await until("api pods without the app", async () => {
        const ps = await podsOf(h.pg, "demo", "api");
        return ps.length > 0 && ps.every((p) => p.spec.containers.map((c) => c.name).join() === "traffic-agent") ? ps : undefined;
      });
      // No iptables needed: the agent listens on the removed container's port itself.
      expect(pods[0]!.spec.initContainers ?? []).toEqual([]);
      const res = await until("front door reaches the laptop", async () => {
        const x = await frontDoor(h.pg, "demo/api");
        return x.body === "hello from the laptop\n" ? x : undefined;
      }, 30_000);
      expect(res.status).toBe(200);
      const status = JSON.parse((await h.run(["status", "--output", "json"])).stdout) as { user_daemon: { replacements: unknown[]; intercepts: unknown[] } };
      expect(status.user_daemon.replacements).toEqual([{ name: "api", client: expect.any(String) }]);
      await leave("api");
      await until("api pods with the app again", async () => {
        const ps = await podsOf(h.pg, "demo", "api");
        return ps.length > 0 && ps.every((p) => p.spec.containers.some((c) => c.name === "demo-app") &&
          p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
      }, 30_000);
    } finally {
      await laptop.close();
    }
  });

  it("a wiretap gets a copy of the requests while the app keeps answering them", async () => {
    const laptop = await localServer();
    try {
      const r = await h.run(["wiretap", "search", "--port", String(laptop.port), "--mount", "false", "--output", "json", "--detailed-output"]);
      expect(JSON.parse(r.stdout)).toMatchObject({ disposition: "ACTIVE", wiretap: true });
      await agentPods("search");
      const res = await frontDoor(h.pg, "demo/search", { "x-probe": "tap" });
      expect(res.body).toMatch(/^hello from search-/);
      await until("the laptop saw a copy", async () => laptop.hits.some((x) => x.headers["x-probe"] === "tap"));
      await leave("search");
    } finally {
      await laptop.close();
    }
  });
});
