// The preload exposes the contract and nothing else: `window.switchboard` with `invoke(method, input)`
// (answers Result values: errors come back as values, the renderer's bridge turns them into Errors)
// and `subscribe(listener)` for event batches. No ipcRenderer, no Node, no other channel reaches
// the page. Sandboxed preloads are CommonJS bundles (see electron.vite.config.ts).
import { contextBridge, ipcRenderer, type IpcRendererEvent } from "electron";
import type { EventListener, HostBridge, MethodName, SwitchboardEvent } from "../../app/contract/api.ts";
import type { Result } from "../../app/contract/result.ts";
import { EVENTS_CHANNEL, INVOKE_CHANNEL } from "../common/ipc.ts";

export const bridge: HostBridge = {
  invoke(method: MethodName, input: unknown): Promise<Result<unknown>> {
    // Validation happens in main; here only the shape of the call is fixed.
    return ipcRenderer.invoke(INVOKE_CHANNEL, String(method), input) as Promise<Result<unknown>>;
  },
  subscribe(listener: EventListener): () => void {
    if (typeof listener !== "function") throw new TypeError("subscribe needs a function");
    // Wrap so the page never sees the IpcRendererEvent (it carries `sender`, i.e. ipcRenderer).
    const handler = (_event: IpcRendererEvent, events: SwitchboardEvent[]) => listener(events);
    ipcRenderer.on(EVENTS_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(EVENTS_CHANNEL, handler);
    };
  },
};

contextBridge.exposeInMainWorld("switchboard", bridge);
