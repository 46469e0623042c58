// ClusterClient over the Kubernetes REST API, for any API server: the playground's own or a real
// kube-apiserver (the conformance run). Speaks the real protocol: JSON bodies, the three patch
// media types, Status errors, and streaming watches (`?watch=1`, newline-delimited events, BOOKMARKs)
// that reconnect from the last seen resourceVersion and re-list when the server answers 410 Gone.
import http from "node:http";
import https from "node:https";
import { ClusterError } from "./client.ts";
import type {
  ClusterClient, DeleteOptions, KubeObject, ListOptions, PatchType, ResourceRef, StatusDetails, WatchEvent,
} from "./client.ts";

export interface HttpClusterClientOptions {
  /** e.g. `https://127.0.0.1:6443` or the playground's `http://127.0.0.1:<port>`. */
  server: string;
  token?: string;
  /** PEM CA bundle for https servers. */
  ca?: string | Buffer;
  insecureSkipTLSVerify?: boolean;
  /** Server-side length of one watch request before it is renewed (default 300 s). */
  watchTimeoutSeconds?: number;
  /** Wait before reconnecting a broken watch (default 250 ms, doubling up to 5 s). */
  reconnectDelayMs?: number;
  userAgent?: string;
}

const PATCH_TYPES: Record<PatchType, string> = {
  json: "application/json-patch+json",
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
};

interface ResourceInfo {
  namespaced: boolean;
  hasStatus: boolean;
}

/** Used only when discovery cannot be read: the cluster-scoped kinds the playground deals with. */
const CLUSTER_SCOPED = new Set(["namespaces", "nodes", "persistentvolumes", "mutatingwebhookconfigurations",
  "validatingwebhookconfigurations", "customresourcedefinitions", "clusterroles", "clusterrolebindings",
  "storageclasses", "priorityclasses", "apiservices", "ingressclasses", "gatewayclasses"]);

interface Response {
  status: number;
  body: string;
}

function toError(status: number, body: string): ClusterError {
  try {
    const s = JSON.parse(body) as { kind?: string; code?: number; reason?: string; message?: string; details?: StatusDetails };
    if (s.kind === "Status") return new ClusterError(s.code ?? status, s.reason ?? "Unknown", s.message ?? body, s.details);
  } catch {
    // Not a Status: fall through.
  }
  return new ClusterError(status, http.STATUS_CODES[status]?.replace(/\s/g, "") ?? "Unknown", body.trim() || `the server responded with the status code ${status}`);
}

export class HttpClusterClient implements ClusterClient {
  private readonly base: URL;
  private readonly options: HttpClusterClientOptions;
  private readonly agent: http.Agent;
  private readonly discovery = new Map<string, Promise<Map<string, ResourceInfo>>>();

  constructor(options: HttpClusterClientOptions) {
    this.options = options;
    this.base = new URL(options.server);
    this.agent = this.base.protocol === "https:"
      ? new https.Agent({ keepAlive: true, ca: options.ca, rejectUnauthorized: !options.insecureSkipTLSVerify })
      : new http.Agent({ keepAlive: true });
  }

  /** Closes idle keep-alive connections (watches stop through their own stop functions). */
  close(): void {
    this.agent.destroy();
  }

  // ---- plumbing ----------------------------------------------------------------------------

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const h: Record<string, string> = { Accept: "application/json", "User-Agent": this.options.userAgent ?? "switchboard-playground/0.1", ...extra };
    if (this.options.token) h.Authorization = `Bearer ${this.options.token}`;
    return h;
  }

  private open(method: string, path: string, body: string | undefined, contentType: string | undefined,
    onResponse: (res: http.IncomingMessage) => void, onError: (err: Error) => void): http.ClientRequest {
    const url = new URL(path, this.base);
    const lib = url.protocol === "https:" ? https : http;
    const headers = this.headers(contentType ? { "Content-Type": contentType } : {});
    if (body !== undefined) headers["Content-Length"] = String(Buffer.byteLength(body));
    const req = lib.request(url, { method, headers, agent: this.agent }, onResponse);
    req.on("error", onError);
    req.end(body);
    return req;
  }

  private request(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<Response> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      this.open(method, path, payload, payload === undefined ? undefined : contentType, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      }, (err) => reject(new ClusterError(503, "ServiceUnavailable", `cannot reach the API server at ${this.base.origin}: ${err.message}`)));
    });
  }

  private async json<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    const res = await this.request(method, path, body, contentType);
    if (res.status < 200 || res.status >= 300) throw toError(res.status, res.body);
    return JSON.parse(res.body) as T;
  }

  private groupPath(res: ResourceRef): string {
    return res.group === "" ? `/api/${res.version}` : `/apis/${res.group}/${res.version}`;
  }

  /** Scope and subresources from the server's discovery document (cached per group version). */
  private async info(res: ResourceRef, refreshed = false): Promise<ResourceInfo> {
    const gv = this.groupPath(res);
    let p = this.discovery.get(gv);
    if (!p) {
      p = this.json<{ resources: Array<{ name: string; namespaced: boolean }> }>("GET", gv).then((list) => {
        const m = new Map<string, ResourceInfo>();
        for (const r of list.resources) if (!r.name.includes("/")) m.set(r.name, { namespaced: r.namespaced, hasStatus: false });
        for (const r of list.resources) {
          const [main, sub] = r.name.split("/");
          if (sub === "status" && m.has(main!)) m.get(main!)!.hasStatus = true;
        }
        return m;
      });
      this.discovery.set(gv, p);
      p.catch(() => this.discovery.delete(gv));
    }
    try {
      const found = (await p).get(res.plural);
      if (found) return found;
      // A kind added since (a new CRD): read the group version again, once.
      if (!refreshed) {
        this.discovery.delete(gv);
        return this.info(res, true);
      }
    } catch {
      // Fall back below.
    }
    return { namespaced: !CLUSTER_SCOPED.has(res.plural), hasStatus: ["pods", "healthcheckpolicies", "deployments", "replicasets", "services", "ingresses", "namespaces", "nodes"].includes(res.plural) };
  }

  private async path(res: ResourceRef, namespace: string | undefined, name?: string, sub?: string): Promise<string> {
    const { namespaced } = await this.info(res);
    let p = this.groupPath(res);
    if (namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
    p += `/${res.plural}`;
    if (name !== undefined) p += `/${encodeURIComponent(name)}`;
    if (sub) p += `/${sub}`;
    return p;
  }

  private async objectNamespace(res: ResourceRef, object: KubeObject): Promise<string | undefined> {
    const { namespaced } = await this.info(res);
    return namespaced ? object.metadata.namespace ?? "default" : undefined;
  }

  private static query(options: Record<string, string | number | undefined>): string {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(options)) if (v !== undefined && v !== "") q.set(k, String(v));
    const s = q.toString();
    return s ? `?${s}` : "";
  }

  // ---- ClusterClient -----------------------------------------------------------------------

  async get<T extends KubeObject = KubeObject>(res: ResourceRef, namespace: string | undefined, name: string): Promise<T | undefined> {
    const r = await this.request("GET", await this.path(res, namespace, name));
    if (r.status === 404) {
      const err = toError(r.status, r.body);
      // A missing kind is an error; a missing object is `undefined`.
      if (err.details?.name === name) return undefined;
      throw err;
    }
    if (r.status < 200 || r.status >= 300) throw toError(r.status, r.body);
    return JSON.parse(r.body) as T;
  }

  async list<T extends KubeObject = KubeObject>(res: ResourceRef, options: ListOptions = {}): Promise<{ items: T[]; resourceVersion: string; continue?: string }> {
    const path = await this.path(res, options.namespace);
    const list = await this.json<{ items: T[] | null; metadata: { resourceVersion: string; continue?: string }; apiVersion: string; kind?: string }>("GET", path + HttpClusterClient.query({
      labelSelector: options.labelSelector, fieldSelector: options.fieldSelector, limit: options.limit, continue: options.continue,
    }));
    // List items carry no kind/apiVersion on the wire; controllers expect whole objects.
    const items = (list.items ?? []).map((i) => ({ ...i, apiVersion: i.apiVersion ?? list.apiVersion, kind: i.kind ?? this.kindFromList(list) }));
    return { items, resourceVersion: list.metadata.resourceVersion, ...(list.metadata.continue ? { continue: list.metadata.continue } : {}) };
  }

  private kindFromList(list: { kind?: unknown }): string {
    return typeof list.kind === "string" && list.kind.endsWith("List") ? list.kind.slice(0, -4) : "";
  }

  async create<T extends KubeObject = KubeObject>(res: ResourceRef, object: T): Promise<T> {
    return this.json<T>("POST", await this.path(res, await this.objectNamespace(res, object)), object);
  }

  async update<T extends KubeObject = KubeObject>(res: ResourceRef, object: T): Promise<T> {
    return this.json<T>("PUT", await this.path(res, await this.objectNamespace(res, object), object.metadata.name), object);
  }

  async updateStatus<T extends KubeObject = KubeObject>(res: ResourceRef, object: T): Promise<T> {
    const { hasStatus } = await this.info(res);
    const ns = await this.objectNamespace(res, object);
    return this.json<T>("PUT", await this.path(res, ns, object.metadata.name, hasStatus ? "status" : undefined), object);
  }

  async patch<T extends KubeObject = KubeObject>(res: ResourceRef, namespace: string | undefined, name: string, type: PatchType, patch: unknown): Promise<T> {
    return this.json<T>("PATCH", await this.path(res, namespace, name), patch, PATCH_TYPES[type]);
  }

  async patchStatus<T extends KubeObject = KubeObject>(res: ResourceRef, namespace: string | undefined, name: string, type: PatchType, patch: unknown): Promise<T> {
    const { hasStatus } = await this.info(res);
    return this.json<T>("PATCH", await this.path(res, namespace, name, hasStatus ? "status" : undefined), patch, PATCH_TYPES[type]);
  }

  async delete(res: ResourceRef, namespace: string | undefined, name: string, options: DeleteOptions = {}): Promise<void> {
    const body = { kind: "DeleteOptions", apiVersion: "v1", ...options };
    await this.json("DELETE", await this.path(res, namespace, name), body);
  }

  /**
   * List then watch. Reconnects from the last resourceVersion (kept current by BOOKMARKs); on
   * 410 Gone (or "too large resource version" after a server lost its state) re-lists and reports
   * the difference from what it had reported: ADDED, MODIFIED or DELETED per object.
   */
  watch<T extends KubeObject = KubeObject>(res: ResourceRef, options: ListOptions & { resourceVersion?: string }, onEvent: (event: WatchEvent<T>) => void): () => void {
    let stopped = false;
    let current: http.ClientRequest | undefined;
    let timer: NodeJS.Timeout | undefined;
    let rv = options.resourceVersion && options.resourceVersion !== "0" ? options.resourceVersion : undefined;
    const known = new Map<string, KubeObject>();
    const keyOf = (o: KubeObject) => `${o.metadata.namespace ?? ""}/${o.metadata.name}`;
    const baseDelay = this.options.reconnectDelayMs ?? 250;
    let delay = baseDelay;

    const emit = (type: WatchEvent["type"], object: T) => {
      if (type === "DELETED") known.delete(keyOf(object));
      else known.set(keyOf(object), object);
      try {
        onEvent({ type, object });
      } catch (err) {
        console.error("watch handler failed:", err);
      }
    };

    const relist = async () => {
      const { items, resourceVersion } = await this.list<T>(res, options);
      const seen = new Set<string>();
      for (const item of items) {
        const k = keyOf(item);
        seen.add(k);
        const before = known.get(k);
        if (!before) emit("ADDED", item);
        else if (before.metadata.resourceVersion !== item.metadata.resourceVersion) emit("MODIFIED", item);
      }
      for (const [k, o] of [...known]) if (!seen.has(k)) emit("DELETED", o as T);
      rv = resourceVersion;
    };

    const retry = () => {
      if (stopped) return;
      timer = setTimeout(() => void loop(), delay);
      delay = Math.min(delay * 2, 5000);
    };

    const loop = async () => {
      if (stopped) return;
      try {
        if (rv === undefined) await relist();
      } catch {
        retry();
        return;
      }
      if (stopped) return;
      const path = await this.path(res, options.namespace).catch(() => undefined);
      if (!path) return retry();
      const query = HttpClusterClient.query({
        watch: 1, resourceVersion: rv, allowWatchBookmarks: "true",
        timeoutSeconds: this.options.watchTimeoutSeconds ?? 300,
        labelSelector: options.labelSelector, fieldSelector: options.fieldSelector,
      });
      current = this.open("GET", path + query, undefined, undefined, (response) => {
        if (response.statusCode !== 200) {
          const chunks: Buffer[] = [];
          response.on("data", (c: Buffer) => chunks.push(c));
          response.on("end", () => {
            const err = toError(response.statusCode ?? 0, Buffer.concat(chunks).toString("utf8"));
            if (isStale(err)) rv = undefined;
            retry();
          });
          return;
        }
        delay = baseDelay;
        let buffer = "";
        let needsRelist = false;
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          buffer += chunk;
          let nl: number;
          while ((nl = buffer.indexOf("\n")) >= 0) {
            const line = buffer.slice(0, nl).trim();
            buffer = buffer.slice(nl + 1);
            if (!line || stopped) continue;
            let event: { type: string; object: KubeObject & { code?: number; reason?: string; message?: string; details?: StatusDetails } };
            try {
              event = JSON.parse(line);
            } catch {
              continue;
            }
            if (event.type === "ERROR") {
              const o = event.object;
              const err = new ClusterError(o.code ?? 500, o.reason ?? "Unknown", o.message ?? "watch error", o.details);
              if (isStale(err)) needsRelist = true;
              response.destroy();
              return;
            }
            const newRV = event.object?.metadata?.resourceVersion;
            if (newRV) rv = newRV;
            if (event.type === "BOOKMARK") continue;
            if (event.type === "ADDED" || event.type === "MODIFIED" || event.type === "DELETED") emit(event.type, event.object as T);
          }
        });
        const ended = () => {
          if (stopped) return;
          current = undefined;
          if (needsRelist) {
            rv = undefined;
            void loop();
          } else if (response.complete) void loop(); // the server's timeoutSeconds: renew at once
          else retry();
        };
        let done = false;
        const once = () => {
          if (!done) {
            done = true;
            ended();
          }
        };
        response.on("end", once);
        response.on("close", once);
        response.on("error", once);
      }, () => {
        current = undefined;
        retry();
      });
    };

    void loop();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      current?.destroy();
    };
  }
}

/** 410 Gone / Expired, or the server does not have the version yet (it restarted with less state). */
function isStale(err: ClusterError): boolean {
  return err.code === 410 || err.reason === "Expired" || err.reason === "Gone"
    || (err.details?.causes ?? []).some((c) => c.reason === "ResourceVersionTooLarge");
}
