// Watch latency: a pod's Ready condition changes (its health switch makes the readiness probe fail or
// pass); the same change is timed where `kubectl get pods -w` prints it and where the UI's service
// row shows it ("1/2 ready"). Both timestamps are Date.now() on this machine (the page's clock is
// the same), so the difference is the app's extra delay over kubectl's own watch.
import type { Browser } from "playwright-core";
import { percentile, round } from "./stats.ts";
import { run, start, type Proc } from "./procs.ts";

export interface WatchResult {
  samples: number;
  kubectl: { p50: number | null; p95: number | null };
  ui: { p50: number | null; p95: number | null };
  p50DiffMs: number | null;
  p95DiffMs: number | null;
  change: string;
}

interface Options {
  browser: Browser;
  kubeconfig: string;
  control: string;
  samples: number;
  startHost(kubeconfig: string): Promise<{ proc: Proc; url: string }>;
  log(m: string): void;
}

const SERVICE = "api"; // demo scenario: readinessProbe httpGet /ready, 2 replicas

async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function measureWatch(o: Options): Promise<WatchResult> {
  const env = { ...process.env, KUBECONFIG: o.kubeconfig };
  const pods = await run("kubectl", ["get", "pods", "-n", "demo", "-l", `app=${SERVICE}`, "-o", "jsonpath={.items[*].metadata.name}"], env);
  const pod = pods.stdout.trim().split(/\s+/)[0];
  if (!pod) throw new Error(`no pod of demo/${SERVICE}: ${pods.stderr.slice(0, 200)}`);
  const watcher = start("kubectl", ["get", "pods", "-n", "demo", "-w", "-o", 'jsonpath={.metadata.name}{" "}{.status.conditions[?(@.type=="Ready")].status}{"\\n"}'], env);
  const host = await o.startHost(o.kubeconfig);
  const context = await o.browser.newContext();
  const page = await context.newPage();
  try {
    await page.goto(host.url);
    await page.waitForSelector(`[data-key="demo/${SERVICE}"]`, { timeout: 60_000 });
    // Records every change of the row's "N/M ready" with the time of the DOM mutation that made it.
    await page.evaluate((key) => {
      const w = window as unknown as { __ready: Array<{ t: number; ready: number }> };
      w.__ready = [];
      let last = -1;
      const read = () => {
        const row = document.querySelector(`[data-key="${key}"]`);
        const m = row ? /(\d+)\/(\d+) ready/.exec(row.textContent ?? "") : null;
        const ready = m ? Number(m[1]) : -1;
        if (ready !== last) {
          last = ready;
          w.__ready.push({ t: Date.now(), ready });
        }
      };
      new MutationObserver(read).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
      read();
    }, `demo/${SERVICE}`);
    await waitFor("the row to show 2 ready", async () => ((await page.evaluate(() => (window as unknown as { __ready: Array<{ ready: number }> }).__ready.at(-1)?.ready)) === 2 ? true : undefined), 60_000);
    await waitFor("kubectl -w to start", () => (watcher.lines.some((l) => l.text.startsWith(pod)) ? true : undefined), 30_000);

    const kubectlMs: number[] = [];
    const uiMs: number[] = [];
    const diffs: number[] = [];
    for (let i = 0; i < o.samples; i++) {
      const healthy = i % 2 === 1;
      const t0 = Date.now();
      const res = await fetch(`${o.control}/pods/demo/${pod}/health`, { method: "POST", body: JSON.stringify({ healthy }) });
      if (res.status !== 204) throw new Error(`control endpoint answered ${res.status}`);
      const want = healthy ? "True" : "False";
      const k = await waitFor("kubectl -w to print the change", () => watcher.lines.find((l) => l.t >= t0 && l.text === `${pod} ${want}`)?.t, 15_000);
      const u = await waitFor("the UI to show the change", async () => {
        const changes = await page.evaluate(() => (window as unknown as { __ready: Array<{ t: number; ready: number }> }).__ready);
        return changes.find((c) => c.t >= t0 && c.ready === (healthy ? 2 : 1))?.t;
      }, 15_000);
      kubectlMs.push(k - t0);
      uiMs.push(u - t0);
      diffs.push(u - k);
      if (i % 10 === 9) o.log(`watch: ${i + 1}/${o.samples}`);
    }
    return {
      samples: diffs.length,
      kubectl: { p50: round(percentile(kubectlMs, 50)), p95: round(percentile(kubectlMs, 95)) },
      ui: { p50: round(percentile(uiMs, 50)), p95: round(percentile(uiMs, 95)) },
      p50DiffMs: round(percentile(diffs, 50)),
      p95DiffMs: round(percentile(diffs, 95)),
      change: `pod Ready flips of demo/${SERVICE} (health switch → readiness probe, playground --speed 50)`,
    };
  } finally {
    await context.close();
    await host.proc.stop();
    await watcher.stop();
  }
}
