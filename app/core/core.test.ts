// The core against real HTTP: loopback servers play API servers that answer, refuse or deny.
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ConnectionState, SwitchboardEvent } from "../contract/api.ts";
import { createCore, type Core } from "./core.ts";
import { createEventBatcher } from "./event-batcher.ts";

let dir: string;
const servers: http.Server[] = [];
const cores: Core[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "sb-core-"));
});
afterEach(async () => {
  await Promise.all(cores.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => {
    s.closeAllConnections();
    s.close(resolve);
  })));
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A loopback "API server": a non-2xx `status` answers every request with `body`; 200 answers
 * GET /api/v1/namespaces with `body`, every other list with an empty list, and holds watches open
 * (what the core's cluster session needs to call a namespace "connected").
 */
function apiHandler(status: number, body: unknown): http.RequestListener {
  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (status !== 200 || url.pathname === "/api/v1/namespaces") {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    } else if (url.searchParams.get("watch") === "true" || url.searchParams.get("watch") === "1") {
      res.writeHead(200, { "content-type": "application/json" });
      res.flushHeaders();
    } else {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ kind: "List", apiVersion: "v1", metadata: { resourceVersion: "1" }, items: [] }));
    }
  };
}

async function apiServer(status: number, body: unknown): Promise<string> {
  const server = http.createServer(apiHandler(status, body));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function namespaceList(...names: string[]) {
  return { kind: "NamespaceList", apiVersion: "v1", metadata: {}, items: names.map((name) => ({ metadata: { name } })) };
}

function kubeconfig(current: string, entries: Array<{ name: string; server: string; user?: Record<string, unknown>; namespace?: string }>): string {
  const file = path.join(dir, "config");
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      "current-context": current,
      clusters: entries.map((e) => ({ name: e.name, cluster: { server: e.server } })),
      users: entries.map((e) => ({ name: e.name, user: e.user ?? { token: "t" } })),
      contexts: entries.map((e) => ({ name: e.name, context: { cluster: e.name, user: e.name, ...(e.namespace ? { namespace: e.namespace } : {}) } })),
    }),
  );
  return file;
}

function start(file: string, extra: Partial<Parameters<typeof createCore>[0]> = {}) {
  const batches: SwitchboardEvent[][] = [];
  const core = createCore({ host: "test", kubeconfigPaths: [file], connectTimeoutMs: 5000, log: () => undefined, ...extra });
  cores.push(core);
  core.subscribe((batch) => batches.push(batch));
  const connections = () => batches.flat().flatMap((e) => (e.type === "connection" ? [e.connection] : []));
  const until = async (predicate: (c: ConnectionState) => boolean): Promise<ConnectionState> => {
    await waitFor(() => connections().some(predicate));
    return connections().find(predicate)!;
  };
  return { core, batches, connections, until };
}

describe("createCore", () => {
  it("answers app.info for its host", async () => {
    const { core } = start(kubeconfig("none", []), { autoConnect: false });
    expect(await core["app.info"]({})).toMatchObject({ name: "Switchboard", host: "test", contractVersion: 1 });
  });

  it("connects to the current context at start by listing namespaces, and reports it in event batches", async () => {
    const server = await apiServer(200, namespaceList("kube-system", "default", "shop"));
    const { core, batches, until } = start(kubeconfig("dev", [{ name: "dev", server, namespace: "shop" }]));

    const connected = await until((c) => c.phase === "connected");
    expect(connected).toMatchObject({ context: "dev", namespace: "shop", error: null });
    expect(await core["namespaces.list"]({})).toEqual({ namespaces: ["default", "kube-system", "shop"] });
    expect(batches.every((b) => Array.isArray(b) && b.length > 0)).toBe(true);
    expect(batches.flat()).toContainEqual({ type: "namespaces", namespaces: ["default", "kube-system", "shop"] });
    // the kubeconfig is only read: switching is app state
    expect((await core["contexts.list"]({})).currentContext).toBe("dev");
  });

  it("switches context and namespace as app state, going connecting → connected", async () => {
    const a = await apiServer(200, namespaceList("default"));
    const b = await apiServer(200, namespaceList("default", "payments"));
    const file = kubeconfig("a", [{ name: "a", server: a }, { name: "b", server: b }]);
    const bytesBefore = readFileSync(file);
    const mtimeBefore = statSync(file).mtimeMs;
    const { core, until } = start(file);
    await until((c) => c.phase === "connected" && c.context === "a");

    const answer = await core["session.select"]({ context: "b" });
    expect(answer).toMatchObject({ phase: "connecting", context: "b", namespace: "default" });
    await until((c) => c.phase === "connected" && c.context === "b");
    expect(await core["namespaces.list"]({})).toEqual({ namespaces: ["default", "payments"] });

    // Another namespace: same session (credentials cached), new watches, so connecting → connected again.
    expect(await core["session.select"]({ context: "b", namespace: "payments" })).toMatchObject({ context: "b", namespace: "payments" });
    await until((c) => c.phase === "connected" && c.namespace === "payments");
    expect((await core["contexts.list"]({})).currentContext).toBe("a");
    // The user's kubeconfig is never written: the same bytes, untouched.
    expect(readFileSync(file).equals(bytesBefore)).toBe(true);
    expect(statSync(file).mtimeMs).toBe(mtimeBefore);
  });

  it("refuses an unknown context with a structured error", async () => {
    const { core } = start(kubeconfig("none", []), { autoConnect: false });
    await expect(core["session.select"]({ context: "nope" })).rejects.toMatchObject({ code: "context-not-found" });
    await expect(core["namespaces.list"]({})).rejects.toMatchObject({ code: "context-not-found" });
  });

  it.each([
    [401, "auth-failed", { kind: "Status", status: "Failure", message: "Unauthorized", reason: "Unauthorized", code: 401 }],
    [
      403,
      "forbidden",
      { kind: "Status", status: "Failure", message: 'namespaces is forbidden: User "dev@example.com" cannot list resource "namespaces"', reason: "Forbidden", code: 403 },
    ],
  ])("maps an HTTP %i answer to %s", async (status, code, body) => {
    const server = await apiServer(status, body);
    const { until } = start(kubeconfig("x", [{ name: "x", server }]));
    const failed = await until((c) => c.phase === "error");
    expect(failed.error).toMatchObject({ code });
    expect(failed.error!.hint).toBeTruthy();
  });

  it("reports an unreachable cluster, then reconnects once it is back", async () => {
    const server = http.createServer(apiHandler(200, namespaceList("default")));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));

    const { core, until } = start(kubeconfig("x", [{ name: "x", server: `http://127.0.0.1:${port}` }]));
    const failed = await until((c) => c.phase === "error");
    expect(failed.error).toMatchObject({ code: "unreachable" });
    expect(failed.error!.message).toContain("refused");

    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    expect(await core["session.reconnect"]({})).toMatchObject({ phase: "reconnecting" });
    await until((c) => c.phase === "connected");
  });

  it("says when the exec credential plugin is missing, and when it fails", async () => {
    const server = await apiServer(200, namespaceList("default"));
    const failing = path.join(dir, "failing-plugin");
    writeFileSync(failing, "#!/bin/sh\necho 'ERROR: gcloud auth login required' >&2\nexit 1\n");
    chmodSync(failing, 0o755);
    const file = kubeconfig("missing", [
      { name: "missing", server, user: { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "gke-gcloud-auth-plugin-not-here" } } },
      { name: "failing", server, user: { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: failing } } },
    ]);
    const { core, until } = start(file);
    const missing = await until((c) => c.phase === "error" && c.context === "missing");
    expect(missing.error).toMatchObject({ code: "auth-plugin-missing" });
    expect(missing.error!.hint).toContain("PATH");

    await core["session.select"]({ context: "failing" });
    const failed = await until((c) => c.phase === "error" && c.context === "failing");
    expect(failed.error).toMatchObject({ code: "auth-failed" });
    expect(failed.error!.message).toContain("gcloud auth login required");
  });

  it("emits a contexts event when the kubeconfig changes, without touching the session", async () => {
    const server = await apiServer(200, namespaceList("default"));
    const file = kubeconfig("a", [{ name: "a", server }]);
    const { batches, until } = start(file);
    await until((c) => c.phase === "connected");
    kubeconfig("a", [{ name: "a", server }, { name: "added", server }]);
    await waitFor(() => batches.flat().some((e) => e.type === "contexts" && e.contexts.contexts.some((c) => c.name === "added")));
  });
});

describe("createCore and kubeconfig changes", () => {
  it("reports the chosen context as gone when it leaves the kubeconfig, and reconnects when its server changes", async () => {
    const first = await apiServer(200, namespaceList("default"));
    const second = await apiServer(200, namespaceList("default", "moved"));
    const file = kubeconfig("a", [{ name: "a", server: first }, { name: "b", server: first }]);
    const { core, batches, connections, until } = start(file);
    await until((c) => c.phase === "connected" && c.context === "a");

    // (the short "reconnecting" may be coalesced away: only the latest state per window is delivered)
    kubeconfig("a", [{ name: "a", server: second }, { name: "b", server: first }]);
    await waitFor(() => batches.flat().some((e) => e.type === "namespaces" && e.namespaces.includes("moved")));
    expect(connections().at(-1)).toMatchObject({ phase: "connected", context: "a" });
    expect(await core["namespaces.list"]({})).toEqual({ namespaces: ["default", "moved"] });

    kubeconfig("b", [{ name: "b", server: first }]);
    const gone = await until((c) => c.phase === "error");
    expect(gone.error).toMatchObject({ code: "context-not-found" });
    expect((await core["contexts.list"]({})).contexts.map((c) => c.name)).toEqual(["b"]);
  });
});

describe("event batcher", () => {
  it("delivers what happens within one window as one batch, latest state per kind", async () => {
    const batcher = createEventBatcher(15);
    const batches: SwitchboardEvent[][] = [];
    batcher.subscribe((b) => batches.push(b));
    batcher.emit({ type: "namespaces", namespaces: ["a"] });
    batcher.emit({ type: "namespaces", namespaces: ["a", "b"] });
    batcher.emit({ type: "contexts", contexts: { files: [], currentContext: null, contexts: [], problems: [] } });
    await waitFor(() => batches.length > 0);
    expect(batches).toHaveLength(1);
    expect(batches[0]!.map((e) => e.type)).toEqual(["namespaces", "contexts"]);
    expect(batches[0]![0]).toEqual({ type: "namespaces", namespaces: ["a", "b"] });
    batcher.close();
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 8000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
