// Finding the telepresence program. A GUI started from the Dock/Start menu does not inherit the login
// shell's PATH, so the hosts import it and pass it as `env`; a configured path (a setting) wins; then
// the places installers put it.
import { access, stat } from "node:fs/promises";
import { constants } from "node:fs";
import { homedir } from "node:os";
import { posix, win32 } from "node:path";
import { SwitchboardError } from "../contract/errors.ts";

export const INSTALL_PAGE = "https://telepresence.io/docs/install/client";

export interface LocateOptions {
  /** The environment whose PATH to search (the login shell's, imported by the host). */
  env?: NodeJS.ProcessEnv | undefined;
  /** A path set in Switchboard's settings; when given it must work, nothing else is tried. */
  configuredPath?: string | null | undefined;
  platform?: NodeJS.Platform | undefined;
  home?: string | undefined;
}

export type LocationSource = "setting" | "path" | "install-dir";

export interface Location {
  path: string;
  source: LocationSource;
  /** Every place looked at, in order (for the "not found" explanation). */
  searched: string[];
}

function executableNames(platform: NodeJS.Platform): string[] {
  // Windows: only the .exe. A .cmd/.bat cannot be spawned without a shell (Node refuses, EINVAL),
  // and the driver never uses a shell.
  return platform === "win32" ? ["telepresence.exe"] : ["telepresence"];
}

/** The usual install places, after PATH (brew on Intel and Apple silicon, Linuxbrew, curl installs, Windows installers). */
export function installDirs(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, home: string): string[] {
  if (platform === "win32") {
    const dirs: string[] = [];
    for (const base of [env.ProgramFiles, env["ProgramFiles(x86)"], env.LOCALAPPDATA && win32.join(env.LOCALAPPDATA, "Programs")]) {
      if (base) dirs.push(win32.join(base, "Telepresence"));
    }
    if (env.LOCALAPPDATA) dirs.push(win32.join(env.LOCALAPPDATA, "Microsoft", "WinGet", "Links"));
    return dirs;
  }
  return [
    "/usr/local/bin",
    "/opt/homebrew/bin",
    "/home/linuxbrew/.linuxbrew/bin",
    posix.join(home, ".local", "bin"),
    posix.join(home, "bin"),
    "/usr/bin",
  ];
}

async function isExecutableFile(path: string, platform: NodeJS.Platform): Promise<boolean> {
  try {
    const info = await stat(path);
    if (!info.isFile()) return false;
    if (platform !== "win32") await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The exact next step when telepresence is missing or too old, for the user's platform. */
export function installHint(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string {
  const cpu = arch === "arm64" ? "arm64" : "amd64";
  switch (platform) {
    case "darwin":
      return `Install it with Homebrew: \`brew install telepresenceio/telepresence/telepresence-oss\` (or \`brew upgrade telepresence-oss\`), see ${INSTALL_PAGE}.`;
    case "win32":
      return `Download and run the Windows installer from ${INSTALL_PAGE}, then restart Switchboard.`;
    default:
      return (
        `Install it with: \`sudo curl -fL https://github.com/telepresenceio/telepresence/releases/latest/download/telepresence-linux-${cpu} -o /usr/local/bin/telepresence && sudo chmod a+x /usr/local/bin/telepresence\`` +
        ` (or the .deb/.rpm package, which also sets up the root daemon as a service), see ${INSTALL_PAGE}.`
      );
  }
}

export async function locateTelepresence(options: LocateOptions = {}): Promise<Location> {
  const platform = options.platform ?? process.platform;
  const env = options.env ?? process.env;
  const home = options.home ?? homedir();
  const searched: string[] = [];
  const pathApi = platform === "win32" ? win32 : posix;

  if (options.configuredPath) {
    searched.push(options.configuredPath);
    if (await isExecutableFile(options.configuredPath, platform)) {
      return { path: options.configuredPath, source: "setting", searched };
    }
    throw new SwitchboardError(
      "telepresence-missing",
      `The telepresence path set in Switchboard's settings (${options.configuredPath}) is not an executable file.`,
      `Fix the path in the settings, or clear it to let Switchboard search PATH. ${installHint(platform)}`,
      { searched },
    );
  }

  const names = executableNames(platform);
  const pathValue = env.PATH ?? env.Path ?? "";
  const pathDirs = pathValue.split(platform === "win32" ? ";" : ":").filter(Boolean);
  for (const [dirs, source] of [
    [pathDirs, "path"],
    [installDirs(platform, env, home), "install-dir"],
  ] as const) {
    for (const dir of dirs) {
      for (const name of names) {
        const candidate = pathApi.join(dir, name);
        if (searched.includes(candidate)) continue;
        searched.push(candidate);
        if (await isExecutableFile(candidate, platform)) return { path: candidate, source, searched };
      }
    }
  }
  throw new SwitchboardError(
    "telepresence-missing",
    "Telepresence is not installed (the telepresence program was not found).",
    installHint(platform),
    { searched, installPage: INSTALL_PAGE },
  );
}
