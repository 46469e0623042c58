// One typed SwitchboardApi for the UI, whichever host runs it: Electron's preload
// (window.switchboard) or, in the browser host, the WebSocket client. Both speak Result values; here
// failures become thrown Errors carrying the contract's code, message and hint.
import { methods, type HostBridge, type MethodName, type SwitchboardApi } from "../../app/contract/api.ts";
import { fromErrorValue } from "../../app/contract/errors.ts";
import { createWebSocketHost, type LinkListener } from "./ws-host.ts";

export interface Bridge {
  api: SwitchboardApi;
  kind: "electron" | "browser";
  /** Follows the link to the host (the WebSocket in the browser; always up in Electron). */
  onLink(listener: LinkListener): void;
}

export function typedApi(host: HostBridge): SwitchboardApi {
  const api: Record<string, unknown> = {
    subscribe: (listener: Parameters<HostBridge["subscribe"]>[0]) => host.subscribe(listener),
  };
  for (const method of Object.keys(methods) as MethodName[]) {
    api[method] = async (input: unknown) => {
      const result = await host.invoke(method, input ?? {});
      if (result.ok) return result.value;
      throw fromErrorValue(result.error);
    };
  }
  return api as SwitchboardApi;
}

export function createBridge(): Bridge {
  if (window.switchboard) {
    return { api: typedApi(window.switchboard), kind: "electron", onLink: (listener) => listener(true) };
  }
  const linkListeners = new Set<LinkListener>();
  let up = false;
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const host = createWebSocketHost(`${scheme}//${location.host}/ws`, (next) => {
    up = next;
    for (const listener of linkListeners) listener(next);
  });
  return {
    api: typedApi(host),
    kind: "browser",
    onLink(listener) {
      linkListeners.add(listener);
      if (up) listener(true);
    },
  };
}
