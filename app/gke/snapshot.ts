// The input of the GKE model: a cluster snapshot of plain Kubernetes objects per namespace, plus the
// optional facts from the Compute API and from Telepresence. Everything here is plain data so the
// watch cache (live objects), kubectl JSON (fixtures, CLI) and the Compute API client can all feed it.
import type {
  CoreV1Event,
  V1Deployment,
  V1Ingress,
  V1ObjectMeta,
  V1Pod,
  V1ReplicaSet,
  V1Service,
} from "@kubernetes/client-node";

/**
 * client-node types timestamps as `Date` (its typed list calls deserialise them), but watch events
 * and `kubectl get -o json` carry RFC 3339 strings. Accept both, everywhere.
 */
export type Wire<T> = T extends Date
  ? Date | string
  : T extends (infer U)[]
    ? Wire<U>[]
    : T extends object
      ? { [K in keyof T]: Wire<T[K]> }
      : T;

export type Service = Wire<V1Service>;
export type Pod = Wire<V1Pod>;
export type Deployment = Wire<V1Deployment>;
export type ReplicaSet = Wire<V1ReplicaSet>;
export type Ingress = Wire<V1Ingress>;
export type KubeEvent = Wire<CoreV1Event>;
export type ObjectMeta = Wire<V1ObjectMeta>;

interface CustomObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
}

export interface Condition {
  type: string;
  status?: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: Date | string;
}

/** gke-neg.md §3: `cloud.google.com/v1` BackendConfig. The CRD has types only, so values are loose. */
export interface BackendConfigHealthCheck {
  checkIntervalSec?: number;
  timeoutSec?: number;
  healthyThreshold?: number;
  unhealthyThreshold?: number;
  type?: string;
  port?: number;
  requestPath?: string;
}
export interface BackendConfig extends CustomObject {
  spec?: { healthCheck?: BackendConfigHealthCheck; [field: string]: unknown };
}

/** gke-neg.md §6: `networking.gke.io/v1beta1` ServiceNetworkEndpointGroup (svcneg). */
export interface ServiceNetworkEndpointGroup extends CustomObject {
  spec?: Record<string, unknown>;
  status?: {
    networkEndpointGroups?: { id?: string; selfLink?: string; networkEndpointType?: string }[];
    conditions?: Condition[];
    lastSyncTime?: Date | string;
  };
}

/** gke-neg.md §7: the per-protocol block of a HealthCheckPolicy `config`. */
export interface PolicyProtocolCheck {
  portSpecification?: string;
  port?: number;
  portName?: string;
  requestPath?: string;
  host?: string;
  response?: string;
  proxyHeader?: string;
  grpcServiceName?: string;
  request?: string;
}
/** gke-neg.md §7: `networking.gke.io/v1` HealthCheckPolicy. */
export interface HealthCheckPolicy extends CustomObject {
  spec?: {
    targetRef?: { group?: string; kind?: string; name?: string; namespace?: string };
    default?: {
      checkIntervalSec?: number;
      timeoutSec?: number;
      healthyThreshold?: number;
      unhealthyThreshold?: number;
      logConfig?: { enabled?: boolean };
      config?: {
        type?: string;
        httpHealthCheck?: PolicyProtocolCheck;
        httpsHealthCheck?: PolicyProtocolCheck;
        http2HealthCheck?: PolicyProtocolCheck;
        grpcHealthCheck?: PolicyProtocolCheck;
        tcpHealthCheck?: PolicyProtocolCheck;
      };
    };
  };
  status?: { conditions?: Condition[] };
}

/** Gateway API HTTPRoute, only what the model reads (which Services are Gateway backends). */
export interface HTTPRoute extends CustomObject {
  spec?: {
    parentRefs?: { group?: string; kind?: string; name: string; namespace?: string; sectionName?: string }[];
    rules?: {
      backendRefs?: { group?: string; kind?: string; name: string; namespace?: string; port?: number; weight?: number }[];
    }[];
  };
}

export interface Gateway extends CustomObject {
  spec?: { gatewayClassName?: string; listeners?: { name: string; port: number; protocol: string }[] };
}

/** The objects of one namespace. Lists of kinds whose CRD is not installed are simply empty. */
export interface NamespaceSnapshot {
  services: Service[];
  pods: Pod[];
  deployments: Deployment[];
  replicasets: ReplicaSet[];
  ingresses: Ingress[];
  backendconfigs: BackendConfig[];
  svcnegs: ServiceNetworkEndpointGroup[];
  healthcheckpolicies: HealthCheckPolicy[];
  httproutes?: HTTPRoute[];
  gateways?: Gateway[];
  events: KubeEvent[];
}

/** Custom kinds the cluster may lack. `false` means "CRD not installed": shown as such, never an error. */
export interface InstalledKinds {
  backendconfigs: boolean;
  svcnegs: boolean;
  healthcheckpolicies: boolean;
  httproutes: boolean;
  gateways: boolean;
}

/**
 * gke-neg.md §8: per-endpoint health from the Compute API, one entry per zonal NEG. One item per
 * (endpoint, backend service); `healthState` is an open string (HEALTHY, UNHEALTHY, DRAINING,
 * UNKNOWN, TIMEOUT, ...), null when the endpoint has no health at all (empty `healths`: not behind a
 * health-checked backend service).
 */
export interface NegEndpointHealth {
  neg: string;
  zone: string;
  /** ISO time the Compute API answered. */
  observedAt?: string;
  items: EndpointHealthItem[];
}
export interface EndpointHealthItem {
  ipAddress: string;
  port: number;
  healthState: string | null;
  /** Backend service URL or name. */
  backendService?: string;
  /** Health check URL or name. */
  healthCheck?: string;
}

/** telepresence.md §2: one intercept as `status`/`list`/`intercept` report it (normalised). */
export interface InterceptFact {
  name: string;
  workload: string;
  namespace: string;
  /** The Service the intercept targets, when known (`--service`). */
  service?: string;
  /** Service port name or number as given to `--port local:<id>` (`service_port_id`). */
  servicePortIdentifier?: string;
  /** The intercepted container port (`container_port`), when reported. */
  containerPort?: number;
  /** Header/path filters (2.25+ `--http-header`...). Empty or absent with `global` = all traffic. */
  httpFilter?: string[];
  global: boolean;
  /** `ACTIVE`, `WAITING`, `NO_AGENT`, ... (the numeric form of `list` is accepted too, §2). */
  disposition: string | number;
  /** Message or error text the daemon gave (e.g. "request timed out while waiting for agent ..."). */
  message?: string;
}

export interface TelepresenceFacts {
  /** telepresence.md §6: installed ⇔ the `traffic-manager` Service exists in the manager namespace. */
  trafficManager: { present: boolean; namespace?: string; version?: string };
  clientVersion?: string;
  intercepts: InterceptFact[];
}

export interface ClusterSnapshot {
  namespaces: Record<string, NamespaceSnapshot>;
  installed: InstalledKinds;
  endpointHealth?: NegEndpointHealth[];
  telepresence?: TelepresenceFacts;
}

export function emptyNamespace(): NamespaceSnapshot {
  return {
    services: [],
    pods: [],
    deployments: [],
    replicasets: [],
    ingresses: [],
    backendconfigs: [],
    svcnegs: [],
    healthcheckpolicies: [],
    httproutes: [],
    gateways: [],
    events: [],
  };
}

const KIND_TO_LIST: Record<string, keyof NamespaceSnapshot> = {
  Service: "services",
  Pod: "pods",
  Deployment: "deployments",
  ReplicaSet: "replicasets",
  Ingress: "ingresses",
  BackendConfig: "backendconfigs",
  ServiceNetworkEndpointGroup: "svcnegs",
  HealthCheckPolicy: "healthcheckpolicies",
  HTTPRoute: "httproutes",
  Gateway: "gateways",
  Event: "events",
};

/**
 * Sorts the items of `kubectl get -o json` Lists into a snapshot (fixtures, the CLI, tests). Items of
 * kinds the model does not read are ignored. `installed` defaults to "every kind installed".
 */
export function snapshotFromItems(
  items: readonly unknown[],
  extra: Partial<Omit<ClusterSnapshot, "namespaces">> = {},
): ClusterSnapshot {
  const namespaces: Record<string, NamespaceSnapshot> = {};
  for (const raw of items) {
    const item = raw as { kind?: string; metadata?: { namespace?: string }; items?: unknown[] };
    if (item.kind === "List" && Array.isArray(item.items)) {
      const nested = snapshotFromItems(item.items);
      for (const [ns, snap] of Object.entries(nested.namespaces)) {
        const target = (namespaces[ns] ??= emptyNamespace());
        for (const key of Object.keys(snap) as (keyof NamespaceSnapshot)[]) {
          (target[key] as unknown[]).push(...(snap[key] ?? []));
        }
      }
      continue;
    }
    const list = item.kind ? KIND_TO_LIST[item.kind] : undefined;
    if (!list) continue;
    const ns = item.metadata?.namespace ?? "default";
    const target = (namespaces[ns] ??= emptyNamespace());
    (target[list] as unknown[]).push(raw);
  }
  return {
    namespaces,
    installed: extra.installed ?? {
      backendconfigs: true,
      svcnegs: true,
      healthcheckpolicies: true,
      httproutes: true,
      gateways: true,
    },
    ...(extra.endpointHealth ? { endpointHealth: extra.endpointHealth } : {}),
    ...(extra.telepresence ? { telepresence: extra.telepresence } : {}),
  };
}

/** Milliseconds since epoch of a Kubernetes timestamp (Date or RFC 3339 string); NaN when absent. */
export function timeOf(t: Date | string | undefined | null): number {
  if (t == null) return Number.NaN;
  return t instanceof Date ? t.getTime() : Date.parse(t);
}

/** ISO string of a Kubernetes timestamp, or null. */
export function isoOf(t: Date | string | undefined | null): string | null {
  const ms = timeOf(t);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}
