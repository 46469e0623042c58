import type { HostBridge } from "../../app/contract/api.ts";

declare global {
  interface Window {
    /** Set by Electron's preload; absent in the browser host, where the WebSocket client stands in. */
    switchboard?: HostBridge;
  }
}
