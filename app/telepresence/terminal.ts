// The third way out when connect cannot start the root daemon from an app (telepresence.md §3: no
// terminal can answer sudo): open a terminal window running `telepresence connect`, where the user
// types the password; the core's status poll then sees the connection. Argument arrays all the way
// down: the command is quoted for the one shell that runs it inside the terminal, never for ours.
import { existsSync } from "node:fs";
import path from "node:path";
import { quoteArg } from "./commands.ts";

export interface TerminalLaunch {
  /** The program to spawn (a terminal emulator, or osascript / cmd.exe). */
  file: string;
  args: string[];
  /** Shown to the user: which terminal. */
  name: string;
}

/** Linux terminals in the order people most likely have them; each with how it takes a command. */
const LINUX_TERMINALS: Array<{ name: string; args: (shellCommand: string) => string[] }> = [
  { name: "x-terminal-emulator", args: (c) => ["-e", "sh", "-c", c] },
  { name: "gnome-terminal", args: (c) => ["--", "sh", "-c", c] },
  { name: "konsole", args: (c) => ["-e", "sh", "-c", c] },
  { name: "xfce4-terminal", args: (c) => ["-x", "sh", "-c", c] },
  { name: "kitty", args: (c) => ["sh", "-c", c] },
  { name: "alacritty", args: (c) => ["-e", "sh", "-c", c] },
  { name: "xterm", args: (c) => ["-e", "sh", "-c", c] },
];

function onPath(name: string, envPath: string | undefined): string | null {
  for (const dir of (envPath ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/**
 * How to open a terminal running `argv` (program first) on this platform, or null when none is found.
 * `SWITCHBOARD_TERMINAL` names a program that takes `sh -c COMMAND` (or `cmd /k` on Windows) after
 * its own name: the user's choice, and what tests use.
 */
export function terminalLaunch(argv: string[], options: { platform: NodeJS.Platform; env: Record<string, string | undefined> }): TerminalLaunch | null {
  const { platform, env } = options;
  if (platform === "win32") {
    // `start` opens a new console window; `cmd /k` keeps it open to read what happened.
    const line = argv.map((a) => (/[\s"&|<>^]/.test(a) ? `"${a.replace(/"/g, '""')}"` : a)).join(" ");
    if (env.SWITCHBOARD_TERMINAL) return { file: env.SWITCHBOARD_TERMINAL, args: ["cmd", "/k", line], name: path.basename(env.SWITCHBOARD_TERMINAL) };
    return { file: "cmd.exe", args: ["/c", "start", "Telepresence", "cmd", "/k", line], name: "Command Prompt" };
  }
  // Keep the window open after connect so the user sees the outcome (and any error) before closing it.
  const shellCommand = `${argv.map((a) => quoteArg(a, "posix")).join(" ")}; echo; printf 'Press Enter to close this window. '; read _`;
  if (env.SWITCHBOARD_TERMINAL) return { file: env.SWITCHBOARD_TERMINAL, args: ["sh", "-c", shellCommand], name: path.basename(env.SWITCHBOARD_TERMINAL) };
  if (platform === "darwin") {
    // Terminal.app through AppleScript: `do script` takes one shell line, so it is quoted for AppleScript too.
    const script = `tell application "Terminal"\nactivate\ndo script "${shellCommand.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"\nend tell`;
    return { file: "osascript", args: ["-e", script], name: "Terminal" };
  }
  const preferred = env.TERMINAL ? onPath(env.TERMINAL, env.PATH) ?? (existsSync(env.TERMINAL) ? env.TERMINAL : null) : null;
  if (preferred) return { file: preferred, args: ["-e", "sh", "-c", shellCommand], name: path.basename(preferred) };
  for (const terminal of LINUX_TERMINALS) {
    const found = onPath(terminal.name, env.PATH);
    if (found) return { file: found, args: terminal.args(shellCommand), name: terminal.name };
  }
  return null;
}
