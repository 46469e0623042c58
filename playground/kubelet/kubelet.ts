// The playground's kubelet: "runs" every pod of the cluster. It gives a pod an IP and a host, starts
// each container's ports as real loopback listeners (through the image registry), runs readiness
// probes for real, and writes the pod's status the way a kubelet does: phase, containerStatuses and
// the PodScheduled / Initialized / ContainersReady / Ready conditions. Status is written only when
// it changes; conditions written by others (the NEG readiness gate, gke-neg.md §5) are kept.
import { createHash } from "node:crypto";
import { StoreClient } from "../apiserver/store.ts";
import { ClusterError, resources, type ClusterClient } from "../cluster/client.ts";
import { HealthSwitches } from "../images/health.ts";
import { defaultImages } from "../images/images.ts";
import type { ContainerProcess, ImageRegistry } from "../images/registry.ts";
import { EventRecorder, nowTime } from "../workloads/events.ts";
import { Informer } from "../workloads/informer.ts";
import type { Container, ContainerStatus, Pod, PodCondition, PodStatus } from "../workloads/types.ts";
import { ListenerHost, type Listener } from "./listeners.ts";
import { PodNetwork } from "./network.ts";
import { defaultNodes, IpAllocator, nodeObject, type SimNode } from "./nodes.ts";
import { runProbe } from "./probes.ts";
import { jsonEqual } from "../workloads/json-equal.ts";

export interface KubeletOptions {
  client: ClusterClient;
  /** Divides every simulated interval (container start, probe periods). Default 1. */
  speed?: number;
  nodes?: SimNode[];
  network?: PodNetwork;
  images?: ImageRegistry;
  health?: HealthSwitches;
  /** Simulated time from pod creation to running containers, before `speed`. Default 100 ms. */
  startDelayMs?: number;
  /**
   * A pod informer to share (e.g. the workload controllers'), so that one watch feeds both; it is
   * started and stopped by its owner. Default: the kubelet's own.
   */
  pods?: Informer<Pod>;
  /** Whether to write the Scheduled / Pulled / Created / Started / Killing events of a pod (default: all pods). */
  lifecycleEvents?: (pod: Pod) => boolean;
  /** Register Node objects (default true). */
  registerNodes?: boolean;
  log?: (message: string) => void;
}

/** What an init container "does" when it runs (e.g. `tel-agent-init` installing a redirect). */
export interface InitContainerContext {
  namespace: string;
  podName: string;
  podIP: string;
  pod: Pod;
  container: Container;
  network: PodNetwork;
}

export type InitContainerAction = (ctx: InitContainerContext) => void | Promise<void>;

interface ProbeState {
  timer: NodeJS.Timeout | undefined;
  successes: number;
  failures: number;
}

interface RunningContainer {
  spec: Container;
  process: ContainerProcess | undefined;
  listeners: Listener[];
  containerID: string;
  startedAt: string | undefined;
  ready: boolean;
  started: boolean;
  restartCount: number;
  probe: ProbeState | undefined;
}

interface RunningPod {
  uid: string;
  namespace: string;
  name: string;
  node: SimNode;
  podIP: string;
  startTime: string;
  phase: "creating" | "running" | "stopped";
  containers: Map<string, RunningContainer>;
  initDoneAt: string | undefined;
  latest: Pod;
  startTimer: NodeJS.Timeout | undefined;
  writing: boolean;
  dirty: boolean;
  retryTimer: NodeJS.Timeout | undefined;
}

const KUBELET_CONDITIONS = ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"];

function hashHex(s: string): string {
  return createHash("sha256").update(s).digest("hex");
}

export class Kubelet {
  readonly client: ClusterClient;
  readonly network: PodNetwork;
  readonly images: ImageRegistry;
  readonly health: HealthSwitches;
  readonly nodes: SimNode[];
  readonly #speed: number;
  readonly #startDelayMs: number;
  readonly #registerNodes: boolean;
  readonly #listeners = new ListenerHost();
  readonly #ips = new IpAllocator();
  readonly #pods = new Map<string, RunningPod>();
  readonly #finalizing = new Set<string>();
  readonly #initActions: Array<{ match: (c: Container) => boolean; run: InitContainerAction }> = [];
  readonly #informer: Informer<Pod>;
  readonly #ownInformer: boolean;
  readonly #events: EventRecorder;
  readonly #schedulerEvents: EventRecorder;
  readonly #lifecycleEvents: (pod: Pod) => boolean;
  readonly #log: (message: string) => void;
  #stopped = false;

  constructor(options: KubeletOptions) {
    this.client = options.client;
    this.#speed = options.speed && options.speed > 0 ? options.speed : 1;
    this.nodes = options.nodes ?? defaultNodes();
    this.network = options.network ?? new PodNetwork();
    this.images = options.images ?? defaultImages();
    this.health = options.health ?? new HealthSwitches();
    this.#startDelayMs = options.startDelayMs ?? 100;
    this.#registerNodes = options.registerNodes ?? true;
    this.#log = options.log ?? (() => undefined);
    this.#events = new EventRecorder(this.client, "kubelet");
    this.#schedulerEvents = new EventRecorder(this.client, "default-scheduler");
    this.#lifecycleEvents = options.lifecycleEvents ?? (() => true);
    this.#ownInformer = !options.pods;
    this.#informer = (options.pods ?? new Informer<Pod>(this.client, resources.pods)).on((type, pod) => this.#onPod(type, pod));
  }

  /**
   * Gives init containers matching `match` (a container name, or a predicate) something to do when
   * they run, before the pod's containers start. Without one, an init container just completes.
   * The next issue registers `tel-agent-init` here to install its redirect (telepresence.md §4).
   */
  registerInitContainer(match: string | ((c: Container) => boolean), run: InitContainerAction): () => void {
    const entry = { match: typeof match === "string" ? (c: Container) => c.name === match : match, run };
    this.#initActions.push(entry);
    return () => {
      const i = this.#initActions.indexOf(entry);
      if (i >= 0) this.#initActions.splice(i, 1);
    };
  }

  /** The pod network's dialer: (podIP, port) → the loopback listener serving it. */
  get dialer() {
    return this.network.dial;
  }

  async start(): Promise<void> {
    // In one process the API server and the kubelet share the pod network, as a real API server
    // reaches pod IPs over the node network (pods/proxy). On an external API server (HTTP client)
    // that server has its own network and cannot reach these pods.
    if (this.client instanceof StoreClient) this.client.store.podDialer = this.network.dial;
    if (this.#registerNodes) await this.#ensureNodes();
    if (this.#ownInformer) await this.#informer.start();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.client instanceof StoreClient && this.client.store.podDialer === this.network.dial) this.client.store.podDialer = undefined;
    if (this.#ownInformer) this.#informer.stop();
    for (const rp of this.#pods.values()) this.#teardown(rp);
    this.#pods.clear();
    this.#listeners.close();
  }

  /** The node a pod runs on (by spec.nodeName; pods created without one get a stable pick). */
  nodeFor(pod: Pod): SimNode {
    const named = this.nodes.find((n) => n.name === pod.spec.nodeName);
    if (named) return named;
    const h = parseInt(hashHex(pod.metadata.uid ?? pod.metadata.name).slice(0, 8), 16);
    return this.nodes[h % this.nodes.length]!;
  }

  async #ensureNodes(): Promise<void> {
    const now = nowTime();
    await Promise.all(this.nodes.map(async (node) => {
      const existing = await this.client.get(resources.nodes, undefined, node.name);
      if (existing) return;
      const obj = nodeObject(node, now);
      const created = await this.client.create(resources.nodes, obj);
      // Nodes have a status subresource: a create may drop status, so write it as well.
      await this.client.updateStatus(resources.nodes, { ...created, status: obj.status });
    }));
  }

  #onPod(type: "ADDED" | "MODIFIED" | "DELETED", pod: Pod): void {
    if (this.#stopped) return;
    const uid = pod.metadata.uid ?? `${pod.metadata.namespace}/${pod.metadata.name}`;
    let rp = this.#pods.get(uid);
    if (type === "DELETED" || pod.metadata.deletionTimestamp) {
      if (rp) {
        this.#teardown(rp);
        this.#pods.delete(uid);
      }
      this.health.forget(pod.metadata.namespace ?? "default", pod.metadata.name);
      if (type !== "DELETED" && !this.#finalizing.has(uid)) {
        // Graceful deletion: the containers are stopped, so the kubelet removes the pod for good.
        this.#finalizing.add(uid);
        void this.client.delete(resources.pods, pod.metadata.namespace, pod.metadata.name, { gracePeriodSeconds: 0, preconditions: { uid } })
          .catch((err: unknown) => {
            if (!(err instanceof ClusterError && (err.code === 404 || err.code === 409))) this.#log(`kubelet: delete ${pod.metadata.name}: ${String(err)}`);
          })
          .finally(() => this.#finalizing.delete(uid));
      }
      return;
    }
    if (!rp) {
      if (pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed") return;
      rp = this.#admit(uid, pod);
      this.#pods.set(uid, rp);
    } else {
      rp.latest = pod;
    }
    this.#sync(rp);
  }

  #admit(uid: string, pod: Pod): RunningPod {
    const node = this.nodeFor(pod);
    // A pod that already has an IP (playground restarted on a kept store) keeps it.
    const podIP = pod.status?.podIP ?? this.#ips.allocate(node);
    const rp: RunningPod = {
      uid, namespace: pod.metadata.namespace ?? "default", name: pod.metadata.name, node, podIP,
      startTime: pod.status?.startTime ?? nowTime(), phase: "creating", containers: new Map(),
      initDoneAt: undefined, latest: pod, startTimer: undefined, writing: false, dirty: false, retryTimer: undefined,
    };
    for (const c of pod.spec.containers ?? []) {
      rp.containers.set(c.name, {
        spec: c, process: undefined, listeners: [], containerID: `containerd://${hashHex(`${uid}/${c.name}/0`)}`,
        startedAt: undefined, ready: false, started: false, restartCount: 0, probe: undefined,
      });
    }
    this.network.attach(podIP, rp.namespace, rp.name);
    if (!pod.status?.podIP && this.#lifecycleEvents(pod)) {
      this.#schedulerEvents.record(pod, "Normal", "Scheduled", `Successfully assigned ${rp.namespace}/${rp.name} to ${node.name}`);
    }
    rp.startTimer = setTimeout(() => {
      rp.startTimer = undefined;
      void this.#startContainers(rp);
    }, this.#startDelayMs / this.#speed);
    return rp;
  }

  async #startContainers(rp: RunningPod): Promise<void> {
    if (rp.phase !== "creating") return;
    // Init containers (e.g. Telepresence's tel-agent-init) run their registered action, if any,
    // and complete at once.
    const pod = rp.latest;
    const events = this.#lifecycleEvents(pod);
    const started = (c: Container, kind: "initContainers" | "containers") => {
      if (!events) return;
      const field = `spec.${kind}{${c.name}}`;
      this.#events.record(pod, "Normal", "Pulled", `Container image "${c.image ?? ""}" already present on machine`, field);
      this.#events.record(pod, "Normal", "Created", `Created container ${c.name}`, field);
      this.#events.record(pod, "Normal", "Started", `Started container ${c.name}`, field);
    };
    for (const ic of pod.spec.initContainers ?? []) {
      started(ic, "initContainers");
      for (const a of this.#initActions) {
        if (!a.match(ic)) continue;
        try {
          await a.run({ namespace: rp.namespace, podName: rp.name, podIP: rp.podIP, pod, container: ic, network: this.network });
        } catch (err) {
          this.#log(`${rp.namespace}/${rp.name}: init container ${ic.name}: ${String(err)}`);
        }
        if (rp.phase !== "creating") return;
      }
    }
    rp.initDoneAt = nowTime();
    for (const rc of rp.containers.values()) {
      const env = this.#env(rc.spec, pod, rp);
      const factory = this.images.resolve(rc.spec.image);
      const process = factory({
        namespace: rp.namespace, podName: rp.name, podIP: rp.podIP, pod, container: rc.spec, env,
        network: this.network, health: this.health,
      });
      rc.process = process;
      for (const [port, handler] of process.ports) {
        if (this.network.pod(rp.podIP)?.listeners.has(port)) {
          this.#log(`${rp.namespace}/${rp.name}: container ${rc.spec.name} cannot listen on ${port}: address already in use`);
          continue;
        }
        const listener = await this.#listeners.listen(handler);
        if (rp.phase !== "creating") {
          listener.close();
          return;
        }
        rc.listeners.push(listener);
        this.network.bind(rp.podIP, port, rc.spec.name, listener.address);
      }
      rc.started = true;
      rc.startedAt = nowTime();
      started(rc.spec, "containers");
      rc.ready = !rc.spec.readinessProbe;
    }
    if (rp.phase !== "creating") return;
    rp.phase = "running";
    for (const rc of rp.containers.values()) if (rc.spec.readinessProbe) this.#startProbe(rp, rc);
    this.#sync(rp);
  }

  #env(c: Container, pod: Pod, rp: RunningPod): Record<string, string> {
    const env: Record<string, string> = {};
    for (const e of c.env ?? []) {
      if (e.value !== undefined) env[e.name] = e.value;
      else if (e.valueFrom?.fieldRef) {
        const path = e.valueFrom.fieldRef.fieldPath;
        const v = path === "metadata.name" ? rp.name : path === "metadata.namespace" ? rp.namespace
          : path === "status.podIP" ? rp.podIP : path === "status.hostIP" ? rp.node.internalIP
          : path === "spec.nodeName" ? rp.node.name : path === "metadata.uid" ? (pod.metadata.uid ?? "") : undefined;
        if (v !== undefined) env[e.name] = v;
      }
    }
    return env;
  }

  #startProbe(rp: RunningPod, rc: RunningContainer): void {
    const probe = rc.spec.readinessProbe!;
    const period = Math.max(1, (probe.periodSeconds ?? 10) * 1000 / this.#speed);
    const timeout = Math.max(1, (probe.timeoutSeconds ?? 1) * 1000 / this.#speed);
    const successThreshold = probe.successThreshold ?? 1;
    const failureThreshold = probe.failureThreshold ?? 3;
    const state: ProbeState = { timer: undefined, successes: 0, failures: 0 };
    rc.probe = state;
    const tick = async () => {
      state.timer = undefined;
      if (rp.phase !== "running") return;
      const result = await runProbe(probe, rc.spec, rp.podIP, this.network.dial, timeout);
      if (rp.phase !== "running" || rc.probe !== state) return;
      if (result.ok) {
        state.failures = 0;
        state.successes++;
        if (!rc.ready && state.successes >= successThreshold) {
          rc.ready = true;
          this.#sync(rp);
        }
      } else {
        state.successes = 0;
        state.failures++;
        this.#events.record(rp.latest, "Warning", "Unhealthy", `Readiness probe failed: ${result.message}`, `spec.containers{${rc.spec.name}}`);
        // Until the first success a container is not ready; after that it takes failureThreshold failures.
        if (rc.ready && state.failures >= failureThreshold) {
          rc.ready = false;
          this.#sync(rp);
        }
      }
      state.timer = setTimeout(() => void tick(), period);
    };
    state.timer = setTimeout(() => void tick(), Math.max(0, (probe.initialDelaySeconds ?? 0) * 1000 / this.#speed));
  }

  #teardown(rp: RunningPod): void {
    if (rp.phase === "running" && !this.#stopped && this.#lifecycleEvents(rp.latest)) {
      for (const rc of rp.containers.values()) this.#events.record(rp.latest, "Normal", "Killing", `Stopping container ${rc.spec.name}`, `spec.containers{${rc.spec.name}}`);
    }
    rp.phase = "stopped";
    if (rp.startTimer) clearTimeout(rp.startTimer);
    if (rp.retryTimer) clearTimeout(rp.retryTimer);
    for (const rc of rp.containers.values()) {
      if (rc.probe?.timer) clearTimeout(rc.probe.timer);
      rc.probe = undefined;
      for (const l of rc.listeners) l.close();
      rc.listeners = [];
      rc.process?.stop?.();
    }
    this.network.detach(rp.podIP);
    this.#ips.release(rp.node, rp.podIP);
  }

  /** The status this kubelet wants the pod to have, keeping conditions that others own. */
  desiredStatus(rp: RunningPod): PodStatus {
    const pod = rp.latest;
    const current = pod.status ?? {};
    const now = nowTime();
    const running = rp.phase === "running";
    const containerStatuses: ContainerStatus[] = [...rp.containers.values()].map((rc) => ({
      name: rc.spec.name,
      image: rc.spec.image ?? "",
      imageID: `${rc.spec.image ?? ""}@sha256:${hashHex(rc.spec.image ?? "").slice(0, 64)}`,
      ...(running ? { containerID: rc.containerID } : {}),
      ready: running && rc.ready,
      started: running && rc.started,
      restartCount: rc.restartCount,
      state: running && rc.startedAt ? { running: { startedAt: rc.startedAt } } : { waiting: { reason: "ContainerCreating" } },
      lastState: {},
    }));
    const initContainers = pod.spec.initContainers ?? [];
    const initContainerStatuses: ContainerStatus[] = initContainers.map((c) => ({
      name: c.name, image: c.image ?? "", imageID: `${c.image ?? ""}@sha256:${hashHex(c.image ?? "").slice(0, 64)}`,
      ...(rp.initDoneAt ? { containerID: `containerd://${hashHex(`${rp.uid}/${c.name}/init`)}` } : {}),
      ready: rp.initDoneAt !== undefined, started: false, restartCount: 0,
      state: rp.initDoneAt
        ? { terminated: { exitCode: 0, reason: "Completed", startedAt: rp.initDoneAt, finishedAt: rp.initDoneAt } }
        : { waiting: { reason: "PodInitializing" } },
      lastState: {},
    }));
    const unready = containerStatuses.filter((c) => !c.ready).map((c) => c.name);
    const containersReady = running && unready.length === 0;
    // gke-neg.md §1: a readiness gate whose condition is missing or has an empty status is not ready.
    const conditions = current.conditions ?? [];
    const gates = pod.spec.readinessGates ?? [];
    let gateMessage: string | undefined;
    for (const g of gates) {
      const c = conditions.find((x) => x.type === g.conditionType);
      if (!c) {
        gateMessage = `corresponding condition of pod readiness gate "${g.conditionType}" does not exist.`;
        break;
      }
      if (c.status !== "True") {
        gateMessage = `the status of pod readiness gate "${g.conditionType}" is not "True", but ${c.status === "" ? "\"\"" : c.status}`;
        break;
      }
    }
    const ready = containersReady && gateMessage === undefined;
    const initialized = rp.initDoneAt !== undefined || initContainers.length === 0;
    const mine: PodCondition[] = [
      { type: "PodReadyToStartContainers", status: running ? "True" : "False" },
      initialized ? { type: "Initialized", status: "True" }
        : { type: "Initialized", status: "False", reason: "ContainersNotInitialized", message: `containers with incomplete status: [${initContainers.map((c) => c.name).join(" ")}]` },
      ready ? { type: "Ready", status: "True" }
        : !containersReady ? { type: "Ready", status: "False", reason: "ContainersNotReady", message: `containers with unready status: [${unready.join(" ")}]` }
          : { type: "Ready", status: "False", reason: "ReadinessGatesNotReady", message: gateMessage },
      containersReady ? { type: "ContainersReady", status: "True" }
        : { type: "ContainersReady", status: "False", reason: "ContainersNotReady", message: `containers with unready status: [${unready.join(" ")}]` },
      { type: "PodScheduled", status: "True" },
    ];
    const merged: PodCondition[] = [];
    for (const c of mine) {
      const prev = conditions.find((x) => x.type === c.type);
      const same = prev && prev.status === c.status;
      merged.push({ ...c, lastProbeTime: null, lastTransitionTime: same ? (prev.lastTransitionTime ?? now) : now });
    }
    for (const c of conditions) if (!KUBELET_CONDITIONS.includes(c.type)) merged.push(c);
    const status: PodStatus = {
      ...current,
      phase: running ? "Running" : "Pending",
      conditions: merged,
      hostIP: rp.node.internalIP,
      hostIPs: [{ ip: rp.node.internalIP }],
      // The pod IP is published once the containers listen, so nothing (Endpoints, NEGs, health
      // checks) dials an address that would refuse the connection only because it is starting.
      ...(running ? { podIP: rp.podIP, podIPs: [{ ip: rp.podIP }] } : {}),
      startTime: rp.startTime,
      qosClass: current.qosClass ?? "BestEffort",
      containerStatuses,
    };
    if (initContainers.length > 0) status.initContainerStatuses = initContainerStatuses;
    else delete status.initContainerStatuses;
    return status;
  }

  /** Writes the pod's status if it differs from what the API server has; one write in flight per pod. */
  #sync(rp: RunningPod): void {
    if (rp.phase === "stopped" || this.#stopped) return;
    if (rp.writing) {
      rp.dirty = true;
      return;
    }
    const status = this.desiredStatus(rp);
    // Same comparison as canonical JSON (sorted keys, undefined dropped), without building strings.
    if (jsonEqual(stripTimes(status), stripTimes(rp.latest.status ?? {}))) return;
    rp.writing = true;
    rp.dirty = false;
    void this.client.updateStatus<Pod>(resources.pods, { ...rp.latest, status })
      .then((written) => {
        // Over HTTP the watch event of a newer write (the NEG reflector's readiness-gate patch) can
        // arrive before the answer to this one: keep the newer object, or the pod would be judged on
        // a status without that condition and nothing would sync it again. (The informer's upsert
        // ignores an older object the same way.)
        if (rp.phase !== "stopped" && notOlder(written, rp.latest)) rp.latest = written;
        this.#informer.upsert(written);
      })
      .catch(async (err: unknown) => {
        if (err instanceof ClusterError && err.code === 404) return;
        if (err instanceof ClusterError && err.code === 409) {
          const fresh = await this.client.get<Pod>(resources.pods, rp.namespace, rp.name).catch(() => undefined);
          if (fresh && fresh.metadata.uid === rp.latest.metadata.uid && notOlder(fresh, rp.latest)) rp.latest = fresh;
          rp.dirty = true;
          return;
        }
        this.#log(`kubelet: status of ${rp.namespace}/${rp.name}: ${String(err)}`);
        if (!this.#stopped && rp.phase !== "stopped") {
          rp.retryTimer = setTimeout(() => this.#sync(rp), 200 / this.#speed);
        }
      })
      .finally(() => {
        rp.writing = false;
        if (rp.dirty) {
          rp.dirty = false;
          this.#sync(rp);
        }
      });
  }
}

/** Whether `a` is the same version of the pod as `b` or a newer one (numeric resourceVersions, as both servers send). */
function notOlder(a: Pod, b: Pod): boolean {
  const x = a.metadata.resourceVersion;
  const y = b.metadata.resourceVersion;
  if (a.metadata.uid !== b.metadata.uid || !x || !y || !/^\d+$/.test(x) || !/^\d+$/.test(y)) return true;
  return BigInt(x) >= BigInt(y);
}

/** Compares statuses without the timestamps of unchanged conditions (they are carried over anyway). */
function stripTimes(status: PodStatus): PodStatus {
  return { ...status, conditions: status.conditions?.map((c) => ({ ...c, lastProbeTime: null, lastTransitionTime: null })) };
}

export async function startKubelet(options: KubeletOptions): Promise<Kubelet> {
  const kubelet = new Kubelet(options);
  await kubelet.start();
  return kubelet;
}
