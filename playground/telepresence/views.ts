// The shapes the program prints, per emulated release (telepresence.md §1–2): pure functions from
// the daemon's models to JSON objects and human text.
import { DISPOSITION_NUMBERS, type InterceptRecord } from "./cluster-state.ts";
import type { ConnectionModel, InterceptModel, StatusModel, WorkloadModel } from "./protocol.ts";
import type { Release } from "./versions.ts";

const v = (version: string) => `v${version.replace(/^v/, "")}`;

/** The cluster-side pod network the root daemon would route (the playground's pod IPs). */
const SUBNETS = ["10.8.0.0/14", "34.118.224.0/20"];

function nameClients(records: InterceptRecord[]) {
  return records.map((r) => ({ name: r.spec.name, client: r.spec.client }));
}

export function statusObject(s: StatusModel | undefined, rel: Release): Record<string, unknown> {
  if (!s) return { user_daemon: {}, root_daemon: {}, traffic_manager: {} };
  const c = s.connection;
  const user: Record<string, unknown> = {
    running: true,
    name: "OSS User Daemon",
    version: v(s.version),
    executable: s.executable,
    install_id: s.installId,
    status: c ? c.status : "Not connected",
  };
  if (c) {
    user.kubernetes_server = c.server;
    user.kubernetes_context = c.context;
    user.connection_name = `${c.context}-${c.namespace}`;
    user.namespace = c.namespace;
    user.manager_namespace = c.managerNamespace;
    user.mapped_namespaces = c.mappedNamespaces;
    const plain = s.intercepts.filter((r) => !rel.statusIngestLists || (!r.spec.replace && !r.spec.wiretap));
    user.intercepts = nameClients(plain);
    if (rel.statusIngestLists) {
      user.ingests = [];
      user.replacements = nameClients(s.intercepts.filter((r) => r.spec.replace));
      user.wiretaps = nameClients(s.intercepts.filter((r) => r.spec.wiretap));
    }
  }
  const root: Record<string, unknown> = s.rootRunning
    ? {
        running: true,
        name: "OSS Root Daemon",
        version: v(s.version),
        dns: { local_ip: "127.0.0.53", remote_ip: "10.8.0.10", exclude_suffixes: [".com", ".io", ".net", ".org", ".ru"], include_suffixes: [], lookup_timeout: "8s" },
        ...(c && !c.docker ? { subnets: SUBNETS } : {}),
      }
    : {};
  const manager: Record<string, unknown> = c
    ? { name: "Traffic Manager", version: v(c.manager.version), traffic_agent: c.manager.agentImage }
    : {};
  return { user_daemon: user, root_daemon: root, traffic_manager: manager };
}

function pad(label: string, width: number): string {
  return label.padEnd(width);
}

export function statusText(s: StatusModel | undefined): string {
  if (!s) return "OSS User Daemon: Not running\nOSS Root Daemon: Not running\nTraffic Manager: Not connected\n";
  const c = s.connection;
  const lines = ["OSS User Daemon: Running", `  ${pad("Version", 18)}: ${v(s.version)}`, `  ${pad("Executable", 18)}: ${s.executable}`,
    `  ${pad("Install ID", 18)}: ${s.installId}`, `  ${pad("Status", 18)}: ${c ? c.status : "Not connected"}`];
  if (c) {
    lines.push(`  ${pad("Kubernetes server", 18)}: ${c.server}`, `  ${pad("Kubernetes context", 18)}: ${c.context}`,
      `  ${pad("Namespace", 18)}: ${c.namespace}`, `  ${pad("Manager namespace", 18)}: ${c.managerNamespace}`,
      `  ${pad("Intercepts", 18)}: ${s.intercepts.length} total`);
    for (const r of s.intercepts) lines.push(`    ${r.spec.name}: ${r.spec.client}`);
  }
  lines.push(s.rootRunning ? `OSS Root Daemon: Running\n  ${pad("Version", 7)}: ${v(s.version)}` : "OSS Root Daemon: Not running");
  lines.push(c ? `Traffic Manager: Connected\n  ${pad("Version", 13)}: ${v(c.manager.version)}\n  ${pad("Traffic Agent", 13)}: ${c.manager.agentImage}` : "Traffic Manager: Not connected");
  return `${lines.join("\n")}\n`;
}

export function versionText(rel: Release, s: StatusModel | undefined): string {
  const running = s ? v(s.version) : "not running";
  const c = s?.connection;
  const lines = [
    `${pad("OSS Client", 15)}: ${v(rel.version)}`,
    `${pad("Root Daemon", 15)}: ${s?.rootRunning ? running : "not running"}`,
    `${pad("User Daemon", 15)}: ${running}`,
    `${pad("Traffic Manager", 15)}: ${c ? v(c.manager.version) : "not connected"}`,
  ];
  if (c) lines.push(`${pad("Traffic Agent", 15)}: ${c.manager.agentImage}`);
  return `${lines.join("\n")}\n`;
}

/** 2.28 `version --format json` (PR #4167): keys mirror status. */
export function versionObject(rel: Release, s: StatusModel | undefined): Record<string, unknown> {
  const st = statusObject(s, rel);
  return {
    client: { version: v(rel.version) },
    root_daemon: st.root_daemon,
    user_daemon: st.user_daemon,
    traffic_manager: st.traffic_manager,
    traffic_agent: s?.connection ? { image: s.connection.manager.agentImage } : {},
  };
}

export function connectText(model: ConnectionModel, already: boolean): string {
  const warn = model.warnings.map((w) => `${w}\n`).join("");
  if (already) return `${warn}Already connected to context ${model.context}, namespace ${model.namespace} (${model.server})\n`;
  return `${warn}${model.docker ? "" : "Launching Telepresence Root Daemon\n"}Launching Telepresence User Daemon\nConnected to context ${model.context}, namespace ${model.namespace} (${model.server})\n`;
}

function filterDesc(m: InterceptModel): string {
  const s = m.record.spec;
  if (s.mechanism === "tcp") return "all TCP connections";
  const parts = s.headers.map((h) => `'${h.name}=${h.value}'`);
  const desc = parts.length > 0 ? `HTTP requests with headers ${parts.join(", ")}` : "HTTP requests";
  return s.pathPrefix ? `${desc} and path prefix '${s.pathPrefix}'` : desc;
}

/** The Info object of `intercept --output json --detailed-output` (telepresence.md §2). */
export function interceptInfo(m: InterceptModel, rel: Release): Record<string, unknown> {
  const s = m.record.spec;
  const st = m.record.status;
  const info: Record<string, unknown> = {
    id: s.id,
    name: s.name,
    disposition: st?.disposition ?? "WAITING",
    message: st?.message ?? "",
    workload_kind: m.workloadKind,
    target_host: s.targetHost,
    target_port: s.targetPort,
    port_id: m.portIdentifier,
    service_port_id: m.portIdentifier,
    container_port: s.containerPort,
    pod_ip: st?.podIP ?? "",
    environment: s.environment,
  };
  if (m.mount) info.mount = { local_dir: "", remote_dir: "", error: m.mountError, pod_ip: st?.podIP ?? "", port: 0, mounts: [] };
  info.filter_desc = filterDesc(m);
  info.global = s.mechanism === "tcp";
  info.http_filter = m.httpFilter;
  info.metadata = {};
  if (rel.infoReplaceKeys) {
    info.pod_ports = m.podPorts;
    info.container_name = s.containerName;
    info.protocol = "TCP";
    info.replace = s.replace;
    info.wiretap = s.wiretap;
  }
  return info;
}

export function interceptText(m: InterceptModel): string {
  const s = m.record.spec;
  const st = m.record.status;
  const rows: Array<[string, string]> = [
    ["Intercept name", s.name],
    ["State", st?.disposition ?? "WAITING"],
    ["Workload kind", m.workloadKind],
    ["Destination", `${s.targetHost}:${s.targetPort}`],
    ["Service Port Identifier", m.portIdentifier],
  ];
  if (m.mount && m.mountError) rows.push(["Volume Mount Error", m.mountError]);
  rows.push(["Intercepting", filterDesc(m)]);
  // Labels align on the longest one, as the real table does.
  const width = Math.max(...rows.map(([k]) => k.length));
  return `Using ${m.workloadKind} ${s.workloadName}\n${rows.map(([k, val]) => `   ${pad(k, width)}: ${val}`).join("\n")}\n`;
}

/** An intercept as `list` reports it: the manager's InterceptInfo, disposition as a NUMBER (§2). */
export function listInterceptInfo(r: InterceptRecord, rel: Release, showEnv: boolean): Record<string, unknown> {
  const s = r.spec;
  const redact = rel.detach && !showEnv; // newest builds redact environment values unless --show-env
  const env: Record<string, string> = {};
  for (const [k, val] of Object.entries(s.environment)) env[k] = redact ? "******" : val;
  const spec: Record<string, unknown> = {
    name: s.name,
    client: s.client,
    agent: s.workloadName,
    workload_kind: s.workloadKind,
    namespace: s.namespace,
    mechanism: s.mechanism,
    mechanism_args: s.headers.map((h) => `--http-header=${h.name}=${h.value}`),
    target_host: s.targetHost,
    target_port: s.targetPort,
    port_identifier: s.servicePortName || String(s.servicePort),
    service_name: s.serviceName,
    service_port_name: s.servicePortName,
    service_port: s.servicePort,
    container_name: s.containerName,
    container_port: s.containerPort,
    protocol: "TCP",
  };
  if (rel.infoReplaceKeys) spec.replace = s.replace;
  if (rel.wiretap) spec.wiretap = s.wiretap;
  return {
    spec,
    id: s.id,
    disposition: DISPOSITION_NUMBERS[r.status?.disposition ?? "WAITING"],
    message: r.status?.message ?? "",
    pod_ip: r.status?.podIP ?? "",
    environment: env,
    mount_point: "",
    metadata: {},
  };
}

export function workloadObject(w: WorkloadModel, rel: Release, showEnv: boolean): Record<string, unknown> {
  const infos = w.intercepts.map((r) => listInterceptInfo(r, rel, showEnv));
  const base: Record<string, unknown> = { name: w.name, namespace: w.namespace, workload_resource_type: w.kind, uid: w.uid };
  if (rel.listKeys === "2.20") {
    base.services = w.services.map((s) => ({ name: s.name, namespace: s.namespace, uid: s.uid, ports: s.ports.map((p) => ({ name: p.name, port: p.port, target_port: p.targetPort })) }));
    if (w.agent) {
      base.sidecar = { name: w.name, namespace: w.namespace, pod_name: w.agent.podName, pod_ip: w.agent.podIP, product: "telepresence", version: w.agent.version,
        mechanisms: [{ name: "tcp", product: "telepresence", version: w.agent.version }] };
    }
    base.intercept_infos = infos;
    return base;
  }
  base.agent_version = w.agent ? w.agent.version : "";
  base.not_interceptable_reason = w.notInterceptableReason;
  if (rel.listKeys === "2.21") {
    base.intercept_infos = infos;
    base.ingest_infos = [];
  } else {
    base.intercept_info = infos;
    base.ingest_info = [];
  }
  return base;
}

export function listText(ws: WorkloadModel[]): string {
  if (ws.length === 0) return "No Workloads (Deployments, StatefulSets, ReplicaSets, or Rollouts)\n";
  const width = Math.max(...ws.map((w) => w.name.length));
  return ws.map((w) => {
    const name = w.name.padEnd(width);
    if (w.notInterceptableReason) return `${name}: not interceptable (${w.notInterceptableReason})\n`;
    if (w.intercepts.length > 0) {
      return `${name}: intercepted\n${w.intercepts.map((r) => `   ${pad("Intercept name", 17)}: ${r.spec.name}\n   ${pad("State", 17)}: ${r.status?.disposition ?? "WAITING"}\n   ${pad("Workload kind", 17)}: ${r.spec.workloadKind}\n   ${pad("Destination", 17)}: ${r.spec.targetHost}:${r.spec.targetPort}\n   ${pad("Intercepting", 17)}: ${r.spec.mechanism === "tcp" ? "all TCP connections" : "HTTP requests"}\n`).join("")}`;
    }
    return `${name}: ready to ${"intercept"} (traffic-agent ${w.agent ? "already installed" : "not yet installed"})\n`;
  }).join("");
}
