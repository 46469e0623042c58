import type { ErrorValue } from "./errors.ts";

/** What every call answers on the wire: a value, or a structured error. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorValue };
