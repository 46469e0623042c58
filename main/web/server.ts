// The browser host: the same renderer and core as the Electron app, served over HTTP + WebSocket to a
// browser on this machine only. It is a local server that can reach your clusters, so it defends
// itself like one:
//  - it listens on 127.0.0.1 only, on a random port unless told otherwise;
//  - every run has a random token, given once in the printed URL; the page loaded with it gets an
//    HttpOnly, SameSite=Strict cookie (and removes the token from the address bar); everything else
//    (files, the WebSocket) needs that cookie (or the token);
//  - a Host header other than 127.0.0.1:PORT / localhost:PORT is refused (DNS rebinding), and so is
//    an Origin header from any other site (cross-site requests, WebSocket hijacking);
//  - responses carry a strict CSP, nosniff and no framing.
// Calls arriving on the WebSocket go through the shared dispatcher (validated, Result values).
import { randomBytes, timingSafeEqual } from "node:crypto";
import { createReadStream, statSync } from "node:fs";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import path from "node:path";
import { WebSocketServer, type WebSocket } from "ws";
import { z } from "zod";
import type { SwitchboardApi, SwitchboardEvent } from "../../app/contract/api.ts";
import { SwitchboardError } from "../../app/contract/errors.ts";
import type { Result } from "../../app/contract/result.ts";
import { createDispatcher } from "../common/dispatcher.ts";
import { contentType, resolveStaticFile } from "../common/static-files.ts";

export interface WebHostOptions {
  core: SwitchboardApi;
  /** The built renderer (out/renderer). */
  rendererDir: string;
  /** 0 or undefined: a random free port. */
  port?: number;
  /** Fixed token (tests); default: 32 random bytes. */
  token?: string;
  log?: (message: string, error?: unknown) => void;
}

export interface WebHost {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/** What the page sends on the WebSocket. */
const callSchema = z.object({ id: z.number().int().nonnegative(), method: z.string().max(100), input: z.unknown() }).strict();

/** What the host sends: answers to calls and event batches. */
export type ServerMessage =
  | { type: "result"; id: number | null; result: Result<unknown> }
  | { type: "events"; events: SwitchboardEvent[] };


export function contentSecurityPolicy(port: number): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const token = options.token ?? randomBytes(32).toString("base64url");
  const tokenBytes = Buffer.from(token);
  const log = options.log ?? ((message: string, error?: unknown) => console.error(`switchboard: ${message}`, error ?? ""));
  const dispatch = createDispatcher(options.core, (m, e) => log(m, e));
  const root = path.resolve(options.rendererDir);
  let port = 0;
  const cookieName = () => `switchboard-${port}`;

  const tokenMatches = (candidate: string | null | undefined) => {
    if (!candidate) return false;
    const bytes = Buffer.from(candidate);
    return bytes.length === tokenBytes.length && timingSafeEqual(bytes, tokenBytes);
  };

  const cookieToken = (header: string | undefined) => {
    for (const part of (header ?? "").split(";")) {
      const [name, ...rest] = part.trim().split("=");
      if (name === cookieName()) return rest.join("=");
    }
    return null;
  };

  /** Host and Origin checks shared by HTTP and the WebSocket upgrade; returns why it is refused. */
  const refusal = (req: http.IncomingMessage, requireOrigin: boolean): { status: number; reason: string } | null => {
    const allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`];
    if (!allowedHosts.includes((req.headers.host ?? "").toLowerCase())) {
      return { status: 403, reason: "This server only answers to http://127.0.0.1 on its own port (Host header refused)." };
    }
    const origin = req.headers.origin;
    if (origin !== undefined || requireOrigin) {
      if (!allowedHosts.map((h) => `http://${h}`).includes((origin ?? "").toLowerCase())) {
        return { status: 403, reason: "Requests from other sites are refused (Origin header refused)." };
      }
    }
    return null;
  };

  const securityHeaders = {
    "Content-Security-Policy": "",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
  };
  const headers = (extra: Record<string, string | string[]> = {}) => ({ ...securityHeaders, "Content-Security-Policy": contentSecurityPolicy(port), ...extra });

  const deny = (res: http.ServerResponse, status: number, text: string) => {
    res.writeHead(status, headers({ "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" }));
    res.end(`${text}\n`);
  };

  const server = http.createServer((req, res) => {
    const refused = refusal(req, false);
    if (refused) return deny(res, refused.status, refused.reason);
    if (req.method !== "GET" && req.method !== "HEAD") return deny(res, 405, "Only GET is served here.");

    const url = new URL(req.url ?? "/", `http://127.0.0.1:${port}`);
    // The printed URL carries the token once; its answer sets the cookie that authenticates the
    // rest (assets, the WebSocket: same-site requests, so SameSite=Strict cookies go along). No
    // redirect: a Strict cookie set during a redirect may be withheld from the redirected request
    // when the link was opened from elsewhere. The page then drops the token from the address bar.
    const viaQuery = tokenMatches(url.searchParams.get("token"));
    if (!viaQuery && !tokenMatches(cookieToken(req.headers.cookie))) {
      return deny(res, 401, "Switchboard needs the address it printed when it started (it carries a one-time token). Open that address, or restart Switchboard to get a new one.");
    }
    const cookie: Record<string, string> = viaQuery ? { "Set-Cookie": `${cookieName()}=${token}; HttpOnly; SameSite=Strict; Path=/` } : {};

    const file = resolveStaticFile(root, url.pathname);
    if (!file) return deny(res, 404, "Not found.");
    let size: number;
    try {
      const stat = statSync(file);
      if (!stat.isFile()) return deny(res, 404, "Not found.");
      size = stat.size;
    } catch {
      if (file === path.join(root, "index.html")) {
        return deny(res, 503, `The renderer is not built (${root} is missing). Run \`npm run build\` (or \`npm start\`, which builds first).`);
      }
      return deny(res, 404, "Not found.");
    }
    res.writeHead(200, headers({
      ...cookie,
      "Content-Type": contentType(file),
      "Content-Length": String(size),
      // index.html is per run (the cookie); hashed assets may be cached.
      "Cache-Control": file.endsWith(".html") ? "no-store" : "private, max-age=31536000, immutable",
    }));
    if (req.method === "HEAD") return res.end();
    createReadStream(file).pipe(res);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  server.on("upgrade", (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
    const reject = (status: number, reason: string) => {
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${reason}\n`);
    };
    const refused = refusal(req, true);
    if (refused) return reject(refused.status, refused.reason);
    const url = new URL(req.url ?? "/", `http://127.0.0.1:${port}`);
    if (url.pathname !== "/ws") return reject(404, "Not found.");
    if (!tokenMatches(cookieToken(req.headers.cookie)) && !tokenMatches(url.searchParams.get("token"))) {
      return reject(401, "Missing or wrong token.");
    }
    wss.handleUpgrade(req, socket, head, (ws) => serve(ws));
  });

  const serve = (ws: WebSocket) => {
    const send = (message: ServerMessage) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    };
    const unsubscribe = options.core.subscribe((events) => send({ type: "events", events }));
    ws.on("close", unsubscribe);
    ws.on("error", () => ws.terminate());
    ws.on("message", async (data, isBinary) => {
      let call: z.infer<typeof callSchema>;
      try {
        if (isBinary) throw new Error("binary frame");
        const parsed = callSchema.safeParse(JSON.parse(data.toString()));
        if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join(".") || "(message)"}: ${i.message}`).join("; "));
        call = parsed.data;
      } catch (error) {
        const refusedCall = new SwitchboardError(
          "invalid-request",
          `A message on the WebSocket was not a call: ${error instanceof Error ? error.message : "unreadable"}.`,
          "The page and Switchboard disagree on the protocol: reload the page.",
        );
        return send({ type: "result", id: null, result: { ok: false, error: refusedCall.toValue() } });
      }
      send({ type: "result", id: call.id, result: await dispatch(call.method, call.input) });
    });
  };

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
