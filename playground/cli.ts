// `npm run playground [-- --json] [--scale N] [--speed X] [--port P] [--dir D]`: runs the playground
// until interrupted. With --json, stdout gets exactly one line of JSON once the playground is ready;
// all human text goes to stderr.
import { parseArgs } from "node:util";
import { startPlayground, type Playground } from "./index.ts";

function fail(message: string): never {
  process.stderr.write(`playground: ${message}\n`);
  process.exit(2);
}

function numberOption(value: string | undefined, name: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) fail(`--${name} must be a number ≥ ${min} (got "${value}")`);
  return n;
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      json: { type: "boolean", default: false },
      scale: { type: "string" },
      speed: { type: "string" },
      port: { type: "string" },
      dir: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    allowPositionals: false,
  });
} catch (err) {
  fail(`${(err as Error).message}\nusage: npm run playground -- [--json] [--scale N] [--speed X] [--port P] [--dir D]`);
}
const { values } = parsed;
if (values.help) {
  process.stderr.write(`usage: npm run playground -- [--json] [--scale N] [--speed X] [--port P] [--dir D]
  --json     print one line of JSON on stdout once ready (kubeconfig, context, server, computeApi, loadBalancers, telepresence, control)
  --scale N  add N generated services (3 pods each) in namespace "scale"
  --speed X  divide every simulated interval and timeout by X
  --port P   API server port (default: random)
  --dir D    where to write the kubeconfig (default: a temp dir removed on exit)
`);
  process.exit(0);
}

const speed = numberOption(values.speed, "speed", Number.MIN_VALUE);
const scale = numberOption(values.scale, "scale", 0);
const port = numberOption(values.port, "port", 0);
const log = (m: string) => process.stderr.write(`${m}\n`);

let playground: Playground | undefined;
let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log(`playground: ${signal}, stopping`);
  try {
    await playground?.stop();
  } finally {
    process.exit(0);
  }
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));

try {
  playground = await startPlayground({ speed, scale, port, dir: values.dir, log });
} catch (err) {
  log(`playground: could not start: ${(err as Error).message}`);
  process.exit(1);
}
if (stopping) await playground.stop();

log(`ready in ${playground.readyMs} ms`);
if (values.json) {
  process.stdout.write(`${JSON.stringify({
    kubeconfig: playground.kubeconfigPath,
    context: playground.context,
    server: playground.server,
    computeApi: playground.computeApi,
    computeToken: playground.computeToken,
    loadBalancers: playground.loadBalancers,
    telepresence: playground.telepresenceBin,
    control: playground.control,
  })}\n`);
} else {
  log(`kubeconfig: ${playground.kubeconfigPath} (context "${playground.context}")`);
  log(`  try: kubectl --kubeconfig ${playground.kubeconfigPath} get pods -o wide`);
  log(`API server: ${playground.server}`);
  log(`Compute API: ${playground.computeApi} (bearer token ${playground.computeToken})`);
  for (const [k, url] of Object.entries(playground.loadBalancers)) log(`load balancer ${k}: ${url}`);
  log(`telepresence: ${playground.telepresenceBin} (KUBECONFIG=${playground.kubeconfigPath})`);
  log(`control: ${playground.control}`);
  log("Ctrl-C stops the playground.");
}
