// How the program prints a command's outcome in each output mode (telepresence.md §1). Pure: the
// CLI hands a CommandResult and gets the exact bytes for stdout and stderr plus the exit code.
import { stringify as toYaml } from "yaml";

export type OutputMode = "default" | "json" | "yaml" | "json-stream";
export const OUTPUT_MODES: readonly OutputMode[] = ["default", "json", "yaml", "json-stream"];

export interface CommandResult {
  /** Human text for default mode (and the envelope's `stdout` when `data` is absent). */
  text?: string;
  /** Structured value: the envelope's `stdout` (list), or printed bare when `bare` is set. */
  data?: unknown;
  /** Print `data` as a bare object on success instead of an envelope (status, intercept --detailed-output). */
  bare?: boolean;
  /** Extra human text that goes to stderr in default mode and to the envelope's `stderr`. */
  stderr?: string;
  /** The error message; exit code 1. */
  err?: string;
}

export interface Rendered {
  stdout: string;
  stderr: string;
  code: number;
}

/**
 * Go's `omitempty` (2.20 encodings, §1): drops false, 0, "", null and empty slices. Empty objects stay:
 * Go never omits a struct value, and the status of a stopped daemon is `{"user_daemon":{},…}`.
 */
export function omitEmpty(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(omitEmpty);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const c = omitEmpty(v);
      if (c === false || c === 0 || c === "" || c === null || c === undefined) continue;
      if (Array.isArray(c) && c.length === 0) continue;
      out[k] = c;
    }
    return out;
  }
  return value;
}

function json(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

function envelope(cmd: string, r: CommandResult): Record<string, unknown> {
  // Every key but `cmd` omitted when empty (§1).
  const env: Record<string, unknown> = { cmd };
  const out = r.data !== undefined ? r.data : r.text;
  if (out !== undefined && out !== "") env.stdout = out;
  if (r.stderr) env.stderr = r.stderr;
  if (r.err) env.err = r.err;
  return env;
}

export interface RenderOptions {
  /** 2.20 drops empty values from structured output. */
  omitEmpty?: boolean;
  /** 2.28 `--format`: the object itself, no envelope, `{"error": …}` on failure (PR #4167). */
  formatFlag?: boolean;
}

export function render(cmd: string, mode: OutputMode, r: CommandResult, opts: RenderOptions = {}): Rendered {
  const code = r.err ? 1 : 0;
  const data = opts.omitEmpty && r.data !== undefined ? omitEmpty(r.data) : r.data;
  const res: CommandResult = { ...r, data };
  if (mode === "default") {
    let stderr = r.stderr ?? "";
    if (r.err) stderr += `telepresence ${cmd}: error: ${r.err}\n`;
    return { stdout: r.text ?? "", stderr, code };
  }
  const encode = mode === "yaml" ? (v: unknown) => toYaml(v) : json;
  if (opts.formatFlag) {
    if (r.err) return { stdout: encode({ error: r.err }), stderr: "", code };
    const value = data !== undefined ? data : r.text ? r.text : undefined;
    return { stdout: value === undefined ? "" : encode(value), stderr: "", code };
  }
  if (r.err) return { stdout: encode(envelope(cmd, res)), stderr: "", code };
  if (mode === "json-stream") {
    // One bare JSON value per line, no envelope (§1).
    const value = data !== undefined ? data : r.text ? r.text : undefined;
    return { stdout: value === undefined ? "" : json(value), stderr: "", code };
  }
  if (r.bare && data !== undefined) return { stdout: encode(data), stderr: "", code };
  // "If a command wrote nothing and failed at nothing, nothing at all is printed."
  if ((r.text === undefined || r.text === "") && data === undefined && !r.stderr) return { stdout: "", stderr: "", code };
  return { stdout: encode(envelope(cmd, res)), stderr: "", code };
}
