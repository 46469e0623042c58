// The Compute API's read side for NEG health, on 127.0.0.1, in the real REST paths and shapes
// (gke-neg.md §8), so the app (and @google-cloud/compute with `fallback: true`) can read live
// per-endpoint health from the playground exactly as from Google Cloud.
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Gce, Neg } from "./gce.ts";
import { negKey } from "./gce.ts";
import { backendServiceUrl, healthCheckUrl, instanceUrl, parseNegUrl } from "./naming.ts";

export interface ComputeApiOptions {
  /** Bearer token clients must send; random when not given. */
  token?: string;
  port?: number;
}

type Json = Record<string, unknown>;

class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly extra: Json;
  constructor(code: number, reason: string, message: string, extra: Json = {}) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.extra = extra;
  }
}

/** Google's error JSON (`{"error":{"code","message","errors":[{message,domain,reason}]}}`). */
function errorBody(err: ApiError): Json {
  const status = { 400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED" }[err.code];
  return { error: { code: err.code, message: err.message, errors: [{ message: err.message, domain: "global", reason: err.reason, ...err.extra }], ...(status ? { status } : {}) } };
}

function notFound(what: string): ApiError {
  return new ApiError(404, "notFound", `The resource '${what}' was not found`);
}

function page<T>(items: T[], query: URLSearchParams): { items: T[]; nextPageToken?: string } {
  const max = Math.min(500, Math.max(1, Number(query.get("maxResults") ?? 500) || 500));
  const start = query.get("pageToken") ? Number(Buffer.from(query.get("pageToken")!, "base64url").toString()) : 0;
  if (!Number.isInteger(start) || start < 0) throw new ApiError(400, "invalid", "Invalid value for field 'pageToken'");
  const slice = items.slice(start, start + max);
  return start + max < items.length ? { items: slice, nextPageToken: Buffer.from(String(start + max)).toString("base64url") } : { items: slice };
}

export class ComputeApi {
  private readonly gce: Gce;
  readonly token: string;
  private readonly port: number;
  private server?: http.Server;
  private urlValue = "";

  constructor(gce: Gce, options: ComputeApiOptions = {}) {
    this.gce = gce;
    this.token = options.token ?? randomBytes(24).toString("base64url");
    this.port = options.port ?? 0;
  }

  /** Base URL; the API paths start with `/compute/v1/`. */
  get url(): string {
    return this.urlValue;
  }

  async start(): Promise<string> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
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

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const send = (code: number, body: Json) => {
      res.writeHead(code, { "content-type": "application/json; charset=UTF-8" });
      res.end(JSON.stringify(body));
    };
    try {
      const auth = req.headers.authorization ?? "";
      if (auth !== `Bearer ${this.token}`) {
        throw new ApiError(401, auth ? "authError" : "required", auth ? "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential." : "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.", { location: "Authorization", locationType: "header" });
      }
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const raw = Buffer.concat(chunks).toString();
      let body: Json = {};
      if (raw.trim()) {
        try {
          body = JSON.parse(raw) as Json;
        } catch {
          throw new ApiError(400, "parseError", "Invalid JSON payload received.");
        }
      }
      const url = new URL(req.url ?? "/", "http://x");
      send(200, this.route(req.method ?? "GET", url.pathname, url.searchParams, body));
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError(500, "backendError", (err as Error).message);
      send(e.code, errorBody(e));
    }
  }

  private route(method: string, path: string, query: URLSearchParams, body: Json): Json {
    const m = /^\/compute\/v1\/projects\/([^/]+)\/(.*)$/.exec(path);
    if (!m) throw new ApiError(404, "notFound", `Not Found: ${path}`);
    const [, project, rest] = m as unknown as [string, string, string];
    const p = rest.split("/").map(decodeURIComponent);
    const known = project === this.gce.project;
    // zones/{z}/networkEndpointGroups[/{neg}[/listNetworkEndpoints]]
    if (p[0] === "zones" && p[2] === "networkEndpointGroups") {
      const zone = p[1]!;
      if (p.length === 3 && method === "GET") {
        const items = known ? [...this.gce.negs.values()].filter((n) => n.zone === zone).map((n) => this.negJson(n)) : [];
        return { kind: "compute#networkEndpointGroupList", id: `projects/${project}/zones/${zone}/networkEndpointGroups`, ...page(items, query), selfLink: `https://www.googleapis.com/compute/v1/projects/${project}/zones/${zone}/networkEndpointGroups` };
      }
      const name = p[3]!;
      const neg = known ? this.gce.negs.get(negKey(zone, name)) : undefined;
      if (!neg) throw notFound(`projects/${project}/zones/${zone}/networkEndpointGroups/${name}`);
      if (p.length === 4 && method === "GET") return this.negJson(neg);
      if (p.length === 5 && p[4] === "listNetworkEndpoints" && method === "POST") return this.listNetworkEndpoints(neg, body, query);
    }
    if (p[0] === "global" && p[1] === "backendServices") {
      if (p.length === 2 && method === "GET") {
        const items = known ? [...this.gce.backendServices.keys()].map((n) => this.backendServiceJson(n)) : [];
        return { kind: "compute#backendServiceList", id: `projects/${project}/global/backendServices`, ...page(items, query) };
      }
      const name = p[2]!;
      const bs = known ? this.gce.backendServices.get(name) : undefined;
      if (!bs) throw notFound(`projects/${project}/global/backendServices/${name}`);
      if (p.length === 3 && method === "GET") return this.backendServiceJson(name);
      if (p.length === 4 && p[3] === "getHealth" && method === "POST") return this.getHealth(name, body);
    }
    if (p[0] === "global" && p[1] === "healthChecks") {
      if (p.length === 2 && method === "GET") {
        const items = known ? [...this.gce.healthChecks.keys()].map((n) => this.healthCheckJson(n)) : [];
        return { kind: "compute#healthCheckList", id: `projects/${project}/global/healthChecks`, ...page(items, query) };
      }
      const name = p[2]!;
      if (!known || !this.gce.healthChecks.has(name)) throw notFound(`projects/${project}/global/healthChecks/${name}`);
      if (p.length === 3 && method === "GET") return this.healthCheckJson(name);
    }
    throw new ApiError(404, "notFound", `Not Found: ${method} ${path}`);
  }

  private negJson(neg: Neg): Json {
    return {
      kind: "compute#networkEndpointGroup",
      id: neg.id,
      creationTimestamp: neg.creationTimestamp,
      selfLink: neg.selfLink,
      name: neg.name,
      description: neg.description,
      networkEndpointType: "GCE_VM_IP_PORT",
      size: neg.endpoints.size,
      zone: `https://www.googleapis.com/compute/v1/projects/${this.gce.project}/zones/${neg.zone}`,
      network: `https://www.googleapis.com/compute/v1/projects/${this.gce.project}/global/networks/default`,
      subnetwork: `https://www.googleapis.com/compute/v1/projects/${this.gce.project}/regions/${neg.zone.replace(/-[a-z]$/, "")}/subnetworks/default`,
      defaultPort: 0,
    };
  }

  /** gke-neg.md §8: items[].networkEndpoint and, with healthStatus SHOW, items[].healths[]. */
  private listNetworkEndpoints(neg: Neg, body: Json, query: URLSearchParams): Json {
    const show = body.healthStatus === "SHOW";
    const key = negKey(neg.zone, neg.name);
    const services = this.gce.backendServicesOf(key);
    const items = [...neg.endpoints.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([epKey, ep]) => {
        const item: Json = { networkEndpoint: { ipAddress: ep.ipAddress, port: ep.port, instance: ep.instance } };
        if (show) {
          // Empty healths ⇒ the NEG is not behind a health-checked backend service.
          item.healths = services.map((bs) => ({
            backendService: { backendService: backendServiceUrl(this.gce.project, bs.name) },
            healthCheck: { healthCheck: healthCheckUrl(this.gce.project, bs.healthCheck) },
            healthState: this.gce.healthOf(bs.name, key, epKey),
          }));
        }
        return item;
      });
    return { kind: "compute#networkEndpointGroupsListNetworkEndpoints", id: `projects/${this.gce.project}/zones/${neg.zone}/networkEndpointGroups/${neg.name}`, ...page(items, query) };
  }

  private backendServiceJson(name: string): Json {
    const bs = this.gce.backendServices.get(name)!;
    return {
      kind: "compute#backendService",
      id: bs.id,
      name: bs.name,
      selfLink: bs.selfLink,
      description: JSON.stringify({ "kubernetes.io/service-name": bs.owner }),
      protocol: this.gce.healthChecks.get(bs.healthCheck)?.settings.type === "HTTPS" ? "HTTPS" : "HTTP",
      loadBalancingScheme: "EXTERNAL_MANAGED",
      healthChecks: this.gce.healthChecks.has(bs.healthCheck) ? [healthCheckUrl(this.gce.project, bs.healthCheck)] : [],
      backends: bs.backends.map((k) => ({ group: this.gce.negs.get(k)?.selfLink ?? k, balancingMode: "RATE", maxRatePerEndpoint: 1e8, capacityScaler: 1 })),
      timeoutSec: 30,
    };
  }

  private healthCheckJson(name: string): Json {
    const hc = this.gce.healthChecks.get(name)!;
    const s = hc.settings;
    const block: Json = { portSpecification: s.portSpecification, ...(s.port !== undefined ? { port: s.port } : {}) };
    if (s.type !== "TCP") Object.assign(block, { requestPath: s.requestPath, ...(s.host ? { host: s.host } : {}), proxyHeader: "NONE" });
    const blockName = { HTTP: "httpHealthCheck", HTTPS: "httpsHealthCheck", HTTP2: "http2HealthCheck", TCP: "tcpHealthCheck" }[s.type];
    return {
      kind: "compute#healthCheck",
      id: hc.id,
      name: hc.name,
      selfLink: hc.selfLink,
      description: s.description,
      type: s.type,
      checkIntervalSec: s.checkIntervalSec,
      timeoutSec: s.timeoutSec,
      healthyThreshold: s.healthyThreshold,
      unhealthyThreshold: s.unhealthyThreshold,
      [blockName]: block,
    };
  }

  /** gke-neg.md §8: `{"group": "<NEG URL>"}` → healthStatus[] {ipAddress, port, instance, healthState}. */
  private getHealth(bsName: string, body: Json): Json {
    const group = typeof body.group === "string" ? body.group : "";
    const parsed = parseNegUrl(group);
    const bs = this.gce.backendServices.get(bsName)!;
    const key = parsed && negKey(parsed.zone, parsed.name);
    if (!parsed || parsed.project !== this.gce.project || !key || !bs.backends.includes(key) || !this.gce.negs.has(key)) {
      throw new ApiError(400, "invalid", `Invalid value for field 'resource.group': '${group}'. Resource is not a backend of backend service '${bsName}'.`);
    }
    const neg = this.gce.negs.get(key)!;
    const healthStatus = [...neg.endpoints.entries()].map(([epKey, ep]) => ({
      ipAddress: ep.ipAddress,
      port: ep.port,
      instance: instanceUrl(this.gce.project, neg.zone, ep.instance),
      healthState: this.gce.healthOf(bsName, key, epKey),
    }));
    return { kind: "compute#backendServiceGroupHealth", healthStatus };
  }
}
