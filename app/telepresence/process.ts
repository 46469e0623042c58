// Runs the telepresence program: an argument array straight to the program (never a shell, so a name
// with spaces, quotes or `;` arrives verbatim), with a deadline and an AbortSignal on every call, and
// the whole process tree killed on cancel or timeout.
import { spawn, type ChildProcess } from "node:child_process";
import { SwitchboardError } from "../contract/errors.ts";

export interface RunOptions {
  /** Milliseconds before the process tree is killed and the call fails with `timeout`. */
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  cwd?: string | undefined;
  /** Text written to stdin (e.g. a kubeconfig for `--kubeconfig -`); stdin is closed otherwise. */
  stdin?: string | undefined;
  /** Each complete line as it arrives (progress, json-stream). */
  onLine?: ((stream: "stdout" | "stderr", line: string) => void) | undefined;
  /** What the caller is doing, for error messages ("telepresence status"). */
  description?: string | undefined;
}

export interface RunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const MAX_OUTPUT = 32 * 1024 * 1024; // `list` of a big cluster is large; anything beyond this is a bug.
const KILL_GRACE_MS = 2_000;
const STREAM_GRACE_MS = 500;

/**
 * Kills the child and everything it started in its process group. On Unix the child leads its own
 * group (spawned `detached`), so a negative pid reaches grandchildren too; on Windows `taskkill /T`
 * walks the tree. SIGTERM first, SIGKILL after a grace period.
 */
export function killTree(child: ChildProcess): void {
  const pid = child.pid;
  if (pid === undefined) return;
  if (process.platform === "win32") {
    const killer = spawn("taskkill", ["/pid", String(pid), "/T", "/F"], { stdio: "ignore", windowsHide: true });
    killer.on("error", () => child.kill());
    return;
  }
  const send = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      try {
        child.kill(signal);
      } catch {
        // Already gone.
      }
    }
  };
  send("SIGTERM");
  const timer = setTimeout(() => send("SIGKILL"), KILL_GRACE_MS);
  timer.unref();
  child.once("exit", () => {
    // The leader is gone; make sure nothing of its group lingers.
    send("SIGKILL");
    clearTimeout(timer);
  });
}

export function runProgram(file: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const what = options.description ?? `${file} ${args[0] ?? ""}`.trim();
  if (options.signal?.aborted) {
    return Promise.reject(new SwitchboardError("cancelled", `Cancelled before ${what} started.`));
  }
  return new Promise<RunResult>((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(file, [...args], {
        env: options.env ?? process.env,
        cwd: options.cwd,
        shell: false,
        detached: process.platform !== "win32",
        windowsHide: true,
        stdio: [options.stdin !== undefined ? "pipe" : "ignore", "pipe", "pipe"],
      });
    } catch (error) {
      reject(spawnError(file, error));
      return;
    }

    const out: Record<"stdout" | "stderr", { chunks: Buffer[]; size: number; partial: string }> = {
      stdout: { chunks: [], size: 0, partial: "" },
      stderr: { chunks: [], size: 0, partial: "" },
    };
    let failure: SwitchboardError | null = null;
    let settled = false;
    let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;

    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      options.signal?.removeEventListener("abort", onAbort);
      if (failure) {
        reject(failure);
        return;
      }
      const text = (stream: "stdout" | "stderr") => Buffer.concat(out[stream].chunks).toString("utf8");
      resolve({ exitCode: exited?.code ?? null, signal: exited?.signal ?? null, stdout: text("stdout"), stderr: text("stderr") });
    };

    const stop = (error: SwitchboardError) => {
      if (failure || settled) return;
      failure = error;
      killTree(child);
    };

    const onAbort = () => stop(new SwitchboardError("cancelled", `Cancelled: ${what} was stopped.`));
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const deadline = setTimeout(() => {
      stop(
        new SwitchboardError(
          "timeout",
          `${what} did not finish within ${Math.round(options.timeoutMs / 1000)} s and was stopped.`,
          "Check the connection to the cluster (`telepresence status`), then try again.",
          { timeoutMs: options.timeoutMs },
        ),
      );
    }, options.timeoutMs);

    for (const stream of ["stdout", "stderr"] as const) {
      child[stream]?.on("data", (chunk: Buffer) => {
        const state = out[stream];
        state.size += chunk.length;
        if (state.size > MAX_OUTPUT) {
          stop(new SwitchboardError("telepresence-error", `${what} wrote more than ${MAX_OUTPUT} bytes of output; stopped it.`));
          return;
        }
        state.chunks.push(chunk);
        if (options.onLine) {
          const lines = (state.partial + chunk.toString("utf8")).split(/\r?\n/);
          state.partial = lines.pop() ?? "";
          for (const line of lines) if (line.trim()) options.onLine(stream, line);
        }
      });
    }

    if (options.stdin !== undefined && child.stdin) {
      child.stdin.on("error", () => {
        // The program may exit without reading stdin (EPIPE): its exit status tells what happened.
      });
      child.stdin.end(options.stdin);
    }

    child.on("error", (error) => {
      if (!failure) failure = spawnError(file, error);
      finish();
    });
    child.on("exit", (code, signal) => {
      exited = { code, signal };
      // A grandchild that inherited stdout could keep 'close' from ever firing: give the streams a
      // moment to drain, then answer with what arrived.
      setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        finish();
      }, STREAM_GRACE_MS).unref();
    });
    child.on("close", (code, signal) => {
      exited ??= { code, signal };
      for (const stream of ["stdout", "stderr"] as const) {
        const rest = out[stream].partial;
        if (rest.trim() && options.onLine) options.onLine(stream, rest);
        out[stream].partial = "";
      }
      finish();
    });
  });
}

function spawnError(file: string, error: unknown): SwitchboardError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT" || code === "EACCES" || code === "ENOTDIR") {
    return new SwitchboardError(
      "telepresence-missing",
      code === "EACCES" ? `The telepresence program at ${file} cannot be run (permission denied).` : `The telepresence program was not found at ${file}.`,
      "Install Telepresence (https://telepresence.io/docs/install/client) or set its path in Switchboard's settings.",
      { path: file, errno: code },
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new SwitchboardError("telepresence-error", `Could not start ${file}: ${message}`, undefined, { path: file });
}
