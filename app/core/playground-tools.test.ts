// The tour's tools through the core's contract methods, against a real playground (front doors that
// proxy to healthy endpoints only, real health checks): playground.request answers what the front door
// answers (200 from a pod, 502 once the health checks fail), playground.localServer is a real
// loopback server whose requests come back as events; both refuse outside the embedded playground.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { SwitchboardEvent } from "../contract/api.ts";
import { validateCall } from "../contract/validate.ts";
import type { LocalServerView, PlaygroundResponse } from "../contract/tour.ts";
import { createCore, type Core, type CoreOptions } from "./core.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const index = join(root, "playground", "index.ts");

interface Pg {
  kubeconfigPath: string;
  context: string;
  loadBalancers: Record<string, string>;
  setHealth(namespace: string, pod: string, healthy: boolean): void;
  client: { list(res: { group: string; version: string; plural: string }, options?: { namespace?: string; labelSelector?: string }): Promise<{ items: Array<{ metadata: { name: string } }> }> };
  stop(): Promise<void>;
}

describe("playground.request and playground.localServer (playground)", () => {
  let pg: Pg;
  const cores: Core[] = [];

  function start(extra: Partial<CoreOptions> = {}) {
    const events: SwitchboardEvent[] = [];
    const core = createCore({
      host: "test",
      kubeconfigPaths: [pg.kubeconfigPath],
      startContext: pg.context,
      watch: false,
      telepresencePollMs: 0,
      coalesceMs: 5,
      log: () => undefined,
      playground: { context: pg.context, loadBalancers: pg.loadBalancers },
      ...extra,
    });
    cores.push(core);
    core.subscribe((batch) => events.push(...batch));
    const call = async <T,>(method: string, input: unknown): Promise<T> => {
      const checked = validateCall(method, input);
      return (core as unknown as Record<string, (i: unknown) => Promise<T>>)[checked.method]!(checked.input);
    };
    return { events, call };
  }

  beforeAll(async () => {
    const mod = (await import(index)) as { startPlayground(o: { speed?: number }): Promise<Pg> };
    pg = await mod.startPlayground({ speed: 20 });
  }, 90_000);

  afterEach(async () => {
    await Promise.all(cores.splice(0).map((c) => c.close()));
  });

  afterAll(async () => {
    await pg?.stop();
  });

  it("sends a request through web's front door: a pod answers, then 502 once every pod fails its health check", async () => {
    const { call } = start();
    const ok = await call<PlaygroundResponse>("playground.request", { loadBalancer: "demo/web", path: "/hello", headers: { "x-tour": "1" } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatch(/^hello from web-/);
    expect(ok.url).toBe(new URL("/hello", pg.loadBalancers["demo/web"]).toString());
    expect(ok.error).toBeNull();

    const pods = (await pg.client.list({ group: "", version: "v1", plural: "pods" }, { namespace: "demo", labelSelector: "app=web" })).items.map((p) => p.metadata.name);
    expect(pods.length).toBeGreaterThan(0);
    try {
      for (const pod of pods) pg.setHealth("demo", pod, false);
      await expect.poll(async () => (await call<PlaygroundResponse>("playground.request", { loadBalancer: "demo/web" })).status, { timeout: 15_000, interval: 100 }).toBe(502);
    } finally {
      for (const pod of pods) pg.setHealth("demo", pod, true);
    }
    await expect.poll(async () => (await call<PlaygroundResponse>("playground.request", { loadBalancer: "demo/web" })).status, { timeout: 15_000, interval: 100 }).toBe(200);
  });

  it("refuses an unknown load balancer and a malformed one", async () => {
    const { call } = start();
    await expect(call("playground.request", { loadBalancer: "demo/nope" })).rejects.toMatchObject({ code: "not-found", hint: expect.stringContaining("demo/web") });
    await expect(call("playground.request", { loadBalancer: "http://example.com" })).rejects.toMatchObject({ code: "invalid-request" });
    await expect(call("playground.request", { loadBalancer: "demo/web", path: "no-slash" })).rejects.toMatchObject({ code: "invalid-request" });
  });

  it("runs a local server on 127.0.0.1 that greets, leaves unserved paths unanswered (404), and reports each request", async () => {
    const { call, events } = start();
    const started = await call<LocalServerView>("playground.localServer", { action: "start", unservedPaths: ["/healthz"] });
    expect(started).toMatchObject({ available: true, running: true, unservedPaths: ["/healthz"], requests: [] });
    const port = started.port!;
    expect(port).toBeGreaterThan(0);
    // Idempotent: a second start answers the same server.
    expect((await call<LocalServerView>("playground.localServer", { action: "start", unservedPaths: ["/healthz"] })).port).toBe(port);

    const hello = await fetch(`http://127.0.0.1:${port}/cart?x=1`, { headers: { "x-dev": "me" } });
    expect(hello.status).toBe(200);
    expect(await hello.text()).toBe("hello from your laptop\n");
    const check = await fetch(`http://127.0.0.1:${port}/healthz`, { headers: { "user-agent": "GoogleHC/1.0" } });
    expect(check.status).toBe(404);
    await check.text();

    await expect.poll(() => events.filter((e) => e.type === "local-request").length).toBe(2);
    const arrived = events.flatMap((e) => (e.type === "local-request" ? [e] : []));
    expect(arrived[0]).toMatchObject({ port, request: { seq: 1, method: "GET", path: "/cart", status: 200, healthCheck: false, headers: { "x-dev": "me" } } });
    expect(arrived[1]).toMatchObject({ port, request: { seq: 2, path: "/healthz", status: 404, healthCheck: true } });
    expect((await call<LocalServerView>("playground.localServer", { action: "status" })).requests.map((r) => r.path)).toEqual(["/cart", "/healthz"]);

    const stopped = await call<LocalServerView>("playground.localServer", { action: "stop" });
    expect(stopped).toMatchObject({ running: false, port: null });
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });

  it("is not available without the embedded playground", async () => {
    const { call } = start({ playground: undefined });
    await expect(call("playground.request", { loadBalancer: "demo/web" })).rejects.toMatchObject({ code: "not-found", hint: expect.stringContaining("--playground") });
    await expect(call("playground.localServer", { action: "start" })).rejects.toMatchObject({ code: "not-found" });
    expect(await call<LocalServerView>("playground.localServer", { action: "status" })).toMatchObject({ available: false, running: false });
  });

  it("is not available while another context is selected", async () => {
    const { call } = start({ playground: { context: "somewhere-else", loadBalancers: pg.loadBalancers } });
    await expect(call("playground.request", { loadBalancer: "demo/web" })).rejects.toMatchObject({ code: "context-not-found" });
  });
});
