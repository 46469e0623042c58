// The whole playground through real tools: the real kubectl against its API server, and the CLI
// as `npm run playground -- --json` runs it.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resources } from "../cluster/client.ts";
import { startPlayground, type Playground } from "../index.ts";
import type { Pod } from "../workloads/types.ts";
import { waitFor } from "../workloads/test-cluster.ts";

const run = promisify(execFile);
const KUBECTL = existsSync("/usr/bin/kubectl") ? "/usr/bin/kubectl" : "kubectl";
// The Node running the tests (scripts/run.mjs already chose one new enough) runs the children too.
const NODE = process.execPath;
const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

describe("playground with the real kubectl", () => {
  let pg: Playground;
  let baseline: Record<string, number>;
  const kubectl = (...args: string[]) => run(KUBECTL, ["--kubeconfig", pg.kubeconfigPath, ...args], { timeout: 30_000 });

  const handles = () => {
    const counts: Record<string, number> = {};
    for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
    return counts;
  };

  beforeAll(async () => {
    baseline = handles();
    pg = await startPlayground({ speed: 20 });
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it("lists the demo pods with IPs, nodes and readiness gates (get pods -o wide)", async () => {
    const { stdout } = await kubectl("get", "pods", "-o", "wide");
    const lines = stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/);
    const rows = lines.slice(1).map((l) => l.split(/\s+/));
    expect(rows).toHaveLength(12);
    for (const r of rows) {
      expect(r[0]).toMatch(/^(web|api|billing|search|shop|legacy)-[a-z0-9]+-[a-z0-9]{5}$/);
      expect(r[2]).toBe("Running");
      expect(r[5]).toMatch(/^10\.8\.\d+\.\d+$/);
      expect(r[6]).toMatch(/^gke-playground-default-pool-/);
    }
    expect(rows.find((r) => r[0]!.startsWith("billing-"))![1]).toBe("2/2");
    // NEG pods carry the readiness gate, and it is True; legacy has none.
    expect(rows.filter((r) => !r[0]!.startsWith("legacy-")).every((r) => r[8] === "1/1")).toBe(true);
    expect(rows.filter((r) => r[0]!.startsWith("legacy-")).every((r) => r[8] === "<none>")).toBe(true);
  });

  it("follows a rolling update to the end (rollout status)", async () => {
    await kubectl("set", "env", "deployment/web", "GREETING=hi");
    const { stdout } = await kubectl("rollout", "status", "deployment/web", "--timeout=60s");
    expect(stdout).toContain('deployment "web" successfully rolled out');
    const pods = (await pg.client.list<Pod>(resources.pods, { namespace: "demo", labelSelector: "app=web" })).items.filter((p) => !p.metadata.deletionTimestamp);
    expect(pods).toHaveLength(2);
    expect(pods.every((p) => p.spec.containers[0]!.env?.some((e) => e.name === "GREETING"))).toBe(true);
    const { stdout: history } = await kubectl("rollout", "history", "deployment/web");
    expect(history).toMatch(/^2\s/m);

    // And back: undo restores revision 1's template as revision 3.
    await kubectl("rollout", "undo", "deployment/web");
    const { stdout: undone } = await kubectl("rollout", "status", "deployment/web", "--timeout=60s");
    expect(undone).toContain('deployment "web" successfully rolled out');
    const { stdout: revision } = await kubectl("get", "deployment", "web", "-o", "jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}");
    expect(revision).toBe("3");
    const after = (await pg.client.list<Pod>(resources.pods, { namespace: "demo", labelSelector: "app=web" })).items.filter((p) => !p.metadata.deletionTimestamp);
    expect(after.every((p) => !p.spec.containers[0]!.env?.some((e) => e.name === "GREETING"))).toBe(true);
  });

  it("shows ready addresses of a Service (describe svc)", async () => {
    const { stdout } = await kubectl("describe", "svc", "api");
    expect(stdout).toMatch(/TargetPort:\s+8080\/TCP/);
    expect(stdout).toMatch(/Endpoints:\s+10\.8\.\d+\.\d+:8080,10\.8\.\d+\.\d+:8080/);
  });

  it("drops a pod out of a Service's ready addresses when its health path fails", async () => {
    const pod = (await pg.client.list<Pod>(resources.pods, { namespace: "demo", labelSelector: "app=api" })).items[0]!;
    pg.setHealth("demo", pod.metadata.name, false);
    await waitFor("api endpoint not ready", async () => {
      const { stdout } = await kubectl("get", "endpoints", "api", "-o", "jsonpath={.subsets[0].notReadyAddresses[*].targetRef.name}");
      return stdout.includes(pod.metadata.name);
    }, 20_000);
    pg.setHealth("demo", pod.metadata.name, true);
  });

  it("frees every port and timer on stop()", async () => {
    const during = handles();
    expect(during.TCPServerWrap ?? 0).toBeGreaterThan(20);
    const lb = pg.loadBalancers["demo/web"]!;
    const kubeconfig = pg.kubeconfigPath;
    await pg.stop();
    // Sockets close on the next turns of the loop.
    await waitFor("handles released", () => {
      const after = handles();
      return (after.TCPServerWrap ?? 0) <= (baseline.TCPServerWrap ?? 0) && (after.Timeout ?? 0) <= (baseline.Timeout ?? 0) + 1
        && (after.TCPSocketWrap ?? 0) <= (baseline.TCPSocketWrap ?? 0);
    }, 5_000);
    expect(existsSync(kubeconfig)).toBe(false);
    await expect(fetch(lb)).rejects.toThrow();
  });
});

describe("npm run playground -- --json --scale 2", () => {
  interface Info { kubeconfig: string; context: string; server: string; computeApi: string; loadBalancers: Record<string, string>; telepresence: string }
  let child: ChildProcess;
  let stdout = "";
  let stderr = "";
  let exited: Promise<number | null>;
  let info: Info;
  const kubectl = (...args: string[]) => run(KUBECTL, ["--kubeconfig", info.kubeconfig, ...args], { timeout: 30_000 });

  beforeAll(async () => {
    child = spawn(NODE, [join(ROOT, "playground/cli.ts"), "--json", "--speed", "20", "--scale", "2"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout!.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
    await waitFor("the JSON line", () => stdout.includes("\n") || child.exitCode !== null, 25_000);
    info = JSON.parse(stdout.split("\n")[0]!) as Info;
  }, 30_000);
  afterAll(() => {
    if (child?.exitCode === null) child.kill("SIGKILL");
  });

  it("prints one JSON line when ready and serves the front door", async () => {
    const lines = stdout.split("\n").filter((l) => l !== "");
    expect(lines).toHaveLength(1);
    expect(info.context).toBe("playground");
    expect(existsSync(info.kubeconfig)).toBe(true);
    expect(info.server).toMatch(/^https?:\/\/127\.0\.0\.1:\d+$/);
    expect(info.computeApi).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    // Two scale services share one generated Ingress (50 per Ingress).
    expect(Object.keys(info.loadBalancers).sort()).toEqual(["demo/api", "demo/billing", "demo/search", "demo/shop", "demo/web", "scale/ingress-001"]);
    expect(stderr).toMatch(/ready in \d+ ms/);
    const { stdout: body } = await run("curl", ["-s", "--max-time", "5", info.loadBalancers["demo/web"]!]);
    expect(body).toMatch(/^hello from web-[a-z0-9]+-[a-z0-9]{5} \(demo-app\)\n$/);
  });

  // Issue 4: the line names the playground's `telepresence` program, which the app runs as is.
  it('"telepresence" names an executable program that answers `version`', async () => {
    expect(isAbsolute(info.telepresence)).toBe(true);
    expect(statSync(info.telepresence).isFile()).toBe(true);
    accessSync(info.telepresence, constants.X_OK);
    const state = mkdtempSync(join(tmpdir(), "tp-version-"));
    try {
      // A state dir of its own: `version` asks the user daemon, and there must be none here.
      const { stdout: text } = await run(info.telepresence, ["version"], { env: { ...process.env, KUBECONFIG: info.kubeconfig, PLAYGROUND_TELEPRESENCE_STATE_DIR: state }, timeout: 30_000 });
      // telepresence.md §2: text lines `Client\s*: v…`.
      expect(text).toMatch(/^OSS Client\s*: v2\.\d+\.\d+$/m);
      expect(text).toMatch(/^User Daemon\s*: not running$/m);
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });

  // Issue 3: `--scale N` adds N services of 3 pods each in namespace `scale`, seen through the real kubectl.
  it("--scale 2: namespace scale has 2 services of 3 Ready pods each", async () => {
    const { stdout: svcs } = await kubectl("get", "services", "-n", "scale", "-o", "name");
    expect(svcs.trim().split("\n")).toEqual(["service/svc-00001", "service/svc-00002"]);
    for (const svc of ["svc-00001", "svc-00002"]) {
      const { stdout: rows } = await kubectl("get", "pods", "-n", "scale", "-l", `app=${svc}`, "--no-headers");
      const pods = rows.trim().split("\n").map((l) => l.split(/\s+/));
      expect(pods).toHaveLength(3);
      for (const r of pods) {
        expect(r[0]).toMatch(new RegExp(`^${svc}-[a-z0-9]+-[a-z0-9]{5}$`));
        expect(r.slice(1, 3)).toEqual(["1/1", "Running"]);
      }
      const { stdout: addresses } = await kubectl("get", "endpoints", svc, "-n", "scale", "-o", "jsonpath={.subsets[*].addresses[*].ip}");
      expect(addresses.split(" ")).toHaveLength(3);
    }
  });

  it("stops cleanly on SIGINT", async () => {
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(existsSync(info.kubeconfig)).toBe(false);
    await expect(run("curl", ["-s", "--max-time", "2", info.loadBalancers["demo/web"]!])).rejects.toThrow();
  });
});
