import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { checkLocalPort } from "./local-port.ts";

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

function listen(host: string, port = 0): Promise<number> {
  const server = createServer((socket) => socket.end());
  servers.push(server);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : 0);
    });
  });
}

describe("checkLocalPort", () => {
  it("sees a real listener on 127.0.0.1", async () => {
    const port = await listen("127.0.0.1");
    const check = await checkLocalPort(port);
    expect(check.listening).toBe(true);
    expect(check.warning).toBeNull();
    expect(check.addresses.find((a) => a.address === "127.0.0.1")?.listening).toBe(true);
  });
  it("warns when nothing listens (after the listener is closed)", async () => {
    const port = await listen("127.0.0.1");
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const check = await checkLocalPort(port);
    expect(check.listening).toBe(false);
    expect(check.warning).toContain(`localhost:${port}`);
  });
  it("sees a listener on ::1 only, where IPv6 loopback exists", async (ctx) => {
    let port: number;
    try {
      port = await listen("::1");
    } catch {
      ctx.skip("no IPv6 loopback on this machine");
      return;
    }
    const check = await checkLocalPort(port);
    expect(check.listening).toBe(true);
    expect(check.addresses.find((a) => a.address === "::1")?.listening).toBe(true);
  });
});
