// The browser host's defences, over real HTTP and WebSocket connections.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createCore, type Core } from "../../app/core/core.ts";
import { startWebHost, type ServerMessage, type WebHost } from "./server.ts";

let dir: string;
let core: Core;
let host: WebHost;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "sb-web-"));
  const rendererDir = path.join(dir, "renderer");
  mkdirSync(path.join(rendererDir, "assets"), { recursive: true });
  writeFileSync(path.join(rendererDir, "index.html"), "<!doctype html><title>Switchboard</title>");
  writeFileSync(path.join(rendererDir, "assets", "app.js"), "console.log('hi')");
  writeFileSync(path.join(dir, "secret.txt"), "not for the browser");
  const kubeconfig = path.join(dir, "config");
  writeFileSync(kubeconfig, "contexts:\n- name: one\n  context: {cluster: c, user: u}\nclusters:\n- name: c\n  cluster: {server: https://127.0.0.1:1}\n");
  core = createCore({ host: "browser", kubeconfigPaths: [kubeconfig], autoConnect: false, watch: false });
  host = await startWebHost({ core, rendererDir, log: () => undefined });
});
afterAll(async () => {
  await host.close();
  await core.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function get(pathAndQuery: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port: host.port, path: pathAndQuery, headers: { host: `127.0.0.1:${host.port}`, ...headers } },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

async function login(): Promise<string> {
  const answer = await get(`/?token=${host.token}`);
  expect(answer.status).toBe(200);
  expect(answer.body).toContain("<title>Switchboard</title>");
  const cookie = answer.headers["set-cookie"]![0]!;
  expect(cookie).toMatch(/HttpOnly/);
  expect(cookie).toMatch(/SameSite=Strict/);
  return cookie.split(";")[0]!;
}

describe("browser host over HTTP", () => {
  it("listens on 127.0.0.1 and prints a URL with a token", () => {
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/?token=${host.token}`);
    expect(host.token.length).toBeGreaterThanOrEqual(32);
  });

  it("refuses a request without the token", async () => {
    const answer = await get("/");
    expect(answer.status).toBe(401);
    expect(answer.body).not.toContain("<title>");
    expect((await get("/?token=wrong")).status).toBe(401);
    expect((await get("/", { cookie: `switchboard-${host.port}=wrong` })).status).toBe(401);
  });

  it("refuses a foreign Origin even with a good cookie", async () => {
    const cookie = await login();
    expect((await get("/", { cookie, origin: "http://evil.example" })).status).toBe(403);
    expect((await get("/", { cookie, origin: `http://127.0.0.1:${host.port + 1}` })).status).toBe(403);
  });

  it("refuses a foreign Host header (DNS rebinding)", async () => {
    const cookie = await login();
    expect((await get("/", { cookie, host: `evil.example:${host.port}` })).status).toBe(403);
    expect((await get(`/?token=${host.token}`, { host: "rebound.example" })).status).toBe(403);
  });

  it("serves the renderer to an authenticated request, with security headers", async () => {
    const cookie = await login();
    const page = await get("/", { cookie, origin: `http://127.0.0.1:${host.port}` });
    expect(page.status).toBe(200);
    expect(page.body).toContain("<title>Switchboard</title>");
    expect(page.headers["content-type"]).toContain("text/html");
    expect(page.headers["x-content-type-options"]).toBe("nosniff");
    const csp = page.headers["content-security-policy"] as string;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${host.port}`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    const script = await get("/assets/app.js", { cookie, host: `localhost:${host.port}` });
    expect(script.status).toBe(200);
    expect(script.headers["content-type"]).toContain("javascript");
  });

  it("does not serve files outside the renderer", async () => {
    const cookie = await login();
    for (const p of ["/../secret.txt", "/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt"]) {
      const answer = await get(p, { cookie });
      expect(answer.status).toBe(404);
      expect(answer.body).not.toContain("not for the browser");
    }
  });
});

function connect(headers: Record<string, string>): Promise<{ ws: WebSocket; messages: ServerMessage[] } | { status: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/ws`, { headers });
    const messages: ServerMessage[] = [];
    ws.on("message", (data) => messages.push(JSON.parse(data.toString()) as ServerMessage));
    ws.on("open", () => resolve({ ws, messages }));
    ws.on("unexpected-response", (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    ws.on("error", reject);
  });
}

describe("browser host over WebSocket", () => {
  const origin = () => `http://127.0.0.1:${host.port}`;

  it("refuses an upgrade without the token, from a foreign Origin, or to a foreign Host", async () => {
    const cookie = await login();
    expect(await connect({ origin: origin() })).toEqual({ status: 401 });
    expect(await connect({ origin: "http://evil.example", cookie })).toEqual({ status: 403 });
    expect(await connect({ cookie })).toEqual({ status: 403 }); // no Origin: not a page of ours
    expect(await connect({ origin: origin(), cookie, host: "evil.example" })).toEqual({ status: 403 });
  });

  it("answers calls with Result values and refuses malformed messages", async () => {
    const cookie = await login();
    const connection = await connect({ origin: origin(), cookie });
    if (!("ws" in connection)) throw new Error(`refused: ${connection.status}`);
    const { ws, messages } = connection;
    const answer = async (payload: string, id: number | null) => {
      ws.send(payload);
      await waitFor(() => messages.some((m) => m.type === "result" && m.id === id));
      return messages.find((m) => m.type === "result" && m.id === id)!;
    };
    expect(await answer(JSON.stringify({ id: 1, method: "contexts.list", input: {} }), 1)).toMatchObject({
      result: { ok: true, value: { contexts: [{ name: "one" }] } },
    });
    expect(await answer(JSON.stringify({ id: 2, method: "session.select", input: { context: 7 } }), 2)).toMatchObject({
      result: { ok: false, error: { code: "invalid-request" } },
    });
    expect(await answer("{not json", null)).toMatchObject({ result: { ok: false, error: { code: "invalid-request" } } });
    ws.close();
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
