// A 2.20 traffic-manager gets its agent into a running workload by patching the pod template (a
// rollout), not by evicting pods (telepresence.md §4); the Deployment's containers stay as they were.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { resources } from "../cluster/client.ts";
import { readRecords } from "./cluster-state.ts";
import type { Deployment } from "../workloads/types.ts";
import { endpointHealth, freePort, podsOf, startHarness, until, type Harness } from "./harness.ts";

let h: Harness;
const env = { PLAYGROUND_TELEPRESENCE_VERSION: "2.20.2" };

beforeAll(async () => {
  h = await startHarness(50, { version: "2.20.2" }, 3_000);
}, 60_000);

afterAll(async () => {
  await h?.run(["quit", "-s"], env);
  await h?.stop();
});

it("2.20: the manager annotates the pod template; the new pods carry the agent; checks and probes of the numeric port reach the laptop", async () => {
  expect(await h.run(["connect", "--output", "json"], env)).toEqual({ stdout: "", stderr: "", code: 0 });
  const r = await h.run(["intercept", "api", "--port", String(await freePort()), "--output", "json", "--detailed-output", "--mount", "false"], env);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)).toMatchObject({ disposition: "ACTIVE", workload_kind: "Deployment" });
  const dep = await h.pg.client.get<Deployment>(resources.deployments, "demo", "api");
  expect(dep?.spec.template.metadata?.annotations?.["telepresence.getambassador.io/restartedAt"]).toMatch(/^\d{4}-/);
  expect(dep?.spec.template.spec.containers.map((c) => c.name)).toEqual(["demo-app"]);
  // The rollout's new pods carry the agent. (It stalls: their readiness probe on 8080 goes through
  // tel-agent-init's redirect to the agent and on to the laptop, where nothing listens.)
  const pods = await until("new pods with the agent", async () => {
    const ps = (await podsOf(h.pg, "demo", "api")).filter((p) => p.spec.containers.some((c) => c.name === "traffic-agent"));
    return ps.length > 0 ? ps : undefined;
  });
  expect(pods[0]!.spec.containers.find((c) => c.name === "traffic-agent")!.image).toBe("ghcr.io/telepresenceio/tel2:2.20.2");
  await until("their endpoints UNHEALTHY", async () => {
    const health = [...(await endpointHealth(h.pg, "demo", "api"))];
    const ips = new Set(pods.map((p) => p.status?.podIP));
    const mine = health.filter(([k]) => ips.has(k.split(":")[0]));
    return mine.length === pods.length && mine.every(([, s]) => s === "UNHEALTHY");
  });
  await until("their readiness probe fails too", async () => {
    const ps = (await podsOf(h.pg, "demo", "api")).filter((p) => p.spec.containers.some((c) => c.name === "traffic-agent"));
    return ps.every((p) => p.status?.containerStatuses?.find((c) => c.name === "demo-app")?.ready === false);
  });
});

it("a killed user daemon's session expires and the manager removes its intercepts", async () => {
  expect((await readRecords(h.pg.client, "ambassador")).map((r) => r.spec.name)).toEqual(["api"]);
  const pid = Number(readFileSync(join(h.stateDir, "daemon.pid"), "utf8"));
  process.kill(pid, "SIGKILL");
  await until("the intercept is gone", async () => (await readRecords(h.pg.client, "ambassador")).length === 0);
  // The next command starts a fresh daemon, not connected.
  expect(JSON.parse((await h.run(["status", "--output", "json"], env)).stdout)).toEqual({ user_daemon: {}, root_daemon: {}, traffic_manager: {} });
});
