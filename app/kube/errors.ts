// Every way talking to a cluster can fail, turned into the contract's SwitchboardError: a stable code,
// a sentence in plain words, and a hint that says what to do. The classifiers are pure (they look at an
// HTTP status + Status body, a Node system error, or an exec plugin's exit) so each case is testable.
import { SwitchboardError } from "../contract/errors.ts";

/** What the failing request was about: lets messages say "list services in namespace shop". */
export interface RequestContext {
  verb?: string;
  /** Plural resource name, e.g. "services", "backendconfigs". */
  resource?: string;
  /** API group, "" for the core group. */
  group?: string;
  namespace?: string;
  server?: string;
  context?: string;
}

/** The Kubernetes `Status` object an API server answers with on failure (metav1.Status). */
export interface KubeStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: Array<{ reason?: string; message?: string; field?: string }>;
    retryAfterSeconds?: number;
  };
}

const GKE_PLUGIN = "gke-gcloud-auth-plugin";
const GKE_PLUGIN_INSTALL = "gcloud components install gke-gcloud-auth-plugin";

function resourceName(ctx: RequestContext, status?: KubeStatus): string {
  const resource = ctx.resource ?? status?.details?.kind ?? "the resource";
  const group = ctx.group ?? status?.details?.group ?? "";
  return group ? `${resource}.${group}` : resource;
}

function where(ctx: RequestContext): string {
  return ctx.namespace ? ` in namespace "${ctx.namespace}"` : "";
}

function server(ctx: RequestContext): string {
  return ctx.server ? ` at ${ctx.server}` : "";
}

function detailsOf(ctx: RequestContext, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries({ ...ctx, ...extra })) if (v !== undefined) out[k] = v;
  return out;
}

/** Parses a response body as a Status, tolerating HTML/text bodies from proxies and load balancers. */
export function parseStatus(body: string | undefined): KubeStatus | undefined {
  if (!body) return undefined;
  try {
    const parsed = JSON.parse(body) as unknown;
    if (parsed && typeof parsed === "object" && (parsed as KubeStatus).kind === "Status") return parsed as KubeStatus;
  } catch {
    // not JSON: fall through
  }
  return undefined;
}

/** The `User "x" cannot list resource ...` part of a 403 message, when the server said who. */
function forbiddenUser(message: string | undefined): string | undefined {
  return message?.match(/User "([^"]*)" cannot/)?.[1];
}

/** An HTTP error answer from the API server → SwitchboardError. */
export function classifyStatus(httpStatus: number, body: string | KubeStatus | undefined, ctx: RequestContext = {}): SwitchboardError {
  const status = typeof body === "string" ? parseStatus(body) : body;
  const serverSaid = status?.message ?? (typeof body === "string" && body.length < 300 ? body.trim() : "");
  const said = serverSaid ? ` The server said: ${serverSaid}` : "";
  const details = detailsOf(ctx, { status: httpStatus, ...(status?.reason ? { reason: status.reason } : {}) });
  const what = resourceName(ctx, status);
  switch (httpStatus) {
    case 401:
      return new SwitchboardError(
        "auth-failed",
        `The cluster${server(ctx)} refused your credentials (401 Unauthorized): they are missing, expired or revoked.`,
        ctx.context
          ? `Get fresh credentials for context "${ctx.context}" (for GKE: \`gcloud auth login\`, then \`gcloud container clusters get-credentials …\`), then reconnect.`
          : "Get fresh credentials (for GKE: `gcloud auth login`), then reconnect.",
        details,
      );
    case 403: {
      const verb = ctx.verb ?? "access";
      const user = forbiddenUser(status?.message);
      return new SwitchboardError(
        "forbidden",
        `${user ? `User "${user}" is` : "You are"} not allowed to ${verb} ${what}${where(ctx)}.`,
        `Ask a cluster admin for RBAC permission to ${verb} ${what}${where(ctx)}; check with \`kubectl auth can-i ${verb} ${what}${ctx.namespace ? ` -n ${ctx.namespace}` : ""}\`.`,
        detailsOf(details, { verb, resource: ctx.resource ?? status?.details?.kind, group: ctx.group ?? status?.details?.group ?? "", ...(user ? { user } : {}) }),
      );
    }
    case 404:
      // A 404 on a collection means the kind itself is not served (CRD not installed); on a named
      // object it is an ordinary not-found.
      if (status?.details?.name || (ctx.verb && ["get", "patch", "update", "delete"].includes(ctx.verb))) {
        return new SwitchboardError(
          "not-found",
          `${what} "${status?.details?.name ?? "?"}" was not found${where(ctx)}.`,
          "It may have been deleted in the meantime; refresh and try again.",
          details,
        );
      }
      return notInstalled(what, ctx);
    case 409:
      return new SwitchboardError(
        "conflict",
        `Somebody else changed ${what}${where(ctx)} at the same time, so the change was not applied.${said}`,
        "Reload to see the current state, then try again.",
        details,
      );
    case 410:
      return new SwitchboardError(
        "conflict",
        `The cluster no longer has the history this watch asked for (410 Gone).`,
        "Switchboard lists again by itself; if this persists, reconnect.",
        details,
      );
    case 422: {
      const causes = status?.details?.causes?.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).filter(Boolean);
      return new SwitchboardError(
        "invalid-request",
        `The cluster rejected ${what} as invalid.${causes?.length ? ` ${causes.join("; ")}.` : said}`,
        "Fix the listed fields and try again.",
        detailsOf(details, causes?.length ? { causes } : {}),
      );
    }
    case 408:
    case 504:
      return new SwitchboardError(
        "timeout",
        `The cluster${server(ctx)} did not answer in time (${httpStatus}).${said}`,
        "The control plane may be busy or upgrading; Switchboard retries by itself.",
        details,
      );
    case 429:
      return new SwitchboardError(
        "unreachable",
        `The cluster${server(ctx)} is throttling requests (429 Too Many Requests).`,
        "Switchboard retries with back-off; nothing to do unless it persists.",
        details,
      );
    default:
      if (httpStatus >= 500) {
        return new SwitchboardError(
          "unreachable",
          `The cluster${server(ctx)} answered with a server error (${httpStatus}).${said}`,
          "The control plane may be upgrading or overloaded; Switchboard retries by itself. Check `kubectl get --raw /readyz`.",
          details,
        );
      }
      return new SwitchboardError(
        "internal",
        `The cluster answered ${httpStatus} to ${ctx.verb ?? "a request"} on ${what}.${said}`,
        "This is unexpected; please report it with the server's message.",
        details,
      );
  }
}

export function notInstalled(what: string, ctx: RequestContext = {}): SwitchboardError {
  return new SwitchboardError(
    "not-installed",
    `The cluster does not serve ${what}: its custom resource (CRD) is not installed.`,
    `Install the component that provides ${what} (for GKE kinds: enable the feature on the cluster), or ignore this if you do not use it.`,
    detailsOf(ctx, { status: 404 }),
  );
}

/** Codes Node (and OpenSSL) put on TLS verification failures. */
const TLS_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "ERR_SSL_WRONG_VERSION_NUMBER",
  "EPROTO",
]);

interface SystemErrorLike {
  code?: string;
  message?: string;
  hostname?: string;
  cause?: unknown;
  name?: string;
}

/** Walks `cause` chains (fetch wraps socket errors) to the first error carrying a code. */
function rootCode(err: unknown): SystemErrorLike | undefined {
  let current: unknown = err;
  for (let i = 0; i < 5 && current && typeof current === "object"; i++) {
    const e = current as SystemErrorLike;
    if (typeof e.code === "string") return e;
    current = e.cause;
  }
  return undefined;
}

/** A failure below HTTP (socket, DNS, TLS, our own timeout) → SwitchboardError. */
export function classifyNetworkError(err: unknown, ctx: RequestContext = {}): SwitchboardError {
  if (err instanceof SwitchboardError) return err;
  const sys = rootCode(err);
  const code = sys?.code ?? (err as SystemErrorLike | undefined)?.name ?? "UNKNOWN";
  const raw = (sys?.message ?? (err instanceof Error ? err.message : String(err))).trim();
  const details = detailsOf(ctx, { cause: code, causeMessage: raw });
  const target = ctx.server ?? "the cluster";
  if (TLS_CODES.has(code) || /certificate|SSL routines|self.signed/i.test(raw)) {
    const altName = code === "ERR_TLS_CERT_ALTNAME_INVALID";
    const wrongProtocol = code === "EPROTO" || code === "ERR_SSL_WRONG_VERSION_NUMBER";
    return new SwitchboardError(
      "tls",
      altName
        ? `The certificate of ${target} is not valid for that address (${raw}).`
        : wrongProtocol
          ? `Could not set up a secure (TLS) connection to ${target}: it does not speak HTTPS on that port (${raw}).`
          : `The certificate of ${target} is not trusted by your kubeconfig (${raw}).`,
      altName
        ? "The server address in your kubeconfig does not match the certificate: use the address the cluster's certificate names (or set tls-server-name), e.g. re-run `gcloud container clusters get-credentials …`."
        : "Your kubeconfig's certificate-authority-data does not match the cluster: refresh it (for GKE: `gcloud container clusters get-credentials …`). Do not switch TLS verification off.",
      details,
    );
  }
  switch (code) {
    case "ECONNREFUSED":
      return new SwitchboardError(
        "unreachable",
        `Nothing is listening at ${target}: the connection was refused.`,
        "Check that the cluster is running and the server address in your kubeconfig is right (a VPN or `kubectl proxy` may be needed).",
        details,
      );
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_FAIL":
      return new SwitchboardError(
        "unreachable",
        `The cluster's host name${sys?.hostname ? ` "${sys.hostname}"` : ""} could not be resolved (DNS).`,
        "Check your network connection and VPN, and the server address in your kubeconfig.",
        details,
      );
    case "ETIMEDOUT":
    case "TimeoutError":
    case "UND_ERR_CONNECT_TIMEOUT":
    case "UND_ERR_HEADERS_TIMEOUT":
    case "UND_ERR_BODY_TIMEOUT":
      return new SwitchboardError(
        "unreachable",
        `${target} did not answer in time.`,
        "The address may be firewalled or need a VPN (private GKE clusters need authorized networks). Switchboard keeps retrying.",
        detailsOf(details, { timeout: true }),
      );
    case "ECONNRESET":
    case "EPIPE":
    case "UND_ERR_SOCKET":
      return new SwitchboardError(
        "unreachable",
        `The connection to ${target} was cut (${code}).`,
        "Switchboard reconnects by itself; if it keeps happening, check your network or proxy.",
        details,
      );
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "EADDRNOTAVAIL":
      return new SwitchboardError(
        "unreachable",
        `There is no network route to ${target} (${code}).`,
        "Check your network connection and VPN.",
        details,
      );
    case "AbortError":
    case "ABORT_ERR":
      return new SwitchboardError("cancelled", "The request was cancelled.", undefined, details);
    default:
      return new SwitchboardError(
        "unreachable",
        `Could not talk to ${target}: ${raw}`,
        "Check the server address in your kubeconfig and your network.",
        details,
      );
  }
}

/** The `user.exec` block of a kubeconfig (client.authentication.k8s.io ExecConfig). */
export interface ExecConfig {
  command: string;
  args?: string[] | null;
  env?: Array<{ name: string; value: string }> | null;
  apiVersion?: string;
  installHint?: string | null;
  provideClusterInfo?: boolean;
  interactiveMode?: string;
}

function isGkePlugin(command: string): boolean {
  return command.split(/[\\/]/).pop()?.replace(/\.exe$/i, "") === GKE_PLUGIN;
}

export function execPluginMissing(exec: ExecConfig, ctx: RequestContext = {}): SwitchboardError {
  const hints: string[] = [];
  if (exec.installHint?.trim()) hints.push(exec.installHint.trim());
  if (isGkePlugin(exec.command)) hints.push(`Install it with \`${GKE_PLUGIN_INSTALL}\` (or your package manager's google-cloud-cli-gke-gcloud-auth-plugin).`);
  hints.push(
    "If it is installed, make sure its folder is on the PATH of your login shell (apps started from the desktop read PATH from it).",
  );
  return new SwitchboardError(
    "auth-plugin-missing",
    `The credential plugin "${exec.command}" that your kubeconfig uses to log in was not found.`,
    hints.join(" "),
    detailsOf(ctx, { command: exec.command }),
  );
}

/** The plugin ran and failed: map its real stderr to what the user should do. */
export function execPluginFailed(exec: ExecConfig, exitCode: number | null, stderr: string, ctx: RequestContext = {}): SwitchboardError {
  const output = stderr.trim();
  // gke-gcloud-auth-plugin logs glog lines ("F1124 21:23:30.41 7533 cred.go:145] print credential
  // failed with error: ..."): keep the message after the "] ".
  const said = output
    .split("\n")
    .map((l) => l.replace(/^[IWEF]\d{4} [\d:.]+\s+\d+ [\w.]+:\d+\] /, ""))
    .join("\n")
    .trim();
  const details = detailsOf(ctx, { command: exec.command, exitCode, stderr: output.slice(0, 4000) });
  const short = said.length > 600 ? `${said.slice(0, 600)}…` : said;
  let hint: string;
  if (/executable file not found|gcloud.*not found|No such file or directory.*gcloud/i.test(said)) {
    hint =
      "The plugin needs the Google Cloud CLI (`gcloud`) on your PATH: install it (https://cloud.google.com/sdk/docs/install) or add its bin folder to your login shell's PATH, then reconnect.";
  } else if (/gcloud auth login|active account|Reauthentication|reauth|invalid_grant|refresh token|credentials? (were|have been|has) (revoked|expired)|no credentials/i.test(said)) {
    hint = "Run `gcloud auth login` (or `gcloud config set account ACCOUNT` if you are logged in with another account), then reconnect.";
  } else if (/permission|denied/i.test(said)) {
    hint = "Your Google account lacks access to this cluster: check its IAM roles (container.clusters.get), then reconnect.";
  } else {
    hint = `Run \`${[exec.command, ...(exec.args ?? [])].join(" ")}\` in a terminal to see the full error, fix it, then reconnect.`;
  }
  return new SwitchboardError(
    "auth-failed",
    `The credential plugin "${exec.command}" failed${exitCode !== null ? ` (exit ${exitCode})` : ""}${short ? `: ${short}` : "."}`,
    hint,
    details,
  );
}

export function execPluginBadOutput(exec: ExecConfig, problem: string, ctx: RequestContext = {}): SwitchboardError {
  return new SwitchboardError(
    "auth-failed",
    `The credential plugin "${exec.command}" did not print a usable credential: ${problem}.`,
    `Run \`${[exec.command, ...(exec.args ?? [])].join(" ")}\` in a terminal; it should print an ExecCredential JSON. Update the plugin if it does not.`,
    detailsOf(ctx, { command: exec.command }),
  );
}

export function execPluginTimeout(exec: ExecConfig, timeoutMs: number, ctx: RequestContext = {}): SwitchboardError {
  return new SwitchboardError(
    "timeout",
    `The credential plugin "${exec.command}" did not finish within ${Math.round(timeoutMs / 1000)} s.`,
    "It may be waiting for input (a browser login or a prompt): run it once in a terminal, then reconnect.",
    detailsOf(ctx, { command: exec.command, timeoutMs }),
  );
}

/** Anything thrown while talking to a cluster → SwitchboardError (already-classified errors pass through). */
export function toKubeError(err: unknown, ctx: RequestContext = {}): SwitchboardError {
  if (err instanceof SwitchboardError) return err;
  return classifyNetworkError(err, ctx);
}
