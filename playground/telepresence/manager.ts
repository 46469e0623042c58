// The traffic-manager (telepresence.md §4, §6): its installation (what `telepresence helm install`
// creates), its detection, and its in-playground controller — the agent injector (a mutating
// admission hook on pod CREATE), the workload restarts that get agents into running workloads, and
// the intercept bookkeeping the agents consult.
import { gzipSync } from "node:zlib";
import { ClusterError, resources, type ClusterClient, type KubeObject } from "../cluster/client.ts";
import { Informer, WorkQueue } from "../workloads/informer.ts";
import type { Deployment, Pod, ReplicaSet, Service } from "../workloads/types.ts";
import { TEL2_IMAGE, type InterceptSource } from "./agent.ts";
import {
  AGENTS_CONFIGMAP, DEFAULT_MANAGER_NAMESPACE, MANAGER_NAME, parseAgents, parseRecords, parseSessions, patchConfigMap, sessionKey, SESSIONS_CONFIGMAP,
  type ConfigMap, type InterceptRecord, type InterceptStatus, type WorkloadAgent,
} from "./cluster-state.ts";
import { AGENT_CONTAINER, agentConfigOf, injectAgent, LABEL_WORKLOAD_NAME } from "./inject.ts";
import { compareVersions, DEFAULT_VERSION, managerImage, release } from "./versions.ts";

export interface ManagerInfo {
  namespace: string;
  /** Without "v". */
  version: string;
  agentImage: string;
}

export interface InstallOptions {
  namespace?: string;
  version?: string;
}

function tagOf(image: string | undefined): string | undefined {
  const m = /:([^:/@]+)(@.*)?$/.exec(image ?? "");
  return m ? m[1]!.replace(/^v/, "") : undefined;
}

async function createIfMissing(client: ClusterClient, res: Parameters<ClusterClient["create"]>[0], obj: KubeObject): Promise<boolean> {
  try {
    await client.create(res, obj);
    return true;
  } catch (err) {
    if (err instanceof ClusterError && err.code === 409) return false;
    throw err;
  }
}

/** The manager in `namespace`, when its Service exists there (telepresence.md §6). */
export async function findManager(client: ClusterClient, namespace: string): Promise<ManagerInfo | undefined> {
  const svc = await client.get(resources.services, namespace, MANAGER_NAME);
  if (!svc) return undefined;
  const dep = await client.get<Deployment>(resources.deployments, namespace, MANAGER_NAME);
  const image = dep?.spec.template.spec.containers.find((c) => c.name === MANAGER_NAME)?.image;
  const version = tagOf(image) ?? "unknown";
  const agentImage = dep?.spec.template.spec.containers.find((c) => c.name === MANAGER_NAME)?.env
    ?.find((e) => e.name === "AGENT_IMAGE")?.value ?? managerImage(version);
  return { namespace, version, agentImage };
}

/**
 * What `telepresence helm install` creates (chart embedded in the binary, release `traffic-manager`,
 * default namespace `ambassador`, telepresence.md §2): Service + Deployment `traffic-manager`, the
 * `agent-injector` Service and its MutatingWebhookConfiguration, and Helm's release Secret.
 * Throws the real "already installed" error when the Service exists.
 */
export async function installTrafficManager(client: ClusterClient, options: InstallOptions = {}): Promise<ManagerInfo> {
  const namespace = options.namespace ?? DEFAULT_MANAGER_NAMESPACE;
  const version = (options.version ?? DEFAULT_VERSION).replace(/^v/, "");
  const existing = await findManager(client, namespace);
  if (existing) throw new Error(`traffic-manager version "${existing.version}" is already installed, use 'telepresence helm upgrade' instead`);
  const image = managerImage(version);
  const labels = { app: MANAGER_NAME, telepresence: "manager", "app.kubernetes.io/created-by": "Helm", "app.kubernetes.io/version": version };
  const helmLabels = { "app.kubernetes.io/managed-by": "Helm", "helm.sh/chart": `telepresence-oss-${version}` };
  const helmAnnotations = { "meta.helm.sh/release-name": MANAGER_NAME, "meta.helm.sh/release-namespace": namespace };
  await createIfMissing(client, resources.namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } });
  await createIfMissing(client, resources.serviceaccounts, {
    apiVersion: "v1", kind: "ServiceAccount", metadata: { name: MANAGER_NAME, namespace, labels: helmLabels, annotations: helmAnnotations },
  });
  await createIfMissing(client, resources.deployments, {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: MANAGER_NAME, namespace, labels: { ...labels, ...helmLabels }, annotations: helmAnnotations },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: MANAGER_NAME, telepresence: "manager" } },
      template: {
        metadata: { labels: { app: MANAGER_NAME, telepresence: "manager" } },
        spec: {
          serviceAccountName: MANAGER_NAME,
          containers: [{
            name: MANAGER_NAME,
            image,
            args: ["manager"],
            ports: [{ name: "api", containerPort: 8081 }, { name: "https", containerPort: 8443 }],
            env: [
              { name: "MANAGER_NAMESPACE", value: namespace },
              { name: "AGENT_IMAGE", value: image },
              { name: "AGENT_INJECT_POLICY", value: "OnDemand" },
              { name: "AGENT_PORT", value: "9900" },
            ],
          }],
        },
      },
    },
  } as KubeObject);
  await createIfMissing(client, resources.services, {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: MANAGER_NAME, namespace, labels: helmLabels, annotations: helmAnnotations },
    spec: { type: "ClusterIP", clusterIP: "None", selector: { app: MANAGER_NAME, telepresence: "manager" }, ports: [{ name: "api", port: 8081, targetPort: "api" }] },
  } as KubeObject);
  await createIfMissing(client, resources.services, {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "agent-injector", namespace, labels: helmLabels, annotations: helmAnnotations },
    spec: { type: "ClusterIP", selector: { app: MANAGER_NAME, telepresence: "manager" }, ports: [{ name: "https", port: 443, targetPort: "https" }] },
  } as KubeObject);
  await createIfMissing(client, resources.mutatingwebhookconfigurations, {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "MutatingWebhookConfiguration",
    metadata: { name: `agent-injector-webhook-${namespace}`, labels: helmLabels, annotations: helmAnnotations },
    webhooks: [{
      name: `agent-injector-${namespace}.getambassador.io`,
      admissionReviewVersions: ["v1"],
      sideEffects: "None",
      failurePolicy: "Ignore",
      reinvocationPolicy: "IfNeeded",
      clientConfig: { service: { name: "agent-injector", namespace, path: "/traffic-agent", port: 443 } },
      rules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "DELETE"], resources: ["pods"], scope: "*" }],
    }],
  } as KubeObject);
  await createIfMissing(client, resources.configmaps, {
    apiVersion: "v1", kind: "ConfigMap", metadata: { name: SESSIONS_CONFIGMAP, namespace, labels: helmLabels }, data: {},
  } as KubeObject);
  // Helm's release record (`helm list -n ambassador` reads these).
  const releaseDoc = { name: MANAGER_NAME, namespace, version: 1, info: { status: "deployed", description: "Install complete" },
    chart: { metadata: { name: "telepresence-oss", version, appVersion: version } } };
  await createIfMissing(client, resources.secrets, {
    apiVersion: "v1",
    kind: "Secret",
    type: "helm.sh/release.v1",
    metadata: { name: `sh.helm.release.v1.${MANAGER_NAME}.v1`, namespace, labels: { name: MANAGER_NAME, owner: "helm", status: "deployed", version: "1" } },
    data: { release: Buffer.from(gzipSync(JSON.stringify(releaseDoc)).toString("base64")).toString("base64") },
  } as KubeObject);
  return { namespace, version, agentImage: image };
}

/** The slice of the playground API server's `store.admission` the injector needs. */
export interface AdmissionHooks {
  addMutating(
    selector: { name: string; resource?: { group: string; plural: string }; operations?: Array<"CREATE" | "UPDATE" | "DELETE"> },
    fn: (req: { object: KubeObject; namespace: string | undefined }) => KubeObject | void | Promise<KubeObject | void>,
  ): () => void;
}

export interface TrafficManagerOptions {
  client: ClusterClient;
  /** The API server's store admission hooks (the playground's own server); absent against a real one. */
  admission?: AdmissionHooks;
  /** Speed factor of the playground (re-check interval is divided by it). */
  speed?: number;
  /** A session whose daemon sent no keepalive for this long loses its intercepts (default 15 s, real time). */
  sessionTtlMs?: number;
  log?: (message: string) => void;
}

function matchLabels(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/**
 * The agent has "arrived" for the playground's manager once its pod is Ready (readiness gates
 * included). The real manager only waits for the agent to connect; waiting for Ready reproduces the
 * usual real sequence — the new pod passed its first load-balancer health check before the
 * developer's traffic arrives — so the NEG readiness gate is True and stays True (gke-neg.md §1)
 * while the intercept then breaks the health checks.
 */
function podReady(pod: Pod): boolean {
  return agentReady(pod) && (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

function agentReady(pod: Pod): boolean {
  return pod.status?.phase === "Running" && !pod.metadata.deletionTimestamp &&
    (pod.status.containerStatuses ?? []).some((c) => c.name === AGENT_CONTAINER && c.ready);
}

/**
 * The manager's controller. Reads intercept specs the user daemons write, makes sure the workload has
 * an agent (enables it in `telepresence-agents` and restarts the workload: 2.22+ evicts its pods,
 * older managers annotate the pod template), and marks the intercept ACTIVE once an agent serving
 * the port runs. Also injects agents into pods at creation.
 */
export class TrafficManager implements InterceptSource {
  readonly #client: ClusterClient;
  readonly #configmaps: Informer<ConfigMap>;
  readonly #pods: Informer<Pod>;
  readonly #queue: WorkQueue;
  readonly #log: (message: string) => void;
  readonly #speed: number;
  readonly #sessionTtlMs: number;
  #unhook: (() => void) | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #records: InterceptRecord[] = [];
  readonly #enabled = new Map<string, string>();

  constructor(options: TrafficManagerOptions) {
    this.#client = options.client;
    this.#log = options.log ?? (() => undefined);
    this.#speed = options.speed && options.speed > 0 ? options.speed : 1;
    this.#sessionTtlMs = options.sessionTtlMs ?? 15_000;
    this.#configmaps = new Informer<ConfigMap>(this.#client, resources.configmaps).on((_t, cm) => {
      if (cm.metadata.name === SESSIONS_CONFIGMAP || cm.metadata.name === AGENTS_CONFIGMAP) {
        this.#refreshRecords();
        this.#queue.add("all");
      }
    });
    // Only pods with an agent (the injector labels them): the scale scenario has thousands of others.
    this.#pods = new Informer<Pod>(this.#client, resources.pods, { labelSelector: LABEL_WORKLOAD_NAME }).on(() => this.#queue.add("all"));
    this.#queue = new WorkQueue(() => this.#reconcile(), (_k, err) => this.#log(`traffic-manager: ${String(err)}`));
    if (options.admission) {
      this.#unhook = options.admission.addMutating(
        { name: "agent-injector-webhook.getambassador.io", resource: resources.pods, operations: ["CREATE"] },
        (req) => this.injectOnCreate(req.object as Pod, req.namespace),
      );
    }
  }

  async start(): Promise<void> {
    await this.#configmaps.start();
    await this.#pods.start();
    this.#refreshRecords();
    // A safety net for missed events (and for WAITING intercepts whose agent shows up via status only).
    this.#timer = setInterval(() => this.#queue.add("all"), Math.max(20, 1000 / this.#speed));
    this.#timer.unref?.();
    this.#queue.add("all");
  }

  stop(): void {
    this.#unhook?.();
    this.#unhook = undefined;
    if (this.#timer) clearInterval(this.#timer);
    this.#queue.stop();
    this.#configmaps.stop();
    this.#pods.stop();
  }

  intercepts(): InterceptRecord[] {
    return this.#records;
  }

  #refreshRecords(): void {
    const out: InterceptRecord[] = [];
    for (const cm of this.#configmaps.values()) if (cm.metadata.name === SESSIONS_CONFIGMAP) out.push(...parseRecords(cm));
    this.#records = out;
  }

  #agentsIn(namespace: string): Map<string, WorkloadAgent> {
    return parseAgents(this.#configmaps.get(namespace, AGENTS_CONFIGMAP));
  }

  /** The manager (namespace + version) serving a namespace: the one whose Deployment exists. */
  async #manager(): Promise<ManagerInfo | undefined> {
    for (const cm of this.#configmaps.values()) {
      if (cm.metadata.name !== SESSIONS_CONFIGMAP) continue;
      const m = await findManager(this.#client, cm.metadata.namespace ?? DEFAULT_MANAGER_NAMESPACE);
      if (m) return m;
    }
    return findManager(this.#client, DEFAULT_MANAGER_NAMESPACE);
  }

  /** The Deployment owning a pod (via its ReplicaSet), as the injector resolves workloads. */
  async #workloadOf(pod: Pod, namespace: string): Promise<{ name: string; kind: string } | undefined> {
    const owner = pod.metadata.ownerReferences?.find((o) => o.controller) ?? pod.metadata.ownerReferences?.[0];
    if (!owner) return undefined;
    if (owner.kind === "ReplicaSet") {
      const rs = await this.#client.get<ReplicaSet>(resources.replicasets, namespace, owner.name);
      const dep = rs?.metadata.ownerReferences?.find((o) => o.kind === "Deployment");
      if (dep) return { name: dep.name, kind: "Deployment" };
      return { name: owner.name, kind: "ReplicaSet" };
    }
    if (owner.kind === "StatefulSet") return { name: owner.name, kind: "StatefulSet" };
    return undefined;
  }

  /** The mutating admission hook (telepresence.md §4, policy OnDemand + the per-workload annotation). */
  async injectOnCreate(pod: Pod, requestNamespace: string | undefined): Promise<Pod | void> {
    const namespace = pod.metadata.namespace ?? requestNamespace ?? "default";
    if (pod.spec.containers.some((c) => c.name === AGENT_CONTAINER)) return;
    // Pods carry their template's annotations. Both prefixes are honoured (2.22 renamed them).
    const annotations = pod.metadata.annotations ?? {};
    const policy = annotations["telepresence.io/inject-traffic-agent"] ?? annotations["telepresence.getambassador.io/inject-traffic-agent"];
    if (policy === "disabled" || policy === "false") return;
    // Read, not cached: the manager enables a workload just before it evicts the pods. One in-memory
    // read is all a pod of a namespace without agents costs (the scale scenario creates thousands).
    const agents = parseAgents(await this.#client.get<ConfigMap>(resources.configmaps, namespace, AGENTS_CONFIGMAP));
    if (agents.size === 0 && policy !== "enabled") return;
    const workload = await this.#workloadOf(pod, namespace);
    if (!workload) return;
    const enabled = agents.get(workload.name);
    if (!enabled && policy !== "enabled") return;
    const manager = await this.#manager();
    if (!manager) return;
    const services = (await this.#client.list<Service>(resources.services, { namespace })).items;
    const serviceName = annotations["telepresence.io/inject-service-name"] ?? annotations["telepresence.getambassador.io/inject-service-name"];
    const result = injectAgent({ ...pod, metadata: { ...pod.metadata, namespace } }, services, {
      workloadName: workload.name,
      workloadKind: workload.kind,
      agentImage: manager.agentImage,
      managerNamespace: manager.namespace,
      replaceContainers: enabled?.replace ?? [],
      ...(serviceName ? { serviceName } : {}),
    });
    if (!result.injected) {
      this.#log(`agent-injector: ${namespace}/${workload.name}: ${result.reason}`);
      return;
    }
    return result.pod;
  }

  async #reconcile(): Promise<void> {
    const records = this.#records;
    // Workloads that need an agent, and the containers replace intercepts want removed.
    const wanted = new Map<string, { namespace: string; name: string; kind: string; replace: Set<string> }>();
    for (const r of records) {
      const key = `${r.spec.namespace}/${r.spec.workloadName}`;
      const w = wanted.get(key) ?? { namespace: r.spec.namespace, name: r.spec.workloadName, kind: r.spec.workloadKind, replace: new Set<string>() };
      if (r.spec.replace) w.replace.add(r.spec.containerName);
      wanted.set(key, w);
    }
    for (const w of wanted.values()) {
      const replace = [...w.replace].sort().join(",");
      const key = `${w.namespace}/${w.name}`;
      const seen = this.#agentsIn(w.namespace).get(w.name)?.replace.join(",");
      if (seen !== undefined && seen === this.#enabled.get(key)) this.#enabled.delete(key);
      const current = this.#enabled.get(key) ?? seen;
      if (current !== replace) await this.#enable(w.namespace, w.name, w.kind, [...w.replace].sort());
    }
    // Replace intercepts that ended: put the app container back.
    for (const cm of this.#configmaps.values()) {
      if (cm.metadata.name !== AGENTS_CONFIGMAP) continue;
      const namespace = cm.metadata.namespace ?? "default";
      for (const [name, agent] of parseAgents(cm)) {
        const current = this.#enabled.get(`${namespace}/${name}`) ?? agent.replace.join(",");
        if (current !== "" && !wanted.has(`${namespace}/${name}`)) await this.#enable(namespace, name, agent.workloadKind, []);
      }
    }
    // Intercepts waiting for their agent.
    for (const r of records) {
      if (r.status && r.status.disposition !== "WAITING") continue;
      const pod = this.#agentPod(r);
      if (!pod) continue;
      const config = agentConfigOf(pod.spec.containers.find((c) => c.name === AGENT_CONTAINER));
      const ic = config?.containers.find((c) => c.name === r.spec.containerName)?.intercepts.find((i) => i.containerPort === r.spec.containerPort);
      const status: InterceptStatus = { disposition: "ACTIVE", message: "", podIP: pod.status?.podIP ?? "", podName: pod.metadata.name, agentPort: ic?.agentPort ?? 0 };
      const namespace = this.#sessionsNamespaceOf(r);
      if (namespace) await patchConfigMap(this.#client, namespace, SESSIONS_CONFIGMAP, { [`${r.key}.status`]: JSON.stringify(status) });
    }
    // Sessions that stopped beating (the daemon was killed): their intercepts go (telepresence's NO_CLIENT).
    const now = Date.now();
    for (const cm of this.#configmaps.values()) {
      if (cm.metadata.name !== SESSIONS_CONFIGMAP) continue;
      const sessions = parseSessions(cm);
      const dead = new Set([...sessions].filter(([, b]) => now - Date.parse(b.lastSeen) > this.#sessionTtlMs).map(([id]) => id));
      const gone = parseRecords(cm).filter((r) => dead.has(r.spec.session) || !sessions.has(r.spec.session));
      if (dead.size === 0 && gone.length === 0) continue;
      const patch: Record<string, null> = {};
      for (const id of dead) patch[sessionKey(id)] = null;
      for (const r of gone) {
        patch[r.key] = null;
        patch[`${r.key}.status`] = null;
      }
      this.#log(`traffic-manager: session(s) ${[...dead].join(", ") || "unknown"} expired; removing ${gone.length} intercept(s)`);
      await patchConfigMap(this.#client, cm.metadata.namespace ?? DEFAULT_MANAGER_NAMESPACE, SESSIONS_CONFIGMAP, patch);
    }
    // Status keys whose intercept is gone.
    for (const cm of this.#configmaps.values()) {
      if (cm.metadata.name !== SESSIONS_CONFIGMAP) continue;
      const data = cm.data ?? {};
      const stale = Object.keys(data).filter((k) => k.endsWith(".status") && !(k.slice(0, -".status".length) in data));
      if (stale.length > 0) await patchConfigMap(this.#client, cm.metadata.namespace ?? DEFAULT_MANAGER_NAMESPACE, SESSIONS_CONFIGMAP, Object.fromEntries(stale.map((k) => [k, null])));
    }
  }

  #sessionsNamespaceOf(r: InterceptRecord): string | undefined {
    for (const cm of this.#configmaps.values()) if (cm.metadata.name === SESSIONS_CONFIGMAP && cm.data && r.key in cm.data) return cm.metadata.namespace;
    return undefined;
  }

  /** A ready pod of the intercepted workload whose agent covers the intercepted container port (and, for replace, replaced it). */
  #agentPod(r: InterceptRecord): Pod | undefined {
    for (const pod of this.#pods.values()) {
      if (pod.metadata.namespace !== r.spec.namespace || pod.metadata.labels?.[LABEL_WORKLOAD_NAME] !== r.spec.workloadName) continue;
      // Replace mode removed the app: nothing answers health checks until the laptop does, so the
      // agent's own readiness is what counts there.
      if (r.spec.replace ? !agentReady(pod) : !podReady(pod)) continue;
      const config = agentConfigOf(pod.spec.containers.find((c) => c.name === AGENT_CONTAINER));
      const cc = config?.containers.find((c) => c.name === r.spec.containerName);
      if (!cc || !cc.intercepts.some((i) => i.containerPort === r.spec.containerPort)) continue;
      if (!!cc.replaced !== r.spec.replace) continue;
      return pod;
    }
    return undefined;
  }

  /** Enables the agent for a workload and restarts it so new pods get it (telepresence.md §4). */
  async #enable(namespace: string, name: string, kind: string, replace: string[]): Promise<void> {
    const entry: WorkloadAgent = { workloadName: name, workloadKind: kind, replace, enabledAt: new Date().toISOString() };
    await patchConfigMap(this.#client, namespace, AGENTS_CONFIGMAP, { [name]: JSON.stringify(entry) });
    // Our own write, remembered until the watch shows it (so one change restarts the workload once).
    this.#enabled.set(`${namespace}/${name}`, replace.join(","));
    const manager = await this.#manager();
    const rel = releaseFor(manager?.version);
    if (kind !== "Deployment") return;
    const dep = await this.#client.get<Deployment>(resources.deployments, namespace, name);
    if (!dep) return;
    if (rel.restartByEviction) {
      // 2.22+: evict the pods; the ReplicaSet recreates them and the injector adds the agent.
      const pods = (await this.#client.list<Pod>(resources.pods, { namespace })).items
        .filter((p) => matchLabels(dep.spec.selector.matchLabels, p.metadata.labels) && !p.metadata.deletionTimestamp);
      this.#log(`traffic-manager: evicting ${pods.length} pod(s) of ${namespace}/${name}`);
      await Promise.all(pods.map((p) => this.#client.delete(resources.pods, namespace, p.metadata.name).catch((err: unknown) => {
        if (!(err instanceof ClusterError && err.code === 404)) throw err;
      })));
    } else {
      // 2.20: a restart annotation on the pod template (a rollout).
      await this.#client.patch(resources.deployments, namespace, name, "merge", {
        spec: { template: { metadata: { annotations: { [`${rel.annotationPrefix}restartedAt`]: new Date().toISOString() } } } },
      });
    }
  }
}

/** The release whose behaviour a manager of `version` has (unknown or out-of-range versions: the default). */
export function releaseFor(version: string | undefined) {
  const ok = version !== undefined && compareVersions(version, "2.20.0") >= 0 && compareVersions(version, "2.29.0") < 0;
  return release(ok ? version : DEFAULT_VERSION);
}

export { TEL2_IMAGE };
