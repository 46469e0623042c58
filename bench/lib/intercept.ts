// Click-to-intercept overhead: the app's `intercepts.start` (sent over the browser host's WebSocket,
// as the UI's button does) against the same intercept by the playground's `telepresence` program run
// directly. The traffic-agent is installed once before timing (a warm-up by the raw command), and
// both sides run on an already connected daemon, so each figure is the intercept itself.
import WebSocket from "ws";
import { join } from "node:path";
import { median, round } from "./stats.ts";
import { ROOT, run, type Proc } from "./procs.ts";

export interface InterceptResult {
  what: string;
  rounds: number;
  appMs: number | null;
  rawMs: number | null;
  ratio: number | null;
}

interface Options {
  kubeconfig: string;
  rounds: number;
  startHost(kubeconfig: string): Promise<{ proc: Proc; url: string }>;
  freePort(): Promise<number>;
  log(m: string): void;
}

const SERVICE = "legacy";
const TELEPRESENCE = join(ROOT, "playground/bin/telepresence");

function rpc(url: string): Promise<{ call(method: string, input: unknown, ms?: number): Promise<unknown>; close(): void }> {
  const u = new URL(url);
  // The host refuses upgrades without its own Origin (cross-site WebSocket hijacking).
  const ws = new WebSocket(`ws://${u.host}/ws?token=${u.searchParams.get("token")}`, { origin: `http://${u.host}` });
  let next = 1;
  const pending = new Map<number, (m: { ok: boolean; value?: unknown; error?: { message?: string; code?: string } }) => void>();
  ws.on("message", (data) => {
    const m = JSON.parse(String(data)) as { type: string; id?: number; result?: { ok: boolean; value?: unknown; error?: { message?: string } } };
    if (m.type === "result" && m.id != null) pending.get(m.id)?.(m.result!);
  });
  return new Promise((resolve, reject) => {
    ws.once("error", reject);
    ws.once("open", () => resolve({
      call: (method, input, ms = 120_000) => new Promise((res, rej) => {
        const id = next++;
        const timer = setTimeout(() => rej(new Error(`${method}: no answer in ${ms} ms`)), ms);
        pending.set(id, (r) => {
          clearTimeout(timer);
          pending.delete(id);
          if (r.ok) res(r.value);
          else rej(new Error(`${method}: ${r.error?.code ?? ""} ${r.error?.message ?? JSON.stringify(r.error)}`));
        });
        ws.send(JSON.stringify({ id, method, input }));
      }),
      close: () => ws.close(),
    }));
  });
}

export async function measureIntercept(o: Options): Promise<InterceptResult> {
  const env = { ...process.env, KUBECONFIG: o.kubeconfig };
  const tp = async (...args: string[]) => {
    const r = await run(TELEPRESENCE, args, env, 120_000);
    if (r.code !== 0) throw new Error(`telepresence ${args.join(" ")}: ${(r.stderr || r.stdout).trim().slice(0, 300)}`);
    return r.ms;
  };
  const host = await o.startHost(o.kubeconfig);
  const api = await rpc(host.url);
  try {
    await tp("connect");
    // Warm-up: installs the traffic-agent (a rollout) so that neither side pays for it.
    await tp("intercept", SERVICE, "--port", `${await o.freePort()}:8080`, "--namespace", "demo");
    await tp("leave", SERVICE);
    await api.call("telepresence.connect", {});
    const app: number[] = [];
    const raw: number[] = [];
    for (let i = 0; i < o.rounds; i++) {
      let t0 = performance.now();
      const started = (await api.call("intercepts.start", { namespace: "demo", service: SERVICE, localPort: await o.freePort() })) as { intercept?: { name?: string } };
      app.push(performance.now() - t0);
      await api.call("intercepts.stop", { namespace: "demo", name: started.intercept?.name ?? SERVICE });
      const port = await o.freePort();
      t0 = performance.now();
      await tp("intercept", SERVICE, "--port", `${port}:8080`, "--namespace", "demo");
      raw.push(performance.now() - t0);
      await tp("leave", SERVICE);
      o.log(`intercept: round ${i + 1}/${o.rounds}: app ${Math.round(app.at(-1)!)} ms, telepresence ${Math.round(raw.at(-1)!)} ms`);
    }
    const appMs = median(app);
    const rawMs = median(raw);
    return {
      what: `intercepts.start over the host's WebSocket vs \`telepresence intercept ${SERVICE} --port L:8080\`, demo/${SERVICE}`,
      rounds: o.rounds,
      appMs: round(appMs),
      rawMs: round(rawMs),
      ratio: appMs !== null && rawMs ? round(appMs / rawMs, 2) : null,
    };
  } finally {
    api.close();
    // -s: stop the daemons too (they belong to this run's playground, which stops next).
    await tp("quit", "-s").catch(() => undefined);
    await host.proc.stop();
  }
}
