// Kubeconfig files, loaded and merged the way kubectl (client-go's clientcmd) does it, because users
// expect Switchboard to see exactly what `kubectl config get-contexts` sees:
//  - $KUBECONFIG is a list split by the platform's separator (":" or ";"); empty entries and
//    duplicates are dropped; when it is unset or empty, ~/.kube/config is the only file.
//  - files in the list that do not exist are skipped silently;
//  - for every context, cluster and user name, the FIRST file that defines it wins, and later files
//    never change it (client-node's loadFromDefault differs: it throws on duplicates and takes
//    current-context from the LAST file, so we merge ourselves and only hand client-node one context);
//  - current-context comes from the first file that sets a non-empty one;
//  - relative file paths inside a file (certificate-authority, client-certificate, client-key,
//    tokenFile, an exec command with a path separator) are relative to that file's folder.
// Unlike kubectl, a broken file does not stop everything: it is reported as a `kubeconfig-invalid`
// problem naming the file and what is wrong, and the other files are still used.
// This module never writes a kubeconfig: choosing a context is Switchboard's own state.
import { existsSync, readFileSync, statSync, watch, watchFile, unwatchFile, type FSWatcher } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { parseDocument } from "yaml";
import { KubeConfig } from "@kubernetes/client-node";
import type { AuthKind, ContextInfo, ContextsView } from "../contract/api.ts";
import { SwitchboardError, type ErrorValue } from "../contract/errors.ts";

type Raw = Record<string, unknown>;

/** One named entry of a merged kubeconfig, with the file that defined it. */
export interface Named {
  name: string;
  /** The entry's body (the `context:`, `cluster:` or `user:` map), paths made absolute. */
  body: Raw;
  source: string;
}

export interface MergedKubeconfig {
  /** Files that exist, in KUBECONFIG order (including ones that failed to parse). */
  files: string[];
  currentContext: string | null;
  contexts: Map<string, Named>;
  clusters: Map<string, Named>;
  users: Map<string, Named>;
  problems: ErrorValue[];
}

export interface KubeconfigLocation {
  /** The files to merge, in order. */
  paths: string[];
  /** Where they came from, for messages ("$KUBECONFIG" or the default file). */
  origin: "KUBECONFIG" | "default" | "explicit";
}

/** The files kubectl would read for this environment (client-go's clientcmd loading rules). */
export function kubeconfigPaths(
  env: Record<string, string | undefined> = process.env,
  platform: NodeJS.Platform = process.platform,
): KubeconfigLocation {
  const delimiter = platform === "win32" ? ";" : ":";
  const list = env.KUBECONFIG;
  if (list && list.length > 0) {
    const paths: string[] = [];
    for (const entry of list.split(delimiter)) {
      if (entry && !paths.includes(entry)) paths.push(entry);
    }
    if (paths.length > 0) return { paths, origin: "KUBECONFIG" };
  }
  const home = (platform === "win32" ? env.USERPROFILE || env.HOME : env.HOME) || homedir();
  return { paths: [path.join(home, ".kube", "config")], origin: "default" };
}

const pathFields = {
  cluster: ["certificate-authority"],
  user: ["client-certificate", "client-key", "tokenFile"],
} as const;

function isMap(value: unknown): value is Raw {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function invalid(file: string, what: string, extra: Record<string, unknown> = {}): ErrorValue {
  return new SwitchboardError(
    "kubeconfig-invalid",
    `The kubeconfig file ${file} could not be used: ${what}`,
    "Fix or remove this file (kubectl fails on it too). Switchboard still uses the other kubeconfig files.",
    { file, ...extra },
  ).toValue();
}

interface ParsedFile {
  currentContext: string | null;
  entries: Record<"contexts" | "clusters" | "users", Named[]>;
}

/** Parses one file; throws an ErrorValue-shaped problem when it is not a usable kubeconfig. */
function parseFile(file: string, text: string): ParsedFile | ErrorValue {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: false });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const line = first.linePos?.[0]?.line;
    // prettyErrors appends a code frame after the first line; keep the sentence only.
    const what = first.message.split("\n")[0]!.replace(/[:\s]+$/, "");
    return invalid(file, `it is not valid YAML${line ? ` (line ${line})` : ""}: ${what}.`, line ? { line } : {});
  }
  const data: unknown = doc.toJS();
  // An empty file is an empty kubeconfig for kubectl, not an error.
  if (data === null || data === undefined) return { currentContext: null, entries: { contexts: [], clusters: [], users: [] } };
  if (!isMap(data)) return invalid(file, "it is not a YAML map with clusters, contexts and users.");

  const dir = path.dirname(path.resolve(file));
  const entries: ParsedFile["entries"] = { contexts: [], clusters: [], users: [] };
  const kinds = [
    ["contexts", "context"],
    ["clusters", "cluster"],
    ["users", "user"],
  ] as const;
  for (const [list, key] of kinds) {
    const items = data[list];
    if (items === undefined || items === null) continue;
    if (!Array.isArray(items)) return invalid(file, `"${list}" must be a list.`);
    const seen = new Set<string>();
    for (const [index, item] of items.entries()) {
      if (!isMap(item) || typeof item.name !== "string" || item.name === "") {
        return invalid(file, `entry ${index + 1} of "${list}" has no name.`);
      }
      const body = item[key] ?? {};
      if (!isMap(body)) return invalid(file, `${key} "${item.name}" must be a map.`);
      // client-go refuses a name defined twice in one file ("duplicate name ... in list").
      if (seen.has(item.name)) return invalid(file, `${key} "${item.name}" is defined twice.`);
      seen.add(item.name);
      entries[list].push({ name: item.name, body: resolvePaths(key, body, dir), source: file });
    }
  }
  const current = data["current-context"];
  if (current !== undefined && current !== null && typeof current !== "string") {
    return invalid(file, `"current-context" must be a string.`);
  }
  return { currentContext: current || null, entries };
}

function resolvePaths(kind: "context" | "cluster" | "user", body: Raw, dir: string): Raw {
  if (kind === "context") return { ...body };
  const out: Raw = { ...body };
  for (const field of pathFields[kind]) {
    const value = out[field];
    if (typeof value === "string" && value !== "" && !path.isAbsolute(value)) out[field] = path.join(dir, value);
  }
  // An exec command with a path separator is relative to the kubeconfig (client-go ResolveLocalPaths);
  // a bare name is looked up on PATH.
  if (kind === "user" && isMap(out.exec)) {
    const command = out.exec.command;
    if (typeof command === "string" && /[\\/]/.test(command) && !path.isAbsolute(command)) {
      out.exec = { ...out.exec, command: path.join(dir, command) };
    }
  }
  return out;
}

/** Reads and merges the files, first definition wins (kubectl's rules, see the top of this file). */
export function loadKubeconfig(paths: string[]): MergedKubeconfig {
  const merged: MergedKubeconfig = {
    files: [],
    currentContext: null,
    contexts: new Map(),
    clusters: new Map(),
    users: new Map(),
    problems: [],
  };
  for (const file of paths) {
    if (!existsSync(file)) continue;
    merged.files.push(file);
    let text: string;
    try {
      if (statSync(file).isDirectory()) {
        merged.problems.push(invalid(file, "it is a folder, not a file."));
        continue;
      }
      text = readFileSync(file, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      merged.problems.push(invalid(file, code === "EACCES" ? "Switchboard is not allowed to read it (permission denied)." : `it could not be read (${code ?? String(error)}).`));
      continue;
    }
    const parsed = parseFile(file, text);
    if ("code" in parsed) {
      merged.problems.push(parsed);
      continue;
    }
    if (!merged.currentContext && parsed.currentContext) merged.currentContext = parsed.currentContext;
    for (const list of ["contexts", "clusters", "users"] as const) {
      for (const entry of parsed.entries[list]) {
        if (!merged[list].has(entry.name)) merged[list].set(entry.name, entry);
      }
    }
  }
  return merged;
}

function str(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

export function authKindOf(user: Raw | undefined): AuthKind {
  if (!user) return "none";
  if (str(user.token) || str(user.tokenFile)) return "token";
  if (isMap(user.exec)) return "exec";
  if (isMap(user["auth-provider"])) return "auth-provider";
  if (str(user["client-certificate"]) || str(user["client-certificate-data"])) return "client-certificate";
  if (str(user.username) || str(user.password)) return "basic";
  return "none";
}

const GKE_NAME = /^gke_([^_]+)_([^_]+)_(.+)$/;
// Connect gateway kubeconfigs (gcloud container fleet memberships get-credentials).
const CONNECT_GATEWAY_NAME = /^connectgateway_([^_]+)_([^_]+)_(.+)$/;

/**
 * GKE clusters: `gcloud container clusters get-credentials` names the cluster and context
 * gke_<project>_<location>_<cluster>; a kubeconfig using gke-gcloud-auth-plugin is GKE too even
 * when renamed, but then project and location are unknown.
 */
export function gkeOf(contextName: string, clusterName: string, execCommand: string | null): ContextInfo["gke"] {
  for (const name of [clusterName, contextName]) {
    const match = GKE_NAME.exec(name) ?? CONNECT_GATEWAY_NAME.exec(name);
    if (match) return { project: match[1]!, location: match[2]!, cluster: match[3]! };
  }
  const plugin = execCommand?.split(/[\\/]/).pop()?.replace(/\.exe$/i, "");
  if (plugin === "gke-gcloud-auth-plugin") return { project: null, location: null, cluster: clusterName };
  return null;
}

/** The contract's view of a merged kubeconfig. */
export function toContextsView(merged: MergedKubeconfig, location?: KubeconfigLocation): ContextsView {
  const contexts: ContextInfo[] = [];
  for (const entry of merged.contexts.values()) {
    const clusterName = str(entry.body.cluster) ?? "";
    const userName = str(entry.body.user) ?? "";
    const cluster = merged.clusters.get(clusterName)?.body;
    const user = merged.users.get(userName)?.body;
    const execCommand = isMap(user?.exec) ? str(user.exec.command) : null;
    contexts.push({
      name: entry.name,
      cluster: clusterName,
      user: userName,
      namespace: str(entry.body.namespace),
      server: str(cluster?.server),
      authKind: authKindOf(user),
      execCommand,
      source: entry.source,
      gke: gkeOf(entry.name, clusterName, execCommand),
    });
  }
  const problems = [...merged.problems];
  if (merged.files.length === 0 && location) {
    problems.unshift(
      new SwitchboardError(
        "kubeconfig-missing",
        location.origin === "KUBECONFIG"
          ? `None of the files in $KUBECONFIG exist (${location.paths.join(", ")}).`
          : `There is no kubeconfig file at ${location.paths[0]}.`,
        "Create one by connecting to a cluster, e.g. `gcloud container clusters get-credentials CLUSTER --location LOCATION --project PROJECT` for GKE, then Switchboard shows its contexts by itself.",
        { paths: location.paths },
      ).toValue(),
    );
  }
  return { files: merged.files, currentContext: merged.currentContext, contexts, problems };
}

/**
 * A client-node KubeConfig holding only `contextName` (with its cluster and user as merged above),
 * ready for makeApiClient. Throws `context-not-found` or `kubeconfig-invalid`.
 */
export function clientConfigFor(merged: MergedKubeconfig, contextName: string): KubeConfig {
  const context = merged.contexts.get(contextName);
  if (!context) {
    throw new SwitchboardError(
      "context-not-found",
      `The context "${contextName}" is not in your kubeconfig (any more).`,
      "Pick another context, or check `kubectl config get-contexts`.",
      { context: contextName },
    );
  }
  const clusterName = str(context.body.cluster) ?? "";
  const userName = str(context.body.user) ?? "";
  const cluster = merged.clusters.get(clusterName);
  if (!cluster || !str(cluster.body.server)) {
    throw new SwitchboardError(
      "kubeconfig-invalid",
      cluster
        ? `The cluster "${clusterName}" of context "${contextName}" has no server address.`
        : `The context "${contextName}" refers to a cluster "${clusterName}" that no kubeconfig file defines.`,
      "Fix the kubeconfig (for GKE, re-run `gcloud container clusters get-credentials …`).",
      { file: context.source, context: contextName, cluster: clusterName },
    );
  }
  const user = merged.users.get(userName);
  // kubectl talks plain HTTP to an http:// server (kubectl proxy, local API servers); client-node
  // refuses unless skipTLSVerify is set. There is no TLS to verify on http://, so setting it changes
  // nothing else.
  const clusterBody = String(cluster.body.server).startsWith("http:")
    ? { ...cluster.body, "insecure-skip-tls-verify": true }
    : cluster.body;
  const kc = new KubeConfig();
  try {
    kc.loadFromString(
      JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: clusterName, cluster: clusterBody }],
        // A context without a user (or with an undefined one) talks to the cluster anonymously, as kubectl does.
        users: [{ name: userName || "anonymous", user: user?.body ?? {} }],
        contexts: [{ name: contextName, context: { ...context.body, cluster: clusterName, user: userName || "anonymous" } }],
        "current-context": contextName,
      }),
    );
  } catch (error) {
    throw new SwitchboardError(
      "kubeconfig-invalid",
      `The context "${contextName}" could not be used: ${error instanceof Error ? error.message : String(error)}`,
      "Fix the kubeconfig entries of this context (cluster, user), then reconnect.",
      { file: context.source, context: contextName },
    );
  }
  return kc;
}

/**
 * Calls `onChange` (debounced) when any of the files is created, changed, replaced or deleted.
 * Editors and kubectl replace files by renaming, so the folder is watched, not the file; folders
 * that do not exist yet are polled. Returns a function that stops watching.
 */
export function watchKubeconfig(paths: string[], onChange: () => void, debounceMs = 150): () => void {
  let timer: NodeJS.Timeout | undefined;
  const fire = () => {
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  };
  const watchers: FSWatcher[] = [];
  const polled: string[] = [];
  const byDir = new Map<string, Set<string>>();
  for (const file of paths) {
    const abs = path.resolve(file);
    const dir = path.dirname(abs);
    if (!byDir.has(dir)) byDir.set(dir, new Set());
    byDir.get(dir)!.add(path.basename(abs));
  }
  for (const [dir, names] of byDir) {
    try {
      const watcher = watch(dir, { persistent: false }, (_event, filename) => {
        if (!filename || names.has(filename.toString())) fire();
      });
      watcher.on("error", () => undefined);
      watchers.push(watcher);
    } catch {
      for (const name of names) {
        const file = path.join(dir, name);
        watchFile(file, { interval: 2000, persistent: false }, fire);
        polled.push(file);
      }
    }
  }
  return () => {
    clearTimeout(timer);
    for (const watcher of watchers) watcher.close();
    for (const file of polled) unwatchFile(file, fire);
  };
}
