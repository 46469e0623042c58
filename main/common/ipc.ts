// The two IPC channels between Electron's main process and the preload: one request/answer channel
// for every contract call (validated in main), one for event batches. Nothing else is exposed.
export const INVOKE_CHANNEL = "switchboard:invoke";
export const EVENTS_CHANNEL = "switchboard:events";
