// Child processes the benchmark starts (playground, browser host, kubectl, telepresence): started
// with the Node that runs the benchmark, their lines read as they come, stopped by their own pid.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface Proc {
  child: ChildProcess;
  /** Resolves with the first stdout line `match` accepts (rejects when the process exits first or after `ms`). */
  line(match: (line: string) => boolean, ms: number): Promise<string>;
  /** Every stdout line with the Date.now() it arrived at. */
  lines: Array<{ t: number; text: string }>;
  stderr(): string;
  stop(): Promise<void>;
}

export function start(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Proc {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  const lines: Array<{ t: number; text: string }> = [];
  const waiters: Array<{ match: (l: string) => boolean; resolve: (l: string) => void }> = [];
  let err = "";
  let buf = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    const t = Date.now();
    buf += chunk;
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      const text = buf.slice(0, i);
      buf = buf.slice(i + 1);
      lines.push({ t, text });
      for (const w of [...waiters]) if (w.match(text)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(text);
      }
    }
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    err = (err + chunk).slice(-20_000);
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  return {
    child,
    lines,
    stderr: () => err,
    line(match, ms) {
      const found = lines.find((l) => match(l.text));
      if (found) return Promise.resolve(found.text);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${command} ${args.join(" ")}: no matching line within ${ms} ms\n${err.slice(-2000)}`)), ms);
        waiters.push({ match, resolve: (l) => { clearTimeout(timer); resolve(l); } });
        void exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`${command} ${args.slice(0, 3).join(" ")} exited (${child.exitCode ?? child.signalCode})\n${err.slice(-2000)}`));
        });
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** Runs a command to completion; resolves with its output and wall time. */
export function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 120_000): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

/** Resident set size of a process, from /proc (Linux), in bytes. */
export function rssOf(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}
