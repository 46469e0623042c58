// Click-to-intercept, the core's part: the contract's telepresence.* and intercepts.* methods on top of
// the telepresence driver (app/telepresence), the Telepresence state as events, and the intercepts as
// TelepresenceFacts for the GKE model. core.ts composes it; the session (context, namespace,
// kubeconfig) comes from there.
//
//   const intercepts = createIntercepts({ env, session: () => ({ context, namespace }), kubeconfigFiles,
//                                         serviceDetail, emit: events.emit });
//   Object.assign(methods, intercepts.methods);     // telepresence.status, intercepts.start, …
//   intercepts.telepresenceFacts();                  // for the snapshot (read side)
//   intercepts.onFactsChanged(() => rederive());
//   intercepts.sessionChanged();                     // after a reconnect / sleep: re-check
//
// Rules: never connect implicitly (telepresence.md §2: a session command would connect on its own and
// may wait on a sudo prompt nobody sees), so `intercepts.start` runs an explicit `connect` first when
// needed; the periodic refresh is `status` only (never starts daemons); after an app restart the first
// refresh also lists, which rediscovers the intercepts the daemon kept.
import { spawn } from "node:child_process";
import { homedir } from "node:os";
import type { MethodInput, ServiceDetail, SwitchboardEvent } from "../contract/api.ts";
import { SwitchboardError, toErrorValue, type ErrorValue } from "../contract/errors.ts";
import type {
  HealthVerdict,
  InterceptKindChoice,
  InterceptMethodOutputs,
  InterceptPreview,
  InterceptProgress,
  InterceptProgressStep,
  InterceptStateView,
  TelepresencePhase,
  TelepresenceStatusView,
} from "../contract/intercepts.ts";
import { interceptSpecSchema } from "../contract/intercepts.ts";
import type { Fix } from "../contract/model.ts";
import type { InterceptFact, TelepresenceFacts } from "../gke/snapshot.ts";
import {
  checkLocalPort,
  createTelepresenceDriver,
  httpFilterAvailability,
  kubeconfigChoice,
  parseVersion,
  type InterceptOptions,
  type ProgramInfo,
  type ProgressEvent,
  type TelepresenceDriver,
  type TelepresenceState,
} from "../telepresence/index.ts";
import { connectArgs, displayCommand } from "../telepresence/commands.ts";
import { terminalLaunch } from "../telepresence/terminal.ts";
import type { z } from "zod";

type Spec = z.output<typeof interceptSpecSchema>;
type Methods = { [M in keyof InterceptMethodOutputs]: (input: MethodInput<M>) => Promise<InterceptMethodOutputs[M]> };

export interface InterceptsOptions {
  /** The login shell's environment (PATH above all). */
  env: Record<string, string | undefined>;
  /** An explicit telepresence program (a setting, or the embedded playground's); else env SWITCHBOARD_TELEPRESENCE, else PATH. */
  telepresencePath?: string | null | undefined;
  /** The session the intercepts are for. */
  session(): { context: string | null; namespace: string | null };
  /** The kubeconfig files the core merged (handed to telepresence the same way). */
  kubeconfigFiles: string[];
  /** The core's model of a Service (services.get), for the health verdict; null when unknown. */
  serviceDetail?: ((namespace: string, name: string) => Promise<ServiceDetail | null>) | undefined;
  emit(event: SwitchboardEvent): void;
  /** Status poll interval; 0 turns polling off. Default 5 s. */
  pollMs?: number | undefined;
  log?: ((message: string, error?: unknown) => void) | undefined;
  platform?: NodeJS.Platform | undefined;
  /** Stop Telepresence's daemons on close (the embedded playground's program: its cluster goes away with the app). */
  stopDaemonsOnClose?: boolean | undefined;
}

export interface Intercepts {
  methods: Methods;
  /** The intercepts as the GKE model wants them; undefined while Telepresence's view of the cluster is unknown. */
  telepresenceFacts(): TelepresenceFacts | undefined;
  onFactsChanged(listener: () => void): () => void;
  /** The session reconnected (after sleep or a network drop) or changed: re-check what Telepresence holds. */
  sessionChanged(): void;
  /** This machine's intercepts (for the quit dialog). */
  active(): InterceptStateView[];
  close(): Promise<void>;
}

const STRATEGY_ORDER: Fix["strategy"][] = ["sidecar", "dedicated-port", "pin-serving-port"];
/** How often the rollout of an agent injection is looked at (in the core's own model: no I/O). */
const ROLLOUT_POLL_MS = 500;
/** How often status is asked while the user types the password in the terminal the app opened. */
const TERMINAL_POLL_MS = 1_000;

/** The health verdict for intercepting `servicePort` with `kind` (pure; telepresence.md §5 via the model's whatIf). */
export function healthVerdict(detail: ServiceDetail | null, servicePort: string | null, kind: InterceptKindChoice, filterAvailable: boolean): HealthVerdict {
  if (!detail) {
    return { known: false, healthCheckHitsPort: null, filteredSafe: null, reason: "Switchboard has not read this service's health check yet.", offerFirst: "none", strategies: [] };
  }
  // A Service port by name or by number, as telepresence's `--port LOCAL:SVC_PORT` takes it (§2): the
  // model keys ports by name when they have one, so `8080` means the port named `http` too.
  const named = servicePort === null ? undefined : detail.view.ports.find((p) => p.key === servicePort || p.name === servicePort || String(p.port) === servicePort);
  const portKey = named?.key ?? servicePort ?? (detail.view.ports.length === 1 ? detail.view.ports[0]!.key : null);
  const whatIfs = detail.view.ports.flatMap((p) => p.healthChecks.flatMap((hc) => hc.whatIf.filter((w) => w.interceptPort === portKey)));
  if (!portKey || whatIfs.length === 0) {
    return {
      known: true,
      healthCheckHitsPort: false,
      filteredSafe: true,
      reason: portKey ? `No load-balancer health check reaches port ${portKey} of ${detail.view.name}.` : "Pick a port: this Service has several.",
      offerFirst: "none",
      strategies: [],
    };
  }
  const globalHit = whatIfs.find((w) => w.global.toLaptop);
  const filteredHit = whatIfs.find((w) => w.httpFiltered.toLaptop);
  const filteredSafe = !filteredHit;
  const hits = kind === "wiretap" ? false : kind === "http-filtered" ? !filteredSafe : Boolean(globalHit);
  const strategies: HealthVerdict["strategies"] = [];
  for (const finding of detail.findings.filter((f) => f.id === "health-check-hits-intercepted-port")) {
    for (const fix of finding.fixes) if (STRATEGY_ORDER.includes(fix.strategy)) strategies.push({ finding, fix });
  }
  strategies.sort((a, b) => STRATEGY_ORDER.indexOf(a.fix.strategy) - STRATEGY_ORDER.indexOf(b.fix.strategy));
  let reason: string;
  let offerFirst: HealthVerdict["offerFirst"] = "none";
  if (globalHit) {
    reason = `A global intercept of port ${portKey} would send the load balancer's health checks to your laptop: ${globalHit.global.explanation}`;
    if (filteredSafe && filterAvailable) {
      offerFirst = "http-filtered";
      reason += " With a header filter the checks carry no matching header, so they keep reaching the app (telepresence.md §5).";
    } else {
      offerFirst = "health-strategy";
      reason += filteredSafe
        ? " A header-filtered intercept would avoid it, but this Telepresence cannot do one: change where the health check goes first."
        : " Even a header-filtered intercept would not keep them on the app: change where the health check goes first.";
    }
  } else {
    reason = `The load balancer's health checks do not reach port ${portKey}'s intercepted traffic: ${whatIfs[0]!.global.explanation}`;
  }
  return { known: true, healthCheckHitsPort: hits, filteredSafe, reason, offerFirst, strategies };
}

const PROGRESS_STEP: Record<ProgressEvent["step"], InterceptProgressStep> = {
  locating: "connecting",
  connecting: "connecting",
  disconnecting: "disconnecting",
  "installing-manager": "connecting",
  "injecting-agent": "installing-agent",
  "waiting-rollout": "waiting-rollout",
  intercepting: "intercepting",
  leaving: "leaving",
  refreshing: "intercepting",
};

export function createIntercepts(options: InterceptsOptions): Intercepts {
  const platform = options.platform ?? process.platform;
  const log = options.log ?? ((message: string, error?: unknown) => console.error(`switchboard: ${message}`, error ?? ""));
  const configuredPath = options.telepresencePath ?? options.env.SWITCHBOARD_TELEPRESENCE ?? null;
  // telepresence reads the kubeconfig like kubectl: the app's files go in KUBECONFIG for every command
  // (status and connect must talk about the same daemon and cluster), or one file as --kubeconfig.
  const choice = kubeconfigChoice(options.kubeconfigFiles, options.env as NodeJS.ProcessEnv, options.env.HOME ?? homedir(), platform);
  const env: NodeJS.ProcessEnv = { ...(options.env as NodeJS.ProcessEnv) };
  if (choice.flag) env.KUBECONFIG = choice.flag;
  if (choice.env) Object.assign(env, choice.env);

  let action: { id: string; service: string | null } | null = null;
  let actionSeq = 0;
  const progress = (step: InterceptProgressStep, status: InterceptProgress["status"], text: string, extra: Partial<InterceptProgress> = {}) => {
    if (!action) return;
    options.emit({
      type: "intercept-progress",
      progress: { action: action.id, service: action.service, step, status, text, elapsedSeconds: null, error: null, at: new Date().toISOString(), ...extra },
    });
  };

  const driver: TelepresenceDriver = createTelepresenceDriver({
    env,
    configuredPath,
    platform,
    waitingTickMs: 2_000,
    onProgress: (event) => progress(PROGRESS_STEP[event.step], event.status, event.text, { elapsedSeconds: event.elapsedSeconds ?? null }),
  });

  let program: ProgramInfo | null = null;
  let programError: ErrorValue | null = null;
  let state: TelepresenceState | null = null;
  let lastError: ErrorValue | null = null;
  let busy: string | null = null;
  /** Which Service each intercept started here diverts ("ns/name" by intercept key). */
  const servicesOf = new Map<string, string[]>();
  /** The connect failed because no traffic-manager is installed (telepresence.md §2). */
  let managerMissing = false;
  let published = "";
  let factsKey = "";
  const factsListeners = new Set<() => void>();
  let closed = false;
  let chain: Promise<unknown> = Promise.resolve();

  const session = () => options.session();

  async function ensureProgram(force = false): Promise<ProgramInfo> {
    try {
      program = await driver.probe({ force });
      programError = null;
      return program;
    } catch (error) {
      program = null;
      programError = toErrorValue(error);
      throw error;
    }
  }

  function phase(): TelepresencePhase {
    if (programError) return programError.code === "telepresence-missing" ? "missing" : programError.code === "telepresence-too-old" ? "too-old" : "error";
    if (!state) return "unknown";
    return state.connection.phase;
  }

  function viewOf(i: TelepresenceState["intercepts"][number]): InterceptStateView {
    return {
      key: i.key,
      name: i.name,
      namespace: i.namespace,
      workload: i.workload ?? i.name,
      kind: i.kind,
      mine: i.mine,
      client: i.client,
      disposition: i.disposition,
      message: i.message,
      localPort: i.localPort,
      servicePort: i.servicePort,
      httpFilter: i.httpFilter,
      global: i.global,
      services: servicesOf.get(i.key) ?? [],
    };
  }

  function filterAvailability(): { available: boolean; reason: string | null } {
    if (!program) return { available: false, reason: programError?.message ?? "Telepresence has not been found yet." };
    const tm = state?.connection.trafficManagerVersion ? parseVersion(state.connection.trafficManagerVersion) : null;
    if (!tm && program.capabilities.httpFilterClient) {
      // Unknown until connected: the client can, and connecting checks the traffic-manager.
      return { available: true, reason: "The traffic-manager's version is checked when Telepresence connects." };
    }
    return httpFilterAvailability(program.capabilities, tm);
  }

  function statusView(): TelepresenceStatusView {
    const s = session();
    const c = state?.connection;
    return {
      phase: phase(),
      program: {
        found: program !== null || (programError !== null && programError.code !== "telepresence-missing"),
        path: program?.path ?? null,
        version: program?.version.raw ?? null,
        error: programError,
        capabilities: program
          ? { httpFilter: program.capabilities.httpFilterClient, wiretap: program.capabilities.wiretap, replace: program.capabilities.replace, leaveCommand: program.capabilities.leaveCommand }
          : null,
      },
      context: s.context,
      namespace: s.namespace,
      connection: {
        statusText: c?.statusText ?? null,
        context: c?.context ?? null,
        namespace: c?.namespace ?? null,
        managerNamespace: c?.managerNamespace ?? null,
        trafficManagerVersion: c?.trafficManagerVersion ?? null,
        inDocker: c?.inDocker ?? false,
        error: c?.error ?? null,
      },
      httpFilter: filterAvailability(),
      intercepts: (state?.intercepts ?? []).map(viewOf),
      error: lastError,
      busy,
      checkedAt: state?.checkedAt ?? null,
    };
  }

  function publish(): TelepresenceStatusView {
    const view = statusView();
    const { checkedAt: _checkedAt, ...comparable } = view;
    const key = JSON.stringify(comparable);
    if (key !== published && !closed) {
      published = key;
      options.emit({ type: "intercepts", telepresence: view });
    }
    const nextFacts = JSON.stringify(telepresenceFacts() ?? null);
    if (nextFacts !== factsKey) {
      factsKey = nextFacts;
      for (const listener of factsListeners) {
        try {
          listener();
        } catch (error) {
          log("a facts listener failed", error);
        }
      }
    }
    return view;
  }

  async function refresh(withList: boolean): Promise<TelepresenceStatusView> {
    try {
      await ensureProgram();
      state = await driver.refresh({ context: session().context, withList });
      if (state.connection.phase === "connected") managerMissing = false;
    } catch (error) {
      const value = toErrorValue(error);
      if (!programError) lastError = value;
    }
    return publish();
  }

  /** One action at a time, attributed to its progress id. */
  function run<T>(label: string, service: string | null, work: () => Promise<T>): Promise<T> {
    const next = chain.then(async () => {
      if (closed) throw new SwitchboardError("cancelled", "Switchboard is shutting down.", "Start it again.");
      action = { id: `${++actionSeq}-${Date.now().toString(36)}`, service };
      busy = label;
      publish();
      const before = state;
      try {
        const result = await work();
        lastError = null;
        return result;
      } catch (error) {
        const value = toErrorValue(error);
        if (value.code === "internal") log(`${label} failed`, error);
        lastError = value;
        progress("failed", "failed", value.message, { error: value });
        throw error;
      } finally {
        busy = null;
        // Whatever happened, show what Telepresence holds now: the action's own answer when it brought
        // one (connect, intercept, leave and quit answer with a fresh status), else ask.
        if (state === before || lastError) await refresh(false);
        else publish();
        action = null;
      }
    });
    chain = next.catch(() => undefined);
    return next;
  }

  /** Explicit connect to the session's context and namespace (never implicit, telepresence.md §2). */
  async function connectNow(docker: boolean): Promise<void> {
    const { context, namespace } = session();
    if (!context) throw new SwitchboardError("context-not-found", "No context is selected, so Telepresence has nothing to connect to.", "Pick a context in the sidebar first.");
    await ensureProgram();
    const mineActive = (state?.intercepts ?? []).filter((i) => i.mine);
    try {
      // Connected elsewhere with nothing of ours running: moving the connection loses nothing.
      state = await driver.connect({ context, namespace, docker, reconnect: mineActive.length === 0 });
      managerMissing = false;
    } catch (error) {
      if (error instanceof SwitchboardError) {
        const reason = error.details?.reason;
        if (reason === "traffic-manager-missing") managerMissing = true;
        if (reason === "root-daemon" && !docker) {
          // telepresence.md §3: the ways out, as something a UI can offer (retry with docker: true).
          throw new SwitchboardError(error.code, error.message, error.hint, { ...error.details, retry: { docker: true } });
        }
      }
      throw error;
    }
  }

  /** After opening a terminal for the password: look more often than the poll until connected (3 min at most). */
  let terminalWatch: NodeJS.Timeout | null = null;
  function waitForTerminalConnect(): void {
    if (terminalWatch) clearInterval(terminalWatch);
    const until = Date.now() + 180_000;
    terminalWatch = setInterval(() => {
      if (closed || connected() || Date.now() > until) {
        clearInterval(terminalWatch!);
        terminalWatch = null;
        return;
      }
      if (!busy) void refresh(false);
    }, TERMINAL_POLL_MS);
    terminalWatch.unref();
  }

  function connected(): boolean {
    const c = state?.connection;
    const s = session();
    return c?.phase === "connected" && (!s.context || c.context === s.context);
  }

  function resolve(spec: Spec, detail: ServiceDetail | null): { workload: string; servicePort: string | null; options: InterceptOptions } {
    const deployments = detail?.view.workloads ?? [];
    const workload = spec.workload ?? (deployments.length === 1 ? deployments[0]!.name : spec.service);
    const servicePort = spec.servicePort ?? (detail && detail.view.ports.length === 1 ? detail.view.ports[0]!.key : null);
    return {
      workload,
      servicePort,
      options: {
        workload,
        port: { local: spec.localPort, remote: servicePort },
        service: spec.service,
        httpHeaders: spec.kind === "http-filtered" && spec.header ? [spec.header] : undefined,
        envFile: spec.envFile,
        mount: spec.mount ?? false,
      },
    };
  }

  /**
   * While the program injects the agent, the manager restarts the workload (telepresence.md §4): the
   * core's own view of the pods shows the rollout, so "waiting for the rollout" reports what is seen
   * (how many pods carry the traffic-agent and are ready), not a guess. Nothing to watch when every
   * pod has the agent already, or the model does not know the service.
   */
  function watchRollout(spec: Spec, workload: string, before: ServiceDetail | null): { last(): Promise<void>; stop(): void } {
    const podsOf = (d: ServiceDetail | null) => (d?.view.pods ?? []).filter((p) => !p.terminating && (!p.workload || p.workload.name === workload));
    const agentOn = (p: ServiceDetail["view"]["pods"][number]) => p.containers.some((c) => c.role === "traffic-agent");
    if (!before || podsOf(before).length === 0 || podsOf(before).every(agentOn)) return { last: async () => undefined, stop: () => undefined };
    let said = "";
    let stopped = false;
    const look = async () => {
      const now = await detailOf(spec);
      if (stopped) return;
      const pods = podsOf(now);
      const ready = pods.filter((p) => agentOn(p) && p.ready).length;
      if (pods.length === 0 || ready === 0) return; // the old pods still serve: nothing rolled yet
      const text = `Rolling out ${workload}: ${ready} of ${pods.length} pod${pods.length === 1 ? "" : "s"} ready with the traffic-agent`;
      if (text === said) return;
      said = text;
      progress("waiting-rollout", ready === pods.length ? "done" : "waiting", text);
    };
    const timer = setInterval(() => void look(), ROLLOUT_POLL_MS);
    timer.unref();
    return {
      last: look,
      stop() {
        stopped = true;
        clearInterval(timer);
      },
    };
  }

  async function detailOf(spec: Spec): Promise<ServiceDetail | null> {
    if (!options.serviceDetail) return null;
    try {
      return await options.serviceDetail(spec.namespace, spec.service);
    } catch {
      return null;
    }
  }

  function kindsAvailability(): InterceptPreview["kinds"] {
    const found = program !== null;
    const none = { available: false, reason: programError?.message ?? "Telepresence was not found." };
    return {
      global: found ? { available: true, reason: null } : none,
      "http-filtered": found ? filterAvailability() : none,
      wiretap: found
        ? program!.capabilities.wiretap
          ? { available: true, reason: null }
          : { available: false, reason: `A wiretap needs telepresence 2.23 or newer; this one is ${program!.version.raw}.` }
        : none,
      replace: found
        ? program!.capabilities.replace
          ? { available: true, reason: null }
          : { available: false, reason: `Replacing the container needs telepresence 2.22 or newer; this one is ${program!.version.raw}.` }
        : none,
    };
  }

  /** Every kind refused, in the program's own words, when the last `list` said the workload cannot be intercepted (§2). */
  function notInterceptable(workload: string): InterceptPreview["kinds"] | null {
    const reason = state?.workloads?.find((w) => w.name === workload)?.notInterceptableReason;
    if (!reason) return null;
    const no = { available: false, reason: `Telepresence cannot intercept ${workload}: ${reason}` };
    return { global: no, "http-filtered": no, wiretap: no, replace: no };
  }

  function verbOf(kind: InterceptKindChoice): "intercept" | "wiretap" | "replace" {
    return kind === "wiretap" || kind === "replace" ? kind : "intercept";
  }

  function telepresenceFacts(): TelepresenceFacts | undefined {
    if (!state || state.connection.phase !== "connected") {
      // Not connected: the client cannot tell whether a traffic-manager is installed, except when a
      // connect just said so (telepresence.md §2). Unknown stays unknown for the model.
      if (managerMissing) return { trafficManager: { present: false }, ...(program ? { clientVersion: program.version.raw } : {}), intercepts: [] };
      return undefined;
    }
    const c = state.connection;
    const intercepts: InterceptFact[] = state.intercepts
      .filter((i) => i.kind !== "ingest")
      .map((i) => {
        const service = servicesOf.get(i.key)?.[0]?.split("/")[1];
        return {
          name: i.name,
          // Telepresence names an intercept after its workload unless told otherwise (§2).
          workload: i.workload ?? i.name,
          namespace: i.namespace ?? c.namespace ?? "",
          ...(service ? { service } : {}),
          ...(i.servicePort ? { servicePortIdentifier: i.servicePort } : {}),
          httpFilter: i.httpFilter,
          // A wiretap never diverts traffic (§5): not "global" for the model.
          global: i.kind === "wiretap" ? false : (i.global ?? i.httpFilter.length === 0),
          disposition: i.disposition ?? "ACTIVE",
          ...(i.message ? { message: i.message } : {}),
        };
      })
      .filter((i) => !(state!.intercepts.find((x) => x.name === i.name)?.kind === "wiretap"));
    return {
      trafficManager: { present: c.trafficManagerVersion !== null, ...(c.managerNamespace ? { namespace: c.managerNamespace } : {}), ...(c.trafficManagerVersion ? { version: c.trafficManagerVersion } : {}) },
      ...(program ? { clientVersion: program.version.raw } : {}),
      intercepts,
    };
  }

  const methods: Methods = {
    async "telepresence.status"(input) {
      // An explicit refresh lists too (details of intercepts started elsewhere); the poll is status only.
      if (input.refresh || !state) return refresh(true);
      return statusView();
    },

    "telepresence.connect"(input) {
      return run("connecting", null, async () => {
        await connectNow(input.docker ?? false);
        progress("connecting", "done", "Connected");
        return statusView();
      });
    },

    async "telepresence.connectInTerminal"() {
      const { context, namespace } = session();
      if (!context) throw new SwitchboardError("context-not-found", "No context is selected, so Telepresence has nothing to connect to.", "Pick a context in the sidebar first.");
      const info = await ensureProgram();
      const args = connectArgs({ context, namespace });
      const command = displayCommand(info.displayName, args, platform);
      const launch = terminalLaunch([info.path, ...args], { platform, env });
      if (!launch) {
        throw new SwitchboardError("telepresence-error", "No terminal program was found to open.", `Run \`${command}\` in a terminal yourself and type the password there; Switchboard sees the connection by itself.`, { command });
      }
      // The same environment as every other telepresence call (KUBECONFIG as the app merged it).
      const child = spawn(launch.file, launch.args, { env, detached: true, stdio: "ignore", windowsHide: false });
      child.on("error", (error) => {
        lastError = new SwitchboardError("telepresence-error", `Could not open ${launch.name}: ${error.message}`, `Run \`${command}\` in a terminal yourself.`, { command }).toValue();
        publish();
      });
      child.unref();
      waitForTerminalConnect();
      return { terminal: launch.name, command };
    },

    "telepresence.quit"() {
      return run("disconnecting", null, async () => {
        state = await driver.quit({ context: session().context });
        servicesOf.clear();
        return statusView();
      });
    },

    async "intercepts.preview"(input): Promise<InterceptPreview> {
      const spec = interceptSpecSchema.parse(input);
      const detail = await detailOf(spec);
      const { workload, servicePort, options: opts } = resolve(spec, detail);
      let command: string | null = null;
      let commandError: ErrorValue | null = null;
      let connectCommand: string | null = null;
      try {
        await ensureProgram();
        command = await driver.commandLine(verbOf(spec.kind), opts);
        if (!connected()) connectCommand = await driver.connectCommandLine({ context: session().context, namespace: spec.namespace });
      } catch (error) {
        commandError = toErrorValue(error);
      }
      const listener = await checkLocalPort(spec.localPort);
      const filter = filterAvailability();
      return {
        spec: { namespace: spec.namespace, service: spec.service, servicePort, localPort: spec.localPort, kind: spec.kind, workload, name: workload, header: spec.header ?? null },
        command,
        commandError,
        connectCommand,
        localListener: { port: listener.port, listening: listener.listening, warning: listener.warning },
        kinds: notInterceptable(workload) ?? kindsAvailability(),
        health: healthVerdict(detail, servicePort, spec.kind, filter.available),
        connected: connected(),
      };
    },

    "intercepts.start"(input) {
      const spec = interceptSpecSchema.parse(input);
      const serviceKey = `${spec.namespace}/${spec.service}`;
      return run(`intercepting ${spec.service}`, serviceKey, async () => {
        await ensureProgram();
        if (!connected() || state?.connection.namespace !== spec.namespace) {
          const s = session();
          if (s.namespace !== spec.namespace && s.namespace !== null) {
            throw new SwitchboardError("invalid-request", `Switchboard is looking at namespace ${s.namespace}, not ${spec.namespace}.`, `Switch to namespace ${spec.namespace} first.`);
          }
          await connectNow(false);
        }
        const detail = await detailOf(spec);
        const { options: opts } = resolve(spec, detail);
        const request = { ...opts, context: session().context, namespace: spec.namespace };
        const rollout = watchRollout(spec, opts.workload, detail);
        let result;
        try {
          result = spec.kind === "wiretap" ? await driver.wiretap(request) : spec.kind === "replace" ? await driver.replace(request) : await driver.intercept(request);
          // The agent has arrived (the program waits for it): say how the rollout ended, as seen.
          await rollout.last();
        } finally {
          rollout.stop();
        }
        state = result.state;
        const key = `${result.intercept.namespace ?? spec.namespace}/${result.intercept.name}`;
        servicesOf.set(key, [serviceKey]);
        progress("active", "done", `${result.intercept.name} is active: ${spec.kind === "http-filtered" ? `requests with ${spec.header!.name}: ${spec.header!.value}` : spec.kind === "wiretap" ? "a copy of the traffic" : "all traffic"} of port ${opts.port.remote ?? "(the only one)"} go to localhost:${spec.localPort}`);
        const view = statusView();
        const intercept = view.intercepts.find((i) => i.key === key) ?? {
          key,
          name: result.intercept.name,
          namespace: result.intercept.namespace,
          workload: result.intercept.workload,
          kind: result.intercept.kind,
          mine: true,
          client: result.intercept.client,
          disposition: result.intercept.disposition,
          message: result.intercept.message,
          localPort: result.intercept.targetPort,
          servicePort: result.intercept.servicePort,
          httpFilter: result.intercept.httpFilter,
          global: result.intercept.global,
          services: [serviceKey],
        };
        return { intercept, command: result.command, warnings: result.warnings, status: view };
      });
    },

    "intercepts.stop"(input) {
      const key = `${input.namespace}/${input.name}`;
      return run(`leaving ${input.name}`, servicesOf.get(key)?.[0] ?? null, async () => {
        state = await driver.leave({ context: session().context, namespace: input.namespace, name: input.name });
        servicesOf.delete(key);
        progress("left", "done", `${input.name} ended: its traffic goes to the cluster again`);
        return statusView();
      });
    },

    "intercepts.leaveAll"() {
      return run("leaving all intercepts", null, async () => {
        await refresh(false);
        for (const i of (state?.intercepts ?? []).filter((x) => x.mine)) {
          state = await driver.leave({ context: session().context, namespace: i.namespace, name: i.name });
          servicesOf.delete(i.key);
        }
        progress("left", "done", "Every intercept of this machine ended");
        return statusView();
      });
    },
  };

  // The first look lists too: an app restarted while the daemon kept intercepts finds them again.
  void refresh(true).catch((error: unknown) => log("the first Telepresence status failed", error));
  const pollMs = options.pollMs ?? 5_000;
  let polling = false;
  const timer =
    pollMs > 0
      ? setInterval(() => {
          if (polling || busy || closed) return;
          polling = true;
          void refresh(false).finally(() => (polling = false));
        }, pollMs)
      : null;
  timer?.unref?.();

  return {
    methods,
    telepresenceFacts,
    onFactsChanged(listener) {
      factsListeners.add(listener);
      return () => factsListeners.delete(listener);
    },
    sessionChanged() {
      // After sleep / a network drop: status + list, and say what was lost (driver recheckAdvice).
      void driver
        .recheck({ context: session().context })
        .then((result) => {
          state = result.state;
          if (result.advice) lastError = new SwitchboardError("telepresence-error", result.advice, "Connect again from the Intercept panel if you need it.", { reason: "recheck" }).toValue();
          publish();
        })
        .catch(() => refresh(false));
    },
    active() {
      return statusView().intercepts.filter((i) => i.mine);
    },
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      await chain.catch(() => undefined);
      if (options.stopDaemonsOnClose && program) await driver.quit({ context: session().context, stopDaemons: true }).catch(() => undefined);
    },
  };
}
