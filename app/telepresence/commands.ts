// Argument arrays for each telepresence command (telepresence.md §2), and the same command shell-quoted
// for display, so the UI can show a command the user can copy and run themselves.
import { posix, win32 } from "node:path";
import { SwitchboardError } from "../contract/errors.ts";
import type { Capabilities } from "./capabilities.ts";

export interface ConnectOptions {
  /** The kubeconfig context; omitted → the kubeconfig's current context. */
  context?: string | null | undefined;
  namespace?: string | null | undefined;
  /** Only when the app uses a kubeconfig other than the default (KUBECONFIG/~/.kube/config). */
  kubeconfig?: string | null | undefined;
  managerNamespace?: string | null | undefined;
  /** `connect --docker`: the daemon runs in a container, no root daemon, no sudo (§3). */
  docker?: boolean | undefined;
}

export interface HttpHeaderFilter {
  name: string;
  value: string;
}

export interface PortMapping {
  local: number;
  /** Service port name or number (intercept), container port (replace). Omitted → the only one. */
  remote?: string | number | null | undefined;
}

export interface InterceptOptions {
  workload: string;
  /** The intercept's name (what leave/detach takes); defaults to the workload's name. */
  name?: string | undefined;
  /** The local port traffic goes to, and the Service port (name or number) it comes from. */
  port: PortMapping;
  /** More ports (2.22+, repeatable `--port`). */
  extraPorts?: PortMapping[] | undefined;
  service?: string | undefined;
  /** 2.21+. */
  container?: string | undefined;
  /** Local address to forward to (default 127.0.0.1). */
  address?: string | undefined;
  /** Where to write the pod's environment (the driver creates it with mode 0600). */
  envFile?: string | undefined;
  envSyntax?: string | undefined;
  /**
   * Remote volumes. Default false: mounting needs FUSE/sshfs on the laptop, may ask for permissions,
   * and slows the intercept down; traffic and environment are what most debugging needs, so a mount is
   * only made when asked for (true = a temp dir, or a path).
   */
  mount?: boolean | string | undefined;
  /** HTTP-filtered intercept (2.25+ client and traffic-manager): only matching requests reach the laptop. */
  httpHeaders?: HttpHeaderFilter[] | undefined;
  httpPathPrefix?: string | undefined;
}

function checkName(what: string, value: string): void {
  // A leading "-" would be read as a flag; Kubernetes names never start with one.
  if (!value || value.startsWith("-")) {
    throw new SwitchboardError("invalid-request", `"${value}" is not a valid ${what} name.`, "Use the name as Kubernetes shows it.", { [what]: value });
  }
}

function portArg(port: PortMapping): string {
  if (!Number.isInteger(port.local) || port.local < 1 || port.local > 65535) {
    throw new SwitchboardError("invalid-request", `Local port ${String(port.local)} is not a port number (1–65535).`);
  }
  const remote = port.remote;
  return remote === undefined || remote === null || remote === "" ? String(port.local) : `${port.local}:${String(remote)}`;
}

/**
 * How to hand the app's kubeconfig to telepresence. The default one (KUBECONFIG of the environment
 * telepresence runs in, else ~/.kube/config) needs nothing. One other file → `--kubeconfig PATH`.
 * Several merged files → KUBECONFIG in the program's environment (the flag takes one path only).
 */
export function kubeconfigChoice(
  appFiles: readonly string[],
  env: NodeJS.ProcessEnv,
  home: string,
  platform: NodeJS.Platform = process.platform,
): { flag: string | null; env: Record<string, string> | null } {
  const separator = platform === "win32" ? ";" : ":";
  const pathApi = platform === "win32" ? win32 : posix;
  const defaults = env.KUBECONFIG ? env.KUBECONFIG.split(separator).filter(Boolean) : [pathApi.join(home, ".kube", "config")];
  const same = appFiles.length === defaults.length && appFiles.every((file, i) => file === defaults[i]);
  if (appFiles.length === 0 || same) return { flag: null, env: null };
  if (appFiles.length === 1) return { flag: appFiles[0] ?? null, env: null };
  return { flag: null, env: { KUBECONFIG: appFiles.join(separator) } };
}

export function connectArgs(options: ConnectOptions): string[] {
  const args = ["connect"];
  if (options.context) args.push("--context", options.context);
  if (options.namespace) args.push("-n", options.namespace);
  if (options.kubeconfig) args.push("--kubeconfig", options.kubeconfig);
  if (options.managerNamespace) args.push("--manager-namespace", options.managerNamespace);
  if (options.docker) args.push("--docker");
  return args;
}

/** `helm install`: the chart is embedded in the binary; release `traffic-manager`, namespace `ambassador` by default (§2). */
export function helmInstallArgs(options: Pick<ConnectOptions, "context" | "kubeconfig" | "managerNamespace"> = {}): string[] {
  const args = ["helm", "install"];
  if (options.context) args.push("--context", options.context);
  if (options.kubeconfig) args.push("--kubeconfig", options.kubeconfig);
  if (options.managerNamespace) args.push("--manager-namespace", options.managerNamespace);
  return args;
}

export function statusArgs(): string[] {
  return ["status"];
}

export function listArgs(options: { namespace?: string | null | undefined; interceptsOnly?: boolean | undefined } = {}): string[] {
  const args = ["list"];
  if (options.namespace) args.push("-n", options.namespace);
  if (options.interceptsOnly) args.push("-i");
  return args;
}

function unsupported(feature: string, needs: string, caps: Capabilities): SwitchboardError {
  return new SwitchboardError(
    "telepresence-too-old",
    `${feature} needs telepresence ${needs} or newer; this one is ${caps.client.raw}.`,
    "Update Telepresence (https://telepresence.io/docs/install/client), or do without it.",
    { feature, needs, client: caps.client.raw },
  );
}

function portFlags(options: Pick<InterceptOptions, "port" | "extraPorts">, caps: Capabilities): string[] {
  const args = ["--port", portArg(options.port)];
  const extra = options.extraPorts ?? [];
  if (extra.length > 0 && !caps.repeatablePort) throw unsupported("Intercepting several ports at once", "2.22", caps);
  for (const port of extra) args.push("--port", portArg(port));
  return args;
}

function mountFlag(mount: InterceptOptions["mount"]): string[] {
  if (mount === undefined || mount === false) return ["--mount", "false"];
  if (mount === true) return ["--mount", "true"];
  return ["--mount", mount];
}

export function interceptArgs(options: InterceptOptions, caps: Capabilities, verb: "intercept" | "replace" | "wiretap" = "intercept"): string[] {
  checkName("workload", options.workload);
  const name = options.name ?? options.workload;
  checkName("intercept", name);
  if (verb === "replace" && !caps.replace) throw unsupported("Replacing a container", "2.22", caps);
  if (verb === "wiretap" && !caps.wiretap) throw unsupported("A wiretap", "2.23", caps);
  const args: string[] = [verb, name];
  if (name !== options.workload) args.push("--workload", options.workload);
  args.push(...portFlags(options, caps));
  if (options.service) args.push("--service", options.service);
  if (options.container) {
    if (!caps.container) throw unsupported("Choosing the container", "2.21", caps);
    args.push("--container", options.container);
  }
  if (options.address) args.push("--address", options.address);
  if (options.envFile) {
    args.push("--env-file", options.envFile);
    if (options.envSyntax) args.push("--env-syntax", options.envSyntax);
  }
  args.push(...mountFlag(options.mount));
  const headers = options.httpHeaders ?? [];
  if (headers.length > 0 || options.httpPathPrefix) {
    if (verb !== "intercept") {
      throw new SwitchboardError("invalid-request", `HTTP filters apply to intercepts only, not to a ${verb}.`);
    }
    if (!caps.httpFilterClient) throw unsupported("An HTTP-filtered intercept", "2.25", caps);
    for (const header of headers) {
      if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(header.name)) {
        throw new SwitchboardError("invalid-request", `"${header.name}" is not a valid HTTP header name.`);
      }
      args.push("--http-header", `${header.name}=${header.value}`);
    }
    if (options.httpPathPrefix) args.push("--http-path-prefix", options.httpPathPrefix);
  }
  return args;
}

export function leaveArgs(name: string, caps: Capabilities): string[] {
  checkName("intercept", name);
  return [caps.leaveCommand, name];
}

export function quitArgs(options: { stopDaemons?: boolean | undefined } = {}): string[] {
  return options.stopDaemons ? ["quit", "-s"] : ["quit"];
}

/** What the driver appends to ask for JSON: `--output json` (or `--format json` on the newest builds). */
export function jsonFlags(caps: Pick<Capabilities, "outputFlag">): string[] {
  return [caps.outputFlag, "json"];
}

// ---- display ------------------------------------------------------------------------------------

export type ShellDialect = "posix" | "powershell";

export function shellFor(platform: NodeJS.Platform): ShellDialect {
  return platform === "win32" ? "powershell" : "posix";
}

/** Quotes one word so the shell passes it through verbatim. */
export function quoteArg(arg: string, dialect: ShellDialect): string {
  if (dialect === "posix") {
    if (/^[A-Za-z0-9_\-.,:/@%+=]+$/.test(arg)) return arg;
    return `'${arg.replace(/'/g, `'\\''`)}'`;
  }
  // PowerShell: single quotes are literal; a quote inside doubles. `@`, `,` and `%` have meanings there.
  if (/^[A-Za-z0-9_\-.:/\\=]+$/.test(arg)) return arg;
  return `'${arg.replace(/['\u2018\u2019]/g, (q) => q + q)}'`;
}

/**
 * The command line to show and copy. `program` is "telepresence" when it was found on PATH, else
 * its full path (PowerShell needs `&` to run a quoted path).
 */
export function displayCommand(program: string, args: readonly string[], platform: NodeJS.Platform = process.platform): string {
  const dialect = shellFor(platform);
  const head = quoteArg(program, dialect);
  const prefix = dialect === "powershell" && head.startsWith("'") ? `& ${head}` : head;
  return [prefix, ...args.map((arg) => quoteArg(arg, dialect))].join(" ");
}
