// The typed bridge over any HostBridge: values pass through, error values become thrown Errors that
// carry the contract's code, message and hint.
import { describe, expect, it } from "vitest";
import type { HostBridge } from "../../app/contract/api.ts";
import { SwitchboardError } from "../../app/contract/errors.ts";
import { typedApi } from "./bridge.ts";

describe("typedApi", () => {
  const calls: Array<[string, unknown]> = [];
  const host: HostBridge = {
    async invoke(method, input) {
      calls.push([method, input]);
      if (method === "session.select") {
        return { ok: false, error: { code: "context-not-found", message: "There is no context \"x\".", hint: "Pick one from the list." } };
      }
      return { ok: true, value: { namespaces: ["a"] } };
    },
    subscribe: () => () => undefined,
  };
  const api = typedApi(host);

  it("offers every contract method and passes values through", async () => {
    expect(await api["namespaces.list"]({})).toEqual({ namespaces: ["a"] });
    expect(calls.at(-1)).toEqual(["namespaces.list", {}]);
    for (const method of ["app.info", "contexts.list", "session.select", "session.get", "session.reconnect", "namespaces.list"]) {
      expect(typeof (api as unknown as Record<string, unknown>)[method]).toBe("function");
    }
  });

  it("throws failures as Errors with code, message and hint", async () => {
    const error = await api["session.select"]({ context: "x" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(SwitchboardError);
    expect(error).toMatchObject({ code: "context-not-found", message: 'There is no context "x".', hint: "Pick one from the list." });
  });
});
