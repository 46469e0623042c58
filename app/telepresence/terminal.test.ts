import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { terminalLaunch } from "./terminal.ts";

const dir = mkdtempSync(join(tmpdir(), "sb-terminal-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const argv = ["/opt/telepresence", "connect", "--context", "gke_p_z_c", "-n", "my ns"];

describe("terminalLaunch", () => {
  it("linux: the first terminal found on PATH runs the quoted command in sh, then waits for Enter", () => {
    for (const name of ["gnome-terminal", "xterm"]) {
      writeFileSync(join(dir, name), "#!/bin/sh\n");
      chmodSync(join(dir, name), 0o755);
    }
    const launch = terminalLaunch(argv, { platform: "linux", env: { PATH: `/nonexistent:${dir}` } })!;
    expect(launch).toMatchObject({ file: join(dir, "gnome-terminal"), name: "gnome-terminal" });
    expect(launch.args.slice(0, 3)).toEqual(["--", "sh", "-c"]);
    expect(launch.args[3]).toBe("/opt/telepresence connect --context gke_p_z_c -n 'my ns'; echo; printf 'Press Enter to close this window. '; read _");
    expect(terminalLaunch(argv, { platform: "linux", env: { PATH: "/nonexistent" } })).toBeNull();
  });

  it("$TERMINAL wins on Linux; SWITCHBOARD_TERMINAL everywhere", () => {
    expect(terminalLaunch(argv, { platform: "linux", env: { PATH: dir, TERMINAL: "xterm" } })).toMatchObject({ file: join(dir, "xterm"), args: ["-e", "sh", "-c", expect.any(String)] });
    expect(terminalLaunch(argv, { platform: "darwin", env: { SWITCHBOARD_TERMINAL: "/usr/local/bin/mine" } })).toMatchObject({ file: "/usr/local/bin/mine", args: ["sh", "-c", expect.stringMatching(/^\/opt\/telepresence connect /)] });
  });

  it("macOS: Terminal.app through osascript, the line quoted for AppleScript; Windows: a new cmd window", () => {
    const mac = terminalLaunch(["/Applications/Tele Presence/telepresence", "connect"], { platform: "darwin", env: {} })!;
    expect(mac.file).toBe("osascript");
    expect(mac.args[1]).toContain(`do script "'/Applications/Tele Presence/telepresence' connect; echo; printf 'Press Enter to close this window. '; read _"`);
    const win = terminalLaunch(["C:\\Program Files\\telepresence.exe", "connect", "-n", "demo"], { platform: "win32", env: {} })!;
    expect(win).toEqual({ file: "cmd.exe", args: ["/c", "start", "Telepresence", "cmd", "/k", '"C:\\Program Files\\telepresence.exe" connect -n demo'], name: "Command Prompt" });
  });
});
