// The program's JSON and error texts (telepresence.md §1–3) in both key-name generations: 2.20-style
// and 2.27-style (plus 2.28's `--format`), run for real against a playground.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { freePort, startHarness, type Harness } from "./harness.ts";
import { TELEPRESENCE_BIN } from "./index.ts";

let h: Harness;
const dirs: Record<string, string> = {};
const NEW = "2.27.1";
const OLD = "2.20.2";

beforeAll(async () => {
  h = await startHarness(50, false);
  for (const v of [NEW, OLD, "2.28.0"]) dirs[v] = mkdtempSync(join(tmpdir(), `tp-${v}-`));
}, 60_000);

afterAll(async () => {
  for (const [v, dir] of Object.entries(dirs)) {
    await run(v, ["quit", "-s"]);
    rmSync(dir, { recursive: true, force: true });
  }
  await h?.stop();
});

function run(version: string, args: string[], env: Record<string, string> = {}) {
  return h.run(args, { PLAYGROUND_TELEPRESENCE_VERSION: version, PLAYGROUND_TELEPRESENCE_STATE_DIR: dirs[version]!, ...env });
}

function json(r: { stdout: string }): Record<string, unknown> {
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

const NOT_FOUND = "connector.Connect: traffic manager not found, if it is not installed, please run 'telepresence helm install'. If it is installed, try connecting with a --manager-namespace to point telepresence to the namespace it's installed in.";

describe("before anything runs", () => {
  it.each([NEW, OLD])("%s: status never starts a daemon and prints empty objects", async (v) => {
    expect(await run(v, ["status", "--output", "json"])).toEqual({ stdout: '{"user_daemon":{},"root_daemon":{},"traffic_manager":{}}\n', stderr: "", code: 0 });
  });

  it.each([NEW, OLD])("%s: connect without a traffic-manager fails with the exact text, in JSON and in text", async (v) => {
    expect(await run(v, ["connect", "--output", "json"])).toEqual({ stdout: `${JSON.stringify({ cmd: "connect", err: NOT_FOUND })}\n`, stderr: "", code: 1 });
    expect(await run(v, ["connect"])).toEqual({ stdout: "", stderr: `telepresence connect: error: ${NOT_FOUND}\n`, code: 1 });
  });

  it("connect from a GUI without cached sudo credentials fails to launch the root daemon; --docker needs none", async () => {
    const env = { PLAYGROUND_TELEPRESENCE_NO_ROOT_DAEMON: "1" };
    const r = await run(NEW, ["connect", "--output", "json"], env);
    expect(r.code).toBe(1);
    expect(json(r)).toEqual({ cmd: "connect", err: expect.stringMatching(/^failed to launch the daemon service: sudo: a terminal is required/) });
    expect(json(await run(NEW, ["connect", "--docker", "--output", "json"], env))).toEqual({ cmd: "connect", err: NOT_FOUND });
  });

  it("rejects unknown output formats and flags of newer releases", async () => {
    expect(await run(NEW, ["status", "--output", "xml"])).toEqual({ stdout: "", stderr: 'telepresence status: error: invalid output format "xml"\n', code: 1 });
    const r = await run(OLD, ["intercept", "web", "--http-header", "x=1", "--output", "json"]);
    expect(r.code).toBe(1);
    expect(json(r)).toEqual({ cmd: "intercept", err: "unknown flag: --http-header" });
  });

  it("helm install installs the traffic-manager once", async () => {
    expect(await run(NEW, ["helm", "install"])).toEqual({ stdout: "\nTraffic Manager installed successfully\n", stderr: "", code: 0 });
    const again = await run(NEW, ["helm", "install", "--output", "json"]);
    expect(again.code).toBe(1);
    expect(json(again)).toEqual({ cmd: "helm", err: `traffic-manager version "${NEW}" is already installed, use 'telepresence helm upgrade' instead` });
  });
});

describe("connected, in both generations", () => {
  const ports: Record<string, number> = {};

  it.each([NEW, OLD])("%s: connect prints nothing in JSON mode; status is a bare object", async (v) => {
    expect(await run(v, ["connect", "--output", "json"])).toEqual({ stdout: "", stderr: "", code: 0 });
    const s = json(await run(v, ["status", "--output", "json"]));
    const user = s.user_daemon as Record<string, unknown>;
    expect(user).toMatchObject({ running: true, status: "Connected", kubernetes_context: "playground", namespace: "demo", manager_namespace: "ambassador", version: `v${v}` });
    expect(s.traffic_manager).toEqual({ name: "Traffic Manager", version: `v${NEW}`, traffic_agent: `ghcr.io/telepresenceio/tel2:${NEW}` });
    expect((s.root_daemon as Record<string, unknown>).running).toBe(true);
    if (v === NEW) {
      expect(user).toMatchObject({ intercepts: [], ingests: [], replacements: [], wiretaps: [] });
    } else {
      // 2.20 omits empty values and knows no ingests/replacements/wiretaps.
      for (const k of ["intercepts", "ingests", "replacements", "wiretaps"]) expect(user).not.toHaveProperty(k);
    }
  });

  it("2.27: intercept --detailed-output prints the bare Info object with the 2.22+ keys", async () => {
    ports[NEW] = await freePort();
    const r = await run(NEW, ["intercept", "web", "--port", `${ports[NEW]}:http`, "--mount", "false", "--output", "json", "--detailed-output"]);
    expect(r.stderr).toBe("");
    const info = json(r);
    expect(Object.keys(info)).toEqual(["id", "name", "disposition", "message", "workload_kind", "target_host", "target_port", "port_id", "service_port_id",
      "container_port", "pod_ip", "environment", "filter_desc", "global", "http_filter", "metadata", "pod_ports", "container_name", "protocol", "replace", "wiretap"]);
    expect(info).toMatchObject({ name: "web", disposition: "ACTIVE", message: "", workload_kind: "Deployment", target_host: "127.0.0.1", target_port: ports[NEW],
      port_id: "http", container_port: 8080, filter_desc: "all TCP connections", global: true, http_filter: [], container_name: "demo-app", replace: false, wiretap: false });
    expect(String(info.id)).toMatch(/^[0-9a-f-]{36}:web$/);
  });

  it("conflicts on the same container port: 2.20 and 2.23+ texts", async () => {
    const old = await run(OLD, ["intercept", "web", "--port", String(await freePort()), "--mount", "false", "--output", "json"]);
    expect(old.code).toBe(1);
    expect(json(old).err).toMatch(/^Failed to establish intercept: intercept in error state AGENT_ERROR: Conflicts with the currently-served intercept "[0-9a-f-]{36}:web"$/);
    const dir = mkdtempSync(join(tmpdir(), "tp-other-"));
    try {
      const other = await h.run(["intercept", "web", "--port", String(await freePort()), "--output", "json"], { PLAYGROUND_TELEPRESENCE_STATE_DIR: dir });
      expect(json(other)).toEqual({ cmd: "intercept", err: expect.stringMatching(/^container port 8080 is already intercepted by \S+@\S+, intercept web$/) });
      await h.run(["quit", "-s"], { PLAYGROUND_TELEPRESENCE_STATE_DIR: dir });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const same = await run(NEW, ["intercept", "web", "--port", String(await freePort()), "--output", "json"]);
    expect(json(same)).toEqual({ cmd: "intercept", err: 'Intercept with name "web" already exists' });
  });

  it("2.20: intercept without --detailed-output wraps text; --detailed-output omits empty values and the 2.22 keys", async () => {
    ports[OLD] = await freePort();
    const text = await run(OLD, ["intercept", "api", "--port", String(ports[OLD]), "--mount", "false", "--output", "json"]);
    expect(text.code).toBe(0);
    const env = json(text);
    expect(Object.keys(env)).toEqual(["cmd", "stdout"]);
    expect(env.cmd).toBe("intercept");
    expect(env.stdout).toMatch(/^Using Deployment api\n {3}Intercept name {9}: api\n {3}State {18}: ACTIVE\n/);
    await run(OLD, ["leave", "api"]);
    const r = await run(OLD, ["intercept", "api", "--port", String(ports[OLD]), "--output", "json", "--detailed-output"]);
    const info = json(r);
    expect(info).not.toHaveProperty("message");
    expect(info).not.toHaveProperty("pod_ports");
    expect(info).not.toHaveProperty("container_name");
    expect(info).not.toHaveProperty("http_filter");
    expect(info).toMatchObject({ disposition: "ACTIVE", global: true, container_port: 8080, mount: { error: "remote volume mounts are disabled: sshfs is not installed on your local machine" } });
  });

  it("2.27 intercept without --detailed-output prints nothing; --env-file and --env-json get the container's environment", async () => {
    const envFile = join(dirs[NEW]!, "search.env");
    const envJson = join(dirs[NEW]!, "search.json");
    const r = await run(NEW, ["intercept", "search", "--port", String(await freePort()), "--mount", "false", "--output", "json", "--env-file", envFile, "--env-json", envJson]);
    expect(r).toEqual({ stdout: "", stderr: "", code: 0 });
    expect(readFileSync(envFile, "utf8")).toMatch(/^HEALTH_PORT=8090\nTELEPRESENCE_CONTAINER=demo-app\n/);
    expect(JSON.parse(readFileSync(envJson, "utf8"))).toMatchObject({ HEALTH_PORT: "8090", TELEPRESENCE_CONTAINER: "demo-app", TELEPRESENCE_INTERCEPT_ID: expect.stringMatching(/:search$/) });
  });

  it("list: intercept_info (2.22.4+) vs intercept_infos (2.20), disposition as a number", async () => {
    const now = json(await run(NEW, ["list", "-i", "--output", "json"]));
    expect(now.cmd).toBe("list");
    const items = now.stdout as Array<Record<string, unknown>>;
    expect(items.map((w) => w.name)).toEqual(["api", "search", "web"]);
    const web = items.find((w) => w.name === "web")!;
    expect(Object.keys(web)).toEqual(["name", "namespace", "workload_resource_type", "uid", "agent_version", "not_interceptable_reason", "intercept_info", "ingest_info"]);
    expect(web).toMatchObject({ namespace: "demo", workload_resource_type: "Deployment", agent_version: NEW });
    const ii = (web.intercept_info as Array<Record<string, unknown>>)[0]!;
    expect(ii).toMatchObject({ disposition: 1, spec: { name: "web", agent: "web", namespace: "demo", target_port: ports[NEW], mechanism: "tcp" } });
    // Newest builds redact environment values unless --show-env.
    expect(Object.values(ii.environment as Record<string, string>).every((x) => x === "******")).toBe(true);

    const old = json(await run(OLD, ["list", "--output", "json"]));
    const oldItems = old.stdout as Array<Record<string, unknown>>;
    const oldApi = oldItems.find((w) => w.name === "api")!;
    expect(oldApi).toHaveProperty("intercept_infos");
    expect(oldApi).not.toHaveProperty("intercept_info");
    expect(oldApi).not.toHaveProperty("agent_version");
    expect((oldApi.intercept_infos as Array<Record<string, unknown>>)[0]).toMatchObject({ disposition: 1, spec: { name: "api" } });
    expect(oldItems.find((w) => w.name === "billing")).not.toHaveProperty("intercept_infos");
  });

  it("status lists each session's intercepts", async () => {
    const s = json(await run(NEW, ["status", "--output", "json"]));
    expect((s.user_daemon as { intercepts: unknown[] }).intercepts).toEqual([{ name: "web", client: expect.any(String) }, { name: "search", client: expect.any(String) }]);
  });

  it("leave: nothing on success, the release's text for an unknown name", async () => {
    expect(await run(NEW, ["leave", "search", "--output", "json"])).toEqual({ stdout: "", stderr: "", code: 0 });
    expect(await run(NEW, ["leave", "nope", "--output", "json"])).toEqual({ stdout: '{"cmd":"leave","err":"Found no replace, intercept, or ingest named \\"nope\\""}\n', stderr: "", code: 1 });
    expect(await run(OLD, ["leave", "nope", "--output", "json"])).toEqual({ stdout: '{"cmd":"leave","err":"Intercept named \\"nope\\" not found"}\n', stderr: "", code: 1 });
    expect(await run(NEW, ["leave", "nope"])).toEqual({ stdout: "", stderr: 'telepresence leave: error: Found no replace, intercept, or ingest named "nope"\n', code: 1 });
    // Newest builds: `detach`, with `leave` a deprecated alias; older ones know no `detach`.
    expect(json(await run(NEW, ["detach", "nope", "--output", "json"])).err).toBe('Found no replace, intercept, or ingest named "nope"');
    expect(json(await run(OLD, ["detach", "nope", "--output", "json"])).err).toBe('unknown command "detach" for "telepresence"');
  });

  it("errors about workloads and ports", async () => {
    expect(json(await run(NEW, ["intercept", "nope", "--output", "json"])).err).toBe('workload "nope.demo" not found');
    expect(json(await run(OLD, ["intercept", "nope", "--output", "json"])).err).toBe("No interceptable deployment, replicaset, or statefulset matching nope found");
    expect(json(await run(NEW, ["intercept", "billing", "--port", "x:y", "--output", "json"])).err).toBe("port must be of the format --port <local-port>[:<svcPortIdentifier>]");
    expect(json(await run(NEW, ["intercept", "billing", "--port", "9999:grpc", "--output", "json"])).err).toBe("Deployment billing.demo has no interceptable port matching port grpc");
    expect(json(await run(NEW, ["intercept", "web2", "-w", "search", "--port", String(ports[NEW]), "--output", "json"])).err).toBe(`Port 127.0.0.1:${ports[NEW]} is already in use by intercept web`);
  });

  it("quit: nothing in JSON on 2.23+, a text envelope on 2.20; quit -s stops the daemon", async () => {
    expect(await run(NEW, ["quit", "--output", "json"])).toEqual({ stdout: "", stderr: "", code: 0 });
    expect(await run(OLD, ["quit", "--output", "json"])).toEqual({ stdout: '{"cmd":"quit","stdout":"Disconnected\\n"}\n', stderr: "", code: 0 });
    expect(await run(OLD, ["quit"])).toEqual({ stdout: "Not connected\n", stderr: "", code: 0 });
    // Disconnected, the daemon still runs: status says so.
    expect(json(await run(NEW, ["status", "--output", "json"])).user_daemon).toMatchObject({ running: true, status: "Not connected" });
    // The session's intercepts are gone with it.
    const list = json(await run(OLD, ["list", "-i", "--output", "json"]));
    expect(list.stdout).toEqual([]);
    expect(await run(OLD, ["quit", "-s"])).toEqual({ stdout: "Disconnected\n", stderr: "", code: 0 });
    expect(await run(OLD, ["status", "--output", "json"])).toEqual({ stdout: '{"user_daemon":{},"root_daemon":{},"traffic_manager":{}}\n', stderr: "", code: 0 });
  });
});

describe("2.28: --format", () => {
  it("--help shows --format (clients detect the flag name there); older releases show --output", async () => {
    const help = (await run("2.28.0", ["--help"])).stdout;
    expect(help).toMatch(/--format string/);
    expect(help).not.toMatch(/--output string/);
    const old = (await run(NEW, ["--help"])).stdout;
    expect(old).toMatch(/--output string/);
    expect(old).not.toMatch(/--format string/);
    expect(await run(NEW, ["status", "--format", "json"])).toEqual({ stdout: "", stderr: "telepresence status: error: unknown flag: --format\n", code: 1 });
  });

  it("no envelope: objects as they are, {\"error\"} on failure, a deprecation hint for --output", async () => {
    // (leave connects implicitly first, telepresence.md §2)
    expect(await run("2.28.0", ["leave", "nope", "--format", "json"])).toEqual({ stdout: '{"error":"Found no replace, intercept, or ingest named \\"nope\\""}\n', stderr: "", code: 1 });
    const v = json(await run("2.28.0", ["version", "--format", "json"]));
    expect(v).toMatchObject({ client: { version: "v2.28.0" } });
    const dep = await run("2.28.0", ["status", "--output", "json"]);
    expect(dep.stderr).toBe("Flag --output has been deprecated, use --format instead\n");
    expect(json(dep)).toHaveProperty("user_daemon");
  });
});

// Issue 4: the program finds the playground from the kubeconfig and context it is given, like the
// real one — here with `--kubeconfig F --context C` and NO $KUBECONFIG (and a HOME without
// ~/.kube/config), so nothing but the flags can lead it to the cluster.
describe("--kubeconfig and --context, without $KUBECONFIG", () => {
  let dir: string;
  let kubeconfig: string;
  const bare = (version: string, args: string[]) => new Promise<{ stdout: string; stderr: string; code: number }>((resolve) => {
    // PLAYGROUND_NODE: with HOME moved, bin/telepresence would not find the cached Node 24; use the tests' own.
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: dir, PLAYGROUND_NODE: process.execPath, PLAYGROUND_TELEPRESENCE_VERSION: version, PLAYGROUND_TELEPRESENCE_STATE_DIR: join(dir, `state-${version}`) };
    delete env.KUBECONFIG;
    execFile(TELEPRESENCE_BIN, args, { env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ stdout, stderr, code: err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0 });
    });
  });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "tp-flags-"));
    // The playground's kubeconfig plus a second context that is CURRENT and points nowhere: only
    // `--context playground` reaches the playground.
    const doc = parseYaml(readFileSync(h.pg.kubeconfigPath, "utf8")) as { clusters: unknown[]; users: unknown[]; contexts: unknown[]; "current-context": string };
    doc.clusters.push({ name: "elsewhere", cluster: { server: "https://127.0.0.1:9" } });
    doc.users.push({ name: "elsewhere", user: { token: "nope" } });
    doc.contexts.push({ name: "elsewhere", context: { cluster: "elsewhere", user: "elsewhere", namespace: "default" } });
    doc["current-context"] = "elsewhere";
    kubeconfig = join(dir, "two-contexts.yaml");
    writeFileSync(kubeconfig, toYaml(doc), { mode: 0o600 });
  });
  afterAll(async () => {
    await bare(NEW, ["quit", "-s"]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("connect --kubeconfig F --context playground connects to the playground; status and list follow", async () => {
    expect(await bare(NEW, ["connect", "--kubeconfig", kubeconfig, "--context", "playground", "--output", "json"])).toEqual({ stdout: "", stderr: "", code: 0 });
    const s = json(await bare(NEW, ["status", "--output", "json"]));
    expect(s.user_daemon).toMatchObject({ status: "Connected", kubernetes_context: "playground", kubernetes_server: h.pg.server, namespace: "demo" });
    const list = json(await bare(NEW, ["list", "--output", "json"]));
    expect((list.stdout as Array<{ name: string }>).map((w) => w.name)).toEqual(expect.arrayContaining(["api", "billing", "web"]));
  });

  it.each([NEW, OLD])("%s: an unknown --context is client-go's \"context was not found\" error (telepresence.md §2), in JSON and in text", async (v) => {
    const err = "invalid configuration: context was not found for specified context: nope";
    expect(await bare(v, ["connect", "--kubeconfig", kubeconfig, "--context", "nope", "--output", "json"])).toEqual({ stdout: `${JSON.stringify({ cmd: "connect", err })}\n`, stderr: "", code: 1 });
    expect(await bare(v, ["connect", "--kubeconfig", kubeconfig, "--context", "nope"])).toEqual({ stdout: "", stderr: `telepresence connect: error: ${err}\n`, code: 1 });
  });
});
