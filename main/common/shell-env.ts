// Apps started from the Dock, Finder or a desktop launcher do not inherit the PATH the user's shell
// builds (~/.zprofile, ~/.bashrc, Homebrew, the Google Cloud SDK's path.bash.inc …). Without it,
// gke-gcloud-auth-plugin and telepresence are "not found" although they work in a terminal. So at
// start-up, before anything is spawned, we ask the login shell for its PATH and put it first.
// No Electron here: the browser host and tests use it too.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";

export interface ShellPathOptions {
  /** The user's shell (default $SHELL, else /bin/zsh on macOS, /bin/bash elsewhere). */
  shell?: string;
  env?: Record<string, string | undefined>;
  platform?: NodeJS.Platform;
  /** A login shell with a slow or interactive rc file must not hold up the app. */
  timeoutMs?: number;
}

/** Extracts what the shell printed between two markers (rc files may print banners around it). */
export function between(output: string, marker: string): string | null {
  const start = output.indexOf(marker);
  if (start === -1) return null;
  const end = output.indexOf(marker, start + marker.length);
  if (end === -1) return null;
  return output.slice(start + marker.length, end);
}

/** The login shell's entries first, then the ones only this process had, without duplicates. */
export function mergePaths(loginPath: string, currentPath: string | undefined, delimiter: string): string {
  const out: string[] = [];
  for (const entry of [...loginPath.split(delimiter), ...(currentPath ?? "").split(delimiter)]) {
    if (entry && !out.includes(entry)) out.push(entry);
  }
  return out.join(delimiter);
}

/** Asks the user's login shell for its PATH; null when it cannot tell (Windows, no shell, timeout). */
export function loginShellPath(options: ShellPathOptions = {}): Promise<string | null> {
  const platform = options.platform ?? process.platform;
  // Windows GUI apps get the user's PATH from the registry already.
  if (platform === "win32") return Promise.resolve(null);
  const env = options.env ?? process.env;
  const shell = options.shell ?? env.SHELL ?? (platform === "darwin" ? "/bin/zsh" : "/bin/bash");
  const marker = `__SWITCHBOARD_${randomBytes(8).toString("hex")}__`;
  // -i -l: interactive login shell, so both profile and rc files run (PATH is set in either).
  const script = `printf '%s' '${marker}'; printf '%s' "$PATH"; printf '%s' '${marker}'`;

  return new Promise((resolve) => {
    let output = "";
    let settled = false;
    const finish = (value: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(value);
    };
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(shell, ["-i", "-l", "-c", script], {
        // No terminal: rc files that prompt see EOF instead of waiting; oh-my-zsh skips its updater.
        stdio: ["ignore", "pipe", "ignore"],
        env: { ...env, DISABLE_AUTO_UPDATE: "true", ZSH_DISABLE_COMPFIX: "true" },
        // Its own process group, so a timeout can end the shell and whatever its rc files started.
        detached: true,
      });
    } catch {
      finish(null);
      return;
    }
    const timer = setTimeout(() => {
      try {
        // The shell may have started children (a slow rc file); end the whole group.
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
      finish(null);
    }, options.timeoutMs ?? 5000);
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (chunk: string) => {
      output += chunk;
      const value = between(output, marker);
      if (value !== null) finish(value.trim() || null);
    });
    child.on("error", () => finish(null));
    child.on("close", () => finish(between(output, marker)?.trim() || null));
  });
}

/**
 * Puts the login shell's PATH in front of `env.PATH` (in place). Returns the new PATH, or null when
 * the shell could not tell (then nothing changes).
 */
export async function importLoginShellPath(env: Record<string, string | undefined> = process.env, options: Omit<ShellPathOptions, "env"> = {}): Promise<string | null> {
  const loginPath = await loginShellPath({ ...options, env });
  if (!loginPath) return null;
  const delimiter = (options.platform ?? process.platform) === "win32" ? ";" : ":";
  env.PATH = mergePaths(loginPath, env.PATH, delimiter);
  return env.PATH;
}
