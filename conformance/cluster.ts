// A real control plane for the conformance run: etcd + kube-apiserver on 127.0.0.1, a throwaway data
// directory, static bearer tokens (an admin and a limited "viewer" for forbidden tests), RBAC, a
// self-signed serving certificate and service-account keys made into the temp dir, and our own CRDs
// (conformance/crds/) installed and Established. No controller-manager, scheduler or kubelet run: the
// playground's own controllers stand in for them (conformance/controllers.ts).
//
//   const c = await startRealCluster({ kubeApiserver, etcd });
//   // c.server, c.adminToken, c.viewerToken, c.ca, c.kubeconfig ("admin"), c.viewerKubeconfig
//   await c.stop();
import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { generateServingCert } from "../playground/apiserver/server.ts";
import { HttpClusterClient } from "../playground/cluster/http-client.ts";
import { resources, type KubeObject } from "../playground/cluster/client.ts";

export const CRD_DIR = join(dirname(fileURLToPath(import.meta.url)), "crds");
/** The namespace the limited user may read (and nothing else). */
export const VIEWER_NAMESPACE = "demo";

export interface RealClusterOptions {
  kubeApiserver: string;
  etcd: string;
  /** Extra kube-apiserver flags. */
  apiserverArgs?: string[];
  log?: (message: string) => void;
}

export interface RealCluster {
  /** https://127.0.0.1:<port> */
  server: string;
  /** http://127.0.0.1:<port> of etcd (for compaction in the 410 tests). */
  etcdUrl: string;
  ca: string;
  adminToken: string;
  viewerToken: string;
  /** May read everything in demo and write Deployments and Services there, but not BackendConfigs. */
  editorToken: string;
  /** kubeconfig paths: context "conformance", namespace demo. */
  kubeconfig: string;
  viewerKubeconfig: string;
  editorKubeconfig: string;
  dir: string;
  /** The admin's HttpClusterClient (the same implementation the playground's controllers use). */
  client: HttpClusterClient;
  /** kube-apiserver's log file (for failure reports). */
  apiserverLog: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function kubeconfigYaml(server: string, ca: string, token: string, namespace = VIEWER_NAMESPACE): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: conformance",
    "  cluster:",
    `    server: ${server}`,
    `    certificate-authority-data: ${Buffer.from(ca).toString("base64")}`,
    "users:",
    "- name: conformance",
    "  user:",
    `    token: ${token}`,
    "contexts:",
    "- name: conformance",
    "  context:",
    "    cluster: conformance",
    "    user: conformance",
    `    namespace: ${namespace}`,
    "current-context: conformance",
    "",
  ].join("\n");
}

interface Proc {
  child: ChildProcess;
  exited: Promise<number | null>;
  name: string;
}

function startProcess(name: string, bin: string, args: string[], logFile: string): Proc {
  const out = createWriteStream(logFile);
  const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, exited, name };
}

async function stopProcess(p: Proc): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill("SIGTERM");
  const done = await Promise.race([p.exited.then(() => true), sleep(10_000).then(() => false)]);
  if (!done) {
    p.child.kill("SIGKILL");
    await p.exited;
  }
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, "utf8").trim().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** Polls `url` until it answers 200 (or the process dies / time runs out). */
async function waitHealthy(url: string, proc: Proc, logFile: string, timeoutMs: number, headers: Record<string, string> = {}, ca?: string): Promise<void> {
  const { default: https } = await import("node:https");
  const { default: http } = await import("node:http");
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited with code ${proc.child.exitCode}:\n${tail(logFile)}`);
    const status = await new Promise<number>((resolve) => {
      const lib = url.startsWith("https:") ? https : http;
      const req = lib.get(url, { headers, ...(ca ? { ca } : {}), timeout: 2000 }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      });
      req.on("error", (e) => {
        last = e.message;
        resolve(0);
      });
      req.on("timeout", () => req.destroy(new Error("timeout")));
    });
    if (status === 200) return;
    if (status) last = `HTTP ${status}`;
    if (Date.now() > deadline) throw new Error(`${proc.name} not healthy at ${url} after ${timeoutMs} ms (${last}):\n${tail(logFile)}`);
    await sleep(200);
  }
}

/** Every CRD in conformance/crds/, as objects. */
export function crdObjects(): KubeObject[] {
  const out: KubeObject[] = [];
  for (const file of readdirSync(CRD_DIR).filter((f) => f.endsWith(".yaml")).sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(CRD_DIR, file), "utf8"))) {
      if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0]!.message}`);
      const o = doc.toJS() as KubeObject | null;
      if (o) out.push(o);
    }
  }
  return out;
}

/** Creates the CRDs and waits until each is Established (its resources served). */
export async function installCrds(client: HttpClusterClient, timeoutMs = 30_000): Promise<void> {
  const crds = crdObjects();
  for (const crd of crds) await client.create(resources.customresourcedefinitions, crd);
  const deadline = Date.now() + timeoutMs;
  for (const crd of crds) {
    for (;;) {
      const got = await client.get<KubeObject & { status?: { conditions?: Array<{ type: string; status: string; message?: string }> } }>(
        resources.customresourcedefinitions, undefined, crd.metadata.name);
      const conds = got?.status?.conditions ?? [];
      if (conds.some((c) => c.type === "Established" && c.status === "True")) break;
      const bad = conds.find((c) => c.type === "NamesAccepted" && c.status === "False");
      if (bad) throw new Error(`CRD ${crd.metadata.name}: ${bad.message}`);
      if (Date.now() > deadline) throw new Error(`CRD ${crd.metadata.name} not Established: ${JSON.stringify(conds)}`);
      await sleep(100);
    }
  }
}

/** The limited user: may read services and pods in `demo` only (RBAC Role + RoleBinding). */
async function installViewerRbac(client: HttpClusterClient): Promise<void> {
  const ns = VIEWER_NAMESPACE;
  if (!(await client.get(resources.namespaces, undefined, ns))) {
    await client.create(resources.namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  }
  const roles = { group: "rbac.authorization.k8s.io", version: "v1", plural: "roles" };
  const bindings = { group: "rbac.authorization.k8s.io", version: "v1", plural: "rolebindings" };
  await client.create(roles, {
    apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "conformance-viewer", namespace: ns },
    rules: [{ apiGroups: [""], resources: ["services", "pods"], verbs: ["get", "list", "watch"] }],
  } as KubeObject);
  await client.create(bindings, {
    apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "conformance-viewer", namespace: ns },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "conformance-viewer" },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "conformance-viewer" }],
  } as KubeObject);
  // The editor: a forbidden write half-way through a multi-object change (strategies' all-or-nothing).
  await client.create(roles, {
    apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "conformance-editor", namespace: ns },
    rules: [
      { apiGroups: ["", "apps", "networking.k8s.io", "discovery.k8s.io", "cloud.google.com", "networking.gke.io", "gateway.networking.k8s.io"], resources: ["*"], verbs: ["get", "list", "watch"] },
      { apiGroups: ["", "apps"], resources: ["deployments", "services"], verbs: ["create", "update", "patch", "delete"] },
    ],
  } as KubeObject);
  await client.create(bindings, {
    apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "conformance-editor", namespace: ns },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "conformance-editor" },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "conformance-editor" }],
  } as KubeObject);
}

/**
 * What the service-account controller does on a real cluster: a `default` ServiceAccount in every
 * namespace (the ServiceAccount admission plugin refuses pods without it). Nothing else runs it here.
 */
export async function ensureDefaultServiceAccount(client: HttpClusterClient, namespace: string): Promise<void> {
  if (await client.get(resources.serviceaccounts, namespace, "default")) return;
  try {
    await client.create(resources.serviceaccounts, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace } });
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
  }
}

export async function startRealCluster(options: RealClusterOptions): Promise<RealCluster> {
  const log = options.log ?? (() => undefined);
  // etcd's data on tmpfs when there is one: fsync on a shared disk is the slowest part of a write.
  const base = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
  const dir = mkdtempSync(join(base, "switchboard-conformance-"));
  const procs: Proc[] = [];
  const stop = async () => {
    for (const p of procs.reverse()) await stopProcess(p);
    procs.length = 0;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const etcdLog = join(dir, "etcd.log");
    const etcd = startProcess("etcd", options.etcd, [
      "--name", "conformance", "--data-dir", join(dir, "etcd"),
      "--listen-client-urls", etcdUrl, "--advertise-client-urls", etcdUrl,
      "--listen-peer-urls", `http://127.0.0.1:${peerPort}`, "--initial-advertise-peer-urls", `http://127.0.0.1:${peerPort}`,
      "--initial-cluster", `conformance=http://127.0.0.1:${peerPort}`, "--initial-cluster-state", "new",
      "--listen-metrics-urls", "", "--log-level", "warn", "--logger", "zap",
    ], etcdLog);
    procs.push(etcd);
    await waitHealthy(`${etcdUrl}/health`, etcd, etcdLog, 20_000);
    log(`etcd up at ${etcdUrl}`);

    const certDir = join(dir, "pki");
    mkdirSync(certDir);
    const serving = await generateServingCert();
    writeFileSync(join(certDir, "serving.crt"), serving.cert);
    writeFileSync(join(certDir, "serving.key"), serving.key, { mode: 0o600 });
    const sa = generateKeyPairSync("rsa", { modulusLength: 2048 });
    writeFileSync(join(certDir, "sa.key"), sa.privateKey.export({ type: "pkcs8", format: "pem" }) as string, { mode: 0o600 });
    writeFileSync(join(certDir, "sa.pub"), sa.publicKey.export({ type: "spki", format: "pem" }) as string);
    const adminToken = randomBytes(24).toString("base64url");
    const viewerToken = randomBytes(24).toString("base64url");
    const editorToken = randomBytes(24).toString("base64url");
    // token,user,uid,"groups"
    writeFileSync(join(certDir, "tokens.csv"), [
      `${adminToken},conformance-admin,conformance-admin,"system:masters"`,
      `${viewerToken},conformance-viewer,conformance-viewer`,
      `${editorToken},conformance-editor,conformance-editor`,
      "",
    ].join("\n"), { mode: 0o600 });

    const apiserverLog = join(dir, "kube-apiserver.log");
    const apiserver = startProcess("kube-apiserver", options.kubeApiserver, [
      `--etcd-servers=${etcdUrl}`,
      "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", `--secure-port=${apiPort}`,
      `--tls-cert-file=${join(certDir, "serving.crt")}`, `--tls-private-key-file=${join(certDir, "serving.key")}`,
      `--token-auth-file=${join(certDir, "tokens.csv")}`,
      "--authorization-mode=RBAC",
      "--anonymous-auth=false",
      `--service-account-issuer=https://kubernetes.default.svc.cluster.local`,
      `--service-account-key-file=${join(certDir, "sa.pub")}`,
      `--service-account-signing-key-file=${join(certDir, "sa.key")}`,
      "--service-cluster-ip-range=10.96.0.0/16",
      // ConfigMaps are watched straight from etcd (no watch cache), so compacting etcd makes an old
      // resourceVersion 410 Gone on resume: the 410 tests need that. Every other kind keeps the cache.
      "--watch-cache-sizes=configmaps#0",
      "--profiling=false",
      "--v=1",
      ...(options.apiserverArgs ?? []),
    ], apiserverLog);
    procs.push(apiserver);
    const server = `https://127.0.0.1:${apiPort}`;
    await waitHealthy(`${server}/readyz`, apiserver, apiserverLog, 90_000, { Authorization: `Bearer ${adminToken}` }, serving.cert);
    log(`kube-apiserver up at ${server}`);

    const client = new HttpClusterClient({ server, token: adminToken, ca: serving.cert, userAgent: "switchboard-conformance" });
    await installCrds(client);
    await installViewerRbac(client);
    await ensureDefaultServiceAccount(client, VIEWER_NAMESPACE);
    await ensureDefaultServiceAccount(client, "default");

    const kubeconfig = join(dir, "kubeconfig");
    const viewerKubeconfig = join(dir, "kubeconfig-viewer");
    const editorKubeconfig = join(dir, "kubeconfig-editor");
    writeFileSync(editorKubeconfig, kubeconfigYaml(server, serving.cert, editorToken), { mode: 0o600 });
    writeFileSync(kubeconfig, kubeconfigYaml(server, serving.cert, adminToken), { mode: 0o600 });
    writeFileSync(viewerKubeconfig, kubeconfigYaml(server, serving.cert, viewerToken), { mode: 0o600 });
    return {
      server, etcdUrl, ca: serving.cert, adminToken, viewerToken, editorToken, kubeconfig, viewerKubeconfig, editorKubeconfig, dir, client, apiserverLog,
      async stop() {
        client.close();
        await stop();
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

// ---- etcd (for the 410 tests): its v3 JSON gateway ------------------------------------------------

async function etcdCall<T>(etcdUrl: string, path: string, body: unknown): Promise<T> {
  const res = await fetch(`${etcdUrl}${path}`, { method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });
  const text = await res.text();
  if (!res.ok) throw new Error(`etcd ${path}: HTTP ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/** etcd's current revision (= the newest resourceVersion the API server can hand out). */
export async function etcdRevision(etcdUrl: string): Promise<number> {
  const r = await etcdCall<{ header: { revision: string } }>(etcdUrl, "/v3/kv/range", { key: Buffer.from("/").toString("base64") });
  return Number(r.header.revision);
}

/**
 * Compacts etcd's history so that every resourceVersion handed out so far is gone (410 on resume).
 * A watch from resourceVersion V starts at revision V+1 and compaction at R keeps R, so two writes
 * outside the API server's keys (/registry) come first: everything before them is then compacted.
 */
export async function etcdCompact(etcdUrl: string): Promise<number> {
  for (let i = 0; i < 2; i++) {
    await etcdCall(etcdUrl, "/v3/kv/put", { key: Buffer.from("/switchboard-conformance/bump").toString("base64"), value: Buffer.from(String(i)).toString("base64") });
  }
  const rev = await etcdRevision(etcdUrl);
  await etcdCall(etcdUrl, "/v3/kv/compaction", { revision: String(rev), physical: true });
  return rev;
}
