import { describe, expect, it } from "vitest";
import { validateCall } from "./validate.ts";
import { SwitchboardError, toErrorValue } from "./errors.ts";

describe("validateCall", () => {
  it("accepts a well-formed call and returns the parsed input", () => {
    expect(validateCall("session.select", { context: "gke_p_us-central1_c", namespace: "demo" })).toEqual({
      method: "session.select",
      input: { context: "gke_p_us-central1_c", namespace: "demo" },
    });
  });

  it("refuses an unknown method with a structured error", () => {
    const error = catchError(() => validateCall("rm -rf", {}));
    expect(error.code).toBe("unknown-method");
    expect(error.hint).toBeTruthy();
  });

  it("refuses a malformed input, naming the fields", () => {
    const error = catchError(() => validateCall("session.select", { context: 42, extra: true }));
    expect(error.code).toBe("invalid-request");
    expect(error.message).toContain("context");
    expect(JSON.stringify(error.details)).toContain("extra");
  });

  it("turns anything thrown into a wire error without a stack", () => {
    const value = toErrorValue(new TypeError("boom"));
    expect(value).toMatchObject({ code: "internal", message: "Unexpected error: boom" });
    expect(Object.keys(value).sort()).toEqual(["code", "hint", "message"]);
    expect(JSON.stringify(value)).not.toMatch(/\n\s+at /);
  });
});

function catchError(fn: () => unknown): SwitchboardError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SwitchboardError) return error;
    throw error;
  }
  throw new Error("expected an error");
}
