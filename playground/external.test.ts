// startPlayground on an EXTERNAL API server (`client`): here another playground API server reached
// over HTTP through HttpClusterClient, with its store's admission chain passed in (the readiness-gate
// webhook and the agent injector run there). The real kube-apiserver case is conformance/controllers.ts.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startApiServer, type ApiServer } from "./apiserver/server.ts";
import { Store } from "./apiserver/store.ts";
import { resources } from "./cluster/client.ts";
import { HttpClusterClient } from "./cluster/http-client.ts";
import { startPlayground, type ExternalPlayground } from "./index.ts";
import type { Pod } from "./workloads/types.ts";

const run = promisify(execFile);
const KUBECTL = existsSync("/usr/bin/kubectl") ? "/usr/bin/kubectl" : "kubectl";

let store: Store;
let api: ApiServer;
let client: HttpClusterClient;
let pg: ExternalPlayground;

beforeAll(async () => {
  store = new Store({ gracefulPodDeletion: true });
  api = await startApiServer({ store, token: "external-token" });
  client = new HttpClusterClient({ server: api.url, token: "external-token", ...(api.ca ? { ca: api.ca } : {}) });
  pg = await startPlayground({
    client, apiServer: { url: api.url, token: "external-token", ...(api.ca ? { ca: api.ca } : {}) }, admission: store.admission,
    speed: 20, telepresence: { install: false },
  });
}, 90_000);

afterAll(async () => {
  await pg?.stop();
  client?.close();
  await api?.close();
});

it("runs the controllers on the external server: no store of its own, the demo ready there, kubectl through its kubeconfig", async () => {
  expect(pg.store).toBeUndefined();
  expect(pg.server).toBe(api.url);
  // Every demo pod is Ready on the external server, and the readiness-gate webhook ran through the
  // admission chain that was passed in.
  const pods = (await client.list<Pod>(resources.pods, { namespace: "demo", labelSelector: "app=web" })).items;
  expect(pods.length).toBeGreaterThan(0);
  for (const p of pods) {
    expect((p.spec as { readinessGates?: Array<{ conditionType: string }> }).readinessGates).toEqual([{ conditionType: "cloud.google.com/load-balancer-neg-ready" }]);
    expect(p.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
  }
  expect(Object.keys(pg.loadBalancers)).toContain("demo/web");
  const { stdout } = await run(KUBECTL, ["--kubeconfig", pg.kubeconfigPath, "get", "deployment", "web", "-o", "jsonpath={.status.readyReplicas}"], { timeout: 30_000 });
  expect(Number(stdout)).toBe(pods.length);
});

it("refuses a client without the server details the kubeconfig needs", async () => {
  await expect(startPlayground({ client })).rejects.toThrow(/apiServer/);
});
