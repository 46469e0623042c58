// The `switchboard` command for real: `node bin/switchboard.mjs …` as a child process against the
// playground (its kubeconfig on disk, its Compute API emulation), before and during a real Telepresence
// intercept started with the playground's `telepresence` program.
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startHarness, type Harness } from "../../playground/telepresence/harness.ts";
import type { ContextsView, ServiceDetail, ServicesState } from "../contract/api.ts";
import type { ErrorValue } from "../contract/errors.ts";

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../bin/switchboard.mjs");

let h: Harness;

beforeAll(async () => {
  h = await startHarness(20);
}, 60_000);

afterAll(async () => {
  await h?.stop();
});

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        env: {
          ...process.env,
          HOME: h.stateDir,
          KUBECONFIG: h.pg.kubeconfigPath,
          SWITCHBOARD_COMPUTE_API: h.pg.computeApi,
          SWITCHBOARD_COMPUTE_TOKEN: h.pg.computeToken,
          SWITCHBOARD_PROJECT: h.pg.project,
          ...env,
        },
        timeout: 60_000,
      },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

async function diagnose(service: string): Promise<ServiceDetail> {
  const r = await cli(["diagnose", service, "-n", "demo", "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as ServiceDetail;
}

const ids = (d: ServiceDetail) => d.findings.map((f) => f.id);

describe("switchboard (CLI)", () => {
  it("contexts and status, human and --json", async () => {
    const contexts = await cli(["contexts", "--json"]);
    expect(contexts.code).toBe(0);
    expect((JSON.parse(contexts.stdout) as ContextsView).contexts.map((c) => c.name)).toEqual(["playground"]);

    const status = await cli(["status", "--json"]);
    expect(status.code, status.stderr).toBe(0);
    const state = JSON.parse(status.stdout) as ServicesState;
    expect(state).toMatchObject({ context: "playground", namespace: "demo", healthSource: { source: "compute-api" } });
    expect(state.services.map((s) => s.name)).toEqual(["api", "billing", "legacy", "search", "shop", "web"]);

    const human = await cli(["status", "-n", "demo"]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^web\s+healthy \(compute-api\)\s+Ingress NEG\s+2\/2/m);
  });

  it("exits non-zero with the UI's error (code, message, hint)", async () => {
    const r = await cli(["status", "--context", "nope", "--json"]);
    expect(r.code).toBe(1);
    const { error } = JSON.parse(r.stdout) as { error: ErrorValue };
    expect(error).toMatchObject({ code: "context-not-found" });
    expect(error.hint).toBeTruthy();
    expect(r.stderr).toContain("[context-not-found]");
    expect(r.stderr).toContain("hint: ");
    expect((await cli(["diagnose"])).code).toBe(2);
  });

  it("diagnose reports the chicken-and-egg before and during an intercept of 8080, and the Compute API sees the pod fail", async () => {
    const before = await diagnose("web");
    expect(ids(before)).toContain("health-check-hits-intercepted-port");
    for (const other of ["billing", "search"]) expect(ids(await diagnose(other))).not.toContain("health-check-hits-intercepted-port");

    expect((await h.run(["connect"])).code).toBe(0);
    const local = await freePort(); // nothing listens there: the laptop does not answer the checks
    const intercepted = await h.run(["intercept", "web", "--port", `${local}:8080`]);
    expect(intercepted.code, intercepted.stderr).toBe(0);
    try {
      let during = await diagnose("web");
      const deadline = Date.now() + 30_000;
      // The load balancer's checks now reach the agent → laptop and fail (gke-neg.md §1, telepresence.md §5).
      const unhealthy = (d: ServiceDetail) => d.view.pods.some((p) => p.health.http?.some((v) => v.signal === "compute-api" && v.raw === "UNHEALTHY"));
      while (!unhealthy(during) && Date.now() < deadline) during = await diagnose("web");
      expect(ids(during)).toContain("health-check-hits-intercepted-port");
      expect(unhealthy(during)).toBe(true);
      expect(during.summary.healthSignal).toBe("compute-api");
      expect(["degraded", "unhealthy"]).toContain(during.summary.health);
      expect(ids(during)).toContain("endpoint-unhealthy");
      // Pod readiness does not show it: the NEG readiness gate stays True (gke-neg.md §1).
      expect(during.view.pods.every((p) => !p.readinessGate.present || p.readinessGate.ready)).toBe(true);
      for (const other of ["billing", "search"]) expect(ids(await diagnose(other))).not.toContain("health-check-hits-intercepted-port");
    } finally {
      await h.run(["leave", "web"]);
    }
  }, 120_000);
});
