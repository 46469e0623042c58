// Starts one real control plane (etcd + kube-apiserver) for the conformance suite and hands its
// coordinates to the test files (vitest `provide` / `inject`). The binaries come from
// conformance/get-binaries.sh (cached; conformance/run.ts builds them first when needed), or from
// KUBE_APISERVER / ETCD in the environment.
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { startRealCluster, type RealCluster } from "./cluster.ts";
import type { ConformanceCluster } from "./env.ts";

const here = dirname(fileURLToPath(import.meta.url));

function binaries(): { kubeApiserver: string; etcd: string } {
  if (process.env.KUBE_APISERVER && process.env.ETCD) return { kubeApiserver: process.env.KUBE_APISERVER, etcd: process.env.ETCD };
  const out = execFileSync("bash", [join(here, "get-binaries.sh"), "--print-env", "--no-install"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  const env = Object.fromEntries(out.trim().split("\n").map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]));
  return { kubeApiserver: env.KUBE_APISERVER!, etcd: env.ETCD! };
}

let cluster: RealCluster | undefined;

export async function setup(project: TestProject): Promise<void> {
  const bins = binaries();
  const t0 = performance.now();
  cluster = await startRealCluster({ ...bins, log: (m) => process.stderr.write(`[conformance] ${m}\n`) });
  process.stderr.write(`[conformance] control plane ready in ${Math.round(performance.now() - t0)} ms (${cluster.server})\n`);
  const provided: ConformanceCluster = {
    server: cluster.server, etcdUrl: cluster.etcdUrl, ca: cluster.ca, adminToken: cluster.adminToken, viewerToken: cluster.viewerToken,
    kubeconfig: cluster.kubeconfig, viewerKubeconfig: cluster.viewerKubeconfig, editorKubeconfig: cluster.editorKubeconfig, apiserverLog: cluster.apiserverLog,
  };
  project.provide("conformance", provided);
}

export async function teardown(): Promise<void> {
  await cluster?.stop();
  cluster = undefined;
}
