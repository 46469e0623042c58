import { afterEach, describe, expect, it, vi } from "vitest";
import { networkFingerprint, wakeReason, watchForWake, type WakeReason } from "./wake.ts";

afterEach(() => vi.useRealTimers());

describe("wake", () => {
  it("a tick far later than its interval is a sleep; other addresses are another network", () => {
    const base = { at: 0, network: "eth0 IPv4 192.0.2.10" };
    expect(wakeReason(base, { at: 5_000, network: base.network }, 5_000)).toBeNull();
    expect(wakeReason(base, { at: 14_000, network: base.network }, 5_000)).toBeNull(); // a busy machine, not a sleep
    expect(wakeReason(base, { at: 16_000, network: base.network }, 5_000)).toBe("slept");
    expect(wakeReason(base, { at: 5_000, network: "wlan0 IPv4 198.51.100.7" }, 5_000)).toBe("network-changed");
  });

  it("fingerprints only external addresses, in a stable order", () => {
    const a = { lo: [{ address: "127.0.0.1", family: "IPv4", internal: true }], wlan0: [{ address: "198.51.100.7", family: "IPv4", internal: false }], eth0: [{ address: "192.0.2.10", family: "IPv4", internal: false }] };
    expect(networkFingerprint(a as never)).toBe("eth0 IPv4 192.0.2.10\nwlan0 IPv4 198.51.100.7");
    expect(networkFingerprint({ lo: a.lo } as never)).toBe("");
  });

  it("calls back once per event, from real timers", () => {
    vi.useFakeTimers();
    let clock = 0;
    let net = "eth0 IPv4 192.0.2.10";
    const seen: WakeReason[] = [];
    const stop = watchForWake({ intervalMs: 1_000, now: () => clock, network: () => net, onWake: (r) => seen.push(r) });
    clock += 1_000;
    vi.advanceTimersByTime(1_000);
    expect(seen).toEqual([]);
    clock += 60_000; // suspended: the next tick comes a minute late
    vi.advanceTimersByTime(1_000);
    expect(seen).toEqual(["slept"]);
    net = "wlan0 IPv4 198.51.100.7";
    clock += 1_000;
    vi.advanceTimersByTime(1_000);
    clock += 1_000;
    vi.advanceTimersByTime(1_000);
    expect(seen).toEqual(["slept", "network-changed"]);
    stop();
  });
});
