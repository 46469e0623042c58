import { describe, expect, it } from "vitest";
import { ClusterError, resources } from "../cluster/client.ts";
import type { KubeObject, WatchEvent } from "../cluster/client.ts";
import { Store, StoreClient } from "./store.ts";
import type { StoreEvent } from "./store.ts";

function pod(name: string, labels: Record<string, string> = {}, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default", labels },
    spec: { containers: [{ name: "app", image: "nginx:1.27" }] }, ...extra,
  };
}

async function rejected(p: Promise<unknown>): Promise<ClusterError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ClusterError) return err;
    throw err;
  }
  throw new Error("expected a ClusterError");
}

function deployment(name: string): KubeObject {
  return {
    apiVersion: "apps/v1", kind: "Deployment", metadata: { name, namespace: "default" },
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "app", image: "web:1" }] } } },
  };
}

describe("Store", () => {
  it("stamps objects with uid, creationTimestamp, generation and a global resourceVersion", async () => {
    const store = new Store();
    const before = Number(store.resourceVersion);
    const a = await store.create(resources.pods, pod("a"));
    const b = await store.create(resources.configmaps, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "default" }, data: { k: "v" } });
    expect(Number(a.metadata.resourceVersion)).toBe(before + 1);
    expect(Number(b.metadata.resourceVersion)).toBe(before + 2);
    expect(a.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(a.metadata.generation).toBe(1);
    expect((a as { status?: { phase?: string } }).status?.phase).toBe("Pending");
    expect(store.list(resources.namespaces).items.map((n) => n.metadata.name)).toEqual(["default", "kube-node-lease", "kube-public", "kube-system"]);
    expect(store.get(resources.serviceaccounts, "default", "default")).toBeDefined();
  });

  it("bumps generation on spec changes only, and keeps status out of main-object updates", async () => {
    const store = new Store();
    const d = await store.create(resources.deployments, deployment("web"));
    const labelled = await store.update(resources.deployments, { ...d, metadata: { ...d.metadata, labels: { x: "y" } } });
    expect(labelled.metadata.generation).toBe(1);
    const withStatus = await store.update(resources.deployments, { ...labelled, status: { replicas: 3 } }, { subresource: "status" });
    expect(withStatus.metadata.generation).toBe(1);
    expect((withStatus as { status?: unknown }).status).toEqual({ replicas: 3 });
    const scaled = await store.update(resources.deployments, { ...withStatus, spec: { ...(withStatus.spec as object), replicas: 3 }, status: { replicas: 99 } });
    expect(scaled.metadata.generation).toBe(2);
    expect((scaled as { status?: unknown }).status).toEqual({ replicas: 3 });
  });

  it("rejects a stale resourceVersion with the real conflict message", async () => {
    const store = new Store();
    const a = await store.create(resources.pods, pod("x"));
    await store.update(resources.pods, { ...a, metadata: { ...a.metadata, labels: { v: "2" } } });
    const err = await rejected(store.update(resources.pods, { ...a, metadata: { ...a.metadata, labels: { v: "3" } } }));
    expect(err.code).toBe(409);
    expect(err.reason).toBe("Conflict");
    expect(err.message).toBe('Operation cannot be fulfilled on pods "x": the object has been modified; please apply your changes to the latest version and try again');
    const dep = await store.create(resources.deployments, deployment("d"));
    await store.patch(resources.deployments, "default", "d", "merge", { metadata: { labels: { a: "b" } } });
    const err2 = await rejected(store.update(resources.deployments, dep));
    expect(err2.message).toContain('Operation cannot be fulfilled on deployments.apps "d"');
  });

  it("answers 404 / 409 / 422 / 403 like kube-apiserver", async () => {
    const store = new Store();
    const nf = await rejected(store.create(resources.pods, { ...pod("p"), metadata: { name: "p", namespace: "nope" } }));
    expect([nf.code, nf.message]).toEqual([404, 'namespaces "nope" not found']);
    await store.create(resources.pods, pod("p"));
    const dup = await rejected(store.create(resources.pods, pod("p")));
    expect([dup.code, dup.reason, dup.message]).toEqual([409, "AlreadyExists", 'pods "p" already exists']);
    const bad = await rejected(store.create(resources.pods, { ...pod("Bad_Name", { "bad key!": "v" }), spec: { containers: [] } }));
    expect(bad.code).toBe(422);
    expect(bad.message).toMatch(/^Pod "Bad_Name" is invalid: \[metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
    expect(bad.details?.causes?.map((c) => c.field)).toEqual(["metadata.name", "metadata.labels", "spec.containers"]);
    const gone = await rejected(store.delete(resources.pods, "default", "missing"));
    expect([gone.code, gone.message]).toEqual([404, 'pods "missing" not found']);
    const prot = await rejected(store.delete(resources.namespaces, undefined, "default"));
    expect(prot.code).toBe(403);
  });

  it("validates HealthCheckPolicy per gke-neg.md §7 and applies its defaults", async () => {
    const store = new Store();
    const hcp = (def: Record<string, unknown>): KubeObject => ({
      apiVersion: "networking.gke.io/v1", kind: "HealthCheckPolicy", metadata: { name: "hc", namespace: "default" },
      spec: { targetRef: { group: "", kind: "Service", name: "web" }, default: def },
    });
    const fixedNoPort = await rejected(store.create(resources.healthcheckpolicies, hcp({ config: { type: "HTTP", httpHealthCheck: { portSpecification: "USE_FIXED_PORT" } } })));
    expect(fixedNoPort.code).toBe(422);
    expect(fixedNoPort.details?.causes?.[0]?.field).toBe("spec.default.config.httpHealthCheck.port");
    const timeout = await rejected(store.create(resources.healthcheckpolicies, hcp({ checkIntervalSec: 5, timeoutSec: 10 })));
    expect(timeout.message).toContain("timeoutSec must be less than or equal to checkIntervalSec");
    const range = await rejected(store.create(resources.healthcheckpolicies, hcp({ healthyThreshold: 11, checkIntervalSec: 301 })));
    expect(range.details?.causes?.map((c) => c.field).sort()).toEqual(["spec.default.checkIntervalSec", "spec.default.healthyThreshold"]);
    const servingWithPort = await rejected(store.create(resources.healthcheckpolicies, hcp({ config: { type: "HTTP", httpHealthCheck: { port: 8080 } } })));
    expect(servingWithPort.code).toBe(422);
    const ok = await store.create(resources.healthcheckpolicies, hcp({ config: { type: "HTTP", httpHealthCheck: { portSpecification: "USE_FIXED_PORT", port: 8081, requestPath: "/healthz" } } }));
    expect((ok.spec as { default: Record<string, unknown> }).default).toMatchObject({ checkIntervalSec: 5, timeoutSec: 5 });
    // BackendConfig: types only (gke-neg.md §3): TCP and negative numbers are accepted.
    await store.create(resources.backendconfigs, { apiVersion: "cloud.google.com/v1", kind: "BackendConfig", metadata: { name: "bc", namespace: "default" }, spec: { healthCheck: { type: "TCP", checkIntervalSec: -1 } } });
    const typed = await rejected(store.create(resources.backendconfigs, { apiVersion: "cloud.google.com/v1", kind: "BackendConfig", metadata: { name: "bc2", namespace: "default" }, spec: { healthCheck: { port: "80" } } }));
    expect(typed.code).toBe(422);
  });

  it("defaults services: clusterIP from 10.12.0.0/16, protocol TCP, targetPort = port", async () => {
    const store = new Store();
    const svc = await store.create(resources.services, { apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "default" }, spec: { selector: { app: "web" }, ports: [{ port: 80 }] } });
    const spec = svc.spec as { clusterIP: string; ports: Array<Record<string, unknown>>; type: string };
    expect(spec.clusterIP).toMatch(/^10\.12\.\d+\.\d+$/);
    expect(spec.ports[0]).toEqual({ port: 80, protocol: "TCP", targetPort: 80 });
    expect(spec.type).toBe("ClusterIP");
    // A replace without clusterIP keeps it.
    const replaced = await store.update(resources.services, { ...svc, spec: { selector: { app: "web" }, ports: [{ port: 81 }] } });
    expect((replaced.spec as { clusterIP: string }).clusterIP).toBe(spec.clusterIP);
  });

  it("filters by label and field selectors", async () => {
    const store = new Store();
    await store.create(resources.pods, pod("a", { app: "web", tier: "fe" }));
    await store.create(resources.pods, pod("b", { app: "web" }, { spec: { nodeName: "n1", containers: [{ name: "c", image: "i" }] } }));
    await store.create(resources.pods, pod("c", { app: "db" }));
    const names = (ls?: string, fs?: string) => store.list(resources.pods, { labelSelector: ls, fieldSelector: fs }).items.map((p) => p.metadata.name);
    expect(names("app=web")).toEqual(["a", "b"]);
    expect(names("app in (web,db),!tier")).toEqual(["b", "c"]);
    expect(names("app!=web")).toEqual(["c"]);
    expect(names("tier")).toEqual(["a"]);
    expect(names(undefined, "spec.nodeName=n1")).toEqual(["b"]);
    expect(names(undefined, "spec.nodeName=")).toEqual(["a", "c"]);
    expect(names(undefined, "metadata.name!=a,status.phase=Pending")).toEqual(["b", "c"]);
    expect(names(undefined, "metadata.namespace=default")).toHaveLength(3);
    expect(() => names("a b c")).toThrow(ClusterError);
    const page1 = store.list(resources.pods, { limit: 2 });
    expect(page1.items.map((p) => p.metadata.name)).toEqual(["a", "b"]);
    const page2 = store.list(resources.pods, { limit: 2, continue: page1.continue });
    expect(page2.items.map((p) => p.metadata.name)).toEqual(["c"]);
    expect(page2.continue).toBeUndefined();
  });

  it("keeps a bounded watch window: old versions are 410 Gone, selector transitions become ADDED/DELETED", async () => {
    const store = new Store({ historyPerResource: 3 });
    const start = store.resourceVersion;
    const a = await store.create(resources.pods, pod("a", { app: "web" }));
    const seen: StoreEvent[] = [];
    const stop = store.watch(resources.pods, { resourceVersion: start, labelSelector: "app=web" }, (e) => seen.push(e));
    await store.patch(resources.pods, "default", "a", "merge", { metadata: { labels: { app: "other" } } });
    await store.patch(resources.pods, "default", "a", "merge", { metadata: { labels: { app: "web" } } });
    await store.delete(resources.pods, "default", "a");
    stop();
    expect(seen.map((e) => e.type)).toEqual(["ADDED", "DELETED", "ADDED", "DELETED"]);
    expect(seen[0]!.object.metadata.uid).toBe(a.metadata.uid);
    for (let i = 0; i < 4; i++) await store.create(resources.pods, pod(`p${i}`));
    const err = (() => {
      try {
        store.watch(resources.pods, { resourceVersion: start }, () => {});
      } catch (e) {
        return e as ClusterError;
      }
    })();
    expect(err?.code).toBe(410);
    expect(err?.message).toMatch(/^too old resource version: \d+ \(\d+\)$/);
    // Other resources keep their own window.
    expect(() => store.watch(resources.services, { resourceVersion: start }, () => {})()).not.toThrow();
  });

  it("deletes with finalizers: deletionTimestamp first, gone when the finalizers are", async () => {
    const store = new Store();
    await store.create(resources.configmaps, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "f", namespace: "default", finalizers: ["example.com/keep"] } });
    const marked = await store.delete(resources.configmaps, "default", "f");
    expect(marked.metadata.deletionTimestamp).toBeDefined();
    expect(store.get(resources.configmaps, "default", "f")).toBeDefined();
    const err = await rejected(store.patch(resources.configmaps, "default", "f", "merge", { metadata: { finalizers: ["example.com/keep", "new"] } }));
    expect(err.code).toBe(422);
    await store.patch(resources.configmaps, "default", "f", "json", [{ op: "remove", path: "/metadata/finalizers" }]);
    expect(store.get(resources.configmaps, "default", "f")).toBeUndefined();
  });

  it("garbage-collects in the background: Deployment → ReplicaSets → Pods; Orphan keeps them", async () => {
    const store = new Store();
    const owner = (o: KubeObject) => [{ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, uid: o.metadata.uid!, controller: true, blockOwnerDeletion: true }];
    const d = await store.create(resources.deployments, deployment("web"));
    const rs = await store.create(resources.replicasets, { ...deployment("web-abc"), kind: "ReplicaSet", metadata: { name: "web-abc", namespace: "default", ownerReferences: owner(d) },
      spec: { ...(deployment("web").spec as object) } });
    await store.create(resources.pods, { ...pod("web-abc-1"), metadata: { name: "web-abc-1", namespace: "default", ownerReferences: owner(rs) } });
    await store.create(resources.pods, pod("unrelated"));
    await store.delete(resources.deployments, "default", "web");
    await store.settled();
    expect(store.list(resources.replicasets).items).toEqual([]);
    expect(store.list(resources.pods).items.map((p) => p.metadata.name)).toEqual(["unrelated"]);

    const d2 = await store.create(resources.deployments, deployment("keep"));
    await store.create(resources.replicasets, { ...deployment("keep-1"), kind: "ReplicaSet", metadata: { name: "keep-1", namespace: "default", ownerReferences: owner(d2) },
      spec: { ...(deployment("keep").spec as object) } });
    await store.delete(resources.deployments, "default", "keep", { propagationPolicy: "Orphan" });
    await store.settled();
    const orphan = store.get(resources.replicasets, "default", "keep-1");
    expect(orphan?.metadata.ownerReferences).toBeUndefined();

    // Foreground: the owner waits (finalizer foregroundDeletion) until its dependents are gone.
    const d3 = await store.create(resources.deployments, deployment("fg"));
    await store.create(resources.replicasets, { ...deployment("fg-1"), kind: "ReplicaSet", metadata: { name: "fg-1", namespace: "default", ownerReferences: owner(d3) },
      spec: { ...(deployment("fg").spec as object) } });
    const marked = await store.delete(resources.deployments, "default", "fg", { propagationPolicy: "Foreground" });
    expect(marked.metadata.finalizers).toEqual(["foregroundDeletion"]);
    expect(marked.metadata.deletionTimestamp).toBeDefined();
    await store.settled();
    expect(store.get(resources.replicasets, "default", "fg-1")).toBeUndefined();
    expect(store.get(resources.deployments, "default", "fg")).toBeUndefined();
  });

  it("deletes a namespace's content, then the namespace", async () => {
    const store = new Store();
    await store.create(resources.namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name: "team" } });
    await store.create(resources.pods, { ...pod("p"), metadata: { name: "p", namespace: "team" } });
    const terminating = await store.delete(resources.namespaces, undefined, "team");
    expect((terminating as { status?: { phase?: string } }).status?.phase).toBe("Terminating");
    const err = await rejected(store.create(resources.pods, { ...pod("q"), metadata: { name: "q", namespace: "team" } }));
    expect(err.code).toBe(403);
    await store.settled();
    expect(store.get(resources.namespaces, undefined, "team")).toBeUndefined();
    expect(store.list(resources.pods, { namespace: "team" }).items).toEqual([]);
  });

  it("runs mutating then validating admission hooks", async () => {
    const store = new Store();
    const remove = store.admission.addMutating({ name: "inject", resource: resources.pods, operations: ["CREATE"] }, async (req) => {
      const spec = req.object.spec as { containers: unknown[] };
      spec.containers.push({ name: "traffic-agent", image: "agent:1" });
    });
    store.admission.addValidating({ name: "deny-latest", resource: resources.pods }, (req) => {
      const spec = req.object.spec as { containers: Array<{ image: string }> };
      return spec.containers.some((c) => c.image.endsWith(":latest"))
        ? [{ field: "spec.containers", type: "Forbidden", detail: "no latest" }] : undefined;
    });
    const p = await store.create(resources.pods, pod("a"));
    expect((p.spec as { containers: Array<{ name: string }> }).containers.map((c) => c.name)).toEqual(["app", "traffic-agent"]);
    const err = await rejected(store.create(resources.pods, { ...pod("b"), spec: { containers: [{ name: "x", image: "x:latest" }] } }));
    expect(err.code).toBe(422);
    remove();
    const q = await store.create(resources.pods, pod("c"));
    expect((q.spec as { containers: unknown[] }).containers).toHaveLength(1);
  });

  it("patches: strategic merges containers by name, custom resources refuse strategic (415)", async () => {
    const store = new Store();
    const d = deployment("s");
    (d.spec as { template: { spec: unknown } }).template.spec = { containers: [{ name: "app", image: "a:1", env: [{ name: "A", value: "1" }] }, { name: "side", image: "s:1" }] };
    await store.create(resources.deployments, d);
    const p = await store.patch(resources.deployments, "default", "s", "strategic", { spec: { template: { spec: { containers: [{ name: "app", image: "a:2", env: [{ name: "B", value: "2" }] }] } } } });
    const cs = (p.spec as { template: { spec: { containers: Array<{ name: string; image: string; env?: unknown[] }> } } }).template.spec.containers;
    expect(cs.map((c) => `${c.name}=${c.image}`)).toEqual(["app=a:2", "side=s:1"]);
    expect(cs[0]!.env).toEqual([{ name: "A", value: "1" }, { name: "B", value: "2" }]);
    expect(p.metadata.generation).toBe(2);
    // Pod specs are immutable except images (kube-apiserver's rule).
    await store.create(resources.pods, pod("s"));
    const img = await store.patch(resources.pods, "default", "s", "strategic", { spec: { containers: [{ name: "app", image: "nginx:1.28" }] } });
    expect((img.spec as { containers: Array<{ image: string }> }).containers[0]!.image).toBe("nginx:1.28");
    const immutable = await rejected(store.patch(resources.pods, "default", "s", "strategic", { spec: { containers: [{ name: "app", env: [{ name: "X", value: "1" }] }] } }));
    expect([immutable.code, immutable.details?.causes?.[0]?.field]).toEqual([422, "spec"]);
    await store.create(resources.backendconfigs, { apiVersion: "cloud.google.com/v1", kind: "BackendConfig", metadata: { name: "bc", namespace: "default" }, spec: {} });
    const err = await rejected(store.patch(resources.backendconfigs, "default", "bc", "strategic", { spec: {} }));
    expect(err.code).toBe(415);
    const failed = await rejected(store.patch(resources.pods, "default", "s", "json", [{ op: "test", path: "/metadata/name", value: "other" }]));
    expect([failed.code, failed.message]).toEqual([422, "the server rejected our request due to an error in our request"]);
  });
});

describe("CustomResourceDefinitions", () => {
  it("serves the kind a CRD defines", async () => {
    const store = new Store();
    const crd = await store.create(resources.customresourcedefinitions, {
      apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "widgets.example.com" },
      spec: { group: "example.com", scope: "Namespaced", names: { plural: "widgets", kind: "Widget", shortNames: ["wd"] },
        versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object" } } }] },
    });
    expect((crd as { status?: { conditions?: Array<{ type: string; status: string }> } }).status?.conditions).toContainEqual(expect.objectContaining({ type: "Established", status: "True" }));
    const w = await store.create({ group: "example.com", version: "v1", plural: "widgets" }, { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w", namespace: "default" } });
    expect(w.metadata.uid).toBeDefined();
    const bad = await rejected(store.create(resources.customresourcedefinitions, { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "x.example.com" }, spec: { group: "example.com" } }));
    expect(bad.code).toBe(422);
  });
});

describe("StoreClient", () => {
  it("lists then watches, asynchronously and in order", async () => {
    const store = new Store();
    const client = new StoreClient(store);
    await client.create(resources.pods, pod("a"));
    const events: Array<WatchEvent> = [];
    const stop = client.watch(resources.pods, { namespace: "default" }, (e) => events.push(e));
    expect(events).toEqual([]);
    await client.patch(resources.pods, "default", "a", "merge", { metadata: { labels: { x: "1" } } });
    await client.delete(resources.pods, "default", "a");
    await new Promise((r) => setImmediate(r));
    stop();
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(["ADDED a", "MODIFIED a", "DELETED a"]);
    const updated = await client.create(resources.pods, pod("b"));
    const status = await client.updateStatus(resources.pods, { ...updated, status: { phase: "Running" } });
    expect((status as { status?: { phase?: string } }).status?.phase).toBe("Running");
    expect((await client.list(resources.pods, { fieldSelector: "status.phase=Running" })).items).toHaveLength(1);
  });
});
