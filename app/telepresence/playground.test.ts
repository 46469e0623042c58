// The driver against the playground's simulated `telepresence` (playground/bin/telepresence) and
// cluster (startPlayground): connect, list, intercept (web on the default release, shop on the oldest
// supported generation), leave, quit.
import { mkdtempSync, rmSync } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTelepresenceDriver, type TelepresenceDriver } from "./driver.ts";
import { runProgram } from "./process.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const bin = join(root, "playground", "bin", "telepresence");
const index = join(root, "playground", "index.ts");

interface PlaygroundHandle {
  kubeconfigPath: string;
  context: string;
  stop(): Promise<void>;
}

describe("against the playground's telepresence", () => {
  let playground: PlaygroundHandle;
  let local: Server;
  let localPort = 0;
  const stateDirs: string[] = [];

  beforeAll(async () => {
    const module = (await import(index)) as { startPlayground(options: { speed?: number; telepresence?: { install?: boolean } }): Promise<PlaygroundHandle> };
    // The traffic-manager is left uninstalled: the driver's `helm install` installs it below.
    playground = await module.startPlayground({ speed: 20, telepresence: { install: false } });
    // One traffic-manager for both runs, installed by the default (newest) client through the driver:
    // a 2.20 manager would be refused by a 2.25+ client (§6), so the order matters.
    const installer = createTelepresenceDriver({ configuredPath: bin, env: { ...process.env, KUBECONFIG: playground.kubeconfigPath } });
    expect(await installer.installTrafficManager({ context: playground.context, kubeconfig: playground.kubeconfigPath })).toEqual({ alreadyInstalled: false });
    local = createServer((_req, res) => res.end("laptop"));
    await new Promise<void>((resolve) => local.listen(0, "127.0.0.1", resolve));
    const address = local.address();
    localPort = typeof address === "object" && address ? address.port : 0;
  }, 90_000);

  afterAll(async () => {
    for (const dir of stateDirs) {
      // Stop the user daemon this test started (its state dir is ours alone).
      await runProgram(bin, ["quit", "-s"], { timeoutMs: 15_000, env: { ...process.env, PLAYGROUND_TELEPRESENCE_STATE_DIR: dir } }).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
    await new Promise((resolve) => local?.close(resolve));
    await playground?.stop();
  }, 60_000);

  // Both generations at once (separate daemons, one cluster, the manager installed above: `helm
  // install` answers "already installed"); each intercepts its own workload.
  for (const [release, workload] of [
    ["", "web"],
    ["2.20.2", "shop"],
  ] as const) {
    it.concurrent(`${release || "default release"}: connect, list, intercept ${workload}, leave, quit`, async () => {
      const stateDir = mkdtempSync(join(tmpdir(), "switchboard-tp-state-"));
      stateDirs.push(stateDir);
      const env = {
        ...process.env,
        KUBECONFIG: playground.kubeconfigPath,
        PLAYGROUND_TELEPRESENCE_STATE_DIR: stateDir,
        PLAYGROUND_TELEPRESENCE_VERSION: release,
        PLAYGROUND_TELEPRESENCE_AGENT_TIMEOUT_MS: "20000",
      };
      const driver: TelepresenceDriver = createTelepresenceDriver({ configuredPath: bin, env });
      const program = await driver.probe();
      if (release) expect(program.version.raw).toBe(release);
      if (release === "2.20.2") expect(program.capabilities).toMatchObject({ leaveCommand: "leave", listKeys: "services-sidecar", replace: false });

      expect((await driver.refresh()).connection.phase).not.toBe("connected");
      await expect(driver.list()).rejects.toMatchObject({ details: { reason: "not-connected" } });

      expect(await driver.installTrafficManager({ context: playground.context, kubeconfig: playground.kubeconfigPath })).toEqual({ alreadyInstalled: true });
      const connected = await driver.connect({ context: playground.context, kubeconfig: playground.kubeconfigPath });
      expect(connected.connection).toMatchObject({ phase: "connected", context: playground.context });
      const workloads = await driver.list();
      expect(workloads.map((w) => w.name)).toContain(workload);

      const envFile = join(stateDir, `${workload}.env`);
      const result = await driver.intercept({ workload, port: { local: localPort }, envFile });
      expect(result.intercept).toMatchObject({ name: workload, disposition: "ACTIVE", targetPort: localPort });
      expect(result.localPort?.listening).toBe(true);
      expect(result.state.intercepts.filter((i) => i.mine)).toEqual([expect.objectContaining({ name: workload, mine: true })]);
      expect((await stat(envFile)).mode & 0o777).toBe(0o600);

      // A restarted app finds the intercept again.
      const again = await createTelepresenceDriver({ configuredPath: bin, env }).refresh();
      expect(again.intercepts.some((i) => i.name === workload && i.mine)).toBe(true);

      const left = await driver.leave({ name: workload });
      expect(left.intercepts.filter((i) => i.mine)).toEqual([]);
      const quit = await driver.quit({ stopDaemons: true });
      expect(quit.connection.phase).not.toBe("connected");
    }, 120_000);
  }
});
