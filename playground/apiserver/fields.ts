// Unknown fields. kube-apiserver decodes built-in kinds into Go structs and prunes custom resources
// to their structural schema, so a field it does not know never reaches storage: with
// `fieldValidation=Strict` (kubectl's default) the request fails, with `Warn` (the default for other
// clients) it answers with a warning, with `Ignore` it drops the field silently.
// The schemas below list the fields of the structs the playground's kinds use; a subtree marked
// OPEN is not checked (maps such as labels, and structs the playground does not look into).
// Arrays are checked element by element against the same schema.

type Schema = { [field: string]: Schema | typeof OPEN };
const OPEN = true;

export type FieldValidation = "Strict" | "Warn" | "Ignore";

const objectMeta: Schema = {
  name: OPEN, generateName: OPEN, namespace: OPEN, selfLink: OPEN, uid: OPEN, resourceVersion: OPEN, generation: OPEN,
  creationTimestamp: OPEN, deletionTimestamp: OPEN, deletionGracePeriodSeconds: OPEN, labels: OPEN, annotations: OPEN,
  ownerReferences: OPEN, finalizers: OPEN, managedFields: OPEN,
};

const httpGet: Schema = { path: OPEN, port: OPEN, host: OPEN, scheme: OPEN, httpHeaders: OPEN };
const probe: Schema = {
  exec: OPEN, httpGet, tcpSocket: OPEN, grpc: OPEN, initialDelaySeconds: OPEN, timeoutSeconds: OPEN, periodSeconds: OPEN,
  successThreshold: OPEN, failureThreshold: OPEN, terminationGracePeriodSeconds: OPEN,
};
const container: Schema = {
  name: OPEN, image: OPEN, command: OPEN, args: OPEN, workingDir: OPEN,
  ports: { name: OPEN, hostPort: OPEN, containerPort: OPEN, protocol: OPEN, hostIP: OPEN },
  envFrom: OPEN, env: OPEN, resources: OPEN, resizePolicy: OPEN, restartPolicy: OPEN, volumeMounts: OPEN, volumeDevices: OPEN,
  livenessProbe: probe, readinessProbe: probe, startupProbe: probe, lifecycle: OPEN, terminationMessagePath: OPEN,
  terminationMessagePolicy: OPEN, imagePullPolicy: OPEN, securityContext: OPEN, stdin: OPEN, stdinOnce: OPEN, tty: OPEN,
};
const podSpec: Schema = {
  volumes: OPEN, initContainers: container, containers: container, ephemeralContainers: OPEN, restartPolicy: OPEN,
  terminationGracePeriodSeconds: OPEN, activeDeadlineSeconds: OPEN, dnsPolicy: OPEN, nodeSelector: OPEN, serviceAccountName: OPEN,
  serviceAccount: OPEN, automountServiceAccountToken: OPEN, nodeName: OPEN, hostNetwork: OPEN, hostPID: OPEN, hostIPC: OPEN,
  shareProcessNamespace: OPEN, securityContext: OPEN, imagePullSecrets: OPEN, hostname: OPEN, subdomain: OPEN, affinity: OPEN,
  schedulerName: OPEN, tolerations: OPEN, hostAliases: OPEN, priorityClassName: OPEN, priority: OPEN, dnsConfig: OPEN,
  readinessGates: OPEN, runtimeClassName: OPEN, enableServiceLinks: OPEN, preemptionPolicy: OPEN, overhead: OPEN,
  topologySpreadConstraints: OPEN, setHostnameAsFQDN: OPEN, os: OPEN, hostUsers: OPEN, schedulingGates: OPEN,
  resourceClaims: OPEN, resources: OPEN,
};
const template: Schema = { metadata: objectMeta, spec: podSpec };
const top = (extra: Schema): Schema => ({ apiVersion: OPEN, kind: OPEN, metadata: objectMeta, ...extra });

/** gke-neg.md §7. */
const hcpHttp: Schema = { host: OPEN, requestPath: OPEN, response: OPEN, port: OPEN, portName: OPEN, portSpecification: OPEN, proxyHeader: OPEN };

const schemas: Record<string, Schema> = {
  Pod: top({ spec: podSpec, status: OPEN }),
  Deployment: top({
    spec: { replicas: OPEN, selector: OPEN, template, strategy: OPEN, minReadySeconds: OPEN, revisionHistoryLimit: OPEN, paused: OPEN, progressDeadlineSeconds: OPEN },
    status: OPEN,
  }),
  ReplicaSet: top({ spec: { replicas: OPEN, minReadySeconds: OPEN, selector: OPEN, template }, status: OPEN }),
  Service: top({
    spec: {
      ports: { name: OPEN, protocol: OPEN, appProtocol: OPEN, port: OPEN, targetPort: OPEN, nodePort: OPEN },
      selector: OPEN, clusterIP: OPEN, clusterIPs: OPEN, type: OPEN, externalIPs: OPEN, sessionAffinity: OPEN, loadBalancerIP: OPEN,
      loadBalancerSourceRanges: OPEN, externalName: OPEN, externalTrafficPolicy: OPEN, healthCheckNodePort: OPEN,
      publishNotReadyAddresses: OPEN, sessionAffinityConfig: OPEN, ipFamilies: OPEN, ipFamilyPolicy: OPEN,
      allocateLoadBalancerNodePorts: OPEN, loadBalancerClass: OPEN, internalTrafficPolicy: OPEN, trafficDistribution: OPEN,
    },
    status: OPEN,
  }),
  ConfigMap: top({ data: OPEN, binaryData: OPEN, immutable: OPEN }),
  Secret: top({ data: OPEN, stringData: OPEN, type: OPEN, immutable: OPEN }),
  Namespace: top({ spec: OPEN, status: OPEN }),
  ServiceAccount: top({ secrets: OPEN, imagePullSecrets: OPEN, automountServiceAccountToken: OPEN }),
  Endpoints: top({ subsets: OPEN }),
  EndpointSlice: top({ addressType: OPEN, endpoints: OPEN, ports: OPEN }),
  Ingress: top({ spec: OPEN, status: OPEN }),
  // gke-neg.md §3: the BackendConfig spec fields (others' contents are not checked).
  BackendConfig: top({
    spec: {
      healthCheck: { checkIntervalSec: OPEN, timeoutSec: OPEN, healthyThreshold: OPEN, unhealthyThreshold: OPEN, type: OPEN, port: OPEN, requestPath: OPEN },
      iap: OPEN, cdn: OPEN, securityPolicy: OPEN, timeoutSec: OPEN, connectionDraining: OPEN, sessionAffinity: OPEN,
      customRequestHeaders: OPEN, customResponseHeaders: OPEN, logging: OPEN,
    },
    status: OPEN,
  }),
  HealthCheckPolicy: top({
    spec: {
      targetRef: { group: OPEN, kind: OPEN, name: OPEN, namespace: OPEN },
      default: {
        checkIntervalSec: OPEN, timeoutSec: OPEN, healthyThreshold: OPEN, unhealthyThreshold: OPEN, logConfig: OPEN,
        config: { type: OPEN, tcpHealthCheck: OPEN, httpHealthCheck: hcpHttp, httpsHealthCheck: hcpHttp, http2HealthCheck: hcpHttp, grpcHealthCheck: OPEN },
      },
    },
    status: OPEN,
  }),
};

function walk(value: unknown, schema: Schema, path: string, unknown: string[], prune: boolean): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => walk(v, schema, `${path}[${i}]`, unknown, prune));
    return;
  }
  if (value === null || typeof value !== "object") return;
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    const sub = schema[key];
    const p = path ? `${path}.${key}` : key;
    if (sub === undefined) {
      unknown.push(p);
      if (prune) delete obj[key];
    } else if (sub !== OPEN) walk(obj[key], sub, p, unknown, prune);
  }
}

/** The unknown fields of an object of `kind` (paths like `spec.template.spec.containers[0].imagePullPolcy`), removed from it. */
export function pruneUnknownFields(kind: string, object: unknown): string[] {
  const schema = schemas[kind];
  if (!schema) return [];
  const unknown: string[] = [];
  walk(object, schema, "", unknown, true);
  return unknown;
}
