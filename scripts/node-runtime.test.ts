// The Node fallback as a user meets it: an old system Node runs the project's entry point, which says
// so in one line and carries on under a Node that is new enough.
import { execFileSync, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { isNewEnough, MIN_NODE } from "./node-runtime.mjs";

const root = dirname(dirname(fileURLToPath(import.meta.url)));

/** The first `node` on PATH that is not the one running these tests (the system's, on this machine). */
function systemNode(): { path: string; version: string } | null {
  try {
    const path = execFileSync("sh", ["-c", "command -v node"], { encoding: "utf8", env: { PATH: "/usr/local/bin:/usr/bin:/bin" } }).trim();
    const version = execFileSync(path, ["--version"], { encoding: "utf8" }).trim();
    return path ? { path, version } : null;
  } catch {
    return null;
  }
}

describe("node-runtime", () => {
  it("compares versions against the minimum", () => {
    expect(MIN_NODE).toEqual([22, 19, 0]);
    for (const v of ["22.19.0", "v22.20.1", "24.0.0", "26.1.0"]) expect(isNewEnough(v), v).toBe(true);
    for (const v of ["20.20.2", "v22.18.9", "18.0.0", "22.9.0"]) expect(isNewEnough(v), v).toBe(false);
  });

  const old = systemNode();
  it.skipIf(!old || isNewEnough(old.version))(`an entry point under an old Node (${old?.version ?? "none found"}) says so in one line and carries on`, () => {
    // No task: run.mjs prints its usage and exits 2, but only after it has chosen a Node.
    const result = spawnSync(old!.path, [join(root, "scripts", "run.mjs")], { encoding: "utf8" });
    const lines = result.stderr.split("\n").filter(Boolean);
    expect(lines[0]).toMatch(new RegExp(`^switchboard: Node ${old!.version.slice(1).replace(/\./g, "\\.")} is older than 22\\.19\\.0; (using|fetching)`));
    expect(lines.filter((l) => l.startsWith("switchboard: Node")).length).toBe(1);
    expect(result.status).toBe(2);
    // …and the Node it chose really is new enough.
    const node = /using (\S+)$/.exec(lines[0]!)?.[1];
    if (node) expect(isNewEnough(execFileSync(node, ["--version"], { encoding: "utf8" }).trim())).toBe(true);
  });
});
