// The traffic-agent injector's pod mutation (telepresence.md §4), as a pure function: the
// playground's mutating admission hook on pod CREATE calls it, and so do the unit tests.
import type { Container, ContainerPort, Pod, Probe, Service, ServicePort } from "../workloads/types.ts";

export const AGENT_CONTAINER = "traffic-agent";
export const INIT_CONTAINER = "tel-agent-init";
export const AGENT_PORT_BASE = 9900;
export const AGENT_CONFIG_ENV = "_TEL_AGENT_CONFIG";
export const LABEL_WORKLOAD_NAME = "telepresence.io/workloadName";
export const LABEL_WORKLOAD_KIND = "telepresence.io/workloadKind";
export const LABEL_WORKLOAD_ENABLED = "telepresence.io/workloadEnabled";

/** One Service port the agent covers: where traffic arrives (agentPort) and where the app listens. */
export interface AgentIntercept {
  serviceName: string;
  serviceUID: string;
  servicePortName: string;
  servicePort: number;
  /** The Service's targetPort when it is a name; empty for a number (then iptables are used). */
  targetPortName: string;
  protocol: string;
  agentPort: number;
  containerPortName: string;
  containerPort: number;
}

export interface AgentContainerConfig {
  name: string;
  intercepts: AgentIntercept[];
  /** Replace mode (2.22+): the app container was removed; the agent serves its ports itself. */
  replaced?: boolean;
}

/** What the real injector keeps in the `telepresence-agents` ConfigMap (one per workload). */
export interface AgentConfig {
  agentName: string;
  namespace: string;
  workloadName: string;
  workloadKind: string;
  agentImage: string;
  managerNamespace: string;
  containers: AgentContainerConfig[];
}

export interface InjectOptions {
  workloadName: string;
  workloadKind: string;
  agentImage: string;
  managerNamespace: string;
  /** Containers to remove (replace mode, telepresence.md §4 last bullet). */
  replaceContainers?: string[];
  /** Annotation `inject-service-name`: only this Service. */
  serviceName?: string;
}

export type InjectResult =
  | { injected: true; pod: Pod; config: AgentConfig }
  | { injected: false; reason: string };

/** `tm-<name>`, at most 15 characters (a port name's limit; telepresence.md §4). */
export function renamedPortName(name: string): string {
  return `tm-${name}`.slice(0, 15);
}

/** Services of the pod's namespace whose selector matches the pod's labels (headless ones included). */
export function servicesForPod(pod: Pod, services: Service[]): Service[] {
  const labels = pod.metadata.labels ?? {};
  return services.filter((s) => {
    if ((s.metadata.namespace ?? "default") !== (pod.metadata.namespace ?? "default")) return false;
    const sel = s.spec?.selector;
    if (!sel || Object.keys(sel).length === 0) return false;
    return Object.entries(sel).every(([k, v]) => labels[k] === v);
  });
}

function findContainerPort(containers: Container[], target: number | string): { container: Container; port: ContainerPort } | undefined {
  for (const container of containers) {
    for (const port of container.ports ?? []) {
      if ((port.protocol ?? "TCP") !== "TCP") continue;
      if (typeof target === "string" ? port.name === target : port.containerPort === target) return { container, port };
    }
  }
  return undefined;
}

function targetOf(sp: ServicePort): number | string {
  const t = sp.targetPort;
  if (t === undefined || t === "" || t === 0) return sp.port;
  if (typeof t === "string" && /^\d+$/.test(t)) return Number(t);
  return t;
}

/** The agent's plan for a pod: which Service ports it covers and on which agent ports (no mutation). */
export function planAgent(pod: Pod, services: Service[], options: InjectOptions): AgentConfig {
  const containers = pod.spec.containers.filter((c) => c.name !== AGENT_CONTAINER);
  const byContainer = new Map<string, AgentContainerConfig>();
  // One agent port per (container, containerPort); Service ports that reach the same container port share it.
  const agentPorts = new Map<string, number>();
  let next = AGENT_PORT_BASE;
  for (const svc of servicesForPod(pod, services)) {
    if (options.serviceName && svc.metadata.name !== options.serviceName) continue;
    for (const sp of svc.spec.ports ?? []) {
      if ((sp.protocol ?? "TCP") !== "TCP") continue;
      const target = targetOf(sp);
      const found = findContainerPort(containers, target);
      if (!found) continue;
      const key = `${found.container.name}/${found.port.containerPort}`;
      let agentPort = agentPorts.get(key);
      if (agentPort === undefined) {
        agentPort = next++;
        agentPorts.set(key, agentPort);
      }
      const cc = byContainer.get(found.container.name) ?? { name: found.container.name, intercepts: [] };
      if (options.replaceContainers?.includes(found.container.name)) cc.replaced = true;
      cc.intercepts.push({
        serviceName: svc.metadata.name,
        serviceUID: svc.metadata.uid ?? "",
        servicePortName: sp.name ?? "",
        servicePort: sp.port,
        targetPortName: typeof target === "string" ? target : "",
        protocol: sp.protocol ?? "TCP",
        agentPort,
        containerPortName: found.port.name ?? "",
        containerPort: found.port.containerPort,
      });
      byContainer.set(found.container.name, cc);
    }
  }
  return {
    agentName: options.workloadName,
    namespace: pod.metadata.namespace ?? "default",
    workloadName: options.workloadName,
    workloadKind: options.workloadKind,
    agentImage: options.agentImage,
    managerNamespace: options.managerNamespace,
    containers: [...byContainer.values()],
  };
}

function rewriteProbe(probe: Probe | undefined, renames: Map<string, string>): Probe | undefined {
  if (!probe) return probe;
  const out: Probe = { ...probe };
  if (probe.httpGet && typeof probe.httpGet.port === "string" && renames.has(probe.httpGet.port)) {
    out.httpGet = { ...probe.httpGet, port: renames.get(probe.httpGet.port)! };
  }
  if (probe.tcpSocket && typeof probe.tcpSocket.port === "string" && renames.has(probe.tcpSocket.port)) {
    out.tcpSocket = { ...probe.tcpSocket, port: renames.get(probe.tcpSocket.port)! };
  }
  return out;
}

/**
 * Injects the traffic-agent into a pod being created (telepresence.md §4). The Deployment is never
 * touched; only the pod changes:
 *  - container `traffic-agent` on ports 9900+, pod labels `telepresence.io/workload*`;
 *  - named targetPort: the app's port becomes `tm-<name>` (same number), the agent declares the
 *    name, and app probes naming the port follow the rename (so kubelet probes still reach the app);
 *  - numeric targetPort: init container `tel-agent-init` (NET_ADMIN) whose iptables rules send that
 *    container port's inbound traffic to the agent (the playground's pod network redirect).
 */
export function injectAgent(pod: Pod, services: Service[], options: InjectOptions): InjectResult {
  if (pod.spec.containers.some((c) => c.name === AGENT_CONTAINER)) return { injected: false, reason: "the pod already has a traffic-agent" };
  const config = planAgent(pod, services, options);
  if (config.containers.length === 0) return { injected: false, reason: "no Service port of the pod's Services targets one of its container ports" };

  const out: Pod = structuredClone(pod);
  const renames = new Map<string, Map<string, string>>(); // container → old name → new name
  const agentPorts: ContainerPort[] = [];
  const declared = new Set<number>();
  let needsInit = false;
  for (const cc of config.containers) {
    for (const ic of cc.intercepts) {
      if (declared.has(ic.agentPort)) continue;
      declared.add(ic.agentPort);
      if (ic.targetPortName) {
        const r = renames.get(cc.name) ?? new Map<string, string>();
        r.set(ic.targetPortName, renamedPortName(ic.targetPortName));
        renames.set(cc.name, r);
        agentPorts.push({ name: ic.targetPortName, containerPort: ic.agentPort, protocol: ic.protocol });
      } else {
        // (inferred) the agent's port for a numeric target carries no Service-visible name.
        agentPorts.push({ containerPort: ic.agentPort, protocol: ic.protocol });
        if (!cc.replaced) needsInit = true;
      }
    }
  }

  const replaced = new Set(config.containers.filter((c) => c.replaced).map((c) => c.name));
  out.spec.containers = out.spec.containers
    .filter((c) => !replaced.has(c.name))
    .map((c) => {
      const r = renames.get(c.name);
      if (!r) return c;
      return {
        ...c,
        ports: (c.ports ?? []).map((p) => (p.name && r.has(p.name) ? { ...p, name: r.get(p.name)! } : p)),
        ...(c.readinessProbe ? { readinessProbe: rewriteProbe(c.readinessProbe, r) } : {}),
        ...(c.livenessProbe ? { livenessProbe: rewriteProbe(c.livenessProbe, r) } : {}),
        ...(c.startupProbe ? { startupProbe: rewriteProbe(c.startupProbe, r) } : {}),
      };
    });
  // Replace mode: the agent listens on the removed container's own ports too (numeric targets need no iptables then).
  for (const cc of config.containers) {
    if (!cc.replaced) continue;
    for (const ic of cc.intercepts) {
      if (!ic.targetPortName && !declared.has(ic.containerPort)) {
        declared.add(ic.containerPort);
        agentPorts.push({ containerPort: ic.containerPort, protocol: ic.protocol });
      }
    }
  }

  out.spec.containers.push({
    name: AGENT_CONTAINER,
    image: options.agentImage,
    args: ["agent"],
    ports: agentPorts,
    env: [
      { name: "_TEL_AGENT_POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
      { name: "_TEL_AGENT_NAME", value: config.agentName },
      { name: AGENT_CONFIG_ENV, value: JSON.stringify(config) },
    ],
    readinessProbe: { exec: { command: ["/bin/stat", "/tmp/agent/ready"] } },
    resources: {},
  });
  if (needsInit) {
    out.spec.initContainers = [
      ...(out.spec.initContainers ?? []),
      {
        name: INIT_CONTAINER,
        image: options.agentImage,
        args: ["agent-init"],
        env: [{ name: AGENT_CONFIG_ENV, value: JSON.stringify(config) }],
        securityContext: { capabilities: { add: ["NET_ADMIN"] } },
      },
    ];
  }
  out.metadata.labels = {
    ...(out.metadata.labels ?? {}),
    [LABEL_WORKLOAD_NAME]: options.workloadName,
    [LABEL_WORKLOAD_KIND]: options.workloadKind,
    [LABEL_WORKLOAD_ENABLED]: "true",
  };
  return { injected: true, pod: out, config };
}

/** The agent's config as the injector wrote it into the container's environment. */
export function agentConfigOf(container: Container | undefined): AgentConfig | undefined {
  const raw = container?.env?.find((e) => e.name === AGENT_CONFIG_ENV)?.value;
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as AgentConfig;
  } catch {
    return undefined;
  }
}

/** iptables rules of `tel-agent-init`: containerPort → agentPort for every numeric target (§4). */
export function redirectsOf(config: AgentConfig): Array<{ containerPort: number; agentPort: number }> {
  const out: Array<{ containerPort: number; agentPort: number }> = [];
  for (const cc of config.containers) {
    if (cc.replaced) continue;
    for (const ic of cc.intercepts) {
      if (!ic.targetPortName && !out.some((r) => r.containerPort === ic.containerPort)) out.push({ containerPort: ic.containerPort, agentPort: ic.agentPort });
    }
  }
  return out;
}
