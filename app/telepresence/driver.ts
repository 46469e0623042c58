// The telepresence driver: finds the program, learns what it can do, runs its commands one mutation
// at a time per context, and keeps the intercept state model current. Every call takes an
// AbortSignal and has a deadline; errors are SwitchboardErrors with the program's own message inside.
import { SwitchboardError, toErrorValue, type ErrorValue } from "../contract/errors.ts";
import { detectCapabilities, httpFilterAvailability, type Capabilities } from "./capabilities.ts";
import {
  connectArgs,
  displayCommand,
  helmInstallArgs,
  interceptArgs,
  jsonFlags,
  leaveArgs,
  listArgs,
  quitArgs,
  statusArgs,
  type ConnectOptions,
  type InterceptOptions,
} from "./commands.ts";
import { prepareEnvFile, secureEnvFile } from "./env-file.ts";
import { classifyProgramError, garbageOutputError, notConnectedError } from "./errors.ts";
import { checkLocalPort, type LocalPortCheck } from "./local-port.ts";
import { installHint, locateTelepresence, type Location } from "./locate.ts";
import { interpretJsonRun } from "./output.ts";
import { runProgram, type RunResult } from "./process.ts";
import { KeyedQueue } from "./queue.ts";
import { parseInterceptInfo, parseStatus, parseWorkloads, type ConnectionInfo, type InterceptInfo, type StatusInfo, type WorkloadInfo } from "./schemas.ts";
import { buildState, diffIntercepts, pickConnection, recheckAdvice, type InterceptDiff, type TelepresenceState } from "./state.ts";
import { atLeast, MIN_SUPPORTED, parseVersionOutput, type Version } from "./version.ts";

export interface Timeouts {
  /** version, --help, status, list, leave, quit. */
  quick: number;
  /** connect: starts daemons, reaches the cluster and the traffic-manager. */
  connect: number;
  /** intercept/replace/wiretap: may inject the agent and wait for the workload to roll out. */
  intercept: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { quick: 20_000, connect: 120_000, intercept: 300_000 };

export type ProgressStep =
  | "locating"
  | "connecting"
  | "disconnecting"
  | "installing-manager"
  | "injecting-agent"
  | "waiting-rollout"
  | "intercepting"
  | "leaving"
  | "refreshing";

export interface ProgressEvent {
  step: ProgressStep;
  status: "started" | "waiting" | "done" | "failed";
  text: string;
  context: string | null;
  /** Seconds since the step started (for "waiting"). */
  elapsedSeconds?: number;
  at: string;
}

export interface ProgramInfo {
  path: string;
  source: Location["source"];
  /** What to show in a copyable command: "telepresence" when on PATH, else the full path. */
  displayName: string;
  version: Version;
  capabilities: Capabilities;
}

export interface DriverOptions {
  /** The login shell's environment (PATH above all); defaults to this process's. */
  env?: NodeJS.ProcessEnv | undefined;
  /** Settings: an explicit path to telepresence. */
  configuredPath?: string | null | undefined;
  platform?: NodeJS.Platform | undefined;
  timeouts?: Partial<Timeouts> | undefined;
  onProgress?: ((event: ProgressEvent) => void) | undefined;
  now?: (() => Date) | undefined;
  /** How often "still waiting" progress is reported during long steps. */
  waitingTickMs?: number | undefined;
}

export interface CallOptions {
  signal?: AbortSignal | undefined;
}

export interface SessionTarget extends CallOptions {
  /** The kubeconfig context the session is about; null → whatever telepresence is connected to. */
  context?: string | null | undefined;
  namespace?: string | null | undefined;
}

export interface ConnectRequest extends ConnectOptions, CallOptions {
  /** Connected to another context or namespace: quit first (ends its intercepts) instead of failing. */
  reconnect?: boolean | undefined;
  /** Extra environment for `connect` (e.g. KUBECONFIG of several merged files, see kubeconfigChoice). */
  env?: Record<string, string> | null | undefined;
}

export interface InterceptRequest extends InterceptOptions, SessionTarget {
  /** Check 127.0.0.1/::1 for a listener first (default true). */
  checkLocalPort?: boolean | undefined;
}

export interface InterceptResult {
  intercept: InterceptInfo;
  state: TelepresenceState;
  localPort: LocalPortCheck | null;
  /** Warnings worth showing (nothing listening locally, mount problems). */
  warnings: string[];
  /** The equivalent command line for display. */
  command: string;
}

export interface RecheckResult {
  state: TelepresenceState;
  diff: InterceptDiff;
  /** What to tell the user, or null when all is as before. */
  advice: string | null;
}

type Verb = "intercept" | "replace" | "wiretap";

export class TelepresenceDriver {
  private readonly options: DriverOptions;
  private readonly timeouts: Timeouts;
  private readonly queue = new KeyedQueue();
  private program: Promise<ProgramInfo> | null = null;
  private lastState: TelepresenceState | null = null;
  /** Details of intercepts learned from `intercept` answers and lists, so status-only refreshes keep them. */
  private known = new Map<string, InterceptInfo>();

  constructor(options: DriverOptions = {}) {
    this.options = options;
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  }

  get state(): TelepresenceState | null {
    return this.lastState;
  }

  private get platform(): NodeJS.Platform {
    return this.options.platform ?? process.platform;
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private progress(event: Omit<ProgressEvent, "at">): void {
    this.options.onProgress?.({ ...event, at: this.now().toISOString() });
  }

  // ---- the program ---------------------------------------------------------------------------------

  /**
   * Finds telepresence, reads its version, checks the supported range and detects capabilities.
   * Cached; `force` looks again (after the user installed or updated it).
   */
  probe(options: CallOptions & { force?: boolean } = {}): Promise<ProgramInfo> {
    if (!this.program || options.force) {
      const attempt = this.detect(options.signal);
      this.program = attempt;
      // A failure is not cached: the next call looks again (the user may have just installed it).
      attempt.catch(() => {
        if (this.program === attempt) this.program = null;
      });
    }
    return this.program;
  }

  private async detect(signal: AbortSignal | undefined): Promise<ProgramInfo> {
    const location = await locateTelepresence({ env: this.options.env, configuredPath: this.options.configuredPath, platform: this.platform });
    const run = (args: string[]) => this.spawn(location.path, args, this.timeouts.quick, signal, `telepresence ${args.join(" ")}`);

    // `version` never starts daemons; it prints text even in JSON mode (§2).
    const versionRun = await run(["version"]);
    let version = parseVersionOutput(`${versionRun.stdout}\n${versionRun.stderr}`).client;
    if (!version) {
      // Some wrappers print only `status`; its user daemon version is the client's when running.
      const statusRun = await run(["status", "--output", "json"]).catch(() => null);
      const status = statusRun && statusRun.exitCode === 0 ? safeParseStatus(statusRun.stdout) : null;
      version = status?.connections[0]?.userDaemonVersion ?? null;
    }
    if (!version) {
      if (versionRun.exitCode !== 0) {
        throw classifyProgramError(versionRun.stderr || versionRun.stdout, { command: "version", platform: this.platform }, { path: location.path });
      }
      const error = garbageOutputError("version", versionRun.stdout || versionRun.stderr);
      throw new SwitchboardError(error.code, `Could not read the version of ${location.path}.`, error.hint, { ...error.details, path: location.path });
    }
    if (!atLeast(version, MIN_SUPPORTED)) {
      throw new SwitchboardError(
        "telepresence-too-old",
        `Telepresence ${version.raw} is too old: Switchboard needs ${MIN_SUPPORTED} or newer.`,
        installHint(this.platform),
        { path: location.path, version: version.raw, minimum: MIN_SUPPORTED },
      );
    }
    // Help texts refine the version's defaults; a failing --help only means we rely on the version.
    const [rootHelp, interceptHelp] = await Promise.all([
      run(["--help"]).then((r) => r.stdout, () => null),
      run(["intercept", "--help"]).then((r) => r.stdout, () => null),
    ]);
    signal?.throwIfAborted();
    return {
      path: location.path,
      source: location.source,
      displayName: location.source === "path" ? "telepresence" : location.path,
      version,
      capabilities: detectCapabilities(version, rootHelp, interceptHelp),
    };
  }

  private spawn(
    path: string,
    args: string[],
    timeoutMs: number,
    signal: AbortSignal | undefined,
    description: string,
    extraEnv?: Record<string, string> | null,
  ): Promise<RunResult> {
    const env = extraEnv ? { ...(this.options.env ?? process.env), ...extraEnv } : this.options.env;
    return runProgram(path, args, { timeoutMs, signal, env, description });
  }

  /** Runs a command with JSON output and returns its payload (undefined when it printed nothing). */
  private async runJson(
    args: string[],
    options: {
      timeoutMs: number;
      signal?: AbortSignal | undefined;
      target?: string | undefined;
      acceptText?: boolean;
      env?: Record<string, string> | null | undefined;
    },
  ): Promise<unknown> {
    const program = await this.probe({ signal: options.signal });
    const command = args[0] ?? "";
    const result = await this.spawn(
      program.path,
      [...args, ...jsonFlags(program.capabilities)],
      options.timeoutMs,
      options.signal,
      `telepresence ${command}`,
      options.env,
    );
    return interpretJsonRun(result, { command, target: options.target, platform: this.platform }, { acceptText: options.acceptText ?? false });
  }

  // ---- reading -------------------------------------------------------------------------------------

  /** `status --output json`: never starts daemons, never asks for sudo (§2): the poll. */
  async status(options: CallOptions = {}): Promise<StatusInfo> {
    const payload = await this.runJson(statusArgs(), { timeoutMs: this.timeouts.quick, signal: options.signal });
    const status = parseStatus(payload ?? {});
    if (!status) throw garbageOutputError("status", JSON.stringify(payload));
    return status;
  }

  /**
   * Interceptable workloads of the connected namespace (or `namespace`), with why-not reasons.
   * Refuses when not connected: a session command would connect implicitly (§2).
   */
  async list(target: SessionTarget = {}): Promise<WorkloadInfo[]> {
    const connection = await this.requireConnected("list", target);
    return this.listConnected(target.namespace ?? connection.namespace, target.signal);
  }

  private async listConnected(namespace: string | null | undefined, signal: AbortSignal | undefined): Promise<WorkloadInfo[]> {
    const payload = await this.runJson(listArgs({ namespace }), { timeoutMs: this.timeouts.quick, signal });
    const parsed = parseWorkloads(payload ?? []);
    if (!parsed) throw garbageOutputError("list", JSON.stringify(payload)?.slice(0, 2000) ?? "");
    for (const workload of parsed.workloads) for (const info of workload.intercepts) this.remember(info);
    return parsed.workloads;
  }

  /** Status (+ list when connected) → the state model. Also the periodic poll. */
  async refresh(target: SessionTarget & { withList?: boolean; provenConnected?: { namespace: string | null } } = {}): Promise<TelepresenceState> {
    // A session command (`list`) while disconnected would connect implicitly and may wait on sudo
    // (§2), so `list` normally waits for `status` to say connected. When the caller has just proven
    // the connection (an intercept or leave that succeeded this moment), both run side by side.
    const early =
      target.provenConnected && target.withList !== false
        ? this.listConnected(target.provenConnected.namespace, target.signal).then(
            (workloads) => ({ workloads, error: null }),
            (error: unknown) => ({ workloads: null, error }),
          )
        : null;
    const status = await this.status({ signal: target.signal }).catch(async (error: unknown) => {
      await early;
      throw error;
    });
    const connection = pickConnection(status, target.context);
    let workloads: WorkloadInfo[] | null = null;
    let listError: ErrorValue | null = null;
    const connectedHere = connection?.connected && (!target.context || connection.context === target.context);
    if (!connectedHere) await early;
    if (connectedHere && target.withList !== false) {
      try {
        const listed = early && connection.namespace === target.provenConnected?.namespace ? await early : null;
        if (listed?.error) throw listed.error;
        workloads = listed?.workloads ?? (await this.listConnected(connection.namespace, target.signal));
      } catch (error) {
        // A failing list must not turn a successful connect/intercept/leave into a failure: the
        // state says why the workloads are stale. Cancellation still cancels.
        if (target.signal?.aborted) throw error;
        listError = toErrorValue(error);
        workloads = this.lastState?.workloads ?? null;
      }
    } else if (connectedHere && this.lastState?.workloads) {
      // Status only: the last list's workloads, minus intercepts of ours that status no longer holds
      // (status is the authority on ours; a stale list must not keep an ended intercept alive).
      const held = new Set(connection.active.map((a) => a.name));
      const oursBefore = new Set(this.lastState.intercepts.filter((i) => i.mine).map((i) => i.name));
      workloads = this.lastState.workloads.map((w) => ({ ...w, intercepts: w.intercepts.filter((i) => held.has(i.name) || !oursBefore.has(i.name)) }));
    }
    const state = buildState({ status, context: target.context, workloads, listError, known: [...this.known.values()], now: this.now() });
    this.lastState = state;
    return state;
  }

  /** After sleep or a network drop: refresh and say what was lost. */
  async recheck(target: SessionTarget = {}): Promise<RecheckResult> {
    const before = this.lastState;
    const state = await this.refresh(target);
    return { state, diff: diffIntercepts(before, state), advice: recheckAdvice(before, state) };
  }

  /**
   * Polls `status` every `intervalMs` and `list` every `listEveryMs` while connected; calls `onState`
   * with each state and its diff. Never overlaps two polls. Returns a stop function.
   */
  watch(options: {
    context?: string | null;
    intervalMs?: number;
    listEveryMs?: number;
    onState: (state: TelepresenceState, diff: InterceptDiff) => void;
    onError?: (error: SwitchboardError) => void;
  }): () => void {
    const controller = new AbortController();
    const interval = options.intervalMs ?? 5_000;
    const listEvery = options.listEveryMs ?? 30_000;
    let lastList = 0;
    let timer: NodeJS.Timeout | null = null;
    const tick = async () => {
      const before = this.lastState;
      const withList = Date.now() - lastList >= listEvery;
      try {
        const state = await this.refresh({ context: options.context, withList, signal: controller.signal });
        if (withList) lastList = Date.now();
        options.onState(state, diffIntercepts(before, state));
      } catch (error) {
        if (controller.signal.aborted) return;
        options.onError?.(error instanceof SwitchboardError ? error : new SwitchboardError("internal", String(error)));
      }
      if (!controller.signal.aborted) timer = setTimeout(() => void tick(), interval);
    };
    void tick();
    return () => {
      controller.abort();
      if (timer) clearTimeout(timer);
    };
  }

  // ---- acting --------------------------------------------------------------------------------------

  private queueKey(context: string | null | undefined): string {
    return context ?? "";
  }

  /** Connects explicitly (context- and namespace-aware). A no-op when already connected there. */
  connect(request: ConnectRequest = {}): Promise<TelepresenceState> {
    return this.queue.run(this.queueKey(request.context), async () => {
      const { signal } = request;
      const context = request.context ?? null;
      const status = await this.status({ signal });
      const current = pickConnection(status, context);
      if (current?.connected) {
        const sameContext = !context || current.context === context;
        const sameNamespace = !request.namespace || current.namespace === request.namespace;
        if (sameContext && sameNamespace && !current.mustRestart) return this.refresh({ context, signal });
        // "Connected, but must restart" is broken anyway: reconnecting is the fix, not a loss.
        if (!request.reconnect && !current.mustRestart) {
          throw new SwitchboardError(
            "conflict",
            `Telepresence is connected to ${describeConnection(current)}; connecting to ${describeTarget(request)} would end that connection and its intercepts.`,
            "Disconnect first, or confirm the reconnect.",
            { reason: "connected-elsewhere", connectedContext: current.context, connectedNamespace: current.namespace },
          );
        }
        this.progress({ step: "disconnecting", status: "started", text: `Disconnecting from ${describeConnection(current)}`, context });
        await this.runJson(quitArgs(), { timeoutMs: this.timeouts.quick, signal, acceptText: true });
        this.progress({ step: "disconnecting", status: "done", text: "Disconnected", context });
      }
      await this.step("connecting", context, `Connecting to ${describeTarget(request)} (starts Telepresence's daemons)`, signal, () =>
        // Spawned in its own session (no controlling terminal): if the root daemon needs sudo, sudo
        // fails at once instead of waiting on a prompt nobody sees (§3), and we explain the ways out.
        this.runJson(connectArgs(request), { timeoutMs: this.timeouts.connect, signal, env: request.env }),
      );
      const state = await this.refresh({ context, signal });
      if (state.connection.phase !== "connected") {
        const detail = [state.connection.statusText, state.connection.error].filter(Boolean).join(": ");
        throw classifyProgramError(detail || "connect finished but Telepresence reports no connection", { command: "connect", platform: this.platform });
      }
      return state;
    });
  }

  /**
   * Installs the traffic-manager (`telepresence helm install`), the fix for "traffic manager not
   * found". Already installed counts as success (§2: "… is already installed, use 'telepresence helm
   * upgrade' instead").
   */
  installTrafficManager(request: Pick<ConnectOptions, "context" | "kubeconfig" | "managerNamespace"> & CallOptions = {}): Promise<{ alreadyInstalled: boolean }> {
    return this.queue.run(this.queueKey(request.context), () =>
      this.step("installing-manager", request.context ?? null, "Installing Telepresence's traffic-manager into the cluster", request.signal, async () => {
        try {
          await this.runJson(helmInstallArgs(request), { timeoutMs: this.timeouts.connect, signal: request.signal, acceptText: true });
          return { alreadyInstalled: false };
        } catch (error) {
          if (error instanceof SwitchboardError && /is already installed/i.test(String(error.details?.programMessage ?? ""))) {
            return { alreadyInstalled: true };
          }
          throw error;
        }
      }),
    );
  }

  /** Intercepts a workload's Service port to a local port. */
  intercept(request: InterceptRequest): Promise<InterceptResult> {
    return this.startSession("intercept", request);
  }

  /** Replaces the whole container (2.22+; ports are container ports). */
  replace(request: InterceptRequest): Promise<InterceptResult> {
    return this.startSession("replace", request);
  }

  /** A read-only copy of the traffic (2.23+); coexists with intercepts. */
  wiretap(request: InterceptRequest): Promise<InterceptResult> {
    return this.startSession("wiretap", request);
  }

  private startSession(verb: Verb, request: InterceptRequest): Promise<InterceptResult> {
    return this.queue.run(this.queueKey(request.context), async () => {
      const { signal } = request;
      const context = request.context ?? null;
      const program = await this.probe({ signal });
      const args = interceptArgs(request, program.capabilities, verb); // validates capabilities first
      const connection = await this.requireConnected(verb, request);
      if ((request.httpHeaders?.length ?? 0) > 0 || request.httpPathPrefix) {
        const availability = httpFilterAvailability(program.capabilities, connection.trafficManager?.version ?? null);
        if (!availability.available) {
          throw new SwitchboardError("telepresence-too-old", availability.reason ?? "HTTP-filtered intercepts are not available.", "Use a global intercept, or upgrade Telepresence.", {
            reason: "http-filter-unavailable",
          });
        }
      }

      const warnings: string[] = [];
      let localPort: LocalPortCheck | null = null;
      if (request.checkLocalPort !== false && verb !== "wiretap") {
        localPort = await checkLocalPort(request.port.local);
        if (localPort.warning) warnings.push(localPort.warning);
      }
      if (request.envFile) await prepareEnvFile(request.envFile);

      const known = this.lastState?.workloads?.find((w) => w.name === request.workload);
      const needsAgent = !known?.agentInstalled;
      const text = needsAgent
        ? `Injecting the traffic-agent into ${request.workload}: its pods restart once, waiting for the rollout`
        : `Starting the ${verb} of ${request.workload}`;
      const payload = await this.step(needsAgent ? "injecting-agent" : "intercepting", context, text, signal, () =>
        this.runJson([...args, "--detailed-output"], { timeoutMs: this.timeouts.intercept, signal, target: request.workload }),
      );
      if (request.envFile) await secureEnvFile(request.envFile);

      let info = parseInterceptInfo(payload);
      if (info) {
        if (info.disposition !== "ACTIVE" && info.disposition !== "UNSPECIFIED" && info.disposition !== "WAITING") {
          throw classifyProgramError(info.message ?? `${verb} in state ${info.disposition}`, { command: verb, target: request.workload, platform: this.platform }, {
            disposition: info.disposition,
          });
        }
        if (!info.namespace) info = { ...info, namespace: connection.namespace };
        this.remember(info);
      }
      const state = await this.refresh({ context, signal, provenConnected: { namespace: connection.namespace } });
      if (!info) {
        // Builds that print nothing (or text) on success: the intercept is in status/list now.
        const name = request.name ?? request.workload;
        const seen = state.intercepts.find((i) => i.name === name && i.mine);
        if (!seen) throw garbageOutputError(verb, typeof payload === "string" ? payload : JSON.stringify(payload ?? ""));
        info = this.known.get(seen.key) ?? viewToInfo(seen);
      }
      if (info.mount?.error) warnings.push(`Remote volumes were not mounted: ${info.mount.error}`);
      return { intercept: info, state, localPort, warnings, command: displayCommand(program.displayName, args, this.platform) };
    });
  }

  /** Ends an intercept (`leave`, or `detach` on the newest builds). */
  leave(request: SessionTarget & { name: string }): Promise<TelepresenceState> {
    return this.queue.run(this.queueKey(request.context), async () => {
      const program = await this.probe({ signal: request.signal });
      const args = leaveArgs(request.name, program.capabilities);
      const connection = await this.requireConnected(program.capabilities.leaveCommand, request);
      await this.step("leaving", request.context ?? null, `Ending ${request.name}`, request.signal, () =>
        this.runJson(args, { timeoutMs: this.timeouts.quick, signal: request.signal, target: request.name }),
      );
      for (const [key, info] of this.known) if (info.name === request.name) this.known.delete(key);
      return this.refresh({ context: request.context, signal: request.signal, provenConnected: { namespace: connection.namespace } });
    });
  }

  /** Disconnects (`quit`); `stopDaemons` also stops the daemons (`quit -s`). Ends all intercepts. */
  quit(request: SessionTarget & { stopDaemons?: boolean } = {}): Promise<TelepresenceState> {
    return this.queue.run(this.queueKey(request.context), async () => {
      await this.step("disconnecting", request.context ?? null, "Disconnecting Telepresence", request.signal, () =>
        this.runJson(quitArgs({ stopDaemons: request.stopDaemons }), { timeoutMs: this.timeouts.quick, signal: request.signal, acceptText: true }),
      );
      this.known.clear();
      return this.refresh({ context: request.context, signal: request.signal, withList: false });
    });
  }

  // ---- display ---------------------------------------------------------------------------------------

  /** The command line equivalent to an intercept/replace/wiretap request, for the UI to show and copy. */
  async commandLine(verb: Verb, request: InterceptOptions, options: CallOptions = {}): Promise<string> {
    const program = await this.probe(options);
    return displayCommand(program.displayName, interceptArgs(request, program.capabilities, verb), this.platform);
  }

  async connectCommandLine(request: ConnectOptions, options: CallOptions = {}): Promise<string> {
    const program = await this.probe(options);
    return displayCommand(program.displayName, connectArgs(request), this.platform);
  }

  // ---- helpers ---------------------------------------------------------------------------------------

  private async requireConnected(command: string, target: SessionTarget): Promise<ConnectionInfo> {
    const status = await this.status({ signal: target.signal });
    const connection = pickConnection(status, target.context);
    if (!connection?.connected) {
      throw notConnectedError(command, connection?.status && connection.status !== "Not connected" ? connection.status : undefined);
    }
    if (target.context && connection.context && connection.context !== target.context) {
      throw notConnectedError(command, `connected to context ${connection.context}, not ${target.context}`);
    }
    if (command !== "list" && target.namespace && connection.namespace && connection.namespace !== target.namespace) {
      throw notConnectedError(command, `connected to namespace ${connection.namespace}, not ${target.namespace}`);
    }
    return connection;
  }

  private async step<T>(step: ProgressStep, context: string | null, text: string, signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
    const started = Date.now();
    this.progress({ step, status: "started", text, context });
    const tickMs = this.options.waitingTickMs ?? 10_000;
    const ticker = setInterval(() => {
      if (signal?.aborted) return;
      // Still the same step: only what is observed (the core watches the pods) may say the rollout is under way.
      this.progress({ step, status: "waiting", text, context, elapsedSeconds: Math.round((Date.now() - started) / 1000) });
    }, tickMs);
    try {
      const result = await work();
      this.progress({ step, status: "done", text, context });
      return result;
    } catch (error) {
      this.progress({ step, status: "failed", text: error instanceof Error ? error.message : String(error), context });
      throw error;
    } finally {
      clearInterval(ticker);
    }
  }

  private remember(info: InterceptInfo): void {
    this.known.set(`${info.namespace ?? ""}/${info.name}`, info);
  }
}

function viewToInfo(view: TelepresenceState["intercepts"][number]): InterceptInfo {
  return {
    id: null,
    name: view.name,
    workload: view.workload,
    namespace: view.namespace,
    client: view.client,
    kind: view.kind === "ingest" ? "intercept" : view.kind,
    disposition: view.disposition ?? "UNSPECIFIED",
    message: view.message,
    workloadKind: null,
    targetHost: view.localHost,
    targetPort: view.localPort,
    servicePort: view.servicePort,
    containerPort: null,
    containerName: null,
    podIp: view.podIp,
    environment: null,
    mount: null,
    filterDescription: null,
    global: view.global,
    httpFilter: view.httpFilter,
  };
}

function safeParseStatus(stdout: string): StatusInfo | null {
  try {
    const value: unknown = JSON.parse(stdout);
    return parseStatus(value && typeof value === "object" && "stdout" in value ? (value as { stdout: unknown }).stdout : value);
  } catch {
    return null;
  }
}

function describeConnection(connection: ConnectionInfo): string {
  return `context ${connection.context ?? "(unknown)"}${connection.namespace ? `, namespace ${connection.namespace}` : ""}`;
}

function describeTarget(request: ConnectOptions): string {
  return `${request.context ? `context ${request.context}` : "the current context"}${request.namespace ? `, namespace ${request.namespace}` : ""}`;
}

export function createTelepresenceDriver(options: DriverOptions = {}): TelepresenceDriver {
  return new TelepresenceDriver(options);
}

