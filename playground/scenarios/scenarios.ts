// The playground's scenarios, applied through the ClusterClient as `kubectl apply -f` would: the
// demo namespace's six stories (YAML files beside this one, shown in playground/README.md) and the
// generated `scale` namespace of `--scale N`.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { ClusterError, resources, type ClusterClient, type KubeObject, type ResourceRef } from "../cluster/client.ts";

export const DEMO_NAMESPACE = "demo";
export const SCALE_NAMESPACE = "scale";
export const DEMO_DIR = join(dirname(fileURLToPath(import.meta.url)), "demo");

/** The kinds scenarios use, in the order they are applied (config before what reads it). */
const KINDS: Array<{ apiVersion: string; kind: string; res: ResourceRef }> = [
  { apiVersion: "v1", kind: "Namespace", res: resources.namespaces },
  { apiVersion: "cloud.google.com/v1", kind: "BackendConfig", res: resources.backendconfigs },
  { apiVersion: "networking.gke.io/v1", kind: "HealthCheckPolicy", res: resources.healthcheckpolicies },
  { apiVersion: "v1", kind: "ConfigMap", res: resources.configmaps },
  // Services before Deployments: GKE adds the NEG readiness gate only to pods created while their
  // NEG Service exists (gke-neg.md §5), as when a team applies the Service first.
  { apiVersion: "v1", kind: "Service", res: resources.services },
  { apiVersion: "apps/v1", kind: "Deployment", res: resources.deployments },
  { apiVersion: "networking.k8s.io/v1", kind: "Ingress", res: resources.ingresses },
  { apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", res: resources.gateways },
  { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", res: resources.httproutes },
];

export function resourceOf(obj: KubeObject): ResourceRef {
  const k = KINDS.find((x) => x.apiVersion === obj.apiVersion && x.kind === obj.kind);
  if (!k) throw new Error(`scenarios: no resource known for ${obj.apiVersion} ${obj.kind}`);
  return k.res;
}

/** Parses every `*.yaml` of a directory (sorted by file name) into objects. */
export function loadManifests(dir = DEMO_DIR): KubeObject[] {
  const out: KubeObject[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), "utf8"))) {
      if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0]!.message}`);
      const obj = doc.toJS() as KubeObject | null;
      if (obj) out.push(obj);
    }
  }
  return out;
}

/** Creates each object, or replaces the stored one when it exists (what `kubectl apply` ends up doing). */
export async function applyObject(client: ClusterClient, obj: KubeObject): Promise<KubeObject> {
  const res = resourceOf(obj);
  try {
    return await client.create(res, obj);
  } catch (err) {
    if (!(err instanceof ClusterError && err.code === 409)) throw err;
    const current = await client.get(res, obj.metadata.namespace, obj.metadata.name);
    if (!current) throw err;
    const next: KubeObject = {
      ...current,
      ...obj,
      metadata: { ...current.metadata, ...obj.metadata, resourceVersion: current.metadata.resourceVersion },
    };
    if ("status" in current) next.status = current.status;
    return await client.update(res, next);
  }
}

/** Applies objects kind by kind in KINDS order; objects of one kind go in parallel batches. */
export async function applyObjects(client: ClusterClient, objects: KubeObject[], batch = 500): Promise<void> {
  const order = (o: KubeObject) => {
    const i = KINDS.findIndex((k) => k.apiVersion === o.apiVersion && k.kind === o.kind);
    return i < 0 ? KINDS.length : i;
  };
  const groups = new Map<number, KubeObject[]>();
  for (const o of objects) {
    const i = order(o);
    groups.set(i, [...(groups.get(i) ?? []), o]);
  }
  for (const i of [...groups.keys()].sort((a, b) => a - b)) {
    const group = groups.get(i)!;
    for (let j = 0; j < group.length; j += batch) {
      await Promise.all(group.slice(j, j + batch).map((o) => applyObject(client, o)));
    }
  }
}

/** Kinds that ask for a load balancer: applied once the pods exist (see applyScenario). */
export function isLoadBalancerKind(o: KubeObject): boolean {
  return (o.kind === "Ingress" && o.apiVersion.startsWith("networking.k8s.io/"))
    || (o.kind === "Gateway" && o.apiVersion.startsWith("gateway.networking.k8s.io/"))
    || (o.kind === "HTTPRoute" && o.apiVersion.startsWith("gateway.networking.k8s.io/"));
}

/**
 * Applies a scenario in two steps, like a team whose Deployment is running before the load
 * balancer is provisioned: first everything but Ingresses, Gateways and HTTPRoutes, then — once
 * `podsExist` says the Deployments' pods are there — those. The order matters on GKE: the health
 * check is inferred from a readinessProbe only when it is created and only from an existing pod
 * (gke-neg.md §4), and the readiness gate is added only to pods created while their NEG Service
 * exists (gke-neg.md §5).
 */
export async function applyScenario(client: ClusterClient, objects: KubeObject[], podsExist: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  await applyObjects(client, objects.filter((o) => !isLoadBalancerKind(o)));
  const deadline = Date.now() + timeoutMs;
  while (!(await podsExist())) {
    if (Date.now() > deadline) throw new Error("scenario: the Deployments' pods were not created in time");
    await new Promise((r) => setTimeout(r, 10));
  }
  await applyObjects(client, objects.filter(isLoadBalancerKind));
}

/** "ns/name" of every Ingress and Gateway among the objects: the load balancers they ask for. */
export function loadBalancerKeys(objects: KubeObject[]): string[] {
  return objects
    .filter((o) => (o.kind === "Ingress" && o.apiVersion.startsWith("networking.k8s.io/")) || (o.kind === "Gateway" && o.apiVersion.startsWith("gateway.networking.k8s.io/")))
    .map((o) => `${o.metadata.namespace ?? "default"}/${o.metadata.name}`);
}

/** Deployments among the objects, as "ns/name". */
export function deploymentKeys(objects: KubeObject[]): string[] {
  return objects.filter((o) => o.kind === "Deployment").map((o) => `${o.metadata.namespace ?? "default"}/${o.metadata.name}`);
}

export function demoObjects(): KubeObject[] {
  return loadManifests(DEMO_DIR);
}

/** Services per generated Ingress in the scale namespace (one path rule each). */
export const SCALE_SERVICES_PER_INGRESS = 50;

/**
 * `--scale N`: N generated services in namespace `scale`, each a Deployment of 3 demo-app pods and
 * a Service with Ingress NEGs; every third has a BackendConfig. Ingresses route 50 services each by
 * path (`/svc-00001` …), so N services ask for ceil(N/50) load balancers.
 */
export function scaleObjects(n: number): KubeObject[] {
  const out: KubeObject[] = [];
  if (n <= 0) return out;
  const ns = SCALE_NAMESPACE;
  out.push({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  const width = Math.max(5, String(n).length);
  const names: string[] = [];
  for (let i = 1; i <= n; i++) {
    const name = `svc-${String(i).padStart(width, "0")}`;
    names.push(name);
    const labels = { app: name, "playground.switchboard.dev/scenario": "scale" };
    const withConfig = i % 3 === 0;
    out.push({
      apiVersion: "apps/v1", kind: "Deployment",
      metadata: { name, namespace: ns, labels },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels },
          spec: { containers: [{ name: "demo-app", image: "switchboard/demo-app:1.4.0", ports: [{ name: "http", containerPort: 8080 }] }] },
        },
      },
    });
    out.push({
      apiVersion: "v1", kind: "Service",
      metadata: {
        name, namespace: ns, labels,
        annotations: {
          "cloud.google.com/neg": '{"ingress": true}',
          ...(withConfig ? { "cloud.google.com/backend-config": JSON.stringify({ default: name }) } : {}),
        },
      },
      spec: { type: "ClusterIP", selector: { app: name }, ports: [{ name: "http", port: 8080, targetPort: "http", protocol: "TCP" }] },
    });
    if (withConfig) {
      out.push({
        apiVersion: "cloud.google.com/v1", kind: "BackendConfig",
        metadata: { name, namespace: ns },
        spec: { healthCheck: { type: "HTTP", requestPath: "/healthz", checkIntervalSec: 15, timeoutSec: 5, healthyThreshold: 1, unhealthyThreshold: 2 } },
      });
    }
  }
  for (let g = 0; g * SCALE_SERVICES_PER_INGRESS < names.length; g++) {
    const group = names.slice(g * SCALE_SERVICES_PER_INGRESS, (g + 1) * SCALE_SERVICES_PER_INGRESS);
    out.push({
      apiVersion: "networking.k8s.io/v1", kind: "Ingress",
      metadata: { name: `ingress-${String(g + 1).padStart(3, "0")}`, namespace: ns, annotations: { "kubernetes.io/ingress.class": "gce" } },
      spec: {
        defaultBackend: { service: { name: group[0], port: { number: 8080 } } },
        rules: [{
          http: {
            paths: group.map((svc) => ({ path: `/${svc}`, pathType: "Prefix", backend: { service: { name: svc, port: { number: 8080 } } } })),
          },
        }],
      },
    });
  }
  return out;
}
