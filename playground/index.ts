// The playground: a simulated GKE cluster the real kubectl talks to. One call starts the in-memory
// API server, the workload controllers and kubelet (playground/workloads, playground/kubelet), the
// GKE side (playground/gke: NEGs, readiness gates, load balancers, Compute API) and the scenarios,
// and resolves once every demo pod is Ready and every load balancer's front door answers.
// Used in-process by the app (embedded demo), tests and benchmarks, and by playground/cli.ts.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify as toYaml } from "yaml";
import { startApiServer } from "./apiserver/server.ts";
import { Store, StoreClient } from "./apiserver/store.ts";
import type { ClusterClient, KubeObject } from "./cluster/client.ts";
import { startGke, type Gke } from "./gke/index.ts";
import { startTelepresence, TELEPRESENCE_BIN, type Telepresence } from "./telepresence/index.ts";
import type { InstallOptions } from "./telepresence/manager.ts";
import { HealthSwitches } from "./images/health.ts";
import { defaultImages } from "./images/images.ts";
import type { ImageRegistry } from "./images/registry.ts";
import { startControlServer, type ControlServer } from "./kubelet/control.ts";
import { Kubelet } from "./kubelet/kubelet.ts";
import type { Dialer, PodNetwork } from "./kubelet/network.ts";
import { WorkloadControllers } from "./workloads/controller.ts";
import { applyScenario, DEMO_NAMESPACE, demoObjects, loadBalancerKeys, SCALE_NAMESPACE, scaleObjects } from "./scenarios/scenarios.ts";
import type { Deployment, Pod } from "./workloads/types.ts";

export interface PlaygroundOptions {
  /** Divides every simulated interval and timeout (probe periods, health-check intervals, deadlines). Default 1. */
  speed?: number;
  /** Generated services in namespace `scale` (3 pods each). Default 0. */
  scale?: number;
  /** Port of the API server (default: a random free port). */
  port?: number;
  /** Directory for the kubeconfig (default: a new temp dir, removed by stop()). */
  dir?: string;
  /** Apply the demo scenarios (default true). */
  scenarios?: boolean;
  /** Give up waiting for readiness after this long (default 60 s, plus 60 ms per scale service). */
  readyTimeoutMs?: number;
  /**
   * Telepresence's cluster side (agent injector, traffic-manager controller). Default: on, with the
   * traffic-manager installed. `{ install: false }` leaves it to `telepresence helm install`.
   */
  telepresence?: { install?: boolean | InstallOptions; sessionTtlMs?: number } | false;
  log?: (message: string) => void;
  /**
   * Run on an EXTERNAL API server (e.g. a real kube-apiserver) through this client: no in-memory
   * store or API server is started; the workload controllers, kubelet, GKE side and Telepresence run
   * against that server. Needs `apiServer` (for the kubeconfig). The NEG readiness-gate webhook and
   * Telepresence's agent injector are in-process admission hooks: they run only with `admission`
   * (a real kube-apiserver has none), and without it the traffic-manager is not installed by default
   * (its webhook registration would make that server dial the playground's cluster addresses).
   */
  client?: ClusterClient;
  /** With `client`: the server, bearer token and CA (PEM) written into the kubeconfig. */
  apiServer?: { url: string; token: string; ca?: string };
  /** With `client`: the in-process admission chain of that server, if it has one (a playground Store's). */
  admission?: Store["admission"];
}

export interface Playground {
  kubeconfigPath: string;
  context: "playground";
  /** The API server URL (https? as the API server serves it). */
  server: string;
  /** The bearer token in the kubeconfig. */
  token: string;
  /** Base URL of the Compute API emulation. */
  computeApi: string;
  computeToken: string;
  project: string;
  /** "namespace/name" of each Ingress and Gateway → its front door URL. */
  loadBalancers: Record<string, string>;
  /** Capability URL of the control endpoint (health switches, dial); see playground/README.md. */
  control: string;
  /** Milliseconds from start to ready. */
  readyMs: number;
  /** In-process access for tests and the next issues (Telepresence). */
  client: ClusterClient;
  /** The in-memory store (undefined on an external API server: `options.client`). */
  store: Store;
  network: PodNetwork;
  dialer: Dialer;
  images: ImageRegistry;
  health: HealthSwitches;
  /** The kubelet (registerInitContainer for tel-agent-init, nodes) and the workload controllers (caches). */
  kubelet: Kubelet;
  workloads: WorkloadControllers;
  gke: Gke;
  /** The traffic-manager and injector (null when started with `telepresence: false`). */
  telepresence: Telepresence | null;
  /** Path of the playground's `telepresence` program; it finds this cluster from the kubeconfig. */
  telepresenceBin: string;
  /** Makes one pod's health endpoints fail (healthy=false) or recover; with `container`, only that container's. */
  setHealth(namespace: string, pod: string, healthy: boolean, container?: string): void;
  stop(): Promise<void>;
}

export const CONTEXT = "playground" as const;

export function kubeconfigYaml(server: string, token: string, namespace = DEMO_NAMESPACE, caData?: string): string {
  return toYaml({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: CONTEXT, cluster: { server, ...(caData ? { "certificate-authority-data": caData } : {}) } }],
    users: [{ name: CONTEXT, user: { token } }],
    contexts: [{ name: CONTEXT, context: { cluster: CONTEXT, user: CONTEXT, namespace } }],
    "current-context": CONTEXT,
    preferences: {},
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function deploymentDone(d: Deployment): boolean {
  const replicas = d.spec.replicas ?? 1;
  const s = d.status;
  return !!s && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 1) && s.updatedReplicas === replicas
    && s.availableReplicas === replicas && s.replicas === replicas;
}

function podReady(p: Pod): boolean {
  return p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** The playground on an external API server (`options.client`): everything but the in-memory store. */
export type ExternalPlayground = Omit<Playground, "store"> & { store: undefined };

export function startPlayground(options: PlaygroundOptions & { client: ClusterClient }): Promise<ExternalPlayground>;
export function startPlayground(options?: PlaygroundOptions): Promise<Playground>;
export async function startPlayground(options: PlaygroundOptions = {}): Promise<Playground | ExternalPlayground> {
  if (options.client && !options.apiServer) throw new Error("startPlayground: `client` needs `apiServer` (url, token, ca) for the kubeconfig");
  const started = performance.now();
  const speed = options.speed && options.speed > 0 ? options.speed : 1;
  const scale = Math.max(0, Math.floor(options.scale ?? 0));
  const log = options.log ?? (() => undefined);
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "switchboard-playground-"));
  if (!ownDir) mkdirSync(dir, { recursive: true });

  const stops: Array<() => unknown> = [];
  const stopAll = async () => {
    for (const s of stops.reverse()) {
      try {
        await s();
      } catch (err) {
        log(`playground stop: ${String(err)}`);
      }
    }
    stops.length = 0;
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };

  try {
    let store: Store | undefined;
    let client: ClusterClient;
    let api: { url: string; token: string; ca?: string };
    if (options.client) {
      client = options.client;
      api = options.apiServer!;
    } else {
      // Pods bound to a node go through graceful deletion: the kubelet stops them, then removes them.
      store = new Store({ gracefulPodDeletion: true });
      client = new StoreClient(store);
      const token = randomBytes(24).toString("base64url");
      const server = await startApiServer({ store, token, port: options.port ?? 0 });
      stops.push(() => server.close());
      api = { url: server.url, token, ...(server.ca ? { ca: server.ca } : {}) };
    }
    const admission = store?.admission ?? options.admission;

    const health = new HealthSwitches();
    const images = defaultImages();
    const workloads = new WorkloadControllers({ client, speed, log });
    // One pod watch feeds both the workload controllers and the kubelet.
    // Lifecycle events for every pod but the generated `scale` ones (15,000 pods would mean 60,000 events).
    const kubelet = new Kubelet({ client, speed, images, health, log, pods: workloads.pods,
      lifecycleEvents: (pod) => pod.metadata.namespace !== SCALE_NAMESPACE });
    stops.push(() => workloads.stop());
    stops.push(() => kubelet.stop());
    await kubelet.start();
    await workloads.start();

    const gke = await startGke({ client, dialer: kubelet.network.dial, speed, ...(admission ? { admission } : {}), zones: [...new Set(kubelet.nodes.map((n) => n.zone))].sort(), log });
    stops.push(() => gke.stop());

    const tpOptions = options.telepresence === false ? null : (options.telepresence ?? {});
    const telepresence = tpOptions
      ? await startTelepresence({
          client, ...(admission ? { admission } : {}), images, speed, log,
          install: tpOptions.install ?? !!admission,
          ...(tpOptions.sessionTtlMs ? { sessionTtlMs: tpOptions.sessionTtlMs } : {}),
        })
      : null;
    if (telepresence) stops.push(() => telepresence.stop());

    const control: ControlServer = await startControlServer(health, kubelet.network, (ns, name) => !!workloads.pods.get(ns, name));
    stops.push(() => control.stop());

    const objects: KubeObject[] = [...(options.scenarios === false ? [] : demoObjects()), ...scaleObjects(scale)];
    // The controllers started on an empty store, so every pod is one of the scenarios'.
    const wantedPods = objects.reduce((n, o) => n + (o.kind === "Deployment" ? ((o as Deployment).spec.replicas ?? 1) : 0), 0);
    await applyScenario(client, objects, () => workloads.pods.size >= wantedPods, 60_000 + scale * 60);
    const expectedLbs = loadBalancerKeys(objects);

    // Ready: every Deployment rolled out, every demo pod Ready (readiness gates included), and
    // every load balancer's front door answering.
    const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000 + scale * 60);
    const namespaces = new Set([DEMO_NAMESPACE, SCALE_NAMESPACE]);
    for (;;) {
      const deployments = [...workloads.deployments.values()].filter((d) => namespaces.has(d.metadata.namespace ?? ""));
      const demoPods = [...workloads.pods.values()].filter((p) => p.metadata.namespace === DEMO_NAMESPACE && !p.metadata.deletionTimestamp);
      const lbs = gke.loadBalancers();
      if (deployments.every(deploymentDone) && demoPods.every(podReady) && expectedLbs.every((k) => lbs[k])) {
        const ok = await Promise.all(expectedLbs.map((k) => answers(lbs[k]!)));
        if (ok.every(Boolean)) break;
      }
      if (Date.now() > deadline) {
        const pending = deployments.filter((d) => !deploymentDone(d)).map((d) => `${d.metadata.namespace}/${d.metadata.name}`);
        const missing = expectedLbs.filter((k) => !lbs[k]);
        throw new Error(`the playground did not become ready in time (deployments not rolled out: ${pending.slice(0, 5).join(", ") || "none"}; load balancers missing: ${missing.slice(0, 5).join(", ") || "none"})`);
      }
      await sleep(scale > 0 ? 100 : 20);
    }

    const kubeconfigPath = join(dir, "kubeconfig");
    writeFileSync(kubeconfigPath, kubeconfigYaml(api.url, api.token, DEMO_NAMESPACE, api.ca ? Buffer.from(api.ca).toString("base64") : undefined), { mode: 0o600 });
    const readyMs = Math.round(performance.now() - started);
    return {
      kubeconfigPath,
      context: CONTEXT,
      server: api.url,
      token: api.token,
      computeApi: gke.computeApiUrl,
      computeToken: gke.computeToken,
      project: gke.project,
      loadBalancers: gke.loadBalancers(),
      control: control.url,
      readyMs,
      client,
      store: store as Store,
      network: kubelet.network,
      dialer: kubelet.network.dial,
      images,
      health,
      kubelet,
      workloads,
      gke,
      telepresence,
      telepresenceBin: TELEPRESENCE_BIN,
      setHealth: (ns, pod, healthy, container) => health.set(ns, pod, healthy, container),
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

export { PodNetwork } from "./kubelet/network.ts";
export type { Dialer, Address, DialOptions } from "./kubelet/network.ts";
export { ImageRegistry } from "./images/registry.ts";
export type { ContainerContext, ContainerProcess, ImageFactory } from "./images/registry.ts";
export type { PortHandler } from "./kubelet/listeners.ts";
export { HealthSwitches } from "./images/health.ts";
