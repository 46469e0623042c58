// `switchboard`: the command line over the same core the app uses (createCore, host "cli"): the same
// kubeconfig merge, cluster session, GKE model, diagnosis, Compute API health and error messages.
// Shapes of --json output: app/cli/README.md. Exit codes: 0 done, 1 an error (code, message, hint),
// 2 a usage mistake.
import { parseArgs } from "node:util";
import type { ContextsView, ServiceDetail, ServicesState } from "../contract/api.ts";
import { SwitchboardError, toErrorValue, type ErrorValue } from "../contract/errors.ts";
import { createCore, type Core } from "../core/core.ts";
import { formatContexts, formatDetail, formatError, formatStatus } from "./format.ts";

export const USAGE = `usage:
  switchboard contexts                       [--kubeconfig FILE] [--json]
  switchboard status   [-n NAMESPACE]        [--context NAME] [--kubeconfig FILE] [--json]
  switchboard diagnose SERVICE -n NAMESPACE  [--context NAME] [--kubeconfig FILE] [--json]
  switchboard strategy plan|apply|rollback|list SERVICE -n NAMESPACE …  (switchboard strategy --help)
  switchboard intercept SERVICE -n NAMESPACE --port LOCAL[:SERVICE_PORT] [--http-header NAME=VALUE | --wiretap | --replace] …
  switchboard leave SERVICE -n NAMESPACE                                  (switchboard intercept --help)

options:
  --kubeconfig FILE      kubeconfig to read (default: $KUBECONFIG, else ~/.kube/config); repeatable
  --context NAME         context to use (default: the kubeconfig's current-context)
  -n, --namespace NS     namespace (default: the context's, else "default")
  --json                 machine-readable output (shapes in app/cli/README.md)
  --compute-api URL      Compute API base URL for endpoint health (env SWITCHBOARD_COMPUTE_API)
  --compute-token TOKEN  fixed access token for it (env SWITCHBOARD_COMPUTE_TOKEN; default: ADC)
  --project PROJECT      Google Cloud project of the NEGs (env SWITCHBOARD_PROJECT; default: from a
                         gke_<project>_<location>_<cluster> context name)
  --timeout SECONDS      give up connecting after this long (default 30)
`;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
}

class UsageError extends Error {}

interface Parsed {
  command: "contexts" | "status" | "diagnose";
  service: string | null;
  json: boolean;
  kubeconfig: string[];
  context: string | null;
  namespace: string | null;
  computeApi: string | null;
  computeToken: string | null;
  project: string | null;
  timeoutMs: number;
}

export function parseCli(argv: string[]): Parsed | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: "boolean", default: false },
        kubeconfig: { type: "string", multiple: true },
        context: { type: "string" },
        namespace: { type: "string", short: "n" },
        "compute-api": { type: "string" },
        "compute-token": { type: "string" },
        project: { type: "string" },
        timeout: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0 || positionals[0] === "help") return "help";
  const [command, ...rest] = positionals;
  if (command !== "contexts" && command !== "status" && command !== "diagnose") throw new UsageError(`unknown command "${command}"`);
  if (command === "diagnose" && rest.length !== 1) throw new UsageError("diagnose takes one SERVICE name");
  if (command !== "diagnose" && rest.length > 0) throw new UsageError(`${command} takes no arguments, got "${rest.join(" ")}"`);
  const timeout = values.timeout === undefined ? 30 : Number(values.timeout);
  if (!Number.isFinite(timeout) || timeout <= 0) throw new UsageError(`--timeout must be a number of seconds, not "${values.timeout}"`);
  return {
    command,
    service: command === "diagnose" ? rest[0]! : null,
    json: values.json,
    kubeconfig: values.kubeconfig ?? [],
    context: values.context ?? null,
    namespace: values.namespace ?? null,
    computeApi: values["compute-api"] ?? null,
    computeToken: values["compute-token"] ?? null,
    project: values.project ?? null,
    timeoutMs: timeout * 1000,
  };
}

/** Runs one command; resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  // Health strategies have their own flags and module (app/cli/strategy.ts).
  if (argv[0] === "strategy") return (await import("./strategy.ts")).strategyCommand(argv.slice(1), io);
  // Click-to-intercept: its own flags and module (app/cli/intercept.ts).
  if (argv[0] === "intercept" || argv[0] === "leave") return (await import("./intercept.ts")).interceptCommands[argv[0]]!(argv.slice(1), io);
  let args: Parsed | "help";
  try {
    args = parseCli(argv);
  } catch (error) {
    io.stderr(`switchboard: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args === "help") {
    io.stdout(USAGE);
    return 0;
  }
  const a = args;
  const core = createCore({
    host: "cli",
    env: io.env,
    ...(a.kubeconfig.length ? { kubeconfigPaths: a.kubeconfig } : {}),
    autoConnect: false,
    watch: false,
    connectTimeoutMs: a.timeoutMs,
    telepresencePollMs: 0,
    wakeCheckMs: 0, // one command, then gone: nothing to re-check
    compute: {
      ...(a.computeApi ? { apiUrl: a.computeApi } : {}),
      ...(a.computeToken ? { token: a.computeToken } : {}),
      ...(a.project ? { project: a.project } : {}),
    },
    log: (message, error) => io.stderr(`switchboard: ${message}${error ? `: ${String(error)}` : ""}\n`),
  });
  try {
    const result = await withDeadline(run(core, a), a.timeoutMs + 5000);
    io.stdout(a.json ? `${JSON.stringify(result.value, null, 2)}\n` : result.text);
    return 0;
  } catch (error) {
    const value: ErrorValue = toErrorValue(error);
    if (a.json) io.stdout(`${JSON.stringify({ error: value }, null, 2)}\n`);
    io.stderr(formatError(value));
    return 1;
  } finally {
    await core.close();
  }
}

async function run(core: Core, a: Parsed): Promise<{ value: unknown; text: string }> {
  const contexts: ContextsView = await core["contexts.list"]({});
  if (a.command === "contexts") {
    if (contexts.contexts.length === 0 && contexts.problems.length > 0) throw contexts.problems[0];
    return { value: contexts, text: formatContexts(contexts) };
  }
  const context = a.context ?? contexts.currentContext;
  if (!context) {
    throw contexts.problems[0] ??
      new SwitchboardError(
        "kubeconfig-missing",
        `No context to use: ${contexts.files.length ? `${contexts.files.join(", ")} ha${contexts.files.length === 1 ? "s" : "ve"} no current-context` : "no kubeconfig file was found"}.`,
        "Pass --context NAME (see `switchboard contexts`), or point --kubeconfig / KUBECONFIG at a kubeconfig.",
      );
  }
  await core["session.select"]({ context, ...(a.namespace ? { namespace: a.namespace } : {}) });
  const state: ServicesState = await core["services.list"]({});
  if (a.command === "status") return { value: state, text: formatStatus(state) };
  const namespace = state.namespace ?? a.namespace ?? "default";
  const detail: ServiceDetail = await core["services.get"]({ namespace, name: a.service! });
  return { value: detail, text: formatDetail(detail) };
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new SwitchboardError("timeout", `No answer within ${Math.round(ms / 1000)} s.`, "Check that the cluster is reachable, or give more time with --timeout.")),
      ms,
    );
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
