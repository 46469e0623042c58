// The pod network of the simulated cluster. Pods get cluster-like IPs (10.8.x.y) that exist only
// here; every container port a pod "listens" on is a real TCP listener on 127.0.0.1 at a random
// port. The per-pod port table maps (podIP, port) to that loopback listener, so anything that wants
// to reach a pod — the kubelet's probes, the load balancer's health checks and traffic, the
// Telepresence traffic-agent — goes through `dial`, exactly as a packet to podIP:port would.
//
// Two hooks exist for Telepresence (telepresence.md §4):
//  - `redirect(podIP, port, toPort)`: the `tel-agent-init` iptables rule. Inbound traffic for a
//    container port goes to another port of the same pod (the agent's), probes included.
//  - `dial(podIP, port, { direct: true })`: what the agent itself uses to reach the app behind the
//    redirect (the real rules exempt the agent's own traffic).

export interface Address {
  host: string;
  port: number;
}

/** Resolves a pod address to the loopback listener that serves it, or undefined (connection refused). */
export type Dialer = (podIP: string, port: number, options?: DialOptions) => Address | undefined;

export interface DialOptions {
  /** Skip the pod's redirects (the traffic-agent forwarding to the app container). */
  direct?: boolean;
}

export interface PortEntry {
  /** The container that owns the listener. */
  container: string;
  /** The loopback address the listener is bound to. */
  address: Address;
}

export interface PodPorts {
  namespace: string;
  name: string;
  podIP: string;
  /** containerPort → listener. */
  listeners: Map<number, PortEntry>;
  /** containerPort → port of the same pod that receives its inbound traffic (iptables REDIRECT). */
  redirects: Map<number, number>;
}

export type NetworkChange = { type: "attached" | "detached"; pod: PodPorts };

export class PodNetwork {
  readonly #pods = new Map<string, PodPorts>();
  readonly #watchers = new Set<(change: NetworkChange) => void>();

  /** Registers a pod's IP (its port table starts empty). */
  attach(podIP: string, namespace: string, name: string): PodPorts {
    const existing = this.#pods.get(podIP);
    if (existing) return existing;
    const pod: PodPorts = { namespace, name, podIP, listeners: new Map(), redirects: new Map() };
    this.#pods.set(podIP, pod);
    this.#emit({ type: "attached", pod });
    return pod;
  }

  detach(podIP: string): void {
    const pod = this.#pods.get(podIP);
    if (!pod) return;
    this.#pods.delete(podIP);
    this.#emit({ type: "detached", pod });
  }

  bind(podIP: string, containerPort: number, container: string, address: Address): void {
    const pod = this.#pods.get(podIP);
    if (!pod) throw new Error(`no pod with IP ${podIP} on the playground network`);
    pod.listeners.set(containerPort, { container, address });
  }

  unbind(podIP: string, containerPort: number): void {
    this.#pods.get(podIP)?.listeners.delete(containerPort);
  }

  /** Sends inbound traffic for `port` to `toPort` of the same pod (telepresence.md §4, tel-agent-init). */
  redirect(podIP: string, port: number, toPort: number): void {
    const pod = this.#pods.get(podIP);
    if (!pod) throw new Error(`no pod with IP ${podIP} on the playground network`);
    pod.redirects.set(port, toPort);
  }

  unredirect(podIP: string, port: number): void {
    this.#pods.get(podIP)?.redirects.delete(port);
  }

  readonly dial: Dialer = (podIP, port, options) => {
    const pod = this.#pods.get(podIP);
    if (!pod) return undefined;
    const target = options?.direct ? port : (pod.redirects.get(port) ?? port);
    return pod.listeners.get(target)?.address;
  };

  pod(podIP: string): PodPorts | undefined {
    return this.#pods.get(podIP);
  }

  pods(): IterableIterator<PodPorts> {
    return this.#pods.values();
  }

  findPod(namespace: string, name: string): PodPorts | undefined {
    for (const pod of this.#pods.values()) if (pod.namespace === namespace && pod.name === name) return pod;
    return undefined;
  }

  onChange(watcher: (change: NetworkChange) => void): () => void {
    this.#watchers.add(watcher);
    return () => this.#watchers.delete(watcher);
  }

  #emit(change: NetworkChange): void {
    for (const w of this.#watchers) w(change);
  }
}
