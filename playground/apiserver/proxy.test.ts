// pods/proxy on the playground's API server: what the real kube-apiserver does for
// GET /api/v1/namespaces/{ns}/pods/{pod}:{port}/proxy/{path} — the pod's own answer passed through,
// 503 "error trying to reach service" when nothing listens, 400 "address not allowed" without a pod
// IP, 404 for a missing pod — through the kubelet's pod network, and through the real kubectl.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resources } from "../cluster/client.ts";
import { PodNetwork } from "../kubelet/network.ts";
import { deployment, startTestCluster, waitFor } from "../workloads/test-cluster.ts";
import type { Pod } from "../workloads/types.ts";
import { kubeconfigFor, startApiServer, type ApiServer } from "./server.ts";
import { Store } from "./store.ts";

const run = promisify(execFile);
const TOKEN = "proxy-test-token";

async function get(server: ApiServer, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(server.url + path, { headers: { Authorization: `Bearer ${TOKEN}`, ...headers } });
  const body = await res.text();
  return { status: res.status, body, headers: res.headers, json: () => JSON.parse(body) as { kind?: string; reason?: string; code?: number; message?: string } };
}

describe("pods/proxy through the kubelet's pod network (demo-app)", () => {
  let c: Awaited<ReturnType<typeof startTestCluster>>;
  let server: ApiServer;
  let dir: string;
  let pod: Pod;

  beforeAll(async () => {
    c = await startTestCluster(50);
    server = await startApiServer({ store: c.store, token: TOKEN }); // HTTPS: kubectl sends tokens only over TLS
    dir = mkdtempSync(join(tmpdir(), "sb-proxy-"));
    writeFileSync(join(dir, "kubeconfig"), kubeconfigFor(server, TOKEN, "demo"));
    await c.client.create(resources.deployments, deployment("web", { replicas: 1 }));
    pod = await waitFor("a running pod", async () => (await c.client.list<Pod>(resources.pods, { namespace: "demo" })).items.find((p) => p.status?.podIP && p.status.phase === "Running"));
  }, 30_000);

  afterAll(async () => {
    await server?.close();
    await c?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const kubectl = (...args: string[]) => run("kubectl", ["--kubeconfig", join(dir, "kubeconfig"), ...args]).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" }),
  );

  it("passes the pod's answer through (path, query, headers), defaulting to the first declared port", async () => {
    const name = pod.metadata.name;
    const ok = await kubectl("get", "--raw", `/api/v1/namespaces/demo/pods/${name}:8080/proxy/anything?x=1`);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe(`hello from ${name} (demo-app)\n`);
    const health = await kubectl("get", "--raw", `/api/v1/namespaces/demo/pods/${name}/proxy/healthz`);
    expect(health.stdout).toBe("ok\n");
    c.kubelet.health.set("demo", name, false);
    try {
      // The app's own 503 is passed through as it is (not a Status; kubectl shows no body for it).
      const sick = await new Promise<{ status: number; body: string; pod: unknown }>((resolve, reject) => {
        https.get(`${server.url}/api/v1/namespaces/demo/pods/${name}:8080/proxy/healthz`, { ca: server.ca, headers: { Authorization: `Bearer ${TOKEN}` } }, (res) => {
          let body = "";
          res.on("data", (d: Buffer) => (body += d.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body, pod: res.headers["x-playground-pod"] }));
        }).on("error", reject);
      });
      expect(sick).toEqual({ status: 503, body: `unhealthy: health of ${name} (demo-app) switched off by the playground\n`, pod: `demo/${name}` });
    } finally {
      c.kubelet.health.set("demo", name, true);
    }
  });

  it("answers 503 ServiceUnavailable when nothing listens on the port, 404 for a missing pod", async () => {
    const name = pod.metadata.name;
    // A declared-nowhere port: the demo app listens on PORT / HEALTH_PORT only.
    const refused = await kubectl("get", "--raw", `/api/v1/namespaces/demo/pods/${name}:8081/proxy/healthz`);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`Error from server (ServiceUnavailable): error trying to reach service: dial tcp ${pod.status!.podIP}:8081: connect: connection refused`);
    const missing = await kubectl("get", "--raw", "/api/v1/namespaces/demo/pods/nope:8080/proxy/");
    expect(missing.stderr).toContain('pods "nope" not found');
  });
});

describe("pods/proxy on a bare store (the wire shapes)", () => {
  let store: Store;
  let server: ApiServer;
  let echo: http.Server;
  const network = new PodNetwork();
  const podType = () => store.types().find((t) => t.group === "" && t.kind === "Pod")!;

  beforeAll(async () => {
    store = new Store();
    server = await startApiServer({ store, token: TOKEN, tls: false });
    // A pod whose port 9000 echoes what reached it.
    echo = http.createServer((req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        res.writeHead(207, { "content-type": "application/json", "x-from-pod": "yes" });
        res.end(JSON.stringify({ method: req.method, url: req.url, authorization: req.headers.authorization ?? null, host: req.headers.host, body }));
      });
    });
    await new Promise<void>((r) => echo.listen(0, "127.0.0.1", r));
    network.attach("10.8.0.9", "default", "echo");
    network.bind("10.8.0.9", 9000, "echo", { host: "127.0.0.1", port: (echo.address() as AddressInfo).port });
    store.podDialer = network.dial;
    const created = await store.create(podType(), { apiVersion: "v1", kind: "Pod", metadata: { name: "echo", namespace: "default" }, spec: { containers: [{ name: "echo", image: "echo", ports: [{ containerPort: 9000 }] }] } } as never);
    await store.update(podType(), { ...created, status: { phase: "Running", podIP: "10.8.0.9" } } as never, { subresource: "status" });
    await store.create(podType(), { apiVersion: "v1", kind: "Pod", metadata: { name: "pending", namespace: "default" }, spec: { containers: [{ name: "c", image: "x" }] } } as never);
  });

  afterAll(async () => {
    await server?.close();
    await new Promise<void>((r) => (echo ? echo.close(() => r()) : r()));
  });

  it("forwards method, path, query and body; not the client's token; the pod's status and headers come back", async () => {
    const res = await fetch(`${server.url}/api/v1/namespaces/default/pods/http:echo:9000/proxy/a/b%2Fc?q=1`, { method: "POST", body: "hi", headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(207);
    expect(res.headers.get("x-from-pod")).toBe("yes");
    expect(await res.json()).toEqual({ method: "POST", url: "/a/b%2Fc?q=1", authorization: null, host: "10.8.0.9:9000", body: "hi" });
    // No port: the first declared containerPort; no path: "/".
    expect((await get(server, "/api/v1/namespaces/default/pods/echo/proxy")).json()).toMatchObject({ url: "/" });
  });

  it("refuses like kube-apiserver: no pod IP, a bad id, no credentials, a port nobody listens on", async () => {
    const noIP = await get(server, "/api/v1/namespaces/default/pods/pending:80/proxy/");
    expect(noIP.status).toBe(400);
    expect(noIP.json()).toMatchObject({ kind: "Status", reason: "BadRequest", message: "address not allowed" });
    const bad = await get(server, "/api/v1/namespaces/default/pods/ftp:echo:9000/proxy/");
    expect(bad.status).toBe(400);
    expect(bad.json().message).toBe('invalid pod request "ftp:echo:9000"');
    const anon = await fetch(`${server.url}/api/v1/namespaces/default/pods/echo:9000/proxy/`);
    expect(anon.status).toBe(401);
    const refused = await get(server, "/api/v1/namespaces/default/pods/echo:9001/proxy/healthz");
    expect(refused.status).toBe(503);
    expect(refused.json()).toMatchObject({ kind: "Status", code: 503, reason: "ServiceUnavailable", message: "error trying to reach service: dial tcp 10.8.0.9:9001: connect: connection refused" });
  });
});
