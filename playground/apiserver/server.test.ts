// The playground API server driven by the REAL kubectl (this machine's /usr/bin/kubectl, 1.32) through
// a temporary kubeconfig with token auth, plus raw HTTPS for the Status shapes kubectl hides.
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resources } from "../cluster/client.ts";
import { kubeconfigFor, startApiServer } from "./server.ts";
import type { ApiServer } from "./server.ts";
import { Store } from "./store.ts";

const TOKEN = "server-test-token";
let dir: string;
let store: Store;
let server: ApiServer;
let env: NodeJS.ProcessEnv;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** kubectl before 1.29 reads OpenAPI v2 (protobuf); the Cloud SDK ships kubectl.1.28 beside kubectl. */
function olderKubectl(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const k = join(dir, "kubectl");
    if (!existsSync(k)) continue;
    const old = join(dirname(realpathSync(k)), "kubectl.1.28");
    return existsSync(old) ? old : undefined;
  }
  return undefined;
}
const KUBECTL_128 = olderKubectl();

function kubectl(args: string[], input?: string, binary = "kubectl"): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(binary, args, { env, timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

async function ok(args: string[], input?: string): Promise<string> {
  const r = await kubectl(args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

function raw(method: string, path: string, body?: string, headers: Record<string, string> = {}, token: string | null = TOKEN):
  Promise<{ status: number; json: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(path, server.url), {
      method, ca: server.ca,
      headers: { Accept: "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers },
    }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => {
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(text.split("\n")[0]!);
        } catch {
          // Not JSON.
        }
        resolve({ status: res.statusCode ?? 0, json, text });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

const manifest = (replicas: number, image: string) => `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: ${image}
        ports:
        - containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: web
  annotations:
    cloud.google.com/neg: '{"ingress": true}'
spec:
  selector: {app: web}
  ports:
  - name: http
    port: 80
    targetPort: 8080
`;

function podYaml(name: string, labels: Record<string, string>, nodeName?: string): string {
  return JSON.stringify({
    apiVersion: "v1", kind: "Pod", metadata: { name, labels },
    spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: "app", image: "nginx:1.27", ports: [{ containerPort: 8080 }] }] },
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "playground-apiserver-"));
  store = new Store();
  server = await startApiServer({
    store, token: TOKEN,
    podLogs: ({ name, container }) => (name === "p2" ? `hello from ${name}/${container}\n` : undefined),
  });
  writeFileSync(join(dir, "kubeconfig"), kubeconfigFor(server, TOKEN));
  // HOME: kubectl's discovery cache goes to a fresh directory, so every run talks to this server.
  env = { ...process.env, KUBECONFIG: join(dir, "kubeconfig"), HOME: dir };
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("kubectl against the playground API server", () => {
  it("discovers the API: short names, categories, scopes, CRDs", async () => {
    const out = await ok(["api-resources", "--no-headers"]);
    const rows = out.trim().split("\n").map((l) => l.trim().split(/\s+/));
    const row = (name: string) => rows.find((r) => r[0] === name);
    expect(row("backendconfigs")).toEqual(["backendconfigs", "bc", "cloud.google.com/v1", "true", "BackendConfig"]);
    expect(row("servicenetworkendpointgroups")).toEqual(["servicenetworkendpointgroups", "svcneg", "networking.gke.io/v1beta1", "true", "ServiceNetworkEndpointGroup"]);
    expect(row("namespaces")).toEqual(["namespaces", "ns", "v1", "false", "Namespace"]);
    for (const short of ["deploy", "rs", "svc", "po", "ing", "ep", "cm", "ev"]) expect(rows.some((r) => r[1]?.split(",").includes(short))).toBe(true);
    expect(await ok(["api-resources", "--categories=all", "-o", "name"])).toBe("pods\nservices\ndeployments.apps\nreplicasets.apps\n");
    expect((await ok(["version", "-o", "json"]))).toContain('"gitVersion": "v1.32.4-gke.1000"');
    expect(await ok(["get", "ns", "-o", "name"])).toBe("namespace/default\nnamespace/kube-node-lease\nnamespace/kube-public\nnamespace/kube-system\n");
  });

  it("creates from a file, applies a change (strategic patch), replaces and deletes", async () => {
    expect(await ok(["apply", "-f", "-"], manifest(2, "nginx:1.27"))).toBe("deployment.apps/web created\nservice/web created\n");
    expect(await ok(["apply", "-f", "-"], manifest(3, "nginx:1.28"))).toBe("deployment.apps/web configured\nservice/web unchanged\n");
    const d = JSON.parse(await ok(["get", "deploy", "web", "-o", "json"]));
    expect([d.spec.replicas, d.spec.template.spec.containers[0].image, d.metadata.generation]).toEqual([3, "nginx:1.28", 2]);
    expect(d.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]).toContain("nginx:1.28");
    const svc = JSON.parse(await ok(["get", "svc", "web", "-o", "json"]));
    expect(svc.spec.clusterIP).toMatch(/^10\.12\./);
    expect(svc.spec.ports[0]).toEqual({ name: "http", port: 80, protocol: "TCP", targetPort: 8080 });

    expect(await ok(["create", "-f", "-"], podYaml("p1", { app: "web", tier: "fe" }, "node-a"))).toBe("pod/p1 created\n");
    const create2 = await kubectl(["create", "-f", "-"], podYaml("p1", { app: "web" }));
    expect(create2.code).not.toBe(0);
    expect(create2.stderr).toContain('Error from server (AlreadyExists): error when creating "STDIN": pods "p1" already exists');

    // replace with the current version works; with a stale one it is a 409 Conflict.
    const current = await ok(["get", "pod", "p1", "-o", "yaml"]);
    expect(await ok(["replace", "-f", "-"], current.replace("tier: fe", "tier: be"))).toBe("pod/p1 replaced\n");
    const stale = await kubectl(["replace", "-f", "-"], current);
    expect(stale.stderr).toContain('Operation cannot be fulfilled on pods "p1": the object has been modified; please apply your changes to the latest version and try again');

    await ok(["create", "-f", "-"], podYaml("tmp", { app: "tmp" }));
    expect(await ok(["delete", "pod", "tmp"])).toBe('pod "tmp" deleted\n');
    const gone = await kubectl(["get", "pod", "tmp"]);
    expect(gone.stderr.trim()).toBe('Error from server (NotFound): pods "tmp" not found');
  });

  it("creates with kubectl's typed generators (protobuf bodies): namespace, deployment, configmap, secret, service", async () => {
    expect(await ok(["create", "namespace", "team"])).toBe("namespace/team created\n");
    expect(await ok(["-n", "team", "create", "deployment", "api", "--image=nginx:1.27", "--replicas=0", "--port=8080"])).toBe("deployment.apps/api created\n");
    await ok(["-n", "team", "create", "configmap", "cfg", "--from-literal=a=b"]);
    await ok(["-n", "team", "create", "secret", "generic", "sec", "--from-literal=k=v"]);
    await ok(["-n", "team", "create", "service", "clusterip", "api", "--tcp=80:8080"]);
    const d = store.get(resources.deployments, "team", "api") as unknown as { spec: { replicas: number; template: { spec: { containers: Array<Record<string, unknown>> } } } };
    expect(d.spec.replicas).toBe(0);
    expect(d.spec.template.spec.containers[0]).toMatchObject({ name: "nginx", image: "nginx:1.27", ports: [{ containerPort: 8080, protocol: "TCP" }] });
    expect(store.get(resources.configmaps, "team", "cfg")?.data).toEqual({ a: "b" });
    expect(store.get(resources.secrets, "team", "sec")?.data).toEqual({ k: Buffer.from("v").toString("base64") });
    expect((store.get(resources.services, "team", "api")?.spec as { ports: unknown[] }).ports).toEqual([{ name: "80-8080", port: 80, protocol: "TCP", targetPort: 8080 }]);
    expect(await ok(["delete", "namespace", "team"])).toBe('namespace "team" deleted\n');
    expect(store.get(resources.namespaces, undefined, "team")).toBeUndefined();
    expect(store.list(resources.configmaps, { namespace: "team" }).items).toEqual([]);
  });

  it.skipIf(!KUBECTL_128)("works with kubectl 1.28 too (OpenAPI v2 for its validation check)", async () => {
    const v128 = (args: string[], input?: string) => kubectl(args, input, KUBECTL_128);
    const first = await v128(["apply", "-f", "-"], manifest(1, "nginx:1.27").replaceAll("name: web", "name: old"));
    expect(first.stderr).toBe("");
    expect(first.stdout).toBe("deployment.apps/old created\nservice/old created\n");
    const second = await v128(["apply", "-f", "-"], manifest(2, "nginx:1.28").replaceAll("name: web", "name: old"));
    expect(second.stdout).toBe("deployment.apps/old configured\nservice/old unchanged\n");
    const d = store.get(resources.deployments, "default", "old") as unknown as { spec: { replicas: number; template: { spec: { containers: Array<{ image: string }> } } } };
    expect([d.spec.replicas, d.spec.template.spec.containers[0]!.image]).toEqual([2, "nginx:1.28"]);
    await store.delete(resources.deployments, "default", "old");
    await store.delete(resources.services, "default", "old");
  });

  it("prints tables, wide tables, yaml, json and names", async () => {
    await ok(["create", "-f", "-"], podYaml("p2", { app: "db" }));
    const table = await ok(["get", "pods"]);
    expect(table.split("\n")[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    expect(table).toMatch(/\np1\s+0\/1\s+Pending\s+0\s+\d+s\n/);
    const wide = await ok(["get", "pods", "-o", "wide"]);
    expect(wide.split("\n")[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/);
    expect(wide).toMatch(/\np1\s+0\/1\s+Pending\s+0\s+\S+\s+<none>\s+node-a\s+<none>\s+<none>\n/);
    const svc = await ok(["get", "svc", "-o", "wide"]);
    expect(svc).toMatch(/^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\s+SELECTOR\nweb\s+ClusterIP\s+10\.12\.\d+\.\d+\s+<none>\s+80\/TCP\s+\S+\s+app=web\n$/);
    expect(await ok(["get", "deploy"])).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+0\/3\s+0\s+0\s+\S+\n$/);
    const yaml = await ok(["get", "pod", "p1", "-o", "yaml"]);
    expect(yaml).toContain("kind: Pod");
    expect(yaml).toContain("  phase: Pending");
    const list = JSON.parse(await ok(["get", "pods", "-o", "json"]));
    expect(list.kind).toBe("List");
    expect(list.items.map((p: { metadata: { name: string } }) => p.metadata.name)).toEqual(["p1", "p2"]);
    expect(await ok(["get", "pods", "-o", "name"])).toBe("pod/p1\npod/p2\n");
    const all = await ok(["get", "all"]);
    expect(all).toContain("pod/p1");
    expect(all).toContain("service/web");
    expect(all).toContain("deployment.apps/web");
    expect(await ok(["get", "pods", "-A", "--no-headers", "-o", "custom-columns=NS:.metadata.namespace,N:.metadata.name"])).toMatch(/^default\s+p1\ndefault\s+p2\n$/);
  });

  it("filters with label and field selectors", async () => {
    expect(await ok(["get", "pods", "-l", "app=web", "-o", "name"])).toBe("pod/p1\n");
    expect(await ok(["get", "pods", "-l", "app in (web,db),tier!=be", "-o", "name"])).toBe("pod/p2\n");
    expect(await ok(["get", "pods", "--field-selector", "spec.nodeName=node-a", "-o", "name"])).toBe("pod/p1\n");
    expect(await ok(["get", "pods", "--field-selector", "metadata.name!=p1,status.phase=Pending", "-o", "name"])).toBe("pod/p2\n");
    const bad = await kubectl(["get", "pods", "-l", "a b c"]);
    expect(bad.code).not.toBe(0);
  });

  it("patches: json (passing and failing test), merge, strategic by container name; label; annotate", async () => {
    expect(await ok(["patch", "pod", "p1", "--type=json", "-p", '[{"op":"test","path":"/metadata/labels/app","value":"web"},{"op":"add","path":"/metadata/labels/x","value":"1"}]'])).toBe("pod/p1 patched\n");
    const failed = await kubectl(["patch", "pod", "p1", "--type=json", "-p", '[{"op":"test","path":"/metadata/labels/app","value":"nope"}]']);
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toContain("The request is invalid");
    const status = await raw("PATCH", "/api/v1/namespaces/default/pods/p1", '[{"op":"test","path":"/metadata/labels/app","value":"nope"}]', { "Content-Type": "application/json-patch+json" });
    expect(status.status).toBe(422);
    expect(status.json).toMatchObject({ kind: "Status", status: "Failure", reason: "Invalid", code: 422, message: "the server rejected our request due to an error in our request" });

    expect(await ok(["patch", "deploy", "web", "--type=merge", "-p", '{"spec":{"replicas":5}}'])).toBe("deployment.apps/web patched\n");
    await ok(["patch", "deploy", "web", "-p", '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:1"},{"name":"web","image":"nginx:1.29"}]}}}}']);
    const d = JSON.parse(await ok(["get", "deploy", "web", "-o", "json"]));
    expect(d.spec.replicas).toBe(5);
    expect(d.spec.template.spec.containers.map((c: { name: string; image: string }) => `${c.name}=${c.image}`)).toEqual(["web=nginx:1.29", "sidecar=busybox:1"]);
    expect(d.spec.template.spec.containers[0].ports).toEqual([{ containerPort: 8080, protocol: "TCP" }]);

    expect(await ok(["label", "pod", "p1", "team=edge"])).toBe("pod/p1 labeled\n");
    expect(await ok(["annotate", "pod", "p1", "note=hello"])).toBe("pod/p1 annotated\n");
    expect(await ok(["label", "pod", "p1", "team-"])).toBe("pod/p1 unlabeled\n");
    const p = JSON.parse(await ok(["get", "pod", "p1", "-o", "json"]));
    expect(p.metadata.labels).toEqual({ app: "web", tier: "be", x: "1" });
    expect(p.metadata.annotations.note).toBe("hello");
  });

  // The merge keys of k8s.io/api's patchMergeKey tags: container ports merge on containerPort,
  // Service ports on port, volumes on name. Each case below would come out differently if the list
  // were replaced (RFC 7386) or merged on another key.
  it("strategic merge: container ports by containerPort, Service ports by port, volumes by name", async () => {
    await ok(["create", "-f", "-"], JSON.stringify({
      apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "keys", labels: { app: "keys" } },
      spec: {
        selector: { matchLabels: { app: "keys" } },
        template: {
          metadata: { labels: { app: "keys" } },
          spec: {
            containers: [{ name: "app", image: "nginx:1.27", ports: [{ name: "http", containerPort: 8080 }, { name: "metrics", containerPort: 9090 }],
              volumeMounts: [{ name: "config", mountPath: "/etc/app" }, { name: "cache", mountPath: "/cache" }] }],
            volumes: [{ name: "config", configMap: { name: "app-config" } }, { name: "cache", emptyDir: { medium: "Memory" } }],
          },
        },
      },
    }));
    const spec = async () => JSON.parse(await ok(["get", "deploy", "keys", "-o", "json"])).spec.template.spec as {
      containers: Array<{ ports: Array<Record<string, unknown>> }>; volumes: Array<Record<string, unknown>>;
    };

    // 9090 is the same element (renamed, protocol kept), 7000 is new, 8080 is untouched.
    await ok(["patch", "deploy", "keys", "-p", JSON.stringify({ spec: { template: { spec: { containers: [{ name: "app", ports: [{ containerPort: 9090, name: "prom" }, { containerPort: 7000, name: "debug" }] }] } } } })]);
    expect((await spec()).containers[0]!.ports).toEqual([
      { name: "http", containerPort: 8080, protocol: "TCP" }, { name: "prom", containerPort: 9090, protocol: "TCP" }, { name: "debug", containerPort: 7000, protocol: "TCP" },
    ]);
    // `$patch: delete` finds its element by containerPort too.
    await ok(["patch", "deploy", "keys", "-p", JSON.stringify({ spec: { template: { spec: { containers: [{ name: "app", ports: [{ containerPort: 8080, $patch: "delete" }] }] } } } })]);
    expect((await spec()).containers[0]!.ports.map((p) => p.containerPort)).toEqual([9090, 7000]);

    // Volumes: `cache` merges field by field (medium kept, sizeLimit added), `data` is appended, `config` deleted by name.
    await ok(["patch", "deploy", "keys", "-p", JSON.stringify({ spec: { template: { spec: { volumes: [{ name: "cache", emptyDir: { sizeLimit: "1Gi" } }, { name: "data", emptyDir: {} }] } } } })]);
    expect((await spec()).volumes).toEqual([
      // (objectContaining: the real server also defaults configMap.defaultMode)
      { name: "config", configMap: expect.objectContaining({ name: "app-config" }) }, { name: "cache", emptyDir: { medium: "Memory", sizeLimit: "1Gi" } }, { name: "data", emptyDir: {} },
    ]);
    await ok(["patch", "deploy", "keys", "-p", JSON.stringify({ spec: { template: { spec: { volumes: [{ name: "config", $patch: "delete" }] } } } })]);
    expect((await spec()).volumes.map((v) => v.name)).toEqual(["cache", "data"]);

    // Service ports merge on port: same port renamed in place, a new one appended.
    await ok(["create", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "Service", metadata: { name: "keys" }, spec: { selector: { app: "keys" }, ports: [{ name: "http", port: 80, targetPort: 8080 }, { name: "metrics", port: 9090, targetPort: 9090 }] } }));
    await ok(["patch", "svc", "keys", "-p", JSON.stringify({ spec: { ports: [{ port: 9090, name: "prom" }, { port: 7000, name: "debug", targetPort: 7000 }] } })]);
    const svc = JSON.parse(await ok(["get", "svc", "keys", "-o", "json"])) as { spec: { ports: Array<{ name: string; port: number; targetPort: number }> } };
    expect(svc.spec.ports.map((p) => [p.name, p.port, p.targetPort])).toEqual([["http", 80, 8080], ["prom", 9090, 9090], ["debug", 7000, 7000]]);
    await ok(["delete", "deploy,svc", "keys"]);
  });

  it("describes a pod (with its events) and a service", async () => {
    const pod = store.get(resources.pods, "default", "p1")!;
    await store.create(resources.events, {
      apiVersion: "v1", kind: "Event", metadata: { name: "p1.neg", namespace: "default" },
      involvedObject: { apiVersion: "v1", kind: "Pod", name: "p1", namespace: "default", uid: pod.metadata.uid },
      reason: "LoadBalancerNegNotReady", type: "Normal", source: { component: "neg-readiness-reflector" },
      message: "Waiting for pod to become healthy in at least one of the NEG(s): [k8s1-abc]", count: 1,
      firstTimestamp: new Date().toISOString(), lastTimestamp: new Date().toISOString(),
    });
    const d = await ok(["describe", "pod", "p1"]);
    expect(d).toMatch(/^Name:\s+p1$/m);
    expect(d).toMatch(/^Node:\s+node-a\/$/m); // nodeName/hostIP, no hostIP yet
    expect(d).toMatch(/^Status:\s+Pending$/m);
    expect(d).toMatch(/Normal\s+LoadBalancerNegNotReady\s+\S+\s+neg-readiness-reflector\s+Waiting for pod to become healthy/);
    const s = await ok(["describe", "svc", "web"]);
    expect(s).toMatch(/^Selector:\s+app=web$/m);
    expect(s).toMatch(/^Port:\s+http\s+80\/TCP$/m);
    expect(s).toMatch(/^TargetPort:\s+8080\/TCP$/m);
    expect(s).toMatch(/^Annotations:\s+cloud.google.com\/neg: \{"ingress": true\}$/m);
    expect(await ok(["get", "events", "--field-selector", "involvedObject.name=p1", "-o", "name"])).toBe("event/p1.neg\n");
  });

  it("streams `get -w` and reports 410 for a too-old resourceVersion", async () => {
    const child = spawn("kubectl", ["get", "pods", "-w", "-l", "app=web"], { env });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    try {
      await waitFor(() => /\np1\s/.test(out), () => out);
      await ok(["label", "pod", "p1", "tier=watched", "--overwrite"]);
      await ok(["create", "-f", "-"], podYaml("p3", { app: "web" }));
      await waitFor(() => /\np3\s+0\/1\s+Pending/.test(out), () => out);
      expect(out.split("\n")[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
      expect(out.match(/^p1\s/gm)?.length).toBe(2); // the list, then the MODIFIED
    } finally {
      child.kill();
    }

    const rv = store.resourceVersion;
    await store.create(resources.configmaps, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "after", namespace: "default" } });
    store.compact();
    const w = await raw("GET", `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${rv}`);
    expect(w.status).toBe(200);
    expect(w.json).toMatchObject({ type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired" } });
    expect((w.json.object as { message: string }).message).toMatch(/^too old resource version: \d+ \(\d+\)$/);

    // A live raw watch: ADDED, a BOOKMARK, and the end at timeoutSeconds.
    const from = store.resourceVersion;
    const pending = raw("GET", `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${from}&allowWatchBookmarks=true&timeoutSeconds=1`);
    await new Promise((r) => setTimeout(r, 100));
    await store.create(resources.configmaps, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "live", namespace: "default" } });
    const live = await pending;
    const events = live.text.trim().split("\n").map((l) => JSON.parse(l) as { type: string; object: { metadata: { name?: string } } });
    expect(events[0]).toMatchObject({ type: "ADDED", object: { metadata: { name: "live" } } });
  });

  it("answers Status objects: 401, 404, 409, 422 with causes, 400, 415, 405", async () => {
    const unauth = await raw("GET", "/api/v1/pods", undefined, {}, null);
    expect(unauth.status).toBe(401);
    expect(unauth.json).toMatchObject({ kind: "Status", reason: "Unauthorized", code: 401 });
    expect((await raw("GET", "/api", undefined, {}, "wrong")).status).toBe(401);

    const nf = await raw("GET", "/api/v1/namespaces/default/pods/nope");
    expect(nf.json).toEqual({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: 'pods "nope" not found', reason: "NotFound", code: 404, details: { name: "nope", kind: "pods" } });
    expect((await raw("GET", "/api/v1/namespaces/default/widgets")).json).toMatchObject({ code: 404, reason: "NotFound" });

    const dup = await raw("POST", "/api/v1/namespaces/default/pods", podYaml("p1", {}), { "Content-Type": "application/json" });
    expect(dup.json).toMatchObject({ code: 409, reason: "AlreadyExists", message: 'pods "p1" already exists' });

    const hcp = JSON.stringify({
      apiVersion: "networking.gke.io/v1", kind: "HealthCheckPolicy", metadata: { name: "hc" },
      spec: { targetRef: { group: "", kind: "Service", name: "web" }, default: { checkIntervalSec: 5, timeoutSec: 10, config: { type: "HTTP", httpHealthCheck: { portSpecification: "USE_FIXED_PORT" } } } },
    });
    const bad = await raw("POST", "/apis/networking.gke.io/v1/namespaces/default/healthcheckpolicies", hcp, { "Content-Type": "application/json" });
    expect(bad.status).toBe(422);
    expect(bad.json).toMatchObject({ reason: "Invalid", details: { name: "hc", group: "networking.gke.io", kind: "HealthCheckPolicy" } });
    const causes = (bad.json.details as { causes: Array<{ field: string; reason: string }> }).causes;
    expect(causes.map((c) => c.field).sort()).toEqual(["spec.default", "spec.default.config.httpHealthCheck.port"]);
    const viaKubectl = await kubectl(["apply", "-f", "-"], hcp);
    expect(viaKubectl.stderr).toContain('The HealthCheckPolicy "hc" is invalid: \n* spec.default: Invalid value: "object": timeoutSec must be less than or equal to checkIntervalSec');

    const malformed = await raw("POST", "/api/v1/namespaces/default/pods", "{not json", { "Content-Type": "application/json" });
    expect(malformed.json).toMatchObject({ kind: "Status", code: 400, reason: "BadRequest" });

    await ok(["apply", "-f", "-"], JSON.stringify({ apiVersion: "cloud.google.com/v1", kind: "BackendConfig", metadata: { name: "bc" }, spec: { healthCheck: { requestPath: "/healthz" } } }));
    const smp = await raw("PATCH", "/apis/cloud.google.com/v1/namespaces/default/backendconfigs/bc", "{}", { "Content-Type": "application/strategic-merge-patch+json" });
    expect(smp.json).toMatchObject({ code: 415, reason: "UnsupportedMediaType" });
    // kubectl patches custom resources with a JSON merge patch.
    expect(await ok(["patch", "bc", "bc", "--type=merge", "-p", '{"spec":{"healthCheck":{"port":8081}}}'])).toBe("backendconfig.cloud.google.com/bc patched\n");
    expect(await ok(["get", "bc", "bc", "-o", "jsonpath={.spec.healthCheck}"])).toBe('{"port":8081,"requestPath":"/healthz"}');

    expect((await raw("POST", "/api/v1/namespaces/default/pods/p1", "{}", { "Content-Type": "application/json" })).json).toMatchObject({ code: 405, reason: "MethodNotAllowed" });
  });

  it("rejects unknown fields with kubectl's strict validation, drops them with a warning otherwise", async () => {
    const typo = manifest(1, "nginx:1.27").replaceAll("name: web", "name: typo").replace("        ports:", "        imagePullPolcy: Always\n        ports:");
    const strict = await kubectl(["apply", "-f", "-"], typo);
    expect(strict.stderr).toContain('Error from server (BadRequest): error when creating "STDIN": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.template.spec.containers[0].imagePullPolcy"');
    const bc = JSON.stringify({ apiVersion: "cloud.google.com/v1", kind: "BackendConfig", metadata: { name: "typo" }, spec: { healtCheck: { port: 8081 } } });
    expect((await kubectl(["apply", "-f", "-"], bc)).stderr).toContain('strict decoding error: unknown field "spec.healtCheck"');
    const warn = await kubectl(["apply", "--validate=warn", "-f", "-"], bc);
    expect(warn.stderr).toBe('Warning: unknown field "spec.healtCheck"\n');
    expect(store.get(resources.backendconfigs, "default", "typo")?.spec).toEqual({}); // pruned, like a structural schema does
  });

  it("keeps status for the status subresource only", async () => {
    const pod = store.get(resources.pods, "default", "p2")!;
    const put = await raw("PUT", "/api/v1/namespaces/default/pods/p2/status", JSON.stringify({ ...pod, status: { phase: "Running", podIP: "10.8.0.5" } }), { "Content-Type": "application/json" });
    expect(put.status).toBe(200);
    expect((put.json.status as { phase: string }).phase).toBe("Running");
    const ignored = await raw("PUT", "/api/v1/namespaces/default/pods/p2", JSON.stringify({ ...(put.json as object), status: { phase: "Failed" } }), { "Content-Type": "application/json" });
    expect((ignored.json.status as { phase: string }).phase).toBe("Running");
    expect(await ok(["get", "pod", "p2", "-o", "wide", "--no-headers"])).toMatch(/^p2\s+0\/1\s+Running\s+0\s+\S+\s+10\.8\.0\.5\s/);
  });

  it("lets `kubectl rollout status` and `kubectl wait` follow status writes (the controllers' part is simulated here)", async () => {
    await ok(["apply", "-f", "-"], manifest(2, "nginx:1.27").replaceAll("name: web", "name: roll"));
    const rollout = kubectl(["rollout", "status", "deploy/roll", "--timeout=20s"]);
    const wait = kubectl(["wait", "--for=condition=Ready", "pod/p2", "--timeout=20s"]);
    // Give both a moment to reach their watch (they also pass from the initial list alone).
    await new Promise((r) => setTimeout(r, 300));
    // What the Deployment controller and the kubelet would write (their engineers own that logic).
    const d = store.get(resources.deployments, "default", "roll")!;
    await store.update(resources.deployments, { ...d, status: {
      observedGeneration: d.metadata.generation, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2,
      conditions: [{ type: "Available", status: "True" }, { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable" }],
    } }, { subresource: "status" });
    await store.patch(resources.pods, "default", "p2", "strategic", { status: { conditions: [{ type: "Ready", status: "True" }] } }, { subresource: "status" });
    const r = await rollout;
    expect(r.stdout).toContain('deployment "roll" successfully rolled out');
    expect(r.code).toBe(0);
    const w = await wait;
    expect(w.stdout).toBe("pod/p2 condition met\n");
  });

  it("answers `auth can-i` / `auth whoami` (the token is a cluster admin) and evicts pods", async () => {
    expect(await ok(["auth", "can-i", "delete", "deployments", "-n", "kube-system"])).toBe("yes\n");
    expect(await ok(["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"])).toBe("playground-admin");
    await ok(["create", "-f", "-"], podYaml("evictee", { app: "evict" }));
    const evicted = await raw("POST", "/api/v1/namespaces/default/pods/evictee/eviction",
      JSON.stringify({ apiVersion: "policy/v1", kind: "Eviction", metadata: { name: "evictee", namespace: "default" } }), { "Content-Type": "application/json" });
    expect(evicted.status).toBe(201);
    expect(store.get(resources.pods, "default", "evictee")).toBeUndefined();
  });

  it("serves pod logs through the podLogs hook", async () => {
    expect(await ok(["logs", "p2"])).toBe("hello from p2/app\n");
    const none = await kubectl(["logs", "p1"]);
    expect(none.code).not.toBe(0);
  });

  it("cascades a Deployment delete to its ReplicaSets and Pods", async () => {
    const d = store.get(resources.deployments, "default", "web")!;
    const owner = (o: { apiVersion: string; kind: string; metadata: { name: string; uid?: string } }) =>
      [{ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, uid: o.metadata.uid!, controller: true, blockOwnerDeletion: true }];
    const rs = await store.create(resources.replicasets, {
      apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "web-1", namespace: "default", ownerReferences: owner(d), labels: { app: "web" } },
      spec: { replicas: 1, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx:1" }] } } },
    });
    await store.create(resources.pods, { ...JSON.parse(podYaml("web-1-a", { app: "web" })), metadata: { name: "web-1-a", namespace: "default", labels: { app: "web" }, ownerReferences: owner(rs) } });
    expect(await ok(["delete", "deploy", "web"])).toBe('deployment.apps "web" deleted\n');
    await store.settled();
    expect(await ok(["get", "rs", "-o", "name"])).toBe("");
    expect(await ok(["get", "pods", "-o", "name"])).not.toContain("web-1-a");
  });
});

async function waitFor(condition: () => boolean, show: () => string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out; output so far:\n${show()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
