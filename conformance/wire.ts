// Raw HTTP to an API server (the real one or the playground's), and the part of an answer that must
// agree between them: status code, Status reason / details / causes, watch event types.
import https from "node:https";
import http from "node:http";

export interface Target {
  name: "real" | "playground";
  server: string;
  token: string;
  ca?: string;
}

export interface Answer {
  status: number;
  contentType: string;
  body: string;
  json: unknown;
}

export function send(t: Target, method: string, path: string, body?: unknown, contentType = "application/json", token = t.token): Promise<Answer> {
  const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
  const url = new URL(path, t.server);
  const lib = url.protocol === "https:" ? https : http;
  const headers: Record<string, string> = { Accept: "application/json", Authorization: `Bearer ${token}` };
  if (payload !== undefined) {
    headers["Content-Type"] = contentType;
    headers["Content-Length"] = String(Buffer.byteLength(payload));
  }
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { method, headers, ...(t.ca ? { ca: t.ca } : {}), timeout: 20_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, contentType: String(res.headers["content-type"] ?? ""), body: text, json });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error(`timeout: ${method} ${path}`)));
    req.end(payload);
  });
}

/** A watch request read until `count` events arrived or `ms` passed: the HTTP status and the events. */
export function watchEvents(t: Target, path: string, count: number, ms = 5000): Promise<{ status: number; events: Array<{ type: string; object: Record<string, unknown> }>; body: string }> {
  const url = new URL(path, t.server);
  const lib = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const events: Array<{ type: string; object: Record<string, unknown> }> = [];
    let buffer = "";
    let all = "";
    let status = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ status, events, body: all });
    };
    const timer = setTimeout(finish, ms);
    const req = lib.request(url, { method: "GET", headers: { Accept: "application/json", Authorization: `Bearer ${t.token}` }, ...(t.ca ? { ca: t.ca } : {}) }, (res) => {
      status = res.statusCode ?? 0;
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        all += chunk;
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (!line) continue;
          try {
            events.push(JSON.parse(line) as { type: string; object: Record<string, unknown> });
          } catch {
            // a non-watch body (an error Status spanning lines): kept in `body`
          }
          if (events.length >= count) finish();
        }
      });
      res.on("end", finish);
      res.on("error", finish);
    });
    req.on("error", (e) => (done ? undefined : reject(e)));
    req.end();
  });
}

export interface StatusShape {
  code: number;
  kind?: unknown;
  reason?: unknown;
  details?: { name?: unknown; group?: unknown; kind?: unknown; causes?: Array<{ reason?: unknown; field?: unknown }> };
}

/** The comparable part of an error answer: HTTP status, Status reason, details name/group/kind, cause reasons and fields. */
export function shape(a: Answer): StatusShape {
  const s = (a.json ?? {}) as { kind?: string; reason?: string; details?: { name?: string; group?: string; kind?: string; causes?: Array<{ reason?: string; field?: string }> } };
  const out: StatusShape = { code: a.status, kind: s.kind, reason: s.reason };
  if (s.details) {
    out.details = {};
    if (s.details.name !== undefined) out.details.name = s.details.name;
    if (s.details.group !== undefined) out.details.group = s.details.group;
    if (s.details.kind !== undefined) out.details.kind = s.details.kind;
    if (s.details.causes) out.details.causes = s.details.causes.map((c) => ({ reason: c.reason, field: c.field }));
  }
  return out;
}

export function message(a: Answer): string {
  return String((a.json as { message?: unknown } | undefined)?.message ?? a.body);
}
