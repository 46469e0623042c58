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
  SwitchboardApi,
} from "../contract/api.ts";
import { CONTRACT_VERSION } from "../contract/api.ts";
import { SwitchboardError, toErrorValue, type ErrorValue } from "../contract/errors.ts";
import {
  clientConfigFor,
  kubeconfigPaths,
  loadKubeconfig,
  toContextsView,
  watchKubeconfig,
  type KubeconfigLocation,
  type MergedKubeconfig,
} from "../kube/kubeconfig.ts";
import { listNamespaces } from "./cluster-probe.ts";
import { createEventBatcher } from "./event-batcher.ts";

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
}

export type Core = SwitchboardApi & {
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
    setConnection(state(phase, context, namespace, null));
    if (phase === "connecting") setNamespaces([]);
    const run = async () => {
      try {
        const kc = clientConfigFor(merged, context);
        const list = await listNamespaces(kc, { timeoutMs, pathEnv: env.PATH });
        if (id !== attempt || closed) return;
        setNamespaces(list);
        setConnection(state("connected", context, connection.namespace, null));
      } catch (error) {
        if (id !== attempt || closed) return;
        const value = toErrorValue(error);
        if (value.code === "internal") log(`connecting to ${context} failed unexpectedly`, error);
        setConnection(state("error", context, connection.namespace, value));
      }
    };
    const promise = run();
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
    const next = toContextsView(merged, location);
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

  const core: Core = {
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
      // Same context, healthy connection: only the namespace changes, no new round trip.
      if (input.context === connection.context && (connection.phase === "connected" || connection.phase === "connecting" || connection.phase === "reconnecting")) {
        if (namespace !== connection.namespace) setConnection({ ...connection, namespace, since: connection.since });
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

    subscribe(listener: EventListener) {
      return events.subscribe(listener);
    },

    async close() {
      closed = true;
      attempt++;
      stopWatching();
      events.close();
      if (inFlight) await inFlight.catch(() => undefined);
    },
  };

  if (options.autoConnect !== false && contexts.currentContext && merged.contexts.has(contexts.currentContext)) {
    void connect(contexts.currentContext, contextNamespace(contexts.currentContext), "connecting");
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
