// What the installed client can do, from its version and, where it tells us, its `--help` text.
// Features the reference dates (telepresence.md §2: --container 2.21, replace and repeatable --port
// 2.22, wiretap and --progress 2.23, HTTP filters 2.25) need that version, and readable help can
// veto them; renames the reference does not pin to a release (`--output` → `--format`, `leave` →
// `detach`: "detect from `--help`", §1–2) come from the help text alone.
import { atLeast, type Version } from "./version.ts";

/** Which key names `list --output json` uses for a workload's intercepts (telepresence.md §2). */
export type ListKeyGeneration =
  | "services-sidecar" // 2.20: services, sidecar, intercept_infos
  | "infos-plural" // 2.21–2.22.3: agent_version, not_interceptable_reason, intercept_infos, ingest_infos
  | "info-singular"; // 2.22.4+: intercept_info, ingest_info

export interface Capabilities {
  client: Version;
  /** The global flag selecting JSON output. */
  outputFlag: "--output" | "--format";
  /** The command ending an intercept (`leave` is a deprecated alias on the newest builds). */
  leaveCommand: "leave" | "detach";
  listKeys: ListKeyGeneration;
  /** `intercept --container` (2.21). */
  container: boolean;
  /** `ingest` (2.21). */
  ingest: boolean;
  /** `replace` (2.22). */
  replace: boolean;
  /** `--port` given more than once (2.22). */
  repeatablePort: boolean;
  /** `wiretap` (2.23). */
  wiretap: boolean;
  /** `--progress` (2.23); forced quiet together with `--output` (§1). */
  progress: boolean;
  /** `--http-header`/`--http-path-*` on the client (2.25). The traffic-manager must be 2.25+ too. */
  httpFilterClient: boolean;
  /** Where the answers came from, for diagnostics. */
  evidence: { rootHelp: boolean; interceptHelp: boolean };
}

interface HelpFacts {
  commands: Set<string>;
  flags: Map<string, string>; // flag name → its cobra type word ("" for booleans)
}

/**
 * Reads a cobra help text: command names are two-space-indented words followed by two or more spaces
 * (under "Available Commands:" or grouped headings like "Session Commands:"), flags are `--name type`.
 * Returns null when the text does not look like help (garbage, an error).
 */
export function parseHelp(text: string | null | undefined): HelpFacts | null {
  if (!text || !/usage:/i.test(text)) return null;
  const commands = new Set<string>();
  const flags = new Map<string, string>();
  let inCommands = false;
  for (const line of text.split(/\r?\n/)) {
    if (/^\S.*commands:\s*$/i.test(line)) {
      inCommands = true;
      continue;
    }
    if (/^\S/.test(line)) inCommands = false;
    if (inCommands) {
      const command = /^\s{2,}([a-z][a-z0-9-]*)\s{2,}\S/.exec(line);
      if (command?.[1]) commands.add(command[1]);
    }
    const flag = /^\s+(?:-\w,\s+)?--([a-z][a-z0-9-]*)(?:\s+([A-Za-z]+))?/.exec(line);
    if (flag?.[1]) flags.set(flag[1], flag[2] && /^(string|strings|stringArray|int|uint16|duration|bool)$/.test(flag[2]) ? flag[2] : "");
  }
  return { commands, flags };
}

/**
 * Capabilities from the client version plus, when available, `telepresence --help` (root) and
 * `telepresence intercept --help`.
 */
export function detectCapabilities(client: Version, rootHelpText?: string | null, interceptHelpText?: string | null): Capabilities {
  const root = parseHelp(rootHelpText);
  const intercept = parseHelp(interceptHelpText);
  const hasCommands = root !== null && root.commands.size > 0;
  const hasFlags = intercept !== null && intercept.flags.size > 0;
  // A feature the reference dates to a release needs that release; readable help can still take it
  // away (a build without it), but never grants it to an older client whose behaviour is undocumented.
  const command = (name: string, since: string) => atLeast(client, since) && (!hasCommands || root.commands.has(name));
  const flag = (name: string, since: string) => atLeast(client, since) && (!hasFlags || intercept.flags.has(name));

  // `--format` only on the newest builds; the root help lists global flags (or the intercept help
  // lists them under "Global Flags").
  const globalFlags = new Set([...(root?.flags.keys() ?? []), ...(intercept?.flags.keys() ?? [])]);
  const outputFlag = globalFlags.has("format") && !globalFlags.has("output") ? "--format" : "--output";

  // cobra prints a repeatable flag's type as `strings`/`stringArray`, a single one as `string`.
  const portType = intercept?.flags.get("port");
  const repeatablePort = atLeast(client, "2.22.0") && portType !== "string";

  return {
    client,
    outputFlag,
    leaveCommand: hasCommands && root.commands.has("detach") ? "detach" : "leave",
    listKeys: atLeast(client, "2.22.4") ? "info-singular" : atLeast(client, "2.21.0") ? "infos-plural" : "services-sidecar",
    container: flag("container", "2.21.0"),
    ingest: command("ingest", "2.21.0"),
    replace: command("replace", "2.22.0"),
    repeatablePort,
    wiretap: command("wiretap", "2.23.0"),
    progress: atLeast(client, "2.23.0") && (globalFlags.size === 0 || globalFlags.has("progress")),
    httpFilterClient: flag("http-header", "2.25.0"),
    evidence: { rootHelp: hasCommands, interceptHelp: hasFlags },
  };
}

export interface Availability {
  available: boolean;
  /** Why not, in plain words (null when available). */
  reason: string | null;
}

/**
 * HTTP-filtered intercepts need a 2.25+ client AND a 2.25+ traffic-manager (telepresence.md §2, §5):
 * an older manager would ignore the filter and send everything to the laptop.
 */
export function httpFilterAvailability(caps: Capabilities, trafficManager: Version | null): Availability {
  if (!caps.httpFilterClient) {
    return { available: false, reason: `HTTP-filtered intercepts need telepresence 2.25 or newer; this client is ${caps.client.raw}.` };
  }
  if (!trafficManager) {
    return { available: false, reason: "The traffic-manager's version is unknown until Telepresence is connected." };
  }
  if (!atLeast(trafficManager, "2.25.0")) {
    return {
      available: false,
      reason: `HTTP-filtered intercepts need a 2.25 or newer traffic-manager; the cluster runs ${trafficManager.raw} (upgrade it with \`telepresence helm upgrade\`).`,
    };
  }
  return { available: true, reason: null };
}
