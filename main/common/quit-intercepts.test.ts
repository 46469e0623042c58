import { describe, expect, it } from "vitest";
import type { InterceptStateView } from "../../app/contract/intercepts.ts";
import { activeIntercepts, keptInterceptsNotice } from "./quit-intercepts.ts";

const web: InterceptStateView = {
  key: "demo/web", name: "web", namespace: "demo", workload: "web", kind: "intercept", mine: true, client: "me@laptop",
  disposition: "ACTIVE", message: null, localPort: 8080, servicePort: "http", httpFilter: ["x-dev=me"], global: false, services: ["demo/web"],
};

describe("quitting with active intercepts", () => {
  it("announces what stays active and how to end it; nothing when none", () => {
    expect(keptInterceptsNotice([])).toBeNull();
    const text = keptInterceptsNotice([web])!;
    expect(text).toContain("demo/web → localhost:8080 (x-dev=me)");
    expect(text).toContain("telepresence leave web");
  });

  it("asks the core's status (refreshing) and keeps only this machine's intercepts; a failing status means none known", async () => {
    const calls: unknown[] = [];
    const core = {
      "telepresence.status": async (input: unknown) => {
        calls.push(input);
        return { intercepts: [web, { ...web, key: "demo/api", name: "api", mine: false }] } as never;
      },
    };
    expect((await activeIntercepts(core)).map((i) => i.name)).toEqual(["web"]);
    expect(calls).toEqual([{ refresh: true }]);
    expect(await activeIntercepts({ "telepresence.status": async () => Promise.reject(new Error("gone")) })).toEqual([]);
  });
});
