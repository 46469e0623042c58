// Finds a Node.js new enough for the project (>= 22.19: @kubernetes/client-node 2 needs undici's
// Node 22.19 APIs, and the project runs its TypeScript with Node's built-in type stripping).
// Plain JavaScript on purpose: this file must run under the old Node it replaces.
//
// Where the running Node is older, a Node 24 binary is taken from the npm registry (the official
// `node-<platform>-<arch>` packages carry it), cached outside the repo, and used instead. A user on
// Node 22.19+ never reaches that path.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, readdirSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";

export const MIN_NODE = [22, 19, 0];
const FALLBACK_MAJOR = 24;

export function isNewEnough(version = process.versions.node) {
  const parts = version.replace(/^v/, "").split(".").map(Number);
  for (let i = 0; i < 3; i += 1) {
    if ((parts[i] ?? 0) !== MIN_NODE[i]) return (parts[i] ?? 0) > MIN_NODE[i];
  }
  return true;
}

function cacheRoot() {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "switchboard", "node");
}

function npmCommand() {
  return process.platform === "win32" ? "npm.cmd" : "npm";
}

function cachedNode(root) {
  if (!existsSync(root)) return undefined;
  const dirs = readdirSync(root).filter((d) => d.startsWith(`v${FALLBACK_MAJOR}.`)).sort().reverse();
  for (const dir of dirs) {
    const bin = join(root, dir, "bin", process.platform === "win32" ? "node.exe" : "node");
    if (existsSync(bin)) return bin;
  }
  return undefined;
}

/** Path of a Node binary that satisfies MIN_NODE: this one, a cached one, or a freshly fetched one. */
export function ensureNode() {
  if (isNewEnough()) return process.execPath;
  const root = cacheRoot();
  const cached = cachedNode(root);
  if (cached) {
    // One line, every time: a user on an old Node should know which Node really runs the project.
    process.stderr.write(`switchboard: Node ${process.versions.node} is older than ${MIN_NODE.join(".")}; using ${cached}\n`);
    return cached;
  }

  const pkg = `node-${process.platform}-${process.arch}@${FALLBACK_MAJOR}`;
  process.stderr.write(
    `switchboard: Node ${process.versions.node} is older than ${MIN_NODE.join(".")}; fetching Node ${FALLBACK_MAJOR} (${pkg}) from the npm registry into ${root}\n`,
  );
  mkdirSync(root, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), "switchboard-node-"));
  try {
    const pack = spawnSync(npmCommand(), ["pack", pkg, "--pack-destination", work, "--json", "--silent"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    });
    if (pack.status !== 0) throw new Error(`'npm pack ${pkg}' failed (exit ${pack.status})`);
    const info = JSON.parse(pack.stdout)[0];
    const untar = spawnSync("tar", ["xzf", join(work, info.filename), "-C", work], { stdio: "inherit" });
    if (untar.status !== 0) throw new Error("unpacking the Node package failed");
    const target = join(root, `v${info.version}`);
    rmSync(target, { recursive: true, force: true });
    renameSync(join(work, "package"), target);
    const bin = cachedNode(root);
    if (!bin) throw new Error(`no node binary inside ${pkg}`);
    return bin;
  } catch (error) {
    process.stderr.write(
      `switchboard: could not get Node ${FALLBACK_MAJOR}: ${error.message}\n` +
        `  Install Node.js ${MIN_NODE.join(".")} or newer (https://nodejs.org) and run the command again.\n`,
    );
    process.exit(1);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
