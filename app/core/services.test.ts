// The core's live read side against the playground (a simulated GKE cluster over real HTTP): every demo
// scenario's row and findings come out of createCore as the UI receives them; a change made by the real
// kubectl in another process reaches the event stream as ONLY the changed row; endpoint health rests
// on the Compute API emulation through the same code path as Google's.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlayground, type Playground } from "../../playground/index.ts";
import type { ServiceDetail, ServiceSummary, SwitchboardEvent } from "../contract/api.ts";
import { createCore, type Core } from "./core.ts";

const KUBECTL = "/usr/bin/kubectl";
const run = promisify(execFile);

let pg: Playground;
let core: Core;
const events: Array<{ at: number; event: SwitchboardEvent }> = [];

beforeAll(async () => {
  pg = await startPlayground({ speed: 20 });
  core = createCore({
    host: "test",
    kubeconfigPaths: [pg.kubeconfigPath],
    watch: false,
    telepresencePollMs: 0,
    log: () => undefined,
    contextCompute: { [pg.context]: { apiUrl: pg.computeApi, token: pg.computeToken, project: pg.project, intervalMs: 200 } },
  });
  core.subscribe((batch) => {
    const at = performance.now();
    for (const event of batch) events.push({ at, event });
  });
}, 60_000);

afterAll(async () => {
  await core?.close();
  await pg?.stop();
});

function row(rows: readonly ServiceSummary[], name: string): ServiceSummary {
  const found = rows.find((r) => r.name === name);
  if (!found) throw new Error(`no row ${name} in ${rows.map((r) => r.name).join(", ")}`);
  return found;
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("the core's service views of the playground", () => {
  it("lists every demo scenario with its badge, the signal it rests on, and its findings", async () => {
    const state = await core["services.list"]({});
    expect(state).toMatchObject({ context: "playground", namespace: "demo", unavailableKinds: [] });
    expect(state.healthSource).toMatchObject({ source: "compute-api", error: null });
    expect(state.services.map((s) => s.name)).toEqual(["api", "billing", "legacy", "search", "shop", "web"]);

    // The Compute API answers within the first poll: every load-balanced badge rests on it.
    const rows = (await until("badges on the Compute API", async () => {
      const s = await core["services.list"]({});
      return s.services.filter((r) => r.health !== "not-load-balanced").every((r) => r.healthSignal === "compute-api") && s.services;
    })) as ServiceSummary[];

    for (const name of ["web", "api"]) {
      // gke-neg.md §1, telepresence.md §5: the chicken-and-egg is there before any intercept, as a warning.
      expect(row(rows, name)).toMatchObject({ health: "healthy", exposure: "Ingress NEG", pods: { total: 2, ready: 2 }, intercepted: false, findings: { error: 0, warning: 1 } });
      expect(row(rows, name).topFinding).toContain("health checks to your laptop");
    }
    for (const name of ["billing", "search"]) {
      expect(row(rows, name)).toMatchObject({ health: "healthy", healthSignal: "compute-api", exposure: "Ingress NEG", findings: { error: 0, warning: 0 }, topFinding: null });
    }
    expect(row(rows, "shop")).toMatchObject({ health: "healthy", healthSignal: "compute-api", exposure: "Gateway", findings: { error: 0, warning: 0 } });
    expect(row(rows, "legacy")).toMatchObject({ health: "not-load-balanced", healthSignal: "none", exposure: "None", findings: { error: 0, warning: 0, info: 0 } });

    const ids = async (name: string) => (await core["services.get"]({ namespace: "demo", name })).findings.map((f) => `${f.severity}:${f.id}`);
    expect(await ids("web")).toContain("warning:health-check-hits-intercepted-port");
    expect(await ids("api")).toContain("warning:health-check-hits-intercepted-port");
    for (const name of ["billing", "search", "shop", "legacy"]) expect(await ids(name)).not.toContain("warning:health-check-hits-intercepted-port");
  });

  it("answers services.get with the view, findings and a health timeline newest first", async () => {
    const detail: ServiceDetail = await core["services.get"]({ namespace: "demo", name: "web" });
    expect(detail.summary.key).toBe("demo/web");
    expect(detail.view.ports[0]!.healthChecks[0]).toMatchObject({ via: "ingress", requestPath: { value: "/healthz", source: "backendconfig" } });
    expect(detail.view.pods.every((p) => p.health.http![0]!.signal === "compute-api")).toBe(true);
    expect(detail.healthSource.source).toBe("compute-api");
    const sources = new Set(detail.timeline.map((e) => e.source));
    expect(sources).toContain("neg-controller");
    expect(sources).toContain("neg-readiness-reflector");
    const times = detail.timeline.map((e) => e.time);
    expect([...times].sort().reverse()).toEqual(times);
    await expect(core["services.get"]({ namespace: "demo", name: "nope" })).rejects.toMatchObject({ code: "not-found" });
  });

  it("a kubectl patch reaches the event stream as only the changed row (and the opened detail)", async () => {
    await core["services.get"]({ namespace: "demo", name: "web" }); // opened: gets `service` events
    const from = events.length;
    const started = performance.now();
    // Strategy "pin the serving port" by hand: the check goes to 8080, which the agent leaves alone (telepresence.md §5 row 3).
    await run(KUBECTL, ["--kubeconfig", pg.kubeconfigPath, "-n", "demo", "patch", "backendconfig", "web", "--type=merge", "-p", '{"spec":{"healthCheck":{"port":8080}}}']);
    const kubectlMs = performance.now() - started;
    const hit = await until("the web row without its warning", () =>
      events.slice(from).find((e) => e.event.type === "services" && e.event.upserts.some((u) => u.name === "web" && u.findings.warning === 0)),
    );
    // Never an unchanged row: over the whole stream since the core started, every upsert differs from
    // the version of that row the stream gave before (other rows may change on their own meanwhile: the
    // simulated probes run on a loaded CI machine).
    const known = new Map<string, ServiceSummary>();
    for (const e of events) {
      if (e.event.type !== "services") continue;
      if (e.event.reset) known.clear();
      for (const key of e.event.removed) known.delete(key);
      for (const u of e.event.upserts) {
        expect(u).not.toEqual(known.get(u.key));
        known.set(u.key, u);
      }
    }
    expect(events.slice(from).some((e) => e.event.type === "services" && e.event.reset)).toBe(false);
    // The opened detail follows (other `service` events may come first: the simulation changes things too).
    const detail = await until("the web detail event without the finding", () =>
      events
        .slice(from)
        .map((e) => e.event)
        .find(
          (e): e is Extract<SwitchboardEvent, { type: "service" }> =>
            e.type === "service" && e.detail.summary.name === "web" && !e.detail.findings.some((f) => f.id === "health-check-hits-intercepted-port"),
        ),
    );
    expect(detail.detail.view.ports[0]!.healthChecks[0]).toMatchObject({ portSpecification: { value: "USE_FIXED_PORT" }, port: { value: 8080 } });
    console.log(`kubectl patch → contract event: ${Math.round(hit.at - started)} ms (kubectl itself ${Math.round(kubectlMs)} ms; coalescing: watch cache 25 ms + event batcher 20 ms)`);

    await run(KUBECTL, ["--kubeconfig", pg.kubeconfigPath, "-n", "demo", "patch", "backendconfig", "web", "--type=json", "-p", '[{"op":"remove","path":"/spec/healthCheck/port"}]']);
    await until("the warning back", async () => row((await core["services.list"]({})).services, "web").findings.warning === 1);
  });

  it("endpoint health turns UNHEALTHY from the Compute API when a pod's health check fails", async () => {
    const web = await core["services.get"]({ namespace: "demo", name: "web" });
    const pod = web.view.pods[0]!.name;
    const from = events.length;
    pg.setHealth("demo", pod, false);
    try {
      const got = await until(
        "web degraded on the Compute API",
        () => events.slice(from).flatMap((e) => (e.event.type === "services" ? e.event.upserts : [])).find((u) => u.name === "web" && u.health === "degraded"),
        30_000,
      );
      expect(got).toMatchObject({ healthSignal: "compute-api", findings: { error: 1 } });
      const detail = await core["services.get"]({ namespace: "demo", name: "web" });
      const bad = detail.view.pods.find((p) => p.name === pod)!;
      expect(bad.health.http![0]).toMatchObject({ state: "unhealthy", signal: "compute-api", raw: "UNHEALTHY" });
      expect(detail.findings.map((f) => f.id)).toContain("endpoint-unhealthy");
    } finally {
      pg.setHealth("demo", pod, true);
    }
    await until("web healthy again", async () => row((await core["services.list"]({})).services, "web").health === "healthy", 30_000);
  });

  it("switching namespace resets the list", async () => {
    const from = events.length;
    await core["session.select"]({ context: "playground", namespace: "default" });
    const state = await core["services.list"]({});
    expect(state.namespace).toBe("default");
    expect(state.services.map((s) => s.name)).toEqual(["kubernetes"].filter((n) => state.services.some((s) => s.name === n)));
    await until("a reset event", () => events.slice(from).find((e) => e.event.type === "services" && e.event.reset && e.event.namespace === "default"));
    await core["session.select"]({ context: "playground", namespace: "demo" });
    expect((await core["services.list"]({})).services).toHaveLength(6);
  });
});
