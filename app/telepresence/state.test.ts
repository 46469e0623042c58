import { describe, expect, it } from "vitest";
import { parseInterceptInfo, parseStatus, parseWorkloads } from "./schemas.ts";
import { buildState, diffIntercepts, pickConnection, recheckAdvice } from "./state.ts";
import { interceptInfo, listOutput, statusConnected, statusNoDaemon, statusNotConnected } from "./testing/fixtures.ts";

const now = new Date("2026-11-24T12:00:00Z");
const status = (text: string) => parseStatus(JSON.parse(text))!;
const workloads = (text: string) => parseWorkloads((JSON.parse(text) as { stdout: unknown }).stdout)!.workloads;

describe("buildState", () => {
  it("merges status (ours, names only) with list (details)", () => {
    const state = buildState({ status: status(statusConnected({ intercepts: ["web"] })), workloads: workloads(listOutput["2.20"]), now });
    expect(state.connection).toMatchObject({ phase: "connected", context: "gke_proj_europe-west1_demo", namespace: "default", trafficManagerVersion: "2.25.1" });
    expect(state.intercepts).toEqual([
      expect.objectContaining({ key: "default/web", name: "web", mine: true, disposition: "ACTIVE", localPort: 8080, servicePort: "http", seenIn: ["status", "list"] }),
    ]);
    expect(state.workloads?.map((w) => w.name)).toEqual(["web", "worker"]);
    expect(state.checkedAt).toBe("2026-11-24T12:00:00.000Z");
  });
  it("a colleague's intercept (list only) is not mine", () => {
    const state = buildState({ status: status(statusConnected()), workloads: workloads(listOutput["2.21"]), now });
    expect(state.intercepts).toEqual([expect.objectContaining({ name: "web", mine: false, client: "alice@box", disposition: "AGENT_ERROR", seenIn: ["list"] })]);
  });
  it("rediscovers ours from status alone after a restart, details from what is known", () => {
    const bare = buildState({ status: status(statusConnected({ intercepts: ["web"] })), now });
    expect(bare.intercepts).toEqual([expect.objectContaining({ name: "web", mine: true, localPort: null, seenIn: ["status"] })]);
    const known = [parseInterceptInfo(JSON.parse(interceptInfo({ localPort: 9090 })))!];
    const detailed = buildState({ status: status(statusConnected({ intercepts: ["web"] })), known, now });
    expect(detailed.intercepts[0]).toMatchObject({ localPort: 9090, disposition: "ACTIVE", key: "default/web" });
  });
  it("not connected / no daemon: no intercepts, no workloads", () => {
    expect(buildState({ status: status(statusNotConnected), now })).toMatchObject({ connection: { phase: "disconnected" }, intercepts: [], workloads: null });
    expect(buildState({ status: status(statusNoDaemon), now }).connection.phase).toBe("not-running");
    const failing = parseStatus({ user_daemon: { running: true, status: "Not connected, error talking to cluster", error: "x" } })!;
    expect(buildState({ status: failing, now }).connection).toMatchObject({ phase: "error", error: "x" });
  });
  it("picks the connection of the asked context among several", () => {
    const multi = parseStatus({ connections: [JSON.parse(statusConnected({ context: "a" })), JSON.parse(statusConnected({ context: "b", intercepts: ["x"] }))] })!;
    expect(pickConnection(multi, "b")?.context).toBe("b");
    expect(buildState({ status: multi, context: "b", now }).intercepts.map((i) => i.name)).toEqual(["x"]);
  });
});

describe("diff and recheck", () => {
  const connectedWith = (names: string[]) => buildState({ status: status(statusConnected({ intercepts: names })), now });
  it("added, removed, changed", () => {
    const before = buildState({ status: status(statusConnected({ intercepts: ["web"] })), workloads: workloads(listOutput["2.20"]), now });
    const after = buildState({ status: status(statusConnected({ intercepts: ["web", "api"] })), workloads: workloads(listOutput["2.22.4"]), now });
    const diff = diffIntercepts(before, after);
    expect(diff.added.map((i) => i.name)).toEqual(["api"]);
    expect(diff.removed).toEqual([]);
    expect(diff.changed.map((i) => `${i.name}:${i.disposition}`)).toEqual(["web:WAITING"]);
    expect(diffIntercepts(after, connectedWith([])).removed.map((i) => i.name)).toEqual(["api", "web"]);
  });
  it("advice after a drop: lost intercepts, must-restart, errors; nothing when all is well", () => {
    const before = connectedWith(["web"]);
    expect(recheckAdvice(before, connectedWith(["web"]))).toBeNull();
    expect(recheckAdvice(before, connectedWith([]))).toContain("web");
    expect(recheckAdvice(before, buildState({ status: status(statusNotConnected), now }))).toContain("intercepts ended: web");
    const restart = parseStatus({ user_daemon: { running: true, status: "Connected, but must restart" } })!;
    expect(recheckAdvice(before, buildState({ status: restart, now }))).toContain("connect again");
    expect(recheckAdvice(null, buildState({ status: status(statusNotConnected), now }))).toBeNull();
  });
});
