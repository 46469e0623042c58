// Notices that the machine slept or its network changed, so the core re-checks what it holds instead
// of trusting it (issue: "after the laptop sleeps or the network drops, the state is re-checked").
// Works in every host, no OS hook needed. A sleep shows as wall-clock time passing while the monotonic
// clock stood still (libuv's: Linux CLOCK_MONOTONIC, macOS mach_absolute_time; neither counts a
// suspend). A busy event loop (a first list of thousands of services) delays timers but moves both
// clocks alike, so it is never mistaken for a sleep. A different set of interface addresses means another network. Electron's
// powerMonitor "resume" (main/electron) is the quicker signal, and the one for platforms whose
// monotonic clock keeps counting through a suspend (Core.systemResumed).
import { networkInterfaces } from "node:os";

export type WakeReason = "slept" | "network-changed";

export interface WakeSample {
  /** Wall clock (Date.now()). */
  wall: number;
  /** Monotonic clock (performance.now()). */
  mono: number;
  network: string;
}

/** A fingerprint of this machine's non-internal addresses: changes when the network does. */
export function networkFingerprint(interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces()): string {
  const addresses: string[] = [];
  for (const [name, list] of Object.entries(interfaces)) {
    for (const a of list ?? []) if (!a.internal) addresses.push(`${name} ${a.family} ${a.address}`);
  }
  return addresses.sort().join("\n");
}

/** Pure: what happened between two samples (null: nothing worth a re-check). */
export function wakeReason(previous: WakeSample, next: WakeSample, thresholdMs = 5_000): WakeReason | null {
  const suspendedMs = next.wall - previous.wall - (next.mono - previous.mono);
  if (suspendedMs > thresholdMs) return "slept";
  if (next.network !== previous.network) return "network-changed";
  return null;
}

/** Samples every `intervalMs` (unref'd: it never keeps a process alive); returns a stop function. */
export function watchForWake(options: {
  intervalMs: number;
  onWake(reason: WakeReason, detail: { suspendedMs: number }): void;
  sample?: () => WakeSample;
}): () => void {
  const sample = options.sample ?? (() => ({ wall: Date.now(), mono: performance.now(), network: networkFingerprint() }));
  let last = sample();
  const timer = setInterval(() => {
    const next = sample();
    const reason = wakeReason(last, next);
    const suspendedMs = next.wall - last.wall - (next.mono - last.mono);
    last = next;
    if (reason) options.onWake(reason, { suspendedMs });
  }, options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
