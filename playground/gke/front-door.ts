// The external HTTP(S) load balancer's data path for one Ingress or Gateway: a real HTTP server on
// 127.0.0.1 that proxies each request to a HEALTHY endpoint of the matching backend service (round
// robin), and answers 502 when the health checks left none (gke-neg.md §1: only endpoints that pass
// the load balancer's health check get traffic).
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Gce } from "./gce.ts";
import type { EndpointDialer } from "./types.ts";

export interface RouteRule {
  /** Exact host, or `*.suffix`; undefined matches any host. */
  host?: string;
  pathType: "Exact" | "Prefix";
  path: string;
  backendService: string;
}

export interface RouteTable {
  rules: RouteRule[];
  /** Where requests no rule matches go (Ingress defaultBackend); undefined → 404 like GKE's default backend. */
  defaultBackendService?: string;
}

function hostMatches(pattern: string | undefined, host: string): boolean {
  if (!pattern) return true;
  if (pattern.startsWith("*.")) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
  return pattern.toLowerCase() === host.toLowerCase();
}

function pathMatches(rule: RouteRule, path: string): boolean {
  if (rule.pathType === "Exact") return path === rule.path;
  if (rule.path === "/" || rule.path === "") return true;
  const prefix = rule.path.endsWith("/") ? rule.path.slice(0, -1) : rule.path;
  return path === prefix || path.startsWith(`${prefix}/`);
}

/** Most specific rule first: exact host before wildcard/any, Exact before Prefix, longer paths first. */
export function pickBackendService(table: RouteTable, host: string, path: string): string | undefined {
  const hostName = host.replace(/:\d+$/, "");
  const score = (r: RouteRule) => (r.host ? (r.host.startsWith("*.") ? 1 : 2) : 0) * 1e6 + (r.pathType === "Exact" ? 1e5 : 0) + r.path.length;
  const candidates = table.rules.filter((r) => hostMatches(r.host, hostName) && pathMatches(r, path)).sort((a, b) => score(b) - score(a));
  return candidates[0]?.backendService ?? table.defaultBackendService;
}

const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "proxy-authorization", "proxy-authenticate"]);

export class FrontDoor {
  readonly name: string;
  private readonly gce: Gce;
  private readonly dialer: EndpointDialer;
  private table: RouteTable = { rules: [] };
  private readonly next = new Map<string, number>();
  private server?: http.Server;
  private urlValue = "";

  constructor(name: string, gce: Gce, dialer: EndpointDialer) {
    this.name = name;
    this.gce = gce;
    this.dialer = dialer;
  }

  get url(): string {
    return this.urlValue;
  }

  setRoutes(table: RouteTable): void {
    this.table = table;
  }

  async start(port = 0): Promise<string> {
    const server = http.createServer((req, res) => this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    this.urlValue = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.urlValue;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private fail(res: http.ServerResponse, status: number, text: string): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(status, { "content-type": "text/plain; charset=utf-8", via: "1.1 google" });
    res.end(`${text}\n`);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const bs = pickBackendService(this.table, req.headers.host ?? "", path);
    if (!bs) {
      this.fail(res, 404, `response 404 (backend NotFound), service rules for the path non-existent (load balancer ${this.name})`);
      return;
    }
    const healthy = this.gce.healthyEndpoints(bs);
    if (healthy.length === 0) {
      this.fail(res, 502, `502 Bad Gateway: no healthy backend. Every endpoint of backend service ${bs} is failing the load balancer's health check (or has not passed it yet), so load balancer ${this.name} has nowhere to send this request.`);
      return;
    }
    const i = (this.next.get(bs) ?? 0) % healthy.length;
    this.next.set(bs, i + 1);
    const ep = healthy[i]!;
    const target = this.dialer(ep.ipAddress, ep.port);
    if (!target) {
      this.fail(res, 502, `502 Bad Gateway: backend ${ep.ipAddress}:${ep.port} (backend service ${bs}) refused the connection.`);
      return;
    }
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) headers[k] = v;
    const client = req.socket.remoteAddress ?? "127.0.0.1";
    headers["x-forwarded-for"] = req.headers["x-forwarded-for"] ? `${req.headers["x-forwarded-for"]}, ${client}` : client;
    headers["x-forwarded-proto"] = "http";
    headers["via"] = "1.1 google";
    const upstream = http.request({ host: target.host, port: target.port, method: req.method, path: req.url, headers, agent: false }, (up) => {
      const out: http.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(up.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) out[k] = v;
      out["via"] = "1.1 google";
      res.writeHead(up.statusCode ?? 502, out);
      up.pipe(res);
      up.on("error", () => res.destroy());
    });
    upstream.on("error", (err) => this.fail(res, 502, `502 Bad Gateway: backend ${ep.ipAddress}:${ep.port} (backend service ${bs}) failed: ${err.message}`));
    // A client that goes away must not leave the backend request hanging.
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  }
}
