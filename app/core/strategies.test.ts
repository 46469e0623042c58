// Health strategies through the core's contract methods, against the playground (a real API server,
// workloads, NEG readiness gates, Compute API emulation): plan → apply → verify → rollback of the
// sidecar on `web`, pin refused on `api` (numeric targetPort), and a pending operation surfaced after
// the applying process was killed mid-apply.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { SwitchboardEvent } from "../contract/api.ts";
import { validateCall } from "../contract/validate.ts";
import { clientNodeObjects } from "../strategies/kube.ts";
import { planStrategy } from "../strategies/plan.ts";
import { CONTROLLER_ANNOTATIONS } from "../strategies/restore.ts";
import type { KubeObject, ObjectKey } from "../strategies/types.ts";
import { createCore, type Core } from "./core.ts";
import { readPlanSnapshot } from "./strategies.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const index = join(root, "playground", "index.ts");
const NODE = process.execPath;

interface Pg {
  kubeconfigPath: string;
  context: string;
  computeApi: string;
  computeToken: string;
  project: string;
  stop(): Promise<void>;
}

/** What rollback must restore: spec, labels, annotations (not the controllers' bookkeeping). */
const user = (o: KubeObject | null) => {
  if (!o) return null;
  const annotations = o.metadata.annotations ? { ...o.metadata.annotations } : undefined;
  if (annotations) for (const a of CONTROLLER_ANNOTATIONS) delete annotations[a];
  return { spec: (o as { spec?: unknown }).spec, labels: o.metadata.labels, annotations };
};

describe("health strategies through the core (playground)", () => {
  let pg: Pg;
  let kc: KubeConfig;
  const dirs: string[] = [];
  const cores: Core[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), "sb-core-strategies-"));
    dirs.push(d);
    return d;
  };
  /** A demo service's Service, Deployment and BackendConfig (each named like the service, playground/scenarios/demo/). */
  const keys = (service: string): ObjectKey[] => [
    { kind: "Service", apiVersion: "v1", namespace: "demo", name: service },
    { kind: "Deployment", apiVersion: "apps/v1", namespace: "demo", name: service },
    { kind: "BackendConfig", apiVersion: "cloud.google.com/v1", namespace: "demo", name: service },
  ];
  async function stateOf(list: ObjectKey[]) {
    const objects = clientNodeObjects(kc);
    return Promise.all(list.map(async (k) => user(await objects.get(k))));
  }

  function start(dataDir: string, tuning: { verifyTimeoutMs?: number } = {}) {
    const events: SwitchboardEvent[] = [];
    const core = createCore({
      host: "test",
      kubeconfigPaths: [pg.kubeconfigPath],
      startContext: pg.context,
      contextCompute: { [pg.context]: { apiUrl: pg.computeApi, token: pg.computeToken, project: pg.project } },
      dataDir,
      watch: false,
      telepresencePollMs: 0,
      strategyTuning: { pollMs: 30, rolloutTimeoutMs: 30_000, verifyTimeoutMs: tuning.verifyTimeoutMs ?? 60_000, healthIntervalMs: 200 },
      log: () => undefined,
    });
    cores.push(core);
    core.subscribe((batch) => events.push(...batch));
    /** Calls a method the way a host does: the contract's schema first. */
    const call = async <T,>(method: string, input: unknown): Promise<T> => {
      const checked = validateCall(method, input);
      return (core as unknown as Record<string, (i: unknown) => Promise<T>>)[checked.method]!(checked.input);
    };
    return { core, events, call };
  }

  beforeAll(async () => {
    const mod = (await import(index)) as { startPlayground(o: { speed?: number }): Promise<Pg> };
    pg = await mod.startPlayground({ speed: 20 });
    kc = new KubeConfig();
    kc.loadFromFile(pg.kubeconfigPath);
  }, 90_000);

  afterEach(async () => {
    await Promise.all(cores.splice(0).map((c) => c.close()));
  });

  afterAll(async () => {
    await pg?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("plans, applies, verifies and rolls back the sidecar on web, exactly", async () => {
    const { events, call } = start(tmp());
    // Every object the plan changes is among these (checked below), and all exist, so the exact
    // comparison after rollback means something.
    const watched = keys("web");
    const before = await stateOf(watched);
    expect(before.every((o) => o !== null)).toBe(true);

    const planned = await call<{ ok: boolean; plan: { planId: string; changes: { object: ObjectKey; yamlDiff: string; kubectl: string }[]; warnings: unknown[] } }>("strategies.plan", { namespace: "demo", service: "web", strategy: "sidecar" });
    expect(planned.ok).toBe(true);
    const plan = planned.plan;
    expect(plan.changes.map((c) => c.object.kind)).toContain("Deployment");
    const dep = plan.changes.find((c) => c.object.kind === "Deployment")!;
    expect(dep.yamlDiff).toMatch(/^\+\s+- name: health-sidecar/m);
    expect(dep.kubectl).toContain("kubectl");
    for (const c of plan.changes) expect(watched).toContainEqual(c.object);
    // Planning changed nothing.
    expect(await stateOf(watched)).toEqual(before);

    const applied = await call<{ operation: { id: string; state: string }; verification: { healthy: boolean; signal: string; message: string } }>("strategies.apply", { planId: plan.planId });
    expect(applied.operation.state).toBe("applied");
    expect(applied.verification.healthy).toBe(true);
    expect(applied.verification.signal).toBe("compute-api");
    // The same plan cannot be applied twice.
    await expect(call("strategies.apply", { planId: plan.planId })).rejects.toMatchObject({ code: "not-found" });

    await new Promise((r) => setTimeout(r, 100)); // the last event batch (coalescing window)
    const progress = events.filter((e): e is Extract<SwitchboardEvent, { type: "strategy-progress" }> => e.type === "strategy-progress").map((e) => e.progress);
    expect(progress.some((p) => p.phase === "apply" && p.message === "patched Deployment web")).toBe(true);
    expect(progress.some((p) => p.step === "rollout")).toBe(true);
    expect(progress.some((p) => p.step === "endpoint" && /HEALTHY/.test(p.message))).toBe(true);
    expect(progress.at(-1)).toMatchObject({ phase: "verify", step: "verified" });

    // The changes are in the cluster: the health check points at the sidecar's port.
    const objects = clientNodeObjects(kc);
    const changedDep = (await objects.get(keys("web")[1]!)) as unknown as { spec: { template: { spec: { containers: { name: string }[] } } } };
    expect(changedDep.spec.template.spec.containers.map((c) => c.name)).toContain("health-sidecar");
    const changed = await stateOf(watched);
    expect((changed[2] as { spec: { healthCheck: { port?: number } } }).spec.healthCheck.port).toBe(8081);
    expect(changed[2]).not.toEqual(before[2]);

    const list = await call<{ operations: { id: string; state: string; canRollback: boolean }[] }>("strategies.list", { service: "web" });
    expect(list.operations[0]).toMatchObject({ id: applied.operation.id, state: "applied", canRollback: true });
    expect(events.some((e) => e.type === "strategies" && e.strategies.operations.some((o) => o.id === applied.operation.id && o.state === "applied"))).toBe(true);

    const rolled = await call<{ state: string }>("strategies.rollback", { operationId: applied.operation.id });
    expect(rolled.state).toBe("rolled-back");
    expect(await stateOf(watched)).toEqual(before);
    expect(events.some((e) => e.type === "strategy-progress" && e.progress.phase === "rollback" && e.progress.message === "rolled back")).toBe(true);
  }, 120_000);

  it("the dedicated-port plan says whether the app answers on that port, probed through the API server's pod proxy", async () => {
    const { call } = start(tmp());
    type Planned = { ok: boolean; plan: { warnings: { id: string; severity: string; message: string }[] } };
    // web's app serves nothing on 8081.
    const web = await call<Planned>("strategies.plan", { namespace: "demo", service: "web", strategy: "dedicated-port", dedicatedPort: { port: 8081 } });
    const fails = web.plan.warnings.find((w) => w.id === "dedicated-port-fails");
    expect(fails?.severity).toBe("danger");
    expect(fails?.message).toContain("nothing answers on 8081");
    expect(web.plan.warnings.map((w) => w.id)).not.toContain("dedicated-port-unverified");
    // search's app serves /healthz on 8090 (env HEALTH_PORT).
    const search = await call<Planned>("strategies.plan", { namespace: "demo", service: "search", strategy: "dedicated-port", dedicatedPort: { port: 8090 } });
    expect(search.plan.warnings.find((w) => w.id === "dedicated-port-verified")?.message).toContain("answer 200 on port 8090");
  }, 60_000);

  it("an applied check nothing answers is NOT verified: timed out, with why, as the last progress step; rollback restores it exactly", async () => {
    const { events, call } = start(tmp(), { verifyTimeoutMs: 4000 });
    const watched = keys("web");
    const before = await stateOf(watched);
    const planned = await call<{ plan: { planId: string } }>("strategies.plan", { namespace: "demo", service: "web", strategy: "dedicated-port", dedicatedPort: { port: 8081 } });
    const applied = await call<{ operation: { id: string; state: string }; verification: { healthy: boolean; timedOut: boolean; signal: string; message: string; pods: { endpoints: { healthState: string | null }[] }[] } }>("strategies.apply", { planId: planned.plan.planId });
    // The change itself landed; only the verdict is negative.
    expect(applied.operation.state).toBe("applied");
    expect(applied.verification).toMatchObject({ healthy: false, timedOut: true, signal: "compute-api" });
    expect(applied.verification.message).toMatch(/^Not healthy after 4 s: web-\S+ \(.*nothing answers on 8081/);
    await new Promise((r) => setTimeout(r, 100)); // the last event batch
    const progress = events.filter((e): e is Extract<SwitchboardEvent, { type: "strategy-progress" }> => e.type === "strategy-progress").map((e) => e.progress);
    expect(progress.at(-1)).toMatchObject({ phase: "verify", step: "failed", message: applied.verification.message });
    expect(progress.some((p) => p.step === "verified")).toBe(false);
    await call("strategies.rollback", { operationId: applied.operation.id });
    expect(await stateOf(watched)).toEqual(before);
  }, 90_000);

  it("refuses pin-serving-port for api (numeric targetPort) with the reason, and validates input", async () => {
    const { call } = start(tmp());
    const r = await call<{ ok: boolean; refusal: { reason: string; references: string[] } }>("strategies.plan", { namespace: "demo", service: "api", strategy: "pin-serving-port" });
    expect(r.ok).toBe(false);
    expect(r.refusal.reason).toMatch(/numeric/i);
    expect(r.refusal.references.length).toBeGreaterThan(0);
    await expect(call("strategies.plan", { namespace: "demo", service: "web", strategy: "dedicated-port" })).rejects.toMatchObject({ code: "invalid-request" });
    await expect(call("strategies.apply", { planId: "../../etc" })).rejects.toMatchObject({ code: "invalid-request" });
    await expect(call("strategies.rollback", { operationId: "20260101-000000-deadbeef" })).rejects.toMatchObject({ code: "not-found" });
  }, 60_000);

  it("surfaces an operation whose process died mid-apply as pending, and rolls it back", async () => {
    const dataDir = tmp();
    const journalDir = join(dataDir, "operations");
    const r = planStrategy(await readPlanSnapshot(kc, pg.context, "demo", {}), { strategy: "sidecar", namespace: "demo", service: "web" }, { context: pg.context });
    if (!r.ok) throw new Error(r.refusal.reason);
    const planFile = join(dataDir, "plan.json");
    writeFileSync(planFile, JSON.stringify(r.plan));
    const before = await stateOf(keys("web"));
    expect(before.every((o) => o !== null)).toBe(true);
    for (const c of r.plan.changes) expect(keys("web")).toContainEqual(c.object);
    // A process that stops dead after the first step landed (app/strategies/crash-child.ts), then is killed.
    const child = spawn(NODE, [join(root, "app/strategies/crash-child.ts"), pg.kubeconfigPath, journalDir, planFile], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("STEP 0")) resolve();
      });
      child.on("exit", (code) => reject(new Error(`child exited (${code}) before the first step: ${out}`)));
    });
    const exited = new Promise((resolve) => child.on("exit", (_c, sig) => resolve(sig)));
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");

    // The next start: the core says so as soon as it is connected.
    const { events, call } = start(dataDir);
    await expect.poll(() => events.some((e) => e.type === "strategies" && e.strategies.operations.some((o) => o.pending)), { timeout: 20_000 }).toBe(true);
    const list = await call<{ operations: { id: string; state: string; pending: boolean; canResume: boolean; canRollback: boolean }[] }>("strategies.list", {});
    expect(list.operations).toHaveLength(1);
    expect(list.operations[0]).toMatchObject({ state: "applying", pending: true, canResume: true, canRollback: true });
    const rolled = await call<{ state: string }>("strategies.rollback", { operationId: list.operations[0]!.id });
    expect(rolled.state).toBe("rolled-back");
    expect(await stateOf(keys("web"))).toEqual(before);
    const after = await call<{ operations: { pending: boolean }[] }>("strategies.list", {});
    expect(after.operations.every((o) => !o.pending)).toBe(true);
  }, 90_000);
});
