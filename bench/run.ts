// `npm run bench [-- --quick] [--scales 100,1000,5000] [--samples N]`: Switchboard's benchmarks.
// Every figure is measured in one run next to a baseline on the same playground (kubectl, the
// playground's own telepresence program), so the machine's speed cancels out of the ratios.
// Prints a table and writes bench/results/latest.json (machine, figures, targets, what was not measured).
//
// Per scale: the playground (`playground/cli.ts --json --scale N`, its own process), the browser host
// (`main/launch.ts --web --no-open`, its own process, KUBECONFIG = the playground with namespace
// `scale`) and Debian's Chromium driven by playwright-core.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { chromium, type Browser, type Page } from "playwright-core";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { ROOT, rssOf, run, start, type Proc } from "./lib/procs.ts";
import { machine, median, round } from "./lib/stats.ts";
import { measureIntercept } from "./lib/intercept.ts";
import { measureWatch } from "./lib/watch.ts";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    scales: { type: "string" },
    samples: { type: "string" },
    chromium: { type: "string", default: "/usr/bin/chromium" },
  },
});
const quick = values.quick!;
const scales = values.scales ? values.scales.split(",").map(Number) : quick ? [100] : [100, 1000, 5000];
const watchSamples = Number(values.samples ?? (quick ? 20 : 50));
const listSamples = quick ? 1 : 3;
const NODE = process.execPath;
const KUBECTL = "kubectl";
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

export const TARGETS = {
  listRatioAt5000: 1.5,
  watchP95DiffMs: 50,
  hostRssMBAt5000: 300,
  interceptOverhead: 1.1,
  coldStartMs: 1500,
};

interface ScaleResult {
  scale: number;
  services: number;
  playgroundReadyMs: number | null;
  playgroundRssMB: number | null;
  kubectlListMs: number | null;
  uiListMs: number | null;
  listRatio: number | null;
  coldStartMs: number | null;
  /** Part of the cold start until the host printed its URL (the rest: page load, connect, first list). */
  hostUpMs: number | null;
  hostRssMB: number | null;
  rendererHeapMB: number | null;
  notMeasured: string[];
}

const log = (m: string) => process.stderr.write(`bench: ${m}\n`);

async function startPlayground(scale: number, dir: string, speed?: number): Promise<{ proc: Proc; info: { kubeconfig: string; control: string; server: string } ; readyMs: number }> {
  const t0 = performance.now();
  const args = [join(ROOT, "playground/cli.ts"), "--json", "--scale", String(scale), "--dir", dir, ...(speed ? ["--speed", String(speed)] : [])];
  const proc = start(NODE, args);
  const line = await proc.line((l) => l.startsWith("{"), 600_000);
  return { proc, info: JSON.parse(line) as { kubeconfig: string; control: string; server: string }, readyMs: performance.now() - t0 };
}

/** A copy of the playground's kubeconfig whose context defaults to `namespace`. */
function kubeconfigFor(path: string, namespace: string, dir: string): string {
  const cfg = parseYaml(readFileSync(path, "utf8")) as { contexts: Array<{ context: { namespace?: string } }> };
  for (const c of cfg.contexts) c.context.namespace = namespace;
  const out = join(dir, `kubeconfig-${namespace}`);
  writeFileSync(out, toYaml(cfg), { mode: 0o600 });
  return out;
}

async function kubectlList(kubeconfig: string): Promise<number> {
  const r = await run(KUBECTL, ["--kubeconfig", kubeconfig, "get", "svc,pods,ingresses,backendconfigs", "-A", "-o", "json"], process.env, 300_000);
  if (r.code !== 0) throw new Error(`kubectl get failed: ${r.stderr.slice(0, 500)}`);
  return r.ms;
}

export async function startHost(kubeconfig: string): Promise<{ proc: Proc; url: string; launchedAt: number; urlAt: number }> {
  const env = { ...process.env, KUBECONFIG: kubeconfig, PATH: `${join(ROOT, "playground/bin")}:${process.env.PATH ?? ""}`, CI: "1" };
  const launchedAt = Date.now();
  const proc = start(NODE, [join(ROOT, "main/launch.ts"), "--web", "--no-open"], env);
  const line = await proc.line((l) => /https?:\/\/127\.0\.0\.1:\d+\/\?token=/.test(l), 60_000);
  const url = /(https?:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(line)![1]!;
  return { proc, url, launchedAt, urlAt: Date.now() };
}

/** Milliseconds (Date.now()) when the list shows `count` services, and when the first row was drawn. */
async function openList(page: Page, url: string, count: number, timeoutMs: number): Promise<{ navAt: number; firstRowAt: number; completeAt: number }> {
  const navAt = Date.now();
  await page.goto(url, { waitUntil: "commit" });
  // Timestamps are taken in the page (same clock), at the mutation that made them true.
  const times = await page.evaluate(({ count, timeoutMs }) => new Promise<{ firstRowAt: number; completeAt: number }>((resolve, reject) => {
    let firstRowAt = 0;
    const check = () => {
      if (!firstRowAt && document.querySelector('[role="listbox"][aria-label="Services"] [role="option"]')) firstRowAt = Date.now();
      if (document.querySelector(`[aria-label="${count} services"]`) && firstRowAt) {
        observer.disconnect();
        resolve({ firstRowAt, completeAt: Date.now() });
        return true;
      }
      return false;
    };
    const observer = new MutationObserver(() => void check());
    observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
    if (!check()) setTimeout(() => reject(new Error(`the list did not show ${count} services within ${timeoutMs} ms`)), timeoutMs);
  }), { count, timeoutMs });
  return { navAt, ...times };
}

async function rendererHeap(page: Page): Promise<number | null> {
  try {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Performance.enable");
    await cdp.send("HeapProfiler.collectGarbage").catch(() => undefined);
    const { metrics } = await cdp.send("Performance.getMetrics");
    return metrics.find((m) => m.name === "JSHeapUsedSize")?.value ?? null;
  } catch {
    return null;
  }
}

async function measureScale(browser: Browser, scale: number, work: string): Promise<ScaleResult> {
  const r: ScaleResult = { scale, services: scale, playgroundReadyMs: null, playgroundRssMB: null, kubectlListMs: null, uiListMs: null, listRatio: null, coldStartMs: null, hostUpMs: null, hostRssMB: null, rendererHeapMB: null, notMeasured: [] };
  const dir = join(work, `scale-${scale}`);
  mkdirSync(dir, { recursive: true });
  log(`scale ${scale}: starting the playground`);
  const pg = await startPlayground(scale, dir);
  r.playgroundReadyMs = round(pg.readyMs);
  r.playgroundRssMB = round((rssOf(pg.proc.child.pid) ?? NaN) / 2 ** 20);
  try {
    const kubeconfig = kubeconfigFor(pg.info.kubeconfig, "scale", dir);
    const kubectlTimes: number[] = [];
    for (let i = 0; i < listSamples; i++) kubectlTimes.push(await kubectlList(kubeconfig));
    r.kubectlListMs = round(median(kubectlTimes));
    const uiTimes: number[] = [];
    for (let i = 0; i < listSamples; i++) {
      // A fresh host each time: the figure is the app's first complete list, not a warm cache's.
      const host = await startHost(kubeconfig);
      const context = await browser.newContext();
      const page = await context.newPage();
      try {
        const t = await openList(page, host.url, scale, 120_000 + scale * 60);
        uiTimes.push(t.completeAt - t.navAt);
        if (i === 0) {
          r.coldStartMs = round(t.firstRowAt - host.launchedAt);
          r.hostUpMs = round(host.urlAt - host.launchedAt);
          // Let the watches settle, then memory as the user would leave it.
          await new Promise((res) => setTimeout(res, 2000));
          r.hostRssMB = round((rssOf(host.proc.child.pid) ?? NaN) / 2 ** 20);
          const heap = await rendererHeap(page);
          r.rendererHeapMB = heap === null ? null : round(heap / 2 ** 20, 1);
        }
      } catch (err) {
        r.notMeasured.push(`UI list: ${(err as Error).message.split("\n")[0]}`);
        break;
      } finally {
        await context.close();
        await host.proc.stop();
      }
    }
    r.uiListMs = round(median(uiTimes));
    r.listRatio = r.uiListMs !== null && r.kubectlListMs ? round(r.uiListMs / r.kubectlListMs, 2) : null;
  } finally {
    await pg.proc.stop();
  }
  return r;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function fmt(v: number | null | undefined, unit = ""): string {
  return v === null || v === undefined ? "—" : `${v}${unit}`;
}

async function main(): Promise<void> {
  const loadAtStart = machine().loadAverage1m;
  const work = mkdtempSync(join(tmpdir(), "switchboard-bench-"));
  const browser = await chromium.launch({ executablePath: values.chromium, args: CHROMIUM_ARGS });
  const results: ScaleResult[] = [];
  let watch: Awaited<ReturnType<typeof measureWatch>> | { notMeasured: string };
  let intercept: Awaited<ReturnType<typeof measureIntercept>> | { notMeasured: string };
  try {
    for (const scale of scales) {
      try {
        results.push(await measureScale(browser, scale, work));
      } catch (err) {
        log(`scale ${scale} failed: ${(err as Error).message}`);
        results.push({ scale, services: scale, playgroundReadyMs: null, playgroundRssMB: null, kubectlListMs: null, uiListMs: null, listRatio: null, coldStartMs: null, hostUpMs: null, hostRssMB: null, rendererHeapMB: null, notMeasured: [`everything: ${(err as Error).message.split("\n")[0]}`] });
      }
    }
    // Watch latency and intercept overhead on a demo-only playground: fast probes (--speed 50) so a
    // health switch flips a pod's Ready within a fraction of a second.
    const dir = join(work, "watch");
    mkdirSync(dir, { recursive: true });
    log("watch + intercept: starting a demo playground (--speed 50)");
    const pg = await startPlayground(0, dir, 50);
    try {
      try {
        watch = await measureWatch({ browser, kubeconfig: pg.info.kubeconfig, control: pg.info.control, samples: watchSamples, startHost, log });
      } catch (err) {
        watch = { notMeasured: (err as Error).message.split("\n")[0]! };
      }
      try {
        intercept = await measureIntercept({ kubeconfig: pg.info.kubeconfig, rounds: quick ? 2 : 5, startHost, freePort, log });
      } catch (err) {
        intercept = { notMeasured: (err as Error).message.split("\n")[0]! };
      }
    } finally {
      await pg.proc.stop();
    }
  } finally {
    await browser.close();
    rmSync(work, { recursive: true, force: true });
  }

  const at5000 = results.find((r) => r.scale === 5000);
  const largest = results[results.length - 1];
  const verdict = (v: number | null | undefined, target: number) => (v === null || v === undefined ? "not measured" : v <= target ? "met" : "NOT met");
  const targets = {
    listRatioAt5000: { target: `<= ${TARGETS.listRatioAt5000}`, value: at5000?.listRatio ?? null, verdict: at5000 ? verdict(at5000.listRatio, TARGETS.listRatioAt5000) : "not measured (scale 5000 not run)" },
    watchP95DiffMs: { target: `<= ${TARGETS.watchP95DiffMs} ms`, value: "p95DiffMs" in watch ? watch.p95DiffMs : null, verdict: "p95DiffMs" in watch ? verdict(watch.p95DiffMs, TARGETS.watchP95DiffMs) : `not measured: ${watch.notMeasured}` },
    hostRssMBAt5000: { target: `<= ${TARGETS.hostRssMBAt5000} MB`, value: at5000?.hostRssMB ?? null, verdict: at5000 ? verdict(at5000.hostRssMB, TARGETS.hostRssMBAt5000) : "not measured (scale 5000 not run)" },
    interceptOverhead: { target: `<= ${TARGETS.interceptOverhead}`, value: "ratio" in intercept ? intercept.ratio : null, verdict: "ratio" in intercept ? verdict(intercept.ratio, TARGETS.interceptOverhead) : `not measured: ${intercept.notMeasured}` },
    coldStartMs: { target: `<= ${TARGETS.coldStartMs} ms (scale ${largest?.scale ?? "-"})`, value: largest?.coldStartMs ?? null, verdict: verdict(largest?.coldStartMs, TARGETS.coldStartMs) },
  };
  const out = { date: new Date().toISOString(), quick, machine: { ...machine(), loadAverage1mAtStart: loadAtStart }, scales: results, watch, intercept, targets };
  mkdirSync(join(ROOT, "bench/results"), { recursive: true });
  writeFileSync(join(ROOT, "bench/results/latest.json"), `${JSON.stringify(out, null, 2)}\n`);

  const m = out.machine;
  const lines = [
    `machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB, Node ${m.node}; load average ${m.loadAverage1mAtStart} at start, ${m.loadAverage1m} at end`,
    "",
    "| scale | playground ready (RSS) | kubectl list | UI first complete list | ratio | cold start (host up) | host RSS | renderer JS heap |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...results.map((r) => `| ${r.scale} | ${fmt(r.playgroundReadyMs, " ms")} (${fmt(r.playgroundRssMB, " MB")}) | ${fmt(r.kubectlListMs, " ms")} | ${fmt(r.uiListMs, " ms")} | ${fmt(r.listRatio)} | ${fmt(r.coldStartMs, " ms")} (${fmt(r.hostUpMs, " ms")}) | ${fmt(r.hostRssMB, " MB")} | ${fmt(r.rendererHeapMB, " MB")} |`),
    "",
    "p50DiffMs" in watch
      ? `watch (${watch.samples} changes): kubectl -w p50 ${watch.kubectl.p50} ms / p95 ${watch.kubectl.p95} ms after the change; UI p50 ${watch.ui.p50} ms / p95 ${watch.ui.p95} ms; UI − kubectl p50 ${watch.p50DiffMs} ms, p95 ${watch.p95DiffMs} ms`
      : `watch: not measured: ${watch.notMeasured}`,
    "ratio" in intercept
      ? `intercept (${intercept.what}): app ${intercept.appMs} ms vs telepresence ${intercept.rawMs} ms (medians of ${intercept.rounds}): ratio ${intercept.ratio}`
      : `intercept: not measured: ${intercept.notMeasured}`,
    "",
    "targets:",
    ...Object.entries(targets).map(([k, t]) => `  ${k}: ${fmt(t.value as number | null)} (target ${t.target}) — ${t.verdict}`),
    ...results.flatMap((r) => r.notMeasured.map((n) => `  not measured at scale ${r.scale}: ${n}`)),
    "",
    "written: bench/results/latest.json",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

await main();
