// The playground's control endpoint, for tests and demos that run the playground out of process:
// flip a pod's health endpoints off and on, and resolve pod addresses. Its URL carries a random
// secret (a capability URL), so other local web pages cannot drive it.
//   POST {control}/pods/{namespace}/{name}/health  body {"healthy": false, "container"?: "demo-app"} → 204
//   GET  {control}/pods/{namespace}/{name}/health  → {"healthy": bool, "failing": ["ns/name", ...]}
//   GET  {control}/dial?ip=10.8.0.2&port=8080      → {"host": "127.0.0.1", "port": 43121} or 404
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { HealthSwitches } from "../images/health.ts";
import type { PodNetwork } from "./network.ts";

export interface ControlServer {
  url: string;
  stop(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => {
      body += c;
      if (body.length > 65536) req.destroy(new Error("body too large"));
    });
    req.on("end", () => resolve(body));
    req.on("error", reject);
  });
}

export async function startControlServer(health: HealthSwitches, network: PodNetwork, podExists: (ns: string, name: string) => boolean): Promise<ControlServer> {
  const secret = randomBytes(12).toString("hex");
  const prefix = `/c/${secret}`;
  const server: Server = createServer((req, res) => {
    const send = (status: number, body?: unknown) => {
      if (body === undefined) res.writeHead(status).end();
      else res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (!url.pathname.startsWith(`${prefix}/`)) return send(404, { error: "not found" });
    const path = url.pathname.slice(prefix.length);
    const m = /^\/pods\/([^/]+)\/([^/]+)\/health$/.exec(path);
    if (m) {
      const ns = decodeURIComponent(m[1]!);
      const name = decodeURIComponent(m[2]!);
      if (!podExists(ns, name)) return send(404, { error: `pod ${ns}/${name} is not running on the playground` });
      if (req.method === "GET") return send(200, { healthy: !health.failing().includes(`${ns}/${name}`), failing: health.failing() });
      if (req.method !== "POST") return send(405, { error: "use GET or POST" });
      void readBody(req).then((text) => {
        let body: { healthy?: unknown; container?: unknown };
        try {
          body = JSON.parse(text || "{}") as typeof body;
        } catch {
          return send(400, { error: "body must be JSON: {\"healthy\": false}" });
        }
        if (typeof body.healthy !== "boolean") return send(400, { error: "\"healthy\" must be true or false" });
        health.set(ns, name, body.healthy, typeof body.container === "string" ? body.container : undefined);
        send(204);
      }, () => send(400));
      return;
    }
    if (path === "/dial" && req.method === "GET") {
      const address = network.dial(url.searchParams.get("ip") ?? "", Number(url.searchParams.get("port")));
      return address ? send(200, address) : send(404, { error: "connection refused" });
    }
    send(404, { error: "not found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    stop: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
