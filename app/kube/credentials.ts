// Credentials for one kubeconfig user: a static token, basic auth, a client certificate, or an exec
// plugin (client.authentication.k8s.io ExecCredential, e.g. gke-gcloud-auth-plugin).
// Exec plugins run here rather than through client-node's ExecAuth because a desktop app needs:
//  - the login shell's PATH (a GUI launch has a minimal one): the caller passes `env`;
//  - a timeout (a plugin waiting for a browser login must not hang the session);
//  - the exit code and stderr kept apart, so errors.ts can say "run `gcloud auth login`";
//  - `installHint` and ENOENT turned into auth-plugin-missing.
import { spawn } from "node:child_process";
import type { KubeConfig, User, Cluster } from "@kubernetes/client-node";
import { SwitchboardError } from "../contract/errors.ts";
import {
  execPluginBadOutput,
  execPluginFailed,
  execPluginMissing,
  execPluginTimeout,
  type ExecConfig,
  type RequestContext,
} from "./errors.ts";

export interface Credential {
  headers: Record<string, string>;
  /** PEM client certificate/key from an exec plugin (rare; GKE uses tokens). */
  cert?: string;
  key?: string;
}

export interface CredentialOptions {
  /** Environment for exec plugins (the login shell's); defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** How long an exec plugin may run. */
  execTimeoutMs?: number;
}

interface ExecCredentialStatus {
  token?: string;
  clientCertificateData?: string;
  clientKeyData?: string;
  expirationTimestamp?: string;
}

const FAILURE_MEMORY_MS = 5_000;

/** Runs an exec credential plugin once and returns its ExecCredential status. */
export function runExecPlugin(
  exec: ExecConfig,
  cluster: Cluster | null,
  options: CredentialOptions,
  ctx: RequestContext = {},
): Promise<ExecCredentialStatus> {
  const timeoutMs = options.execTimeoutMs ?? 30_000;
  const baseEnv = options.env ?? process.env;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(baseEnv)) if (v !== undefined) env[k] = v;
  for (const e of exec.env ?? []) env[e.name] = e.value;
  // client-go hands the plugin its context (non-interactive: we are a GUI with no terminal).
  env.KUBERNETES_EXEC_INFO = JSON.stringify({
    apiVersion: exec.apiVersion ?? "client.authentication.k8s.io/v1beta1",
    kind: "ExecCredential",
    spec: {
      interactive: false,
      ...(exec.provideClusterInfo && cluster
        ? { cluster: { server: cluster.server, "certificate-authority-data": cluster.caData, "insecure-skip-tls-verify": cluster.skipTLSVerify } }
        : {}),
    },
  });
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    // Node looks the command up in env.PATH when env is given: the login shell's PATH applies.
    const child = spawn(exec.command, exec.args ?? [], { env, stdio: ["ignore", "pipe", "pipe"] });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      finish(() => reject(execPluginTimeout(exec, timeoutMs, ctx)));
    }, timeoutMs);
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", (err: NodeJS.ErrnoException) => {
      finish(() =>
        reject(err.code === "ENOENT" || err.code === "EACCES" ? execPluginMissing(exec, ctx) : execPluginFailed(exec, null, err.message, ctx)),
      );
    });
    child.on("close", (code) => {
      finish(() => {
        if (code !== 0) return reject(execPluginFailed(exec, code, stderr, ctx));
        let parsed: { status?: ExecCredentialStatus };
        try {
          parsed = JSON.parse(stdout) as { status?: ExecCredentialStatus };
        } catch {
          return reject(execPluginBadOutput(exec, "its output is not JSON", ctx));
        }
        const status = parsed.status;
        if (!status || (!status.token && !status.clientCertificateData)) {
          return reject(execPluginBadOutput(exec, "no token or client certificate in its status", ctx));
        }
        resolve(status);
      });
    });
  });
}

/** Produces request credentials for one user, caching exec tokens until they expire. */
export class CredentialSource {
  readonly #kc: KubeConfig;
  readonly #user: User | null;
  readonly #cluster: Cluster | null;
  readonly #options: CredentialOptions;
  readonly #ctx: RequestContext;
  #cached: { credential: Credential; expires: number } | undefined;
  #pending: Promise<Credential> | undefined;
  /** A failed plugin run, remembered briefly: a session's kinds retry together and need not each spawn it. */
  #failure: { error: unknown; until: number } | undefined;

  constructor(kc: KubeConfig, options: CredentialOptions, ctx: RequestContext) {
    this.#kc = kc;
    this.#user = kc.getCurrentUser();
    this.#cluster = kc.getCurrentCluster();
    this.#options = options;
    this.#ctx = ctx;
  }

  /** What kind of login this user has (for messages and for "retry on 401"). */
  get usesExec(): boolean {
    return Boolean(this.#user?.exec);
  }

  /** Forget a cached token (after a 401, client-go runs the plugin again). */
  invalidate(): void {
    this.#cached = undefined;
    this.#failure = undefined;
  }

  async get(): Promise<Credential> {
    if (this.#cached && this.#cached.expires > Date.now()) return this.#cached.credential;
    if (this.#failure && this.#failure.until > Date.now()) throw this.#failure.error;
    this.#pending ??= this.#load()
      .catch((error: unknown) => {
        this.#failure = { error, until: Date.now() + FAILURE_MEMORY_MS };
        throw error;
      })
      .finally(() => (this.#pending = undefined));
    return this.#pending;
  }

  async #load(): Promise<Credential> {
    const user = this.#user;
    const headers: Record<string, string> = {};
    if (!user) return { headers };
    if (user.impersonateUser) headers["Impersonate-User"] = user.impersonateUser;
    if (user.exec) {
      const status = await runExecPlugin(user.exec as ExecConfig, this.#cluster, this.#options, this.#ctx);
      if (status.token) headers.Authorization = `Bearer ${status.token}`;
      const credential: Credential = {
        headers,
        ...(status.clientCertificateData ? { cert: status.clientCertificateData } : {}),
        ...(status.clientKeyData ? { key: status.clientKeyData } : {}),
      };
      // Refresh a little before expiry so a watch reconnect never carries a token about to lapse.
      const expires = status.expirationTimestamp ? Date.parse(status.expirationTimestamp) - 30_000 : Number.POSITIVE_INFINITY;
      this.#cached = { credential, expires };
      return credential;
    }
    if (user.token) {
      headers.Authorization = `Bearer ${user.token.trim()}`;
    } else if (user.username) {
      headers.Authorization = `Basic ${Buffer.from(`${user.username}:${user.password ?? ""}`).toString("base64")}`;
    } else if (user.authProvider) {
      // Legacy auth providers (oidc, azure, the removed gcp one): let client-node fill the header.
      try {
        const opts: { headers?: Record<string, string> } = {};
        await this.#kc.applyToHTTPSOptions(opts as never);
        if (opts.headers?.Authorization) headers.Authorization = opts.headers.Authorization;
      } catch (err) {
        const name = (user.authProvider as { name?: string }).name ?? "auth-provider";
        throw new SwitchboardError(
          "auth-failed",
          `The kubeconfig's "${name}" auth provider failed: ${err instanceof Error ? err.message : String(err)}`,
          name === "gcp"
            ? "The built-in gcp auth provider was removed from Kubernetes clients: install gke-gcloud-auth-plugin (`gcloud components install gke-gcloud-auth-plugin`) and run `gcloud container clusters get-credentials …` again."
            : "Refresh your login for this cluster, then reconnect.",
          { ...this.#ctx, authProvider: name },
        );
      }
    }
    // Static credentials do not expire by themselves; a 401 reports them.
    const credential = { headers };
    this.#cached = { credential, expires: Number.POSITIVE_INFINITY };
    return credential;
  }
}
