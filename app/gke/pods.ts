// Pod-level facts: which container serves a targetPort, whether a Telepresence traffic-agent was
// injected and which ports it took over (telepresence.md §4), and a pure simulation of that injection
// so the model can answer "what if this port were intercepted" on a pod that has no agent yet.
import type { Pod, ReplicaSet, Service } from "./snapshot.ts";
import { timeOf } from "./snapshot.ts";

export type PodSpec = NonNullable<Pod["spec"]>;
export type Container = PodSpec["containers"][number];

export const AGENT_CONTAINER = "traffic-agent";
export const AGENT_INIT_CONTAINER = "tel-agent-init";
/** telepresence.md §4: the agent's ports start at 9900. */
export const AGENT_FIRST_PORT = 9900;

export type TargetPort = { kind: "name"; value: string } | { kind: "number"; value: number };

export function targetPortOf(port: { port: number; targetPort?: number | string }): TargetPort {
  const t = port.targetPort;
  if (typeof t === "string") {
    // An IntOrString may arrive as a numeric string from some serialisers.
    return /^\d+$/.test(t) ? { kind: "number", value: Number(t) } : { kind: "name", value: t };
  }
  // Kubernetes defaults targetPort to the Service port.
  return { kind: "number", value: typeof t === "number" ? t : port.port };
}

/** telepresence.md §4: the app port named N is renamed `tm-N`, truncated to 15 characters. */
export function renamedPortName(name: string): string {
  return `tm-${name}`.slice(0, 15);
}

export function containersOf(pod: Pod): Container[] {
  return pod.spec?.containers ?? [];
}

export function isAgentContainer(c: Container): boolean {
  return c.name === AGENT_CONTAINER;
}

export interface ResolvedPort {
  /** Null when a numeric targetPort matches no declared containerPort (Kubernetes allows it). */
  container: string | null;
  containerPort: number;
  portName: string | null;
}

/** Resolve a targetPort in a pod the way Endpoints do: a name by declared port name, a number as is. */
export function resolvePodPort(pod: Pod, target: TargetPort): ResolvedPort | null {
  for (const c of containersOf(pod)) {
    for (const p of c.ports ?? []) {
      if (target.kind === "name" ? p.name === target.value : p.containerPort === target.value) {
        return { container: c.name, containerPort: p.containerPort, portName: p.name ?? null };
      }
    }
  }
  return target.kind === "number" ? { container: null, containerPort: target.value, portName: null } : null;
}

/** The container declaring `containerPort` (any container, the agent included). */
export function containerWithPort(pod: Pod, containerPort: number): { container: string; portName: string | null } | null {
  for (const c of containersOf(pod)) {
    for (const p of c.ports ?? []) {
      if (p.containerPort === containerPort) return { container: c.name, portName: p.name ?? null };
    }
  }
  return null;
}

export interface TakenOverPort {
  container: string;
  containerPort: number;
  originalName: string | null;
  renamedTo: string | null;
  by: "name" | "iptables";
}

export interface AgentState {
  present: boolean;
  agentPorts: { name: string | null; containerPort: number }[];
  takenOver: TakenOverPort[];
  iptablesInit: boolean;
}

/**
 * telepresence.md §4. A named targetPort: the app's port is renamed `tm-<name>` and the agent declares
 * the name. A numeric targetPort: `tel-agent-init` installs iptables rules for that container port;
 * the pod itself does not say which ports, so the numeric targetPorts of the Services selecting the pod
 * are taken as the covered ports (inferred).
 */
export function agentState(pod: Pod, numericTargets: readonly number[]): AgentState {
  const containers = containersOf(pod);
  const agent = containers.find(isAgentContainer);
  const iptablesInit = (pod.spec?.initContainers ?? []).some((c) => c.name === AGENT_INIT_CONTAINER);
  if (!agent) return { present: false, agentPorts: [], takenOver: [], iptablesInit };
  const agentPorts = (agent.ports ?? []).map((p) => ({ name: p.name ?? null, containerPort: p.containerPort }));
  const takenOver: TakenOverPort[] = [];
  for (const ap of agentPorts) {
    if (!ap.name) continue;
    const renamed = renamedPortName(ap.name);
    for (const c of containers) {
      if (isAgentContainer(c)) continue;
      const p = (c.ports ?? []).find((q) => q.name === renamed);
      if (p) takenOver.push({ container: c.name, containerPort: p.containerPort, originalName: ap.name, renamedTo: renamed, by: "name" });
    }
  }
  if (iptablesInit) {
    for (const n of new Set(numericTargets)) {
      const owner = containerWithPort(pod, n);
      if (owner?.container === AGENT_CONTAINER) continue;
      takenOver.push({ container: owner?.container ?? "", containerPort: n, originalName: owner?.portName ?? null, renamedTo: null, by: "iptables" });
    }
  }
  return { present: true, agentPorts, takenOver, iptablesInit };
}

/**
 * The pod as it was before the agent: the agent and its init container removed, `tm-` port names and
 * the probe ports Telepresence rewrote to them restored (telepresence.md §4). GKE's probe inference
 * most likely ran before any intercept, so it is computed on this shape.
 */
export function withoutAgent(pod: Pod): Pod {
  const containers = containersOf(pod);
  const agent = containers.find(isAgentContainer);
  if (!agent && !(pod.spec?.initContainers ?? []).some((c) => c.name === AGENT_INIT_CONTAINER)) return pod;
  const restore = new Map<string, string>();
  for (const p of agent?.ports ?? []) if (p.name) restore.set(renamedPortName(p.name), p.name);
  const fixPort = <T extends string | number | undefined>(port: T): T =>
    (typeof port === "string" && restore.has(port) ? restore.get(port) : port) as T;
  const fixProbe = (probe: Container["readinessProbe"]): Container["readinessProbe"] => {
    if (!probe) return probe;
    const out = { ...probe };
    if (probe.httpGet) out.httpGet = { ...probe.httpGet, port: fixPort(probe.httpGet.port) };
    if (probe.tcpSocket) out.tcpSocket = { ...probe.tcpSocket, port: fixPort(probe.tcpSocket.port) };
    return out;
  };
  return {
    ...pod,
    spec: {
      ...pod.spec!,
      initContainers: (pod.spec?.initContainers ?? []).filter((c) => c.name !== AGENT_INIT_CONTAINER),
      containers: containers
        .filter((c) => !isAgentContainer(c))
        .map((c) => ({
          ...c,
          ports: (c.ports ?? []).map((p) => (p.name && restore.has(p.name) ? { ...p, name: restore.get(p.name) } : p)),
          readinessProbe: fixProbe(c.readinessProbe),
          livenessProbe: fixProbe(c.livenessProbe),
        })),
    },
  };
}

/**
 * Simulates the injector (telepresence.md §4) on a pod without an agent, for the given targetPorts
 * of the Services the agent would serve. Pure; used for "what if this port were intercepted".
 */
export function withSimulatedAgent(pod: Pod, targets: readonly TargetPort[]): Pod {
  const base = withoutAgent(pod);
  const containers = containersOf(base).map((c) => ({ ...c, ports: [...(c.ports ?? [])] }));
  const agentPorts: { name?: string; containerPort: number; protocol?: string }[] = [];
  let next = AGENT_FIRST_PORT;
  let iptables = false;
  for (const t of targets) {
    if (t.kind === "name") {
      const owner = containers.find((c) => c.ports.some((p) => p.name === t.value));
      if (!owner) continue;
      const renamed = renamedPortName(t.value);
      owner.ports = owner.ports.map((p) => (p.name === t.value ? { ...p, name: renamed } : p));
      const rewrite = (probe: Container["readinessProbe"]) => {
        if (!probe) return probe;
        const out = { ...probe };
        if (probe.httpGet?.port === t.value) out.httpGet = { ...probe.httpGet, port: renamed };
        if (probe.tcpSocket?.port === t.value) out.tcpSocket = { ...probe.tcpSocket, port: renamed };
        return out;
      };
      owner.readinessProbe = rewrite(owner.readinessProbe);
      owner.livenessProbe = rewrite(owner.livenessProbe);
      agentPorts.push({ name: t.value, containerPort: next++, protocol: "TCP" });
    } else {
      iptables = true;
      agentPorts.push({ containerPort: next++, protocol: "TCP" });
    }
  }
  if (agentPorts.length === 0) return base;
  containers.push({ name: AGENT_CONTAINER, image: "ghcr.io/telepresenceio/tel2", ports: agentPorts });
  return {
    ...base,
    spec: {
      ...base.spec!,
      containers,
      initContainers: [
        ...(base.spec?.initContainers ?? []),
        ...(iptables ? [{ name: AGENT_INIT_CONTAINER, image: "ghcr.io/telepresenceio/tel2" }] : []),
      ],
    },
  };
}

export function selects(selector: Record<string, string> | undefined | null, labels: Record<string, string> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

export function podsOfService(svc: Service, pods: readonly Pod[]): Pod[] {
  return pods.filter((p) => selects(svc.spec?.selector, p.metadata?.labels));
}

/** gke-neg.md §4: GKE orders pods by creation time, then name. */
export function byCreationThenName(a: Pod, b: Pod): number {
  const ta = timeOf(a.metadata?.creationTimestamp);
  const tb = timeOf(b.metadata?.creationTimestamp);
  if (ta !== tb && !Number.isNaN(ta) && !Number.isNaN(tb)) return ta - tb;
  return (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? "");
}

export function isTerminating(pod: Pod): boolean {
  return pod.metadata?.deletionTimestamp != null;
}

/** The owning workload through ownerReferences (Pod → ReplicaSet → Deployment), or the agent's labels. */
export function workloadOf(pod: Pod, replicasets: readonly ReplicaSet[]): { kind: string; name: string } | null {
  const owner = pod.metadata?.ownerReferences?.find((o) => o.controller) ?? pod.metadata?.ownerReferences?.[0];
  if (owner?.kind === "ReplicaSet") {
    const rs = replicasets.find((r) => r.metadata?.name === owner.name);
    const rsOwner = rs?.metadata?.ownerReferences?.find((o) => o.controller) ?? rs?.metadata?.ownerReferences?.[0];
    if (rsOwner) return { kind: rsOwner.kind, name: rsOwner.name };
    // Deployment-made ReplicaSets are named <deployment>-<pod-template-hash>.
    const hash = pod.metadata?.labels?.["pod-template-hash"];
    if (hash && owner.name.endsWith(`-${hash}`)) return { kind: "Deployment", name: owner.name.slice(0, -hash.length - 1) };
    return { kind: "ReplicaSet", name: owner.name };
  }
  if (owner) return { kind: owner.kind, name: owner.name };
  const labels = pod.metadata?.labels ?? {};
  if (labels["telepresence.io/workloadName"]) {
    return { kind: labels["telepresence.io/workloadKind"] ?? "Deployment", name: labels["telepresence.io/workloadName"] };
  }
  return null;
}
