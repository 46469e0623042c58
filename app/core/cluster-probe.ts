// Connecting to a context = listing its namespaces: one cheap request that proves the address is
// reachable, TLS is trusted, the credentials work (including the exec plugin) and RBAC lets us in.
// Every failure becomes a structured error (app/kube/errors.ts) the status bar can show with a hint.
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { CoreV1Api, Observable, type KubeConfig, type RequestContext as HttpRequestContext, type ResponseContext } from "@kubernetes/client-node";
import { SwitchboardError } from "../contract/errors.ts";
import {
  classifyNetworkError,
  classifyStatus,
  execPluginBadOutput,
  execPluginFailed,
  execPluginMissing,
  type ExecConfig,
  type RequestContext,
} from "../kube/errors.ts";

export interface ProbeOptions {
  timeoutMs: number;
  /** PATH used to find an exec credential plugin (client-node spawns it with this process's env). */
  pathEnv?: string | undefined;
}

/** Finds a command the way spawn will: a path is checked as is, a bare name on PATH. */
export function findOnPath(command: string, pathEnv: string | undefined, platform: NodeJS.Platform = process.platform): string | null {
  const isFile = (p: string) => {
    try {
      return existsSync(p) && statSync(p).isFile();
    } catch {
      return false;
    }
  };
  const extensions = platform === "win32" ? ["", ".exe", ".cmd", ".bat"] : [""];
  if (/[\\/]/.test(command)) return extensions.map((e) => command + e).find(isFile) ?? null;
  for (const dir of (pathEnv ?? "").split(platform === "win32" ? ";" : ":")) {
    if (!dir) continue;
    for (const ext of extensions) {
      const candidate = path.join(dir, command + ext);
      if (isFile(candidate)) return candidate;
    }
  }
  return null;
}

function errorCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null ? ((error as { code?: unknown }).code as string | undefined) : undefined;
}

/** client-node's ApiException: an HTTP answer that was not 2xx. */
function httpFailure(error: unknown): { status: number; body: string | undefined } | null {
  if (!(error instanceof Error) || typeof (error as { code?: unknown }).code !== "number") return null;
  const body = (error as { body?: unknown }).body;
  return {
    status: (error as unknown as { code: number }).code,
    body: typeof body === "string" ? body : body === undefined ? undefined : JSON.stringify(body),
  };
}

/** Turns whatever listing namespaces threw into a SwitchboardError. */
export function classifyProbeError(error: unknown, exec: ExecConfig | null, ctx: RequestContext): SwitchboardError {
  if (error instanceof SwitchboardError) return error;
  const http = httpFailure(error);
  if (http) return classifyStatus(http.status, http.body, ctx);
  if (exec) {
    // client-node runs the plugin itself: a spawn ENOENT means it is not on PATH, a bare Error
    // carries the plugin's stderr (non-zero exit), a SyntaxError means its output was not JSON.
    if (errorCode(error) === "ENOENT" && String((error as { syscall?: unknown }).syscall ?? "").startsWith("spawn")) {
      return execPluginMissing(exec, ctx);
    }
    if (error instanceof SyntaxError) return execPluginBadOutput(exec, error.message);
    if (error instanceof Error && error.constructor === Error && errorCode(error) === undefined && error.cause === undefined) {
      return execPluginFailed(exec, null, error.message, ctx);
    }
  }
  return classifyNetworkError(error, ctx);
}

/** Lists the namespaces of the KubeConfig's (only) context, within a deadline. */
export async function listNamespaces(kc: KubeConfig, options: ProbeOptions): Promise<string[]> {
  const contextName = kc.getCurrentContext();
  const server = kc.getCurrentCluster()?.server;
  const user = kc.getCurrentUser();
  const exec = (user?.exec as ExecConfig | undefined) ?? null;
  const ctx: RequestContext = { verb: "list", resource: "namespaces", group: "", context: contextName, ...(server ? { server } : {}) };

  if (exec?.command && !findOnPath(exec.command, options.pathEnv)) throw execPluginMissing(exec, ctx);

  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(
        new SwitchboardError(
          "unreachable",
          `${server ?? "The cluster"} did not answer within ${Math.round(options.timeoutMs / 1000)} s.`,
          "The address may be firewalled or need a VPN (private GKE clusters need authorized networks), or the credential plugin may be waiting for a login. Reconnect once that is fixed.",
          { ...ctx, timeoutMs: options.timeoutMs },
        ),
      );
    }, options.timeoutMs);
  });
  // The abort signal stops the HTTP request itself at the deadline, not just our wait for it.
  const abortOnDeadline = {
    pre: (request: HttpRequestContext) => {
      request.setSignal(controller.signal);
      return new Observable(Promise.resolve(request));
    },
    post: (response: ResponseContext) => new Observable(Promise.resolve(response)),
  };
  try {
    const api = kc.makeApiClient(CoreV1Api);
    const list = await Promise.race([
      api.listNamespace({}, { middleware: [abortOnDeadline], middlewareMergeStrategy: "append" }),
      deadline,
    ]);
    return list.items.map((ns) => ns.metadata?.name ?? "").filter(Boolean).sort();
  } catch (error) {
    throw classifyProbeError(error, exec, ctx);
  } finally {
    clearTimeout(timer);
  }
}
