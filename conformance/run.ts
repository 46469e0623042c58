// `npm run test:conformance`: gets the real control-plane binaries (cached outside the repo; the first
// run builds kube-apiserver from the Kubernetes Go modules), then runs the conformance vitest suite,
// whose global setup starts etcd + kube-apiserver on 127.0.0.1 and stops them at the end.
// When Go (needed for the first build) or etcd is missing, prints ONE line with the reason and exits 0.
//
//   node conformance/run.ts [vitest args…]
// Env: SWITCHBOARD_K8S_VERSION (default v1.32.13), SWITCHBOARD_CACHE, KUBE_APISERVER + ETCD (use these
// binaries, skip get-binaries), SWITCHBOARD_INSTALL_ETCD=1 (let get-binaries apt-get etcd-server; CI
// does by default).
import { spawn, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const args = process.argv.slice(2);

function binaries(): Record<string, string> | undefined {
  if (process.env.KUBE_APISERVER && process.env.ETCD) return { KUBE_APISERVER: process.env.KUBE_APISERVER, ETCD: process.env.ETCD };
  const install = process.env.CI === "true" || process.env.SWITCHBOARD_INSTALL_ETCD === "1";
  const started = Date.now();
  const r = spawnSync("bash", [join(here, "get-binaries.sh"), "--print-env", ...(install ? [] : ["--no-install"])], {
    cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"],
  });
  if (r.status === 3) return undefined; // get-binaries printed the one-line reason
  if (r.status !== 0) {
    process.stderr.write(`conformance: getting the binaries failed (exit ${r.status ?? r.signal})\n`);
    process.exit(1);
  }
  const env = Object.fromEntries(r.stdout.trim().split("\n").filter((l) => l.includes("=")).map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]));
  const took = Math.round((Date.now() - started) / 1000);
  if (took > 5) process.stderr.write(`conformance: binaries ready in ${took}s\n`);
  return env;
}

const bins = binaries();
if (!bins) process.exit(0);

const vitest = join(root, "node_modules", "vitest", "vitest.mjs");
const child = spawn(process.execPath, [vitest, "run", "--config", join(here, "vitest.config.ts"), ...args], {
  cwd: root, stdio: "inherit", env: { ...process.env, KUBE_APISERVER: bins.KUBE_APISERVER, ETCD: bins.ETCD },
});
for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => child.kill(sig));
child.on("exit", (code, signal) => {
  if (signal) process.kill(process.pid, signal);
  process.exit(code ?? 1);
});
