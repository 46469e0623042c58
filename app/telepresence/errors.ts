// The program's error texts (telepresence.md §3, §2) mapped to plain words and a next step. The
// program's own message always travels along in `details.programMessage`, and `details.reason` names
// the case so the UI can offer the right button without matching texts itself.
import { SwitchboardError, type ErrorCode } from "../contract/errors.ts";
import { INSTALL_PAGE } from "./locate.ts";

export type TelepresenceErrorReason =
  | "not-connected"
  | "traffic-manager-missing"
  | "traffic-manager-namespace"
  | "traffic-manager-too-old"
  | "context-not-found"
  | "cluster-config-changed"
  | "workload-not-found"
  | "workload-ambiguous"
  | "multiple-ports"
  | "no-matching-port"
  | "bad-port-argument"
  | "intercept-conflict"
  | "intercept-exists"
  | "local-port-in-use"
  | "intercept-not-found"
  | "agent-timeout"
  | "root-daemon"
  | "not-authorized"
  | "forbidden"
  | "unreachable"
  | "unsupported-flag"
  | "garbage-output"
  | "unknown";

export interface ErrorContext {
  /** The subcommand, e.g. "intercept". */
  command: string;
  /** The workload or intercept name the call was about, for messages. */
  target?: string | undefined;
  platform?: NodeJS.Platform | undefined;
}

/** Strips what the program puts around a message: `telepresence <sub>: error: `, `connector.Connect: `, gRPC wrapping. */
export function cleanProgramMessage(text: string): string {
  let message = text.trim();
  message = message.replace(/^telepresence(?:\s+[\w-]+)*:\s*error:\s*/i, "");
  message = message.replace(/^rpc error: code = \w+ desc = /, "");
  message = message.replace(/^connector\.\w+:\s*/, "");
  // The CLI often appends where to find logs; it is noise in a dialog.
  message = message.replace(/\n*See logs for details[\s\S]*$/i, "").replace(/\n*If you think you have encountered a bug[\s\S]*$/i, "");
  return message.trim();
}

interface Rule {
  reason: TelepresenceErrorReason;
  code: ErrorCode;
  match: RegExp;
  message: (m: RegExpExecArray, ctx: ErrorContext) => string;
  hint: (m: RegExpExecArray, ctx: ErrorContext) => string;
}

const rootDaemonHint = (platform: NodeJS.Platform | undefined) =>
  [
    platform === "win32"
      ? "Connecting starts Telepresence's root daemon, which needs an administrator (UAC) approval that an app cannot show."
      : "Connecting starts Telepresence's root daemon through sudo, and an app has no terminal to type the password into.",
    "Ways out: connect with Docker instead (`telepresence connect --docker`, no root daemon needed);",
    `or install Telepresence 2.27+ with its package installer, which runs the root daemon as a system service (${INSTALL_PAGE});`,
    "or run `telepresence connect` once in a terminal and type the password there, then come back.",
  ].join(" ");

// Order matters: the most specific texts first.
const RULES: Rule[] = [
  {
    reason: "traffic-manager-missing",
    code: "not-installed",
    match: /traffic manager not found/i,
    message: () => "Telepresence's traffic-manager is not installed in this cluster (or not in the namespace Telepresence looked in).",
    hint: () =>
      "Install it with `telepresence helm install` (needs cluster-admin rights once). If it is installed in another namespace, connect with `--manager-namespace <namespace>`.",
  },
  {
    // §6: 2.25+ clients require a traffic-manager ≥ 2.21.0.
    reason: "traffic-manager-too-old",
    code: "telepresence-too-old",
    match: /traffic manager version v?(\S+) is not supported by this client, please upgrade the traffic manager to v?(\S+?) or later/i,
    message: (m) => `The cluster's traffic-manager (${m[1]}) is too old for this telepresence client, which needs ${m[2]} or newer.`,
    hint: () => "Upgrade the traffic-manager with `telepresence helm upgrade` (needs cluster-admin rights), or use an older telepresence client.",
  },
  {
    reason: "traffic-manager-namespace",
    code: "telepresence-error",
    match: /unable to determine the traffic-manager namespace/i,
    message: () => "Telepresence could not tell in which namespace its traffic-manager runs.",
    hint: () => "Set the manager namespace (connect with `--manager-namespace <namespace>`, usually `ambassador`).",
  },
  {
    reason: "cluster-config-changed",
    code: "telepresence-error",
    match: /Cluster configuration changed, please quit telepresence and reconnect/i,
    message: () => "The cluster configuration changed under Telepresence's running connection.",
    hint: () => "Disconnect (`telepresence quit`) and connect again.",
  },
  {
    reason: "context-not-found",
    code: "context-not-found",
    match: /context (?:"[^"]*" )?was not found|context was not found/i,
    message: () => "Telepresence could not find that Kubernetes context in its kubeconfig.",
    hint: () => "Pick a context that exists in the kubeconfig (`kubectl config get-contexts`), or point Switchboard at the right kubeconfig file.",
  },
  {
    reason: "root-daemon",
    code: "telepresence-error",
    match:
      /failed to launch the daemon service|a terminal is required to read the password|no tty present and no askpass|sudo: a password is required|unable to start the root daemon|operation was canceled by the user/i,
    message: () => "Telepresence could not start its root daemon: it asks for an administrator password, which an app cannot type.",
    hint: (_m, ctx) => rootDaemonHint(ctx.platform),
  },
  {
    reason: "agent-timeout",
    code: "timeout",
    match: /request timed out while waiting for agent ([^\s]+?) to arrive/i,
    message: (m) => `The traffic-agent never arrived in the pods of ${m[1]}: the intercept could not start.`,
    hint: () =>
      "On a private GKE cluster the control plane cannot reach Telepresence's agent-injector webhook: add a firewall rule allowing the control plane's range to reach the nodes on tcp:8443 (tcp:443 for older traffic-manager charts). Also check that the workload's new pods start (`kubectl get pods`).",
  },
  {
    reason: "multiple-ports",
    code: "telepresence-error",
    match: /(\S+) (\S+) has multiple interceptable ports/i,
    message: (m) => `${m[1]} ${m[2]} has more than one port that can be intercepted; Switchboard must say which.`,
    hint: () => "Choose the Service port to intercept (by name or number).",
  },
  {
    reason: "no-matching-port",
    code: "telepresence-error",
    match: /has no interceptable port matching (?:port )?(\S+)|has no interceptable port/i,
    message: (m) => (m[1] ? `The workload has no Service port ${m[1].replace(/[.,]$/, "")} that can be intercepted.` : "The workload has no port that can be intercepted."),
    hint: () => "Choose one of the Service's ports; a port no Service exposes cannot be intercepted.",
  },
  {
    reason: "bad-port-argument",
    code: "invalid-request",
    match: /port must be of the format/i,
    message: () => "The port to intercept was not given in a form Telepresence accepts.",
    hint: () => "Use a local port number and, optionally, a Service port name or number (8080:http).",
  },
  {
    reason: "workload-ambiguous",
    code: "telepresence-error",
    match: /Found more than one possible match/i,
    message: (_m, ctx) => `More than one workload matches ${ctx.target ? `"${ctx.target}"` : "that name"}.`,
    hint: () => "Pick the workload (and Service) explicitly.",
  },
  {
    reason: "workload-not-found",
    code: "not-found",
    match: /workload "([^"]+)" not found|No interceptable deployment, replicaset,? or statefulset matching (\S+) found/i,
    message: (m, ctx) => `There is no interceptable workload named ${m[1] ?? m[2] ?? ctx.target ?? "that"} in the connected namespace.`,
    hint: () => "Check the name and the namespace Telepresence is connected to; refresh the list of workloads.",
  },
  {
    reason: "intercept-conflict",
    code: "conflict",
    // 2.20: "...AGENT_ERROR: Conflicts with the currently-served intercept "<id>"";
    // 2.23+: "container port <n> is already intercepted by <client>, intercept <name>".
    match: /Conflicts with the currently-served intercept "([^"]+)"|container port (\d+) is already intercepted by (\S+?),? intercept (\S+)/i,
    message: (m) =>
      m[1]
        ? `Somebody already intercepts this port (intercept ${m[1]}).`
        : `Container port ${m[2]} is already intercepted by ${m[3]} (intercept ${m[4]}).`,
    hint: () =>
      "Only one intercept per port at a time: ask its owner to end it, or use an HTTP-filtered intercept (telepresence 2.25+) so both can share the port.",
  },
  {
    reason: "intercept-exists",
    code: "conflict",
    match: /Intercept with name "([^"]+)" already exists/i,
    message: (m) => `You already have an intercept named ${m[1]}.`,
    hint: () => "End it first (leave), or keep using it.",
  },
  {
    reason: "local-port-in-use",
    code: "conflict",
    match: /Port (\S+) is already in use by intercept (\S+)/i,
    message: (m) => `Local port ${m[1]} already receives traffic of intercept ${m[2]}.`,
    hint: () => "Choose another local port, or end that intercept first.",
  },
  {
    reason: "intercept-not-found",
    code: "not-found",
    match: /Intercept named "([^"]+)" not found|Found no replace, intercept, or ingest named "([^"]+)"/i,
    message: (m) => `There is no intercept named ${m[1] ?? m[2]} (it may have ended already).`,
    hint: () => "Refresh: the list of intercepts shows what is active.",
  },
  {
    reason: "not-authorized",
    code: "auth-failed",
    match: /Not authorized to connect|Not logged in|\bUnauthorized\b|must be logged in/i,
    message: () => "The cluster refused Telepresence's credentials.",
    hint: () => "Log in again (`gcloud auth login`) and check that `kubectl get pods` works for this context.",
  },
  {
    reason: "forbidden",
    code: "forbidden",
    match: /is forbidden: User "([^"]*)" cannot (\w+) resource "([^"]+)"/i,
    message: (m) => `The cluster does not allow ${m[1] || "you"} to ${m[2]} ${m[3]}.`,
    hint: () => "Ask a cluster admin for the RBAC permission, or use a context whose user has it.",
  },
  {
    reason: "unreachable",
    code: "unreachable",
    match: /dial tcp [^\s]+: (?:i\/o timeout|connect: connection refused)|no such host|network is unreachable/i,
    message: () => "Telepresence cannot reach the cluster.",
    hint: () => "Check the network (VPN, Wi-Fi) and that `kubectl get pods` works for this context, then reconnect.",
  },
  {
    reason: "unsupported-flag",
    code: "telepresence-error",
    match: /unknown (?:flag|shorthand flag|command)|invalid output format/i,
    message: () => "The installed telepresence does not understand a flag Switchboard passed.",
    hint: (_m, ctx) => `Update Telepresence (${INSTALL_PAGE}); this client's \`${ctx.command}\` differs from the versions Switchboard knows.`,
  },
];

/** Maps a program error message to a SwitchboardError with a plain message and hint. */
export function classifyProgramError(programMessage: string, ctx: ErrorContext, extra: Record<string, unknown> = {}): SwitchboardError {
  const cleaned = cleanProgramMessage(programMessage);
  for (const rule of RULES) {
    const match = rule.match.exec(cleaned);
    if (match) {
      return new SwitchboardError(rule.code, rule.message(match, ctx), rule.hint(match, ctx), {
        reason: rule.reason,
        command: ctx.command,
        programMessage: cleaned,
        ...extra,
      });
    }
  }
  return new SwitchboardError(
    "telepresence-error",
    `telepresence ${ctx.command} failed: ${firstLine(cleaned) || "no message"}`,
    "The program's full message is in the details; `telepresence status` and `telepresence gather-logs` help find the cause.",
    { reason: "unknown" satisfies TelepresenceErrorReason, command: ctx.command, programMessage: cleaned, ...extra },
  );
}

export function notConnectedError(command: string, detail?: string): SwitchboardError {
  return new SwitchboardError(
    "telepresence-error",
    `Telepresence is not connected${detail ? ` (${detail})` : ""}, so Switchboard did not run \`telepresence ${command}\`.`,
    "Connect first. Switchboard never lets a command connect implicitly, because that may wait on a sudo prompt nobody can see.",
    { reason: "not-connected" satisfies TelepresenceErrorReason, command },
  );
}

export function garbageOutputError(command: string, output: string): SwitchboardError {
  return new SwitchboardError(
    "telepresence-error",
    `telepresence ${command} answered something Switchboard cannot read.`,
    "This telepresence may be a version Switchboard does not know, or a wrapper script printing extra text. Run the command in a terminal to see.",
    { reason: "garbage-output" satisfies TelepresenceErrorReason, command, output: output.slice(0, 2_000) },
  );
}

function firstLine(text: string): string {
  return text.split(/\r?\n/)[0] ?? "";
}
