// Notices that the machine slept or its network changed, so the core re-checks what it holds instead
// of trusting it (issue: "after the laptop sleeps or the network drops, the state is re-checked").
// Works in every host, no OS hook needed: a timer that fires late by far more than its interval means
// the process was suspended; a different set of interface addresses means another network. Electron's
// powerMonitor "resume" (main/electron) is a quicker signal for the same re-check (Core.systemResumed).
import { networkInterfaces } from "node:os";

export type WakeReason = "slept" | "network-changed";

/** A fingerprint of this machine's non-internal addresses: changes when the network does. */
export function networkFingerprint(interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces()): string {
  const addresses: string[] = [];
  for (const [name, list] of Object.entries(interfaces)) {
    for (const a of list ?? []) if (!a.internal) addresses.push(`${name} ${a.family} ${a.address}`);
  }
  return addresses.sort().join("\n");
}

/** Pure: what happened between two ticks (null: nothing worth a re-check). */
export function wakeReason(
  previous: { at: number; network: string },
  next: { at: number; network: string },
  intervalMs: number,
  slackMs = Math.max(intervalMs, 10_000),
): WakeReason | null {
  if (next.at - previous.at > intervalMs + slackMs) return "slept";
  if (next.network !== previous.network) return "network-changed";
  return null;
}

/** Ticks every `intervalMs` (unref'd: it never keeps a process alive); returns a stop function. */
export function watchForWake(options: {
  intervalMs: number;
  onWake(reason: WakeReason, detail: { elapsedMs: number }): void;
  now?: () => number;
  network?: () => string;
}): () => void {
  const now = options.now ?? Date.now;
  const network = options.network ?? (() => networkFingerprint());
  let last = { at: now(), network: network() };
  const timer = setInterval(() => {
    const next = { at: now(), network: network() };
    const reason = wakeReason(last, next, options.intervalMs);
    const elapsedMs = next.at - last.at;
    last = next;
    if (reason) options.onWake(reason, { elapsedMs });
  }, options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
