#!/usr/bin/env node
// The project's one entry point for npm scripts: `node scripts/run.mjs <task> [args]`.
// It makes sure a new-enough Node runs the task (see node-runtime.mjs), then runs the task's steps.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureNode } from "./node-runtime.mjs";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const node = ensureNode();
const [task, ...args] = process.argv.slice(2);
const bin = (path) => join(root, "node_modules", path);

// Each step is [script, ...args] run by `node`; a task is a list of steps that stop at the first failure.
const tasks = {
  // The build takes the task's arguments only when it is the task; other tasks build plainly.
  build: (buildArgs = args) => [[bin("electron-vite/bin/electron-vite.js"), "build", ...buildArgs]],
  start: () => [...tasks.build([]), [join(root, "main/launch.ts"), ...args]],
  "test:unit": () => [[bin("vitest/vitest.mjs"), "run", ...args]],
  "test:e2e": () => [...tasks.build([]), [bin("@playwright/test/cli.js"), "test", ...args]],
  // Conformance: the integration tests against a real kube-apiserver + etcd (prints one line and
  // skips where Go or etcd is missing, so a user's `npm test` still works).
  "test:conformance": () => [[join(root, "conformance/run.ts"), ...args]],
  test: () => [...tasks["test:unit"](), ...tasks["test:e2e"](), ...tasks["test:conformance"]()],
  check: () => [
    [bin("typescript/bin/tsc"), "--noEmit", "-p", "tsconfig.json"],
    [bin("eslint/bin/eslint.js"), "--max-warnings=0", "."],
  ],
  playground: () => [[join(root, "playground/cli.ts"), ...args]],
  bench: () => [...tasks.build([]), [join(root, "bench/run.ts"), ...args]],
  package: () => [...tasks.build([]), [bin("electron-builder/cli.js"), "--config", "electron-builder.yml", ...args]],
};

if (!tasks[task]) {
  process.stderr.write(`usage: node scripts/run.mjs <${Object.keys(tasks).join("|")}> [args]\n`);
  process.exit(2);
}

// Children see the chosen Node first on PATH, so tools they start (`node`, shebangs) use it too.
const env = { ...process.env, PATH: `${dirname(node)}${process.platform === "win32" ? ";" : ":"}${process.env.PATH ?? ""}` };
for (const step of tasks[task]()) {
  const result = spawnSync(node, step, { cwd: root, stdio: "inherit", env });
  if (result.signal) process.kill(process.pid, result.signal);
  if (result.status !== 0) process.exit(result.status ?? 1);
}
