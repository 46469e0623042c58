import { methods, type MethodName } from "./api.ts";
import { SwitchboardError } from "./errors.ts";

export function isMethodName(value: unknown): value is MethodName {
  return typeof value === "string" && Object.hasOwn(methods, value);
}

/**
 * Checks one incoming call against the contract. Every host runs this before the core sees
 * anything, so a malformed call never reaches the core: it gets an `invalid-request` error that
 * names the offending fields.
 */
export function validateCall(method: unknown, input: unknown): { method: MethodName; input: unknown } {
  if (!isMethodName(method)) {
    throw new SwitchboardError(
      "unknown-method",
      `There is no method called ${JSON.stringify(method)}.`,
      "The UI and the core disagree on the contract: restart Switchboard so both are the same version.",
    );
  }
  const parsed = methods[method].input.safeParse(input ?? {});
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => ({
      path: issue.path.join(".") || "(input)",
      problem: issue.message,
    }));
    throw new SwitchboardError(
      "invalid-request",
      `The call ${method} was refused: ${fields.map((f) => `${f.path}: ${f.problem}`).join("; ")}.`,
      "The request did not match the contract; nothing was changed.",
      { fields },
    );
  }
  return { method, input: parsed.data };
}
