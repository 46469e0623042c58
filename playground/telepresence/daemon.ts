// The user daemon (telepresence.md §2): a background process the CLI starts on connect. It keeps the
// connection (context, namespace, manager), the session's intercepts, and the tunnel that carries
// intercepted connections from the traffic-agents to the developer's local ports as real TCP.
import { randomUUID } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect, type Server, type Socket } from "node:net";
import { hostname, userInfo } from "node:os";
import { join } from "node:path";
import { resources, type ClusterClient } from "../cluster/client.ts";
import { HttpClusterClient } from "../cluster/http-client.ts";
import type { Deployment, Pod, Service } from "../workloads/types.ts";
import {
  DEFAULT_MANAGER_NAMESPACE, HEARTBEAT_MS, MANAGER_NAME, patchConfigMap, readRecords, recordKey, sessionKey, SESSIONS_CONFIGMAP,
  type InterceptRecord, type InterceptSpec,
} from "./cluster-state.ts";
import { AGENT_CONTAINER, agentConfigOf, LABEL_WORKLOAD_NAME } from "./inject.ts";
import { parseKubeconfigs, resolveContext } from "./kubeconfig.ts";
import { findManager } from "./manager.ts";
import type { ConnectArgs, ConnectionModel, InterceptArgs, InterceptModel, Request, Response, StatusModel, WorkloadModel } from "./protocol.ts";
import { socketPath } from "./protocol.ts";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { compareVersions, releaseFromEnv, type Release } from "./versions.ts";

const TELEPRESENCE_BIN = fileURLToPath(new URL("../bin/telepresence", import.meta.url));

export const CONNECT_PREFIX = "connector.Connect: ";
export const MANAGER_NOT_FOUND = "traffic manager not found, if it is not installed, please run 'telepresence helm install'. If it is installed, try connecting with a --manager-namespace to point telepresence to the namespace it's installed in.";
/** What `sudo` says without a terminal (telepresence.md §3). */
export const ROOT_DAEMON_FAILURE = "failed to launch the daemon service: sudo: a terminal is required to read the password; either use the -S option to read from standard input or configure an askpass helper";
export const SSHFS_MISSING = "remote volume mounts are disabled: sshfs is not installed on your local machine";

class UserError extends Error {}

interface Connection {
  model: ConnectionModel;
  client: ClusterClient & { close?(): void };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function selectorMatches(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

function targetOf(sp: { port: number; targetPort?: number | string }): number | string {
  const t = sp.targetPort;
  if (t === undefined || t === "" || t === 0) return sp.port;
  if (typeof t === "string" && /^\d+$/.test(t)) return Number(t);
  return t;
}

export class UserDaemon {
  readonly stateDir: string;
  readonly release: Release;
  readonly installId = randomUUID();
  readonly clientName = `${userInfo().username}@${hostname()}`;
  #connection: Connection | undefined;
  #server: Server | undefined;
  #tunnel: Server | undefined;
  #tunnelAddress = "";
  /** Intercepts of this session, by name. */
  readonly #intercepts = new Map<string, InterceptModel>();
  readonly #agentTimeoutMs: number;
  /** The root daemon "runs" once a non-docker connect launched it; quit keeps it, quit -s stops it. */
  #rootRunning = false;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  /** Keepalives in a row the API server did not take: the cluster is gone or unreachable. */
  #beatFailures = 0;

  constructor(stateDir: string, env: NodeJS.ProcessEnv = process.env) {
    this.stateDir = stateDir;
    this.release = releaseFromEnv(env);
    this.#agentTimeoutMs = Number(env.PLAYGROUND_TELEPRESENCE_AGENT_TIMEOUT_MS) || 30_000;
  }

  async start(): Promise<void> {
    mkdirSync(this.stateDir, { recursive: true, mode: 0o700 });
    // The tunnel: agents connect here, say which intercept and local port, and get piped to it.
    this.#tunnel = createServer((s) => this.#onTunnel(s));
    await new Promise<void>((resolve) => this.#tunnel!.listen(0, "127.0.0.1", resolve));
    this.#tunnelAddress = `127.0.0.1:${(this.#tunnel.address() as { port: number }).port}`;
    const path = socketPath(this.stateDir);
    rmSync(path, { force: true });
    this.#server = createServer((s) => this.#onClient(s));
    await new Promise<void>((resolve) => this.#server!.listen(path, resolve));
    writeFileSync(join(this.stateDir, "daemon.pid"), `${process.pid}\n`);
  }

  #onTunnel(socket: Socket): void {
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const nl = buf.indexOf(10);
      if (nl < 0) {
        if (buf.length > 4096) socket.destroy();
        return;
      }
      socket.off("data", onData);
      socket.pause();
      let header: { id: string; host: string; port: number };
      try {
        header = JSON.parse(buf.subarray(0, nl).toString("utf8")) as { id: string; host: string; port: number };
      } catch {
        socket.destroy();
        return;
      }
      const rest = buf.subarray(nl + 1);
      const known = [...this.#intercepts.values()].some((i) => i.record.spec.id === header.id);
      if (!known) {
        socket.destroy();
        return;
      }
      // The developer's local port: nothing listening there means the connection fails, as it would.
      const local = connect({ host: header.host, port: header.port });
      local.setNoDelay(true);
      local.on("connect", () => {
        if (rest.length > 0) local.write(rest);
        socket.pipe(local);
        local.pipe(socket);
        socket.resume();
      });
      local.on("error", () => socket.destroy());
      socket.on("error", () => local.destroy());
      local.on("close", () => socket.destroy());
      socket.on("close", () => local.destroy());
    };
    socket.on("data", onData);
    socket.on("error", () => socket.destroy());
  }

  #onClient(socket: Socket): void {
    let buf = "";
    socket.on("data", (chunk) => {
      buf += chunk.toString("utf8");
      const nl = buf.indexOf("\n");
      if (nl < 0) return;
      const line = buf.slice(0, nl);
      buf = "";
      void this.#handle(JSON.parse(line) as Request).then((res) => {
        socket.end(`${JSON.stringify(res)}\n`);
        if ((JSON.parse(line) as Request).op === "stop") socket.on("close", () => void this.shutdown());
      });
    });
    socket.on("error", () => socket.destroy());
  }

  async #handle(req: Request): Promise<Response> {
    try {
      switch (req.op) {
        case "status": return { ok: true, result: await this.status() };
        case "connect": return { ok: true, result: await this.connect(req.args) };
        case "disconnect": return { ok: true, result: await this.disconnect() };
        case "stop": return { ok: true, result: await this.disconnect() };
        case "list": return { ok: true, result: await this.list(req.args.namespace) };
        case "intercept": return { ok: true, result: await this.intercept(req.args) };
        case "leave": return { ok: true, result: await this.leave(req.args.name) };
      }
    } catch (err) {
      return { ok: false, error: err instanceof UserError ? err.message : `${err instanceof Error ? err.message : String(err)}` };
    }
  }

  async shutdown(): Promise<void> {
    this.#server?.close();
    this.#tunnel?.close();
    rmSync(socketPath(this.stateDir), { force: true });
    rmSync(join(this.stateDir, "daemon.pid"), { force: true });
    process.exit(0);
  }

  async status(): Promise<StatusModel> {
    const c = this.#connection;
    let intercepts: InterceptRecord[] = [];
    if (c) {
      try {
        intercepts = await readRecords(c.client, c.model.managerNamespace);
      } catch {
        intercepts = [];
      }
    }
    return {
      version: this.release.version,
      executable: TELEPRESENCE_BIN,
      installId: this.installId,
      rootRunning: this.#rootRunning,
      // telepresence.md §2 status strings: a cluster that stopped answering shows as such.
      connection: c && this.#beatFailures >= 3 ? { ...c.model, status: "Not connected, error talking to cluster" } : c?.model,
      intercepts: intercepts.filter((r) => r.spec.session === c?.model.session),
    };
  }

  async connect(args: ConnectArgs): Promise<{ already: boolean; model: ConnectionModel }> {
    if (args.noRootDaemon && !args.docker) throw new UserError(ROOT_DAEMON_FAILURE);
    const cfg = parseKubeconfigs(args.kubeconfigTexts);
    const ctx = resolveContext(cfg, args.context);
    if ("error" in ctx) throw new UserError(`${CONNECT_PREFIX}${ctx.error}`);
    const namespace = args.namespace || ctx.namespace || "default";
    if (this.#connection) {
      const m = this.#connection.model;
      if (m.context === ctx.contextName && m.server === ctx.server && m.namespace === namespace) return { already: true, model: m };
      throw new UserError(`${CONNECT_PREFIX}Cluster configuration changed, please quit telepresence and reconnect`);
    }
    const client = new HttpClusterClient({ server: ctx.server, ...(ctx.token ? { token: ctx.token } : {}), ...(ctx.ca ? { ca: ctx.ca } : {}),
      insecureSkipTLSVerify: ctx.insecure, userAgent: `telepresence/${this.release.version}` });
    try {
      await client.list(resources.namespaces);
    } catch (err) {
      client.close();
      throw new UserError(`${CONNECT_PREFIX}initial cluster check failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    // telepresence.md §6: flag or env (resolved by the CLI), a Service `traffic-manager` anywhere, else `ambassador`.
    let managerNamespace = args.managerNamespace || "";
    if (!managerNamespace) {
      const found = (await client.list<Service>(resources.services, { fieldSelector: `metadata.name=${MANAGER_NAME}` })).items
        .filter((s) => s.metadata.name === MANAGER_NAME);
      managerNamespace = found[0]?.metadata.namespace ?? DEFAULT_MANAGER_NAMESPACE;
    }
    const manager = await findManager(client, managerNamespace);
    if (!manager) {
      client.close();
      throw new UserError(`${CONNECT_PREFIX}${MANAGER_NOT_FOUND}`);
    }
    const warnings: string[] = [];
    if (this.release.minManager && compareVersions(manager.version, this.release.minManager) < 0) {
      client.close();
      throw new UserError(`${CONNECT_PREFIX}traffic manager version ${manager.version} is not supported by this client, please upgrade the traffic manager to ${this.release.minManager} or later`);
    }
    const [, cmi] = manager.version.split(".").map(Number);
    if (cmi !== undefined && Math.abs(cmi - this.release.minor) > 3) {
      warnings.push(`Warning: client version ${this.release.version} and traffic-manager version ${manager.version} differ by more than 3 minor versions`);
    }
    const namespaces = args.mappedNamespaces.length > 0 ? [...args.mappedNamespaces].sort()
      : (await client.list(resources.namespaces)).items.map((n) => n.metadata.name).sort();
    const model: ConnectionModel = {
      status: "Connected",
      server: ctx.server,
      context: ctx.contextName,
      namespace,
      managerNamespace,
      mappedNamespaces: namespaces,
      manager,
      docker: args.docker,
      session: randomUUID(),
      client: this.clientName,
      warnings,
    };
    this.#connection = { model, client };
    if (!args.docker) this.#rootRunning = true;
    await this.#beat();
    this.#beatFailures = 0;
    this.#heartbeat = setInterval(() => {
      this.#beat().then(() => {
        this.#beatFailures = 0;
      }, () => {
        this.#beatFailures++;
      });
    }, HEARTBEAT_MS);
    return { already: false, model };
  }

  #require(): Connection {
    if (!this.#connection) throw new UserError("Not connected");
    return this.#connection;
  }

  /** The session's keepalive: a manager drops the intercepts of a session that stopped beating. */
  async #beat(): Promise<void> {
    const c = this.#connection;
    if (!c) return;
    await patchConfigMap(c.client, c.model.managerNamespace, SESSIONS_CONFIGMAP, {
      [sessionKey(c.model.session)]: JSON.stringify({ client: c.model.client, lastSeen: new Date().toISOString() }),
    });
  }

  async disconnect(): Promise<{ wasConnected: boolean }> {
    const c = this.#connection;
    if (!c) return { wasConnected: false };
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    const keys = [sessionKey(c.model.session), ...[...this.#intercepts.values()].map((i) => i.record.key)];
    if (keys.length > 0) {
      await patchConfigMap(c.client, c.model.managerNamespace, SESSIONS_CONFIGMAP, Object.fromEntries(keys.map((k) => [k, null]))).catch(() => undefined);
    }
    this.#intercepts.clear();
    c.client.close?.();
    this.#connection = undefined;
    return { wasConnected: true };
  }

  async list(namespaceArg: string | undefined): Promise<WorkloadModel[]> {
    const c = this.#require();
    const namespace = namespaceArg || c.model.namespace;
    const [deps, services, pods, records] = await Promise.all([
      c.client.list<Deployment>(resources.deployments, { namespace }),
      c.client.list<Service>(resources.services, { namespace }),
      c.client.list<Pod>(resources.pods, { namespace }),
      readRecords(c.client, c.model.managerNamespace),
    ]);
    return deps.items
      .filter((d) => !(d.metadata.namespace === c.model.managerNamespace && d.metadata.name === MANAGER_NAME))
      .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))
      .map((d) => {
        const labels = d.spec.template.metadata?.labels;
        const svcs = services.items.filter((s) => selectorMatches(s.spec.selector, labels));
        const agentPod = pods.items.find((p) => p.metadata.labels?.[LABEL_WORKLOAD_NAME] === d.metadata.name &&
          !p.metadata.deletionTimestamp && p.spec.containers.some((x) => x.name === AGENT_CONTAINER));
        const agentContainer = agentPod?.spec.containers.find((x) => x.name === AGENT_CONTAINER);
        const tag = /:([^:/]+)$/.exec(agentContainer?.image ?? "")?.[1] ?? "";
        return {
          name: d.metadata.name,
          namespace,
          kind: "Deployment",
          uid: d.metadata.uid ?? "",
          services: svcs.map((s) => ({
            name: s.metadata.name, namespace, uid: s.metadata.uid ?? "",
            ports: (s.spec.ports ?? []).map((p) => ({ name: p.name ?? "", port: p.port, targetPort: targetOf(p) })),
          })),
          agent: agentPod && agentContainer
            ? { version: tag.replace(/^v/, ""), image: agentContainer.image ?? "", podName: agentPod.metadata.name, podIP: agentPod.status?.podIP ?? "" }
            : undefined,
          notInterceptableReason: svcs.length === 0 ? "No matching services" : "",
          intercepts: records.filter((r) => r.spec.namespace === namespace && r.spec.workloadName === d.metadata.name),
        };
      });
  }

  async intercept(args: InterceptArgs): Promise<InterceptModel> {
    const c = this.#require();
    const rel = this.release;
    const namespace = args.namespace || c.model.namespace;
    if (this.#intercepts.has(args.name)) throw new UserError(`Intercept with name "${args.name}" already exists`);

    // --port LOCAL[:ID] (telepresence.md §3).
    let localPort: number | undefined;
    let portId: string | undefined;
    if (args.port !== undefined) {
      const m = /^(\d+)(?::([-a-z0-9]+|\d+))?$/.exec(args.port);
      if (!m || Number(m[1]) < 1 || Number(m[1]) > 65535) throw new UserError("port must be of the format --port <local-port>[:<svcPortIdentifier>]");
      localPort = Number(m[1]);
      portId = m[2];
    }

    const workloadName = args.workload || args.name;
    const dep = await c.client.get<Deployment>(resources.deployments, namespace, workloadName);
    if (!dep) throw new UserError(rel.workloadNotFound(workloadName, namespace));
    const kind = "Deployment";
    const labels = dep.spec.template.metadata?.labels;
    let services = (await c.client.list<Service>(resources.services, { namespace })).items.filter((s) => selectorMatches(s.spec.selector, labels));
    if (args.service) {
      services = services.filter((s) => s.metadata.name === args.service);
      if (services.length === 0) throw new UserError(`${kind} ${workloadName}.${namespace} has no service named "${args.service}"`);
    }
    const containers = dep.spec.template.spec.containers.filter((x) => !args.container || x.name === args.container);
    if (args.container && containers.length === 0) throw new UserError(`${kind} ${workloadName}.${namespace} has no container named "${args.container}"`);
    type Candidate = { svc: Service; sp: NonNullable<Service["spec"]["ports"]>[number]; container: string; containerPort: number; containerPortName: string };
    const candidates: Candidate[] = [];
    for (const svc of services) {
      for (const sp of svc.spec.ports ?? []) {
        if ((sp.protocol ?? "TCP") !== "TCP") continue;
        const target = targetOf(sp);
        for (const ct of containers) {
          const cp = (ct.ports ?? []).find((p) => (typeof target === "string" ? p.name === target : p.containerPort === target));
          if (cp) candidates.push({ svc, sp, container: ct.name, containerPort: cp.containerPort, containerPortName: cp.name ?? "" });
        }
      }
    }
    const matching = portId === undefined ? candidates
      : candidates.filter((cd) => (/^\d+$/.test(portId!) ? (args.replace ? cd.containerPort : cd.sp.port) === Number(portId) : (args.replace ? cd.containerPortName : cd.sp.name) === portId));
    if (matching.length === 0) {
      throw new UserError(portId !== undefined
        ? `${kind} ${workloadName}.${namespace} has no interceptable port matching port ${portId}`
        : rel.minor >= 22 ? `${kind} ${workloadName}.${namespace} has no interceptable ports` : `No interceptable deployment, replicaset, or statefulset matching ${workloadName} found`);
    }
    const distinct = new Set(matching.map((m) => `${m.container}/${m.containerPort}`));
    if (distinct.size > 1) {
      throw new UserError(`${kind} ${workloadName}.${namespace} has multiple interceptable ports.\nPlease specify the service and/or port you want to intercept by passing the --service=<svc> and/or --port=<local:portName/portNumber> flag.`);
    }
    const chosen = matching[0]!;
    const targetPort = localPort ?? (rel.defaultPortIsContainerPort ? chosen.containerPort : 8080);
    const targetHost = args.address || "127.0.0.1";

    for (const other of this.#intercepts.values()) {
      if (other.record.spec.targetPort === targetPort && other.record.spec.targetHost === targetHost && !args.wiretap && !other.record.spec.wiretap) {
        throw new UserError(`Port ${targetHost}:${targetPort} is already in use by intercept ${other.record.spec.name}`);
      }
    }
    const headers = args.headers.map((h) => {
      const i = h.indexOf("=");
      if (i <= 0) throw new UserError(`invalid http header "${h}": must be of the form NAME=VALUE`);
      return { name: h.slice(0, i), value: h.slice(i + 1) };
    });
    const mechanism: "tcp" | "http" = headers.length > 0 || args.pathPrefix ? "http" : "tcp";

    // Conflicts with intercepts of any client on the same container port (telepresence.md §3).
    const records = await readRecords(c.client, c.model.managerNamespace);
    if (!args.wiretap) {
      const clash = records.find((r) => !r.spec.wiretap && r.spec.namespace === namespace && r.spec.workloadName === workloadName &&
        r.spec.containerName === chosen.container && r.spec.containerPort === chosen.containerPort && (r.spec.mechanism === "tcp" || mechanism === "tcp"));
      if (clash) {
        throw new UserError(rel.conflictStyle === "container-port"
          ? `container port ${chosen.containerPort} is already intercepted by ${clash.spec.client}, intercept ${clash.spec.name}`
          : `Failed to establish intercept: intercept in error state AGENT_ERROR: Conflicts with the currently-served intercept "${clash.spec.id}"`);
      }
    }

    const container = dep.spec.template.spec.containers.find((x) => x.name === chosen.container)!;
    const environment: Record<string, string> = {};
    for (const e of container.env ?? []) if (e.value !== undefined) environment[e.name] = e.value;
    const id = `${c.model.session}:${args.name}`;
    environment.TELEPRESENCE_CONTAINER = chosen.container;
    environment.TELEPRESENCE_INTERCEPT_ID = id;
    environment.TELEPRESENCE_MOUNTS = "";
    environment.TELEPRESENCE_ROOT = "";

    const spec: InterceptSpec = {
      id,
      session: c.model.session,
      client: c.model.client,
      name: args.name,
      namespace,
      workloadName,
      workloadKind: kind,
      containerName: chosen.container,
      containerPort: chosen.containerPort,
      containerPortName: chosen.containerPortName,
      serviceName: chosen.svc.metadata.name,
      serviceUID: chosen.svc.metadata.uid ?? "",
      servicePortName: chosen.sp.name ?? "",
      servicePort: chosen.sp.port,
      targetHost,
      targetPort,
      tunnel: this.#tunnelAddress,
      mechanism,
      headers,
      pathPrefix: args.pathPrefix ?? "",
      replace: args.replace,
      wiretap: args.wiretap,
      environment,
      createdAt: new Date().toISOString(),
    };
    const key = recordKey(c.model.session, args.name, namespace);
    const model: InterceptModel = {
      record: { key, spec, status: undefined },
      mount: args.mount !== "false",
      mountError: args.mount !== "false" ? SSHFS_MISSING : "",
      workloadKind: kind,
      portIdentifier: portId ?? (chosen.sp.name || String(chosen.sp.port)),
      httpFilter: [...args.headers.map((h) => h), ...(args.pathPrefix ? [`path-prefix=${args.pathPrefix}`] : [])],
      podPorts: [],
    };
    // Registered before the manager sees it, so the tunnel accepts the agent's first connection.
    this.#intercepts.set(args.name, model);
    try {
      await patchConfigMap(c.client, c.model.managerNamespace, SESSIONS_CONFIGMAP, { [key]: JSON.stringify(spec) });
      const deadline = Date.now() + this.#agentTimeoutMs;
      for (;;) {
        const rec = (await readRecords(c.client, c.model.managerNamespace)).find((r) => r.key === key);
        if (rec?.status && rec.status.disposition !== "WAITING") {
          if (rec.status.disposition !== "ACTIVE") throw new UserError(`Failed to establish intercept: intercept in error state ${rec.status.disposition}: ${rec.status.message}`);
          model.record = rec;
          break;
        }
        if (Date.now() > deadline) throw new UserError(`request timed out while waiting for agent ${workloadName}.${namespace} to arrive`);
        await sleep(50);
      }
    } catch (err) {
      this.#intercepts.delete(args.name);
      await patchConfigMap(c.client, c.model.managerNamespace, SESSIONS_CONFIGMAP, { [key]: null, [`${key}.status`]: null }).catch(() => undefined);
      throw err;
    }
    // The agent's own port list (2.22+ Info `pod_ports`).
    const pod = await c.client.get<Pod>(resources.pods, namespace, model.record.status!.podName);
    const cfg = agentConfigOf(pod?.spec.containers.find((x) => x.name === AGENT_CONTAINER));
    model.podPorts = (cfg?.containers.flatMap((cc) => cc.intercepts.map((i) => `${i.agentPort}/${i.protocol}`)) ?? []).filter((v, i, a) => a.indexOf(v) === i);
    return model;
  }

  async leave(name: string): Promise<{ left: boolean }> {
    const c = this.#require();
    const model = this.#intercepts.get(name);
    if (!model) throw new UserError(this.release.leaveNotFound(name));
    this.#intercepts.delete(name);
    await patchConfigMap(c.client, c.model.managerNamespace, SESSIONS_CONFIGMAP, { [model.record.key]: null, [`${model.record.key}.status`]: null });
    return { left: true };
  }
}

/** Entry point of the daemon process (`telepresence daemon-foreground --state-dir DIR`). */
export async function runDaemon(stateDir: string): Promise<void> {
  const daemon = new UserDaemon(stateDir);
  await daemon.start();
  const stop = () => void daemon.disconnect().finally(() => void daemon.shutdown());
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  // A daemon whose state dir was removed (a test's temp dir, a reboot's /run) has no CLI to serve.
  setInterval(() => {
    if (!existsSync(stateDir)) stop();
  }, 2000).unref();
}
