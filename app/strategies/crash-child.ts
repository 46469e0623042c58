// Test helper (not part of the app): applies a plan in its own process and stops dead after the first
// step landed, so the test can SIGKILL it mid-apply and recover from the journal.
// Usage: node crash-child.ts <kubeconfig> <journal-dir> <plan.json>
import { readFileSync } from "node:fs";
import { KubeConfig } from "@kubernetes/client-node";
import { StrategyRunner } from "./runner.ts";
import type { Plan } from "./types.ts";

const [kubeconfig, journalDir, planFile] = process.argv.slice(2);
const kc = new KubeConfig();
kc.loadFromFile(kubeconfig!);
const plan = JSON.parse(readFileSync(planFile!, "utf8")) as Plan;
const runner = new StrategyRunner({
  kubeConfig: kc,
  journalDir: journalDir!,
  hooks: {
    afterStep: async (record, index) => {
      process.stdout.write(`STEP ${index} ${record.id}\n`);
      // Pause forever: the parent kills this process here.
      await new Promise(() => setInterval(() => undefined, 60_000));
    },
  },
});
await runner.apply(plan, { waitForRollout: false });
process.stdout.write("FINISHED\n");
