// `switchboard strategy` spawned for real (bin/switchboard.mjs) against the playground: plan --json,
// apply refused without a TTY and without --yes, apply --yes (verified through the Compute API
// emulation), rollback of the latest operation of the service, the cluster exactly as before.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientNodeObjects } from "../strategies/kube.ts";
import { CONTROLLER_ANNOTATIONS } from "../strategies/restore.ts";
import type { KubeObject, ObjectKey } from "../strategies/types.ts";
import { planInputOf } from "./strategy.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const index = join(root, "playground", "index.ts");

interface Pg {
  kubeconfigPath: string;
  computeApi: string;
  computeToken: string;
  project: string;
  stop(): Promise<void>;
}

const user = (o: KubeObject | null) => {
  if (!o) return null;
  const annotations = o.metadata.annotations ? { ...o.metadata.annotations } : undefined;
  if (annotations) for (const a of CONTROLLER_ANNOTATIONS) delete annotations[a];
  return { spec: (o as { spec?: unknown }).spec, labels: o.metadata.labels, annotations };
};

describe("strategy flags", () => {
  const values = (v: Record<string, unknown>) => ({ json: false, sidecar: false, "pin-serving-port": false, yes: false, force: false, help: false, ...v }) as Parameters<typeof planInputOf>[1];
  it("turn into the contract's plan input, one strategy at a time", () => {
    expect(planInputOf("web", values({ namespace: "demo", sidecar: true }))).toEqual({ namespace: "demo", service: "web", strategy: "sidecar" });
    expect(planInputOf("web", values({ namespace: "demo", "dedicated-port": "8081", "health-path": "/hz" }))).toEqual({ namespace: "demo", service: "web", strategy: "dedicated-port", dedicatedPort: { port: 8081, path: "/hz" } });
    expect(() => planInputOf("web", values({ namespace: "demo", sidecar: true, "pin-serving-port": true }))).toThrow(/exactly one/);
    expect(() => planInputOf("web", values({ sidecar: true }))).toThrow(/-n NAMESPACE/);
    expect(() => planInputOf("web", values({ namespace: "demo", "dedicated-port": "http" }))).toThrow(/port number/);
  });

  it("--sidecar-port sets the sidecar's port; anything but 1-65535, or without --sidecar, is refused", () => {
    expect(planInputOf("web", values({ namespace: "demo", sidecar: true, "sidecar-port": "8085", "sidecar-image": "example/health:1" }))).toEqual({ namespace: "demo", service: "web", strategy: "sidecar", sidecar: { image: "example/health:1", port: 8085 } });
    for (const bad of ["0", "65536", "http", "80.5", "-1", ""]) {
      expect(() => planInputOf("web", values({ namespace: "demo", sidecar: true, "sidecar-port": bad })), bad).toThrow(`--sidecar-port must be a port number (1-65535), not "${bad}"`);
    }
    expect(() => planInputOf("web", values({ namespace: "demo", "dedicated-port": "8081", "sidecar-port": "8085" }))).toThrow("--sidecar-port applies to --sidecar only");
  });
});

describe("switchboard strategy (spawned, playground)", () => {
  let pg: Pg;
  let config: string;
  const run = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [join(root, "bin", "switchboard.mjs"), "strategy", ...args, "--kubeconfig", pg.kubeconfigPath, "--compute-api", pg.computeApi, "--compute-token", pg.computeToken, "--project", pg.project],
        { cwd: root, env: { ...process.env, XDG_CONFIG_HOME: config, KUBECONFIG: "" }, timeout: 60_000 },
        (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  beforeAll(async () => {
    const mod = (await import(index)) as { startPlayground(o: { speed?: number }): Promise<Pg> };
    pg = await mod.startPlayground({ speed: 20 });
    config = mkdtempSync(join(tmpdir(), "sb-cli-strategy-"));
  }, 90_000);

  afterAll(async () => {
    await pg?.stop();
    if (config) rmSync(config, { recursive: true, force: true });
  });

  /** What a strategy on web changes, as the user sees it (spec, labels, annotations), read live. */
  const webObjects = () => {
    const kc = new KubeConfig();
    kc.loadFromFile(pg.kubeconfigPath);
    const objects = clientNodeObjects(kc);
    const keys: ObjectKey[] = [
      { kind: "Service", apiVersion: "v1", namespace: "demo", name: "web" },
      { kind: "Deployment", apiVersion: "apps/v1", namespace: "demo", name: "web" },
      // web's BackendConfig is `web` (playground/scenarios/demo/web.yaml).
      { kind: "BackendConfig", apiVersion: "cloud.google.com/v1", namespace: "demo", name: "web" },
    ];
    return { keys, state: () => Promise.all(keys.map(async (k) => user(await objects.get(k)))) };
  };

  it("plans, refuses to apply unasked without a TTY, applies with --yes, rolls back the latest", async () => {
    const { keys, state } = webObjects();
    const before = await state();
    expect(before.every((o) => o !== null)).toBe(true);

    const plan = await run("plan", "web", "-n", "demo", "--sidecar", "--json");
    expect(plan.code, plan.stderr).toBe(0);
    const planned = JSON.parse(plan.stdout) as { ok: boolean; plan: { changes: { object: ObjectKey; yamlDiff: string }[]; kubectlScript: string } };
    expect(planned.ok).toBe(true);
    // Every object the plan changes is compared below.
    for (const c of planned.plan.changes) expect(keys).toContainEqual(c.object);
    expect(planned.plan.changes.map((c) => c.object.kind)).toContain("Deployment");
    expect(planned.plan.kubectlScript).toContain("kubectl");

    const unasked = await run("apply", "web", "-n", "demo", "--sidecar");
    expect(unasked.code).toBe(1);
    expect(unasked.stderr).toMatch(/Refusing to apply without a confirmation/);
    expect(await state()).toEqual(before);

    const pin = await run("plan", "api", "-n", "demo", "--pin-serving-port");
    expect(pin.code).toBe(1);
    expect(pin.stderr).toMatch(/numeric/i);

    const apply = await run("apply", "web", "-n", "demo", "--sidecar", "--yes", "--json");
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    const applied = JSON.parse(apply.stdout) as { operation: { id: string; state: string }; verification: { healthy: boolean; signal: string } };
    expect(applied.operation.state).toBe("applied");
    expect(applied.verification).toMatchObject({ healthy: true, signal: "compute-api" });
    const after = await state();
    expect(after[1]).not.toEqual(before[1]);
    expect((after[2] as { spec: { healthCheck: { port?: number } } }).spec.healthCheck.port).toBe(8081);

    const list = await run("list", "web", "-n", "demo");
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(applied.operation.id);

    const rollback = await run("rollback", "web", "-n", "demo");
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(rollback.stdout).toContain(`Rolled back ${applied.operation.id}`);
    expect(await state()).toEqual(before);
  }, 120_000);

  it("plan --sidecar --sidecar-port puts the sidecar and the check on that port; a bad port is a usage error", async () => {
    const r = await run("plan", "web", "-n", "demo", "--sidecar", "--sidecar-port", "8085", "--json");
    expect(r.code, r.stderr).toBe(0);
    const planned = JSON.parse(r.stdout) as { plan: { target: { port: number; container: string }; changes: { object: { kind: string }; yamlDiff: string }[] } };
    expect(planned.plan.target).toMatchObject({ container: "health-sidecar", port: 8085 });
    expect(planned.plan.changes.find((c) => c.object.kind === "Deployment")?.yamlDiff).toMatch(/^\+\s+- -listen=:8085\n[\s\S]*^\+\s+containerPort: 8085$/m);
    expect(planned.plan.changes.find((c) => c.object.kind === "BackendConfig")?.yamlDiff).toMatch(/^\+\s+port: 8085$/m);
    const bad = await run("plan", "web", "-n", "demo", "--sidecar", "--sidecar-port", "99999");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('switchboard: --sidecar-port must be a port number (1-65535), not "99999"');
    const help = await run("--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^ {4}--sidecar-port PORT {5}the port it listens on/m);
  }, 60_000);

  it("apply of a check nothing answers exits 1 with NOT verified, saying why; the undo it prints works", async () => {
    const { state } = webObjects();
    const before = await state();
    // web's app does not serve health on 8081: the plan warns, --yes applies anyway.
    const apply = await run("apply", "web", "-n", "demo", "--dedicated-port", "8081", "--yes", "--timeout", "10s");
    expect(apply.code, apply.stdout + apply.stderr).toBe(1);
    expect(apply.stdout).toMatch(/^DANGER: The app does NOT answer 200 on \/healthz at port 8081 /m);
    const verdict = /^Applied as operation (\S+)\. NOT verified: Not healthy after 10 s: (.*)$/m.exec(apply.stdout);
    expect(verdict, apply.stdout).not.toBeNull();
    expect(verdict![2]).toMatch(/^web-\S+ \(.*nothing answers on 8081/);
    expect(apply.stderr).toMatch(/^ {2}✗ Not healthy after 10 s/m);
    expect(apply.stdout).toContain(`undo it: switchboard strategy rollback web -n demo --operation ${verdict![1]}`);
    const undo = await run("rollback", "web", "-n", "demo", "--operation", verdict![1]!);
    expect(undo.code, undo.stderr).toBe(0);
    expect(await state()).toEqual(before);
    const badTimeout = await run("apply", "web", "-n", "demo", "--sidecar", "--yes", "--timeout", "soon");
    expect(badTimeout.code).toBe(2);
    expect(badTimeout.stderr).toContain('--timeout must be a duration such as 90s or 5m, not "soon"');
  }, 90_000);

  it("plan --dedicated-port says whether the app answers there (probed through the API server's pod proxy)", async () => {
    const web = await run("plan", "web", "-n", "demo", "--dedicated-port", "8081");
    expect(web.code, web.stderr).toBe(0);
    expect(web.stdout).toMatch(/^DANGER: The app does NOT answer 200 on \/healthz at port 8081 .*nothing answers on 8081/m);
    const search = await run("plan", "search", "-n", "demo", "--dedicated-port", "8090");
    expect(search.stdout).toMatch(/^note: Checked through the Kubernetes API server's pod proxy: all 2 pods answer 200 on port 8090 at \/healthz\./m);
  }, 60_000);
});
