// The watch cache against a loopback API server speaking the real list/watch JSON over real HTTP:
// initial list, live updates, coalesced change signals, 410 Gone, a server restart, a CRD that is not
// installed, RBAC that forbids one kind.
import { afterEach, describe, expect, it } from "vitest";
import { KubeConfig } from "@kubernetes/client-node";
import { backoffDelay, WatchCache, type CacheChange } from "./cache.ts";
import { connectionPhase, openSession, type ClusterSession } from "./session.ts";
import { BACKENDCONFIGS, DEFAULT_KINDS, PODS, SERVICES } from "./kinds.ts";
import { kubeconfigYaml, startLoopbackApiServer, type LoopbackApiServer } from "./loopback-apiserver.ts";

const FAST = { baseMs: 20, maxMs: 200 };

async function until(what: string, pred: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function kc(server: string): KubeConfig {
  const k = new KubeConfig();
  k.loadFromString(kubeconfigYaml(server));
  return k;
}

const svc = (name: string, extra: Record<string, unknown> = {}) => ({ metadata: { name, namespace: "shop", ...extra }, spec: { ports: [{ port: 80 }] } });

let server: LoopbackApiServer | undefined;
let session: ClusterSession | undefined;
afterEach(async () => {
  session?.close();
  session = undefined;
  await server?.close();
  server = undefined;
});

function names(s: ClusterSession, kind = "services"): string[] {
  return s.snapshot().objects[kind]!.map((o) => o.metadata.name).sort();
}

describe("watch cache", () => {
  it("lists, then follows the watch; bursts are coalesced into one change naming what changed", async () => {
    server = await startLoopbackApiServer({ kinds: [...DEFAULT_KINDS] });
    server.put(SERVICES, svc("web", { managedFields: [{ manager: "kubectl" }], annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{…}", keep: "me" } }));
    server.put(SERVICES, { metadata: { name: "elsewhere", namespace: "other" } });
    server.put(PODS, { metadata: { name: "web-1", namespace: "shop" }, status: { podIP: "10.0.0.1" } });
    session = openSession({ kubeConfig: kc(server.url), context: "test", backoff: FAST, coalesceMs: 25 });
    const changes: CacheChange[] = [];
    session.onChange((c) => changes.push(c));
    await until("connected", () => session!.connection().phase === "connected");

    const snap = session.snapshot();
    expect(snap.namespace).toBe("shop");
    const web = snap.objects.services![0]!;
    expect(names(session)).toEqual(["web"]); // only the session's namespace
    expect(web.kind).toBe("Service"); // list items get apiVersion/kind back
    expect(web.apiVersion).toBe("v1");
    expect(web.metadata.managedFields).toBeUndefined();
    expect(web.metadata.annotations).toEqual({ keep: "me" });
    // Custom kinds the cluster serves are live, those it does not are reported per kind.
    expect(snap.kinds.backendconfigs!.phase).toBe("live");

    session.cache.flush(); // deliver what the initial lists left pending: only the burst follows
    const before = changes.length;
    for (let i = 0; i < 50; i++) server.put(SERVICES, svc(`burst-${i}`));
    server.remove(SERVICES, "shop", "web");
    await until("burst seen", () => names(session!).length === 50);
    await until("burst flushed", () => changes.slice(before).some((c) => c.objects.services?.deleted.includes("shop/web")));
    const burst = changes.slice(before);
    // How many notifications a burst becomes depends on how the bytes arrive (timing): printed, not
    // asserted; the exact one-per-window rule is tested without a network below.
    console.log(`51 watch events → ${burst.length} change notification(s)`);
    const upserted = new Set(burst.flatMap((c) => c.objects.services?.upserted ?? []));
    expect(upserted.size).toBe(50);
    expect(burst.every((c) => !c.objects.pods)).toBe(true); // nothing else named as changed
  });

  it("410 Gone (mid-stream and on resume) → lists again, nothing stale survives", async () => {
    server = await startLoopbackApiServer({ kinds: [SERVICES] });
    server.put(SERVICES, svc("a"));
    server.put(SERVICES, svc("b"));
    session = openSession({ kubeConfig: kc(server.url), context: "test", kinds: [SERVICES], backoff: FAST });
    await until("connected", () => session!.connection().phase === "connected");
    const lists = session.snapshot().kinds.services!.lists;

    // Mid-stream: the server sends ERROR 410 and ends the watch.
    server.put(SERVICES, svc("c"));
    server.expireWatches();
    await until("relisted after ERROR 410", () => session!.snapshot().kinds.services!.lists === lists + 1);
    expect(names(session)).toEqual(["a", "b", "c"]);

    // The connection drops, "a" is deleted and history compacted while away: the relist removes "a".
    // (The 410-on-resume answer itself is exercised against the playground's API server.)
    server.dropWatches();
    server.remove(SERVICES, "shop", "a");
    server.compact();
    await until("a gone", () => !names(session!).includes("a"));
    expect(names(session)).toEqual(["b", "c"]);
    expect(session.snapshot().kinds.services!.lists).toBeGreaterThanOrEqual(lists + 2);
    expect(session.connection().phase).toBe("connected");
  });

  it("recovers from an API server restart and holds exactly the new state", async () => {
    server = await startLoopbackApiServer({ kinds: [SERVICES, PODS] });
    const port = server.port;
    server.put(SERVICES, svc("old-1"));
    server.put(SERVICES, svc("old-2"));
    session = openSession({ kubeConfig: kc(server.url), context: "test", kinds: [SERVICES, PODS], backoff: FAST });
    const phases: string[] = [];
    session.onConnection((s) => phases.push(s.phase));
    await until("connected", () => session!.connection().phase === "connected");
    expect(names(session)).toEqual(["old-1", "old-2"]);

    await server.close();
    await until("reconnecting", () => session!.connection().phase === "reconnecting");
    expect(session.connection().error?.code).toBe("unreachable");
    // A new server on the same port, with other objects and a LOWER resourceVersion (fresh etcd).
    server = await startLoopbackApiServer({ kinds: [SERVICES, PODS], port, startRv: 10 });
    server.put(SERVICES, svc("old-2", { labels: { changed: "yes" } }));
    server.put(SERVICES, svc("new-1"));
    await until("new state", () => names(session!).join() === "new-1,old-2" && session!.connection().phase === "connected");
    expect(session.snapshot().objects.services!.find((o) => o.metadata.name === "old-2")!.metadata.labels).toEqual({ changed: "yes" });
    expect(phases).toEqual(expect.arrayContaining(["connected", "reconnecting"]));
    // Live again after the restart.
    server.put(SERVICES, svc("new-2"));
    await until("live after restart", () => names(session!).includes("new-2"));
  });

  it("a CRD that is not installed is reported per kind; the session is still connected", async () => {
    server = await startLoopbackApiServer({ kinds: [SERVICES, BACKENDCONFIGS] });
    server.notInstalled.add("backendconfigs");
    session = openSession({ kubeConfig: kc(server.url), context: "test", kinds: [SERVICES, BACKENDCONFIGS], backoff: FAST });
    await until("connected", () => session!.connection().phase === "connected");
    const bc = session.snapshot().kinds.backendconfigs!;
    expect(bc.phase).toBe("not-installed");
    expect(bc.error?.code).toBe("not-installed");
    expect(bc.error?.message).toContain("backendconfigs.cloud.google.com");
  });

  it("403 on one kind: it is reported forbidden, the others stay live", async () => {
    server = await startLoopbackApiServer({ kinds: [SERVICES, PODS] });
    server.forbidden.add("pods");
    server.put(PODS, { metadata: { name: "secret-pod", namespace: "shop" } });
    session = openSession({ kubeConfig: kc(server.url), context: "test", kinds: [SERVICES, PODS], backoff: FAST });
    await until("connected", () => session!.connection().phase === "connected");
    const pods = session.snapshot().kinds.pods!;
    expect(pods.phase).toBe("forbidden");
    expect(pods.error?.message).toBe('User "jane@example.com" is not allowed to list pods in namespace "shop".');
    expect(session.snapshot().objects.pods).toEqual([]);
    server.put(SERVICES, svc("still-live"));
    await until("services live", () => names(session!).includes("still-live"));
  });

  it("401 → error phase with auth-failed; reconnect() retries at once", async () => {
    server = await startLoopbackApiServer({ kinds: [SERVICES] });
    server.unauthorized = true;
    session = openSession({ kubeConfig: kc(server.url), context: "test", kinds: [SERVICES], backoff: { baseMs: 60_000, maxMs: 60_000 } });
    await until("error", () => session!.connection().phase === "error");
    expect(session.connection().error?.code).toBe("auth-failed");
    server.unauthorized = false;
    server.put(SERVICES, svc("x"));
    session.reconnect(); // without it, the next try would be a minute away
    await until("connected after reconnect", () => session!.connection().phase === "connected");
    expect(names(session)).toEqual(["x"]);
  });

  it("a silent watch is ended after the idle timeout and resumed from its resourceVersion, without a relist", async () => {
    server = await startLoopbackApiServer({ kinds: [SERVICES] });
    session = openSession({ kubeConfig: kc(server.url), context: "test", kinds: [SERVICES], backoff: FAST, watchIdleTimeoutMs: 150 });
    await until("connected", () => session!.connection().phase === "connected");
    const watchesBefore = server.requests.filter((r) => r.includes("watch=true")).length;
    await until("resumed watch", () => server!.requests.filter((r) => r.includes("watch=true")).length >= watchesBefore + 2);
    expect(session.snapshot().kinds.services!.lists).toBe(1);
    server.put(SERVICES, svc("after-idle"));
    await until("still live", () => names(session!).includes("after-idle"));
  });

  it("switching namespace keeps the client, re-lists, and flags the next change as a reset", async () => {
    server = await startLoopbackApiServer({ kinds: [SERVICES] });
    server.put(SERVICES, svc("in-shop"));
    server.put(SERVICES, { metadata: { name: "in-other", namespace: "other" } });
    session = openSession({ kubeConfig: kc(server.url), context: "test", kinds: [SERVICES], backoff: FAST });
    const changes: CacheChange[] = [];
    session.onChange((c) => changes.push(c));
    await until("connected", () => session!.connection().phase === "connected");
    expect(names(session)).toEqual(["in-shop"]);
    await until("first change", () => changes.length > 0);
    expect(session.setNamespace("other")).toMatchObject({ phase: "connecting", namespace: "other" });
    await until("connected to other", () => session!.connection().phase === "connected" && names(session!).join() === "in-other");
    await until("reset change", () => changes.some((c) => c.reset));
    session.cache.flush();
    const fromReset = changes.slice(changes.findIndex((c) => c.reset));
    expect(fromReset.filter((c) => c.reset)).toHaveLength(1);
    expect(fromReset.flatMap((c) => c.objects.services?.upserted ?? [])).toEqual(["other/in-other"]);
  });

  it("all namespaces (namespace: null) and paged lists", async () => {
    server = await startLoopbackApiServer({ kinds: [SERVICES] });
    for (let i = 0; i < 7; i++) server.put(SERVICES, { metadata: { name: `s${i}`, namespace: `ns${i % 3}` } });
    session = openSession({ kubeConfig: kc(server.url), context: "test", namespace: null, kinds: [SERVICES], pageSize: 3 });
    await until("connected", () => session!.connection().phase === "connected");
    expect(session.snapshot().objects.services).toHaveLength(7);
    expect(server.requests.some((r) => r.startsWith("GET /api/v1/services?limit=3"))).toBe(true);
  });
});

describe("pure parts", () => {
  it("coalesces: every change within one window is one notification; delete wins over upsert", async () => {
    const never = () => new Promise<never>(() => undefined);
    const cache = new WatchCache({ request: never, watch: never }, { namespace: "shop", kinds: [SERVICES, PODS], coalesceMs: 30 });
    const got: CacheChange[] = [];
    cache.onChange((c) => got.push(c));
    for (let i = 0; i < 1000; i++) cache.objectChanged("pods", `shop/p${i % 10}`, false);
    cache.objectChanged("services", "shop/web", false);
    cache.objectChanged("services", "shop/web", true);
    cache.objectChanged("services", "shop/api", true);
    cache.objectChanged("services", "shop/api", false);
    expect(got).toEqual([]); // nothing before the window closes
    await new Promise((r) => setTimeout(r, 60));
    expect(got).toHaveLength(1);
    expect(got[0]!.objects.pods!.upserted).toHaveLength(10);
    expect(got[0]!.objects.services).toEqual({ upserted: ["shop/api"], deleted: ["shop/web"] });
    cache.objectChanged("pods", "shop/p1", false);
    await new Promise((r) => setTimeout(r, 60));
    expect(got.map((c) => c.seq)).toEqual([1, 2]);
    cache.stop();
  });

  it("back-off grows exponentially, is capped, and is jittered", () => {
    const opts = { baseMs: 100, maxMs: 1000 };
    expect(backoffDelay(0, opts, () => 0)).toBe(50);
    expect(backoffDelay(0, opts, () => 1)).toBe(100);
    expect(backoffDelay(3, opts, () => 1)).toBe(800);
    expect(backoffDelay(10, opts, () => 1)).toBe(1000);
    expect(backoffDelay(10, opts, () => 0)).toBe(500);
  });

  it("connection phase from kind states", () => {
    const live = { phase: "live" as const, error: null, count: 0, resourceVersion: "1", lists: 1 };
    const err = { code: "unreachable" as const, message: "x" };
    const forbidden = { ...live, phase: "forbidden" as const, error: { code: "forbidden" as const, message: "no" } };
    expect(connectionPhase({ services: live, pods: live }, ["services", "pods"], false).phase).toBe("connected");
    expect(connectionPhase({ services: live, pods: { ...live, phase: "listing" } }, ["services"], false).phase).toBe("connecting");
    expect(connectionPhase({ services: live, pods: { ...live, phase: "backoff", error: err } }, ["services"], true)).toEqual({ phase: "reconnecting", error: err });
    expect(connectionPhase({ services: { ...live, phase: "backoff", error: err } }, ["services"], false).phase).toBe("error");
    const auth = { code: "auth-failed" as const, message: "x" };
    expect(connectionPhase({ services: { ...live, phase: "backoff", error: auth } }, ["services"], true).phase).toBe("error");
    expect(connectionPhase({ services: forbidden, pods: live }, ["services", "pods"], false).phase).toBe("connected");
    expect(connectionPhase({ services: forbidden, pods: forbidden }, ["services", "pods"], false).phase).toBe("error");
  });
});
