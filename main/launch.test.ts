// `npm start`'s launcher as a real process: where Electron cannot run it serves the browser host,
// says why in one line, and stops cleanly on Ctrl-C (SIGINT).
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { coordinatesFromEnv, PLAYGROUND_ENV } from "./common/playground-options.ts";

const launch = path.join(path.dirname(fileURLToPath(import.meta.url)), "launch.ts");
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), "sb-launch-"));
  dirs.push(dir);
  return dir;
};

function run(args: string[], env: Record<string, string>, dir = tempDir()) {
  const child = spawn(process.execPath, [launch, ...args], {
    // No kubeconfig would start the embedded playground; these tests are about the launcher alone.
    env: { ...process.env, HOME: dir, KUBECONFIG: path.join(dir, "none"), SWITCHBOARD_PLAYGROUND: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const firstLine = async () => {
    const start = Date.now();
    while (!stdout.includes("\n")) {
      if (Date.now() - start > 15_000 || child.exitCode !== null) throw new Error(`no output; stderr: ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return stdout.split("\n")[0]!;
  };
  return { child, exited, firstLine, output: () => stdout };
}

describe("launch", () => {
  it("falls back to the browser host when Electron's binary is missing, in one line, and stops on SIGINT", async () => {
    const { child, exited, firstLine, output } = run(["--no-open"], { ELECTRON_OVERRIDE_DIST_PATH: path.join(tmpdir(), "sb-no-electron-here") });
    const line = await firstLine();
    expect(line).toMatch(/^Electron is not installed \(binary missing\); serving Switchboard at http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32,} instead$/);
    const url = new URL(/http:\S+/.exec(line)![0]);
    // the host is really there, and refuses a request without its token
    expect((await fetch(`http://127.0.0.1:${url.port}/`)).status).toBe(401);
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(output()).toContain("Switchboard stopped.");
  });

  it("serves in the browser with --web and a fixed --port", async () => {
    const { child, exited, firstLine } = run(["--web", "--no-open", "--port", "0"], {});
    expect(await firstLine()).toMatch(/^Serving Switchboard at http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  it("refuses a bad --port", async () => {
    const { exited } = run(["--web", "--port", "http"], {});
    expect(await exited).toBe(2);
  });

  it("with Electron and no cluster: runs the playground beside Electron, hands it over, and stops it when Electron exits", async () => {
    // A stand-in for the Electron binary (the real one cannot be downloaded everywhere): it records
    // its arguments and what the launcher handed it, and asks the playground for its namespaces with
    // the real kubectl through the handed kubeconfig, then exits.
    const dir = tempDir();
    const record = path.join(dir, "handed");
    const fake = path.join(dir, "electron");
    const kubeconfigOf = `"${process.execPath}" -e 'process.stdout.write(JSON.parse(process.env.${PLAYGROUND_ENV}).kubeconfigPath)'`;
    writeFileSync(
      fake,
      [
        "#!/bin/sh",
        `printf '%s\\n' "$1" > "${record}.args"`,
        `printf '%s' "$${PLAYGROUND_ENV}" > "${record}.env"`,
        `kubectl --kubeconfig "$(${kubeconfigOf})" get namespaces -o name > "${record}.namespaces" 2>&1`,
        `kubectl --kubeconfig "$(${kubeconfigOf})" config view --minify -o jsonpath='{.clusters[0].cluster.server}' > "${record}.server"`,
        "",
      ].join("\n"),
    );
    chmodSync(fake, 0o755);
    const { exited } = run([], { ELECTRON_OVERRIDE_DIST_PATH: dir, DISPLAY: ":99", SWITCHBOARD_PLAYGROUND: "" }, dir);
    expect(await exited).toBe(0);
    expect(readFileSync(`${record}.args`, "utf8").trim()).toBe(path.dirname(path.dirname(launch)));
    // What Electron's main process reads: valid coordinates of a playground that was really running.
    const coordinates = coordinatesFromEnv({ [PLAYGROUND_ENV]: readFileSync(`${record}.env`, "utf8") })!;
    expect(coordinates.context).toBe("playground");
    expect(Object.keys(coordinates.loadBalancers)).toContain("demo/web");
    expect(readFileSync(`${record}.namespaces`, "utf8")).toContain("namespace/demo");
    // Electron has exited: so has the playground.
    const server = readFileSync(`${record}.server`, "utf8");
    expect(server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(Number(new URL(server).port), "127.0.0.1");
      socket.once("connect", () => (socket.destroy(), resolve("connected")));
      socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
    });
    expect(refused).toBe("ECONNREFUSED");
  }, 60_000);
});
