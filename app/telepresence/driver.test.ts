// The driver against small fake `telepresence` executables that print the reference's recorded
// outputs (testing/fixtures.ts): real processes, real argv, real exit codes, real kills.
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SwitchboardError } from "../contract/errors.ts";
import { createTelepresenceDriver, type DriverOptions, type ProgressEvent } from "./driver.ts";
import { installDirs, installHint, locateTelepresence } from "./locate.ts";
import { runProgram } from "./process.ts";
import { alive, createFakeTelepresence, type FakeProgram, type FakeRule } from "./testing/fake-telepresence.ts";
import {
  envelopeError,
  interceptHelpText,
  interceptInfo,
  listOutput,
  rootHelpText,
  statusConnected,
  statusNotConnected,
  versionText,
  type Generation,
} from "./testing/fixtures.ts";

const fakes: FakeProgram[] = [];
const tempDirs: string[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.cleanup()));
  await Promise.all(tempDirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const clientVersion: Record<Generation, string> = { "2.20": "v2.20.2", "2.22": "v2.22.4", "2.25": "v2.25.1", "2.27": "v2.27.0", newest: "v2.28.0-rc.1" };

/** The program's discovery answers: version and help texts. */
function programRules(generation: Generation): FakeRule[] {
  return [
    { match: "^version$", stdout: versionText[generation] },
    { match: "^--help$", stdout: rootHelpText[generation] },
    { match: "^intercept --help$", stdout: interceptHelpText[generation] },
  ];
}

/** A small stateful cluster session: connect/intercept/leave/quit change what status says. */
function sessionRules(generation: Generation, options: { tmVersion?: string; list?: string } = {}): FakeRule[] {
  const version = clientVersion[generation];
  const status = (intercepts: string[]) => statusConnected({ version, intercepts, tmVersion: options.tmVersion ?? version });
  const leave = generation === "2.27" || generation === "newest" ? "detach" : "leave";
  return [
    ...programRules(generation),
    { match: "^status ", when: { connected: "yes", web: "on" }, stdout: status(["web"]) },
    { match: "^status ", when: { connected: "yes" }, stdout: status([]) },
    { match: "^status ", stdout: statusNotConnected },
    { match: "^connect", set: { connected: "yes" } },
    { match: "^list ", when: { connected: "yes" }, stdout: options.list ?? listOutput["2.22.4"] },
    { match: "^intercept ", when: { connected: "yes" }, set: { web: "on" }, stdout: interceptInfo(), envFileText: "DATABASE_URL=postgres://user:secret@db/app\n" },
    { match: `^${leave} web`, when: { web: "on" }, set: { web: "" } },
    { match: `^${leave} `, stdout: envelopeError(leave, 'Found no replace, intercept, or ingest named "nope"'), exit: 1 },
    { match: "^quit", set: { connected: "", web: "" } },
  ];
}

async function fake(rules: FakeRule[]): Promise<FakeProgram> {
  const program = await createFakeTelepresence(rules);
  fakes.push(program);
  return program;
}

function driverFor(program: FakeProgram, options: DriverOptions = {}) {
  return createTelepresenceDriver({ configuredPath: program.path, ...options });
}

async function failure(promise: Promise<unknown>): Promise<SwitchboardError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SwitchboardError) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

const commandsRun = async (program: FakeProgram) => (await program.calls()).map((argv) => argv.join(" "));

describe("finding the program", () => {
  it("finds it on the PATH it is given (the login shell's), shown as `telepresence`", async () => {
    const program = await fake(programRules("2.25"));
    const location = await locateTelepresence({ env: { PATH: `/nonexistent:${program.dir}` }, platform: "linux" });
    expect(location).toMatchObject({ path: program.path, source: "path" });
    const driver = createTelepresenceDriver({ env: { PATH: program.dir } });
    const info = await driver.probe();
    expect(info).toMatchObject({ path: program.path, displayName: "telepresence", source: "path" });
    expect(info.version.raw).toBe("2.25.1");
  });
  it("missing: a configured path that does not exist → telepresence-missing with the install step", async () => {
    const dir = await mkdtemp(join(tmpdir(), "switchboard-empty-"));
    tempDirs.push(dir);
    const error = await failure(createTelepresenceDriver({ configuredPath: join(dir, "telepresence"), platform: "darwin" }).probe());
    expect(error.code).toBe("telepresence-missing");
    expect(error.hint).toContain("brew install telepresenceio/telepresence/telepresence-oss");
    expect(error.hint).toContain("https://telepresence.io/docs/install/client");
  });
  it("missing: spawning a program that is not there", async () => {
    const error = await failure(runProgram("/nonexistent/telepresence", ["version"], { timeoutMs: 5_000 }));
    expect(error.code).toBe("telepresence-missing");
  });
  it("a configured path wins over PATH, and is shown in full", async () => {
    const onPath = await fake(programRules("2.22"));
    const configured = await fake(programRules("2.25"));
    const driver = createTelepresenceDriver({ env: { PATH: onPath.dir }, configuredPath: configured.path });
    expect(await driver.probe()).toMatchObject({ path: configured.path, source: "setting", displayName: configured.path });
  });
  it("looks in the usual install places after PATH", () => {
    expect(installDirs("darwin", {}, "/Users/u")).toEqual(expect.arrayContaining(["/usr/local/bin", "/opt/homebrew/bin", "/Users/u/.local/bin"]));
    expect(installDirs("win32", { ProgramFiles: "C:\\Program Files", LOCALAPPDATA: "C:\\Users\\u\\AppData\\Local" }, "C:\\Users\\u")).toEqual(
      expect.arrayContaining(["C:\\Program Files\\Telepresence", "C:\\Users\\u\\AppData\\Local\\Microsoft\\WinGet\\Links"]),
    );
  });
  it("the install step fits the platform", () => {
    expect(installHint("darwin")).toContain("brew install");
    expect(installHint("linux", "x64")).toContain("telepresence-linux-amd64");
    expect(installHint("linux", "arm64")).toContain("telepresence-linux-arm64");
    expect(installHint("win32")).toContain("Windows installer");
  });
  it("too old: 2.19 → telepresence-too-old naming both versions", async () => {
    const program = await fake([{ match: "^version$", stdout: "OSS Client : v2.19.1\nRoot Daemon: not running\n" }]);
    const error = await failure(driverFor(program, { platform: "linux" }).probe());
    expect(error.code).toBe("telepresence-too-old");
    expect(error.message).toContain("2.19.1");
    expect(error.message).toContain("2.20.0");
    expect(error.hint).toContain("telepresence.io/docs/install/client");
  });
  it("garbage: a version nobody can read", async () => {
    const program = await fake([
      { match: "^version$", stdout: "<html>502 Bad Gateway</html>" },
      { match: "^status", stdout: "also not json" },
    ]);
    const error = await failure(driverFor(program).probe());
    expect(error.code).toBe("telepresence-error");
    expect(error.details).toMatchObject({ reason: "garbage-output" });
  });
  it("a failure is not cached: installing fixes the next probe", async () => {
    const dir = await mkdtemp(join(tmpdir(), "switchboard-later-"));
    tempDirs.push(dir);
    const driver = createTelepresenceDriver({ env: { PATH: dir }, configuredPath: join(dir, "telepresence") });
    expect((await failure(driver.probe())).code).toBe("telepresence-missing");
    const program = await fake(programRules("2.22"));
    const later = createTelepresenceDriver({ configuredPath: program.path });
    expect((await later.probe()).version.raw).toBe("2.22.4");
  });
});

describe("reading", () => {
  it("garbage status output is a structured error", async () => {
    const program = await fake([...programRules("2.25"), { match: "^status", stdout: "Segmentation fault (core dumped)" }]);
    const error = await failure(driverFor(program).status());
    expect(error.details).toMatchObject({ reason: "garbage-output", command: "status" });
  });
  it("list refuses while disconnected and never runs it (no implicit connect)", async () => {
    const program = await fake(sessionRules("2.25"));
    const driver = driverFor(program);
    const error = await failure(driver.list());
    expect(error.details?.reason).toBe("not-connected");
    expect(error.message).toContain("not connected");
    const intercept = await failure(driver.intercept({ workload: "web", port: { local: 8080, remote: "http" } }));
    expect(intercept.details?.reason).toBe("not-connected");
    const leave = await failure(driver.leave({ name: "web" }));
    expect(leave.details?.reason).toBe("not-connected");
    const ran = await commandsRun(program);
    expect(ran.filter((c) => /^(list|intercept web|leave)/.test(c))).toEqual([]);
  });
  it("status of another context is 'not connected' for this one", async () => {
    const program = await fake(sessionRules("2.25"));
    const driver = driverFor(program);
    await driver.connect({});
    const error = await failure(driver.list({ context: "some-other-context" }));
    expect(error.details?.reason).toBe("not-connected");
    expect(error.message).toContain("some-other-context");
  });
});

describe("errors from the program", () => {
  const failingIntercept = async (err: string) => {
    const program = await fake([
      ...programRules("2.25"),
      { match: "^status ", stdout: statusConnected() },
      { match: "^list ", stdout: listOutput["2.22.4"] },
      { match: "^intercept ", stdout: envelopeError("intercept", err), exit: 1 },
    ]);
    return failure(driverFor(program).intercept({ workload: "web", port: { local: 8080 }, checkLocalPort: false }));
  };
  it("no traffic-manager at connect → not-installed, helm install", async () => {
    const program = await fake([
      ...programRules("2.25"),
      { match: "^status ", stdout: statusNotConnected },
      {
        match: "^connect",
        stdout: envelopeError(
          "connect",
          "connector.Connect: traffic manager not found, if it is not installed, please run 'telepresence helm install'. If it is installed, try connecting with a --manager-namespace to point telepresence to the namespace it's installed in.",
        ),
        exit: 1,
      },
    ]);
    const error = await failure(driverFor(program).connect({ context: "ctx" }));
    expect(error.code).toBe("not-installed");
    expect(error.hint).toContain("telepresence helm install");
  });
  it("root daemon needing sudo → the ways out", async () => {
    const program = await fake([
      ...programRules("2.25"),
      { match: "^status ", stdout: statusNotConnected },
      { match: "^connect", stdout: envelopeError("connect", "connector.Connect: failed to launch the daemon service: sudo: a terminal is required to read the password"), exit: 1 },
    ]);
    const error = await failure(driverFor(program, { platform: "linux" }).connect({}));
    expect(error.details?.reason).toBe("root-daemon");
    expect(error.hint).toContain("telepresence connect --docker");
  });
  it("unknown workload", async () => {
    const error = await failingIntercept('workload "web.default" not found');
    expect(error.code).toBe("not-found");
  });
  it("ambiguous port", async () => {
    const error = await failingIntercept(
      "Deployment web.default has multiple interceptable ports.\nPlease specify the service and/or port you want to intercept by passing the --service=<svc> and/or --port=<local:portName/portNumber> flag.",
    );
    expect(error.details?.reason).toBe("multiple-ports");
  });
  it("conflict, 2.20 and 2.23+ texts", async () => {
    const old = await failingIntercept('Failed to establish intercept: intercept in error state AGENT_ERROR: Conflicts with the currently-served intercept "x:web"');
    expect(old.code).toBe("conflict");
    const current = await failingIntercept("container port 8080 is already intercepted by alice@box, intercept web");
    expect(current.code).toBe("conflict");
    expect(current.message).toContain("alice@box");
  });
  it("agent never arrives → firewall hint", async () => {
    const error = await failingIntercept("request timed out while waiting for agent web.default to arrive");
    expect(error.hint).toContain("tcp:8443");
  });
  it("an Info whose disposition is an error is an error", async () => {
    const program = await fake([
      ...programRules("2.25"),
      { match: "^status ", stdout: statusConnected() },
      { match: "^list ", stdout: listOutput["2.22.4"] },
      { match: "^intercept ", stdout: interceptInfo({ disposition: "NO_PORTS" }) },
    ]);
    const error = await failure(driverFor(program).intercept({ workload: "web", port: { local: 8080 }, checkLocalPort: false }));
    expect(error.details).toMatchObject({ disposition: "NO_PORTS" });
  });
});

describe("deadlines and cancellation", () => {
  it("timeout: the call fails with `timeout` and the process tree is gone", async () => {
    const program = await fake([
      ...programRules("2.25"),
      { match: "^status ", stdout: statusConnected() },
      { match: "^list ", stdout: listOutput["2.22.4"] },
      { match: "^intercept ", sleepMs: 30_000, stdout: interceptInfo() },
    ]);
    // Only the intercept's deadline is short: discovery and status keep the generous default.
    const driver = driverFor(program, { timeouts: { intercept: 2_500 } });
    const error = await failure(driver.intercept({ workload: "web", port: { local: 8080 }, checkLocalPort: false }));
    expect(error.code).toBe("timeout");
    const pids = await program.pids();
    expect(pids).toHaveLength(2);
    await expect.poll(() => pids.filter(alive), { timeout: 5_000 }).toEqual([]);
  });
  it("cancel: aborting kills the child and its children", async () => {
    const program = await fake([
      ...programRules("2.25"),
      { match: "^status ", stdout: statusConnected() },
      { match: "^list ", stdout: listOutput["2.22.4"] },
      { match: "^intercept ", sleepMs: 30_000, stdout: interceptInfo() },
    ]);
    const driver = driverFor(program);
    const controller = new AbortController();
    const pending = driver.intercept({ workload: "web", port: { local: 8080 }, checkLocalPort: false, signal: controller.signal });
    await expect.poll(async () => (await program.pids()).length, { timeout: 10_000 }).toBe(2);
    controller.abort();
    const error = await failure(pending);
    expect(error.code).toBe("cancelled");
    const pids = await program.pids();
    await expect.poll(() => pids.filter(alive), { timeout: 5_000 }).toEqual([]);
  });
  it("an already-aborted signal runs nothing", async () => {
    const program = await fake(programRules("2.25"));
    const error = await failure(runProgram(program.path, ["version"], { timeoutMs: 5_000, signal: AbortSignal.abort() }));
    expect(error.code).toBe("cancelled");
    expect(await program.calls()).toEqual([]);
  });
});

describe("a session, per generation", () => {
  for (const generation of ["2.20", "2.22", "2.25", "2.27", "newest"] as const) {
    it(`${generation}: connect, list, intercept web, leave, quit`, async () => {
      const program = await fake(sessionRules(generation, { list: generation === "2.20" ? listOutput["2.20"] : listOutput["2.22.4"] }));
      const events: ProgressEvent[] = [];
      const driver = driverFor(program, { onProgress: (e) => events.push(e) });
      const output = generation === "newest" ? "--format json" : "--output json";
      const leave = generation === "2.27" || generation === "newest" ? "detach" : "leave";

      const connected = await driver.connect({ context: "gke_proj_europe-west1_demo", namespace: "default", kubeconfig: "/tmp/switchboard-kubeconfig" });
      expect(connected.connection.phase).toBe("connected");
      const workloads = await driver.list();
      expect(workloads.map((w) => w.name)).toContain("web");

      const result = await driver.intercept({ workload: "web", port: { local: 8080, remote: "http" }, checkLocalPort: false });
      expect(result.intercept).toMatchObject({ name: "web", disposition: "ACTIVE", targetPort: 8080 });
      expect(result.command).toBe(`${program.path} intercept web --port 8080:http --mount false`);
      expect(result.state.intercepts).toEqual([expect.objectContaining({ name: "web", mine: true, localPort: 8080 })]);

      const afterLeave = await driver.leave({ name: "web" });
      expect(afterLeave.intercepts.filter((i) => i.mine)).toEqual([]);
      const afterQuit = await driver.quit();
      expect(afterQuit.connection.phase).toBe("disconnected");

      const ran = await commandsRun(program);
      expect(ran).toContain(`connect --context gke_proj_europe-west1_demo -n default --kubeconfig /tmp/switchboard-kubeconfig ${output}`);
      expect(ran).toContain(`intercept web --port 8080:http --mount false --detailed-output ${output}`);
      expect(ran).toContain(`${leave} web ${output}`);
      expect(ran).toContain(`quit ${output}`);
      expect(events.filter((e) => e.step === "connecting").map((e) => e.status)).toEqual(["started", "done"]);
      expect(events.some((e) => e.step === "injecting-agent" || e.step === "intercepting")).toBe(true);
    });
  }

  it("connect is a no-op when already connected there; refuses to switch silently; reconnects on request", async () => {
    const program = await fake(sessionRules("2.25"));
    const driver = driverFor(program);
    await driver.connect({ context: "gke_proj_europe-west1_demo" });
    await driver.connect({ context: "gke_proj_europe-west1_demo" });
    expect((await commandsRun(program)).filter((c) => c.startsWith("connect"))).toHaveLength(1);
    const error = await failure(driver.connect({ context: "gke_proj_europe-west1_demo", namespace: "other" }));
    expect(error.code).toBe("conflict");
    await driver.connect({ context: "gke_proj_europe-west1_demo", namespace: "other", reconnect: true });
    const ran = await commandsRun(program);
    expect(ran.slice(-6).some((c) => c.startsWith("quit"))).toBe(true);
    expect(ran.filter((c) => c.startsWith("connect"))).toHaveLength(2);
  });

  it("one mutating command at a time: an intercept queued behind connect sees the connection", async () => {
    const rules = sessionRules("2.25");
    const connectRule = rules.find((r) => r.match === "^connect")!;
    connectRule.sleepMs = 1_000;
    const program = await fake(rules);
    const driver = driverFor(program);
    await driver.probe();
    const connecting = driver.connect({});
    const intercepting = driver.intercept({ workload: "web", port: { local: 8080 }, checkLocalPort: false });
    await connecting;
    const result = await intercepting;
    expect(result.intercept.name).toBe("web");
  });

  it("the env file ends up 0600 even when the program replaces it", async () => {
    const program = await fake(sessionRules("2.25"));
    const driver = driverFor(program);
    await driver.connect({});
    const dir = await mkdtemp(join(tmpdir(), "switchboard-env-"));
    tempDirs.push(dir);
    const envFile = join(dir, "sub", "web.env");
    await driver.intercept({ workload: "web", port: { local: 8080 }, envFile, checkLocalPort: false });
    expect((await stat(envFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(envFile, "utf8")).toContain("DATABASE_URL=");
  });

  it("argument arrays never pass through a shell: spaces, quotes and ; arrive verbatim", async () => {
    const program = await fake(sessionRules("2.25"));
    const driver = driverFor(program);
    await driver.connect({ context: `ctx with "quotes"; touch pwned` });
    const name = `we b"'; echo pwned > x $(id) \`id\``;
    await driver.intercept({ workload: name, port: { local: 8080, remote: "http; rm -rf /" }, checkLocalPort: false });
    const calls = await program.calls();
    const intercept = calls.find((argv) => argv[0] === "intercept" && argv[1] !== "--help")!;
    expect(intercept[1]).toBe(name);
    expect(intercept[3]).toBe("8080:http; rm -rf /");
    expect(calls.find((argv) => argv[0] === "connect")?.[2]).toBe(`ctx with "quotes"; touch pwned`);
    await expect(stat(join(program.dir, "x"))).rejects.toThrow();
    await expect(stat(join(process.cwd(), "pwned"))).rejects.toThrow();
  });

  it("HTTP filters need the traffic-manager at 2.25 too: refused before running intercept", async () => {
    const program = await fake(sessionRules("2.25", { tmVersion: "v2.24.0" }));
    const driver = driverFor(program);
    await driver.connect({});
    const error = await failure(driver.intercept({ workload: "web", port: { local: 8080 }, httpHeaders: [{ name: "x-dev", value: "me" }], checkLocalPort: false }));
    expect(error.code).toBe("telepresence-too-old");
    expect(error.message).toContain("2.24.0");
    expect((await commandsRun(program)).some((c) => c.startsWith("intercept web"))).toBe(false);
  });

  it("recheck after a drop reports the lost intercept; a fresh driver rediscovers a live one", async () => {
    const program = await fake(sessionRules("2.25"));
    const driver = driverFor(program);
    await driver.connect({});
    await driver.intercept({ workload: "web", port: { local: 8080, remote: "http" }, checkLocalPort: false });

    const restarted = driverFor(program);
    const rediscovered = await restarted.refresh();
    expect(rediscovered.intercepts).toEqual([expect.objectContaining({ name: "web", mine: true })]);

    // The network drops: the daemon lost its session (simulated by quitting behind the driver's back).
    await runProgram(program.path, ["quit"], { timeoutMs: 5_000 });
    const recheck = await driver.recheck();
    expect(recheck.state.connection.phase).toBe("disconnected");
    expect(recheck.diff.removed.map((i) => i.name)).toEqual(["web"]);
    expect(recheck.advice).toContain("web");
  });

  it("watch polls status and reports states until stopped", async () => {
    const program = await fake(sessionRules("2.25"));
    const driver = driverFor(program);
    await driver.connect({});
    const seen: number[] = [];
    const stop = driver.watch({ intervalMs: 50, onState: (state) => seen.push(state.intercepts.length) });
    await expect.poll(() => seen.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    stop();
    const count = seen.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(seen.length).toBeLessThanOrEqual(count + 1);
  });

  it("replace and wiretap where supported; refused (without running) where not", async () => {
    const modern = await fake([
      ...sessionRules("2.25"),
      { match: "^replace web", when: { connected: "yes" }, stdout: JSON.stringify({ ...JSON.parse(interceptInfo()), replace: true }) },
      { match: "^wiretap web", when: { connected: "yes" }, stdout: JSON.stringify({ ...JSON.parse(interceptInfo()), name: "web", wiretap: true }) },
    ]);
    const driver = driverFor(modern);
    await driver.connect({});
    expect((await driver.replace({ workload: "web", port: { local: 8080, remote: 8080 }, checkLocalPort: false })).intercept.kind).toBe("replace");
    expect((await driver.wiretap({ workload: "web", port: { local: 8081 } })).intercept.kind).toBe("wiretap");
    const old = await fake(sessionRules("2.20"));
    const oldDriver = driverFor(old);
    await oldDriver.connect({});
    expect((await failure(oldDriver.replace({ workload: "web", port: { local: 8080 }, checkLocalPort: false }))).code).toBe("telepresence-too-old");
    expect((await failure(oldDriver.wiretap({ workload: "web", port: { local: 8080 } }))).code).toBe("telepresence-too-old");
    expect((await commandsRun(old)).some((c) => /^(replace|wiretap) /.test(c))).toBe(false);
  });

  it("installs the traffic-manager; already installed is fine", async () => {
    const program = await fake([
      ...programRules("2.25"),
      { match: "^helm install", when: { tm: "yes" }, stdout: envelopeError("helm", `traffic-manager version "2.25.1" is already installed, use 'telepresence helm upgrade' instead`), exit: 1 },
      { match: "^helm install --context c --manager-namespace tm", set: { tm: "yes" }, stdout: "Traffic Manager installed successfully\n" },
    ]);
    const driver = driverFor(program);
    expect(await driver.installTrafficManager({ context: "c", managerNamespace: "tm" })).toEqual({ alreadyInstalled: false });
    expect(await driver.installTrafficManager({ context: "c", managerNamespace: "tm" })).toEqual({ alreadyInstalled: true });
  });

  it("'Connected, but must restart' reconnects without asking", async () => {
    const program = await fake([
      ...programRules("2.25"),
      { match: "^status ", when: { fixed: "yes" }, stdout: statusConnected() },
      { match: "^status ", stdout: JSON.stringify({ user_daemon: { running: true, status: "Connected, but must restart", kubernetes_context: "gke_proj_europe-west1_demo" } }) },
      { match: "^quit", set: { fixed: "pending" } },
      { match: "^connect", when: { fixed: "pending" }, set: { fixed: "yes" } },
      { match: "^list ", stdout: listOutput["2.22.4"] },
    ]);
    const state = await driverFor(program).connect({ context: "gke_proj_europe-west1_demo" });
    expect(state.connection.phase).toBe("connected");
    const ran = await commandsRun(program);
    expect(ran.findIndex((c) => c.startsWith("quit"))).toBeLessThan(ran.findIndex((c) => c.startsWith("connect")));
  });

  it("connect reports a connection that did not come up, in the program's words", async () => {
    const program = await fake([
      ...programRules("2.25"),
      { match: "^status ", when: { tried: "yes" }, stdout: JSON.stringify({ user_daemon: { running: true, status: "Not connected, error talking to cluster", error: "dial tcp 10.0.0.1:443: i/o timeout" } }) },
      { match: "^status ", stdout: statusNotConnected },
      { match: "^connect", set: { tried: "yes" } },
    ]);
    const error = await failure(driverFor(program).connect({}));
    expect(error.code).toBe("unreachable");
    expect(String(error.details?.programMessage)).toContain("i/o timeout");
  });

  it("a failing list after a successful action is reported in the state, not as a failure", async () => {
    const program = await fake([
      ...programRules("2.25"),
      { match: "^status ", when: { connected: "yes" }, stdout: statusConnected() },
      { match: "^status ", stdout: statusNotConnected },
      { match: "^connect", set: { connected: "yes" } },
      { match: "^list ", stdout: envelopeError("list", 'workloads.apps is forbidden: User "dev" cannot list resource "deployments"'), exit: 1 },
    ]);
    const state = await driverFor(program).connect({});
    expect(state.connection.phase).toBe("connected");
    expect(state.workloads).toBeNull();
    expect(state.listError).toMatchObject({ code: "forbidden", details: { command: "list" } });
  });

  it("garbage from list is a structured error", async () => {
    const program = await fake([...programRules("2.25"), { match: "^status ", stdout: statusConnected() }, { match: "^list ", stdout: '{"cmd":"list","stdout":{"not":"a list"}}' }]);
    const error = await failure(driverFor(program).list());
    expect(error.details?.reason).toBe("garbage-output");
  });

  it("the copyable command for display", async () => {
    const program = await fake(sessionRules("2.25"));
    const driver = createTelepresenceDriver({ env: { PATH: program.dir }, platform: "linux" });
    expect(await driver.commandLine("intercept", { workload: "web", port: { local: 8080, remote: "http" }, httpHeaders: [{ name: "x-dev", value: "alice smith" }] })).toBe(
      "telepresence intercept web --port 8080:http --mount false --http-header 'x-dev=alice smith'",
    );
  });
});
