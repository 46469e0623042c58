// A small loopback Kubernetes API server for the tests of app/kube (not used by the app itself):
// real HTTP, the real JSON shapes (List with resourceVersion, watch streams of {type, object}, Status
// errors, 410 Gone for a too-old resourceVersion), and knobs for the failures a cluster can produce
// (a kind not installed, a kind forbidden, 401). The playground's API server covers the rest (kubectl).
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { KindSpec } from "./kinds.ts";

interface Obj {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string; [k: string]: unknown };
  [k: string]: unknown;
}

interface Watcher {
  kindKey: string;
  namespace: string | null;
  res: http.ServerResponse;
}

export interface LoopbackApiServer {
  url: string;
  port: number;
  /** Creates or replaces an object (bumps resourceVersion, notifies watchers). */
  put(kind: KindSpec, obj: Obj): Obj;
  remove(kind: KindSpec, namespace: string, name: string): void;
  /** Forgets history: watches from any older resourceVersion answer 410 Gone (as after compaction). */
  compact(): void;
  /** Sends an ERROR 410 event on every open watch and ends them (what an apiserver does on compaction). */
  expireWatches(): void;
  /** Closes every open watch connection abruptly. */
  dropWatches(): void;
  notInstalled: Set<string>;
  forbidden: Set<string>;
  unauthorized: boolean;
  requests: string[];
  close(): Promise<void>;
}

export interface LoopbackOptions {
  port?: number;
  kinds: KindSpec[];
  /** Starting resourceVersion (a restarted server may start elsewhere). */
  startRv?: number;
}

function status(res: http.ServerResponse, code: number, reason: string, message: string, details?: object): void {
  res.writeHead(code, { "Content-Type": "application/json" });
  res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code, ...(details ? { details } : {}) }));
}

export async function startLoopbackApiServer(options: LoopbackOptions): Promise<LoopbackApiServer> {
  let rv = options.startRv ?? 1000;
  let compactedAt = 0;
  const stores = new Map<string, Map<string, Obj>>();
  const specs = new Map<string, KindSpec>();
  for (const k of options.kinds) {
    stores.set(k.key, new Map());
    specs.set(`${k.group}/${k.version}/${k.plural}`, k);
  }
  const watchers = new Set<Watcher>();
  const sockets = new Set<Socket>();

  // The watch cache of a real apiserver: events after a resourceVersion are replayed to a new watch.
  const history: Array<{ kindKey: string; type: string; obj: Obj }> = [];
  const notify = (kindKey: string, type: string, obj: Obj) => {
    history.push({ kindKey, type, obj });
    for (const w of watchers) {
      if (w.kindKey !== kindKey || (w.namespace && w.namespace !== obj.metadata.namespace)) continue;
      w.res.write(`${JSON.stringify({ type, object: obj })}\n`);
    }
  };

  const api: LoopbackApiServer = {
    url: "",
    port: 0,
    notInstalled: new Set(),
    forbidden: new Set(),
    unauthorized: false,
    requests: [],
    put(kind, obj) {
      const store = stores.get(kind.key)!;
      const key = `${obj.metadata.namespace ?? ""}/${obj.metadata.name}`;
      const existed = store.has(key);
      const stored: Obj = {
        apiVersion: kind.group ? `${kind.group}/${kind.version}` : kind.version,
        kind: kind.kind,
        ...obj,
        metadata: { ...obj.metadata, resourceVersion: String(++rv) },
      };
      store.set(key, stored);
      notify(kind.key, existed ? "MODIFIED" : "ADDED", stored);
      return stored;
    },
    remove(kind, namespace, name) {
      const store = stores.get(kind.key)!;
      const obj = store.get(`${namespace}/${name}`);
      if (!obj) return;
      store.delete(`${namespace}/${name}`);
      notify(kind.key, "DELETED", { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++rv) } });
    },
    compact() {
      compactedAt = rv;
    },
    expireWatches() {
      compactedAt = rv;
      for (const w of watchers) {
        w.res.end(`${JSON.stringify({ type: "ERROR", object: { kind: "Status", apiVersion: "v1", status: "Failure", message: "too old resource version", reason: "Expired", code: 410 } })}\n`);
      }
      watchers.clear();
    },
    dropWatches() {
      for (const w of watchers) w.res.socket?.destroy();
      watchers.clear();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    api.requests.push(`${req.method} ${url.pathname}${url.search}`);
    if (api.unauthorized) return status(res, 401, "Unauthorized", "Unauthorized");
    // /api/v1[/namespaces/ns]/plural or /apis/group/version[/namespaces/ns]/plural
    const m = url.pathname.match(/^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)$/);
    if (!m) return status(res, 404, "NotFound", "the server could not find the requested resource");
    const group = m[2] ?? "";
    const version = m[1] ?? m[3]!;
    const namespace = m[4] ?? null;
    const plural = m[5]!;
    const spec = specs.get(`${group}/${version}/${plural}`);
    if (!spec || api.notInstalled.has(spec.key)) {
      // What a real server answers for a group/version it does not serve: a text 404.
      res.writeHead(404, { "Content-Type": "text/plain" });
      return res.end("404 page not found\n");
    }
    const watch = url.searchParams.get("watch") === "true";
    if (api.forbidden.has(spec.key)) {
      const verb = watch ? "watch" : "list";
      return status(
        res,
        403,
        "Forbidden",
        `${plural}${group ? `.${group}` : ""} is forbidden: User "jane@example.com" cannot ${verb} resource "${plural}" in API group "${group}"${namespace ? ` in the namespace "${namespace}"` : " at the cluster scope"}`,
        { group, kind: plural },
      );
    }
    const store = stores.get(spec.key)!;
    const inScope = [...store.values()].filter((o) => !namespace || o.metadata.namespace === namespace);
    if (!watch) {
      res.writeHead(200, { "Content-Type": "application/json" });
      // Like a real server, list items carry no apiVersion/kind.
      const items = inScope.map(({ apiVersion: _a, kind: _k, ...rest }) => rest);
      return res.end(JSON.stringify({ kind: `${spec.kind}List`, apiVersion: spec.group ? `${spec.group}/${spec.version}` : spec.version, metadata: { resourceVersion: String(rv) }, items }));
    }
    const from = Number(url.searchParams.get("resourceVersion") || "0");
    if (from && from < compactedAt) {
      res.writeHead(200, { "Content-Type": "application/json" });
      return res.end(`${JSON.stringify({ type: "ERROR", object: { kind: "Status", apiVersion: "v1", status: "Failure", message: `too old resource version: ${from} (${compactedAt})`, reason: "Expired", code: 410 } })}\n`);
    }
    res.writeHead(200, { "Content-Type": "application/json", "Transfer-Encoding": "chunked" });
    res.flushHeaders();
    for (const e of from ? history : []) {
      if (e.kindKey !== spec.key || Number(e.obj.metadata.resourceVersion) <= from) continue;
      if (namespace && e.obj.metadata.namespace !== namespace) continue;
      res.write(`${JSON.stringify({ type: e.type, object: e.obj })}\n`);
    }
    const w: Watcher = { kindKey: spec.key, namespace, res };
    watchers.add(w);
    req.on("close", () => watchers.delete(w));
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  api.port = (server.address() as AddressInfo).port;
  api.url = `http://127.0.0.1:${api.port}`;
  return api;
}

/** A kubeconfig (YAML text) for a loopback server, with an optional user block. */
export function kubeconfigYaml(server: string, user: Record<string, unknown> = { token: "test-token" }, extraCluster: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "c", cluster: { server, ...extraCluster } }],
    users: [{ name: "u", user }],
    contexts: [{ name: "test", context: { cluster: "c", user: "u", namespace: "shop" } }],
    "current-context": "test",
  });
}
