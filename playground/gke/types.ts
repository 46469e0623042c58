// The slices of Kubernetes and GKE objects the simulated GKE controllers read. Loose on purpose:
// the API server accepts whatever the CRD schemas allow (gke-neg.md §3: types only, no enums), so
// every field is optional and checked where it is used.
import type { KubeObject } from "../cluster/client.ts";

export interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: string;
  appProtocol?: string;
}

export interface Service extends KubeObject {
  spec?: { selector?: Record<string, string>; ports?: ServicePort[]; clusterIP?: string; type?: string };
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: string;
}

export interface HttpGetAction {
  path?: string;
  port?: number | string;
  host?: string;
  scheme?: string;
  httpHeaders?: Array<{ name: string; value: string }>;
}

export interface Probe {
  httpGet?: HttpGetAction;
  tcpSocket?: { port?: number | string };
  exec?: unknown;
  grpc?: unknown;
  initialDelaySeconds?: number;
  timeoutSeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
}

export interface Container {
  name: string;
  image?: string;
  ports?: ContainerPort[];
  readinessProbe?: Probe;
  [key: string]: unknown;
}

export interface PodCondition {
  type: string;
  status?: string;
  reason?: string;
  message?: string;
  lastProbeTime?: string | null;
  lastTransitionTime?: string | null;
}

export interface Pod extends KubeObject {
  spec?: {
    nodeName?: string;
    containers?: Container[];
    initContainers?: Container[];
    readinessGates?: Array<{ conditionType: string }>;
    [key: string]: unknown;
  };
  status?: { phase?: string; podIP?: string; conditions?: PodCondition[]; [key: string]: unknown };
}

export interface IngressServiceBackend {
  name: string;
  port?: { number?: number; name?: string };
}

export interface IngressBackend {
  service?: IngressServiceBackend;
  resource?: unknown;
}

export interface IngressPath {
  path?: string;
  pathType?: string;
  backend: IngressBackend;
}

export interface Ingress extends KubeObject {
  spec?: {
    ingressClassName?: string;
    defaultBackend?: IngressBackend;
    rules?: Array<{ host?: string; http?: { paths?: IngressPath[] } }>;
  };
  status?: { loadBalancer?: { ingress?: Array<{ ip?: string; hostname?: string }> } };
}

export interface BackendConfigHealthCheck {
  checkIntervalSec?: unknown;
  timeoutSec?: unknown;
  healthyThreshold?: unknown;
  unhealthyThreshold?: unknown;
  type?: unknown;
  port?: unknown;
  requestPath?: unknown;
}

export interface BackendConfig extends KubeObject {
  spec?: { healthCheck?: BackendConfigHealthCheck; [key: string]: unknown };
}

export interface HealthCheckPolicy extends KubeObject {
  spec?: {
    targetRef?: { group?: string; kind?: string; name?: string; namespace?: string };
    default?: {
      checkIntervalSec?: unknown;
      timeoutSec?: unknown;
      healthyThreshold?: unknown;
      unhealthyThreshold?: unknown;
      logConfig?: unknown;
      config?: {
        type?: unknown;
        httpHealthCheck?: HealthCheckPolicyHttp;
        httpsHealthCheck?: HealthCheckPolicyHttp;
        http2HealthCheck?: HealthCheckPolicyHttp;
        tcpHealthCheck?: { portSpecification?: unknown; port?: unknown; portName?: unknown };
        grpcHealthCheck?: { portSpecification?: unknown; port?: unknown; portName?: unknown };
      };
    };
  };
}

export interface HealthCheckPolicyHttp {
  portSpecification?: unknown;
  port?: unknown;
  portName?: unknown;
  host?: unknown;
  requestPath?: unknown;
  response?: unknown;
  proxyHeader?: unknown;
}

export interface Gateway extends KubeObject {
  spec?: { gatewayClassName?: string; listeners?: Array<{ name?: string; port?: number; protocol?: string; hostname?: string }> };
}

export interface HTTPRoute extends KubeObject {
  spec?: {
    parentRefs?: Array<{ group?: string; kind?: string; name: string; namespace?: string }>;
    hostnames?: string[];
    rules?: Array<{
      matches?: Array<{ path?: { type?: string; value?: string } }>;
      backendRefs?: Array<{ group?: string; kind?: string; name: string; namespace?: string; port?: number; weight?: number }>;
    }>;
  };
}

/**
 * Maps a pod IP and a port in the simulated pod network (10.8.x.y) to the loopback socket that
 * really listens for it. The playground's kubelet provides it; undefined means nothing listens
 * there (a probe to it fails like a refused connection).
 */
export type EndpointDialer = (podIP: string, port: number) => { host: string; port: number } | undefined;
