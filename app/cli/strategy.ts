// `switchboard strategy`: health strategies from a terminal, through the same core module as the app
// (app/core/strategies.ts), so the plan, the guards, the journal and the error words are the same.
//
//   switchboard strategy plan     SERVICE -n NS (--sidecar | --dedicated-port N | --pin-serving-port) [--port SVCPORT]
//   switchboard strategy apply    SERVICE -n NS (same) [--yes]      preview, confirm (y/N on a TTY), apply, verify
//   switchboard strategy rollback SERVICE -n NS [--operation ID]    default: the latest operation of SERVICE
//   switchboard strategy list     [SERVICE] [-n NS]
//   common: --json, --kubeconfig FILE, --context NAME, --compute-api URL, --compute-token T, --project P
//
// `apply` plans and applies in the same process, so what is applied is exactly the diff shown. Without
// a TTY it refuses unless --yes is given (a script must say it means it). Progress goes to stderr, the
// answer to stdout (pure JSON with --json). Exit codes: 0 done, 1 failed / refused / not verified
// healthy, 2 usage.
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import { SwitchboardError, toErrorValue, type ErrorValue } from "../contract/errors.ts";
import { strategyPlanInputSchema, type StrategyApplyResult, type StrategyOperationView, type StrategyPlanInput, type StrategyPlanView } from "../contract/strategies.ts";
import { computeSettingsFromEnv } from "../core/endpoint-health.ts";
import { createStrategies, type Strategies } from "../core/strategies.ts";
import { clientConfigFor, gkeOf, kubeconfigPaths, loadKubeconfig } from "../kube/kubeconfig.ts";

export interface StrategyIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Record<string, string | undefined>;
  /** Where y/N is read from; a confirmation is asked only when it is a TTY. */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Colour the diff (default: stdout is a TTY and NO_COLOR is unset). */
  color?: boolean;
}

export const STRATEGY_USAGE = `usage: switchboard strategy plan     SERVICE -n NAMESPACE (--sidecar | --dedicated-port PORT | --pin-serving-port) [--port SERVICE_PORT]
       switchboard strategy apply    SERVICE -n NAMESPACE (--sidecar | --dedicated-port PORT | --pin-serving-port) [--port SERVICE_PORT] [--yes]
       switchboard strategy rollback SERVICE -n NAMESPACE [--operation ID] [--force]
       switchboard strategy list     [SERVICE] [-n NAMESPACE]

options:
  --sidecar                 add a health container and point the health check at it (telepresence.md §5 row 5)
    --sidecar-image IMAGE   its image (default hashicorp/http-echo:1.0)
    --sidecar-port PORT     the port it listens on and the check goes to (default 8081, or the next free one)
    --health-path PATH      the path it answers (default /healthz)
  --dedicated-port PORT     the app ALREADY serves health on PORT: declare it and check there (row 6)
  --pin-serving-port        pin the check to the app's port number (row 3; refused for numeric targetPorts)
  --port SERVICE_PORT       which Service port (name or number; default its only one)
  --yes                     apply without asking (required without a TTY)
  --timeout DURATION        apply: how long to wait for the rollout, and then for healthy (e.g. 90s, 5m; default 5m each)
  --operation ID            rollback: the operation (default: the latest of SERVICE)
  --force                   rollback: put back only Switchboard's change on top of somebody's later edit
  --json, --kubeconfig FILE, --context NAME, --compute-api URL, --compute-token TOKEN, --project PROJECT
`;

class UsageError extends Error {}

const OPTIONS = {
  namespace: { type: "string", short: "n" },
  json: { type: "boolean", default: false },
  kubeconfig: { type: "string", multiple: true },
  context: { type: "string" },
  "compute-api": { type: "string" },
  "compute-token": { type: "string" },
  project: { type: "string" },
  sidecar: { type: "boolean", default: false },
  "sidecar-image": { type: "string" },
  "sidecar-port": { type: "string" },
  "health-path": { type: "string" },
  "dedicated-port": { type: "string" },
  "pin-serving-port": { type: "boolean", default: false },
  port: { type: "string" },
  yes: { type: "boolean", short: "y", default: false },
  timeout: { type: "string" },
  operation: { type: "string" },
  force: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

type Values = ReturnType<typeof parse>["values"];

function parse(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** A TCP port number given as a flag (1–65535, digits only: "8081", not "http" or "8081.0"). */
function portNumber(flag: string, text: string | undefined): number {
  const port = Number(text);
  if (!/^\d{1,5}$/.test(text ?? "") || port < 1 || port > 65535) throw new UsageError(`${flag} must be a port number (1-65535), not "${text}"`);
  return port;
}

/** The plan request the flags describe (validated by the contract's schema). */
export function planInputOf(service: string, v: Values): StrategyPlanInput {
  const chosen = [v.sidecar && "sidecar", v["dedicated-port"] !== undefined && "dedicated-port", v["pin-serving-port"] && "pin-serving-port"].filter(Boolean);
  if (chosen.length !== 1) throw new UsageError("choose exactly one strategy: --sidecar, --dedicated-port PORT or --pin-serving-port");
  if (!v.namespace) throw new UsageError("-n NAMESPACE is required");
  const strategy = chosen[0] as StrategyPlanInput["strategy"];
  const input: StrategyPlanInput = { namespace: v.namespace, service, strategy, ...(v.port ? { port: v.port } : {}) };
  if (strategy !== "sidecar" && (v["sidecar-image"] !== undefined || v["sidecar-port"] !== undefined)) {
    throw new UsageError(`${v["sidecar-image"] !== undefined ? "--sidecar-image" : "--sidecar-port"} applies to --sidecar only`);
  }
  if (strategy === "sidecar" && (v["sidecar-image"] || v["sidecar-port"] !== undefined || v["health-path"])) {
    input.sidecar = {
      ...(v["sidecar-image"] ? { image: v["sidecar-image"] } : {}),
      ...(v["sidecar-port"] !== undefined ? { port: portNumber("--sidecar-port", v["sidecar-port"]) } : {}),
      ...(v["health-path"] ? { path: v["health-path"] } : {}),
    };
  }
  if (strategy === "dedicated-port") {
    const port = portNumber("--dedicated-port", v["dedicated-port"]);
    input.dedicatedPort = { port, ...(v["health-path"] ? { path: v["health-path"] } : {}) };
  } else if (strategy !== "sidecar" && v["health-path"]) {
    throw new UsageError("--health-path applies to --sidecar and --dedicated-port");
  }
  const checked = strategyPlanInputSchema.safeParse(input);
  if (!checked.success) throw new UsageError(checked.error.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; "));
  return input;
}

/** `--timeout`: seconds ("90", "90s") or minutes ("5m"), as milliseconds. */
export function timeoutOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d{1,6})(s|m)?$/.exec(text);
  const ms = m ? Number(m[1]) * (m[2] === "m" ? 60_000 : 1000) : 0;
  if (!m || ms <= 0) throw new UsageError(`--timeout must be a duration such as 90s or 5m, not "${text}"`);
  return ms;
}

function openStrategies(io: StrategyIo, v: Values, json: boolean): { strategies: Strategies; context: string } {
  const location = v.kubeconfig?.length ? { paths: v.kubeconfig, origin: "explicit" as const } : kubeconfigPaths(io.env);
  const merged = loadKubeconfig(location.paths);
  const context = v.context ?? merged.currentContext;
  if (!context) {
    throw merged.problems[0] ?? new SwitchboardError("context-not-found", "No kubeconfig context is selected.", "Pass --context NAME, or set one with `kubectl config use-context`.");
  }
  const entry = merged.contexts.get(context);
  if (!entry) throw new SwitchboardError("context-not-found", `There is no context "${context}" in ${location.paths.join(", ")}.`, "`kubectl config get-contexts` lists the contexts.", { context });
  const env = computeSettingsFromEnv(io.env);
  const gke = gkeOf(context, String(entry.body.cluster ?? ""), null);
  const compute = {
    ...env,
    ...(v["compute-api"] ? { apiUrl: v["compute-api"] } : {}),
    ...(v["compute-token"] ? { token: v["compute-token"] } : {}),
    ...(v.project ? { project: v.project } : !env.project && gke?.project ? { project: gke.project } : {}),
  };
  const timeoutMs = timeoutOf(v.timeout);
  const strategies = createStrategies({
    env: io.env,
    ...(timeoutMs ? { tuning: { rolloutTimeoutMs: timeoutMs, verifyTimeoutMs: timeoutMs } } : {}),
    session: () => ({ context, namespace: v.namespace ?? null }),
    kubeConfig: (name) => clientConfigFor(merged, name),
    compute: () => compute,
    emit: (event) => {
      // Step by step on stderr, so stdout stays the answer.
      if (event.type === "strategy-progress" && !json) {
        const p = event.progress;
        io.stderr(`  ${p.step === "failed" ? "✗" : p.step === "verified" || p.step === "done" ? "✓" : "…"} ${p.message}\n`);
      }
    },
    log: (message, error) => io.stderr(`switchboard: ${message}${error ? `: ${String(error)}` : ""}\n`),
  });
  return { strategies, context };
}

const paint = (on: boolean) => (code: string, text: string) => (on ? `\x1b[${code}m${text}\x1b[0m` : text);

/** The preview as text: what changes, per object its diff and command, the warnings. */
export function formatPlan(plan: StrategyPlanView, color = false): string {
  const c = paint(color);
  const out = [`${c("1", plan.title)} — ${plan.service.namespace}/${plan.service.name} port ${plan.service.port}${plan.context ? ` (context ${plan.context})` : ""}`, plan.description, ""];
  for (const w of plan.warnings) out.push(`${w.severity === "danger" ? c("31;1", "DANGER") : w.severity === "warning" ? c("33", "warning") : c("36", "note")}: ${w.message}${w.references.length ? ` (${w.references.join(", ")})` : ""}`);
  if (plan.warnings.length) out.push("");
  for (const ch of plan.changes) {
    out.push(c("1", `${ch.action === "create" ? "create" : "patch"} ${ch.object.kind} ${ch.object.namespace}/${ch.object.name}`) + ` — ${ch.summary}${ch.restartsPods ? " (restarts its pods, one by one)" : ""}`);
    for (const line of ch.yamlDiff.replace(/\n$/, "").split("\n")) {
      out.push(line.startsWith("+") && !line.startsWith("+++") ? c("32", line) : line.startsWith("-") && !line.startsWith("---") ? c("31", line) : line.startsWith("@@") ? c("36", line) : line);
    }
    out.push("");
  }
  out.push("The same with kubectl:", plan.kubectlScript.replace(/\n$/, ""), "");
  return `${out.join("\n")}\n`;
}

export function formatOperation(op: StrategyOperationView): string {
  const steps = op.steps.map((s) => `  ${s.action} ${s.object.kind} ${s.object.name}: ${s.status}${s.error ? ` (${s.error})` : ""}`).join("\n");
  return `${op.id}  ${op.state}${op.pending ? " (PENDING: finish it with the app, or roll it back)" : ""}  ${op.title}  ${op.service.namespace}/${op.service.name}:${op.service.port}  ${op.createdAt}\n${steps}\n`;
}

async function confirm(io: StrategyIo, question: string): Promise<boolean> {
  const stdin = io.stdin ?? process.stdin;
  const rl = createInterface({ input: stdin, output: process.stderr, terminal: false });
  try {
    io.stderr(question);
    const answer = await rl.question("");
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export async function strategyCommand(argv: string[], io: StrategyIo = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), env: process.env }): Promise<number> {
  let json = argv.includes("--json");
  let opened: Strategies | null = null;
  try {
    const { values: v, positionals } = parse(argv);
    json = v.json;
    if (v.help || positionals.length === 0) {
      io.stdout(STRATEGY_USAGE);
      return v.help ? 0 : 2;
    }
    const [sub, ...rest] = positionals;
    if (sub !== "plan" && sub !== "apply" && sub !== "rollback" && sub !== "list") throw new UsageError(`unknown strategy command "${sub}" (plan, apply, rollback or list)`);
    if (sub !== "list" && rest.length !== 1) throw new UsageError(`strategy ${sub} takes one SERVICE`);
    if (sub === "list" && rest.length > 1) throw new UsageError("strategy list takes at most one SERVICE");
    const service = rest[0] ?? null;
    const input = sub === "plan" || sub === "apply" ? planInputOf(service!, v) : null;
    if (v.timeout !== undefined && sub !== "apply") throw new UsageError("--timeout applies to apply only");
    timeoutOf(v.timeout);
    if (sub === "rollback" && !v.namespace && !v.operation) throw new UsageError("-n NAMESPACE is required (or --operation ID)");
    const color = io.color ?? (!json && Boolean((process.stdout as { isTTY?: boolean }).isTTY) && !io.env.NO_COLOR);
    const stdin = io.stdin ?? process.stdin;
    // Refuse before touching the cluster: a script must say it means it.
    if (sub === "apply" && !v.yes && !stdin.isTTY) {
      throw new SwitchboardError("invalid-request", "Refusing to apply without a confirmation: there is no terminal to ask on.", "Look at the plan (`switchboard strategy plan …`), then run apply again with --yes.");
    }
    const { strategies } = openStrategies(io, v, json);
    opened = strategies;
    const m = strategies.methods;

    if (sub === "list") {
      const list = await m["strategies.list"]({ ...(v.namespace ? { namespace: v.namespace } : {}), ...(service ? { service } : {}) });
      io.stdout(json ? `${JSON.stringify(list, null, 2)}\n` : list.operations.length ? list.operations.map(formatOperation).join("\n") : "No operations.\n");
      return 0;
    }

    if (sub === "rollback") {
      let id = v.operation;
      if (!id) {
        const list = await m["strategies.list"]({ namespace: v.namespace!, service: service! });
        const latest = list.operations.find((o) => o.canRollback);
        if (!latest) throw new SwitchboardError("not-found", `There is no operation on ${v.namespace}/${service} to roll back${list.context ? ` in context "${list.context}"` : ""}.`, "`switchboard strategy list` shows the operations and their states.");
        id = latest.id;
      }
      if (!json) io.stderr(`Rolling back ${id}…\n`);
      const op = await m["strategies.rollback"]({ operationId: id, ...(v.force ? { force: true } : {}) });
      io.stdout(json ? `${JSON.stringify(op, null, 2)}\n` : `Rolled back ${op.id}: every object is as it was before.\n`);
      return 0;
    }

    const planned = await m["strategies.plan"](input!);
    if (!planned.ok) {
      const error: ErrorValue = { code: "invalid-request", message: `The ${planned.refusal.strategy} strategy cannot be used here: ${planned.refusal.reason}`, hint: "Choose another strategy (see `switchboard strategy --help`).", details: { refusal: planned.refusal } };
      if (json) io.stdout(`${JSON.stringify(sub === "plan" ? planned : { error }, null, 2)}\n`);
      else io.stderr(`switchboard: ${error.message}${planned.refusal.references.length ? ` (${planned.refusal.references.join(", ")})` : ""}\n  hint: ${error.hint}\n`);
      return 1;
    }
    const plan = planned.plan;
    if (sub === "plan") {
      io.stdout(json ? `${JSON.stringify(planned, null, 2)}\n` : formatPlan(plan, color));
      return 0;
    }
    if (!json) io.stdout(formatPlan(plan, color));
    else if (!v.yes) io.stderr(formatPlan(plan, false));
    if (!v.yes) {
      const ok = await confirm(io, `Apply these ${plan.changes.length} change${plan.changes.length === 1 ? "" : "s"} to ${plan.context ?? "the cluster"}? [y/N] `);
      if (!ok) {
        io.stderr("Nothing was changed.\n");
        return 1;
      }
    }
    const result: StrategyApplyResult = await m["strategies.apply"]({ planId: plan.planId });
    const healthy = result.verification?.healthy ?? true;
    if (json) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    else {
      io.stdout(`Applied as operation ${result.operation.id}.${result.verification ? ` ${result.verification.healthy ? "Verified" : "NOT verified"}: ${result.verification.message}` : ""}\n`);
      io.stdout(`  undo it: switchboard strategy rollback ${plan.service.name} -n ${plan.service.namespace} --operation ${result.operation.id}\n`);
    }
    return healthy ? 0 : 1;
  } catch (error) {
    if (error instanceof UsageError) {
      const value: ErrorValue = { code: "invalid-request", message: error.message, hint: "Run `switchboard strategy --help`." };
      if (json) io.stdout(`${JSON.stringify({ error: value }, null, 2)}\n`);
      else io.stderr(`switchboard: ${value.message}\n\n${STRATEGY_USAGE}`);
      return 2;
    }
    const value = toErrorValue(error);
    if (json) io.stdout(`${JSON.stringify({ error: value }, null, 2)}\n`);
    else io.stderr(`switchboard: ${value.message} [${value.code}]\n${value.hint ? `  hint: ${value.hint}\n` : ""}`);
    return 1;
  } finally {
    await opened?.close();
  }
}

// Runnable on its own too: `node app/cli/strategy.ts plan web -n demo --sidecar`.
if (import.meta.main) {
  process.exitCode = await strategyCommand(process.argv.slice(2));
}
