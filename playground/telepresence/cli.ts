// The `telepresence` program of the playground (telepresence.md §1–3): argument parsing, the
// commands, and starting / talking to the user daemon. Output shapes come from views.ts and the
// envelope rules from output.ts; behaviour per release from versions.ts.
import { spawn } from "node:child_process";
import { mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { kubeconfigPaths, missingContextError, parseKubeconfigs, readKubeconfigTexts, resolveContext, stateDirFor } from "./kubeconfig.ts";
import { OUTPUT_MODES, render, type CommandResult, type OutputMode } from "./output.ts";
import { callDaemon, type ConnectArgs, type ConnectionModel, type InterceptModel, type Request, type StatusModel, type WorkloadModel } from "./protocol.ts";
import { connectText, interceptInfo, interceptText, listText, statusObject, statusText, versionObject, versionText, workloadObject } from "./views.ts";
import { releaseFromEnv, type Release } from "./versions.ts";

export const MAIN_PATH = fileURLToPath(new URL("./main.ts", import.meta.url));

interface FlagSpec {
  name: string;
  short?: string;
  type: "bool" | "string" | "strings";
  /** Only on releases for which this is true. */
  when?: (rel: Release) => boolean;
  hidden?: boolean;
  usage: string;
}

interface CommandSpec {
  name: string;
  short: string;
  flags: FlagSpec[];
  when?: (rel: Release) => boolean;
  args: "none" | "one" | "optional";
}

const KUBE_FLAGS: FlagSpec[] = [
  { name: "context", type: "string", usage: "The name of the kubeconfig context to use" },
  { name: "kubeconfig", type: "string", usage: "Path to the kubeconfig file to use for CLI requests." },
  { name: "namespace", short: "n", type: "string", usage: "If present, the namespace scope for this CLI request" },
  { name: "cluster", type: "string", usage: "The name of the kubeconfig cluster to use" },
  { name: "user", type: "string", usage: "The name of the kubeconfig user to use" },
  { name: "as", type: "string", usage: "Username to impersonate for the operation" },
  { name: "request-timeout", type: "string", usage: "The length of time to wait before giving up on a single server request" },
];

const INTERCEPT_FLAGS: FlagSpec[] = [
  { name: "port", short: "p", type: "strings", usage: "Local port to forward to. If intercepting a service with multiple ports, use <local port>:<svcPortIdentifier>" },
  { name: "service", type: "string", usage: "Name of service to intercept. If not provided, we will try to auto-detect one" },
  { name: "workload", short: "w", type: "string", usage: "Name of workload (Deployment, ReplicaSet, StatefulSet, Rollout) to intercept, if different from <name>" },
  { name: "container", type: "string", usage: "Name of container that provides the environment and mounts for the intercept", when: (r) => r.containerFlag },
  { name: "address", type: "string", usage: "Local address to forward to, Only accepts IP address as a value. e.g. '--address 10.0.0.2'" },
  { name: "mount", type: "string", usage: "The absolute path for the root directory where volumes will be mounted, $TELEPRESENCE_ROOT. Use \"true\" to have Telepresence pick a random mount point (default). Use \"false\" to disable filesystem mounting entirely." },
  { name: "env-file", short: "e", type: "string", usage: "Also emit the remote environment to an env file in Docker Compose format." },
  { name: "env-syntax", type: "string", usage: "Syntax used for env-file. One of \"docker\", \"compose\", \"sh\", \"csh\", \"cmd\", and \"ps\"" },
  { name: "env-json", short: "j", type: "string", usage: "Also emit the remote environment to a file as a JSON blob." },
  { name: "detailed-output", type: "bool", usage: "Provide very detailed info about the intercept when used together with --output=json or --output=yaml" },
  { name: "docker-run", type: "bool", usage: "Run a Docker container with intercepted environment, volume mount, by passing arguments after -- to 'docker run'" },
  { name: "namespace", short: "n", type: "string", usage: "If present, the namespace scope for this CLI request" },
  { name: "http-header", type: "strings", usage: "Only intercept traffic that matches this \"HTTP2_HEADER=REGEXP\" specifier.", when: (r) => r.httpFilters },
  { name: "http-path-prefix", type: "string", usage: "Only intercept traffic with paths beginning with this prefix.", when: (r) => r.httpFilters },
];

const COMMANDS: CommandSpec[] = [
  { name: "connect", short: "Connect to a cluster", args: "none", flags: [
    ...KUBE_FLAGS,
    { name: "manager-namespace", type: "string", usage: "The namespace where the traffic manager is to be found. Overrides any other manager namespace set in config" },
    { name: "docker", type: "bool", usage: "Start, or connect to, daemon in a docker container" },
    { name: "mapped-namespaces", type: "strings", usage: "Comma separated list of namespaces considered by DNS resolver and NAT for outbound connections." },
  ] },
  { name: "status", short: "Show connectivity status", args: "none", flags: [] },
  { name: "version", short: "Show version", args: "none", flags: [] },
  { name: "list", short: "List current intercepts", args: "none", flags: [
    { name: "intercepts", short: "i", type: "bool", usage: "intercepts only" },
    { name: "agents", short: "a", type: "bool", usage: "with installed agents only" },
    { name: "ingests", short: "g", type: "bool", usage: "ingests only", when: (r) => r.ingest },
    { name: "replacements", short: "r", type: "bool", usage: "replacements only", when: (r) => r.replace },
    { name: "wiretaps", short: "t", type: "bool", usage: "wiretaps only", when: (r) => r.wiretap },
    { name: "namespace", short: "n", type: "string", usage: "If present, the namespace scope for this CLI request" },
    { name: "show-env", type: "bool", usage: "show environment values", when: (r) => r.detach },
  ] },
  { name: "intercept", short: "Intercept a service", args: "one", flags: INTERCEPT_FLAGS },
  { name: "replace", short: "Replace a container", args: "one", when: (r) => r.replace, flags: INTERCEPT_FLAGS.filter((f) => !f.name.startsWith("http-")) },
  { name: "wiretap", short: "Wiretap a service", args: "one", when: (r) => r.wiretap, flags: INTERCEPT_FLAGS.filter((f) => !f.name.startsWith("http-")) },
  { name: "leave", short: "Remove existing intercept", args: "one", flags: [] },
  { name: "detach", short: "Remove existing intercept, replace, ingest, or wiretap", args: "one", when: (r) => r.detach, flags: [
    { name: "namespace", short: "n", type: "string", usage: "If present, the namespace scope for this CLI request" },
  ] },
  { name: "quit", short: "Tell telepresence daemons to quit", args: "none", flags: [
    { name: "stop-daemons", short: "s", type: "bool", usage: "stop all local telepresence daemons" },
  ] },
  { name: "helm", short: "Install telepresence traffic manager into a cluster", args: "optional", flags: [
    ...KUBE_FLAGS,
    { name: "manager-namespace", type: "string", usage: "The namespace where the traffic manager is to be found." },
  ] },
];

function globalFlags(rel: Release): FlagSpec[] {
  const all: FlagSpec[] = [
    { name: "output", type: "string", hidden: rel.formatFlag === "format", usage: "Set the output format, supported values are 'json', 'yaml', 'json-stream', and 'default'" },
    { name: "format", type: "string", when: (r) => r.formatFlag === "format", usage: "Set the output format, supported values are 'json', 'yaml', and 'json-stream'" },
    { name: "progress", type: "string", when: (r) => r.progressFlag, usage: "Set the progress output: 'auto', 'tty', 'plain', 'json', or 'quiet'" },
    { name: "help", short: "h", type: "bool", usage: "help for telepresence" },
    { name: "use", type: "string", usage: "Match expression that uniquely identifies the daemon container" },
  ];
  return all.filter((f) => !f.when || f.when(rel));
}

export interface Parsed {
  command: string;
  args: string[];
  flags: Map<string, string[]>;
  passthrough: string[];
}

class UsageError extends Error {}

export function parseArgs(argv: string[], rel: Release): Parsed {
  const globals = globalFlags(rel);
  let command = "";
  const args: string[] = [];
  const flags = new Map<string, string[]>();
  const passthrough: string[] = [];
  const specFor = (cmd: CommandSpec | undefined) => [...globals, ...(cmd?.flags ?? []).filter((f) => !f.when || f.when(rel))];
  let cmd: CommandSpec | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      passthrough.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      const spec = specFor(cmd).find((f) => f.name === name);
      if (!spec) throw new UsageError(`unknown flag: --${name}`);
      let value: string;
      if (eq >= 0) value = a.slice(eq + 1);
      else if (spec.type === "bool") value = "true";
      else {
        if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: --${name}`);
        value = argv[++i]!;
      }
      flags.set(name, [...(flags.get(name) ?? []), value]);
      continue;
    }
    if (a.startsWith("-") && a.length > 1) {
      const letter = a[1]!;
      const spec = specFor(cmd).find((f) => f.short === letter);
      if (!spec) throw new UsageError(`unknown shorthand flag: '${letter}' in ${a}`);
      let value: string;
      if (spec.type === "bool") value = a.length > 2 && a[2] === "=" ? a.slice(3) : "true";
      else if (a.length > 2) value = a[2] === "=" ? a.slice(3) : a.slice(2);
      else {
        if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: '${letter}' in -${letter}`);
        value = argv[++i]!;
      }
      flags.set(spec.name, [...(flags.get(spec.name) ?? []), value]);
      continue;
    }
    if (!command) {
      command = a;
      cmd = COMMANDS.find((c) => c.name === command && (!c.when || c.when(rel)));
      continue;
    }
    args.push(a);
  }
  return { command, args, flags, passthrough };
}

function flag(p: Parsed, name: string): string | undefined {
  const v = p.flags.get(name);
  return v ? v[v.length - 1] : undefined;
}
function boolFlag(p: Parsed, name: string): boolean {
  const v = flag(p, name);
  return v !== undefined && v !== "false";
}
function listFlag(p: Parsed, name: string): string[] {
  return (p.flags.get(name) ?? []).flatMap((v) => v.split(",")).filter((v) => v !== "");
}

export function helpText(rel: Release, command?: string): string {
  const fmt = (f: FlagSpec) => {
    const short = f.short ? `-${f.short}, ` : "    ";
    const type = f.type === "bool" ? "" : f.type === "strings" ? " strings" : " string";
    return `  ${short}--${f.name}${type}`.padEnd(34) + f.usage;
  };
  const cmd = COMMANDS.find((c) => c.name === command && (!c.when || c.when(rel)));
  const globals = globalFlags(rel).filter((f) => !f.hidden).map(fmt).join("\n");
  if (cmd) {
    const flags = cmd.flags.filter((f) => !f.when || f.when(rel)).map(fmt).join("\n");
    return `${cmd.short}\n\nUsage:\n  telepresence ${cmd.name} [flags]\n\nFlags:\n${flags}\n\nGlobal Flags:\n${globals}\n`;
  }
  const cmds = COMMANDS.filter((c) => !c.when || c.when(rel)).map((c) => `  ${c.name.padEnd(12)}${c.short}`).join("\n");
  return `Telepresence can connect to a cluster and route all outbound traffic from your
workstation to that cluster so that software running locally can communicate
as if it executed remotely, inside the cluster. This is achieved using the
command:

telepresence connect

Telepresence can also intercept traffic intended for a specific service in a
cluster and redirect it to your local workstation:

telepresence intercept <name of service>

Usage:
  telepresence [command]

Available Commands:
${cmds}

Global Flags:
${globals}

Use "telepresence [command] --help" for more information about a command.
(playground emulation of Telepresence OSS v${rel.version})
`;
}

// ---- the daemon ----------------------------------------------------------------------------

async function daemonStatus(stateDir: string): Promise<StatusModel | undefined> {
  const res = await callDaemon(stateDir, { op: "status" });
  if (!res) return undefined;
  if (!res.ok) throw new Error(res.error);
  return res.result as StatusModel;
}

async function ensureDaemon(stateDir: string): Promise<void> {
  if (await callDaemon(stateDir, { op: "status" })) return;
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const log = openSync(join(stateDir, "connector.log"), "a");
  const child = spawn(process.execPath, [MAIN_PATH, "daemon-foreground", "--state-dir", stateDir], {
    detached: true,
    stdio: ["ignore", log, log],
    env: process.env,
  });
  child.unref();
  for (let i = 0; i < 400; i++) {
    if (await callDaemon(stateDir, { op: "status" })) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`the user daemon did not start; see ${join(stateDir, "connector.log")}`);
}

async function request<T>(stateDir: string, req: Request): Promise<T> {
  const res = await callDaemon(stateDir, req);
  if (!res) throw new Error("the user daemon is not running");
  if (!res.ok) throw new UserFacing(res.error);
  return res.result as T;
}

class UserFacing extends Error {}

function connectArgs(p: Parsed, env: NodeJS.ProcessEnv, stdin: () => string): ConnectArgs {
  const kc = flag(p, "kubeconfig");
  const texts = kc === "-" ? [stdin()] : readKubeconfigTexts(kubeconfigPaths(kc, env));
  const ns = flag(p, "namespace");
  const ctx = flag(p, "context");
  // An unknown context fails here, in the CLI, before any daemon is started or asked (see missingContextError).
  const missing = missingContextError(parseKubeconfigs(texts), ctx);
  if (missing) throw new UserFacing(missing);
  // telepresence.md §6: the flag, then $TELEPRESENCE_MANAGER_NAMESPACE of the calling CLI.
  const mns = flag(p, "manager-namespace") || env.TELEPRESENCE_MANAGER_NAMESPACE;
  return {
    kubeconfigTexts: texts,
    kubeconfigPaths: kc === "-" ? [] : kubeconfigPaths(kc, env),
    ...(ctx ? { context: ctx } : {}),
    ...(ns ? { namespace: ns } : {}),
    ...(mns ? { managerNamespace: mns } : {}),
    docker: boolFlag(p, "docker"),
    mappedNamespaces: listFlag(p, "mapped-namespaces"),
    noRootDaemon: !!env.PLAYGROUND_TELEPRESENCE_NO_ROOT_DAEMON && env.PLAYGROUND_TELEPRESENCE_NO_ROOT_DAEMON !== "0",
  };
}

/** Session commands connect implicitly when not connected (deprecated, telepresence.md §2). */
async function ensureConnected(stateDir: string, p: Parsed, env: NodeJS.ProcessEnv, stdin: () => string): Promise<void> {
  await ensureDaemon(stateDir);
  const s = await daemonStatus(stateDir);
  if (s?.connection) return;
  await request(stateDir, { op: "connect", args: connectArgs({ ...p, flags: new Map([...p.flags].filter(([k]) => ["context", "kubeconfig", "manager-namespace", "docker"].includes(k))) }, env, stdin) });
}

function envFileText(env: Record<string, string>, syntax: string): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return Object.keys(env).sort().map((k) => {
    const val = env[k]!;
    switch (syntax) {
      case "sh": return `export ${k}=${q(val)}\n`;
      case "csh": return `setenv ${k} ${q(val)}\n`;
      case "cmd": return `set ${k}=${val}\r\n`;
      case "ps": return `$Env:${k} = "${val.replace(/"/g, '`"')}"\r\n`;
      default: return `${k}=${val}\n`;
    }
  }).join("");
}

export interface CliIO {
  env: NodeJS.ProcessEnv;
  stdin: () => string;
  write(stdout: string, stderr: string): void;
}

async function runCommand(p: Parsed, rel: Release, io: CliIO, mode: OutputMode, useFormat: boolean): Promise<CommandResult | "streamed"> {
  const stateDir = stateDirFor(io.env);
  const json = mode !== "default";
  // Commands of newer releases do not exist in older ones (`detach` 2.27, `wiretap` 2.23, `replace` 2.22).
  if (!COMMANDS.some((c) => c.name === p.command && (!c.when || c.when(rel)))) throw new UsageError(`unknown command "${p.command}" for "telepresence"`);
  switch (p.command) {
    case "version": {
      const s = await daemonStatus(stateDir).catch(() => undefined);
      // 2.28 `--format`: a structured object (telepresence PR #4167); `--output` keeps the text.
      if (useFormat) return { data: versionObject(rel, s) };
      return { text: versionText(rel, s) };
    }
    case "status": {
      const s = await daemonStatus(stateDir).catch(() => undefined);
      return json ? { data: statusObject(s, rel), bare: true } : { text: statusText(s) };
    }
    case "connect": {
      const args = connectArgs(p, io.env, io.stdin);
      // The root daemon is launched by the CLI through sudo before the user daemon (telepresence.md §3).
      if (args.noRootDaemon && !args.docker) throw new UserFacing("failed to launch the daemon service: sudo: a terminal is required to read the password; either use the -S option to read from standard input or configure an askpass helper");
      await ensureDaemon(stateDir);
      const r = await request<{ already: boolean; model: ConnectionModel }>(stateDir, { op: "connect", args });
      return json ? {} : { text: connectText(r.model, r.already) };
    }
    case "list": {
      await ensureConnected(stateDir, p, io.env, io.stdin);
      const ns = flag(p, "namespace");
      const fetchList = async () => {
        let ws = await request<WorkloadModel[]>(stateDir, { op: "list", args: ns ? { namespace: ns } : {} });
        if (boolFlag(p, "intercepts")) ws = ws.filter((w) => w.intercepts.some((r) => !r.spec.replace && !r.spec.wiretap));
        if (boolFlag(p, "replacements")) ws = ws.filter((w) => w.intercepts.some((r) => r.spec.replace));
        if (boolFlag(p, "wiretaps")) ws = ws.filter((w) => w.intercepts.some((r) => r.spec.wiretap));
        if (boolFlag(p, "ingests")) ws = [];
        if (boolFlag(p, "agents")) ws = ws.filter((w) => w.agent);
        return ws;
      };
      if (mode === "json-stream") {
        // Streams arrays until killed (telepresence.md §2).
        let last = "";
        for (;;) {
          const ws = await fetchList();
          const line = JSON.stringify(ws.map((w) => workloadObject(w, rel, boolFlag(p, "show-env"))));
          if (line !== last) io.write(`${line}\n`, "");
          last = line;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
      const ws = await fetchList();
      return json ? { data: ws.map((w) => workloadObject(w, rel, boolFlag(p, "show-env"))) } : { text: listText(ws) };
    }
    case "intercept":
    case "replace":
    case "wiretap": {
      const name = p.args[0];
      if (!name) throw new UsageError(`accepts 1 arg(s), received 0`);
      await ensureConnected(stateDir, p, io.env, io.stdin);
      const ports = p.flags.get("port") ?? [];
      const mount = flag(p, "mount") ?? "true";
      const m = await request<InterceptModel>(stateDir, {
        op: "intercept",
        args: {
          name,
          ...(ports.length > 0 ? { port: ports[0]! } : {}),
          ...(flag(p, "service") ? { service: flag(p, "service")! } : {}),
          ...(flag(p, "workload") ? { workload: flag(p, "workload")! } : {}),
          ...(flag(p, "container") ? { container: flag(p, "container")! } : {}),
          ...(flag(p, "address") ? { address: flag(p, "address")! } : {}),
          ...(flag(p, "namespace") ? { namespace: flag(p, "namespace")! } : {}),
          ...(flag(p, "http-path-prefix") ? { pathPrefix: flag(p, "http-path-prefix")! } : {}),
          mount,
          headers: p.flags.get("http-header") ?? [],
          replace: p.command === "replace",
          wiretap: p.command === "wiretap",
        },
      });
      const envFile = flag(p, "env-file");
      if (envFile) writeFileSync(envFile, envFileText(m.record.spec.environment, flag(p, "env-syntax") ?? "docker"));
      const envJson = flag(p, "env-json");
      if (envJson) writeFileSync(envJson, `${JSON.stringify(m.record.spec.environment, null, 2)}\n`);
      if (p.passthrough.length > 0) {
        // `intercept NAME -- cmd`: run the command with the remote environment, then leave.
        const code = await new Promise<number>((resolve) => {
          const child = spawn(p.passthrough[0]!, p.passthrough.slice(1), { stdio: "inherit", env: { ...io.env, ...m.record.spec.environment } });
          child.on("exit", (c) => resolve(c ?? 1));
          child.on("error", () => resolve(1));
        });
        await request(stateDir, { op: "leave", args: { name } });
        return code === 0 ? {} : { err: `exit status ${code}` };
      }
      const mountWarn = m.mount && m.mountError ? `${m.mountError}\n` : "";
      if (!json) return { text: interceptText(m), stderr: mountWarn };
      if (boolFlag(p, "detailed-output")) return { data: interceptInfo(m, rel), bare: true };
      return rel.interceptSilentWithoutDetail ? {} : { text: interceptText(m) };
    }
    case "leave":
    case "detach": {
      const name = p.args[0];
      if (!name) throw new UsageError(`accepts 1 arg(s), received 0`);
      const s = await daemonStatus(stateDir).catch(() => undefined);
      if (!s?.connection) {
        await ensureConnected(stateDir, p, io.env, io.stdin);
      }
      await request(stateDir, { op: "leave", args: { name } });
      return {};
    }
    case "quit": {
      const stop = boolFlag(p, "stop-daemons");
      const res = await callDaemon(stateDir, { op: stop ? "stop" : "disconnect" });
      const was = res?.ok ? (res.result as { wasConnected: boolean }).wasConnected : false;
      if (stop && res) {
        // Wait for the daemon to be gone so a following connect starts a fresh one.
        for (let i = 0; i < 200 && (await callDaemon(stateDir, { op: "status" }).catch(() => undefined)); i++) await new Promise((r) => setTimeout(r, 10));
      }
      const text = was ? "Disconnected\n" : "Not connected\n";
      if (json && rel.quitSilentInJson) return {};
      return { text };
    }
    case "helm": {
      const sub = p.args[0];
      if (sub !== "install") throw new UsageError(sub ? `unknown command "${sub}" for "telepresence helm"` : `accepts 1 arg(s), received 0`);
      const kc = flag(p, "kubeconfig");
      const cfg = parseKubeconfigs(kc === "-" ? [io.stdin()] : readKubeconfigTexts(kubeconfigPaths(kc, io.env)));
      const ctx = resolveContext(cfg, flag(p, "context"));
      if ("error" in ctx) throw new UserFacing(ctx.error);
      // Loaded here only: every other command stays a quick start.
      const [{ HttpClusterClient }, { installTrafficManager }] = await Promise.all([import("../cluster/http-client.ts"), import("./manager.ts")]);
      const client = new HttpClusterClient({ server: ctx.server, ...(ctx.token ? { token: ctx.token } : {}), ...(ctx.ca ? { ca: ctx.ca } : {}), insecureSkipTLSVerify: ctx.insecure });
      try {
        const ns = flag(p, "manager-namespace") || io.env.TELEPRESENCE_MANAGER_NAMESPACE || undefined;
        await installTrafficManager(client, { version: rel.version, ...(ns ? { namespace: ns } : {}) });
      } catch (err) {
        throw new UserFacing(err instanceof Error ? err.message : String(err));
      } finally {
        client.close();
      }
      return { text: "\nTraffic Manager installed successfully\n" };
    }
    default:
      throw new UsageError(`unknown command "${p.command}" for "telepresence"`);
  }
}

function prescanFormat(argv: string[], rel: Release): { mode: OutputMode; format: boolean } | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") break;
    const m = /^--(output|format)(?:=(.*))?$/.exec(a);
    if (!m || (m[1] === "format" && rel.formatFlag !== "format")) continue;
    const value = m[2] ?? argv[i + 1];
    if (value && (OUTPUT_MODES as readonly string[]).includes(value)) return { mode: value as OutputMode, format: m[1] === "format" };
  }
  return undefined;
}

/** Runs one invocation; returns the exit code. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  let rel: Release;
  try {
    rel = releaseFromEnv(io.env);
  } catch (err) {
    io.write("", `telepresence: error: ${(err as Error).message}\n`);
    return 1;
  }
  if (argv[0] === "daemon-foreground") {
    const i = argv.indexOf("--state-dir");
    const { runDaemon } = await import("./daemon.ts");
    await runDaemon(i >= 0 ? argv[i + 1]! : stateDirFor(io.env));
    return -1; // keeps running
  }
  let parsed: Parsed;
  let mode: OutputMode = "default";
  let useFormat = false;
  const cmdName = argv.find((a) => !a.startsWith("-")) ?? "";
  try {
    parsed = parseArgs(argv, rel);
  } catch (err) {
    // A parse error is still reported in the output format asked for, when one can be made out.
    const pre = prescanFormat(argv, rel);
    const r = render(cmdName || "telepresence", pre?.mode ?? "default", { err: (err as Error).message }, { formatFlag: pre?.format ?? false });
    io.write(r.stdout, r.stderr);
    return 1;
  }
  const output = flag(parsed, "output");
  const format = flag(parsed, "format");
  let deprecation = "";
  if (output !== undefined && format !== undefined) {
    io.write("", `telepresence ${parsed.command}: error: --output and --format are mutually exclusive\n`);
    return 1;
  }
  const chosen = format ?? output;
  if (chosen !== undefined) {
    const allowed: readonly string[] = format !== undefined ? ["json", "yaml", "json-stream"] : OUTPUT_MODES;
    if (!allowed.includes(chosen)) {
      io.write("", `telepresence ${parsed.command}: error: invalid output format "${chosen}"\n`);
      return 1;
    }
    mode = chosen as OutputMode;
    useFormat = format !== undefined;
    if (output !== undefined && rel.formatFlag === "format") deprecation = "Flag --output has been deprecated, use --format instead\n";
  }
  if (boolFlag(parsed, "help") || parsed.command === "help" || parsed.command === "") {
    io.write(helpText(rel, parsed.command === "help" ? parsed.args[0] : parsed.command), "");
    return 0;
  }
  const cmd = parsed.command;
  let result: CommandResult | "streamed";
  try {
    result = await runCommand(parsed, rel, io, mode, useFormat);
  } catch (err) {
    result = { err: err instanceof Error ? err.message : String(err) };
  }
  if (result === "streamed") return 0;
  const r = render(cmd, mode, result, { omitEmpty: rel.omitEmpty, formatFlag: useFormat });
  io.write(r.stdout, deprecation + r.stderr);
  return r.code;
}

/** For the real stdin of `--kubeconfig -`. */
export function readStdin(): string {
  try {
    return readFileSync(0, "utf8");
  } catch {
    return "";
  }
}
