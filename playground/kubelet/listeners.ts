// Real loopback listeners for container ports. One shared HTTP server parses requests for every
// HTTP listener (cheap enough for the 15,000 pods of `--scale 5000`); each container port gets its
// own net.Server on 127.0.0.1 at a random port, so the port number alone tells which pod and
// container a connection is for. Raw TCP handlers exist for images that forward bytes (the
// Telepresence traffic-agent).
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createNetServer, type Server, type Socket } from "node:net";
import type { Address } from "./network.ts";

export type PortHandler =
  | { kind: "http"; handle(req: IncomingMessage, res: ServerResponse): void }
  | { kind: "tcp"; connection(socket: Socket): void };

export interface Listener {
  address: Address;
  close(): void;
}

const EXPLICIT_PORTS_AFTER = 1000;
const PORT_RANGE_START = 10000;
const PORT_RANGE_END = 32768;

function listenOn(server: Server, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
}

export class ListenerHost {
  readonly #handlers = new Map<number, PortHandler>();
  readonly #http = createHttpServer((req, res) => {
    const handler = this.#handlers.get(req.socket.localPort ?? -1);
    if (handler?.kind === "http") {
      try {
        handler.handle(req, res);
      } catch (err) {
        res.writeHead(500, { "content-type": "text/plain" }).end(`container error: ${String(err)}\n`);
      }
    } else res.writeHead(502).end();
  });
  readonly #open = new Set<Listener>();
  #cursor = PORT_RANGE_START + Math.floor(Math.random() * (PORT_RANGE_END - PORT_RANGE_START));

  constructor() {
    // Health checkers and probes open many short connections; do not keep idle ones around for long.
    this.#http.keepAliveTimeout = 5_000;
  }

  async listen(handler: PortHandler): Promise<Listener> {
    const sockets = new Set<Socket>();
    const server: Server = createNetServer((socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => socket.destroy());
      if (handler.kind === "tcp") handler.connection(socket);
      else this.#http.emit("connection", socket);
    });
    await this.#bind(server);
    const port = (server.address() as { port: number }).port;
    this.#handlers.set(port, handler);
    const listener: Listener = {
      address: { host: "127.0.0.1", port },
      close: () => {
        if (!this.#open.delete(listener)) return;
        this.#handlers.delete(port);
        server.close();
        for (const s of sockets) s.destroy();
      },
    };
    this.#open.add(listener);
    return listener;
  }

  /**
   * Binds to 127.0.0.1. Port 0 (the kernel picks) while few listeners are open; past that, Linux's
   * search for a free ephemeral port gets slow (5 ms per bind at 10,000 sockets), so with
   * `--scale` ports are taken in order from 10000–32767, below the ephemeral range, skipping the
   * ones in use.
   */
  async #bind(server: Server): Promise<void> {
    if (this.#open.size < EXPLICIT_PORTS_AFTER) return listenOn(server, 0);
    for (let attempt = 0; attempt < PORT_RANGE_END - PORT_RANGE_START; attempt++) {
      const port = this.#cursor;
      this.#cursor = this.#cursor + 1 >= PORT_RANGE_END ? PORT_RANGE_START : this.#cursor + 1;
      try {
        return await listenOn(server, port);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE" && (err as NodeJS.ErrnoException).code !== "EACCES") throw err;
      }
    }
    return listenOn(server, 0);
  }

  close(): void {
    for (const l of [...this.#open]) l.close();
    this.#http.close();
  }
}
