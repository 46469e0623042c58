// The browser host's side of the bridge: the contract over the loopback WebSocket. The page was
// authenticated when it loaded (HttpOnly cookie), so the socket needs no token of its own. Same
// shape as Electron's preload (HostBridge): calls answer Result values, events arrive in batches.
// When the socket drops, pending calls fail with a value, and it reconnects with back-off.
import type { EventListener, HostBridge, MethodName, SwitchboardEvent } from "../../app/contract/api.ts";
import type { ErrorValue } from "../../app/contract/errors.ts";
import type { Result } from "../../app/contract/result.ts";

type ServerMessage =
  | { type: "result"; id: number | null; result: Result<unknown> }
  | { type: "events"; events: SwitchboardEvent[] };

export type LinkListener = (up: boolean) => void;

const lost: ErrorValue = {
  code: "unreachable",
  message: "Lost the connection to Switchboard.",
  hint: "Switchboard may have stopped: start it again (npm start) and open the address it prints.",
};

export function createWebSocketHost(url: string, onLink: LinkListener): HostBridge {
  const listeners = new Set<EventListener>();
  const pending = new Map<number, (result: Result<unknown>) => void>();
  const queue: string[] = [];
  let socket: WebSocket | null = null;
  let nextId = 1;
  let retryMs = 250;

  const connect = () => {
    const ws = new WebSocket(url);
    socket = ws;
    ws.onopen = () => {
      retryMs = 250;
      for (const message of queue.splice(0)) ws.send(message);
      onLink(true);
    };
    ws.onmessage = (event: MessageEvent<string>) => {
      let message: ServerMessage;
      try {
        message = JSON.parse(event.data) as ServerMessage;
      } catch {
        return;
      }
      if (message.type === "events") {
        for (const listener of listeners) listener(message.events);
      } else if (message.type === "result" && message.id !== null) {
        pending.get(message.id)?.(message.result);
        pending.delete(message.id);
      }
    };
    ws.onclose = () => {
      socket = null;
      for (const [id, resolve] of pending) {
        resolve({ ok: false, error: lost });
        pending.delete(id);
      }
      onLink(false);
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 5000);
    };
  };
  connect();

  return {
    invoke(method: MethodName, input: unknown) {
      const id = nextId++;
      const message = JSON.stringify({ id, method, input });
      return new Promise<Result<unknown>>((resolve) => {
        pending.set(id, resolve);
        if (socket?.readyState === WebSocket.OPEN) socket.send(message);
        else queue.push(message);
      });
    },
    subscribe(listener: EventListener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
