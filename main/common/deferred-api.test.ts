import { describe, expect, it } from "vitest";
import type { SwitchboardApi, SwitchboardEvent } from "../../app/contract/api.ts";
import { deferredApi } from "./deferred-api.ts";

function fakeCore() {
  const listeners = new Set<(e: SwitchboardEvent[]) => void>();
  const core = {
    "app.info": async () => ({ name: "Switchboard", version: "1", contractVersion: 1, host: "browser", platform: "linux", nodeVersion: "24" }),
    subscribe(l: (e: SwitchboardEvent[]) => void) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  } as unknown as SwitchboardApi;
  return { core, listeners };
}

describe("deferredApi", () => {
  it("calls wait for the core, then answer from it; listeners attach once it is there", async () => {
    const { core, listeners } = fakeCore();
    let resolve!: (c: SwitchboardApi) => void;
    const api = deferredApi(new Promise((r) => (resolve = r)));
    const answer = api["app.info"]({});
    const seen: SwitchboardEvent[][] = [];
    const unsubscribe = api.subscribe((e) => seen.push(e));
    expect(listeners.size).toBe(0);
    resolve(core);
    await expect(answer).resolves.toMatchObject({ name: "Switchboard" });
    expect(listeners.size).toBe(1);
    for (const l of listeners) l([{ type: "settings" } as unknown as SwitchboardEvent]);
    expect(seen).toHaveLength(1);
    unsubscribe();
    expect(listeners.size).toBe(0);
  });

  it("a listener removed before the core arrives never attaches; a core that fails to load fails the calls", async () => {
    const { core, listeners } = fakeCore();
    let resolve!: (c: SwitchboardApi) => void;
    const api = deferredApi(new Promise((r) => (resolve = r)));
    api.subscribe(() => undefined)();
    resolve(core);
    await api["app.info"]({});
    expect(listeners.size).toBe(0);
    const broken = deferredApi(Promise.reject(new Error("no core")));
    await expect(broken["app.info"]({})).rejects.toThrow("no core");
  });
});
