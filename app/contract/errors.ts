// Errors cross every boundary (core → host → UI, core → CLI) as plain values: a stable code, a
// sentence in plain words, and a hint that says what to do. Never a bare string or a stack trace.
import { z } from "zod";

export const errorCodes = [
  "invalid-request", // a call that does not match the contract's schema
  "unknown-method",
  "internal", // a bug: the message says what failed, the hint asks for a report
  "kubeconfig-missing",
  "kubeconfig-invalid",
  "context-not-found",
  "auth-plugin-missing", // exec credential plugin not on PATH
  "auth-failed", // expired or refused credentials (401 or plugin failure)
  "forbidden", // RBAC: says which verb on which resource
  "unreachable", // connection refused, DNS, timeout
  "tls", // certificate problems
  "not-found",
  "conflict", // resourceVersion or `test` guard failed: somebody else changed the object
  "not-installed", // a CRD or component that is not in the cluster
  "telepresence-missing",
  "telepresence-too-old",
  "telepresence-error",
  "cancelled",
  "timeout",
  "settings-invalid", // the settings file could not be read or did not validate (defaults in use)
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export const errorValueSchema = z.object({
  code: z.enum(errorCodes),
  message: z.string(),
  hint: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});

export type ErrorValue = z.infer<typeof errorValueSchema>;

/** The Error class the core throws; `toErrorValue` turns it (or anything else) into the wire form. */
export class SwitchboardError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, hint?: string, details?: Record<string, unknown>) {
    super(message);
    this.name = "SwitchboardError";
    this.code = code;
    this.hint = hint;
    this.details = details;
  }

  toValue(): ErrorValue {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

export function toErrorValue(error: unknown): ErrorValue {
  if (error instanceof SwitchboardError) return error.toValue();
  const parsed = errorValueSchema.safeParse(error);
  if (parsed.success) return parsed.data;
  const message = error instanceof Error ? error.message : String(error);
  return {
    code: "internal",
    message: `Unexpected error: ${message}`,
    hint: "This is a bug in Switchboard. Please report it with the steps that led here.",
  };
}

/** Turns a wire error back into an Error on the receiving side (UI, CLI). */
export function fromErrorValue(value: ErrorValue): SwitchboardError {
  return new SwitchboardError(value.code, value.message, value.hint, value.details);
}
