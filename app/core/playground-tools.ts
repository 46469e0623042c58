// The onboarding tour's two tools (app/contract/tour.ts), available only while the session is the
// embedded playground: the host hands the core the playground's context and front door URLs
// (CoreOptions.playground), so nothing here can reach anything but the playground's own loopback
// listeners and the local server below.
//   playground.request     — one request through a load balancer's front door, as a user would send it.
//   playground.localServer — a tiny HTTP server on 127.0.0.1 standing for the developer's process that
//                            an intercept sends traffic to; every request it gets is an event.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { MethodInput } from "../contract/api.ts";
import { SwitchboardError } from "../contract/errors.ts";
import type { LocalRequest, LocalServerView, PlaygroundResponse, TourEvent, TourMethodOutputs } from "../contract/tour.ts";

export interface EmbeddedPlaygroundInfo {
  /** The playground's kubeconfig context. */
  context: string;
  /** "namespace/name" of each Ingress / Gateway → its front door URL (http://127.0.0.1:port). */
  loadBalancers: Record<string, string>;
}

export interface PlaygroundToolsOptions {
  playground: EmbeddedPlaygroundInfo | null;
  /** The selected context now. */
  context(): string | null;
  emit(event: TourEvent): void;
  /** Deadline of one front door request (default 10 s). */
  requestTimeoutMs?: number;
}

const BODY_LIMIT = 4096;
const KEEP_REQUESTS = 50;
export const LOCAL_GREETING = "hello from your laptop\n";

export function createPlaygroundTools(options: PlaygroundToolsOptions) {
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  let server: http.Server | null = null;
  let port: number | null = null;
  let unserved: string[] = [];
  let requests: LocalRequest[] = [];
  let seq = 0;

  function requirePlayground(what: string): EmbeddedPlaygroundInfo {
    const pg = options.playground;
    if (!pg) {
      throw new SwitchboardError(
        "not-found",
        `${what} works only in the built-in playground, and this Switchboard did not start one.`,
        "Start Switchboard with `npm start -- --playground` to try the tour on the simulated GKE cluster.",
      );
    }
    if (options.context() !== pg.context) {
      throw new SwitchboardError(
        "context-not-found",
        `${what} works only while the playground is the selected context (now: ${options.context() ?? "none"}).`,
        `Pick the context "${pg.context}" in the sidebar.`,
        { context: pg.context },
      );
    }
    return pg;
  }

  function view(): LocalServerView {
    const pg = options.playground;
    return { available: pg !== null && options.context() === pg.context, running: server !== null, port, unservedPaths: [...unserved], requests: [...requests] };
  }

  function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const path = (req.url ?? "/").split("?")[0] || "/";
    const ua = String(req.headers["user-agent"] ?? "");
    const notServed = unserved.includes(path);
    const status = notServed ? 404 : 200;
    // Drain the body (none expected) before answering, so keep-alive connections stay usable.
    req.resume();
    req.on("end", () => {
      res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "x-switchboard-local": "tour" });
      res.end(notServed ? `404 ${path} is not served on your laptop\n` : LOCAL_GREETING);
    });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
    const record: LocalRequest = { seq: ++seq, at: new Date().toISOString(), method: req.method ?? "GET", path, headers, status, healthCheck: ua.startsWith("GoogleHC") };
    requests = [...requests, record].slice(-KEEP_REQUESTS);
    if (port !== null) options.emit({ type: "local-request", port, request: record });
  }

  async function start(paths: string[]): Promise<LocalServerView> {
    unserved = [...new Set(paths)];
    if (server) {
      options.emit({ type: "local-server", server: view() });
      return view();
    }
    const next = http.createServer(handle);
    await new Promise<void>((resolve, reject) => {
      next.once("error", reject);
      next.listen(0, "127.0.0.1", () => resolve());
    });
    server = next;
    port = (next.address() as AddressInfo).port;
    requests = [];
    seq = 0;
    options.emit({ type: "local-server", server: view() });
    return view();
  }

  async function stop(): Promise<LocalServerView> {
    const s = server;
    server = null;
    port = null;
    if (s) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
      options.emit({ type: "local-server", server: view() });
    }
    return view();
  }

  const methods = {
    async "playground.request"(input: MethodInput<"playground.request">): Promise<TourMethodOutputs["playground.request"]> {
      const pg = requirePlayground("Sending a request through the front door");
      const base = pg.loadBalancers[input.loadBalancer];
      if (!base) {
        throw new SwitchboardError(
          "not-found",
          `The playground has no load balancer "${input.loadBalancer}".`,
          `Pick one of: ${Object.keys(pg.loadBalancers).sort().join(", ") || "(none)"}.`,
          { loadBalancer: input.loadBalancer },
        );
      }
      const url = new URL(input.path ?? "/", base).toString();
      const at = new Date().toISOString();
      try {
        const res = await fetch(url, { headers: input.headers ?? {}, signal: AbortSignal.timeout(timeoutMs), redirect: "manual" });
        const text = await res.text();
        const headers: Record<string, string> = {};
        res.headers.forEach((v, k) => (headers[k] = v));
        return { loadBalancer: input.loadBalancer, url, status: res.status, headers, body: text.slice(0, BODY_LIMIT), error: null, at } satisfies PlaygroundResponse;
      } catch (error) {
        const e = error as Error & { cause?: { code?: string } };
        const why = e.name === "TimeoutError" ? `no answer within ${timeoutMs / 1000} s` : (e.cause?.code ?? e.message);
        return { loadBalancer: input.loadBalancer, url, status: null, headers: {}, body: "", error: why, at };
      }
    },

    async "playground.localServer"(input: MethodInput<"playground.localServer">): Promise<TourMethodOutputs["playground.localServer"]> {
      if (input.action === "status") return view();
      if (input.action === "stop") return stop();
      requirePlayground("The tour's local server");
      return start(input.unservedPaths ?? []);
    },
  };

  return { methods, close: stop, view };
}
