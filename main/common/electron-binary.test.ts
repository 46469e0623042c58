import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { findElectronBinary, hasDisplay } from "./electron-binary.ts";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function project(withBinary: boolean, withPathFile = true): string {
  const root = mkdtempSync(path.join(tmpdir(), "sb-electron-bin-"));
  dirs.push(root);
  writeFileSync(path.join(root, "package.json"), "{}");
  const pkg = path.join(root, "node_modules", "electron");
  mkdirSync(path.join(pkg, "dist"), { recursive: true });
  writeFileSync(path.join(pkg, "package.json"), JSON.stringify({ name: "electron", main: "index.js" }));
  // index.js would download the binary if required: make requiring it fail loudly.
  writeFileSync(path.join(pkg, "index.js"), "throw new Error('must not be required')");
  if (withPathFile) writeFileSync(path.join(pkg, "path.txt"), "electron");
  if (withBinary) {
    writeFileSync(path.join(pkg, "dist", "electron"), "#!/bin/sh\n");
    chmodSync(path.join(pkg, "dist", "electron"), 0o755);
  }
  return root;
}

describe("findElectronBinary", () => {
  it("finds the binary the package installed, without requiring the package", () => {
    const root = project(true);
    expect(findElectronBinary(root, {})).toEqual({ found: true, path: path.join(root, "node_modules", "electron", "dist", "electron") });
  });

  it("says the binary is missing when it was never downloaded", () => {
    expect(findElectronBinary(project(false), {})).toEqual({ found: false, reason: "Electron is not installed (binary missing)" });
    expect(findElectronBinary(project(false, false), {})).toMatchObject({ found: false });
  });

  it("says the package is missing", () => {
    const root = mkdtempSync(path.join(tmpdir(), "sb-electron-none-"));
    dirs.push(root);
    writeFileSync(path.join(root, "package.json"), "{}");
    expect(findElectronBinary(root, {})).toMatchObject({ found: false, reason: expect.stringContaining("no electron package") as string });
  });
});

describe("hasDisplay", () => {
  it("needs DISPLAY or WAYLAND_DISPLAY on Linux only", () => {
    expect(hasDisplay({}, "linux")).toBe(false);
    expect(hasDisplay({ DISPLAY: ":0" }, "linux")).toBe(true);
    expect(hasDisplay({ WAYLAND_DISPLAY: "wayland-0" }, "linux")).toBe(true);
    expect(hasDisplay({}, "darwin")).toBe(true);
    expect(hasDisplay({}, "win32")).toBe(true);
  });
});
