#!/usr/bin/env node
// The `switchboard` command. Plain JavaScript so it starts under any Node: where this one is older
// than the project needs (>= 22.19, to run the TypeScript sources directly), it runs itself again
// under the Node that scripts/node-runtime.mjs finds or fetches, then hands over to app/cli/main.ts.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ensureNode, isNewEnough } from "../scripts/node-runtime.mjs";

if (!isNewEnough()) {
  const node = ensureNode();
  const result = spawnSync(node, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: "inherit" });
  if (result.signal) process.kill(process.pid, result.signal);
  process.exit(result.status ?? 1);
}

const { runCli } = await import("../app/cli/main.ts");
process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
});
