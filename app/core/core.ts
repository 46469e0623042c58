// The core both hosts serve: it implements the contract's methods on top of app/ and emits events.
// It owns the app state (kubeconfig view, the chosen context and namespace, the connection) and is
// the only place that changes it; hosts validate calls (main/common/dispatcher.ts) and carry events.
import { readFileSync } from "node:fs";
import type {
  AppInfo,
  ConnectionPhase,
  ConnectionState,
  ContextsView,
  EventListener,
  MethodInput,
  NamespaceList,
  ServiceDetail,
  ServicesState,
  SwitchboardApi,
} from "../contract/api.ts";
import { CONTRACT_VERSION } from "../contract/api.ts";
import { SwitchboardError, type ErrorValue } from "../contract/errors.ts";
import {
  clientConfigFor,
  kubeconfigPaths,
  loadKubeconfig,
  toContextsView,
  watchKubeconfig,
  type KubeconfigLocation,
  type MergedKubeconfig,
} from "../kube/kubeconfig.ts";
import { computeSettingsFromEnv, type ComputeSettings } from "./endpoint-health.ts";
import { createEventBatcher } from "./event-batcher.ts";
import { LiveSession, type SessionTuning } from "./live-session.ts";
import { createIntercepts } from "./intercepts.ts";
import { createStrategies, defaultDataDir, type StrategiesOptions } from "./strategies.ts";
import { createSettingsStore } from "./settings.ts";
import { createPlaygroundTools, type EmbeddedPlaygroundInfo } from "./playground-tools.ts";
import { watchForWake } from "./wake.ts";

export interface CoreOptions {
  host: AppInfo["host"];
  /** Kubeconfig files to merge; default: $KUBECONFIG or ~/.kube/config of `env`, like kubectl. */
  kubeconfigPaths?: string[];
  /** Environment to read KUBECONFIG, HOME and PATH from (default: process.env). */
  env?: Record<string, string | undefined>;
  /** Connect to the kubeconfig's current-context at start (default true). */
  autoConnect?: boolean;
  /** Deadline for connecting (listing namespaces). */
  connectTimeoutMs?: number;
  /** Event coalescing window. */
  coalesceMs?: number;
  /** Watch the kubeconfig files for changes (default true). */
  watch?: boolean;
  /** Where unexpected errors are logged (never sent over the wire with their stack). */
  log?: (message: string, error?: unknown) => void;
  /** The telepresence program (a setting, the embedded playground's); default: env SWITCHBOARD_TELEPRESENCE, else PATH. */
  telepresencePath?: string | null;
  /** Telepresence status poll interval (0: off). */
  telepresencePollMs?: number;
  /**
   * How often to look for a sleep or a network change (app/core/wake.ts), after which the watches
   * reconnect and Telepresence's state is re-checked. Default 5 s; 0 turns it off (the CLI).
   */
  wakeCheckMs?: number;
  /** Stop Telepresence's daemons when the core closes (the embedded playground's program). */
  telepresenceStopOnClose?: boolean;
  /**
   * Compute API for endpoint health (gke-neg.md §8): base URL, fixed token, project. Default from the
   * environment (SWITCHBOARD_COMPUTE_API, SWITCHBOARD_COMPUTE_TOKEN, SWITCHBOARD_PROJECT); the project
   * otherwise comes from a gke_<project>_<location>_<cluster> context name; credentials from ADC.
   */
  compute?: ComputeSettings;
  /** Per-context Compute API settings that win over `compute` (the embedded playground's emulation). */
  contextCompute?: Record<string, ComputeSettings>;
  /** Words shown next to a context's name, e.g. {playground: "Playground — a simulated GKE cluster"}. */
  contextLabels?: Record<string, string>;
  /** Context to connect to at start instead of the kubeconfig's current-context. */
  startContext?: string;
  /** Session knobs (coalescing window, back-off) for tests and benchmarks. */
  session?: SessionTuning;
  /** The app's data directory (the strategies' journal lives in `<dataDir>/operations`); default XDG (strategies.ts). */
  dataDir?: string;
  /** Health strategy knobs for tests (rollout / verify deadlines, poll intervals). */
  strategyTuning?: StrategiesOptions["tuning"];
  /** The embedded playground (its context and front doors): enables the tour's tools (playground-tools.ts). */
  playground?: EmbeddedPlaygroundInfo;
}

export type Core = SwitchboardApi & {
  /** The host learned that the machine woke up (Electron's powerMonitor "resume"): re-check now. */
  systemResumed(): void;
  /** Stops watches and pending work; the core answers nothing afterwards. */
  close(): Promise<void>;
};

const packageInfo = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { productName?: string; version?: string };
    return { name: pkg.productName ?? "Switchboard", version: pkg.version ?? "0.0.0" };
  } catch {
    // package.json sits two folders up both from app/core/ and from the built out/main/ (also inside
    // an asar archive); if a packager ever moves it, say so rather than invent a version.
    return { name: "Switchboard", version: "unknown" };
  }
})();

export function createCore(options: CoreOptions): Core {
  const env = options.env ?? process.env;
  const location: KubeconfigLocation = options.kubeconfigPaths
    ? { paths: options.kubeconfigPaths, origin: "explicit" }
    : kubeconfigPaths(env);
  const timeoutMs = options.connectTimeoutMs ?? 15_000;
  const log = options.log ?? ((message: string, error?: unknown) => console.error(`switchboard: ${message}`, error ?? ""));
  const events = createEventBatcher(options.coalesceMs ?? 20, (error) => log("an event listener failed", error));

  let merged: MergedKubeconfig = loadKubeconfig(location.paths);
  let contexts: ContextsView = toContextsView(merged, location);
  let connection: ConnectionState = state("idle", null, null, null);
  let namespaces: string[] = [];
  /** Bumped on every new attempt so a slow old attempt cannot overwrite a newer state. */
  let attempt = 0;
  let inFlight: Promise<void> | null = null;
  let closed = false;
  /** The selected context's cluster session and service views (live-session.ts). */
  let live: LiveSession | null = null;
  const envCompute = { ...computeSettingsFromEnv(env), ...options.compute };
  // User settings (app/core/settings.ts): `<dataDir>/settings.json`; a bad file is reported, not fatal.
  const settings = createSettingsStore({ dataDir: options.dataDir ?? defaultDataDir(env), emit: (event) => events.emit(event), log });

  /** Compute API settings of a context: its own (playground), else the global ones + the GKE project of its name. */
  function computeFor(context: string): ComputeSettings {
    const own = options.contextCompute?.[context];
    if (own) return own;
    const project = envCompute.project ?? contexts.contexts.find((c) => c.name === context)?.gke?.project ?? undefined;
    return { ...envCompute, ...(project ? { project } : {}) };
  }

  function labelled(view: ContextsView): ContextsView {
    const labels = options.contextLabels;
    if (!labels) return view;
    return { ...view, contexts: view.contexts.map((c) => (labels[c.name] ? { ...c, label: labels[c.name] } : c)) };
  }
  contexts = labelled(contexts);

  function state(phase: ConnectionPhase, context: string | null, namespace: string | null, error: ErrorValue | null): ConnectionState {
    return { phase, context, namespace, since: new Date().toISOString(), error };
  }

  function setConnection(next: ConnectionState) {
    connection = next;
    events.emit({ type: "connection", connection });
  }

  function setNamespaces(next: string[]) {
    namespaces = next;
    events.emit({ type: "namespaces", namespaces });
  }

  function requireOpen() {
    if (closed) throw new SwitchboardError("cancelled", "Switchboard is shutting down.", "Start it again.");
  }

  /** Starts connecting to `context`; resolves when the attempt has settled (never rejects). */
  function connect(context: string, namespace: string | null, phase: "connecting" | "reconnecting"): Promise<void> {
    const id = ++attempt;
    live?.close();
    live = null;
    setConnection(state(phase, context, namespace, null));
    if (phase === "connecting") setNamespaces([]);
    // A ClusterSession per context (app/kube): watches per kind, so a user with namespace-only RBAC is
    // connected and forbidden / not-installed kinds are reported per kind (live-session.ts).
    const session = new LiveSession({
      merged,
      context,
      namespace: namespace ?? contextNamespace(context),
      phase,
      env,
      compute: computeFor(context),
      tuning: { requestTimeoutMs: timeoutMs, ...options.session },
      telepresence: intercepts.telepresenceFacts(),
      onConnection: (next) => {
        if (id === attempt && !closed) setConnection(next);
      },
      onNamespaces: (list) => {
        if (id === attempt && !closed) setNamespaces(list);
      },
      emit: (event) => {
        if (id === attempt && !closed) events.emit(event);
      },
      log,
    });
    live = session;
    const promise = session.settled;
    inFlight = promise;
    void promise.finally(() => {
      if (inFlight === promise) inFlight = null;
    });
    return promise;
  }

  function contextNamespace(name: string): string {
    return contexts.contexts.find((c) => c.name === name)?.namespace ?? "default";
  }

  function reloadKubeconfig() {
    if (closed) return;
    const previous = merged;
    merged = loadKubeconfig(location.paths);
    const next = labelled(toContextsView(merged, location));
    if (JSON.stringify(next) !== JSON.stringify(contexts)) {
      contexts = next;
      events.emit({ type: "contexts", contexts });
    }
    // The chosen context vanished or now points elsewhere: say so, or reconnect with the new definition.
    const chosen = connection.context;
    if (!chosen || connection.phase === "idle") return;
    if (!merged.contexts.has(chosen)) {
      attempt++;
      setNamespaces([]);
      setConnection(
        state(
          "error",
          chosen,
          connection.namespace,
          new SwitchboardError(
            "context-not-found",
            `The context "${chosen}" was removed from your kubeconfig.`,
            "Pick another context in the sidebar.",
            { context: chosen },
          ).toValue(),
        ),
      );
    } else if (definitionOf(previous, chosen) !== definitionOf(merged, chosen)) {
      void connect(chosen, connection.namespace, "reconnecting");
    }
  }

  const stopWatching = options.watch === false ? () => undefined : watchKubeconfig(location.paths, reloadKubeconfig);

  // Click-to-intercept (app/core/intercepts.ts). The read side can put `intercepts.telepresenceFacts()`
  // into its snapshot and re-derive on `intercepts.onFactsChanged`.
  const intercepts = createIntercepts({
    env,
    // The host's program (embedded playground), else SWITCHBOARD_TELEPRESENCE (this run's), else the
    // user's setting; none of them: found on PATH.
    telepresencePath: options.telepresencePath ?? env.SWITCHBOARD_TELEPRESENCE ?? (settings.current().telepresencePath || undefined),
    session: () => ({ context: connection.context, namespace: connection.namespace }),
    kubeconfigFiles: location.origin === "explicit" ? location.paths : [],
    serviceDetail: async (namespace, name) => {
      const get = (core as Partial<Core>)["services.get"];
      return get ? get.call(core, { namespace, name }) : null;
    },
    emit: (event) => events.emit(event),
    pollMs: options.telepresencePollMs,
    stopDaemonsOnClose: options.telepresenceStopOnClose,
    log,
  });
  // The read side: Telepresence's facts (intercepts, versions) go into the GKE model's snapshot.
  intercepts.onFactsChanged(() => live?.setTelepresence(intercepts.telepresenceFacts()));
  // Health strategies (app/core/strategies.ts): plan on the live state, apply → verify, roll back, journal.
  const strategies = createStrategies({
    dataDir: options.dataDir,
    env,
    session: () => ({ context: connection.context, namespace: connection.namespace }),
    kubeConfig: (context) => clientConfigFor(merged, context),
    compute: computeFor,
    telepresence: () => intercepts.telepresenceFacts(),
    emit: (event) => events.emit(event),
    log,
    ...(options.strategyTuning ? { tuning: options.strategyTuning } : {}),
  });
  // The onboarding tour's tools (front door requests, the local server): only for the embedded playground.
  const playgroundTools = createPlaygroundTools({ playground: options.playground ?? null, context: () => connection.context, emit: (event) => events.emit(event) });
  let wasConnected = false;
  events.subscribe((batch) => {
    for (const event of batch) {
      if (event.type !== "connection") continue;
      const now = event.connection.phase === "connected";
      // Back after a drop or sleep (or a new session): re-check what Telepresence still holds.
      if (now && !wasConnected) intercepts.sessionChanged();
      // The journal of this context: pending operations (a crash mid-apply) are offered at once.
      if (now && !wasConnected) strategies.sessionChanged();
      wasConnected = now;
    }
  });

  // After a sleep or a network change nothing the core holds can be trusted: watches may hang on dead
  // connections and Telepresence may have lost its session. Reconnect (relist + watch) and re-check.
  const recheckAfterWake = (why: string) => {
    if (closed) return;
    log(`re-checking after ${why}`);
    if (connection.context) void connect(connection.context, connection.namespace, "reconnecting");
    intercepts.sessionChanged();
  };
  const wakeCheckMs = options.wakeCheckMs ?? 5_000;
  const stopWakeWatch = wakeCheckMs > 0 ? watchForWake({ intervalMs: wakeCheckMs, onWake: (reason, { suspendedMs }) => recheckAfterWake(reason === "slept" ? `a sleep (${Math.round(suspendedMs / 1000)} s)` : "a network change") }) : () => undefined;

  const core: Core = {
    systemResumed() {
      recheckAfterWake("the system resumed");
    },

    async "app.info"() {
      return {
        name: packageInfo.name,
        version: packageInfo.version,
        contractVersion: CONTRACT_VERSION,
        host: options.host,
        platform: process.platform,
        nodeVersion: process.versions.node,
      };
    },

    async "contexts.list"() {
      requireOpen();
      return contexts;
    },

    async "session.select"(input: MethodInput<"session.select">) {
      requireOpen();
      const info = contexts.contexts.find((c) => c.name === input.context);
      if (!info) {
        throw new SwitchboardError(
          "context-not-found",
          `There is no context "${input.context}" in your kubeconfig.`,
          "Pick one of the contexts listed in the sidebar (`kubectl config get-contexts` shows the same list).",
          { context: input.context },
        );
      }
      const namespace = input.namespace ?? (input.context === connection.context ? connection.namespace : null) ?? contextNamespace(input.context);
      // Same context, healthy connection: only the namespace changes (same session, new watches).
      if (live && input.context === connection.context && (connection.phase === "connected" || connection.phase === "connecting" || connection.phase === "reconnecting")) {
        if (namespace !== connection.namespace) {
          live.setNamespace(namespace);
          inFlight = live.settled;
        }
        return connection;
      }
      void connect(input.context, namespace, "connecting");
      return connection;
    },

    async "session.get"() {
      requireOpen();
      return connection;
    },

    async "session.reconnect"() {
      requireOpen();
      if (!connection.context) {
        throw new SwitchboardError("context-not-found", "No context is selected yet, so there is nothing to reconnect.", "Pick a context in the sidebar first.");
      }
      void connect(connection.context, connection.namespace, "reconnecting");
      return connection;
    },

    async "services.list"(): Promise<ServicesState> {
      requireOpen();
      if (!live) {
        throw new SwitchboardError("context-not-found", "No context is selected, so there are no services to list.", "Pick a context in the sidebar first.");
      }
      return live.list();
    },

    async "services.get"(input: MethodInput<"services.get">): Promise<ServiceDetail> {
      requireOpen();
      if (!live) {
        throw new SwitchboardError("context-not-found", "No context is selected, so there is no service to show.", "Pick a context in the sidebar first.");
      }
      return live.get(input.namespace, input.name);
    },

    async "namespaces.list"(): Promise<NamespaceList> {
      requireOpen();
      if (inFlight) await inFlight;
      if (connection.phase === "connected") return { namespaces };
      if (!connection.context) {
        throw new SwitchboardError("context-not-found", "No context is selected, so there are no namespaces to list.", "Pick a context in the sidebar first.");
      }
      if (connection.error) throw new SwitchboardError(connection.error.code, connection.error.message, connection.error.hint, connection.error.details);
      throw new SwitchboardError("unreachable", `Not connected to "${connection.context}".`, "Reconnect from the status bar.");
    },

    ...intercepts.methods,
    ...strategies.methods,
    ...settings.methods,
    ...playgroundTools.methods,

    subscribe(listener: EventListener) {
      return events.subscribe(listener);
    },

    async close() {
      closed = true;
      attempt++;
      live?.close();
      live = null;
      stopWatching();
      stopWakeWatch();
      await intercepts.close();
      await strategies.close();
      await settings.close();
      await playgroundTools.close();
      events.close();
      if (inFlight) await inFlight.catch(() => undefined);
    },
  };

  const startContext = options.startContext ?? contexts.currentContext;
  if (options.autoConnect !== false && startContext && merged.contexts.has(startContext)) {
    void connect(startContext, contextNamespace(startContext), "connecting");
  }
  return core;
}

/** What a context resolves to (its own entry, cluster and user), to notice when it changes. */
function definitionOf(merged: MergedKubeconfig, context: string): string {
  const entry = merged.contexts.get(context);
  if (!entry) return "";
  const cluster = merged.clusters.get(String(entry.body.cluster ?? ""));
  const user = merged.users.get(String(entry.body.user ?? ""));
  return JSON.stringify([entry.body, cluster?.body ?? null, user?.body ?? null]);
}
