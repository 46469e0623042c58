// The simulated GKE nodes: names like a regional node pool's, two zones, a pod range each.
import type { KubeObject } from "../cluster/client.ts";

export interface SimNode {
  name: string;
  zone: string;
  /** The node's VPC address (hostIP of its pods). */
  internalIP: string;
  /** Base of the node's pod range: 10.8.<podRangeBase + k>.y (see IpAllocator). */
  podRangeBase: number;
}

export const REGION = "us-central1";

/** Three nodes: two in us-central1-a, one in us-central1-b (instance-group hash per zone, as GKE names them). */
export function defaultNodes(): SimNode[] {
  return [
    { name: "gke-playground-default-pool-6a1f2c3d-x4bk", zone: "us-central1-a", internalIP: "10.128.0.2", podRangeBase: 0 },
    { name: "gke-playground-default-pool-9e8b7c6d-h2pt", zone: "us-central1-b", internalIP: "10.128.0.3", podRangeBase: 64 },
    { name: "gke-playground-default-pool-6a1f2c3d-q7mz", zone: "us-central1-a", internalIP: "10.128.0.4", podRangeBase: 128 },
  ];
}



/** The Node object a GKE node registers (labels the NEG controller and kubectl read). */
export function nodeObject(node: SimNode, now: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: node.name,
      labels: {
        "kubernetes.io/hostname": node.name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "node.kubernetes.io/instance-type": "e2-standard-4",
        "topology.kubernetes.io/region": REGION,
        "topology.kubernetes.io/zone": node.zone,
        "failure-domain.beta.kubernetes.io/region": REGION,
        "failure-domain.beta.kubernetes.io/zone": node.zone,
        "cloud.google.com/gke-nodepool": "default-pool",
        "cloud.google.com/machine-family": "e2",
      },
    },
    spec: {
      podCIDR: `10.8.${node.podRangeBase}.0/18`,
      podCIDRs: [`10.8.${node.podRangeBase}.0/18`],
      providerID: `gce://playground-project/${node.zone}/${node.name}`,
    },
    status: {
      addresses: [
        { type: "InternalIP", address: node.internalIP },
        { type: "Hostname", address: node.name },
      ],
      capacity: { cpu: "4", memory: "16393916Ki", pods: "110000" },
      allocatable: { cpu: "3920m", memory: "13523132Ki", pods: "110000" },
      conditions: [
        { type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status",
          lastHeartbeatTime: now, lastTransitionTime: now },
      ],
      nodeInfo: {
        kubeletVersion: "v1.32.4-gke.1000", kubeProxyVersion: "v1.32.4-gke.1000", osImage: "Container-Optimized OS from Google",
        containerRuntimeVersion: "containerd://1.7.24", operatingSystem: "linux", architecture: "amd64",
        kernelVersion: "6.6.56+", machineID: "", systemUUID: "", bootID: "",
      },
    },
  };
}

/** Hands out pod IPs from a node's range (10.8.base.0/18: 16k addresses, enough for --scale 5000). */
export class IpAllocator {
  readonly #next = new Map<string, number>();
  readonly #free = new Map<string, number[]>();
  readonly #used = new Set<string>();

  allocate(node: SimNode): string {
    const free = this.#free.get(node.name);
    let ip = free?.pop();
    while (ip === undefined) {
      const n = this.#next.get(node.name) ?? 2;
      this.#next.set(node.name, n + 1);
      if (n >= 64 * 256) throw new Error(`pod range of node ${node.name} is exhausted`);
      // Skip .0, .1 and .255 of every /24 so addresses look like a cluster's.
      if (n % 256 >= 2 && n % 256 <= 254) ip = n;
    }
    const addr = `10.8.${node.podRangeBase + Math.floor(ip / 256)}.${ip % 256}`;
    this.#used.add(addr);
    return addr;
  }

  release(node: SimNode, addr: string): void {
    if (!this.#used.delete(addr)) return;
    const [, , third, fourth] = addr.split(".").map(Number);
    const n = (third! - node.podRangeBase) * 256 + fourth!;
    const free = this.#free.get(node.name) ?? [];
    free.push(n);
    this.#free.set(node.name, free);
  }
}
