// The tour engine: step conditions from store state (deriveFacts over the slices' shapes), advancing
// only on real state, skip, replay, and the persisted progress (first run only, never nagging).
import { describe, expect, it } from "vitest";
import type { ServiceDetail, ServiceSummary } from "../../../app/contract/api.ts";
import type { InterceptStateView, TelepresenceStatusView } from "../../../app/contract/intercepts.ts";
import type { StrategyOperationsView } from "../../../app/contract/strategies.ts";
import type { LocalRequest, LocalServerView, PlaygroundResponse } from "../../../app/contract/tour.ts";
import { currentStep, loadProgress, NEW_PROGRESS, reduce, saveProgress, shouldAutoStart, steps, STORAGE_KEY, type TourProgress } from "./engine.ts";
import { deriveFacts, type FactSources } from "./facts.ts";

const summary = (health: ServiceSummary["health"], intercepted = false): ServiceSummary => ({
  key: "demo/web",
  namespace: "demo",
  name: "web",
  health,
  healthSignal: "compute-api",
  exposure: "Ingress NEG",
  pods: { total: 2, ready: 2 },
  intercepted,
  findings: { error: 0, warning: 1, info: 0 },
  topFinding: null,
});

const detail = (sidecar: boolean): ServiceDetail =>
  ({
    summary: summary("healthy"),
    view: { ports: [{ key: "http", healthChecks: [{ healthSidecar: sidecar ? { container: "health-sidecar", port: 8081 } : null }] }] },
  }) as unknown as ServiceDetail;

const intercept = (over: Partial<InterceptStateView> = {}): InterceptStateView => ({
  key: "demo/web",
  name: "web",
  namespace: "demo",
  workload: "web",
  kind: "intercept",
  mine: true,
  client: "me@laptop",
  disposition: "ACTIVE",
  message: null,
  localPort: 41000,
  servicePort: "http",
  httpFilter: [],
  global: true,
  services: ["demo/web"],
  ...over,
});

const telepresence = (intercepts: InterceptStateView[]): TelepresenceStatusView => ({ intercepts }) as unknown as TelepresenceStatusView;
const server = (over: Partial<LocalServerView> = {}): LocalServerView => ({ available: true, running: true, port: 41000, unservedPaths: ["/healthz"], requests: [], ...over });
const request = (seq: number, healthCheck: boolean): LocalRequest => ({ seq, at: "2026-11-24T00:00:00Z", method: "GET", path: healthCheck ? "/healthz" : "/", headers: {}, status: healthCheck ? 404 : 200, healthCheck });
const answer = (status: number | null, body = ""): PlaygroundResponse => ({ loadBalancer: "demo/web", url: "http://127.0.0.1:1/", status, headers: {}, body, error: status === null ? "ECONNREFUSED" : null, at: "2026-11-24T00:00:00Z" });

function sources(over: Partial<FactSources> = {}): FactSources {
  return { openKey: null, detail: null, web: summary("healthy"), telepresence: null, operations: null, server: server(), requests: [], stepSince: 0, frontDoor: null, ...over };
}

const step = (id: string) => steps.find((s) => s.id === id)!;

describe("step conditions from the stores' state", () => {
  it("web: done once web's detail is open (not just selected)", () => {
    expect(step("web").done(deriveFacts(sources()))).toBe(false);
    expect(step("web").done(deriveFacts(sources({ openKey: "demo/web" })))).toBe(false);
    expect(step("web").done(deriveFacts(sources({ openKey: "demo/web", detail: detail(false) })))).toBe(true);
    expect(step("web").anchors(deriveFacts(sources()))).toEqual(["service-demo/web"]);
    expect(step("web").anchors(deriveFacts(sources({ openKey: "demo/web", detail: detail(false) })))).toEqual(["health-check-path"]);
  });

  it("steps on web's detail point at web's row while it is closed", () => {
    for (const id of ["intercept", "broken", "fix", "recover"]) {
      expect(step(id).anchors(deriveFacts(sources()))).toEqual(["service-demo/web"]);
      expect(step(id).anchors(deriveFacts(sources({ openKey: "demo/web", detail: detail(false) })))).not.toContain("service-demo/web");
    }
  });

  it("intercept: only my global intercept of web to the tour's local server counts", () => {
    const done = (over: Partial<FactSources>) => step("intercept").done(deriveFacts(sources(over)));
    expect(done({})).toBe(false);
    expect(done({ telepresence: telepresence([intercept()]) })).toBe(true);
    expect(done({ telepresence: telepresence([intercept({ httpFilter: ["x-dev=me"], global: false })]) })).toBe(false);
    expect(done({ telepresence: telepresence([intercept({ localPort: 8080 })]) })).toBe(false);
    expect(done({ telepresence: telepresence([intercept({ mine: false })]) })).toBe(false);
    expect(done({ telepresence: telepresence([intercept({ namespace: "other" })]) })).toBe(false);
    expect(done({ telepresence: telepresence([intercept()]), server: server({ running: false, port: null }) })).toBe(false);
  });

  it("broken: the front door's 502 and an unhealthy web, both", () => {
    const done = (over: Partial<FactSources>) => step("broken").done(deriveFacts(sources(over)));
    expect(done({ web: summary("unhealthy"), frontDoor: answer(200, "hello") })).toBe(false);
    expect(done({ web: summary("healthy"), frontDoor: answer(502) })).toBe(false);
    expect(done({ web: summary("unhealthy"), frontDoor: answer(502) })).toBe(true);
    expect(done({ web: summary("degraded"), frontDoor: answer(502) })).toBe(true);
  });

  it("fix: an applied sidecar operation on web, or the model's health sidecar", () => {
    const ops = (state: string, strategy = "sidecar", name = "web"): StrategyOperationsView =>
      ({ context: "playground", operations: [{ service: { namespace: "demo", name, port: "http" }, strategy, state }] }) as unknown as StrategyOperationsView;
    const done = (over: Partial<FactSources>) => step("fix").done(deriveFacts(sources(over)));
    expect(done({})).toBe(false);
    expect(done({ operations: ops("applying") })).toBe(false);
    expect(done({ operations: ops("applied", "dedicated-port") })).toBe(false);
    expect(done({ operations: ops("applied", "sidecar", "api") })).toBe(false);
    expect(done({ operations: ops("applied") })).toBe(true);
    expect(done({ openKey: "demo/web", detail: detail(true) })).toBe(true);
  });

  it("recover: healthy while still intercepted", () => {
    const done = (over: Partial<FactSources>) => step("recover").done(deriveFacts(sources(over)));
    expect(done({ web: summary("healthy") })).toBe(false);
    expect(done({ web: summary("unhealthy"), telepresence: telepresence([intercept()]) })).toBe(false);
    expect(done({ web: summary("healthy"), telepresence: telepresence([intercept()]) })).toBe(true);
  });

  it("arrive: the greeting through the front door and a non-health-check request at the laptop since the step began", () => {
    const done = (over: Partial<FactSources>) => step("arrive").done(deriveFacts(sources(over)));
    const greeting = answer(200, "hello from your laptop\n");
    expect(done({ frontDoor: greeting, requests: [request(1, true)] })).toBe(false);
    expect(done({ frontDoor: greeting, requests: [request(1, false)], stepSince: 1 })).toBe(false);
    expect(done({ frontDoor: answer(200, "hello from web-abc (demo-app)"), requests: [request(2, false)], stepSince: 1 })).toBe(false);
    expect(done({ frontDoor: greeting, requests: [request(1, true), request(2, false)], stepSince: 1 })).toBe(true);
  });
});

describe("progress", () => {
  it("advances only past a step whose real state was seen", () => {
    let p = reduce(NEW_PROGRESS, { type: "start" });
    expect(currentStep(p)?.id).toBe("web");
    expect(reduce(p, { type: "next" })).toBe(p);
    p = reduce(p, { type: "completed", step: "web" });
    p = reduce(p, { type: "next" });
    expect(currentStep(p)?.id).toBe("intercept");
    p = reduce(p, { type: "back" });
    expect(currentStep(p)?.id).toBe("web");
    // Back to a completed step: next works again without waiting.
    expect(currentStep(reduce(p, { type: "next" }))?.id).toBe("intercept");
  });

  it("walks to the closing card and finishes", () => {
    let p = reduce(NEW_PROGRESS, { type: "start" });
    for (const s of steps) {
      p = reduce(reduce(p, { type: "completed", step: s.id }), { type: "next" });
    }
    expect(p).toMatchObject({ status: "active", step: steps.length });
    expect(currentStep(p)).toBeNull();
    expect(reduce(p, { type: "finish" }).status).toBe("finished");
  });

  it("skip ends it; replay (start) begins again from the first step", () => {
    let p = reduce(reduce(NEW_PROGRESS, { type: "start" }), { type: "completed", step: "web" });
    p = reduce(p, { type: "next" });
    p = reduce(p, { type: "skip" });
    expect(p.status).toBe("skipped");
    expect(currentStep(p)).toBeNull();
    const again = reduce(p, { type: "start" });
    expect(again).toEqual({ status: "active", step: 0, completed: [] });
  });

  it("starts by itself only on first run in the playground", () => {
    expect(shouldAutoStart(NEW_PROGRESS, { available: true })).toBe(true);
    expect(shouldAutoStart(NEW_PROGRESS, { available: false })).toBe(false);
    for (const status of ["active", "skipped", "finished"] as const) expect(shouldAutoStart({ ...NEW_PROGRESS, status }, { available: true })).toBe(false);
  });

  it("persists in storage and reads back; unreadable or foreign data counts as a first run", () => {
    const map = new Map<string, string>();
    const storage = { getItem: (k: string) => map.get(k) ?? null, setItem: (k: string, v: string) => void map.set(k, v) };
    expect(loadProgress(storage)).toEqual(NEW_PROGRESS);
    const p: TourProgress = { status: "skipped", step: 2, completed: ["web", "intercept"] };
    saveProgress(storage, p);
    expect(JSON.parse(map.get(STORAGE_KEY)!)).toEqual(p);
    expect(loadProgress(storage)).toEqual(p);
    map.set(STORAGE_KEY, "{not json");
    expect(loadProgress(storage)).toEqual(NEW_PROGRESS);
    map.set(STORAGE_KEY, JSON.stringify({ status: "weird", step: 1 }));
    expect(loadProgress(storage)).toEqual(NEW_PROGRESS);
    map.set(STORAGE_KEY, JSON.stringify({ status: "active", step: 99, completed: ["web", "bogus"] }));
    expect(loadProgress(storage)).toEqual({ status: "active", step: steps.length, completed: ["web"] });
    const throwing = { getItem: () => { throw new Error("denied"); }, setItem: () => { throw new Error("full"); } };
    expect(loadProgress(throwing)).toEqual(NEW_PROGRESS);
    expect(() => saveProgress(throwing, p)).not.toThrow();
    expect(loadProgress(null)).toEqual(NEW_PROGRESS);
  });
});
