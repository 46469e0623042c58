// The HTTP client of one cluster session: JSON requests and streaming watches against the Kubernetes
// REST API, with the kubeconfig's TLS material and credentials, and hard deadlines.
// Why not client-node's generated APIs / Watch: they deserialize into class instances (the model wants
// plain JSON, and memory matters), build a new undici Agent per call, have no connect deadline (a
// blackholed address hangs), and the watch's errors lose the Status body. client-node still parses and
// merges the kubeconfig (KubeConfig) and fills legacy auth providers.
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { KubeConfig, type Cluster } from "@kubernetes/client-node";
import { SwitchboardError } from "../contract/errors.ts";
import { classifyNetworkError, classifyStatus, type RequestContext } from "./errors.ts";
import { CredentialSource, type Credential, type CredentialOptions } from "./credentials.ts";

export interface KubeClientOptions extends CredentialOptions {
  /** The merged kubeconfig (never written). */
  kubeConfig: KubeConfig;
  /** The context to use; the kubeconfig's current-context is not changed. */
  context: string;
  /** Deadline for a whole request, and for a watch until its response headers arrive. */
  requestTimeoutMs?: number;
}

export interface RequestOptions {
  method?: string;
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  ctx?: RequestContext;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface WatchEvent {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: Record<string, unknown>;
}

export type WatchEnd = "ended" | "idle" | "aborted";

export interface WatchOptions {
  path: string;
  query: Record<string, string | number | boolean | undefined>;
  ctx?: RequestContext;
  onEvent: (event: WatchEvent) => void;
  signal: AbortSignal;
  /** Close the watch when nothing (not even a bookmark) arrived for this long. */
  idleTimeoutMs: number;
}

/** Builds a KubeConfig whose current context is `context`, sharing the merged file's entries. */
export function kubeConfigForContext(merged: KubeConfig, context: string): KubeConfig {
  const ctx = merged.getContextObject(context);
  if (!ctx) {
    throw new SwitchboardError(
      "context-not-found",
      `The context "${context}" is not in your kubeconfig.`,
      "Pick one of the listed contexts, or add it with `gcloud container clusters get-credentials …`.",
      { context },
    );
  }
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: merged.getClusters(),
    users: merged.getUsers(),
    contexts: merged.getContexts(),
    currentContext: context,
  });
  if (!kc.getCurrentCluster()) {
    throw new SwitchboardError(
      "kubeconfig-invalid",
      `The context "${context}" names the cluster "${ctx.cluster}", which is not in your kubeconfig.`,
      "Fix the kubeconfig, or fetch it again with `gcloud container clusters get-credentials …`.",
      { context, cluster: ctx.cluster },
    );
  }
  return kc;
}

function cancelledError(): Error {
  return Object.assign(new Error("The request was cancelled."), { code: "ABORT_ERR" });
}

function timeoutError(ms: number): Error {
  return Object.assign(new Error(`no answer within ${ms} ms`), { code: "ETIMEDOUT" });
}

export class KubeClient {
  readonly context: string;
  readonly server: string;
  readonly namespace: string | undefined;
  readonly #cluster: Cluster;
  readonly #credentials: CredentialSource;
  readonly #requestTimeoutMs: number;
  readonly #user: ReturnType<KubeConfig["getCurrentUser"]>;
  #agent: http.Agent | undefined;
  #agentKey = "";
  #closed = false;

  constructor(options: KubeClientOptions) {
    const kc = kubeConfigForContext(options.kubeConfig, options.context);
    this.context = options.context;
    this.#cluster = kc.getCurrentCluster() as Cluster;
    this.server = this.#cluster.server.replace(/\/+$/, "");
    this.namespace = kc.getContextObject(options.context)?.namespace;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 15_000;
    this.#credentials = new CredentialSource(kc, options, { context: options.context, server: this.server });
    this.#user = kc.getCurrentUser();
  }

  /** Forget cached credentials (and a remembered plugin failure): the next request logs in again. */
  resetCredentials(): void {
    this.#credentials.invalidate();
  }

  close(): void {
    this.#closed = true;
    this.#agent?.destroy();
    this.#agent = undefined;
  }

  /** One keep-alive agent per session; rebuilt only if an exec plugin hands out a new client cert. */
  #agentFor(credential: Credential): http.Agent {
    const key = `${credential.cert ?? ""}|${credential.key ?? ""}`;
    if (this.#agent && this.#agentKey === key) return this.#agent;
    this.#agent?.destroy();
    this.#agentKey = key;
    if (this.server.startsWith("http:")) {
      this.#agent = new http.Agent({ keepAlive: true });
      return this.#agent;
    }
    const read = (file?: string, data?: string) =>
      file ? readFileSyncSafe(file) : data ? Buffer.from(data, "base64") : undefined;
    const user = this.#user;
    this.#agent = new https.Agent({
      keepAlive: true,
      keepAliveMsecs: 30_000,
      ca: read(this.#cluster.caFile, this.#cluster.caData),
      cert: credential.cert ?? read(user?.certFile, user?.certData),
      key: credential.key ?? read(user?.keyFile, user?.keyData),
      rejectUnauthorized: !this.#cluster.skipTLSVerify,
      ...(this.#cluster.tlsServerName ? { servername: this.#cluster.tlsServerName } : {}),
    });
    return this.#agent;
  }

  #url(path: string, query?: RequestOptions["query"]): URL {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  /**
   * Sends a request and resolves with the response once its headers arrived. The deadline covers
   * connect + TLS + headers (a blackholed address or a server that never answers fails in time).
   */
  async #send(
    method: string,
    url: URL,
    body: string | undefined,
    contentType: string | undefined,
    timeoutMs: number,
    ctx: RequestContext,
    signal?: AbortSignal,
    retried = false,
  ): Promise<{ res: http.IncomingMessage; req: http.ClientRequest }> {
    if (this.#closed) throw new SwitchboardError("cancelled", "The cluster session was closed.");
    const credential = await this.#credentials.get();
    const agent = this.#agentFor(credential);
    const headers: Record<string, string> = { Accept: "application/json", ...credential.headers };
    if (body !== undefined) {
      headers["Content-Type"] = contentType ?? "application/json";
      headers["Content-Length"] = String(Buffer.byteLength(body));
    }
    const mod = url.protocol === "http:" ? http : https;
    const result = await new Promise<{ res: http.IncomingMessage; req: http.ClientRequest }>((resolve, reject) => {
      const req = mod.request(url, { method, headers, agent });
      // Cancellation by hand rather than http.request's `signal`: that one destroys the response
      // stream with an AbortError nobody may be listening for any more (an uncaught exception).
      // This listener only covers the time until the response headers; request() and watch() handle
      // cancellation of the body themselves.
      const onAbort = () => req.destroy(cancelledError());
      if (signal?.aborted) queueMicrotask(onAbort);
      else signal?.addEventListener("abort", onAbort, { once: true });
      const timer = setTimeout(() => req.destroy(timeoutError(timeoutMs)), timeoutMs);
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      req.on("response", (res) => {
        settle();
        // Late errors (after the caller settled) must not become uncaught exceptions.
        res.on("error", () => undefined);
        resolve({ res, req });
      });
      req.on("error", (err) => {
        settle();
        reject(classifyNetworkError(err, ctx));
      });
      req.end(body);
    });
    // client-go re-runs the exec plugin once when the server refuses a cached token.
    if (result.res.statusCode === 401 && this.#credentials.usesExec && !retried) {
      result.res.on("error", () => undefined).resume();
      this.#credentials.invalidate();
      return this.#send(method, url, body, contentType, timeoutMs, ctx, signal, true);
    }
    return result;
  }

  /** A JSON request; non-2xx answers reject with a classified SwitchboardError (details.status). */
  async request<T = unknown>(options: RequestOptions): Promise<T> {
    const ctx: RequestContext = { server: this.server, context: this.context, ...options.ctx };
    const timeoutMs = options.timeoutMs ?? this.#requestTimeoutMs;
    const body = options.body === undefined ? undefined : typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    const url = this.#url(options.path, options.query);
    const { res, req } = await this.#send(options.method ?? "GET", url, body, options.contentType, timeoutMs, ctx, options.signal);
    // The body must also arrive within the deadline (a server can stall mid-body).
    const signal = options.signal;
    const text = await new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const timer = setTimeout(() => req.destroy(timeoutError(timeoutMs)), timeoutMs);
      const onAbort = () => req.destroy(cancelledError());
      signal?.addEventListener("abort", onAbort, { once: true });
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        settle();
        resolve(Buffer.concat(chunks).toString("utf8"));
      });
      res.on("error", (err) => {
        settle();
        reject(classifyNetworkError(err, ctx));
      });
      req.on("error", (err) => {
        settle();
        reject(classifyNetworkError(err, ctx));
      });
    });
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) throw classifyStatus(status, text, ctx);
    try {
      return (text ? JSON.parse(text) : undefined) as T;
    } catch {
      throw new SwitchboardError("internal", `The cluster answered ${status} with something that is not JSON.`, undefined, {
        ...ctx,
        body: text.slice(0, 300),
      });
    }
  }

  /**
   * Streams a watch until the server ends it ("ended"), nothing arrived for idleTimeoutMs ("idle"), the
   * signal aborts ("aborted"), or it fails (rejects with a classified error). Events are delivered
   * synchronously as lines arrive.
   */
  async watch(options: WatchOptions): Promise<WatchEnd> {
    const ctx: RequestContext = { server: this.server, context: this.context, verb: "watch", ...options.ctx };
    const url = this.#url(options.path, { ...options.query, watch: "true", allowWatchBookmarks: "true" });
    let sent: { res: http.IncomingMessage; req: http.ClientRequest };
    try {
      sent = await this.#send("GET", url, undefined, undefined, this.#requestTimeoutMs, ctx, options.signal);
    } catch (err) {
      if (options.signal.aborted) return "aborted";
      throw err;
    }
    const { res, req } = sent;
    const status = res.statusCode ?? 0;
    if (status !== 200) {
      const text = await readAll(res).catch(() => "");
      throw classifyStatus(status, text, ctx);
    }
    return new Promise<WatchEnd>((resolve, reject) => {
      let buffer = "";
      let idle: NodeJS.Timeout | undefined;
      let idled = false;
      let finished = false;
      const arm = () => {
        clearTimeout(idle);
        idle = setTimeout(() => {
          // Silence for this long: end the watch like a server-side timeout (the caller resumes from its
          // resourceVersion; if the server is really gone, that next request fails and says why).
          idled = true;
          req.destroy();
        }, options.idleTimeoutMs);
      };
      const done = (err?: unknown) => {
        if (finished) return;
        finished = true;
        clearTimeout(idle);
        options.signal.removeEventListener("abort", onAbort);
        if (options.signal.aborted) resolve("aborted");
        else if (idled) resolve("idle");
        else if (err) reject(classifyNetworkError(err, ctx));
        else resolve("ended");
      };
      const onAbort = () => {
        req.destroy();
        done();
      };
      options.signal.addEventListener("abort", onAbort, { once: true });
      arm();
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        arm();
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (!line) continue;
          let event: WatchEvent;
          try {
            event = JSON.parse(line) as WatchEvent;
          } catch {
            continue; // a torn line cannot happen over HTTP/1.1 chunking; ignore garbage like client-go
          }
          options.onEvent(event);
        }
      });
      res.on("end", () => done());
      res.on("error", (err) => done(err));
      res.on("aborted", () => done(Object.assign(new Error("connection closed mid-watch"), { code: "ECONNRESET" })));
      req.on("error", (err) => done(err));
      if (options.signal.aborted) onAbort();
    });
  }
}

function readAll(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    res.on("error", reject);
  });
}

function readFileSyncSafe(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new SwitchboardError(
      "kubeconfig-invalid",
      `A file your kubeconfig points to could not be read: ${file}.`,
      "Fix the path in your kubeconfig (certificate-authority / client-certificate / client-key), or fetch the kubeconfig again.",
      { file, cause: err instanceof Error ? err.message : String(err) },
    );
  }
}
