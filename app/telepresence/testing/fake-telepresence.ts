// Test support: writes a small executable `telepresence` into a temp dir that answers from a scenario
// of recorded outputs (telepresence.md's shapes) and logs every argv it receives. Rules are tried in
// order; the first whose regex matches the joined argv (and whose `when` state matches) answers.
// No shell is involved in running it: the driver spawns the file directly, as it would the real one.
import { readFileSync } from "node:fs";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface FakeRule {
  /** Regex source tested against argv.join(" "). */
  match: string;
  /** State conditions (all must hold; missing key = ""). */
  when?: Record<string, string>;
  /** State changes applied when the rule answers. */
  set?: Record<string, string>;
  stdout?: string;
  stderr?: string;
  exit?: number;
  /** Sleep before answering (for timeout and cancel tests); also starts a grandchild that sleeps too. */
  sleepMs?: number;
  /** Replace the file named after `--env-file` with this text, mode 0644 (the driver must fix that). */
  envFileText?: string;
}

export interface FakeProgram {
  dir: string;
  path: string;
  /** Every argv received, in order. */
  calls(): Promise<string[][]>;
  /** pids written by sleeping rules: [program pid, grandchild pid]. */
  pids(): Promise<number[]>;
  cleanup(): Promise<void>;
}

// The shebang names this Node by absolute path: the tests give the driver a PATH without node on it.
const script = () => `#!${process.execPath}\n` + String.raw`const fs = require("fs");
const path = require("path");
const { spawn } = require("child_process");
const dir = __dirname;
const argv = process.argv.slice(2);
fs.appendFileSync(path.join(dir, "calls.log"), JSON.stringify(argv) + "\n");
const scenario = JSON.parse(fs.readFileSync(path.join(dir, "scenario.json"), "utf8"));
const statePath = path.join(dir, "state.json");
const state = fs.existsSync(statePath) ? JSON.parse(fs.readFileSync(statePath, "utf8")) : {};
const joined = argv.join(" ");
const rule = scenario.rules.find((r) => new RegExp(r.match).test(joined) && Object.entries(r.when || {}).every(([k, v]) => (state[k] || "") === v));
if (!rule) {
  process.stderr.write("telepresence: error: fake has no rule for: " + joined + "\n");
  process.exit(1);
}
const answer = () => {
  if (rule.set) fs.writeFileSync(statePath, JSON.stringify(Object.assign(state, rule.set)));
  if (rule.envFileText !== undefined) {
    const i = argv.indexOf("--env-file");
    // Like a program that replaces the file: a new inode with the default mode.
    if (i >= 0) { fs.rmSync(argv[i + 1], { force: true }); fs.writeFileSync(argv[i + 1], rule.envFileText, { mode: 0o644 }); }
  }
  if (rule.stdout) process.stdout.write(rule.stdout);
  if (rule.stderr) process.stderr.write(rule.stderr);
  process.exitCode = rule.exit || 0;
};
if (rule.sleepMs) {
  const child = spawn("sleep", [String(Math.ceil(rule.sleepMs / 1000))], { stdio: "ignore" });
  fs.writeFileSync(path.join(dir, "pids"), process.pid + "\n" + child.pid + "\n");
  setTimeout(answer, rule.sleepMs);
} else {
  answer();
}
`;

export async function createFakeTelepresence(rules: FakeRule[], options: { name?: string } = {}): Promise<FakeProgram> {
  const dir = await mkdtemp(join(tmpdir(), "switchboard-fake-tp-"));
  const path = join(dir, options.name ?? "telepresence");
  await writeFile(path, script());
  await chmod(path, 0o755);
  await writeFile(join(dir, "scenario.json"), JSON.stringify({ rules }));
  return {
    dir,
    path,
    async calls() {
      const text = await readFile(join(dir, "calls.log"), "utf8").catch(() => "");
      return text
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as string[]);
    },
    async pids() {
      const text = await readFile(join(dir, "pids"), "utf8").catch(() => "");
      return text.split("\n").filter(Boolean).map(Number);
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** True while a process with this pid exists (and is not a zombie we could still signal). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // An orphan nobody reaped (PID 1 of a container may not) is a zombie: dead for our purposes.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true;
  }
}
