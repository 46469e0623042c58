// Small numeric helpers and the machine description printed next to every result.
import os from "node:os";

export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest-rank: the smallest value with at least p% of the samples at or below it.
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

export function median(values: number[]): number | null {
  return percentile(values, 50);
}

export function round(v: number | null | undefined, digits = 0): number | null {
  if (v === null || v === undefined || !Number.isFinite(v)) return null;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

export function machine(): { cpu: string; cores: number; memoryGB: number; node: string; platform: string; loadAverage1m: number | null } {
  return {
    // Other work on the machine skews every figure (ratios less so): recorded so a reader can tell.
    loadAverage1m: round(os.loadavg()[0], 2),
    cpu: os.cpus()[0]?.model.trim() ?? "unknown",
    cores: os.cpus().length,
    memoryGB: round(os.totalmem() / 2 ** 30, 1)!,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}
