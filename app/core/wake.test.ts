import { afterEach, describe, expect, it, vi } from "vitest";
import { networkFingerprint, wakeReason, watchForWake, type WakeReason, type WakeSample } from "./wake.ts";

afterEach(() => vi.useRealTimers());

const net = "eth0 IPv4 192.0.2.10";
const at = (wall: number, mono: number, network = net): WakeSample => ({ wall, mono, network });

describe("wake", () => {
  it("wall-clock time that the monotonic clock did not see is a sleep; a busy loop is not", () => {
    expect(wakeReason(at(0, 0), at(5_000, 5_000))).toBeNull();
    // The event loop was blocked for a minute (a huge first list): both clocks moved.
    expect(wakeReason(at(0, 0), at(60_000, 60_000))).toBeNull();
    // Suspended for a minute: only the wall clock moved.
    expect(wakeReason(at(0, 0), at(65_000, 5_000))).toBe("slept");
    expect(wakeReason(at(0, 0), at(5_000, 5_000, "wlan0 IPv4 198.51.100.7"))).toBe("network-changed");
  });

  it("fingerprints only external addresses, in a stable order", () => {
    const a = { lo: [{ address: "127.0.0.1", family: "IPv4", internal: true }], wlan0: [{ address: "198.51.100.7", family: "IPv4", internal: false }], eth0: [{ address: "192.0.2.10", family: "IPv4", internal: false }] };
    expect(networkFingerprint(a as never)).toBe("eth0 IPv4 192.0.2.10\nwlan0 IPv4 198.51.100.7");
    expect(networkFingerprint({ lo: a.lo } as never)).toBe("");
  });

  it("calls back once per event, from real timers", () => {
    vi.useFakeTimers();
    let wall = 0;
    let mono = 0;
    let network = net;
    const seen: WakeReason[] = [];
    const stop = watchForWake({ intervalMs: 1_000, sample: () => ({ wall, mono, network }), onWake: (r) => seen.push(r) });
    const tick = (wallMs: number, monoMs: number) => {
      wall += wallMs;
      mono += monoMs;
      vi.advanceTimersByTime(1_000);
    };
    tick(1_000, 1_000);
    tick(30_000, 30_000); // busy, not asleep
    expect(seen).toEqual([]);
    tick(61_000, 1_000); // suspended for a minute
    expect(seen).toEqual(["slept"]);
    network = "wlan0 IPv4 198.51.100.7";
    tick(1_000, 1_000);
    tick(1_000, 1_000);
    expect(seen).toEqual(["slept", "network-changed"]);
    stop();
  });
});
