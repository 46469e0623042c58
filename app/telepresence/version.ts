// Versions of the telepresence client and traffic-manager: parsing, comparing, the supported range.

export interface Version {
  major: number;
  minor: number;
  patch: number;
  /** Everything after the numbers (e.g. "-rc.1"), kept for display only. */
  suffix: string;
  /** The text as printed, without a leading "v". */
  raw: string;
}

/**
 * The oldest client we drive: 2.20.0. Why: the reference (telepresence.md, compiled from v2.20.2 on)
 * documents every shape we parse from 2.20 on — `status`/`list`/`intercept` JSON, the error texts of §3
 * — and nothing older, so an older client would be guessed at, not driven. 2.20 is also the oldest
 * generation a 2.25+ client can still talk to (its manager must be ≥ 2.21, §6), i.e. what users
 * really have in the field.
 */
export const MIN_SUPPORTED = "2.20.0";

/** Parses "v2.20.2", "2.27.0-rc.1", "2.22" (a leading "v" is stripped, telepresence.md §2). */
export function parseVersion(text: string | null | undefined): Version | null {
  if (!text) return null;
  const match = /^\s*v?(\d+)\.(\d+)(?:\.(\d+))?([-+][0-9A-Za-z.+-]*)?\s*$/.exec(text);
  if (!match) return null;
  const [, major, minor, patch, suffix] = match;
  const raw = text.trim().replace(/^v/, "");
  return { major: Number(major), minor: Number(minor), patch: Number(patch ?? 0), suffix: suffix ?? "", raw };
}

/** Compares by numbers; a pre-release ("-rc.1") sorts before its release, like semver. */
export function compareVersions(a: Version, b: Version): number {
  if (a.major !== b.major) return a.major - b.major;
  if (a.minor !== b.minor) return a.minor - b.minor;
  if (a.patch !== b.patch) return a.patch - b.patch;
  const aPre = a.suffix.startsWith("-");
  const bPre = b.suffix.startsWith("-");
  if (aPre !== bPre) return aPre ? -1 : 1;
  return 0;
}

/** `version` ≥ `minimum` (a text like "2.25.0"). A pre-release of the minimum counts as the minimum. */
export function atLeast(version: Version | null, minimum: string): boolean {
  if (!version) return false;
  const min = parseVersion(minimum);
  if (!min) throw new Error(`bad minimum version ${minimum}`);
  const release = { ...version, suffix: "" };
  return compareVersions(release, min) >= 0;
}

export interface VersionReport {
  client: Version | null;
  rootDaemon: Version | null;
  userDaemon: Version | null;
  trafficManager: Version | null;
}

/**
 * Parses the text of `telepresence version` (telepresence.md §2: text only, even with `--output json`,
 * where it comes wrapped in an envelope's `stdout`). Lines look like `OSS Client : v2.20.2`,
 * `Client         : v2.27.0`, `Root Daemon    : v2.20.2` / `not running`, `Traffic Manager: not connected`.
 */
export function parseVersionOutput(output: string): VersionReport {
  let text = output;
  const trimmed = output.trim();
  if (trimmed.startsWith("{")) {
    try {
      const value: unknown = JSON.parse(trimmed);
      if (value && typeof value === "object" && "stdout" in value && typeof value.stdout === "string") {
        text = value.stdout;
      }
    } catch {
      // Not JSON after all: read it as text.
    }
  }
  const find = (label: RegExp): Version | null => {
    for (const line of text.split(/\r?\n/)) {
      const match = label.exec(line);
      if (match) return parseVersion(match[1]);
    }
    return null;
  };
  const value = String.raw`\s*:\s*(v?\d+\.\d+(?:\.\d+)?(?:[-+][0-9A-Za-z.+-]*)?)`;
  return {
    client: find(new RegExp(String.raw`^\s*(?:[\w-]+\s+)?Client${value}`, "i")),
    rootDaemon: find(new RegExp(String.raw`^\s*Root Daemon${value}`, "i")),
    userDaemon: find(new RegExp(String.raw`^\s*User Daemon${value}`, "i")),
    trafficManager: find(new RegExp(String.raw`^\s*Traffic Manager${value}`, "i")),
  };
}

export function formatVersion(version: Version | null): string {
  return version ? version.raw : "unknown";
}
