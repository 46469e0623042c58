// Starts Switchboard's browser host the way `npm start -- --web` does (main/launch.ts), as a child
// process with its own KUBECONFIG and HOME, and reads the URL it prints.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface RunningHost {
  url: string;
  /** Everything the host printed (stdout + stderr), for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/** `args`: more flags for main/launch.ts, e.g. ["--playground"]. */
export async function startBrowserHost(env: Record<string, string>, args: string[] = []): Promise<RunningHost> {
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, "main", "launch.ts"), "--web", "--no-open", ...args], {
    cwd: ROOT,
    env: { ...process.env, CI: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.setEncoding("utf8");
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => (output += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the browser host printed no URL:\n${output}`)), 20_000);
    child.stdout!.on("data", (chunk: string) => {
      output += chunk;
      const match = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[0]);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the browser host exited (${code}):\n${output}`));
    });
  });
  return {
    url,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGINT"); // the same path as Ctrl-C
      }),
  };
}

/**
 * A new user's first run: no kubeconfig, so the embedded playground is the only cluster, in a
 * throwaway HOME (settings, the strategies' journal, Telepresence's state). `speed` divides the
 * simulated intervals (health checks, probes, rollouts): the story is the same, only faster.
 */
export async function startPlaygroundHost(prefix: string, options: { speed?: number; args?: string[] } = {}): Promise<RunningHost & { dir: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const host = await startBrowserHost(
    {
      KUBECONFIG: path.join(dir, "missing-config"),
      HOME: dir,
      XDG_CONFIG_HOME: path.join(dir, "config"),
      XDG_DATA_HOME: path.join(dir, "data"),
      PLAYGROUND_TELEPRESENCE_STATE_DIR: path.join(dir, "tp"),
      PLAYGROUND_TELEPRESENCE_AGENT_TIMEOUT_MS: "30000",
      ...(options.speed ? { SWITCHBOARD_PLAYGROUND_SPEED: String(options.speed) } : {}),
    },
    options.args ?? ["--playground"],
  ).catch((error: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  return {
    ...host,
    dir,
    async stop() {
      await host.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
