// The session and its watch cache against the playground's Kubernetes API server (HTTPS, bearer token,
// a kubeconfig file on disk), used only as a cluster: the real kubectl changes things in another
// process and the change must reach the change signal; 410 Gone re-lists; a restart on the same port
// with other objects ends with exactly the new state; a kind the cluster does not serve is reported.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { KubeConfig } from "@kubernetes/client-node";
import { startApiServer, kubeconfigFor, type ApiServer } from "../../playground/apiserver/server.ts";
import { Store, StoreClient } from "../../playground/apiserver/store.ts";
import type { CacheChange } from "./cache.ts";
import { DEFAULT_KINDS, PODS, SERVICES, type KindSpec } from "./kinds.ts";
import { openSession, type ClusterSession } from "./session.ts";

// The real client; from PATH where it is not at the image's place (the test needs it either way).
const KUBECTL = existsSync("/usr/bin/kubectl") ? "/usr/bin/kubectl" : "kubectl";
const TOKEN = "switchboard-test-token";
const NS = "shop";
const run = promisify(execFile);

const SVC_REF = { group: "", version: "v1", plural: "services" };
const POD_REF = { group: "", version: "v1", plural: "pods" };
const NS_REF = { group: "", version: "v1", plural: "namespaces" };
/** A real GKE kind the playground does not serve. */
const FRONTENDCONFIGS: KindSpec = { key: "frontendconfigs", group: "networking.gke.io", version: "v1beta1", plural: "frontendconfigs", kind: "FrontendConfig", optional: true };

async function until(what: string, pred: () => boolean, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function seed(store: Store, services: string[]): Promise<void> {
  const client = new StoreClient(store);
  await client.create(NS_REF, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  for (const name of services) {
    await client.create(SVC_REF, {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace: NS },
      spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] },
    });
  }
}

let dir = "";
let kubeconfigPath = "";
let store: Store;
let server: ApiServer;
let session: ClusterSession | undefined;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "sb-kube-playground-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  session?.close();
  session = undefined;
  await server?.close();
});

async function start(services: string[], port?: number, tls?: ApiServer["cert"], bookmarkIntervalMs = 1000): Promise<void> {
  store = new Store();
  await seed(store, services);
  server = await startApiServer({ store, token: TOKEN, bookmarkIntervalMs, ...(port ? { port } : {}), ...(tls ? { tls } : {}) });
  kubeconfigPath = path.join(dir, "kubeconfig");
  writeFileSync(kubeconfigPath, kubeconfigFor(server, TOKEN, NS));
}

function kc(): KubeConfig {
  const k = new KubeConfig();
  k.loadFromFile(kubeconfigPath);
  return k;
}

function names(s: ClusterSession, kind = "services"): string[] {
  return s.snapshot().objects[kind]!.map((o) => o.metadata.name).sort();
}

describe("session against the playground API server", () => {
  it("lists, follows the watch, and a patch by the real kubectl reaches the change signal", async () => {
    await start(["web", "api"]);
    session = openSession({ kubeConfig: kc(), context: "playground", kinds: [...DEFAULT_KINDS, FRONTENDCONFIGS], coalesceMs: 25, backoff: { baseMs: 20, maxMs: 200 } });
    const changes: Array<{ at: number; change: CacheChange }> = [];
    session.onChange((change) => changes.push({ at: performance.now(), change }));
    await until("connected", () => session!.connection().phase === "connected");
    expect(session.connection()).toMatchObject({ context: "playground", namespace: NS, error: null });
    expect(names(session)).toEqual(["api", "web"]);
    const kinds = session.snapshot().kinds;
    expect(kinds.backendconfigs!.phase).toBe("live");
    expect(kinds.servicenetworkendpointgroups!.phase).toBe("live");
    expect(kinds.frontendconfigs).toMatchObject({ phase: "not-installed", error: { code: "not-installed" } });

    // Live through the watch.
    await new StoreClient(store).create(POD_REF, { apiVersion: "v1", kind: "Pod", metadata: { name: "web-1", namespace: NS, labels: { app: "web" } }, spec: { containers: [{ name: "app", image: "web" }] } });
    await until("pod seen", () => names(session!, "pods").includes("web-1"));

    session.cache.flush(); // deliver what is pending, so only the patch's notification follows
    const before = changes.length;
    const t0 = performance.now();
    await run(KUBECTL, ["--kubeconfig", kubeconfigPath, "-n", NS, "patch", "service", "web", "--type=merge", "-p", '{"metadata":{"labels":{"patched-by":"kubectl"}}}']);
    const kubectlDone = performance.now();
    await until("kubectl patch signalled", () => changes.slice(before).some((c) => c.change.objects.services?.upserted.includes(`${NS}/web`)));
    const hit = changes.slice(before).find((c) => c.change.objects.services?.upserted.includes(`${NS}/web`))!;
    console.log(
      `kubectl patch: kubectl ran ${(kubectlDone - t0).toFixed(0)} ms; change signal ${(hit.at - t0).toFixed(0)} ms after kubectl started ` +
        `(${(hit.at - kubectlDone).toFixed(0)} ms after it exited; coalescing window 25 ms)`,
    );
    expect(hit.change.objects.services!.upserted).toEqual([`${NS}/web`]); // only what changed
    expect(hit.change.objects.pods).toBeUndefined();
    const web = session.snapshot().objects.services!.find((o) => o.metadata.name === "web")!;
    expect(web.metadata.labels).toEqual({ "patched-by": "kubectl" });
    expect(web.metadata.managedFields).toBeUndefined();
  });

  it("410 Gone on resume → lists again and matches the server", async () => {
    // No bookmarks in this test: a bookmark would (rightly) move our resourceVersion past the compaction.
    await start(["a", "b"], undefined, undefined, 600_000);
    // The server ends each watch after 1 s; the resume then meets the compacted history.
    session = openSession({ kubeConfig: kc(), context: "playground", kinds: [SERVICES, PODS], watchTimeoutSeconds: 1, backoff: { baseMs: 20, maxMs: 200 } });
    await until("connected", () => session!.connection().phase === "connected");
    expect(session.snapshot().kinds.services!.lists).toBe(1);
    const client = new StoreClient(store);
    // Another kind moves the global resourceVersion past ours, then history is dropped: resuming the
    // services watch from our version is now 410 Gone.
    await client.create(POD_REF, { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: NS }, spec: { containers: [{ name: "c", image: "x" }] } });
    store.compact();
    await until("relisted", () => session!.snapshot().kinds.services!.lists >= 2);
    await client.delete(SVC_REF, NS, "a");
    await until("a gone", () => names(session!).join() === "b");
    expect(session.connection().phase).toBe("connected");
  });

  it("an API server restart on the same port with other objects: recovers and holds exactly the new state", async () => {
    await start(["old-1", "old-2", "kept"]);
    const { port, cert } = server;
    session = openSession({ kubeConfig: kc(), context: "playground", kinds: [SERVICES, PODS], backoff: { baseMs: 20, maxMs: 200 } });
    const phases: string[] = [];
    session.onConnection((s) => phases.push(s.phase));
    await until("connected", () => session!.connection().phase === "connected");
    expect(names(session)).toEqual(["kept", "old-1", "old-2"]);

    await server.close();
    await until("reconnecting", () => session!.connection().phase === "reconnecting");
    // Same port and certificate, a fresh store (resourceVersions start over, lower than before).
    await start(["kept", "new-1"], port, cert);
    await until("exactly the new state", () => names(session!).join() === "kept,new-1" && session!.connection().phase === "connected");
    expect(phases).toEqual(expect.arrayContaining(["connected", "reconnecting"]));
    await new StoreClient(store).create(SVC_REF, { apiVersion: "v1", kind: "Service", metadata: { name: "new-2", namespace: NS }, spec: { ports: [{ port: 80 }] } });
    await until("live after restart", () => names(session!).includes("new-2"));
  });

  it("namespaces are listed for the picker", async () => {
    await start([]);
    session = openSession({ kubeConfig: kc(), context: "playground", kinds: [SERVICES] });
    expect(await session.listNamespaces()).toEqual(expect.arrayContaining(["default", NS]));
  });
});
