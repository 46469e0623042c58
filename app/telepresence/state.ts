// The intercept state model: plain data built from what `status` and `list` say (pure functions), so
// it survives an app restart (the daemon keeps intercepts until leave/quit, telepresence.md §2: the
// next refresh rediscovers them) and can be diffed into contract events.
import type { ErrorValue } from "../contract/errors.ts";
import type { ConnectionInfo, Disposition, InterceptInfo, InterceptKind, StatusInfo, WorkloadInfo } from "./schemas.ts";

export type ConnectionPhase =
  | "not-running" // no user daemon: nothing connected, nothing to poll beyond status
  | "disconnected"
  | "connected"
  | "must-restart" // "Connected, but must restart": quit and connect again
  | "error"; // "Not connected, error talking to …", "Not logged in", "Not authorized to connect"

export interface ConnectionView {
  phase: ConnectionPhase;
  /** The program's own status text. */
  statusText: string | null;
  error: string | null;
  context: string | null;
  namespace: string | null;
  managerNamespace: string | null;
  userDaemonVersion: string | null;
  rootDaemonRunning: boolean;
  trafficManagerVersion: string | null;
  inDocker: boolean;
}

export interface InterceptView {
  /** `<namespace>/<name>` (namespace may be empty when unknown). */
  key: string;
  name: string;
  workload: string | null;
  namespace: string | null;
  kind: InterceptKind | "ingest";
  client: string | null;
  /** Held by this machine's daemon (listed by `status`), as opposed to a colleague's seen in `list`. */
  mine: boolean;
  disposition: Disposition | null;
  message: string | null;
  localPort: number | null;
  localHost: string | null;
  servicePort: string | null;
  httpFilter: string[];
  global: boolean | null;
  podIp: string | null;
  /** Where it was seen this time. */
  seenIn: Array<"status" | "list">;
}

export interface TelepresenceState {
  checkedAt: string;
  connection: ConnectionView;
  intercepts: InterceptView[];
  /** Workloads of the connected namespace; null when not listed (not connected, or not asked). */
  workloads: WorkloadInfo[] | null;
  /** Why `list` failed this time (the workloads are then the last ones seen); null when it did not. */
  listError: ErrorValue | null;
}

export function phaseOf(connection: ConnectionInfo | null): ConnectionPhase {
  if (!connection || !connection.userDaemonRunning) return connection?.status ? phaseOfText(connection.status) : "not-running";
  return phaseOfText(connection.status);
}

function phaseOfText(status: string | null): ConnectionPhase {
  if (status === "Connected") return "connected";
  if (status === "Connected, but must restart") return "must-restart";
  if (status === "Not connected" || status === null) return "disconnected";
  return "error";
}

/** The connection for `context` (several daemons → `connections`), or the only/first one. */
export function pickConnection(status: StatusInfo, context?: string | null): ConnectionInfo | null {
  if (context) {
    const match = status.connections.find((c) => c.context === context);
    if (match) return match;
    const connected = status.connections.filter((c) => c.connected);
    // Connected elsewhere: report that connection, callers compare its context.
    return connected[0] ?? status.connections[0] ?? null;
  }
  return status.connections.find((c) => c.connected) ?? status.connections[0] ?? null;
}

export function connectionView(connection: ConnectionInfo | null): ConnectionView {
  return {
    phase: phaseOf(connection),
    statusText: connection?.status ?? null,
    error: connection?.error ?? null,
    context: connection?.context ?? null,
    namespace: connection?.namespace ?? null,
    managerNamespace: connection?.managerNamespace ?? null,
    userDaemonVersion: connection?.userDaemonVersion?.raw ?? null,
    rootDaemonRunning: connection?.rootDaemonRunning ?? false,
    trafficManagerVersion: connection?.trafficManager?.version?.raw ?? null,
    inDocker: connection?.inDocker ?? false,
  };
}

function keyOf(namespace: string | null, name: string): string {
  return `${namespace ?? ""}/${name}`;
}

function fromInfo(info: InterceptInfo, seen: InterceptView["seenIn"][number], mine: boolean): InterceptView {
  return {
    key: keyOf(info.namespace, info.name),
    name: info.name,
    workload: info.workload,
    namespace: info.namespace,
    kind: info.kind,
    client: info.client,
    mine,
    disposition: info.disposition,
    message: info.message,
    localPort: info.targetPort,
    localHost: info.targetHost,
    servicePort: info.servicePort,
    httpFilter: info.httpFilter,
    global: info.global,
    podIp: info.podIp,
    seenIn: [seen],
  };
}

export interface BuildStateInput {
  status: StatusInfo;
  context?: string | null | undefined;
  /** From `list` when connected; null/undefined when not listed this time. */
  workloads?: WorkloadInfo[] | null | undefined;
  /** Details remembered from earlier answers (an `intercept` Info, an earlier `list`), by key or name. */
  known?: InterceptInfo[] | undefined;
  listError?: ErrorValue | null | undefined;
  now: Date;
}

/**
 * Merges `status` (which intercepts this daemon holds: names only) with `list` (details, and
 * colleagues' intercepts on the same workloads) into one list of intercepts.
 */
export function buildState(input: BuildStateInput): TelepresenceState {
  const connection = pickConnection(input.status, input.context);
  const view = connectionView(connection);
  const namespace = view.namespace;
  const byKey = new Map<string, InterceptView>();
  const connected = view.phase === "connected" || view.phase === "must-restart";

  // Ours, per status; the names are in the connected namespace.
  const mineNames = new Set<string>();
  if (connected && connection) {
    for (const active of connection.active) {
      mineNames.add(active.name);
      const known = input.known?.find((k) => k.name === active.name && (k.namespace === null || namespace === null || k.namespace === namespace));
      const base: InterceptView = known
        ? { ...fromInfo(known, "status", true), seenIn: ["status"] }
        : {
            key: keyOf(namespace, active.name),
            name: active.name,
            workload: null,
            namespace,
            kind: active.kind,
            client: active.client,
            mine: true,
            disposition: null,
            message: null,
            localPort: null,
            localHost: null,
            servicePort: null,
            httpFilter: [],
            global: null,
            podIp: null,
            seenIn: ["status"],
          };
      base.key = keyOf(namespace, active.name);
      base.namespace = namespace;
      base.client = active.client ?? base.client;
      base.kind = active.kind;
      byKey.set(base.key, base);
    }
  }

  // Details (and others' intercepts) per list.
  for (const workload of input.workloads ?? []) {
    for (const info of workload.intercepts) {
      const key = keyOf(info.namespace ?? workload.namespace ?? namespace, info.name);
      const existing = byKey.get(key);
      const mine = mineNames.has(info.name) && (info.namespace ?? workload.namespace ?? namespace) === namespace;
      const fromList = fromInfo({ ...info, namespace: info.namespace ?? workload.namespace ?? namespace, workload: info.workload ?? workload.name }, "list", mine);
      if (existing) {
        byKey.set(key, {
          ...fromList,
          kind: existing.kind,
          client: fromList.client ?? existing.client,
          mine: existing.mine,
          seenIn: [...existing.seenIn, "list"],
        });
      } else {
        byKey.set(key, fromList);
      }
    }
  }

  const intercepts = [...byKey.values()].sort((a, b) => a.key.localeCompare(b.key));
  return {
    checkedAt: input.now.toISOString(),
    connection: view,
    intercepts,
    workloads: connected ? (input.workloads ?? null) : null,
    listError: connected ? (input.listError ?? null) : null,
  };
}

export interface InterceptDiff {
  added: InterceptView[];
  removed: InterceptView[];
  changed: InterceptView[];
}

/** What changed between two states: the events the core sends; `removed` after a network drop = lost. */
export function diffIntercepts(before: TelepresenceState | null, after: TelepresenceState): InterceptDiff {
  const old = new Map((before?.intercepts ?? []).map((i) => [i.key, i]));
  const now = new Map(after.intercepts.map((i) => [i.key, i]));
  const added = after.intercepts.filter((i) => !old.has(i.key));
  const removed = (before?.intercepts ?? []).filter((i) => !now.has(i.key));
  const changed = after.intercepts.filter((i) => {
    const previous = old.get(i.key);
    if (!previous) return false;
    return (
      previous.disposition !== i.disposition ||
      previous.message !== i.message ||
      previous.localPort !== i.localPort ||
      previous.client !== i.client ||
      previous.mine !== i.mine
    );
  });
  return { added, removed, changed };
}

/** After sleep or a network drop: what the user should be told, if anything. */
export function recheckAdvice(before: TelepresenceState | null, after: TelepresenceState): string | null {
  const { removed } = diffIntercepts(before, after);
  const lostMine = removed.filter((i) => i.mine);
  switch (after.connection.phase) {
    case "must-restart":
      return "The cluster configuration changed while Telepresence was connected: disconnect and connect again.";
    case "error":
      return `Telepresence lost the cluster (${after.connection.statusText ?? "error"}${after.connection.error ? `: ${after.connection.error}` : ""}). Check the network and credentials, then reconnect.`;
    case "disconnected":
    case "not-running":
      if (before && (before.connection.phase === "connected" || before.connection.phase === "must-restart")) {
        return lostMine.length > 0
          ? `Telepresence disconnected; intercepts ended: ${lostMine.map((i) => i.name).join(", ")}. Connect and intercept again.`
          : "Telepresence disconnected. Connect again to intercept.";
      }
      return null;
    case "connected":
      return lostMine.length > 0 ? `These intercepts ended while the laptop was away: ${lostMine.map((i) => i.name).join(", ")}.` : null;
  }
}
