// Reading what the program printed (telepresence.md §1): one JSON envelope, a bare object on success
// for some commands, nothing at all, or — text mode, wrappers, unknown builds — text.
import type { RunResult } from "./process.ts";
import { envelopeSchema } from "./schemas.ts";
import { classifyProgramError, garbageOutputError, type ErrorContext } from "./errors.ts";

export type ParsedOutput =
  | { kind: "empty" }
  | { kind: "envelope"; cmd: string; stdout: unknown; stderr: string; err: string }
  | { kind: "bare"; value: unknown }
  | { kind: "text"; text: string };

const ENVELOPE_KEYS = new Set(["cmd", "stdout", "stderr", "err"]);

function tryJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function classify(value: unknown): ParsedOutput {
  if (value && typeof value === "object" && !Array.isArray(value) && Object.keys(value).every((key) => ENVELOPE_KEYS.has(key))) {
    const envelope = envelopeSchema.safeParse(value);
    if (envelope.success) {
      return {
        kind: "envelope",
        cmd: envelope.data.cmd,
        stdout: envelope.data.stdout,
        stderr: envelope.data.stderr ?? "",
        err: envelope.data.err ?? "",
      };
    }
  }
  return { kind: "bare", value };
}

/** Classifies stdout. A JSON value on the last line wins over text before it (a warning, a banner). */
export function parseOutput(stdout: string): ParsedOutput {
  const text = stdout.trim();
  if (!text) return { kind: "empty" };
  const whole = tryJson(text);
  if (whole.ok) return classify(whole.value);
  const lines = text.split(/\r?\n/);
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]?.trim() ?? "";
    if (!line.startsWith("{") && !line.startsWith("[")) continue;
    // The JSON may span from this line to the end (pretty-printed) or be this one line.
    for (const candidate of [lines.slice(i).join("\n"), line]) {
      const parsed = tryJson(candidate);
      if (parsed.ok) return classify(parsed.value);
    }
  }
  return { kind: "text", text };
}

/**
 * Turns a finished run into its payload, or throws a SwitchboardError: a non-zero exit or an
 * envelope's `err` is classified (§3); text where JSON was expected is "garbage".
 * Returns `undefined` for "printed nothing" (connect/leave/quit on success, §2).
 */
export function interpretJsonRun(result: RunResult, ctx: ErrorContext, options: { acceptText?: boolean } = {}): unknown {
  const parsed = parseOutput(result.stdout);
  const failed = result.exitCode !== 0;
  const extra = { exitCode: result.exitCode, ...(result.signal ? { signal: result.signal } : {}) };
  if (parsed.kind === "envelope" && parsed.err) throw classifyProgramError(parsed.err, ctx, extra);
  if (failed) {
    const message =
      (parsed.kind === "envelope" ? parsed.stderr || (typeof parsed.stdout === "string" ? parsed.stdout : "") : "") ||
      result.stderr.trim() ||
      (parsed.kind === "text" ? parsed.text : "") ||
      (result.signal ? `the program was killed by ${result.signal}` : `the program exited with code ${String(result.exitCode)}`);
    throw classifyProgramError(message, ctx, extra);
  }
  switch (parsed.kind) {
    case "empty":
      return undefined;
    case "envelope":
      return parsed.stdout;
    case "bare":
      return parsed.value;
    case "text":
      // Commands that only report in words (helm install, quit on older builds) may print text.
      if (options.acceptText) return parsed.text;
      throw garbageOutputError(ctx.command, parsed.text);
  }
}
