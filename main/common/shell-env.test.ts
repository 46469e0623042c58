// Runs a real login shell (bash) with a throw-away HOME whose profile changes PATH.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { between, importLoginShellPath, loginShellPath, mergePaths } from "./shell-env.ts";

const bash = ["/bin/bash", "/usr/bin/bash"].find((p) => existsSync(p));
let home: string;
beforeEach(() => {
  home = mkdtempSync(path.join(tmpdir(), "sb-shell-"));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

describe("mergePaths and between", () => {
  it("puts the login shell's entries first and keeps the process's own, once each", () => {
    expect(mergePaths("/opt/homebrew/bin:/usr/bin", "/usr/bin:/app/bin:", ":")).toBe("/opt/homebrew/bin:/usr/bin:/app/bin");
  });
  it("finds the value between markers despite banners", () => {
    expect(between("Welcome!\nMXX/a:/bMXXbye", "MXX")).toBe("/a:/b");
    expect(between("no markers", "MXX")).toBeNull();
  });
});

describe.skipIf(!bash || process.platform === "win32")("loginShellPath with a real bash", () => {
  it("returns the PATH the login profile builds, ignoring what rc files print", async () => {
    writeFileSync(path.join(home, ".bash_profile"), 'echo "Good morning"\nexport PATH="/opt/sb-google-cloud-sdk/bin:$PATH"\n');
    const result = await loginShellPath({ shell: bash!, env: { HOME: home, PATH: "/usr/bin:/bin" } });
    expect(result?.split(":")[0]).toBe("/opt/sb-google-cloud-sdk/bin");
    expect(result).toContain("/usr/bin");
  });

  it("imports it into an environment in place", async () => {
    writeFileSync(path.join(home, ".bash_profile"), 'export PATH="/opt/sb-telepresence/bin:$PATH"\n');
    const env: Record<string, string | undefined> = { HOME: home, PATH: "/usr/bin:/bin:/only/in/app" };
    await importLoginShellPath(env, { shell: bash! });
    expect(env.PATH!.split(":")).toEqual(expect.arrayContaining(["/opt/sb-telepresence/bin", "/only/in/app"]));
    expect(env.PATH!.split(":")[0]).toBe("/opt/sb-telepresence/bin");
  });

  it("gives up on a shell that hangs, leaving PATH alone", async () => {
    writeFileSync(path.join(home, ".bash_profile"), "sleep 30\n");
    const env: Record<string, string | undefined> = { HOME: home, PATH: "/usr/bin" };
    expect(await importLoginShellPath(env, { shell: bash!, timeoutMs: 300 })).toBeNull();
    expect(env.PATH).toBe("/usr/bin");
  });

  it("returns null for a shell that does not exist", async () => {
    expect(await loginShellPath({ shell: path.join(home, "no-such-shell"), env: { HOME: home } })).toBeNull();
  });
});
