// `switchboard intercept` and `switchboard leave`: click-to-intercept from a terminal, through the same
// core as the app (createCore, host "cli": app/core/intercepts.ts with the live model behind it), so
// the checks, the explicit connect, the health verdict and the error words are the same.
//
// Before intercepting, the health verdict (the same the app's panel shows): when a global intercept of
// the port would send the load balancer's health checks to the laptop (telepresence.md §5), it says
// so and names what avoids it first (a header filter, or a health strategy), then goes ahead, like the
// panel's "Start intercept anyway"; `--json` carries the verdict as `health`.
//
//   switchboard intercept SERVICE -n NS --port LOCAL_PORT[:SERVICE_PORT] [--http-header NAME=VALUE | --wiretap | --replace]
//                         [--write-env FILE] [--mount]
//   (`--write-env`, not telepresence's `--env-file`: Node takes `--env-file` anywhere on its command
//   line, even after the script, as its own option and exits 9 before this code runs.)
//   switchboard leave SERVICE -n NS
//   common: --json, --kubeconfig FILE, --context NAME, --telepresence PATH (else $SWITCHBOARD_TELEPRESENCE, PATH)
//
// Like telepresence itself, `intercept` returns once the intercept is active; it lives on in
// Telepresence's daemon until `switchboard leave` (or `telepresence leave`/`quit`).
// Exit codes: 0 done, 1 the action failed (the error's code, message and hint are printed), 2 usage.
import { resolve as resolvePath } from "node:path";
import { parseArgs } from "node:util";
import { SwitchboardError, toErrorValue, type ErrorValue } from "../contract/errors.ts";
import type { InterceptSpec } from "../contract/intercepts.ts";
import { interceptSpecSchema } from "../contract/intercepts.ts";
import type { HealthVerdict, InterceptStartResult } from "../contract/intercepts.ts";
import type { SwitchboardEvent } from "../contract/api.ts";
import { createCore, type Core } from "../core/core.ts";
import { kubeconfigPaths, loadKubeconfig } from "../kube/kubeconfig.ts";

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Record<string, string | undefined>;
}

const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
};

export const INTERCEPT_USAGE = `usage: switchboard intercept SERVICE -n NAMESPACE --port LOCAL_PORT[:SERVICE_PORT] [--http-header NAME=VALUE | --wiretap | --replace]
                              [--write-env FILE] [--mount] [--workload NAME] [--json] [--kubeconfig FILE] [--context NAME] [--telepresence PATH]
       switchboard leave SERVICE -n NAMESPACE [--json] [--kubeconfig FILE] [--context NAME] [--telepresence PATH]
`;

const common = {
  namespace: { type: "string", short: "n" },
  json: { type: "boolean", default: false },
  kubeconfig: { type: "string" },
  context: { type: "string" },
  telepresence: { type: "string" },
  help: { type: "boolean", short: "h", default: false },
} as const;

class UsageError extends Error {}

/** `--port 8080` or `--port 8080:http` (local first, as telepresence's `--port`). */
export function parsePortArg(value: string): { localPort: number; servicePort: string | undefined } {
  const match = /^(\d{1,5})(?::([A-Za-z0-9-]{1,63}))?$/.exec(value);
  const local = match ? Number(match[1]) : NaN;
  if (!match || local < 1 || local > 65535) throw new UsageError(`--port must be LOCAL_PORT[:SERVICE_PORT] (e.g. 8080 or 8080:http), not "${value}"`);
  return { localPort: local, servicePort: match[2] };
}

export function parseHeaderArg(value: string): { name: string; value: string } {
  const i = value.indexOf("=");
  if (i <= 0 || i === value.length - 1) throw new UsageError(`--http-header must be NAME=VALUE (e.g. x-dev=alice), not "${value}"`);
  return { name: value.slice(0, i), value: value.slice(i + 1) };
}

function printError(io: CliIo, json: boolean, error: ErrorValue): void {
  if (json) {
    io.stdout(`${JSON.stringify({ error }, null, 2)}\n`);
    return;
  }
  io.stderr(`switchboard: ${error.message} [${error.code}]\n`);
  if (error.hint) io.stderr(`  hint: ${error.hint}\n`);
}

type Connection = { kubeconfig?: string | undefined; context?: string | undefined; namespace?: string | undefined; telepresence?: string | undefined };

/** The core on the chosen context and namespace, its progress printed to stderr (stdout stays the answer). */
async function openCore(io: CliIo, values: Connection, json: boolean): Promise<Core> {
  const location = values.kubeconfig ? { paths: [values.kubeconfig], origin: "explicit" as const } : kubeconfigPaths(io.env);
  const merged = loadKubeconfig(location.paths);
  const context = values.context ?? merged.currentContext;
  if (!context) throw new SwitchboardError("context-not-found", "No kubeconfig context is selected.", "Pass --context NAME, or set one with `kubectl config use-context`.");
  if (!merged.contexts.has(context)) {
    throw new SwitchboardError("context-not-found", `There is no context "${context}" in ${location.paths.join(", ")}.`, "`kubectl config get-contexts` lists the contexts.", { context });
  }
  const core = createCore({
    host: "cli",
    env: io.env,
    ...(location.origin === "explicit" ? { kubeconfigPaths: location.paths } : {}),
    ...(values.telepresence ? { telepresencePath: values.telepresence } : {}),
    autoConnect: false,
    watch: false,
    telepresencePollMs: 0,
    wakeCheckMs: 0, // one command, then gone: nothing to re-check
    log: () => undefined,
  });
  core.subscribe((events: SwitchboardEvent[]) => {
    if (json) return;
    for (const event of events) {
      if (event.type !== "intercept-progress" || event.progress.status === "failed") continue;
      const p = event.progress;
      io.stderr(`  ${p.status === "done" ? "✓" : "…"} ${p.text}${p.elapsedSeconds ? ` (${p.elapsedSeconds} s)` : ""}\n`);
    }
  });
  try {
    await core["session.select"]({ context, ...(values.namespace ? { namespace: values.namespace } : {}) });
  } catch (error) {
    await core.close();
    throw error;
  }
  return core;
}

async function withCore<T>(io: CliIo, values: Connection, json: boolean, work: (core: Core) => Promise<T>): Promise<T> {
  const core = await openCore(io, values, json);
  try {
    return await work(core);
  } finally {
    await core.close();
  }
}

/** What to run instead, in this CLI's words, for each fix the verdict offers. */
function alternatives(verdict: HealthVerdict, spec: InterceptSpec, filterAvailable: boolean): string[] {
  const target = `${spec.service} -n ${spec.namespace}`;
  const port = spec.servicePort ? `${spec.localPort}:${spec.servicePort}` : String(spec.localPort);
  const lines: string[] = [];
  if (verdict.filteredSafe && filterAvailable) lines.push(`switchboard intercept ${target} --port ${port} --http-header x-dev=$USER   (only requests with that header; no cluster change)`);
  for (const { fix } of verdict.strategies) {
    const servicePort = spec.servicePort ? ` --port ${spec.servicePort}` : "";
    if (fix.strategy === "sidecar") lines.push(`switchboard strategy apply ${target} --sidecar${servicePort}   (${fix.title})`);
    else if (fix.strategy === "dedicated-port") lines.push(`switchboard strategy apply ${target} --dedicated-port PORT${servicePort}   (${fix.title})`);
    else if (fix.strategy === "pin-serving-port") lines.push(`switchboard strategy apply ${target} --pin-serving-port${servicePort}   (${fix.title})`);
  }
  return lines;
}

export async function interceptCommand(argv: string[], io: CliIo = defaultIo): Promise<number> {
  let json = argv.includes("--json");
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        ...common,
        port: { type: "string", short: "p" },
        "http-header": { type: "string" },
        wiretap: { type: "boolean", default: false },
        replace: { type: "boolean", default: false },
        "write-env": { type: "string" },
        mount: { type: "boolean", default: false },
        workload: { type: "string" },
      },
      allowPositionals: true,
      strict: true,
    });
    json = values.json;
    if (values.help) {
      io.stdout(INTERCEPT_USAGE);
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError("give exactly one SERVICE to intercept");
    if (!values.namespace) throw new UsageError("-n NAMESPACE is required");
    if (!values.port) throw new UsageError("--port LOCAL_PORT[:SERVICE_PORT] is required");
    const { localPort, servicePort } = parsePortArg(values.port);
    const header = values["http-header"] ? parseHeaderArg(values["http-header"]) : undefined;
    if ([Boolean(header), values.wiretap, values.replace].filter(Boolean).length > 1) throw new UsageError("choose one of --http-header, --wiretap and --replace");
    const envFile = values["write-env"] ? resolvePath(values["write-env"]) : undefined;
    const spec: InterceptSpec = {
      namespace: values.namespace,
      service: positionals[0]!,
      localPort,
      kind: header ? "http-filtered" : values.wiretap ? "wiretap" : values.replace ? "replace" : "global",
      ...(envFile ? { envFile } : {}),
      ...(values.mount ? { mount: true } : {}),
      ...(servicePort ? { servicePort } : {}),
      ...(header ? { header } : {}),
      ...(values.workload ? { workload: values.workload } : {}),
    };
    const checked = interceptSpecSchema.safeParse(spec);
    if (!checked.success) throw new UsageError(checked.error.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; "));
    const result: InterceptStartResult & { health: HealthVerdict } = await withCore(io, values, json, async (core) => {
      const preview = await core["intercepts.preview"](spec);
      if (preview.health.healthCheckHitsPort && !json) {
        io.stderr(`warning: ${preview.health.reason}\n`);
        const instead = alternatives(preview.health, spec, preview.kinds["http-filtered"].available);
        if (instead.length > 0) io.stderr(`  to avoid it, first:\n${instead.map((l) => `    ${l}\n`).join("")}  intercepting anyway.\n`);
      }
      return { ...(await core["intercepts.start"](spec)), health: preview.health };
    });
    if (json) {
      io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      const it = result.intercept;
      const what = it.httpFilter.length > 0 ? `requests matching ${it.httpFilter.join(", ")}` : spec.kind === "wiretap" ? "a copy of all traffic" : "all traffic";
      const verb = spec.kind === "wiretap" ? "Wiretapping" : spec.kind === "replace" ? "Replacing the container of" : "Intercepting";
      io.stdout(`${verb} ${spec.namespace}/${spec.service}${it.servicePort ? ` port ${it.servicePort}` : ""}: ${what} goes to localhost:${it.localPort ?? localPort}.\n`);
      if (envFile) io.stdout(`  environment: ${envFile} (mode 0600)\n`);
      for (const warning of result.warnings) io.stdout(`  warning: ${warning}\n`);
      io.stdout(`  same as: ${result.command}\n  end it:  switchboard leave ${it.name} -n ${spec.namespace}\n`);
    }
    return 0;
  } catch (error) {
    return fail(io, json, error);
  }
}

export async function leaveCommand(argv: string[], io: CliIo = defaultIo): Promise<number> {
  let json = argv.includes("--json");
  try {
    const { values, positionals } = parseArgs({ args: argv, options: common, allowPositionals: true, strict: true });
    json = values.json;
    if (values.help) {
      io.stdout(INTERCEPT_USAGE);
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError("give exactly one SERVICE (intercept name) to leave");
    if (!values.namespace) throw new UsageError("-n NAMESPACE is required");
    const name = positionals[0]!;
    const status = await withCore(io, values, json, (core) => core["intercepts.stop"]({ namespace: values.namespace!, name }));
    if (json) io.stdout(`${JSON.stringify(status, null, 2)}\n`);
    else io.stdout(`Left ${values.namespace}/${name}: its traffic goes to the cluster again.\n`);
    return 0;
  } catch (error) {
    return fail(io, json, error);
  }
}

function fail(io: CliIo, json: boolean, error: unknown): number {
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith?.("ERR_PARSE_ARGS")) {
    printError(io, json, { code: "invalid-request", message: (error as Error).message, hint: "Run `switchboard intercept --help`." });
    if (!json) io.stderr(INTERCEPT_USAGE);
    return 2;
  }
  printError(io, json, toErrorValue(error));
  return 1;
}

/** What app/cli/main.ts registers. */
export const interceptCommands: Record<string, (argv: string[], io?: CliIo) => Promise<number>> = {
  intercept: interceptCommand,
  leave: leaveCommand,
};

// Runnable on its own too: `node app/cli/intercept.ts intercept web -n demo --port 8080`.
if (import.meta.main) {
  const [command, ...rest] = process.argv.slice(2);
  const run = command ? interceptCommands[command] : undefined;
  if (!run) {
    process.stderr.write(INTERCEPT_USAGE);
    process.exitCode = 2;
  } else {
    process.exitCode = await run(rest);
  }
}
