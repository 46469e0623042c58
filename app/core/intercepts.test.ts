// Click-to-intercept through the core's module, against the playground (real API server, real
// traffic-manager simulation, the real `telepresence` program playground/bin/telepresence, real HTTP).
import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServiceDetail, SwitchboardEvent } from "../contract/api.ts";
import type { InterceptProgress, TelepresenceStatusView } from "../contract/intercepts.ts";
import { contextFor, diagnoseService } from "../diagnosis/diagnose.ts";
import { buildServiceView } from "../gke/model.ts";
import { snapshotFromItems, type Service, type TelepresenceFacts } from "../gke/snapshot.ts";
import { createIntercepts, type Intercepts } from "./intercepts.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const BIN = join(root, "playground", "bin", "telepresence");

interface Pg {
  kubeconfigPath: string;
  context: string;
  loadBalancers: Record<string, string>;
  stop(): Promise<void>;
}
type StartPlayground = (options: { speed?: number; telepresence?: { install?: boolean } }) => Promise<Pg>;

let pg: Pg;
let bare: Pg; // no traffic-manager installed
const dirs: string[] = [];
const instances: Array<{ i: Intercepts; env: Record<string, string> }> = [];

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

function kubectl(args: string[], input?: string, kubeconfig = pg.kubeconfigPath): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile("kubectl", ["--kubeconfig", kubeconfig, ...args], { timeout: 20_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
      err ? reject(new Error(`kubectl ${args.join(" ")}: ${stderr || err.message}`)) : resolve(stdout),
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** The core's model of a Service, from a real kubectl read of the namespace (what services.get answers). */
function detailFrom(getFacts: () => TelepresenceFacts | undefined, kubeconfig: () => string) {
  return async (namespace: string, name: string): Promise<ServiceDetail | null> => {
    const list = JSON.parse(await kubectl(["get", "services,pods,deployments,replicasets,ingresses,backendconfigs", "-n", namespace, "-o", "json"], undefined, kubeconfig())) as { items: unknown[] };
    const facts = getFacts();
    const snapshot = snapshotFromItems(list.items, facts ? { telepresence: facts } : {});
    const svc = snapshot.namespaces[namespace]?.services.find((s: Service) => s.metadata?.name === name);
    if (!svc) return null;
    const view = buildServiceView(snapshot, namespace, svc);
    const findings = diagnoseService(view, contextFor(snapshot, namespace));
    return { view, findings } as unknown as ServiceDetail;
  };
}

function make(options: { program?: string; cluster?: Pg; detail?: boolean; env?: Record<string, string> } = {}) {
  const cluster = options.cluster ?? pg;
  const events: SwitchboardEvent[] = [];
  const env = {
    ...(process.env as Record<string, string>),
    PLAYGROUND_TELEPRESENCE_STATE_DIR: tempDir("sb-tp-state-"),
    PLAYGROUND_TELEPRESENCE_AGENT_TIMEOUT_MS: "20000",
    ...options.env,
  };
  let facts: () => TelepresenceFacts | undefined = () => undefined;
  const i = createIntercepts({
    env,
    telepresencePath: options.program ?? BIN,
    session: () => ({ context: cluster.context, namespace: "demo" }),
    kubeconfigFiles: [cluster.kubeconfigPath],
    serviceDetail: options.detail === false ? undefined : detailFrom(() => facts(), () => cluster.kubeconfigPath),
    emit: (e) => events.push(e),
    pollMs: 0,
    log: () => undefined,
  });
  facts = () => i.telepresenceFacts();
  instances.push({ i, env });
  const progress = () => events.filter((e): e is { type: "intercept-progress"; progress: InterceptProgress } => e.type === "intercept-progress").map((e) => e.progress);
  const states = () => events.filter((e): e is { type: "intercepts"; telepresence: TelepresenceStatusView } => e.type === "intercepts").map((e) => e.telepresence);
  return { i, events, progress, states, env };
}

async function localServer(): Promise<{ server: Server; port: number; hits: Array<Record<string, unknown>> }> {
  const hits: Array<Record<string, unknown>> = [];
  const server = createServer((req, res) => {
    hits.push(req.headers);
    res.end("hello from the laptop\n");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, port: (server.address() as { port: number }).port, hits };
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function fakeProgram(script: string): string {
  const file = join(tempDir("sb-fake-tp-"), "telepresence");
  writeFileSync(file, `#!/bin/sh\n${script}\n`);
  chmodSync(file, 0o755);
  return file;
}

beforeAll(async () => {
  const { startPlayground } = (await import(join(root, "playground", "index.ts"))) as { startPlayground: StartPlayground };
  [pg, bare] = await Promise.all([startPlayground({ speed: 20 }), startPlayground({ speed: 20, telepresence: { install: false } })]);
}, 90_000);

afterAll(async () => {
  for (const { i, env } of instances) {
    await i.close();
    await new Promise((r) => execFile(BIN, ["quit", "-s"], { env, timeout: 15_000 }, r));
  }
  await Promise.all([pg?.stop(), bare?.stop()]);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe("the program", () => {
  it("missing: the status says so with the install hint, and start refuses", async () => {
    const { i } = make({ program: join(tmpdir(), "no-such-dir", "telepresence") });
    const status = await i.methods["telepresence.status"]({ refresh: true });
    expect(status).toMatchObject({ phase: "missing", program: { found: false, error: { code: "telepresence-missing" } } });
    expect(status.program.error?.hint).toBeTruthy();
    await expect(i.methods["intercepts.start"]({ namespace: "demo", service: "web", localPort: 1234 })).rejects.toMatchObject({ code: "telepresence-missing" });
  });

  it("too old: a fake 2.19 is refused with the minimum version", async () => {
    const { i } = make({ program: fakeProgram('echo "OSS Client : v2.19.0"') });
    const status = await i.methods["telepresence.status"]({ refresh: true });
    expect(status).toMatchObject({ phase: "too-old", program: { error: { code: "telepresence-too-old" } } });
  });

  it("garbage output: a wrapper printing nonsense is reported as unreadable", async () => {
    const { i } = make({ program: fakeProgram('echo "welcome to my shell wrapper"') });
    const status = await i.methods["telepresence.status"]({ refresh: true });
    expect(status.phase).toBe("error");
    expect(status.program.error).toMatchObject({ code: "telepresence-error", details: { reason: "garbage-output" } });
  });
});

describe("no traffic-manager in the cluster", () => {
  it("connect fails with the install hint, and the model learns the manager is missing", async () => {
    const { i } = make({ cluster: bare });
    const error = await i.methods["telepresence.connect"]({}).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "not-installed", details: { reason: "traffic-manager-missing" } });
    expect((error as { hint: string }).hint).toMatch(/telepresence helm install/);
    expect(i.telepresenceFacts()).toMatchObject({ trafficManager: { present: false } });
  });
});

describe("the root daemon cannot start (no terminal for sudo)", () => {
  it("connect fails with the ways out and a docker retry; connect --docker works", async () => {
    const { i } = make({ env: { PLAYGROUND_TELEPRESENCE_NO_ROOT_DAEMON: "1" } });
    const error = await i.methods["telepresence.connect"]({}).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "telepresence-error", details: { reason: "root-daemon", retry: { docker: true } } });
    expect((error as { hint: string }).hint).toMatch(/telepresence connect --docker/);
    const status = await i.methods["telepresence.connect"]({ docker: true });
    expect(status).toMatchObject({ phase: "connected", connection: { context: "playground" } });
    await i.methods["telepresence.quit"]({});
  });

  it("or a terminal the app opens runs `telepresence connect` for the password, and the core sees the connection", async () => {
    // The stand-in terminal "types the password": in it, the root daemon can start.
    const dir = tempDir("sb-terminal-");
    const terminal = join(dir, "terminal");
    const ran = join(dir, "ran");
    writeFileSync(terminal, `#!/bin/sh\nprintf '%s\\n' "$3" > "${ran}"\nunset PLAYGROUND_TELEPRESENCE_NO_ROOT_DAEMON\nexec "$@" < /dev/null > /dev/null 2>&1\n`);
    chmodSync(terminal, 0o755);
    const { i, states } = make({ env: { PLAYGROUND_TELEPRESENCE_NO_ROOT_DAEMON: "1", SWITCHBOARD_TERMINAL: terminal } });
    expect(await i.methods["telepresence.connect"]({}).catch((e: unknown) => e)).toMatchObject({ details: { reason: "root-daemon" } });
    const opened = await i.methods["telepresence.connectInTerminal"]({});
    expect(opened).toMatchObject({ terminal: "terminal", command: expect.stringMatching(/ connect --context playground -n demo$/) });
    // No further call from the UI: the core looks until Telepresence is connected.
    await until("the core sees the terminal's connection", async () => states().at(-1)?.phase === "connected", 30_000);
    expect(readFileSync(ran, "utf8")).toMatch(/ connect --context playground -n demo; echo; /);
    expect(states().at(-1)).toMatchObject({ connection: { context: "playground", inDocker: false } });
    await i.methods["telepresence.quit"]({});
  });
});

describe("intercepting web", () => {
  let local: Awaited<ReturnType<typeof localServer>>;
  let me: ReturnType<typeof make>;

  beforeAll(async () => {
    local = await localServer();
    me = make();
  });
  afterAll(async () => {
    local.server.closeAllConnections();
    await new Promise((r) => local.server.close(r));
  });

  it("before connecting: status only, not connected; the preview offers the header filter first, with the reason", async () => {
    const status = await me.i.methods["telepresence.status"]({ refresh: true });
    expect(["not-running", "disconnected"]).toContain(status.phase);
    expect(status.program).toMatchObject({ found: true, version: "2.27.1", capabilities: { httpFilter: true } });
    const preview = await me.i.methods["intercepts.preview"]({ namespace: "demo", service: "web", servicePort: "http", localPort: local.port, kind: "global" });
    expect(preview.command).toBe(`telepresence intercept web --port ${local.port}:http --service web --mount false`.replace("telepresence", preview.command!.split(" ")[0]!));
    expect(preview.connectCommand).toMatch(/connect --context playground -n demo$/);
    expect(preview.localListener).toMatchObject({ listening: true, warning: null });
    expect(preview.health).toMatchObject({ known: true, healthCheckHitsPort: true, filteredSafe: true, offerFirst: "http-filtered" });
    expect(preview.health.reason).toMatch(/health checks to your laptop/);
    expect(preview.health.strategies[0]?.fix.strategy).toBe("sidecar");
    const filtered = await me.i.methods["intercepts.preview"]({ namespace: "demo", service: "web", servicePort: "http", localPort: 1, kind: "http-filtered", header: { name: "x-dev", value: "me" } });
    expect(filtered.command).toMatch(/--http-header x-dev=me$/);
    expect(filtered.health.healthCheckHitsPort).toBe(false);
    expect(filtered.localListener.listening).toBe(false);
    expect(filtered.localListener.warning).toMatch(/Nothing is listening/);
  });

  it("start connects explicitly first, injects the agent, and reports each step; the service is marked intercepted", async () => {
    const result = await me.i.methods["intercepts.start"]({ namespace: "demo", service: "web", servicePort: "http", localPort: local.port });
    expect(result.intercept).toMatchObject({ name: "web", mine: true, localPort: local.port, services: ["demo/web"] });
    const steps = me.progress().map((p) => `${p.step}:${p.status}`);
    expect(steps.indexOf("connecting:started")).toBeGreaterThanOrEqual(0);
    expect(steps.indexOf("connecting:started")).toBeLessThan(steps.indexOf("active:done"));
    expect(steps).toContain("installing-agent:started");
    // The rollout as the model sees it: every web pod ready with the traffic-agent before "active".
    const rolled = me.progress().filter((p) => p.step === "waiting-rollout");
    expect(rolled.at(-1)).toMatchObject({ status: "done", text: expect.stringMatching(/^Rolling out web: (\d) of \1 pods ready with the traffic-agent$/) });
    expect(steps.lastIndexOf("waiting-rollout:done")).toBeLessThan(steps.indexOf("active:done"));
    const last = me.states().at(-1)!;
    expect(last.phase).toBe("connected");
    expect(last.intercepts).toEqual([expect.objectContaining({ name: "web", mine: true })]);
    const facts = me.i.telepresenceFacts();
    expect(facts?.trafficManager.present).toBe(true);
    expect(facts?.intercepts).toEqual([expect.objectContaining({ name: "web", workload: "web", namespace: "demo", global: true })]);
    // The model, fed these facts, marks web's pods as intercepted.
    const detail = await detailFrom(() => facts, () => pg.kubeconfigPath)("demo", "web");
    expect(detail?.view.pods.some((p) => p.intercepts.some((x) => x.name === "web" && x.active))).toBe(true);
  });

  it("a restarted app rediscovers the intercept", async () => {
    const again = createIntercepts({
      env: me.env,
      telepresencePath: BIN,
      session: () => ({ context: pg.context, namespace: "demo" }),
      kubeconfigFiles: [pg.kubeconfigPath],
      emit: () => undefined,
      pollMs: 0,
    });
    try {
      const status = await until("rediscovered", async () => {
        const s = await again.methods["telepresence.status"]({ refresh: true });
        return s.intercepts.some((i) => i.name === "web" && i.mine && i.workload === "web") ? s : undefined;
      });
      expect(status.phase).toBe("connected");
    } finally {
      await again.close();
    }
  });

  it("errors the user can meet: unknown workload, ambiguous port, a colleague's conflict", async () => {
    await expect(me.i.methods["intercepts.start"]({ namespace: "demo", service: "nope", localPort: 9 })).rejects.toMatchObject({ details: { reason: "workload-not-found" } });
    expect(me.progress().at(-1)).toMatchObject({ step: "failed", error: { details: { reason: "workload-not-found" } } });

    await kubectl(["-n", "demo", "patch", "service", "billing", "--type=json", "-p", JSON.stringify([{ op: "add", path: "/spec/ports/-", value: { name: "health", port: 8081, targetPort: "health" } }])]);
    const noModel = make({ detail: false });
    await noModel.i.methods["telepresence.connect"]({});
    await expect(noModel.i.methods["intercepts.start"]({ namespace: "demo", service: "billing", localPort: 9 })).rejects.toMatchObject({ details: { reason: "multiple-ports" } });

    // Another developer (another daemon) intercepting the same port.
    await expect(noModel.i.methods["intercepts.start"]({ namespace: "demo", service: "web", servicePort: "http", localPort: 9 })).rejects.toMatchObject({
      code: "conflict",
      details: { reason: "intercept-conflict" },
    });
    const seen = await noModel.i.methods["telepresence.status"]({ refresh: true });
    expect(seen.intercepts.filter((i) => i.mine)).toEqual([]);

    // A workload no Service targets: `list` says why it cannot be intercepted, and the preview
    // refuses every kind in those words before anything runs.
    await kubectl(["-n", "demo", "create", "deployment", "orphan", "--image=switchboard/demo-app"]);
    await noModel.i.methods["telepresence.status"]({ refresh: true }); // status + list
    const preview = await noModel.i.methods["intercepts.preview"]({ namespace: "demo", service: "web", workload: "orphan", localPort: 9 });
    for (const kind of ["global", "http-filtered", "wiretap", "replace"] as const) {
      expect(preview.kinds[kind], kind).toEqual({ available: false, reason: "Telepresence cannot intercept orphan: No matching services" });
    }
    await kubectl(["-n", "demo", "delete", "deployment", "orphan"]);
    await noModel.i.methods["telepresence.quit"]({});
  });

  it("stop leaves: the event shows no intercept and the facts are empty; a polling core sees it too", async () => {
    // Another core on the same daemon, polling status only: it notices the change by itself.
    const seen: TelepresenceStatusView[] = [];
    const observer = createIntercepts({
      env: me.env,
      telepresencePath: BIN,
      session: () => ({ context: pg.context, namespace: "demo" }),
      kubeconfigFiles: [pg.kubeconfigPath],
      emit: (e) => void (e.type === "intercepts" && seen.push(e.telepresence)),
      pollMs: 200,
    });
    await until("the observer sees web", async () => seen.at(-1)?.intercepts.some((i) => i.name === "web" && i.mine));
    const status = await me.i.methods["intercepts.stop"]({ namespace: "demo", name: "web" });
    expect(status.intercepts.filter((i) => i.mine)).toEqual([]);
    expect(me.states().at(-1)?.intercepts.filter((i) => i.mine)).toEqual([]);
    expect(me.progress().at(-1)).toMatchObject({ step: "left", status: "done" });
    expect(me.i.telepresenceFacts()?.intercepts).toEqual([]);
    await expect(me.i.methods["intercepts.stop"]({ namespace: "demo", name: "web" })).rejects.toMatchObject({ details: { reason: "intercept-not-found" } });
    await until("the observer's poll sees web gone", async () => seen.at(-1)?.intercepts.every((i) => i.name !== "web"));
    await observer.close();
  });

  it("with the health strategy applied (sidecar + BackendConfig port), the front door's requests arrive at the local server", async () => {
    await kubectl(["-n", "demo", "patch", "deployment", "web", "--type=json", "-p", JSON.stringify([
      { op: "add", path: "/spec/template/spec/containers/-", value: {
        name: "health", image: "switchboard/health-sidecar:1.0.0", env: [{ name: "PORT", value: "8081" }],
        ports: [{ name: "health", containerPort: 8081 }], readinessProbe: { httpGet: { path: "/healthz", port: "health" }, periodSeconds: 5 } } },
    ])]);
    await kubectl(["-n", "demo", "patch", "backendconfig", "web", "--type=merge", "-p", '{"spec":{"healthCheck":{"port":8081}}}']);
    await until("web rolled out with the sidecar", async () => {
      const pods = JSON.parse(await kubectl(["-n", "demo", "get", "pods", "-l", "app=web", "-o", "json"])) as { items: Array<{ metadata: { deletionTimestamp?: string }; spec: { containers: Array<{ name: string }> }; status?: { conditions?: Array<{ type: string; status: string }> } }> };
      const live = pods.items.filter((p) => !p.metadata.deletionTimestamp);
      return live.length > 0 && live.every((p) => p.spec.containers.some((c) => c.name === "health") && p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
    }, 40_000);
    const preview = await me.i.methods["intercepts.preview"]({ namespace: "demo", service: "web", servicePort: "http", localPort: local.port, kind: "global" });
    expect(preview.health).toMatchObject({ healthCheckHitsPort: false, offerFirst: "none" });

    const before = local.hits.length;
    await me.i.methods["intercepts.start"]({ namespace: "demo", service: "web", servicePort: "http", localPort: local.port });
    const body = await until("the front door reaches the laptop", async () => {
      const res = await fetch(pg.loadBalancers["demo/web"]!, { signal: AbortSignal.timeout(5_000) });
      const text = await res.text();
      return text === "hello from the laptop\n" ? text : undefined;
    });
    expect(body).toBe("hello from the laptop\n");
    expect(local.hits.length).toBeGreaterThan(before);
    const left = await me.i.methods["intercepts.leaveAll"]({});
    expect(left.intercepts.filter((i) => i.mine)).toEqual([]);
  }, 90_000);

  it("the CLI, spawned for real: a header-filtered intercept, the front door with the header reaches the laptop, leave; errors exit non-zero", async () => {
    const cli = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [join(root, "bin", "switchboard.mjs"), ...args, "--kubeconfig", pg.kubeconfigPath, "--telepresence", BIN], { env: me.env, timeout: 60_000 }, (err, stdout, stderr) =>
          resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
        );
      });
    const started = await cli(["intercept", "web", "-n", "demo", "--port", `${local.port}:http`, "--http-header", "x-dev=cli", "--json"]);
    expect(started.stderr).toBe("");
    expect(started.code).toBe(0);
    expect(JSON.parse(started.stdout)).toMatchObject({
      intercept: { name: "web", mine: true, localPort: local.port },
      command: expect.stringMatching(/--http-header x-dev=cli/),
      // The header keeps the health checks on the app: the verdict says so.
      health: { known: true, healthCheckHitsPort: false },
    });
    // Started by another process: an explicit refresh learns its filter from `list` (spec.mechanism_args).
    const seen = await me.i.methods["telepresence.status"]({ refresh: true });
    expect(seen.intercepts).toEqual([expect.objectContaining({ name: "web", mine: true, httpFilter: ["x-dev=cli"], global: false })]);
    expect(me.i.telepresenceFacts()?.intercepts).toEqual([expect.objectContaining({ name: "web", global: false, httpFilter: ["x-dev=cli"] })]);
    const hit = await until("the header's request reaches the laptop", async () => {
      const before = local.hits.length;
      const res = await fetch(pg.loadBalancers["demo/web"]!, { headers: { "x-dev": "cli" }, signal: AbortSignal.timeout(5_000) });
      return (await res.text()) === "hello from the laptop\n" && local.hits.length > before ? local.hits.at(-1) : undefined;
    });
    expect(hit?.["x-dev"]).toBe("cli");
    // Without the header: the app answers.
    expect(await (await fetch(pg.loadBalancers["demo/web"]!, { signal: AbortSignal.timeout(5_000) })).text()).toMatch(/^hello from web-/);

    const left = await cli(["leave", "web", "-n", "demo"]);
    expect(left).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Left demo\/web/) });

    // A global intercept of api's health-checked port (numeric targetPort, check inferred from the
    // readinessProbe: the agent's redirect catches it, telepresence.md §5): the CLI says so first and
    // names what avoids it, then goes ahead as asked.
    const envDir = mkdtempSync(join(tmpdir(), "sb-cli-env-"));
    const envFile = join(envDir, "api.env");
    const risky = await cli(["intercept", "api", "-n", "demo", "--port", `${local.port}:8080`, "--write-env", envFile]);
    expect(risky.code).toBe(0);
    // The pod's environment, readable by the user only (it holds the pod's secrets).
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(envFile, "utf8")).toMatch(/^[A-Z_][A-Z0-9_]*=/m);
    expect(risky.stdout).toContain(`environment: ${envFile} (mode 0600)`);
    rmSync(envDir, { recursive: true, force: true });
    expect(risky.stderr).toMatch(/^warning: A global intercept of port .*health checks to your laptop/m);
    expect(risky.stderr).toMatch(/switchboard intercept api -n demo --port \d+:8080 --http-header /);
    expect(risky.stderr).toMatch(/switchboard strategy apply api -n demo --sidecar --port 8080/);
    expect(risky.stderr).toMatch(/intercepting anyway\./);
    expect(risky.stdout).toMatch(/^Intercepting demo\/api port http: all traffic goes to localhost:\d+\./);
    expect((await cli(["leave", "api", "-n", "demo"])).code).toBe(0);
    const again = await cli(["leave", "web", "-n", "demo", "--json"]);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ error: { code: "not-found", details: { reason: "intercept-not-found" } } });
    const text = await cli(["intercept", "nope", "-n", "demo", "--port", "9"]);
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(/no interceptable workload named nope.*\[not-found\]\n {2}hint: /s);
    const both = await cli(["intercept", "web", "-n", "demo", "--port", "9", "--wiretap", "--replace"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/choose one of --http-header, --wiretap and --replace/);
    const usage = await cli(["intercept", "web", "-n", "demo", "--port", "http"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--port must be LOCAL_PORT\[:SERVICE_PORT\]/);
  }, 90_000);
});
