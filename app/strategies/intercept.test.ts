// The end result, with the playground's real `telepresence` program: web intercepted to a laptop whose
// process answers its pages but not the app's health path → the load balancer drops every pod and the
// front door answers 502. After each strategy the checks stop going to the laptop, the endpoints turn
// HEALTHY and requests through the front door reach the local server; rolling back brings the 502 back.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { snapshotFromItems } from "../gke/snapshot.ts";
import { planStrategy } from "./plan.ts";
import { StrategyRunner } from "./runner.ts";
import type { PlanRequest } from "./types.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const index = join(root, "playground", "index.ts");
const bin = join(root, "playground", "bin", "telepresence");
const SPEED = 50;

interface Pg {
  kubeconfigPath: string;
  loadBalancers: Record<string, string>;
  stop(): Promise<void>;
}

function exec(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ stdout, stderr, code: err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0 });
    });
  });
}

async function until(what: string, fn: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await fn().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("intercepted web through the front door", () => {
  let pg: Pg;
  let laptop: Server;
  let stateDir: string;
  let journalDir: string;
  const tele = (args: string[]) => exec(bin, args, { ...process.env, KUBECONFIG: pg.kubeconfigPath, PLAYGROUND_TELEPRESENCE_STATE_DIR: stateDir, PLAYGROUND_TELEPRESENCE_AGENT_TIMEOUT_MS: "20000" });
  const frontDoor = async () => {
    const res = await fetch(pg.loadBalancers["demo/web"]!, { signal: AbortSignal.timeout(3000) });
    return { status: res.status, body: await res.text() };
  };

  beforeAll(async () => {
    const mod = (await import(index)) as { startPlayground(o: { speed: number }): Promise<Pg> };
    pg = await mod.startPlayground({ speed: SPEED });
    // web's app serves its health path on 8081 too (env HEALTH_PORT), as the dedicated-port strategy
    // needs of a user's app: declaring the port does not make the app listen there.
    const kubectl = (...args: string[]) => exec("kubectl", ["--kubeconfig", pg.kubeconfigPath, "-n", "demo", ...args]);
    expect(await kubectl("set", "env", "deployment/web", "HEALTH_PORT=8081")).toMatchObject({ code: 0 });
    expect(await kubectl("rollout", "status", "deployment/web", "--timeout=60s")).toMatchObject({ code: 0 });
    stateDir = mkdtempSync(join(tmpdir(), "sb-tp-state-"));
    journalDir = mkdtempSync(join(tmpdir(), "sb-journal-"));
    // The developer's process: its pages answer, but not the app's health path.
    laptop = createServer((req, res) => {
      if (req.url === "/healthz") res.writeHead(503).end("not the real app\n");
      else res.writeHead(200).end("hello from the laptop\n");
    });
    await new Promise<void>((r) => laptop.listen(0, "127.0.0.1", r));
    const port = (laptop.address() as { port: number }).port;
    expect(await tele(["connect", "--output", "json"])).toMatchObject({ code: 0 });
    const r = await tele(["intercept", "web", "--port", String(port), "--output", "json", "--detailed-output", "--mount", "false"]);
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toMatchObject({ name: "web", disposition: "ACTIVE" });
  }, 90_000);

  afterAll(async () => {
    if (stateDir) await tele(["quit", "-s"]);
    await new Promise<void>((r) => (laptop ? (laptop.closeAllConnections(), laptop.close(() => r())) : r()));
    await pg?.stop();
    for (const d of [stateDir, journalDir]) if (d) rmSync(d, { recursive: true, force: true });
  }, 60_000);

  const strategies: Omit<PlanRequest, "namespace" | "service">[] = [
    { strategy: "pin-serving-port" },
    // Not the sidecar's default 8081: the app listens there (HEALTH_PORT) and two processes of one pod
    // cannot bind the same port.
    { strategy: "sidecar", sidecar: { image: "switchboard/health-sidecar", port: 8082 } },
    { strategy: "dedicated-port", dedicatedPort: { port: 8081 } },
  ];

  for (const s of strategies) {
    it(`${s.strategy}: the front door goes from 502 to the laptop, and back on rollback`, async () => {
      // The seed problem: health checks reach the laptop, get 503, every pod is dropped.
      await until("front door 502", async () => (await frontDoor()).status === 502);

      const kc = new KubeConfig();
      kc.loadFromFile(pg.kubeconfigPath);
      const items = await exec("kubectl", ["--kubeconfig", pg.kubeconfigPath, "-n", "demo", "get", "deployments,services,pods,replicasets,ingresses,backendconfigs,healthcheckpolicies,httproutes,gateways", "-o", "json"]);
      const r = planStrategy(snapshotFromItems((JSON.parse(items.stdout) as { items: unknown[] }).items), { namespace: "demo", service: "web", ...s } as PlanRequest);
      if (!r.ok) throw new Error(r.refusal.reason);
      const runner = new StrategyRunner({ kubeConfig: kc, journalDir, pollMs: 30 });
      // Already intercepted: the new pods cannot pass a check that still goes to the laptop, so do not
      // wait for the rollout before moving the check (the default, waiting, is for a healthy service).
      const op = await runner.apply(r.plan, { waitForRollout: false });
      await until("front door reaches the laptop", async () => (await frontDoor()).body === "hello from the laptop\n");

      await runner.rollback(op.id);
      await until("front door 502 again", async () => (await frontDoor()).status === 502);
    }, 90_000);
  }
});
