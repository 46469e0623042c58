import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createCore } from "../../app/core/core.ts";
import { createDispatcher } from "./dispatcher.ts";

const dir = mkdtempSync(path.join(tmpdir(), "sb-dispatch-"));
const core = createCore({ host: "test", kubeconfigPaths: [path.join(dir, "none")], autoConnect: false, watch: false });
const logged: unknown[] = [];
const dispatch = createDispatcher(core, (_m, e) => logged.push(e));
afterAll(async () => {
  await core.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("dispatcher", () => {
  it("runs a valid call on the core and answers a value", async () => {
    const result = await dispatch("app.info", {});
    expect(result).toMatchObject({ ok: true, value: { host: "test", contractVersion: 1 } });
  });

  it("answers a malformed call with a structured invalid-request, never reaching the core", async () => {
    const result = await dispatch("session.select", { context: 42, extra: "x" });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe("invalid-request");
    expect(result.error.message).toContain("context");
    expect(result.error.hint).toBeTruthy();
  });

  it("answers an unknown method and non-object input with errors, not exceptions", async () => {
    expect(await dispatch("constructor", {})).toMatchObject({ ok: false, error: { code: "unknown-method" } });
    expect(await dispatch(["app.info"], {})).toMatchObject({ ok: false, error: { code: "unknown-method" } });
    expect(await dispatch("app.info", "rm -rf /")).toMatchObject({ ok: false, error: { code: "invalid-request" } });
  });

  it("passes the core's own errors through as values", async () => {
    expect(await dispatch("session.select", { context: "missing" })).toMatchObject({ ok: false, error: { code: "context-not-found" } });
  });

  it("turns a bug into an internal error without a stack, and logs it on the host", async () => {
    const broken = createDispatcher(
      {
        ...core,
        "app.info": async () => {
          throw new TypeError("cannot read properties of undefined");
        },
      },
      (_m, e) => logged.push(e),
    );
    const result = await broken("app.info", {});
    expect(result).toMatchObject({ ok: false, error: { code: "internal" } });
    expect(JSON.stringify(result)).not.toMatch(/\bat .*\.ts:\d+/);
    expect(logged.at(-1)).toBeInstanceOf(TypeError);
  });
});
