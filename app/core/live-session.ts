// One selected context as the core holds it: a ClusterSession (app/kube: client + watch cache of the
// namespace, connection state per kind, so namespace-only RBAC still connects) and the LiveServices
// deriving the service list from it. The core keeps at most one; a new context or a reconnect makes a
// new one, a namespace switch re-targets the same session (credentials stay cached).
import type { ConnectionState, ServiceDetail, ServicesState, SwitchboardEvent } from "../contract/api.ts";
import { SwitchboardError, toErrorValue } from "../contract/errors.ts";
import type { TelepresenceFacts } from "../gke/snapshot.ts";
import { clientConfigFor, type MergedKubeconfig } from "../kube/kubeconfig.ts";
import { openSession, type ClusterSession, type SessionOptions } from "../kube/session.ts";
import type { ComputeSettings } from "./endpoint-health.ts";
import { LiveServices } from "./live-services.ts";

/** Knobs of the session for tests and benchmarks (coalescing window, back-off, kinds…). */
export type SessionTuning = Omit<SessionOptions, "kubeConfig" | "context" | "namespace" | "env">;

export interface LiveSessionOptions {
  merged: MergedKubeconfig;
  context: string;
  namespace: string;
  /** "reconnecting": the first states are shown as reconnecting, not connecting. */
  phase: "connecting" | "reconnecting";
  env: Record<string, string | undefined>;
  compute: ComputeSettings;
  tuning?: SessionTuning | undefined;
  telepresence?: TelepresenceFacts | undefined;
  onConnection: (state: ConnectionState) => void;
  onNamespaces: (namespaces: string[]) => void;
  emit: (event: SwitchboardEvent) => void;
  log: (message: string, error?: unknown) => void;
}

export class LiveSession {
  readonly context: string;
  readonly #options: LiveSessionOptions;
  readonly #session: ClusterSession | null;
  #services: LiveServices | null = null;
  #state: ConnectionState;
  #closed = false;
  #connectedOnce = false;
  #settle: () => void = () => undefined;
  /** Resolves once the first attempt settled: connected (namespaces known) or error. */
  settled: Promise<void>;

  constructor(options: LiveSessionOptions) {
    this.#options = options;
    this.context = options.context;
    this.settled = new Promise((resolve) => (this.#settle = resolve));
    this.#state = { phase: options.phase, context: options.context, namespace: options.namespace, since: new Date().toISOString(), error: null };
    let session: ClusterSession | null = null;
    try {
      session = openSession({
        ...options.tuning,
        kubeConfig: clientConfigFor(options.merged, options.context),
        context: options.context,
        namespace: options.namespace,
        env: options.env,
      });
    } catch (error) {
      this.#fail(error);
    }
    this.#session = session;
    if (!session) return;
    session.onConnection((state) => this.#onState(state));
    this.#services = this.#newServices(session);
    this.#onState(session.connection());
  }

  #newServices(session: ClusterSession): LiveServices {
    const services = new LiveServices({ session, context: this.context, compute: this.#options.compute, env: this.#options.env, emit: this.#options.emit, log: this.#options.log });
    if (this.#options.telepresence) services.setTelepresence(this.#options.telepresence);
    return services;
  }

  #fail(error: unknown) {
    const value = toErrorValue(error);
    if (value.code === "internal") this.#options.log(`connecting to ${this.context} failed unexpectedly`, error);
    this.#publish({ ...this.#state, phase: "error", since: new Date().toISOString(), error: value });
    this.#settle();
  }

  #publish(state: ConnectionState) {
    this.#state = state;
    this.#options.onConnection(state);
  }

  #onState(state: ConnectionState) {
    if (this.#closed) return;
    // Until the first settle a fresh session of a reconnect says "reconnecting".
    const phase = state.phase === "connecting" && this.#options.phase === "reconnecting" ? "reconnecting" : state.phase;
    if (state.phase === "connected") {
      this.#connectedOnce = true;
      // Namespaces for the picker (a user who may not list them still gets the context's own).
      void this.#session!.listNamespaces().then(
        (list) => {
          if (this.#closed) return;
          this.#options.onNamespaces(list);
          this.#publish({ ...state, phase });
          this.#settle();
        },
        (error) => {
          if (this.#closed) return;
          this.#options.onNamespaces(state.namespace ? [state.namespace] : []);
          this.#options.log(`listing the namespaces of ${this.context} failed`, error);
          this.#publish({ ...state, phase });
          this.#settle();
        },
      );
      return;
    }
    this.#publish({ ...state, phase });
    if (state.phase === "error") this.#settle();
  }

  connection(): ConnectionState {
    return this.#state;
  }

  get namespace(): string | null {
    return this.#state.namespace;
  }

  /** Watches another namespace; the service list starts over (`reset`). */
  setNamespace(namespace: string): void {
    if (!this.#session || this.#closed || namespace === this.#session.namespace) return;
    this.#services?.close();
    this.#session.setNamespace(namespace);
    this.#services = this.#newServices(this.#session);
    this.settled = new Promise((resolve) => (this.#settle = resolve));
    this.#onState(this.#session.connection());
  }

  setTelepresence(facts: TelepresenceFacts | undefined): void {
    this.#options.telepresence = facts;
    this.#services?.setTelepresence(facts);
  }

  #ready(): LiveServices {
    // Reconnecting after having been connected: answer with what the watches hold (the status bar
    // says it is reconnecting; the rows catch up by themselves).
    if ((this.#state.phase === "connected" || (this.#state.phase === "reconnecting" && this.#connectedOnce)) && this.#services) return this.#services;
    const error = this.#state.error;
    if (error) throw new SwitchboardError(error.code, error.message, error.hint, error.details);
    throw new SwitchboardError("unreachable", `Not connected to "${this.context}" yet.`, "Wait for the connection, or reconnect from the status bar.");
  }

  async list(healthWaitMs?: number): Promise<ServicesState> {
    if (this.#state.phase !== "connected") await this.settled;
    return this.#ready().list(healthWaitMs);
  }

  async get(namespace: string, name: string, healthWaitMs?: number): Promise<ServiceDetail> {
    if (this.#state.phase !== "connected") await this.settled;
    const services = this.#ready();
    if (namespace !== services.namespace) {
      throw new SwitchboardError(
        "not-found",
        `Switchboard watches namespace "${services.namespace}" of "${this.context}", not "${namespace}".`,
        `Select namespace "${namespace}" first.`,
        { namespace, name },
      );
    }
    return services.get(name, healthWaitMs);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#services?.close();
    this.#session?.close();
    this.#settle();
  }
}
