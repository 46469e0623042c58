import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { PodNetwork } from "../kubelet/network.ts";
import { FrontDoor, pickBackendService } from "./front-door.ts";
import { Gce } from "./gce.ts";
import { HealthChecker } from "./health-checker.ts";
import { negDefaultHealthCheck } from "./healthcheck.ts";
import type { EndpointDialer } from "./types.ts";

// Real loopback HTTP servers stand in for pods; the dialer maps their pod IPs to them.
interface FakePod {
  ip: string;
  server: http.Server;
  port: number;
  healthy: boolean;
  healthHits: number;
  requests: Array<{ method?: string; url?: string; headers: http.IncomingHttpHeaders; body: string }>;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function fakePod(ip: string): Promise<FakePod> {
  const p = { ip, healthy: true, healthHits: 0, requests: [] } as unknown as FakePod;
  p.server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      if (req.url === "/healthz") {
        p.healthHits++;
        res.writeHead(p.healthy ? 200 : 500).end(p.healthy ? "ok" : "sick");
        return;
      }
      p.requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.writeHead(201, { "x-served-by": ip }).end(`hello from ${ip}: ${req.method} ${req.url} ${body}`);
    });
  });
  await new Promise<void>((r) => p.server.listen(0, "127.0.0.1", r));
  p.port = (p.server.address() as AddressInfo).port;
  cleanups.push(() => new Promise<void>((r) => { p.server.closeAllConnections(); p.server.close(() => r()); }));
  return p;
}

async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function setup(unhealthyThreshold = 3) {
  const pods = [await fakePod("10.8.0.10"), await fakePod("10.8.1.11")];
  const dialer: EndpointDialer = (ip, port) => {
    const p = pods.find((x) => x.ip === ip);
    return p && port === 8080 ? { host: "127.0.0.1", port: p.port } : undefined;
  };
  const gce = new Gce("proj");
  gce.ensureNeg("us-central1-a", "neg-web", "");
  gce.attach("us-central1-a", "neg-web", pods.map((p) => ({ ipAddress: p.ip, port: 8080, instance: "node-a", pod: `default/${p.ip}` })));
  // speed 1000: a 15 s interval becomes 15 ms.
  const checker = new HealthChecker(gce, dialer, { speed: 1000 });
  checker.start();
  cleanups.push(() => checker.stop());
  gce.upsertHealthCheck("neg-web", { ...negDefaultHealthCheck("HTTP"), requestPath: "/healthz", timeoutSec: 5, checkIntervalSec: 5, unhealthyThreshold });
  gce.upsertBackendService("neg-web", "neg-web", ["us-central1-a/neg-web"], "default/web");
  const door = new FrontDoor("Ingress default/web", gce, dialer);
  door.setRoutes({ rules: [], defaultBackendService: "neg-web" });
  const url = await door.start();
  cleanups.push(() => door.stop());
  const state = (ip: string) => gce.healthOf("neg-web", "us-central1-a/neg-web", `${ip}:8080`);
  return { pods, gce, url, state };
}

describe("health checker + front door over real loopback HTTP", () => {
  it("probes reach the pods; all HEALTHY; the front door proxies method, path, headers and body, round robin", async () => {
    const { pods, url, state, gce } = await setup();
    await until("both healthy", () => pods.every((p) => state(p.ip) === "HEALTHY"));
    expect(pods.every((p) => p.healthHits > 0)).toBe(true);
    expect(gce.aggregateHealth("neg-web")).toBe("HEALTHY");
    const served = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${url}/api/items?x=${i}`, { method: "POST", headers: { "x-test": "yes", "content-type": "text/plain" }, body: `body-${i}` });
      expect(res.status).toBe(201);
      served.add(res.headers.get("x-served-by")!);
      expect(await res.text()).toContain(`POST /api/items?x=${i} body-${i}`);
    }
    expect(served).toEqual(new Set(pods.map((p) => p.ip)));
    const seen = pods.flatMap((p) => p.requests);
    expect(seen.every((r) => r.headers["x-test"] === "yes" && r.headers["via"] === "1.1 google" && r.headers["x-forwarded-for"])).toBe(true);
  });

  it("a pod that starts failing goes UNHEALTHY after unhealthyThreshold probes and gets no traffic; 502 when none is healthy; recovery", async () => {
    const { pods, url, state, gce } = await setup(3);
    await until("both healthy", () => pods.every((p) => state(p.ip) === "HEALTHY"));
    const [a, b] = pods as [FakePod, FakePod];
    a.healthy = false;
    const hitsAtFailure = a.healthHits;
    await until("a unhealthy", () => state(a.ip) === "UNHEALTHY");
    // It took at least unhealthyThreshold failing probes.
    expect(a.healthHits - hitsAtFailure).toBeGreaterThanOrEqual(3);
    expect(state(b.ip)).toBe("HEALTHY");
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${url}/x`);
      expect(`${r.status} ${r.headers.get("x-served-by")} ${r.status === 201 ? "" : await r.text()}`).toBe(`201 ${b.ip} `);
    }

    b.healthy = false;
    await until("b unhealthy", () => state(b.ip) === "UNHEALTHY");
    expect(gce.aggregateHealth("neg-web")).toBe("UNHEALTHY");
    const res = await fetch(`${url}/x`);
    expect(res.status).toBe(502);
    expect(await res.text()).toMatch(/no healthy backend.*neg-web/);

    a.healthy = true;
    await until("a healthy again", () => state(a.ip) === "HEALTHY");
    expect((await fetch(`${url}/x`)).headers.get("x-served-by")).toBe(a.ip);
  });

  it("USE_FIXED_PORT probes podIP:port; a port nothing listens on fails the check", async () => {
    const { pods, gce, state } = await setup(1);
    await until("healthy", () => pods.every((p) => state(p.ip) === "HEALTHY"));
    gce.upsertHealthCheck("neg-web", { ...negDefaultHealthCheck("HTTP"), requestPath: "/healthz", timeoutSec: 5, checkIntervalSec: 5, unhealthyThreshold: 1, portSpecification: "USE_FIXED_PORT", port: 9999 });
    await until("unhealthy on the fixed port", () => pods.every((p) => state(p.ip) === "UNHEALTHY"));
  });
});

describe("with the playground kubelet's pod network (the Telepresence seed problem, telepresence.md §5)", () => {
  it("an iptables-style redirect of the serving port to an agent sends health checks there; a fixed health port is unaffected", async () => {
    const listen = async (handler: http.RequestListener) => {
      const server = http.createServer(handler);
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      cleanups.push(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
      return { host: "127.0.0.1", port: (server.address() as AddressInfo).port };
    };
    const ip = "10.8.0.77";
    const network = new PodNetwork();
    network.attach(ip, "default", "web-1");
    network.bind(ip, 8080, "app", await listen((_req, res) => res.writeHead(200).end("app")));
    network.bind(ip, 8081, "app", await listen((_req, res) => res.writeHead(200).end("health")));
    // The agent forwards to a laptop that serves no health endpoint.
    network.bind(ip, 9900, "traffic-agent", await listen((_req, res) => res.writeHead(404).end("laptop: not found")));
    const gce = new Gce("proj");
    gce.ensureNeg("us-central1-a", "neg", "");
    gce.attach("us-central1-a", "neg", [{ ipAddress: ip, port: 8080, instance: "node-a", pod: "default/web-1" }]);
    const checker = new HealthChecker(gce, (podIP, port) => network.dial(podIP, port), { speed: 1000 });
    checker.start();
    cleanups.push(() => checker.stop());
    gce.upsertHealthCheck("neg", { ...negDefaultHealthCheck("HTTP"), unhealthyThreshold: 2 });
    gce.upsertBackendService("neg", "neg", ["us-central1-a/neg"], "default/web");
    const state = () => gce.healthOf("neg", "us-central1-a/neg", `${ip}:8080`);
    await until("healthy", () => state() === "HEALTHY");

    network.redirect(ip, 8080, 9900); // the intercept takes over the serving port
    await until("unhealthy through the agent", () => state() === "UNHEALTHY");

    // BackendConfig `port` (USE_FIXED_PORT) on a dedicated health port: probes skip the agent.
    gce.upsertHealthCheck("neg", { ...negDefaultHealthCheck("HTTP"), unhealthyThreshold: 2, portSpecification: "USE_FIXED_PORT", port: 8081 });
    await until("healthy on the fixed port", () => state() === "HEALTHY");
  });
});

describe("front door routing (Ingress rules / HTTPRoute matches)", () => {
  const table = {
    rules: [
      { pathType: "Prefix" as const, path: "/api", backendService: "api" },
      { pathType: "Prefix" as const, path: "/api/v2", backendService: "api-v2" },
      { pathType: "Exact" as const, path: "/login", backendService: "login" },
      { host: "shop.example.com", pathType: "Prefix" as const, path: "/", backendService: "shop" },
      { host: "*.example.com", pathType: "Prefix" as const, path: "/", backendService: "wild" },
    ],
    defaultBackendService: "default",
  };
  it("most specific match wins; prefixes match whole segments; unmatched → default backend", () => {
    expect(pickBackendService(table, "x", "/api/v2/items")).toBe("api-v2");
    expect(pickBackendService(table, "x", "/api")).toBe("api");
    expect(pickBackendService(table, "x", "/apix")).toBe("default");
    expect(pickBackendService(table, "x", "/login")).toBe("login");
    expect(pickBackendService(table, "x", "/login/again")).toBe("default");
    expect(pickBackendService(table, "shop.example.com:8080", "/cart")).toBe("shop");
    expect(pickBackendService(table, "eu.example.com", "/cart")).toBe("wild");
    expect(pickBackendService({ rules: [] }, "x", "/")).toBeUndefined();
  });
});
