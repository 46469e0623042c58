// zod schemas for what `telepresence … --output json` prints (telepresence.md §1–2), and the plain
// data the driver hands on. Lenient on purpose: unknown keys are dropped, a field of an unexpected
// type becomes "unknown" instead of failing the whole answer (2.21+ keeps zeros and `false` that 2.20
// omitted, §1), and both key generations of `list` are accepted.
import { z } from "zod";
import { parseVersion, type Version } from "./version.ts";

/** A field that may be absent, null, or of a type we do not expect: it then reads as undefined. */
const loose = <T extends z.ZodType>(schema: T) => schema.nullish().catch(undefined);
const str = loose(z.string());
const bool = loose(z.boolean());
const num = loose(z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]));
const strOrNum = loose(z.union([z.string(), z.number().transform(String)]));
const strRecord = loose(z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)));
const list = <T extends z.ZodType>(item: T) =>
  z
    .union([z.array(item), item.transform((one) => [one])])
    .nullish()
    .catch(undefined);

// ---- dispositions -----------------------------------------------------------------------------

/** `disposition` is a string in `intercept`'s Info but a NUMBER inside `list` (telepresence.md §2). */
export const DISPOSITIONS = [
  "UNSPECIFIED",
  "ACTIVE",
  "WAITING",
  "NO_CLIENT",
  "NO_AGENT",
  "NO_MECHANISM",
  "NO_PORTS",
  "AGENT_ERROR",
  "BAD_ARGS",
  "REMOVED",
] as const;
export type Disposition = (typeof DISPOSITIONS)[number];

export function normalizeDisposition(value: unknown): Disposition {
  if (typeof value === "number") return DISPOSITIONS[value] ?? "UNSPECIFIED";
  if (typeof value === "string") {
    const upper = value.trim().toUpperCase().replace(/^INTERCEPT_DISPOSITION_/, "");
    if (/^\d+$/.test(upper)) return DISPOSITIONS[Number(upper)] ?? "UNSPECIFIED";
    return (DISPOSITIONS as readonly string[]).includes(upper) ? (upper as Disposition) : "UNSPECIFIED";
  }
  return "UNSPECIFIED";
}

// ---- the envelope -------------------------------------------------------------------------------

/** `{"cmd":"<sub>","stdout":<text or object>,"stderr":"<text>","err":"<error>"}`, all but cmd optional (§1). */
export const envelopeSchema = z.object({
  cmd: z.string(),
  stdout: z.unknown().optional(),
  stderr: z.string().nullish(),
  err: z.string().nullish(),
});
export type Envelope = z.infer<typeof envelopeSchema>;

// ---- intercept Info (intercept's answer, and each entry of a workload's intercept_info(s)) ---------

const specSchema = z.object({
  name: str,
  client: str,
  agent: str,
  workload_kind: str,
  namespace: str,
  target_host: str,
  target_port: num,
  port_identifier: strOrNum,
  service_port_identifier: strOrNum,
  service_name: str,
  container_name: str,
  wiretap: bool,
  replace: bool,
  no_default_port: bool,
  /** `tcp` (global) or `http` (filtered); `list` reports filters only here (the InterceptSpec). */
  mechanism: str,
  mechanism_args: loose(z.array(z.string())),
});

const mountSchema = z.object({
  local_dir: str,
  remote_dir: str,
  error: str,
  pod_ip: str,
  port: num,
  mounts: loose(z.array(z.string())),
});

export const interceptInfoSchema = z.object({
  id: str,
  name: str,
  client: str,
  workload: str,
  namespace: str,
  spec: loose(specSchema),
  disposition: loose(z.union([z.string(), z.number()])),
  message: str,
  workload_kind: str,
  target_host: str,
  target_port: num,
  port_id: strOrNum,
  service_port_id: strOrNum,
  container_port: num,
  container_name: str,
  pod_ip: str,
  environment: strRecord,
  mount: loose(mountSchema),
  filter_desc: str,
  global: bool,
  http_filter: loose(z.array(z.string())),
  protocol: str,
  replace: bool,
  wiretap: bool,
});
export type RawInterceptInfo = z.infer<typeof interceptInfoSchema>;

export type InterceptKind = "intercept" | "replace" | "wiretap";

export interface InterceptInfo {
  /** `<session>:<name>`. */
  id: string | null;
  /** The name `leave`/`detach` takes. */
  name: string;
  workload: string | null;
  namespace: string | null;
  /** Who holds it (`user@host`), when the program says. */
  client: string | null;
  kind: InterceptKind;
  disposition: Disposition;
  message: string | null;
  workloadKind: string | null;
  targetHost: string | null;
  /** The local port traffic goes to. */
  targetPort: number | null;
  /** The Service port intercepted (name or number as the program printed it). */
  servicePort: string | null;
  containerPort: number | null;
  containerName: string | null;
  podIp: string | null;
  environment: Record<string, string> | null;
  mount: { localDir: string | null; remoteDir: string | null; error: string | null } | null;
  filterDescription: string | null;
  global: boolean | null;
  httpFilter: string[];
}

export function normalizeInterceptInfo(raw: RawInterceptInfo, fallback: { workload?: string; namespace?: string } = {}): InterceptInfo {
  const spec = raw.spec ?? undefined;
  const name = raw.name ?? spec?.name ?? (raw.id?.includes(":") ? raw.id.slice(raw.id.indexOf(":") + 1) : raw.id) ?? fallback.workload ?? "";
  const wiretap = raw.wiretap ?? spec?.wiretap ?? false;
  const replace = raw.replace ?? spec?.replace ?? spec?.no_default_port ?? false;
  return {
    id: raw.id ?? null,
    name,
    workload: raw.workload ?? spec?.agent ?? fallback.workload ?? name ?? null,
    namespace: raw.namespace ?? spec?.namespace ?? fallback.namespace ?? null,
    client: raw.client ?? spec?.client ?? null,
    kind: wiretap ? "wiretap" : replace ? "replace" : "intercept",
    disposition: normalizeDisposition(raw.disposition),
    message: raw.message || null,
    workloadKind: raw.workload_kind ?? spec?.workload_kind ?? null,
    targetHost: raw.target_host ?? spec?.target_host ?? null,
    targetPort: raw.target_port ?? spec?.target_port ?? null,
    servicePort: raw.service_port_id ?? raw.port_id ?? spec?.service_port_identifier ?? spec?.port_identifier ?? null,
    containerPort: raw.container_port ?? null,
    containerName: raw.container_name ?? spec?.container_name ?? null,
    podIp: raw.pod_ip ?? null,
    environment: raw.environment ?? null,
    mount: raw.mount
      ? { localDir: raw.mount.local_dir ?? null, remoteDir: raw.mount.remote_dir ?? null, error: raw.mount.error || null }
      : null,
    filterDescription: raw.filter_desc ?? null,
    global: raw.global ?? (spec?.mechanism ? spec.mechanism === "tcp" : null),
    httpFilter: raw.http_filter ?? filtersFromMechanismArgs(spec?.mechanism_args),
  };
}

/** `list` carries filters as the spec's mechanism args (`--http-header=NAME=VALUE`, `--http-path-prefix=/p`). */
function filtersFromMechanismArgs(args: string[] | null | undefined): string[] {
  const out: string[] = [];
  for (const arg of args ?? []) {
    const header = /^--http-header=(.+)$/.exec(arg);
    if (header?.[1]) out.push(header[1]);
    const prefix = /^--http-path-prefix=(.+)$/.exec(arg);
    if (prefix?.[1]) out.push(`path-prefix=${prefix[1]}`);
  }
  return out;
}

// ---- list -------------------------------------------------------------------------------------------

/** One workload of `list`: 2.20 `services, sidecar, intercept_infos`; 2.21–2.22.3 `agent_version,
 * not_interceptable_reason, intercept_infos, ingest_infos`; 2.22.4+ `intercept_info, ingest_info` (§2). */
export const workloadSchema = z.object({
  name: z.string(),
  namespace: str,
  workload_resource_type: str,
  uid: str,
  agent_version: str,
  not_interceptable_reason: str,
  sidecar: loose(z.object({}).passthrough()),
  services: z.unknown().optional(),
  intercept_infos: list(interceptInfoSchema),
  intercept_info: list(interceptInfoSchema),
  ingest_infos: list(z.unknown()),
  ingest_info: list(z.unknown()),
});

export const listSchema = z.array(z.unknown());

export interface WorkloadInfo {
  name: string;
  namespace: string | null;
  /** Deployment, ReplicaSet, StatefulSet, Rollout. */
  kind: string | null;
  uid: string | null;
  /** Whether a traffic-agent is already in its pods (2.20 `sidecar`, 2.21+ `agent_version`). */
  agentInstalled: boolean;
  agentVersion: string | null;
  interceptable: boolean;
  /** Why it cannot be intercepted, in the program's words. */
  notInterceptableReason: string | null;
  intercepts: InterceptInfo[];
  ingestCount: number;
}

export function normalizeWorkload(raw: z.infer<typeof workloadSchema>): WorkloadInfo {
  const infos = [...(raw.intercept_infos ?? []), ...(raw.intercept_info ?? [])];
  const ingests = [...(raw.ingest_infos ?? []), ...(raw.ingest_info ?? [])];
  const agentVersion = raw.agent_version ? (parseVersion(raw.agent_version)?.raw ?? raw.agent_version) : null;
  // Every generation omits the key when there is no agent: 2.20 `sidecar`, 2.21+ `agent_version`.
  const agentInstalled = Boolean(raw.sidecar) || agentVersion !== null;
  return {
    name: raw.name,
    namespace: raw.namespace ?? null,
    kind: raw.workload_resource_type ?? null,
    uid: raw.uid ?? null,
    agentInstalled,
    agentVersion,
    interceptable: !raw.not_interceptable_reason,
    notInterceptableReason: raw.not_interceptable_reason || null,
    intercepts: infos.map((info) => normalizeInterceptInfo(info, { workload: raw.name, ...(raw.namespace ? { namespace: raw.namespace } : {}) })),
    ingestCount: ingests.length,
  };
}

/** Parses `list`'s payload; entries that are not workloads are skipped and counted. */
export function parseWorkloads(payload: unknown): { workloads: WorkloadInfo[]; skipped: number } | null {
  const array = listSchema.safeParse(payload ?? []);
  if (!array.success) return null;
  const workloads: WorkloadInfo[] = [];
  let skipped = 0;
  for (const entry of array.data) {
    const parsed = workloadSchema.safeParse(entry);
    if (parsed.success) workloads.push(normalizeWorkload(parsed.data));
    else skipped++;
  }
  return { workloads, skipped };
}

// ---- status -----------------------------------------------------------------------------------------

const namedSchema = z.object({ name: str, client: str, workload: str, container: str });

const userDaemonSchema = z.object({
  running: bool,
  in_docker: bool,
  name: str,
  version: str,
  executable: str,
  status: str,
  error: str,
  kubernetes_server: str,
  kubernetes_context: str,
  namespace: str,
  manager_namespace: str,
  mapped_namespaces: loose(z.array(z.string())),
  intercepts: loose(z.array(namedSchema)),
  replacements: loose(z.array(namedSchema)),
  wiretaps: loose(z.array(namedSchema)),
  ingests: loose(z.array(namedSchema)),
});

const rootDaemonSchema = z.object({ running: bool, name: str, version: str });
const trafficManagerSchema = z.object({ name: str, version: str, traffic_agent: str });

const connectionSchema = z.object({
  user_daemon: loose(userDaemonSchema),
  // `connect --docker`: the containerized daemon reports under `daemon`.
  daemon: loose(userDaemonSchema),
  root_daemon: loose(rootDaemonSchema),
  traffic_manager: loose(trafficManagerSchema),
});

export const statusSchema = connectionSchema.extend({
  connections: loose(z.array(connectionSchema)),
});

/** `user_daemon.status` values (§2). */
export type ConnectionStatusText =
  | "Connected"
  | "Not authorized to connect"
  | "Not logged in"
  | "Connected, but must restart"
  | "Not connected"
  | "Not connected, error talking to cluster"
  | "Not connected, error talking to in-cluster Telepresence traffic-manager"
  | string;

export interface ActiveName {
  name: string;
  client: string | null;
  kind: InterceptKind | "ingest";
}

export interface ConnectionInfo {
  userDaemonRunning: boolean;
  inDocker: boolean;
  /** The program's own words, e.g. "Connected", "Not connected, error talking to cluster". */
  status: ConnectionStatusText | null;
  connected: boolean;
  /** "Connected, but must restart": the cluster configuration changed under the daemon. */
  mustRestart: boolean;
  error: string | null;
  context: string | null;
  server: string | null;
  namespace: string | null;
  managerNamespace: string | null;
  mappedNamespaces: string[];
  userDaemonVersion: Version | null;
  rootDaemonRunning: boolean;
  rootDaemonVersion: Version | null;
  trafficManager: { name: string | null; version: Version | null; trafficAgent: string | null } | null;
  active: ActiveName[];
}

export interface StatusInfo {
  connections: ConnectionInfo[];
}

function normalizeConnection(raw: z.infer<typeof connectionSchema>): ConnectionInfo {
  const ud = raw.user_daemon ?? raw.daemon ?? undefined;
  const status = ud?.status ?? null;
  const names = (items: z.infer<typeof namedSchema>[] | null | undefined, kind: ActiveName["kind"]): ActiveName[] =>
    (items ?? []).flatMap((item) => {
      const name = item.name ?? item.workload;
      return name ? [{ name, client: item.client ?? null, kind }] : [];
    });
  const tm = raw.traffic_manager;
  return {
    userDaemonRunning: ud?.running ?? false,
    inDocker: ud?.in_docker ?? raw.daemon != null,
    status,
    connected: status === "Connected" || status === "Connected, but must restart",
    mustRestart: status === "Connected, but must restart",
    error: ud?.error || null,
    context: ud?.kubernetes_context || null,
    server: ud?.kubernetes_server || null,
    namespace: ud?.namespace || null,
    managerNamespace: ud?.manager_namespace || null,
    mappedNamespaces: ud?.mapped_namespaces ?? [],
    userDaemonVersion: parseVersion(ud?.version),
    rootDaemonRunning: raw.root_daemon?.running ?? false,
    rootDaemonVersion: parseVersion(raw.root_daemon?.version),
    trafficManager:
      tm && (tm.name || tm.version)
        ? { name: tm.name ?? null, version: parseVersion(tm.version), trafficAgent: tm.traffic_agent ?? null }
        : null,
    active: [
      ...names(ud?.intercepts, "intercept"),
      ...names(ud?.replacements, "replace"),
      ...names(ud?.wiretaps, "wiretap"),
      ...names(ud?.ingests, "ingest"),
    ],
  };
}

/** `status`'s bare object, or `{"connections":[…]}` when several daemons run (§2). Null when unreadable. */
export function parseStatus(payload: unknown): StatusInfo | null {
  const parsed = statusSchema.safeParse(payload ?? {});
  if (!parsed.success) return null;
  if (parsed.data.connections && parsed.data.connections.length > 0) {
    return { connections: parsed.data.connections.map(normalizeConnection) };
  }
  return { connections: [normalizeConnection(parsed.data)] };
}

/** `intercept --detailed-output`'s bare Info (§2). Null when it is not an Info at all. */
export function parseInterceptInfo(payload: unknown): InterceptInfo | null {
  if (!payload || typeof payload !== "object" || Array.isArray(payload)) return null;
  const parsed = interceptInfoSchema.safeParse(payload);
  if (!parsed.success) return null;
  const info = normalizeInterceptInfo(parsed.data);
  return info.name || info.id ? info : null;
}
