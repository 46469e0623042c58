// The preload against a mocked `electron`: exactly the contract is exposed, nothing of IPC leaks.
import { beforeEach, describe, expect, it, vi } from "vitest";

const electron = vi.hoisted(() => ({
  contextBridge: { exposeInMainWorld: vi.fn() },
  ipcRenderer: {
    invoke: vi.fn(async () => ({ ok: false, error: { code: "invalid-request", message: "m", hint: "h" } })),
    on: vi.fn(),
    removeListener: vi.fn(),
    send: vi.fn(),
  },
}));
vi.mock("electron", () => electron);

describe("preload", () => {
  beforeEach(() => {
    vi.resetModules();
    vi.clearAllMocks();
  });

  async function exposed(): Promise<{ name: string; api: Record<string, unknown> }> {
    await import("./preload.ts");
    expect(electron.contextBridge.exposeInMainWorld).toHaveBeenCalledTimes(1);
    const [name, api] = electron.contextBridge.exposeInMainWorld.mock.calls[0] as unknown as [string, Record<string, unknown>];
    return { name, api };
  }

  it("exposes only window.switchboard with invoke and subscribe", async () => {
    const { name, api } = await exposed();
    expect(name).toBe("switchboard");
    expect(Object.keys(api).sort()).toEqual(["invoke", "subscribe"]);
    for (const value of Object.values(api)) expect(typeof value).toBe("function");
    expect(JSON.stringify(api)).not.toContain("ipcRenderer");
  });

  it("invoke goes over the one invoke channel and hands back the Result value (errors as values)", async () => {
    const { api } = await exposed();
    const invoke = api.invoke as (m: string, i: unknown) => Promise<unknown>;
    await expect(invoke("session.select", { context: "x" })).resolves.toEqual({
      ok: false,
      error: { code: "invalid-request", message: "m", hint: "h" },
    });
    expect(electron.ipcRenderer.invoke).toHaveBeenCalledWith("switchboard:invoke", "session.select", { context: "x" });
    expect(electron.ipcRenderer.send).not.toHaveBeenCalled();
  });

  it("subscribe delivers event batches without the IPC event, and unsubscribes", async () => {
    const { api } = await exposed();
    const listener = vi.fn();
    const unsubscribe = (api.subscribe as (l: unknown) => () => void)(listener);
    expect(electron.ipcRenderer.on).toHaveBeenCalledTimes(1);
    const [channel, handler] = electron.ipcRenderer.on.mock.calls[0] as unknown as [string, (e: unknown, b: unknown) => void];
    expect(channel).toBe("switchboard:events");
    const batch = [{ type: "namespaces", namespaces: ["a"] }];
    handler({ sender: "ipcRenderer would leak here" }, batch);
    expect(listener).toHaveBeenCalledWith(batch);
    expect(listener.mock.calls[0]).toHaveLength(1);
    unsubscribe();
    expect(electron.ipcRenderer.removeListener).toHaveBeenCalledWith("switchboard:events", handler);
  });
});
