// The images every playground knows (documented in playground/README.md).
import type { IncomingMessage, ServerResponse } from "node:http";
import type { PortHandler } from "../kubelet/listeners.ts";
import { ImageRegistry, type ContainerContext, type ContainerProcess, type ImageFactory } from "./registry.ts";

export const DEMO_APP = "switchboard/demo-app";
export const HEALTH_SIDECAR = "switchboard/health-sidecar";

function declaredPorts(ctx: ContainerContext): number[] {
  return (ctx.container.ports ?? []).filter((p) => (p.protocol ?? "TCP") === "TCP").map((p) => p.containerPort);
}

function envPort(ctx: ContainerContext, name: string): number | undefined {
  const raw = ctx.env[name];
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : undefined;
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  return q >= 0 ? url.slice(0, q) : url;
}

function text(res: ServerResponse, status: number, body: string, ctx: ContainerContext): void {
  res.writeHead(status, {
    "content-type": "text/plain; charset=utf-8",
    "x-playground-pod": `${ctx.namespace}/${ctx.podName}`,
    "x-playground-container": ctx.container.name,
  });
  res.end(body);
}

function answerHealth(res: ServerResponse, ctx: ContainerContext): void {
  if (ctx.health.isHealthy(ctx.namespace, ctx.podName, ctx.container.name)) text(res, 200, "ok\n", ctx);
  else text(res, 503, `unhealthy: health of ${ctx.podName} (${ctx.container.name}) switched off by the playground\n`, ctx);
}

function http(handle: (req: IncomingMessage, res: ServerResponse) => void): PortHandler {
  return { kind: "http", handle };
}

/**
 * switchboard/demo-app: `/` (any path) answers `hello from <pod> (<container>)`; the health path
 * (env HEALTH_PATH, default /healthz) answers 200, or 503 while the pod's health switch is off.
 * Listens on env PORT (default 8080) and, with env HEALTH_PORT, on a dedicated health port that
 * answers only the health path (strategy 2). Like a real process it does not read its pod spec:
 * declaring a containerPort does not make it listen there (telepresence.md §5 row 6 needs the app
 * itself to serve health on that port).
 */
export const demoApp: ImageFactory = (ctx) => {
  const healthPath = ctx.env.HEALTH_PATH || "/healthz";
  const port = envPort(ctx, "PORT") ?? 8080;
  const healthPort = envPort(ctx, "HEALTH_PORT");
  const ports = new Map<number, PortHandler>();
  ports.set(port, http((req, res) => {
    if (pathOf(req) === healthPath) answerHealth(res, ctx);
    else text(res, 200, `hello from ${ctx.podName} (${ctx.container.name})\n`, ctx);
  }));
  // HEALTH_PORT = PORT: one listener serves both (the serving one already answers the health path).
  if (healthPort !== undefined && healthPort !== port) {
    ports.set(healthPort, http((req, res) => {
      if (pathOf(req) === healthPath) answerHealth(res, ctx);
      else text(res, 404, "not found: this port serves only the health path\n", ctx);
    }));
  }
  return { ports };
};

/** switchboard/health-sidecar: answers the health path (env HEALTH_PATH, default /healthz) on PORT (default: its first declared port, else 8081). */
export const healthSidecar: ImageFactory = (ctx) => {
  const healthPath = ctx.env.HEALTH_PATH || "/healthz";
  const port = envPort(ctx, "PORT") ?? declaredPorts(ctx)[0] ?? 8081;
  const ports = new Map<number, PortHandler>();
  ports.set(port, http((req, res) => {
    if (pathOf(req) === healthPath) answerHealth(res, ctx);
    else text(res, 404, "not found\n", ctx);
  }));
  return { ports };
};

/** Any other image: every declared TCP containerPort answers 200 to everything. */
export const genericImage: ImageFactory = (ctx): ContainerProcess => {
  const ports = new Map<number, PortHandler>();
  for (const port of declaredPorts(ctx)) {
    ports.set(port, http((_req, res) => text(res, 200, `ok from ${ctx.podName} (${ctx.container.name})\n`, ctx)));
  }
  return { ports };
};

/** A registry with the playground's own images; unknown images run as `genericImage`. */
export function defaultImages(): ImageRegistry {
  const registry = new ImageRegistry(genericImage);
  registry.register(DEMO_APP, demoApp);
  registry.register(HEALTH_SIDECAR, healthSidecar);
  return registry;
}
