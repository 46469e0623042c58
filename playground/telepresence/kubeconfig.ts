// Reads kubeconfig files the way kubectl and Telepresence do: `--kubeconfig` (or `-` for stdin),
// else every file of $KUBECONFIG (first definition of a name wins), else ~/.kube/config.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";

interface Named<T> {
  name: string;
  [key: string]: unknown;
  value?: T;
}

export interface KubeCluster {
  server: string;
  "certificate-authority-data"?: string;
  "insecure-skip-tls-verify"?: boolean;
}
export interface KubeUser {
  token?: string;
  tokenFile?: string;
}
export interface KubeContext {
  cluster: string;
  user: string;
  namespace?: string;
}

export interface KubeConfig {
  currentContext: string | undefined;
  contexts: Map<string, KubeContext>;
  clusters: Map<string, KubeCluster>;
  users: Map<string, KubeUser>;
}

export interface ResolvedContext {
  contextName: string;
  server: string;
  token: string | undefined;
  ca: string | undefined;
  insecure: boolean;
  namespace: string | undefined;
}

/** The kubeconfig files in effect (not including `--kubeconfig -`). */
export function kubeconfigPaths(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  if (flag && flag !== "-") return [resolve(flag)];
  if (env.KUBECONFIG) return env.KUBECONFIG.split(delimiter).filter((p) => p !== "").map((p) => resolve(p));
  return [join(homedir(), ".kube", "config")];
}

function entries<T>(list: unknown, key: string): Array<[string, T]> {
  if (!Array.isArray(list)) return [];
  return (list as Array<Named<T>>).filter((e) => e && typeof e.name === "string").map((e) => [e.name, (e[key] ?? {}) as T]);
}

/** Merges kubeconfig documents; the first file that sets a name or current-context wins (kubectl's rule). */
export function parseKubeconfigs(texts: string[]): KubeConfig {
  const cfg: KubeConfig = { currentContext: undefined, contexts: new Map(), clusters: new Map(), users: new Map() };
  for (const text of texts) {
    const doc = (parseYaml(text) ?? {}) as Record<string, unknown>;
    if (cfg.currentContext === undefined && typeof doc["current-context"] === "string" && doc["current-context"] !== "") cfg.currentContext = doc["current-context"];
    for (const [n, v] of entries<KubeContext>(doc.contexts, "context")) if (!cfg.contexts.has(n)) cfg.contexts.set(n, v);
    for (const [n, v] of entries<KubeCluster>(doc.clusters, "cluster")) if (!cfg.clusters.has(n)) cfg.clusters.set(n, v);
    for (const [n, v] of entries<KubeUser>(doc.users, "user")) if (!cfg.users.has(n)) cfg.users.set(n, v);
  }
  return cfg;
}

export function readKubeconfigTexts(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    try {
      out.push(readFileSync(p, "utf8"));
    } catch {
      // kubectl ignores missing files in $KUBECONFIG
    }
  }
  return out;
}

/**
 * A named (`--context`) or current context the kubeconfig does not define, worded as client-go's
 * loader reports it (errContextNotFound inside errConfigurationInvalid; kubectl 1.32 prints the same
 * inner text as "Error in configuration: context was not found for specified context: nope").
 * Telepresence resolves the kubectl flags with that loader in the CLI before it reaches a daemon
 * (inferred from pkg/client/cli/daemon/identifier.go), hence no `connector.Connect:` prefix.
 * telepresence.md §2 lists the error as `context was not found`.
 */
export function missingContextError(cfg: KubeConfig, name: string | undefined): string | undefined {
  const contextName = name || cfg.currentContext;
  return contextName && !cfg.contexts.has(contextName) ? `invalid configuration: context was not found for specified context: ${contextName}` : undefined;
}

/** The named (or current) context, or an error text. */
export function resolveContext(cfg: KubeConfig, name: string | undefined): ResolvedContext | { error: string } {
  const contextName = name || cfg.currentContext;
  if (!contextName) return { error: "context was not found" };
  const ctx = cfg.contexts.get(contextName);
  if (!ctx) return { error: missingContextError(cfg, contextName)! };
  const cluster = cfg.clusters.get(ctx.cluster);
  if (!cluster?.server) return { error: `cluster "${ctx.cluster}" of context "${contextName}" has no server` };
  const user = cfg.users.get(ctx.user) ?? {};
  let token = user.token;
  if (!token && user.tokenFile) {
    try {
      token = readFileSync(user.tokenFile, "utf8").trim();
    } catch {
      token = undefined;
    }
  }
  const caData = cluster["certificate-authority-data"];
  return {
    contextName,
    server: cluster.server,
    token,
    ca: caData ? Buffer.from(caData, "base64").toString("utf8") : undefined,
    insecure: !!cluster["insecure-skip-tls-verify"],
    namespace: ctx.namespace,
  };
}

/**
 * Where the user daemon of this kubeconfig keeps its socket and logs: $PLAYGROUND_TELEPRESENCE_STATE_DIR,
 * else $XDG_RUNTIME_DIR (or the temp dir) + a hash of the $KUBECONFIG in effect — so `status`, which
 * takes no kubeconfig flag, finds the daemon `connect` started.
 */
export function stateDirFor(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PLAYGROUND_TELEPRESENCE_STATE_DIR) return resolve(env.PLAYGROUND_TELEPRESENCE_STATE_DIR);
  const id = kubeconfigPaths(undefined, env).join(delimiter);
  const hash = createHash("sha256").update(id).digest("hex").slice(0, 12);
  return join(env.XDG_RUNTIME_DIR || tmpdir(), `telepresence-playground-${hash}`);
}
