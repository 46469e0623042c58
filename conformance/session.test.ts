// The app's cluster access and watch cache (app/kube session + cache) against the REAL kube-apiserver:
// list + watch of every default kind (our CRDs served, a GKE kind not installed), a patch by the real
// kubectl reaching the change signal, 410 Gone on resume after etcd compaction → a new list, and the
// limited user (RBAC) seeing forbidden kinds without the session failing.
import { KubeConfig } from "@kubernetes/client-node";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { CacheChange } from "../app/kube/cache.ts";
import { DEFAULT_KINDS, PODS, SERVICES, type KindSpec } from "../app/kube/kinds.ts";
import { openSession, type ClusterSession } from "../app/kube/session.ts";
import { resources } from "../playground/cluster/client.ts";
import { ensureDefaultServiceAccount, etcdCompact, VIEWER_NAMESPACE } from "./cluster.ts";
import { adminClient, kubectl, realCluster, until } from "./env.ts";

const NS = "session";
/** A real GKE kind our CRDs do not define. */
const FRONTENDCONFIGS: KindSpec = { key: "frontendconfigs", group: "networking.gke.io", version: "v1beta1", plural: "frontendconfigs", kind: "FrontendConfig", optional: true };
/** ConfigMaps: the one kind the conformance server watches straight from etcd (no watch cache), so compaction means 410 on resume. */
const CONFIGMAPS: KindSpec = { key: "configmaps", group: "", version: "v1", plural: "configmaps", kind: "ConfigMap", optional: false };

let session: ClusterSession | undefined;
afterEach(() => {
  session?.close();
  session = undefined;
});

function kc(path: string): KubeConfig {
  const k = new KubeConfig();
  k.loadFromFile(path);
  return k;
}

function names(s: ClusterSession, kind = "services"): string[] {
  return s.snapshot().objects[kind]!.map((o) => o.metadata.name).sort();
}

beforeAll(async () => {
  const client = adminClient();
  await client.create(resources.namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  await ensureDefaultServiceAccount(client, NS);
  for (const name of ["web", "api"]) {
    await client.create(resources.services, { apiVersion: "v1", kind: "Service", metadata: { name, namespace: NS }, spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] } });
  }
  await client.create(resources.backendconfigs, { apiVersion: "cloud.google.com/v1", kind: "BackendConfig", metadata: { name: "web", namespace: NS }, spec: { healthCheck: { requestPath: "/healthz" } } });
  client.close();
});

describe("app/kube session against the real kube-apiserver", () => {
  it("lists and watches every default kind; a kubectl patch reaches the change signal with only that object", async () => {
    const c = realCluster();
    session = openSession({ kubeConfig: kc(c.kubeconfig), context: "conformance", namespace: NS, kinds: [...DEFAULT_KINDS, FRONTENDCONFIGS], coalesceMs: 25, backoff: { baseMs: 20, maxMs: 200 } });
    const changes: CacheChange[] = [];
    session.onChange((change) => changes.push(change));
    await until("connected", () => session!.connection().phase === "connected");
    expect(session.connection()).toMatchObject({ context: "conformance", namespace: NS, error: null });
    expect(names(session)).toEqual(["api", "web"]);
    const kinds = session.snapshot().kinds;
    for (const k of ["backendconfigs", "servicenetworkendpointgroups", "healthcheckpolicies", "gateways", "httproutes"]) expect(kinds[k]!.phase, k).toBe("live");
    expect(kinds.frontendconfigs).toMatchObject({ phase: "not-installed", error: { code: "not-installed" } });
    expect(session.snapshot().objects.backendconfigs!.map((o) => o.metadata.name)).toEqual(["web"]);

    session.cache.flush();
    const before = changes.length;
    const r = await kubectl(c.kubeconfig, ["-n", NS, "patch", "service", "web", "--type=merge", "-p", '{"metadata":{"labels":{"patched-by":"kubectl"}}}']);
    expect(r.code, r.stderr).toBe(0);
    await until("kubectl patch signalled", () => changes.slice(before).some((ch) => ch.objects.services?.upserted.includes(`${NS}/web`)));
    const hit = changes.slice(before).find((ch) => ch.objects.services?.upserted.includes(`${NS}/web`))!;
    expect(hit.objects.services!.upserted).toEqual([`${NS}/web`]);
    const web = session.snapshot().objects.services!.find((o) => o.metadata.name === "web")!;
    expect(web.metadata.labels).toEqual({ "patched-by": "kubectl" });
    // The real server sends managedFields on every object; the cache drops them.
    expect(web.metadata.managedFields).toBeUndefined();
  });

  it("410 Gone on resume after etcd compaction → lists again and matches the server", async () => {
    const c = realCluster();
    const client = adminClient();
    await client.create(resources.configmaps, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: NS }, data: { x: "1" } });
    await client.create(resources.configmaps, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "b", namespace: NS }, data: { x: "1" } });
    // The server ends each watch after 1 s; the resume then meets the compacted history.
    session = openSession({ kubeConfig: kc(c.kubeconfig), context: "conformance", namespace: NS, kinds: [CONFIGMAPS, SERVICES], watchTimeoutSeconds: 1, backoff: { baseMs: 20, maxMs: 200 } });
    await until("connected", () => session!.connection().phase === "connected");
    expect(session.snapshot().kinds.configmaps!.lists).toBe(1);
    // Another kind moves etcd's revision past ours, then history up to it is dropped.
    await client.create(resources.services, { apiVersion: "v1", kind: "Service", metadata: { name: "bump", namespace: NS }, spec: { ports: [{ port: 80 }] } });
    await etcdCompact(c.etcdUrl);
    await until("relisted", () => session!.snapshot().kinds.configmaps!.lists >= 2, 15_000);
    await client.delete(resources.configmaps, NS, "a");
    await until("a gone", () => names(session!, "configmaps").join() === "b,kube-root-ca.crt" || names(session!, "configmaps").join() === "b");
    expect(session.connection().phase).toBe("connected");
    client.close();
  });

  it("the limited user: readable kinds are live, the others forbidden, the session still connected", async () => {
    const c = realCluster();
    const client = adminClient();
    if (!(await client.get(resources.services, VIEWER_NAMESPACE, "web"))) {
      await client.create(resources.services, { apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: VIEWER_NAMESPACE }, spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] } });
    }
    client.close();
    session = openSession({ kubeConfig: kc(c.viewerKubeconfig), context: "conformance", namespace: VIEWER_NAMESPACE, kinds: DEFAULT_KINDS, backoff: { baseMs: 20, maxMs: 200 } });
    await until("settled", () => session!.connection().phase === "connected" || session!.connection().phase === "error", 15_000);
    const kinds = session.snapshot().kinds;
    expect(session.connection().phase).toBe("connected");
    expect(kinds.services!.phase).toBe("live");
    expect(kinds.pods!.phase).toBe("live");
    expect(kinds.deployments).toMatchObject({ phase: "forbidden", error: { code: "forbidden" } });
    expect(kinds.backendconfigs).toMatchObject({ phase: "forbidden" });
    expect(names(session)).toContain("web");
  });

  it("namespaces are listed for the picker; the limited user (403 on namespaces) gets its own namespace", async () => {
    const c = realCluster();
    session = openSession({ kubeConfig: kc(c.kubeconfig), context: "conformance", namespace: NS, kinds: [SERVICES, PODS] });
    expect(await session.listNamespaces()).toEqual(expect.arrayContaining(["default", NS, VIEWER_NAMESPACE, "kube-system"]));
    session.close();
    session = openSession({ kubeConfig: kc(c.viewerKubeconfig), context: "conformance", namespace: VIEWER_NAMESPACE, kinds: [SERVICES] });
    expect(await session.listNamespaces()).toEqual([VIEWER_NAMESPACE]);
  });
});
