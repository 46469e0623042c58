// Click-to-intercept in the contract: the Telepresence connection, intercept previews (the command,
// the local listener, the health verdict), starting and stopping intercepts, and their events.
// Re-exported from api.ts (methods, events) and index.ts (types). Plain JSON only.
import { z } from "zod";
import type { ErrorValue } from "./errors.ts";
import type { Finding, Fix } from "./model.ts";

const name = z.string().min(1).max(253);
const port = z.number().int().min(1).max(65535);
/** RFC 9110 token: what telepresence accepts as a header name (app/telepresence/commands.ts). */
const headerName = z.string().min(1).max(100).regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, "not a valid HTTP header name");

/**
 * global: all traffic of the port; http-filtered: only requests with a header (2.25+); wiretap: a
 * read-only copy (2.23+); replace: the app container is swapped for the agent and all its ports go to
 * the laptop (2.22+; its probes disappear too, telepresence.md §2, §4).
 */
export const interceptKinds = ["global", "http-filtered", "wiretap", "replace"] as const;
export type InterceptKindChoice = (typeof interceptKinds)[number];

/** One intercept the user describes in the panel or on the command line. */
export const interceptSpecSchema = z
  .object({
    namespace: name,
    service: name,
    /** The Service port: its name, else its number (a PortView key). Omitted → the only one. */
    servicePort: z.string().min(1).max(63).optional(),
    /** Where the traffic goes on this machine. */
    localPort: port,
    kind: z.enum(interceptKinds).default("global"),
    /** Only requests carrying this header reach the laptop (kind http-filtered). */
    header: z.object({ name: headerName, value: z.string().min(1).max(1000) }).strict().optional(),
    /** The workload to intercept; default: the Service's only workload (else the Service's name). */
    workload: name.optional(),
    /**
     * Write the pod's environment to this file (absolute path; created with mode 0600, since it holds
     * the pod's secrets). Omitted: no file.
     */
    envFile: z
      .string()
      .min(2)
      .max(4096)
      .regex(/^(\/|[A-Za-z]:[\\/])/, "must be an absolute path")
      .optional(),
    /**
     * Mount the pod's volumes (default false: it needs FUSE/sshfs on this machine, may ask for
     * permissions and slows the start; traffic and environment are what most debugging needs).
     */
    mount: z.boolean().optional(),
  })
  .strict()
  .refine((s) => s.kind !== "http-filtered" || s.header !== undefined, { message: "an HTTP-filtered intercept needs a header (name and value)", path: ["header"] })
  .refine((s) => s.kind === "http-filtered" || s.header === undefined, { message: "a header filter applies only to kind http-filtered", path: ["header"] });

export type InterceptSpec = z.input<typeof interceptSpecSchema>;

export const interceptMethods = {
  /** Program (found? version, capabilities), connection, traffic-manager and intercepts. `refresh` asks the program now. */
  "telepresence.status": { input: z.object({ refresh: z.boolean().optional() }).strict() },
  /** Connects explicitly to the session's context and namespace; `docker` avoids the root daemon (no sudo). */
  "telepresence.connect": { input: z.object({ docker: z.boolean().optional() }).strict() },
  /**
   * Opens a terminal window running `telepresence connect` for the session, where the user types the
   * sudo password the root daemon needs (telepresence.md §3); the status poll sees the connection.
   */
  "telepresence.connectInTerminal": { input: z.object({}).strict() },
  /** Disconnects (ends this machine's intercepts). */
  "telepresence.quit": { input: z.object({}).strict() },
  /** What starting this intercept would do: the command, the local listener, the health verdict. Changes nothing. */
  "intercepts.preview": { input: interceptSpecSchema },
  "intercepts.start": { input: interceptSpecSchema },
  /** Ends one of this machine's intercepts by its name. */
  "intercepts.stop": { input: z.object({ namespace: name, name }).strict() },
  /** Ends every intercept this machine holds (before quitting, or the UI's "Leave all"). */
  "intercepts.leaveAll": { input: z.object({}).strict() },
} as const;

export type TelepresencePhase = "unknown" | "missing" | "too-old" | "not-running" | "disconnected" | "connected" | "must-restart" | "error";

export interface TelepresenceProgramView {
  found: boolean;
  path: string | null;
  version: string | null;
  /** Why it cannot be used (missing, too old, unreadable), with the install hint. */
  error: ErrorValue | null;
  capabilities: { httpFilter: boolean; wiretap: boolean; replace: boolean; leaveCommand: string } | null;
}

export interface InterceptStateView {
  /** `<namespace>/<name>`. */
  key: string;
  name: string;
  namespace: string | null;
  workload: string | null;
  kind: "intercept" | "replace" | "wiretap" | "ingest";
  /** Held by this machine (as opposed to a colleague's, seen in `list`). */
  mine: boolean;
  client: string | null;
  disposition: string | null;
  message: string | null;
  localPort: number | null;
  servicePort: string | null;
  /** Empty with global=true: all traffic. */
  httpFilter: string[];
  global: boolean | null;
  /** The Services this intercept diverts ("namespace/name"), when known. */
  services: string[];
}

export interface TelepresenceStatusView {
  phase: TelepresencePhase;
  program: TelepresenceProgramView;
  /** The session it is (or would be) connected for. */
  context: string | null;
  namespace: string | null;
  connection: {
    statusText: string | null;
    context: string | null;
    namespace: string | null;
    managerNamespace: string | null;
    trafficManagerVersion: string | null;
    inDocker: boolean;
    error: string | null;
  };
  /** Header-filtered intercepts: client and traffic-manager 2.25+ (telepresence.md §2, §5). */
  httpFilter: { available: boolean; reason: string | null };
  intercepts: InterceptStateView[];
  /** The last action's or poll's failure (cleared by the next success). */
  error: ErrorValue | null;
  /** An action in progress ("connecting", "intercepting web"), null when idle. */
  busy: string | null;
  checkedAt: string | null;
}

export interface HealthVerdict {
  /** The core's model knew the service (else the questions below are unanswered). */
  known: boolean;
  /** Would the load balancer's health checks reach the laptop with this kind of intercept? */
  healthCheckHitsPort: boolean | null;
  /** …and with a header-filtered intercept of the same port? */
  filteredSafe: boolean | null;
  /** Plain words: why, from the model's reach explanation (telepresence.md §5). */
  reason: string;
  /**
   * What to offer first: a header-filtered intercept (possible, and it keeps the checks on the app),
   * a health strategy (the checks would hit the laptop and no filter is possible), or nothing special.
   */
  offerFirst: "http-filtered" | "health-strategy" | "none";
  /** Health strategy fixes of the finding about this port, sidecar first. */
  strategies: Array<{ finding: Finding; fix: Fix }>;
}

export interface InterceptPreview {
  spec: { namespace: string; service: string; servicePort: string | null; localPort: number; kind: InterceptKindChoice; workload: string; name: string; header: { name: string; value: string } | null };
  /** The equivalent command line, copyable. */
  command: string | null;
  /** Why no command can be shown (program missing, kind unsupported). */
  commandError: ErrorValue | null;
  /** The connect command to run first when not connected. */
  connectCommand: string | null;
  localListener: { port: number; listening: boolean; warning: string | null };
  kinds: Record<InterceptKindChoice, { available: boolean; reason: string | null }>;
  health: HealthVerdict;
  connected: boolean;
}

export interface InterceptStartResult {
  intercept: InterceptStateView;
  command: string;
  warnings: string[];
  status: TelepresenceStatusView;
}

export type InterceptProgressStep = "connecting" | "disconnecting" | "installing-agent" | "waiting-rollout" | "intercepting" | "active" | "leaving" | "left" | "failed";

export interface InterceptProgress {
  /** One id per action (start, stop, connect), so a UI can group the steps. */
  action: string;
  /** "namespace/service" the action is about, null for connect/quit. */
  service: string | null;
  step: InterceptProgressStep;
  status: "started" | "waiting" | "done" | "failed";
  text: string;
  elapsedSeconds: number | null;
  error: ErrorValue | null;
  at: string;
}

export type InterceptEvent =
  | { type: "intercepts"; telepresence: TelepresenceStatusView }
  | { type: "intercept-progress"; progress: InterceptProgress };

export interface InterceptMethodOutputs {
  "telepresence.status": TelepresenceStatusView;
  "telepresence.connect": TelepresenceStatusView;
  /** Which terminal opened, and the command it runs. */
  "telepresence.connectInTerminal": { terminal: string; command: string };
  "telepresence.quit": TelepresenceStatusView;
  "intercepts.preview": InterceptPreview;
  "intercepts.start": InterceptStartResult;
  "intercepts.stop": TelepresenceStatusView;
  "intercepts.leaveAll": TelepresenceStatusView;
}
