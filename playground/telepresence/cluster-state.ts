// What the traffic-manager knows, kept in the cluster so that the user daemon (its own process,
// talking HTTP to the API server) and the manager (inside the playground) share it without a gRPC
// link. The real manager keeps sessions and intercepts in memory and agent configs in the
// `telepresence-agents` ConfigMap of each namespace; here both live in ConfigMaps:
//  - `traffic-manager-sessions` in the manager namespace: one key per intercept spec (written by the
//    daemon) and one `<key>.status` per intercept (written by the manager);
//  - `telepresence-agents` in the workload's namespace: which workloads get an agent (and in replace
//    mode, which containers it replaces), written by the manager, read by the injector.
import { ClusterError, resources, type ClusterClient, type KubeObject } from "../cluster/client.ts";

export const SESSIONS_CONFIGMAP = "traffic-manager-sessions";
export const AGENTS_CONFIGMAP = "telepresence-agents";
export const MANAGER_NAME = "traffic-manager";
export const DEFAULT_MANAGER_NAMESPACE = "ambassador";

export type Disposition = "UNSPECIFIED" | "ACTIVE" | "WAITING" | "NO_CLIENT" | "NO_AGENT" | "NO_MECHANISM" | "NO_PORTS" | "AGENT_ERROR" | "BAD_ARGS" | "REMOVED";
/** The number each disposition has inside `list` (telepresence.md §2). */
export const DISPOSITION_NUMBERS: Record<Disposition, number> = {
  UNSPECIFIED: 0, ACTIVE: 1, WAITING: 2, NO_CLIENT: 3, NO_AGENT: 4, NO_MECHANISM: 5, NO_PORTS: 6, AGENT_ERROR: 7, BAD_ARGS: 8, REMOVED: 9,
};

export interface HttpHeaderFilter {
  name: string;
  value: string;
}

/** An intercept as the client asked for it (the real InterceptSpec, trimmed). */
export interface InterceptSpec {
  id: string;
  session: string;
  client: string;
  name: string;
  namespace: string;
  workloadName: string;
  workloadKind: string;
  containerName: string;
  containerPort: number;
  containerPortName: string;
  serviceName: string;
  serviceUID: string;
  servicePortName: string;
  servicePort: number;
  /** The local address traffic goes to (the developer's laptop: 127.0.0.1). */
  targetHost: string;
  targetPort: number;
  /** The daemon's loopback tunnel the agent sends intercepted connections through. */
  tunnel: string;
  /** "tcp" (global) or "http" (filtered, 2.25+). */
  mechanism: "tcp" | "http";
  headers: HttpHeaderFilter[];
  pathPrefix: string;
  replace: boolean;
  wiretap: boolean;
  environment: Record<string, string>;
  createdAt: string;
}

export interface InterceptStatus {
  disposition: Disposition;
  message: string;
  podIP: string;
  podName: string;
  agentPort: number;
}

export interface InterceptRecord {
  key: string;
  spec: InterceptSpec;
  status: InterceptStatus | undefined;
}

export interface WorkloadAgent {
  workloadName: string;
  workloadKind: string;
  /** Containers whose removal a replace asked for (2.22+). */
  replace: string[];
  enabledAt: string;
}

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

/** ConfigMap keys allow `[-._a-zA-Z0-9]`; intercept ids are `<session>:<name>`. */
export function recordKey(session: string, name: string, namespace: string): string {
  return `${session}.${namespace}.${name}`.replace(/[^-._a-zA-Z0-9]/g, "_");
}

/** A client session's heartbeat key (the real manager expires sessions that stop sending keepalives). */
export const SESSION_PREFIX = "session.";
export const HEARTBEAT_MS = 1_000;

export interface SessionBeat {
  client: string;
  lastSeen: string;
}

export function sessionKey(session: string): string {
  return `${SESSION_PREFIX}${session}`;
}

export function parseSessions(cm: ConfigMap | undefined): Map<string, SessionBeat> {
  const out = new Map<string, SessionBeat>();
  for (const [key, raw] of Object.entries(cm?.data ?? {})) {
    if (!key.startsWith(SESSION_PREFIX)) continue;
    try {
      out.set(key.slice(SESSION_PREFIX.length), JSON.parse(raw) as SessionBeat);
    } catch {
      // ignore
    }
  }
  return out;
}

export function parseRecords(cm: ConfigMap | undefined): InterceptRecord[] {
  const data = cm?.data ?? {};
  const out: InterceptRecord[] = [];
  for (const [key, raw] of Object.entries(data)) {
    if (key.endsWith(".status") || key.startsWith(SESSION_PREFIX)) continue;
    try {
      const spec = JSON.parse(raw) as InterceptSpec;
      const st = data[`${key}.status`];
      out.push({ key, spec, status: st ? (JSON.parse(st) as InterceptStatus) : undefined });
    } catch {
      // a key someone else wrote: not ours
    }
  }
  return out.sort((a, b) => (a.spec.createdAt < b.spec.createdAt ? -1 : a.spec.createdAt > b.spec.createdAt ? 1 : 0));
}

export function parseAgents(cm: ConfigMap | undefined): Map<string, WorkloadAgent> {
  const out = new Map<string, WorkloadAgent>();
  for (const [key, raw] of Object.entries(cm?.data ?? {})) {
    try {
      out.set(key, JSON.parse(raw) as WorkloadAgent);
    } catch {
      // ignore foreign keys
    }
  }
  return out;
}

/** Merge-patches keys of a ConfigMap (null deletes), creating it when missing. */
export async function patchConfigMap(client: ClusterClient, namespace: string, name: string, data: Record<string, string | null>): Promise<void> {
  try {
    await client.patch(resources.configmaps, namespace, name, "merge", { data });
    return;
  } catch (err) {
    if (!(err instanceof ClusterError) || err.code !== 404) throw err;
  }
  const initial: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) if (v !== null) initial[k] = v;
  try {
    await client.create(resources.configmaps, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name, namespace, labels: { "app.kubernetes.io/created-by": "traffic-manager" } },
      data: initial,
    } as ConfigMap);
  } catch (err) {
    if (err instanceof ClusterError && err.code === 409) {
      await client.patch(resources.configmaps, namespace, name, "merge", { data });
      return;
    }
    throw err;
  }
}

export async function readRecords(client: ClusterClient, managerNamespace: string): Promise<InterceptRecord[]> {
  return parseRecords(await client.get<ConfigMap>(resources.configmaps, managerNamespace, SESSIONS_CONFIGMAP));
}

export async function readAgents(client: ClusterClient, namespace: string): Promise<Map<string, WorkloadAgent>> {
  return parseAgents(await client.get<ConfigMap>(resources.configmaps, namespace, AGENTS_CONFIGMAP));
}

export type { ConfigMap };
