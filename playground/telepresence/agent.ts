// The `tel2` image: the traffic-agent container the injector adds to pods (telepresence.md §4) and
// the traffic-manager container of the `traffic-manager` Deployment. The agent listens on its agent
// ports (9900+) and, per connection:
//  - port not intercepted: forwards to the app container's port at the pod IP (the pod network's
//    `direct` dial, which skips tel-agent-init's redirect, like the real iptables owner exemption);
//  - globally intercepted: forwards the TCP connection through the user daemon's tunnel to the
//    developer's 127.0.0.1:<local port> (nothing listening there ⇒ the connection fails);
//  - HTTP-filtered (2.25+ `--http-header`, `--http-path-prefix`): parses HTTP and sends only matching
//    requests to the laptop, the others to the app (telepresence.md §5 last paragraph);
//  - wiretapped (2.23+): serves as above and sends a read-only copy of the inbound bytes to the laptop.
import { createServer as createHttpServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import { connect, type Socket } from "node:net";
import type { PortHandler } from "../kubelet/listeners.ts";
import type { ContainerContext, ContainerProcess, ImageFactory } from "../images/registry.ts";
import type { HttpHeaderFilter, InterceptRecord, InterceptSpec } from "./cluster-state.ts";
import { AGENT_CONTAINER, agentConfigOf, INIT_CONTAINER, redirectsOf, type AgentConfig, type AgentIntercept } from "./inject.ts";

export const TEL2_IMAGE = "ghcr.io/telepresenceio/tel2";

/** The manager's view the agents consult on every connection (kept current by a watch). */
export interface InterceptSource {
  intercepts(): InterceptRecord[];
}

interface PortRoute {
  containerName: string;
  containerPort: number;
  replaced: boolean;
}

function hostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(":");
  return { host: address.slice(0, i), port: Number(address.slice(i + 1)) };
}

/** Opens a connection through the daemon's tunnel to the intercept's local target. */
export function dialTunnel(spec: InterceptSpec): Socket {
  const { host, port } = hostPort(spec.tunnel);
  const socket = connect({ host, port });
  socket.setNoDelay(true);
  socket.write(`${JSON.stringify({ id: spec.id, host: spec.targetHost, port: spec.targetPort })}\n`);
  return socket;
}

function pipeBoth(a: Socket, b: Socket): void {
  a.on("error", () => b.destroy());
  b.on("error", () => a.destroy());
  a.on("close", () => b.destroy());
  b.on("close", () => a.destroy());
  a.pipe(b);
  b.pipe(a);
}

/** `--http-header NAME=VALUE`: the value is a regular expression matched against the whole header. */
export function headerMatches(filters: HttpHeaderFilter[], headers: IncomingMessage["headers"]): boolean {
  return filters.every((f) => {
    const raw = headers[f.name.toLowerCase()];
    const values = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    let re: RegExp | undefined;
    try {
      re = new RegExp(`^(?:${f.value})$`);
    } catch {
      re = undefined;
    }
    return values.some((v) => (re ? re.test(v) : v === f.value));
  });
}

export function requestMatches(spec: InterceptSpec, req: IncomingMessage): boolean {
  if (spec.headers.length > 0 && !headerMatches(spec.headers, req.headers)) return false;
  if (spec.pathPrefix && !(req.url ?? "/").startsWith(spec.pathPrefix)) return false;
  return true;
}

/**
 * Forwards one HTTP request. When the upstream cannot be reached: `failClosed` drops the client's
 * connection (what a TCP-level forward does: a global intercept with nothing listening locally),
 * otherwise the agent answers 502.
 */
function forwardHttp(req: IncomingMessage, res: ServerResponse, upstream: Socket | undefined, failClosed: boolean): void {
  const fail = (message: string) => {
    if (failClosed) req.socket.destroy();
    else if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" }).end(`traffic-agent: ${message}\n`);
    else res.destroy();
  };
  if (!upstream) {
    fail("connection refused");
    return;
  }
  const out = request({ method: req.method, path: req.url, headers: req.headers, createConnection: () => upstream }, (up) => {
    res.writeHead(up.statusCode ?? 502, up.statusMessage, up.rawHeaders);
    up.pipe(res);
  });
  out.on("error", (err) => {
    upstream.destroy();
    fail(err.message);
  });
  req.pipe(out);
}

const HTTP_REQUEST_LINE = /^(GET|HEAD|POST|PUT|DELETE|OPTIONS|PATCH|TRACE|CONNECT|PRI) /;

/** The traffic-agent process of one pod. */
export function trafficAgent(ctx: ContainerContext, source: InterceptSource, config: AgentConfig): ContainerProcess {
  const routes = new Map<number, PortRoute>();
  for (const cc of config.containers) {
    for (const ic of cc.intercepts as AgentIntercept[]) {
      routes.set(ic.agentPort, { containerName: cc.name, containerPort: ic.containerPort, replaced: !!cc.replaced });
      // Replace mode with a numeric target: the container is gone, the agent takes its port itself.
      if (cc.replaced && !ic.targetPortName) routes.set(ic.containerPort, { containerName: cc.name, containerPort: ic.containerPort, replaced: true });
    }
  }
  const namespace = ctx.namespace;

  const active = (route: PortRoute): InterceptRecord[] =>
    source.intercepts().filter((r) =>
      r.status?.disposition === "ACTIVE" && r.spec.namespace === namespace && r.spec.workloadName === config.workloadName &&
      r.spec.containerName === route.containerName && r.spec.containerPort === route.containerPort);

  const dialApp = (route: PortRoute): Socket | undefined => {
    if (route.replaced) return undefined;
    const address = ctx.network.dial(ctx.podIP, route.containerPort, { direct: true });
    if (!address) return undefined;
    const s = connect(address);
    s.setNoDelay(true);
    return s;
  };

  // HTTP connections are routed per request (keep-alive connections opened before an intercept
  // started follow it at their next request, like the real agent's HTTP handling).
  const httpServers = new Map<number, ReturnType<typeof createHttpServer>>();
  const httpFor = (route: PortRoute) => {
    let server = httpServers.get(route.containerPort);
    if (server) return server;
    server = createHttpServer((req, res) => {
      const records = active(route).filter((r) => !r.spec.wiretap);
      const global = records.find((r) => r.spec.mechanism === "tcp");
      if (global) return forwardHttp(req, res, dialTunnel(global.spec), true);
      const filtered = records.find((r) => r.spec.mechanism === "http" && requestMatches(r.spec, req));
      if (filtered) return forwardHttp(req, res, dialTunnel(filtered.spec), false);
      forwardHttp(req, res, dialApp(route), true);
    });
    server.keepAliveTimeout = 5_000;
    httpServers.set(route.containerPort, server);
    return server;
  };

  const raw = (route: PortRoute, socket: Socket) => {
    const intercept = active(route).find((r) => !r.spec.wiretap);
    const upstream = intercept ? dialTunnel(intercept.spec) : dialApp(route);
    if (!upstream) {
      socket.destroy();
      return;
    }
    pipeBoth(socket, upstream);
  };

  const handlerFor = (route: PortRoute): PortHandler => ({
    kind: "tcp",
    connection(socket: Socket) {
      socket.setNoDelay(true);
      for (const tap of active(route).filter((r) => r.spec.wiretap)) {
        // A read-only copy: what the laptop answers is dropped; its failures never touch the app's traffic.
        const copy = dialTunnel(tap.spec);
        copy.on("error", () => copy.destroy());
        copy.resume();
        socket.on("data", (chunk: Buffer) => {
          if (!copy.destroyed) copy.write(chunk);
        });
        socket.on("close", () => copy.end());
      }
      // Sniff the first bytes: HTTP is parsed, anything else is forwarded as bytes. A protocol
      // where the server speaks first sends nothing: decide after a short wait.
      const timer = setTimeout(() => {
        socket.off("data", onFirst);
        raw(route, socket);
      }, 200);
      const onFirst = (chunk: Buffer) => {
        clearTimeout(timer);
        socket.pause();
        socket.unshift(chunk);
        if (HTTP_REQUEST_LINE.test(chunk.subarray(0, 8).toString("latin1"))) httpFor(route).emit("connection", socket);
        else raw(route, socket);
        socket.resume();
      };
      socket.once("data", onFirst);
      socket.on("close", () => clearTimeout(timer));
    },
  });

  const ports = new Map<number, PortHandler>();
  for (const [port, route] of routes) ports.set(port, handlerFor(route));

  // tel-agent-init's iptables rules (telepresence.md §4): the playground runs no init containers, so
  // the agent installs the redirects when it starts and removes them when it stops.
  const redirects = ctx.pod.spec.initContainers?.some((c) => c.name === INIT_CONTAINER) ? redirectsOf(config) : [];
  for (const r of redirects) ctx.network.redirect(ctx.podIP, r.containerPort, r.agentPort);
  return {
    ports,
    stop() {
      for (const r of redirects) ctx.network.unredirect(ctx.podIP, r.containerPort);
      for (const s of httpServers.values()) s.close();
    },
  };
}

/** The traffic-manager container: answers on its declared ports (the real one serves gRPC and the webhook). */
function managerProcess(ctx: ContainerContext): ContainerProcess {
  const ports = new Map<number, PortHandler>();
  for (const p of ctx.container.ports ?? []) {
    ports.set(p.containerPort, {
      kind: "http",
      handle(_req, res) {
        res.writeHead(200, { "content-type": "text/plain" }).end(`traffic-manager ${ctx.container.image ?? ""}\n`);
      },
    });
  }
  return { ports };
}

/** The `tel2` image factory: the agent in pods the injector mutated, else the manager. */
export function tel2Image(source: InterceptSource): ImageFactory {
  return (ctx) => {
    if (ctx.container.name === AGENT_CONTAINER) {
      const config = agentConfigOf(ctx.container);
      if (config) return trafficAgent(ctx, source, config);
    }
    return managerProcess(ctx);
  };
}
