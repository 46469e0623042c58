import { describe, expect, it, vi } from "vitest";
import type { ServiceDetail } from "../../app/contract/api.ts";
import type { InterceptStateView, TelepresenceStatusView } from "../../app/contract/intercepts.ts";
import type { StrategyOperationView } from "../../app/contract/strategies.ts";
import type { ActionHandlers, ActionInputs } from "./commands-actions.ts";
import { actionCommands } from "./commands-actions.ts";

const STATUS: TelepresenceStatusView = {
  phase: "disconnected",
  program: { found: true, path: "/usr/local/bin/telepresence", version: "2.27.1", error: null, capabilities: { httpFilter: true, wiretap: true, replace: true, leaveCommand: "leave" } },
  context: "shop",
  namespace: "shop",
  connection: { statusText: null, context: null, namespace: null, managerNamespace: null, trafficManagerVersion: null, inDocker: false, error: null },
  httpFilter: { available: true, reason: null },
  intercepts: [],
  error: null,
  busy: null,
  checkedAt: null,
};

function intercept(name: string, mine: boolean): InterceptStateView {
  return { key: `shop/${name}`, name, namespace: "shop", workload: name, kind: "intercept", mine, client: null, disposition: "ACTIVE", message: null, localPort: 8080, servicePort: "http", httpFilter: [], global: true, services: [`shop/${name}`] };
}

function operation(id: string, over: Partial<StrategyOperationView>): StrategyOperationView {
  return {
    id,
    createdAt: "2026-11-24T10:00:00Z",
    updatedAt: "2026-11-24T10:00:00Z",
    state: "applied",
    pending: false,
    canResume: false,
    canRollback: true,
    strategy: "sidecar",
    title: "Sidecar on web",
    context: "shop",
    service: { namespace: "shop", name: "web", port: "http" },
    steps: [],
    error: null,
    log: [],
    ...over,
  };
}

const webDetail = { summary: { key: "shop/web" }, view: { name: "web" } } as unknown as ServiceDetail;

function handlers() {
  return {
    openPanel: vi.fn<ActionHandlers["openPanel"]>(),
    intercepts: { stopIntercept: vi.fn(async () => null), leaveAllIntercepts: vi.fn(async () => null), connectTelepresence: vi.fn(async () => null), disconnectTelepresence: vi.fn(async () => null) },
    strategies: { rollback: vi.fn(async (o: StrategyOperationView) => o), resume: vi.fn(async () => ({}) as never) },
  } satisfies ActionHandlers;
}

const base: ActionInputs = { openKey: null, detail: null, telepresence: STATUS, operations: null, busy: {} };
const byTitle = (commands: ReturnType<typeof actionCommands>, title: string) => commands.find((c) => c.title === title);

describe("actionCommands", () => {
  it("offers Intercept and Fix health check for the open service, disabled while its detail loads", () => {
    const h = handlers();
    expect(actionCommands(base, h).some((c) => c.title.startsWith("Intercept"))).toBe(false);
    const loading = actionCommands({ ...base, openKey: "shop/web" }, h);
    expect(byTitle(loading, "Intercept web…")?.disabledReason).toBe("The details of web are still loading.");
    const ready = actionCommands({ ...base, openKey: "shop/web", detail: webDetail }, h);
    const open = byTitle(ready, "Intercept web…")!;
    const fix = byTitle(ready, "Fix health check of web…")!;
    expect(open.disabledReason).toBeNull();
    expect(fix.disabledReason).toBeNull();
    void open.run();
    void fix.run();
    expect(h.openPanel.mock.calls).toEqual([
      ["intercept", "shop/web"],
      ["strategy", "shop/web"],
    ]);
  });

  it("offers leaving each of this machine's intercepts and all of them, not a colleague's", () => {
    const h = handlers();
    const commands = actionCommands({ ...base, telepresence: { ...STATUS, phase: "connected", intercepts: [intercept("web", true), intercept("api", false)] } }, h);
    expect(commands.filter((c) => c.title.startsWith("Leave")).map((c) => c.title)).toEqual(["Leave the intercept of web", "Leave all intercepts"]);
    void byTitle(commands, "Leave the intercept of web")!.run();
    void byTitle(commands, "Leave all intercepts")!.run();
    expect(h.intercepts!.stopIntercept).toHaveBeenCalledWith("shop", "web");
    expect(h.intercepts!.leaveAllIntercepts).toHaveBeenCalledOnce();
    expect(actionCommands({ ...base, telepresence: { ...STATUS, intercepts: [intercept("api", false)] } }, h).some((c) => c.title.startsWith("Leave"))).toBe(false);
  });

  it("is disabled while Telepresence is busy", () => {
    const commands = actionCommands({ ...base, telepresence: { ...STATUS, phase: "connected", busy: "intercepting web", intercepts: [intercept("web", true)] } }, handlers());
    expect(commands.filter((c) => c.group === "Intercepts").map((c) => c.disabledReason)).toEqual(Array(3).fill("Telepresence is busy (intercepting web)."));
  });

  it("offers Connect or Disconnect as Telepresence's status allows", () => {
    const h = handlers();
    const disconnected = actionCommands(base, h);
    expect(byTitle(disconnected, "Connect Telepresence")?.disabledReason).toBeNull();
    expect(byTitle(disconnected, "Disconnect Telepresence")).toBeUndefined();
    void byTitle(disconnected, "Connect Telepresence")!.run();
    expect(h.intercepts!.connectTelepresence).toHaveBeenCalledWith(false);
    const connected = actionCommands({ ...base, telepresence: { ...STATUS, phase: "connected" } }, h);
    expect(byTitle(connected, "Connect Telepresence")).toBeUndefined();
    void byTitle(connected, "Disconnect Telepresence")!.run();
    expect(h.intercepts!.disconnectTelepresence).toHaveBeenCalledOnce();
    const missing = actionCommands({ ...base, telepresence: { ...STATUS, phase: "missing", program: { ...STATUS.program, found: false } } }, h);
    expect(byTitle(missing, "Connect Telepresence")?.disabledReason).toBe("Telepresence was not found.");
    expect(byTitle(actionCommands({ ...base, telepresence: null }, h), "Connect Telepresence")?.disabledReason).toBe("Telepresence's state is not known yet.");
    expect(byTitle(actionCommands(base, { ...h, intercepts: null }), "Connect Telepresence")?.disabledReason).toBe("Switchboard's core is not connected yet.");
  });

  it("offers rolling back what can be rolled back and finishing pending operations, from the journal's flags", () => {
    const h = handlers();
    const applied = operation("op1", {});
    const pending = operation("op2", { state: "applying", pending: true, canResume: true, canRollback: true, strategy: "dedicated-port", service: { namespace: "shop", name: "api", port: "http" } });
    const done = operation("op3", { state: "rolled-back", canRollback: false });
    const commands = actionCommands({ ...base, operations: { context: "shop", operations: [applied, pending, done] } }, h);
    const strategy = commands.filter((c) => c.group === "Health strategies");
    expect(strategy.map((c) => c.id)).toEqual(["rollback:op1", "resume:op2", "rollback:op2"]);
    expect(strategy.map((c) => c.title)).toEqual(["Roll back Health sidecar on web", "Finish Dedicated health port on api", "Roll back Dedicated health port on api"]);
    expect(strategy.every((c) => c.title.endsWith(c.id.endsWith("op1") ? " on web" : " on api"))).toBe(true);
    void strategy[1]!.run();
    void strategy[0]!.run();
    expect(h.strategies!.resume).toHaveBeenCalledWith(pending);
    expect(h.strategies!.rollback).toHaveBeenCalledWith(applied);
    const busy = actionCommands({ ...base, operations: { context: "shop", operations: [applied] }, busy: { "shop/web": "rolling back" } }, h);
    expect(busy.find((c) => c.id === "rollback:op1")?.disabledReason).toBe("Already rolling back on web.");
  });
});
