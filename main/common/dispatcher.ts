// The one dispatcher both hosts use: a call arrives from the wire as (method, input) — from Electron
// IPC or the browser host's WebSocket — is validated against the contract, runs on the core, and
// always comes back as a Result value. Nothing thrown crosses the wire, and never a stack trace.
import type { MethodName, SwitchboardApi } from "../../app/contract/api.ts";
import { toErrorValue } from "../../app/contract/errors.ts";
import type { Result } from "../../app/contract/result.ts";
import { validateCall } from "../../app/contract/validate.ts";

export type Dispatch = (method: unknown, input: unknown) => Promise<Result<unknown>>;

type Methods = Omit<SwitchboardApi, "subscribe">;

export function createDispatcher(core: Methods, log: (message: string, error: unknown) => void = defaultLog): Dispatch {
  return async (method, input) => {
    try {
      const call = validateCall(method, input);
      const handler = core[call.method as MethodName] as (input: unknown) => Promise<unknown>;
      return { ok: true, value: await handler.call(core, call.input) };
    } catch (error) {
      const value = toErrorValue(error);
      // Bugs are logged here, with their stack, on the host's side; the UI gets the plain value.
      if (value.code === "internal") log(`${typeof method === "string" ? method : "a call"} failed`, error);
      return { ok: false, error: value };
    }
  };
}

function defaultLog(message: string, error: unknown) {
  console.error(`switchboard: ${message}:`, error);
}
