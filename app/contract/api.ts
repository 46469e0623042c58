// The contract: the whole surface between the core and any UI. Methods are defined once here, with
// the schema of their input (validated by every host before the core sees it) and the type of their
// answer. Events flow the other way, batched. Version it with the app: change both sides together.
import { z } from "zod";
import type { ErrorValue } from "./errors.ts";
import type { Finding, ServiceView, TelepresenceView } from "./model.ts";
import type { Result } from "./result.ts";
import { interceptMethods, type InterceptEvent, type InterceptMethodOutputs } from "./intercepts.ts";
import { strategyMethods, type StrategyEvent, type StrategyMethodOutputs } from "./strategies.ts";
import { settingsMethods, type SettingsEvent, type SettingsMethodOutputs } from "./settings.ts";
import { tourMethods, type TourEvent, type TourMethodOutputs } from "./tour.ts";

export const CONTRACT_VERSION = 1;

const name = z.string().min(1).max(253);

export const methods = {
  "app.info": { input: z.object({}).strict() },
  "contexts.list": { input: z.object({}).strict() },
  "session.select": {
    input: z.object({ context: name, namespace: name.optional() }).strict(),
  },
  /** The current connection state (a UI that starts or reconnects late asks once, then follows events). */
  "session.get": { input: z.object({}).strict() },
  "session.reconnect": { input: z.object({}).strict() },
  "namespaces.list": { input: z.object({}).strict() },
  /** Every service of the selected namespace as the core sees it now (late joiners; then follow events). */
  "services.list": { input: z.object({}).strict() },
  /** One service in full: its view, findings, pods and health timeline. */
  "services.get": { input: z.object({ namespace: name, name: name }).strict() },
  /** Click-to-intercept (intercepts.ts). */
  ...interceptMethods,
  /** Health strategies: plan, apply, verify, roll back (strategies.ts). */
  ...strategyMethods,
  /** User settings, kept by the core in the data dir (settings.ts). */
  ...settingsMethods,
  /** The onboarding tour's tools, only in the embedded playground (tour.ts). */
  ...tourMethods,
} as const;

export type MethodName = keyof typeof methods;
export type MethodInput<M extends MethodName> = z.input<(typeof methods)[M]["input"]>;

export interface AppInfo {
  name: string;
  version: string;
  contractVersion: number;
  host: "electron" | "browser" | "cli" | "test";
  platform: string;
  nodeVersion: string;
}

export type AuthKind = "token" | "exec" | "client-certificate" | "basic" | "auth-provider" | "none";

export interface ContextInfo {
  name: string;
  cluster: string;
  user: string;
  namespace: string | null;
  server: string | null;
  authKind: AuthKind;
  /** For exec credentials: the command (e.g. gke-gcloud-auth-plugin). */
  execCommand: string | null;
  /** The kubeconfig file that defined this context (first one wins, like kubectl). */
  source: string | null;
  /**
   * GKE clusters are recognised by their gke_<project>_<location>_<cluster> naming or the plugin.
   * With the plugin but another naming, project and location are unknown (null) and `cluster` is the
   * kubeconfig's cluster name.
   */
  gke: { project: string | null; location: string | null; cluster: string } | null;
  /** Shown next to the name when set by the host, e.g. "Playground — a simulated GKE cluster". */
  label?: string;
}

export interface ContextsView {
  /** The files merged, in KUBECONFIG order. */
  files: string[];
  /** current-context of the merged kubeconfig. */
  currentContext: string | null;
  contexts: ContextInfo[];
  /** Files that could not be read or parsed: reported, not fatal, like kubectl does. */
  problems: ErrorValue[];
}

export type ConnectionPhase = "idle" | "connecting" | "connected" | "reconnecting" | "error";

export interface ConnectionState {
  phase: ConnectionPhase;
  context: string | null;
  namespace: string | null;
  /** ISO time of the last phase change. */
  since: string;
  error: ErrorValue | null;
}

export interface NamespaceList {
  namespaces: string[];
}

/** What each method answers. */
export interface MethodOutputs extends InterceptMethodOutputs, StrategyMethodOutputs, SettingsMethodOutputs, TourMethodOutputs {
  "app.info": AppInfo;
  "contexts.list": ContextsView;
  "session.select": ConnectionState;
  "session.get": ConnectionState;
  "session.reconnect": ConnectionState;
  "namespaces.list": NamespaceList;
  "services.list": ServicesState;
  "services.get": ServiceDetail;
}

// ---------------------------------------------------------------------------------------------
// The cluster as GKE sees it. The core derives all of this (app/gke, app/diagnosis); the UI renders
// it and never recomputes a GKE rule.

/** Overall load-balancer health of a service, as the core summarises it for badges. */
export type ServiceHealth = "healthy" | "degraded" | "unhealthy" | "unknown" | "not-load-balanced";

/** What a row of the service list needs, small enough for 5,000 rows. */
export interface ServiceSummary {
  /** "namespace/name": stable key. */
  key: string;
  namespace: string;
  name: string;
  health: ServiceHealth;
  /** Which signal the health badge rests on (gke-neg.md §1). */
  healthSignal: "compute-api" | "readiness-gate" | "ingress-backends" | "events" | "none";
  /** How the service is exposed: ingress NEG, gateway, standalone NEG, none. */
  exposure: string;
  pods: { total: number; ready: number };
  intercepted: boolean;
  findings: { error: number; warning: number; info: number };
  /** The first error/warning finding's title, for a tooltip. */
  topFinding: string | null;
}

/** Where per-endpoint health comes from right now, and why (no credentials → weaker signals). */
export interface HealthSource {
  source: "compute-api" | "kubernetes";
  /** Plain words: "Live from the Compute API (project p)", "No Google Cloud credentials: …". */
  reason: string;
  error: ErrorValue | null;
}

export interface ServicesState {
  context: string | null;
  namespace: string | null;
  services: ServiceSummary[];
  healthSource: HealthSource;
  /** Custom kinds that are not installed or not readable (RBAC), by plural name. */
  unavailableKinds: Array<{ kind: string; reason: "not-installed" | "forbidden"; message: string }>;
  telepresence: TelepresenceView | null;
}

export interface HealthEvent {
  time: string;
  /** Object the event is about, e.g. "Pod web-7d9c-x2kq". */
  object: string;
  reason: string;
  message: string;
  type: "Normal" | "Warning";
  source: string;
}

export interface ServiceDetail {
  summary: ServiceSummary;
  view: ServiceView;
  findings: Finding[];
  /** Health-related events (neg-controller, neg-readiness-reflector, loadbalancer-controller), newest first. */
  timeline: HealthEvent[];
  healthSource: HealthSource;
}

export type MethodOutput<M extends MethodName> = MethodOutputs[M];

/** Events, always delivered in batches (one batch per coalescing window). */
export type SwitchboardEvent =
  | { type: "contexts"; contexts: ContextsView }
  | { type: "connection"; connection: ConnectionState }
  | { type: "namespaces"; namespaces: string[] }
  /** Changed rows of the service list; `reset` replaces the whole list (new context or namespace). */
  | { type: "services"; context: string; namespace: string; reset: boolean; upserts: ServiceSummary[]; removed: string[] }
  /** A service's full detail changed (only for services a UI asked about with services.get). */
  | { type: "service"; detail: ServiceDetail }
  | { type: "health-source"; healthSource: HealthSource }
  /** Telepresence state and intercept progress (intercepts.ts). */
  | InterceptEvent
  /** Health strategy progress and the operations journal (strategies.ts). */
  | StrategyEvent
  /** The settings changed (settings.ts). */
  | SettingsEvent
  /** The tour's local server: each request that reaches it, and its state (tour.ts). */
  | TourEvent;

export type EventListener = (events: SwitchboardEvent[]) => void;

/** The typed API the UI (and the CLI) program against; each host provides one. */
export type SwitchboardApi = {
  [M in MethodName]: (input: MethodInput<M>) => Promise<MethodOutput<M>>;
} & {
  subscribe(listener: EventListener): () => void;
};

/**
 * What a host hands the UI before any typing: one call entry point that answers Result values (errors
 * are values on the wire) and the event stream. Electron's preload exposes exactly this as
 * `window.switchboard`; the browser host's WebSocket client implements the same shape.
 */
export interface HostBridge {
  invoke(method: MethodName, input: unknown): Promise<Result<unknown>>;
  subscribe(listener: EventListener): () => void;
}
