// Telepresence facts as the model needs them: versions (telepresence.md §2, §6) and intercept
// dispositions (a string from `intercept`, a number inside `list`, telepresence.md §2).
import type { TelepresenceView } from "../contract/model.ts";
import type { InterceptFact, TelepresenceFacts } from "./snapshot.ts";

/** telepresence.md §2: the numeric dispositions of `list`. */
const DISPOSITIONS = ["UNSPECIFIED", "ACTIVE", "WAITING", "NO_CLIENT", "NO_AGENT", "NO_MECHANISM", "NO_PORTS", "AGENT_ERROR", "BAD_ARGS", "REMOVED"];

export function dispositionName(d: string | number): string {
  if (typeof d === "number") return DISPOSITIONS[d] ?? String(d);
  return /^\d+$/.test(d) ? (DISPOSITIONS[Number(d)] ?? d) : d.toUpperCase();
}

export function isActive(i: InterceptFact): boolean {
  return dispositionName(i.disposition) === "ACTIVE";
}

/** Parse "v2.25.1" / "2.25.0-rc.1" into [major, minor, patch]; null when not a version. */
export function parseVersion(v: string | null | undefined): [number, number, number] | null {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec((v ?? "").trim());
  if (!m) return null;
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

export function versionAtLeast(v: string | null | undefined, min: string): boolean | null {
  const a = parseVersion(v);
  const b = parseVersion(min)!;
  if (!a) return null;
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
  return true;
}

/** telepresence.md §2: `--http-header` / `--http-path-*` filters arrived in 2.25. */
export const HTTP_FILTER_MIN_VERSION = "2.25.0";

export function telepresenceView(facts: TelepresenceFacts | undefined): TelepresenceView {
  if (!facts) {
    return { known: false, trafficManager: { present: false, namespace: null, version: null }, clientVersion: null, httpFilterSupported: null };
  }
  const strip = (v: string | undefined) => (v ? v.replace(/^v/, "") : null);
  const client = versionAtLeast(facts.clientVersion, HTTP_FILTER_MIN_VERSION);
  const manager = facts.trafficManager.present ? versionAtLeast(facts.trafficManager.version, HTTP_FILTER_MIN_VERSION) : false;
  return {
    known: true,
    trafficManager: {
      present: facts.trafficManager.present,
      namespace: facts.trafficManager.namespace ?? null,
      version: strip(facts.trafficManager.version),
    },
    clientVersion: strip(facts.clientVersion),
    httpFilterSupported: client === false || manager === false ? false : client === null || manager === null ? null : true,
  };
}
