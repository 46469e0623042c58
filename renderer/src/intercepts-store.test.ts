// The intercepts slice's OS notification (notify() in intercepts-store.ts) with a stubbed `Notification`:
// it fires exactly once per transition of an intercepted service to unhealthy, only where the user
// granted permission (the toast shows either way), and the permission is asked for at the click that
// starts an intercept — only while the user has not decided yet.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ServiceSummary, SwitchboardApi, SwitchboardEvent } from "../../app/contract/api.ts";
import { createInterceptActions, initialInterceptsState, useIntercepts } from "./intercepts-store.ts";

type Permission = "granted" | "denied" | "default";

/** A stand-in for the browser's Notification: records every notification shown and permission request. */
function stubNotification(permission: Permission, options: { throws?: boolean } = {}) {
  const shown: Array<{ title: string; body: string | undefined }> = [];
  const requests: number[] = [];
  class FakeNotification {
    static permission: Permission = permission;
    static requestPermission(): Promise<Permission> {
      requests.push(Date.now());
      return Promise.resolve(FakeNotification.permission);
    }
    constructor(title: string, init?: { body?: string }) {
      if (options.throws) throw new TypeError("Illegal constructor");
      shown.push({ title, body: init?.body });
    }
  }
  vi.stubGlobal("Notification", FakeNotification);
  return { shown, requests, FakeNotification };
}

function row(health: ServiceSummary["health"], over: Partial<ServiceSummary> = {}): ServiceSummary {
  return {
    key: "shop/web",
    namespace: "shop",
    name: "web",
    health,
    healthSignal: "compute-api",
    exposure: "Ingress NEG",
    pods: { total: 2, ready: 2 },
    intercepted: true,
    findings: { error: 0, warning: 0, info: 0 },
    topFinding: null,
    ...over,
  };
}

const services = (...upserts: ServiceSummary[]): SwitchboardEvent => ({ type: "services", context: "c", namespace: "shop", reset: false, upserts, removed: [] });
const apply = (...events: SwitchboardEvent[]) => useIntercepts.getState().apply(events);

beforeEach(() => useIntercepts.setState({ ...initialInterceptsState }));
afterEach(() => vi.unstubAllGlobals());

describe("OS notification when an intercepted service turns unhealthy", () => {
  it("permission granted: exactly one notification per transition to unhealthy, with the toast's words", () => {
    const { shown } = stubNotification("granted");
    apply(services(row("healthy")));
    expect(shown).toEqual([]);

    apply(services(row("unhealthy", { topFinding: "The Ingress's health checks of web:http go to your laptop" })));
    expect(shown).toEqual([{ title: "web turned unhealthy while intercepted", body: "The Ingress's health checks of web:http go to your laptop" }]);
    expect(useIntercepts.getState().toasts.map((t) => t.title)).toEqual(["web turned unhealthy while intercepted"]);

    // Still unhealthy (the same verdict re-sent, several times in one batch, or worse → partly): no more.
    apply(services(row("unhealthy")));
    apply(services(row("unhealthy")), services(row("unhealthy")));
    apply(services(row("degraded")));
    expect(shown).toHaveLength(1);

    // Recovers, then turns unhealthy again: a second transition, a second notification.
    apply(services(row("healthy")));
    expect(shown).toHaveLength(1);
    apply(services(row("degraded")));
    expect(shown).toHaveLength(2);
    expect(shown[1]!.title).toBe("web turned partly unhealthy while intercepted");
    expect(shown[1]!.body).toMatch(/health checks fail/);

    // A flap inside one batch is one transition to unhealthy each time it happens.
    apply(services(row("healthy")), services(row("unhealthy")), services(row("healthy")), services(row("unhealthy")));
    expect(shown).toHaveLength(4);
  });

  it("permission granted: nothing for a service that was unhealthy before the intercept, is not intercepted, or stops being intercepted", () => {
    const { shown } = stubNotification("granted");
    // Seen unhealthy from the start of the intercept: no transition.
    apply(services(row("unhealthy")));
    // Not intercepted: never.
    apply(services(row("healthy", { key: "shop/api", name: "api", intercepted: false })), services(row("unhealthy", { key: "shop/api", name: "api", intercepted: false })));
    expect(shown).toEqual([]);
    // The intercept ends while healthy, a new one starts unhealthy: no transition seen while intercepted.
    apply(services(row("healthy")), services(row("healthy", { intercepted: false })), services(row("unhealthy")));
    expect(shown).toEqual([]);
    // The service detail's event counts as well as the list's.
    apply(services(row("healthy")));
    apply({ type: "service", detail: { summary: row("unhealthy") } } as unknown as SwitchboardEvent);
    expect(shown.map((n) => n.title)).toEqual(["web turned unhealthy while intercepted"]);
  });

  it.each(["denied", "default"] as const)("permission %s: no OS notification, the toast still shows", (permission) => {
    const { shown } = stubNotification(permission);
    apply(services(row("healthy")));
    apply(services(row("unhealthy")));
    expect(shown).toEqual([]);
    expect(useIntercepts.getState().toasts.map((t) => t.title)).toEqual(["web turned unhealthy while intercepted"]);
  });

  it("no Notification API, or one that throws: the toast alone, no error", () => {
    vi.stubGlobal("Notification", undefined);
    apply(services(row("healthy")));
    expect(() => apply(services(row("unhealthy")))).not.toThrow();
    expect(useIntercepts.getState().toasts).toHaveLength(1);

    useIntercepts.setState({ ...initialInterceptsState });
    stubNotification("granted", { throws: true });
    apply(services(row("healthy")));
    expect(() => apply(services(row("unhealthy")))).not.toThrow();
    expect(useIntercepts.getState().toasts).toHaveLength(1);
  });

  it("asks for permission when an intercept is started, only while the user has not decided", async () => {
    const api = {
      "intercepts.start": async () => {
        throw Object.assign(new Error("not in this test"), { code: "internal" });
      },
    } as unknown as SwitchboardApi;
    const spec = { namespace: "shop", service: "web", localPort: 8080 };

    const undecided = stubNotification("default");
    await createInterceptActions(api).startIntercept(spec);
    expect(undecided.requests).toHaveLength(1);

    for (const decided of ["granted", "denied"] as const) {
      const stub = stubNotification(decided);
      await createInterceptActions(api).startIntercept(spec);
      expect(stub.requests).toEqual([]);
    }

    // Granted at the prompt: the next transition notifies.
    const later = stubNotification("default");
    later.FakeNotification.requestPermission = () => {
      later.requests.push(Date.now());
      later.FakeNotification.permission = "granted";
      return Promise.resolve("granted");
    };
    await createInterceptActions(api).startIntercept(spec);
    apply(services(row("healthy")));
    apply(services(row("unhealthy")));
    expect(later.requests).toHaveLength(1);
    expect(later.shown).toHaveLength(1);
  });
});
