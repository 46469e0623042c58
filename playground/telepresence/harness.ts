// Test helpers: a playground with Telepresence, and the real `telepresence` program run against it.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPlayground, type Playground } from "../index.ts";
import { resources } from "../cluster/client.ts";
import type { Pod, Service } from "../workloads/types.ts";
import { TELEPRESENCE_BIN, type Telepresence } from "./index.ts";

export interface Harness {
  pg: Playground;
  tp: Telepresence;
  stateDir: string;
  /** Runs the real program; `env` may set PLAYGROUND_TELEPRESENCE_STATE_DIR to use another daemon. */
  run(args: string[], env?: Record<string, string>): Promise<{ stdout: string; stderr: string; code: number }>;
  stop(): Promise<void>;
}

export async function startHarness(speed = 20, install: boolean | { version: string } = true, sessionTtlMs?: number): Promise<Harness> {
  const pg = await startPlayground({ speed, telepresence: { install, ...(sessionTtlMs ? { sessionTtlMs } : {}) } });
  const tp = pg.telepresence!;
  const stateDir = mkdtempSync(join(tmpdir(), "tp-state-"));
  const run = (args: string[], env: Record<string, string> = {}) =>
    new Promise<{ stdout: string; stderr: string; code: number }>((resolve) => {
      execFile(TELEPRESENCE_BIN, args, {
        env: { ...process.env, KUBECONFIG: pg.kubeconfigPath, PLAYGROUND_TELEPRESENCE_STATE_DIR: stateDir, PLAYGROUND_TELEPRESENCE_AGENT_TIMEOUT_MS: "20000", ...env },
        timeout: 60_000,
      }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
        resolve({ stdout, stderr, code });
      });
    });
  return {
    pg, tp, stateDir, run,
    async stop() {
      await run(["quit", "-s"]);
      await pg.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** A local HTTP server (the developer's process) on a free port, recording what reaches it. */
export async function localServer(): Promise<{ port: number; hits: Array<{ url: string; headers: Record<string, unknown> }>; server: Server; close(): Promise<void> }> {
  const hits: Array<{ url: string; headers: Record<string, unknown> }> = [];
  const server = createHttpServer((req, res) => {
    hits.push({ url: req.url ?? "", headers: req.headers });
    res.writeHead(200, { "content-type": "text/plain" }).end("hello from the laptop\n");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return { port, hits, server, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

const handedOut = new Set<number>();

/** A free loopback port with nothing listening on it, never the same twice (intercept targets must differ). */
export async function freePort(): Promise<number> {
  for (;;) {
    const s = createHttpServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    const port = (s.address() as { port: number }).port;
    await new Promise<void>((r) => s.close(() => r()));
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

export async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Per-endpoint health from the Compute API emulation (gke-neg.md §8), keyed "ip:port". */
export async function endpointHealth(pg: Playground, namespace: string, service: string): Promise<Map<string, string>> {
  const svc = await pg.client.get<Service>(resources.services, namespace, service);
  const status = JSON.parse(svc?.metadata.annotations?.["cloud.google.com/neg-status"] ?? "{}") as { network_endpoint_groups?: Record<string, string>; zones?: string[] };
  const out = new Map<string, string>();
  for (const neg of Object.values(status.network_endpoint_groups ?? {})) {
    for (const zone of status.zones ?? []) {
      const res = await fetch(`${pg.computeApi}/compute/v1/projects/${pg.project}/zones/${zone}/networkEndpointGroups/${neg}/listNetworkEndpoints`, {
        method: "POST",
        headers: { authorization: `Bearer ${pg.computeToken}`, "content-type": "application/json" },
        body: JSON.stringify({ healthStatus: "SHOW" }),
      });
      if (!res.ok) continue;
      const body = (await res.json()) as { items?: Array<{ networkEndpoint: { ipAddress: string; port: number }; healths?: Array<{ healthState: string }> }> };
      for (const item of body.items ?? []) out.set(`${item.networkEndpoint.ipAddress}:${item.networkEndpoint.port}`, item.healths?.[0]?.healthState ?? "");
    }
  }
  return out;
}

export async function podsOf(pg: Playground, namespace: string, app: string): Promise<Pod[]> {
  return (await pg.client.list<Pod>(resources.pods, { namespace, labelSelector: `app=${app}` })).items.filter((p) => !p.metadata.deletionTimestamp);
}

export async function frontDoor(pg: Playground, key: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const url = pg.gke.loadBalancers()[key];
  if (!url) throw new Error(`no load balancer ${key}`);
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.text() };
}

/** The GCE health check of a Service's Ingress NEG (same name as the NEG, gke-neg.md §2), from the Compute API. */
export async function healthCheckOf(pg: Playground, namespace: string, service: string): Promise<Record<string, unknown> | undefined> {
  const svc = await pg.client.get<Service>(resources.services, namespace, service);
  const status = JSON.parse(svc?.metadata.annotations?.["cloud.google.com/neg-status"] ?? "{}") as { network_endpoint_groups?: Record<string, string> };
  const neg = Object.values(status.network_endpoint_groups ?? {})[0];
  if (!neg) return undefined;
  const res = await fetch(`${pg.computeApi}/compute/v1/projects/${pg.project}/global/healthChecks/${neg}`, { headers: { authorization: `Bearer ${pg.computeToken}` } });
  return res.ok ? ((await res.json()) as Record<string, unknown>) : undefined;
}
