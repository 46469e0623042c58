// Where the `electron` npm package put its binary, WITHOUT requiring the package: its index.js
// downloads the binary when it is missing, and `npm start` must never download anything.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

export type ElectronBinary = { found: true; path: string } | { found: false; reason: string };

export function findElectronBinary(root: string, env: Record<string, string | undefined> = process.env): ElectronBinary {
  let packageDir: string;
  try {
    packageDir = path.dirname(createRequire(path.join(root, "package.json")).resolve("electron/package.json"));
  } catch {
    return { found: false, reason: "Electron is not installed (no electron package)" };
  }
  const pathFile = path.join(packageDir, "path.txt");
  const relative = existsSync(pathFile) ? readFileSync(pathFile, "utf8").trim() : null;
  const dist = env.ELECTRON_OVERRIDE_DIST_PATH || path.join(packageDir, "dist");
  if (!relative && !env.ELECTRON_OVERRIDE_DIST_PATH) return { found: false, reason: "Electron is not installed (binary missing)" };
  const binary = path.join(dist, relative || "electron");
  return existsSync(binary) ? { found: true, path: binary } : { found: false, reason: "Electron is not installed (binary missing)" };
}

/** Linux and other X11/Wayland systems need a display server; macOS and Windows always have one. */
export function hasDisplay(env: Record<string, string | undefined> = process.env, platform: NodeJS.Platform = process.platform): boolean {
  if (platform === "darwin" || platform === "win32") return true;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}
