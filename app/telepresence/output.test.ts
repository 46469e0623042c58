import { describe, expect, it } from "vitest";
import { SwitchboardError } from "../contract/errors.ts";
import { interpretJsonRun, parseOutput } from "./output.ts";
import { normalizeDisposition, parseInterceptInfo, parseStatus, parseWorkloads } from "./schemas.ts";
import { interceptInfo, listOutput, statusConnected, statusNoDaemon, statusNotConnected } from "./testing/fixtures.ts";

const run = (stdout: string, exitCode = 0, stderr = "") => ({ stdout, stderr, exitCode, signal: null });
const payloadOf = (stdout: string) => interpretJsonRun(run(stdout), { command: "x" });

function thrown(fn: () => unknown): SwitchboardError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SwitchboardError) return error;
    throw error;
  }
  throw new Error("expected a SwitchboardError");
}

describe("parseOutput: envelope, bare, empty, text", () => {
  it("tells an envelope from a bare object", () => {
    expect(parseOutput('{"cmd":"list","stdout":[]}')).toEqual({ kind: "envelope", cmd: "list", stdout: [], stderr: "", err: "" });
    expect(parseOutput(statusConnected()).kind).toBe("bare");
    expect(parseOutput(interceptInfo()).kind).toBe("bare");
  });
  it("nothing printed is empty (connect/leave/quit succeed silently)", () => {
    expect(parseOutput("")).toEqual({ kind: "empty" });
    expect(parseOutput("\n  \n")).toEqual({ kind: "empty" });
  });
  it("finds the JSON after a warning line", () => {
    expect(parseOutput('Warning: client and manager minor versions differ\n{"cmd":"list","stdout":[]}').kind).toBe("envelope");
  });
  it("text stays text", () => {
    expect(parseOutput("Connected to context x").kind).toBe("text");
  });
});

describe("interpretJsonRun", () => {
  it("returns the envelope's stdout and the bare value; undefined for nothing", () => {
    expect(payloadOf('{"cmd":"list","stdout":[{"name":"web"}]}')).toEqual([{ name: "web" }]);
    expect(payloadOf('{"name":"web","disposition":"ACTIVE"}')).toEqual({ name: "web", disposition: "ACTIVE" });
    expect(payloadOf("")).toBeUndefined();
  });
  it("an Info wrapped in an envelope reads like a bare one", () => {
    const info = JSON.parse(interceptInfo({ generation: "2.20" })) as Record<string, unknown>;
    expect(parseInterceptInfo(payloadOf(JSON.stringify({ cmd: "intercept", stdout: info })))).toMatchObject({ name: "web", disposition: "ACTIVE" });
  });
  it("garbage on success is a structured error carrying the output", () => {
    const error = thrown(() => payloadOf("\u0000\u0001 ELF garbage <html>"));
    expect(error.code).toBe("telepresence-error");
    expect(error.details).toMatchObject({ reason: "garbage-output", command: "x" });
    expect(String(error.details?.output)).toContain("garbage");
  });
  it("an envelope with err is an error even with exit 0", () => {
    const error = thrown(() => interpretJsonRun(run('{"cmd":"leave","err":"Intercept named \\"web\\" not found"}'), { command: "leave" }));
    expect(error.details).toMatchObject({ reason: "intercept-not-found" });
  });
  it("a non-zero exit with nothing printed still fails, with the exit code", () => {
    const error = thrown(() => interpretJsonRun(run("", 1), { command: "status" }));
    expect(error.code).toBe("telepresence-error");
    expect(error.message).toContain("exited with code 1");
    expect(error.details).toMatchObject({ exitCode: 1 });
  });
  it("a non-zero exit in text mode carries the program's message, prefix removed", () => {
    const error = thrown(() => interpretJsonRun(run("", 1, "telepresence list: error: something odd happened\n"), { command: "list" }));
    expect(error.details?.programMessage).toBe("something odd happened");
    expect(error.message).toContain("something odd happened");
  });
});

describe("status shapes", () => {
  it("connected: context, namespace, versions without v, our intercepts", () => {
    const status = parseStatus(JSON.parse(statusConnected({ intercepts: ["web"], tmVersion: "v2.24.0" })))!;
    expect(status.connections).toHaveLength(1);
    const c = status.connections[0]!;
    expect(c).toMatchObject({ connected: true, context: "gke_proj_europe-west1_demo", namespace: "default", managerNamespace: "ambassador" });
    expect(c.userDaemonVersion?.raw).toBe("2.25.1");
    expect(c.trafficManager?.version?.raw).toBe("2.24.0");
    expect(c.active).toEqual([{ name: "web", client: "dev@laptop", kind: "intercept" }]);
  });
  it("not connected, and no daemon at all", () => {
    expect(parseStatus(JSON.parse(statusNotConnected))!.connections[0]).toMatchObject({ connected: false, status: "Not connected", userDaemonRunning: true });
    expect(parseStatus(JSON.parse(statusNoDaemon))!.connections[0]).toMatchObject({ connected: false, status: null, userDaemonRunning: false, trafficManager: null });
    expect(parseStatus({})!.connections[0]?.connected).toBe(false);
  });
  it("several daemons: connections[]", () => {
    const one = JSON.parse(statusConnected({ context: "a" }));
    const two = JSON.parse(statusConnected({ context: "b" }));
    expect(parseStatus({ connections: [one, two] })!.connections.map((c) => c.context)).toEqual(["a", "b"]);
  });
  it("2.23+ replacements and wiretaps, must-restart, errors", () => {
    const status = parseStatus({
      user_daemon: {
        running: true,
        status: "Connected, but must restart",
        intercepts: [{ name: "web", client: "me" }],
        replacements: [{ name: "api", client: "me" }],
        wiretaps: [{ name: "tap", client: "me" }],
        error: "",
        unknown_future_key: { x: 1 },
      },
    })!.connections[0]!;
    expect(status.mustRestart).toBe(true);
    expect(status.connected).toBe(true);
    expect(status.active.map((a) => `${a.kind}:${a.name}`)).toEqual(["intercept:web", "replace:api", "wiretap:tap"]);
    const failed = parseStatus({ user_daemon: { running: true, status: "Not connected, error talking to cluster", error: "dial tcp: i/o timeout" } })!;
    expect(failed.connections[0]).toMatchObject({ connected: false, error: "dial tcp: i/o timeout" });
  });
  it("tolerates zeros, false and odd types (2.21+ encoder)", () => {
    const c = parseStatus({ user_daemon: { running: "yes", status: "Connected", mapped_namespaces: "default", version: 7 } })!.connections[0]!;
    expect(c.connected).toBe(true);
    expect(c.userDaemonRunning).toBe(false);
    expect(c.mappedNamespaces).toEqual([]);
    expect(c.userDaemonVersion).toBeNull();
  });
});

describe("list shapes: both key generations", () => {
  const workloads = (text: string) => parseWorkloads(payloadOf(text))!.workloads;
  it("2.20: services, sidecar, intercept_infos with nested spec and number disposition", () => {
    const [web, worker] = workloads(listOutput["2.20"]);
    expect(web).toMatchObject({ name: "web", kind: "Deployment", agentInstalled: true, interceptable: true });
    expect(web!.intercepts).toEqual([
      expect.objectContaining({ name: "web", client: "dev@laptop", disposition: "ACTIVE", targetPort: 8080, servicePort: "http", namespace: "default", podIp: "10.4.0.7" }),
    ]);
    expect(worker).toMatchObject({ name: "worker", agentInstalled: false, intercepts: [] });
  });
  it("2.21–2.22.3: agent_version, not_interceptable_reason, intercept_infos, ingest_infos", () => {
    const [web, batch] = workloads(listOutput["2.21"]);
    expect(web).toMatchObject({ agentInstalled: true, agentVersion: "2.21.3", ingestCount: 1 });
    expect(web!.intercepts[0]).toMatchObject({ client: "alice@box", disposition: "AGENT_ERROR", message: "Conflicts" });
    expect(batch).toMatchObject({ interceptable: false, notInterceptableReason: "No service targets this workload", agentInstalled: false });
  });
  it("2.22.4+: intercept_info, ingest_info", () => {
    const [web, api] = workloads(listOutput["2.22.4"]);
    expect(web!.intercepts[0]).toMatchObject({ name: "web", disposition: "WAITING", targetPort: 8080 });
    expect(api).toMatchObject({ interceptable: true, agentInstalled: false, notInterceptableReason: null });
  });
  it("an empty list, a bare array, and entries that are not workloads", () => {
    expect(workloads('{"cmd":"list","stdout":[]}')).toEqual([]);
    expect(parseWorkloads([{ name: "a" }, 42, { nope: true }])).toMatchObject({ skipped: 2, workloads: [{ name: "a" }] });
    expect(parseWorkloads({ not: "an array" })).toBeNull();
  });
  it("a single intercept_info object (not an array) is accepted too", () => {
    const [w] = parseWorkloads([{ name: "web", intercept_info: { spec: { name: "web" }, disposition: 1 } }])!.workloads;
    expect(w!.intercepts).toHaveLength(1);
  });
});

describe("dispositions", () => {
  it("maps numbers (list) and strings (intercept)", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(normalizeDisposition)).toEqual([
      "UNSPECIFIED",
      "ACTIVE",
      "WAITING",
      "NO_CLIENT",
      "NO_AGENT",
      "NO_MECHANISM",
      "NO_PORTS",
      "AGENT_ERROR",
      "BAD_ARGS",
      "REMOVED",
    ]);
    expect(normalizeDisposition("ACTIVE")).toBe("ACTIVE");
    expect(normalizeDisposition("agent_error")).toBe("AGENT_ERROR");
    expect(normalizeDisposition(42)).toBe("UNSPECIFIED");
    expect(normalizeDisposition(null)).toBe("UNSPECIFIED");
  });
});

describe("intercept Info", () => {
  it("2.20 and 2.22+ shapes", () => {
    const old = parseInterceptInfo(JSON.parse(interceptInfo({ generation: "2.20" })))!;
    expect(old).toMatchObject({ id: "2b0f3c:web", name: "web", disposition: "ACTIVE", targetHost: "127.0.0.1", targetPort: 8080, servicePort: "http", global: true, kind: "intercept" });
    expect(old.environment?.DATABASE_URL).toContain("secret");
    const current = parseInterceptInfo(JSON.parse(interceptInfo({ generation: "2.22" })))!;
    expect(current).toMatchObject({ containerName: "app", containerPort: 8080, kind: "intercept" });
  });
  it("replace and wiretap flags set the kind", () => {
    expect(parseInterceptInfo({ name: "a", replace: true })!.kind).toBe("replace");
    expect(parseInterceptInfo({ name: "a", wiretap: true })!.kind).toBe("wiretap");
  });
  it("a name can come from the id", () => {
    expect(parseInterceptInfo({ id: "sess:web", disposition: "ACTIVE" })!.name).toBe("web");
  });
  it("text or arrays are not an Info", () => {
    expect(parseInterceptInfo("Using Deployment web")).toBeNull();
    expect(parseInterceptInfo([])).toBeNull();
    expect(parseInterceptInfo({ unrelated: 1 })).toBeNull();
  });
});
