// An API server restart mid-watch (same port and certificate, a fresh store whose resourceVersions start
// over): app/kube tests that its cache ends with exactly the new state; here, that the rows the core
// emitted — applied the way the UI's store applies them — end with exactly the new services, nothing stale.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { kubeconfigFor, startApiServer, type ApiServer } from "../../playground/apiserver/server.ts";
import { Store, StoreClient } from "../../playground/apiserver/store.ts";
import type { ServiceSummary, SwitchboardEvent } from "../contract/api.ts";
import { createCore, type Core } from "./core.ts";

const TOKEN = "switchboard-restart-test";
const NS = "shop";
const dir = mkdtempSync(path.join(tmpdir(), "sb-core-restart-"));
let server: ApiServer | undefined;
let core: Core | undefined;

afterAll(async () => {
  await core?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function serve(services: string[], port?: number, cert?: ApiServer["cert"]): Promise<{ server: ApiServer; client: StoreClient }> {
  const store = new Store();
  const client = new StoreClient(store);
  await client.create({ group: "", version: "v1", plural: "namespaces" }, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  for (const name of services) await createService(client, name);
  const s = await startApiServer({ store, token: TOKEN, bookmarkIntervalMs: 500, ...(port ? { port } : {}), ...(cert ? { tls: cert } : {}) });
  return { server: s, client };
}

function createService(client: StoreClient, name: string) {
  return client.create(
    { group: "", version: "v1", plural: "services" },
    { apiVersion: "v1", kind: "Service", metadata: { name, namespace: NS }, spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] } },
  );
}

async function until(what: string, fn: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

it("after an API server restart with other objects, the emitted rows hold exactly the new services", async () => {
  const first = await serve(["old-1", "old-2", "kept"]);
  server = first.server;
  const kubeconfig = path.join(dir, "kubeconfig");
  writeFileSync(kubeconfig, kubeconfigFor(server, TOKEN, NS));
  core = createCore({
    host: "test",
    kubeconfigPaths: [kubeconfig],
    watch: false,
    telepresencePollMs: 0,
    log: () => undefined,
    session: { backoff: { baseMs: 20, maxMs: 200 } },
  });
  // The UI's bookkeeping (renderer/src/services-store.ts): reset replaces, upserts/removed patch.
  const rows = new Map<string, ServiceSummary>();
  const phases: string[] = [];
  core.subscribe((batch: SwitchboardEvent[]) => {
    for (const e of batch) {
      if (e.type === "connection") phases.push(e.connection.phase);
      if (e.type !== "services") continue;
      if (e.reset) rows.clear();
      for (const key of e.removed) rows.delete(key);
      for (const row of e.upserts) rows.set(row.key, row);
    }
  });
  const names = () => [...rows.values()].map((r) => r.name).sort().join();
  await until("the first rows", () => names() === "kept,old-1,old-2");
  expect((await core["services.list"]({})).services.map((s) => s.name)).toEqual(["kept", "old-1", "old-2"]);

  const { port, cert } = server;
  await server.close();
  await until("reconnecting", () => phases.includes("reconnecting"));
  const second = await serve(["kept", "new-1"], port, cert);
  server = second.server;
  await until("exactly the new services", () => names() === "kept,new-1");
  expect((await core["services.list"]({})).services.map((s) => s.name)).toEqual(["kept", "new-1"]);

  // And live afterwards.
  await createService(second.client, "new-2");
  await until("a service created after the restart", () => names() === "kept,new-1,new-2");
  expect(phases.at(-1)).toBe("connected");
});
