import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiServer } from "../apiserver/server.ts";
import type { ApiServer } from "../apiserver/server.ts";
import { Store } from "../apiserver/store.ts";
import { ClusterError, resources } from "./client.ts";
import type { KubeObject, WatchEvent } from "./client.ts";
import { HttpClusterClient } from "./http-client.ts";

const TOKEN = "http-client-test-token";

function configMap(name: string, data: Record<string, string> = {}): KubeObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" }, data };
}

async function failure(p: Promise<unknown>): Promise<ClusterError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ClusterError) return err;
    throw err;
  }
  throw new Error("expected a ClusterError");
}

/** Waits for a condition the code under test makes true (no timing is asserted). */
async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("HttpClusterClient against the playground API server", () => {
  let store: Store;
  let server: ApiServer;
  let client: HttpClusterClient;

  beforeAll(async () => {
    store = new Store({ historyPerResource: 50 });
    server = await startApiServer({ store, token: TOKEN, bookmarkIntervalMs: 50 });
    client = new HttpClusterClient({ server: server.url, token: TOKEN, ca: server.ca, reconnectDelayMs: 20 });
  });

  afterAll(async () => {
    client.close();
    await server.close();
  });

  it("does CRUD over HTTPS with the server's CA and a bearer token", async () => {
    const created = await client.create(resources.configmaps, configMap("crud", { a: "1" }));
    expect(created.metadata.uid).toBeDefined();
    const got = await client.get(resources.configmaps, "default", "crud");
    expect(got?.data).toEqual({ a: "1" });
    expect(await client.get(resources.configmaps, "default", "missing")).toBeUndefined();
    const updated = await client.update(resources.configmaps, { ...created, data: { a: "2" } });
    expect(Number(updated.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
    const stale = await failure(client.update(resources.configmaps, { ...created, data: { a: "3" } }));
    expect(stale.code).toBe(409);
    const merged = await client.patch(resources.configmaps, "default", "crud", "merge", { data: { b: "x" } });
    expect(merged.data).toEqual({ a: "2", b: "x" });
    const jsonPatched = await client.patch(resources.configmaps, "default", "crud", "json", [{ op: "remove", path: "/data/a" }]);
    expect(jsonPatched.data).toEqual({ b: "x" });
    const list = await client.list(resources.configmaps, { namespace: "default", fieldSelector: "metadata.name=crud" });
    expect(list.items.map((i) => `${i.kind}/${i.metadata.name}`)).toEqual(["ConfigMap/crud"]);
    await client.delete(resources.configmaps, "default", "crud");
    expect(await client.get(resources.configmaps, "default", "crud")).toBeUndefined();
    const invalid = await failure(client.create(resources.configmaps, configMap("Bad_Name")));
    expect(invalid.code).toBe(422);
    expect(invalid.details?.causes?.[0]?.field).toBe("metadata.name");
  });

  it("writes status through the status subresource and cluster-scoped kinds without a namespace", async () => {
    const pod = await client.create(resources.pods, {
      apiVersion: "v1", kind: "Pod", metadata: { name: "st", namespace: "default" }, spec: { containers: [{ name: "c", image: "i:1" }] },
    });
    const running = await client.updateStatus(resources.pods, { ...pod, status: { phase: "Running" }, spec: { containers: [{ name: "c", image: "ignored:2" }] } });
    expect((running.status as { phase: string }).phase).toBe("Running");
    expect((running.spec as { containers: Array<{ image: string }> }).containers[0]!.image).toBe("i:1");
    const patched = await client.patchStatus(resources.pods, "default", "st", "merge", { status: { podIP: "10.8.0.9" }, metadata: { labels: { ignored: "yes" } } });
    expect(patched.status).toEqual({ phase: "Running", podIP: "10.8.0.9" });
    expect(patched.metadata.labels).toBeUndefined();
    const notStatus = await client.patch(resources.pods, "default", "st", "merge", { status: { phase: "Failed" } });
    expect((notStatus.status as { phase: string }).phase).toBe("Running"); // status is the subresource's
    const ns = await client.create<KubeObject>(resources.namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name: "http-client" } });
    expect(ns.metadata.namespace).toBeUndefined();
    const all = await client.list(resources.namespaces);
    expect(all.items.map((n) => n.metadata.name)).toContain("http-client");
  });

  it("watches, reconnects after the server restarts on the same port, and re-lists on 410", async () => {
    await client.create(resources.configmaps, configMap("w1"));
    const events: WatchEvent[] = [];
    const stop = client.watch(resources.configmaps, { namespace: "default", labelSelector: "" }, (e) => events.push(e));
    const seen = (type: string, name: string) => events.some((e) => e.type === type && e.object.metadata.name === name);
    await until(() => seen("ADDED", "w1"), "the initial ADDED");
    await client.create(resources.configmaps, configMap("w2"));
    await until(() => seen("ADDED", "w2"), "a live ADDED");

    // Restart: same store, same port, same certificate. Changes made meanwhile arrive after reconnecting.
    const port = server.port;
    const cert = server.cert;
    await server.close();
    await store.update(resources.configmaps, { ...store.get(resources.configmaps, "default", "w1")!, data: { during: "outage" } });
    server = await startApiServer({ store, token: TOKEN, port, tls: cert, bookmarkIntervalMs: 50 });
    await until(() => events.some((e) => e.type === "MODIFIED" && e.object.metadata.name === "w1" && e.object.data !== undefined), "the change made while the server was down");

    // 410: the server loses its history while down; the client re-lists and reports the difference.
    await server.close();
    await store.delete(resources.configmaps, "default", "w2");
    await store.create(resources.configmaps, configMap("w3"));
    store.compact();
    const before = events.length;
    server = await startApiServer({ store, token: TOKEN, port, tls: cert, bookmarkIntervalMs: 50 });
    await until(() => seen("DELETED", "w2") && seen("ADDED", "w3"), "the re-list after 410");
    const after = events.slice(before).map((e) => `${e.type} ${e.object.metadata.name}`);
    expect(after).toContain("DELETED w2");
    expect(after).toContain("ADDED w3");
    expect(after).not.toContain("ADDED w1"); // unchanged objects are not reported again

    await client.create(resources.configmaps, configMap("w4"));
    await until(() => seen("ADDED", "w4"), "live events after the re-list");
    stop();
  });

  it("starts a watch from a given resourceVersion without listing", async () => {
    const from = (await client.list(resources.configmaps, { namespace: "default" })).resourceVersion;
    await client.create(resources.configmaps, configMap("after-rv"));
    const events: WatchEvent[] = [];
    const stop = client.watch(resources.configmaps, { namespace: "default", resourceVersion: from }, (e) => events.push(e));
    await until(() => events.length > 0, "the first event");
    stop();
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(["ADDED after-rv"]);
  });

  it("learns the scope of a kind from discovery, also of a CRD created after it started", async () => {
    const crd = (plural: string, kind: string, scope: string): KubeObject => ({
      apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: `${plural}.example.com` },
      spec: { group: "example.com", scope, names: { plural, kind }, versions: [{ name: "v1", served: true, storage: true }] },
    });
    await client.create(resources.customresourcedefinitions, crd("widgets", "Widget", "Namespaced"));
    await client.list({ group: "example.com", version: "v1", plural: "widgets" }); // example.com/v1 discovery is cached now
    await client.create(resources.customresourcedefinitions, crd("gadgets", "Gadget", "Cluster"));
    const gadgets = { group: "example.com", version: "v1", plural: "gadgets" };
    const g = await client.create<KubeObject>(gadgets, { apiVersion: "example.com/v1", kind: "Gadget", metadata: { name: "g1" } });
    expect(g.metadata.namespace).toBeUndefined();
    expect((await client.get(gadgets, undefined, "g1"))?.metadata.uid).toBe(g.metadata.uid);
  });

  it("reports an unreachable or unauthorized server as ClusterError", async () => {
    const noToken = new HttpClusterClient({ server: server.url, ca: server.ca });
    const err = await failure(noToken.list(resources.pods));
    expect([err.code, err.reason]).toEqual([401, "Unauthorized"]);
    noToken.close();
    const wrongCA = new HttpClusterClient({ server: server.url, token: TOKEN });
    const tls = await failure(wrongCA.list(resources.pods));
    expect(tls.code).toBe(503);
    wrongCA.close();
  });
});
