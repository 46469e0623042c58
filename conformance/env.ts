// What the conformance test files get from global-setup.ts, and small helpers they share.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { inject } from "vitest";
import { HttpClusterClient } from "../playground/cluster/http-client.ts";

export interface ConformanceCluster {
  server: string;
  etcdUrl: string;
  ca: string;
  adminToken: string;
  viewerToken: string;
  /** Admin kubeconfig (context "conformance", namespace demo). */
  kubeconfig: string;
  /** The limited user's kubeconfig: get/list/watch services and pods in demo only. */
  viewerKubeconfig: string;
  /** Reads everything in demo, writes Deployments and Services, not BackendConfigs. */
  editorKubeconfig: string;
  apiserverLog: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    conformance: ConformanceCluster;
  }
}

export function realCluster(): ConformanceCluster {
  const c = inject("conformance");
  if (!c) throw new Error("no control plane: run the conformance suite through conformance/run.ts (npm run test:conformance)");
  return c;
}

export function adminClient(c = realCluster()): HttpClusterClient {
  return new HttpClusterClient({ server: c.server, token: c.adminToken, ca: c.ca, userAgent: "switchboard-conformance" });
}

export const KUBECTL = process.env.KUBECTL ?? "kubectl";
const run = promisify(execFile);

/** Runs the real kubectl; never throws: code, stdout, stderr. */
export async function kubectl(kubeconfig: string, args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  if (input !== undefined) {
    return new Promise((resolve) => {
      const child = execFile(KUBECTL, ["--kubeconfig", kubeconfig, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0, stdout, stderr });
      });
      child.stdin!.end(input);
    });
  }
  try {
    const r = await run(KUBECTL, ["--kubeconfig", kubeconfig, ...args], { timeout: 30_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: unknown; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

export async function until(what: string, pred: () => boolean | Promise<boolean>, timeoutMs = 20_000, everyMs = 20): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
