// A loopback stand-in for a Kubernetes API server: GET /api/v1/namespaces answers the namespaces, every
// other list an empty list and every watch stays open with nothing to say — what the core's cluster
// session needs to call a namespace "connected" — so "Connected" in the UI is a real round trip. It
// records the requests.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeApiServer {
  url: string;
  requests: Array<{ url: string; authorization: string | undefined }>;
  close(): Promise<void>;
}

export async function startApiServer(namespaces: string[]): Promise<FakeApiServer> {
  const requests: FakeApiServer["requests"] = [];
  const server = http.createServer((req, res) => {
    requests.push({ url: req.url ?? "", authorization: req.headers.authorization });
    if (req.method === "GET" && req.url?.split("?")[0] === "/api/v1/namespaces") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          kind: "NamespaceList",
          apiVersion: "v1",
          metadata: { resourceVersion: "1" },
          items: namespaces.map((name) => ({ metadata: { name }, status: { phase: "Active" } })),
        }),
      );
      return;
    }
    if (req.method === "GET" && /[?&]watch=(true|1)(&|$)/.test(req.url ?? "")) {
      res.writeHead(200, { "content-type": "application/json" });
      res.flushHeaders();
      return;
    }
    if (req.method === "GET") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ kind: "List", apiVersion: "v1", metadata: { resourceVersion: "1" }, items: [] }));
      return;
    }
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ kind: "Status", status: "Failure", reason: "NotFound", code: 404 }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port with nothing listening: connecting is refused. */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
