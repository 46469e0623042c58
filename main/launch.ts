// `npm start` (after the build): the Electron app where it can run, else the same UI and core in the
// browser. Run by Node >= 22.19 directly from TypeScript (scripts/run.mjs makes sure of that).
//   --web       serve in the browser even where Electron could run
//   --no-open   do not open the system browser (also skipped when $CI is set)
//   --port N    browser host port (default: a random free one)
//   --playground  also start the built-in simulated GKE cluster (it starts by itself when no
//               kubeconfig context exists), shown as context "playground"
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { Core } from "../app/core/core.ts";
import type { EmbeddedPlayground } from "./common/embedded-playground.ts";
import { deferredApi } from "./common/deferred-api.ts";
import { activeIntercepts, keptInterceptsNotice } from "./common/quit-intercepts.ts";
import { findElectronBinary, hasDisplay } from "./common/electron-binary.ts";
import { startWebHost } from "./web/server.ts";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

const { values, positionals } = parseArgs({
  options: {
    web: { type: "boolean", default: false },
    "no-open": { type: "boolean", default: false },
    port: { type: "string" },
    playground: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
  allowPositionals: true,
  strict: true,
});

if (values.help) {
  process.stdout.write("usage: npm start -- [--web] [--no-open] [--port N] [--playground]\n");
  process.exit(0);
}

const port = values.port === undefined ? 0 : Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`switchboard: --port must be a port number, not "${values.port}"\n`);
  process.exit(2);
}

const electron = findElectronBinary(root);
const whyNotElectron = values.web
  ? null
  : !electron.found
    ? electron.reason
    : !hasDisplay()
      ? "There is no display (DISPLAY and WAYLAND_DISPLAY are unset)"
      : null;

if (!values.web && electron.found && !whyNotElectron) {
  await runElectron(electron.path);
} else {
  await runBrowserHost(whyNotElectron);
}

async function runElectron(binary: string) {
  const env = { ...process.env };
  // Set by some tools; it would make the binary a plain Node and ignore our app.
  delete env.ELECTRON_RUN_AS_NODE;
  // The playground runs here, beside the Electron process, from its sources; Electron's main process
  // gets its coordinates (main/common/playground-options.ts) and shows it like any other cluster.
  const embedded = await startPlaygroundIfNeeded();
  const { PLAYGROUND_ENV } = await import("./common/playground-options.ts");
  if (embedded) env[PLAYGROUND_ENV] = JSON.stringify(embedded.coordinates);
  else delete env[PLAYGROUND_ENV];
  const child = spawn(binary, [root, ...(values.playground ? ["--playground"] : []), ...positionals], { stdio: "inherit", env });
  const forward = (signal: NodeJS.Signals) => () => {
    if (child.exitCode === null) child.kill(signal);
  };
  process.on("SIGINT", forward("SIGINT"));
  process.on("SIGTERM", forward("SIGTERM"));
  const exit = async (code: number) => {
    await embedded?.stop();
    process.exit(code);
  };
  child.on("error", (error) => {
    process.stderr.write(`switchboard: could not start Electron (${error.message}); try \`npm start -- --web\`\n`);
    void exit(1);
  });
  child.on("exit", (code, signal) => void exit(code ?? (signal ? 0 : 1)));
}

/** The embedded playground when it is asked for or no cluster is configured; exits when it cannot start. */
async function startPlaygroundIfNeeded(): Promise<EmbeddedPlayground | null> {
  // Imported here, not at the top: it reads the kubeconfig with client-node, the slowest import there is.
  const { playgroundReason, startEmbeddedPlayground } = await import("./common/embedded-playground.ts");
  const why = playgroundReason(values.playground);
  if (!why) return null;
  // stderr: stdout's first line stays the one that says where Switchboard is served.
  process.stderr.write(`Starting the playground, a simulated GKE cluster (${why})…\n`);
  try {
    return await startEmbeddedPlayground();
  } catch (error) {
    process.stderr.write(`switchboard: could not start the playground: ${(error as Error).message}\n`);
    process.exit(1);
  }
}

async function runBrowserHost(reason: string | null) {
  // The page is served at once and the core loads behind it (main/common/deferred-api.ts): importing
  // the core (client-node above all) is most of a cold start, and the browser loads the UI meanwhile.
  // It starts loading once the URL is out: module loading runs on this thread and would hold up the listen.
  const started: { embedded: EmbeddedPlayground | null } = { embedded: null };
  let served!: () => void;
  const urlPrinted = new Promise<void>((resolve) => (served = resolve));
  const coreReady: Promise<Core> = (async () => {
    await urlPrinted;
    const embedded = (started.embedded = await startPlaygroundIfNeeded());
    const { createCore } = await import("../app/core/core.ts");
    return createCore({ host: "browser", ...embedded?.coreOptions, telepresenceStopOnClose: Boolean(embedded?.coreOptions.telepresencePath) });
  })();
  coreReady.catch((error: unknown) => {
    process.stderr.write(`switchboard: could not start: ${(error as Error).message}\n`);
    process.exit(1);
  });
  let host;
  try {
    host = await startWebHost({ core: deferredApi(coreReady), rendererDir: path.join(root, "out", "renderer"), port });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    process.stderr.write(
      code === "EADDRINUSE"
        ? `switchboard: port ${port} is in use; choose another with --port, or leave it out for a free one\n`
        : `switchboard: could not start the browser host: ${(error as Error).message}\n`,
    );
    process.exit(1);
  }
  // One line that says why and where: the URL carries this run's token.
  process.stdout.write(
    reason ? `${reason}; serving Switchboard at ${host.url} instead\n` : `Serving Switchboard at ${host.url}\n`,
  );
  served();
  if (!values["no-open"] && !process.env.CI && hasDisplay()) openBrowser(host.url);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    // Intercepts outlive the app: keep them, but never unannounced (main/common/quit-intercepts.ts).
    const core = await coreReady;
    const kept = keptInterceptsNotice(await activeIntercepts(core));
    if (kept) process.stdout.write(kept);
    await host.close();
    await core.close();
    await started.embedded?.stop();
    process.stdout.write("Switchboard stopped.\n");
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
}

function openBrowser(url: string) {
  const [command, args] =
    process.platform === "darwin"
      ? ["open", [url]]
      : process.platform === "win32"
        ? ["cmd", ["/c", "start", '""', url.replace(/&/g, "^&")]]
        : ["xdg-open", [url]];
  try {
    const child = spawn(command, args, { stdio: "ignore", detached: true });
    child.on("error", () => undefined); // no opener installed: the printed URL is enough
    child.unref();
  } catch {
    // same: the URL was printed
  }
}
