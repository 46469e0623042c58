// The kubectl verbs the playground's tests rely on, run with the REAL kubectl against the REAL
// kube-apiserver and against the playground's API server: the same command must end the same way
// (exit code, resulting object, and the message a user reads where it matters).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubeconfigFor, startApiServer, type ApiServer } from "../playground/apiserver/server.ts";
import { Store } from "../playground/apiserver/store.ts";
import { etcdCompact } from "./cluster.ts";
import { KUBECTL, kubectl, realCluster, until } from "./env.ts";

const NS = "kubectl";
const hasKubectl = existsSync(KUBECTL) || process.env.PATH?.split(":").some((d) => existsSync(join(d, KUBECTL)));

const deployment = (image: string, extra = "") => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${NS}
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: app
          image: ${image}
          ports: [{name: http, containerPort: 8080}]
        - name: sidecar
          image: switchboard/health-sidecar:1.0.0
${extra}---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: ${NS}
spec:
  selector: {app: web}
  ports: [{name: http, port: 8080, targetPort: http}]
`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- kubectl's JSON documents, read by path in assertions
type Doc = Record<string, any>;

interface Side {
  name: "real" | "playground";
  kubeconfig: string;
  k(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }>;
}

let dir: string;
let pgServer: ApiServer;
let pgStore: Store;
let sides: Side[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sb-conformance-kubectl-"));
  pgStore = new Store({ gracefulPodDeletion: true });
  pgServer = await startApiServer({ store: pgStore, token: "pg-token" });
  const pgKubeconfig = join(dir, "playground");
  writeFileSync(pgKubeconfig, kubeconfigFor(pgServer, "pg-token", NS));
  const real = realCluster();
  sides = [
    { name: "real", kubeconfig: real.kubeconfig, k: (a, i) => kubectl(real.kubeconfig, ["-n", NS, ...a], i) },
    { name: "playground", kubeconfig: pgKubeconfig, k: (a, i) => kubectl(pgKubeconfig, ["-n", NS, ...a], i) },
  ];
  for (const s of sides) {
    const r = await s.k(["create", "namespace", NS]);
    expect(r.code, `${s.name}: ${r.stderr}`).toBe(0);
  }
});

afterAll(async () => {
  await pgServer?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function onBoth<T>(fn: (s: Side) => Promise<T>): Promise<{ real: T; playground: T }> {
  const [r, p] = await Promise.all(sides.map(fn));
  return { real: r!, playground: p! };
}

async function json(s: Side, what: string): Promise<Doc> {
  const r = await s.k(["get", what, "-o", "json"]);
  expect(r.code, `${s.name}: ${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout);
}

describe.skipIf(!hasKubectl)("kubectl against the real kube-apiserver and the playground", () => {
  it("apply: created, then unchanged, then configured", async () => {
    const first = await onBoth((s) => s.k(["apply", "-f", "-"], deployment("switchboard/demo-app:1.4.0")));
    expect(first.real).toMatchObject({ code: 0, stdout: "deployment.apps/web created\nservice/web created\n" });
    expect(first.playground.stdout).toBe(first.real.stdout);
    const again = await onBoth((s) => s.k(["apply", "-f", "-"], deployment("switchboard/demo-app:1.4.0")));
    expect(again.real.stdout).toBe("deployment.apps/web unchanged\nservice/web unchanged\n");
    expect(again.playground.stdout).toBe(again.real.stdout);
    const changed = await onBoth((s) => s.k(["apply", "-f", "-"], deployment("switchboard/demo-app:1.5.0")));
    expect(changed.real.stdout).toBe("deployment.apps/web configured\nservice/web unchanged\n");
    expect(changed.playground.stdout).toBe(changed.real.stdout);
    const objs = await onBoth((s) => json(s, "deployment/web"));
    expect(objs.real.spec.template.spec.containers[0].image).toBe("switchboard/demo-app:1.5.0");
    expect(objs.playground.spec.template.spec.containers[0].image).toBe("switchboard/demo-app:1.5.0");
    // The defaults the real server fills in are what the app reads back.
    const pick = (d: Doc) => ({ strategy: d.spec.strategy, revisionHistoryLimit: d.spec.revisionHistoryLimit, progressDeadlineSeconds: d.spec.progressDeadlineSeconds,
      container: { imagePullPolicy: d.spec.template.spec.containers[0].imagePullPolicy, terminationMessagePath: d.spec.template.spec.containers[0].terminationMessagePath, protocol: d.spec.template.spec.containers[0].ports[0].protocol },
      pod: { restartPolicy: d.spec.template.spec.restartPolicy, dnsPolicy: d.spec.template.spec.dnsPolicy, schedulerName: d.spec.template.spec.schedulerName, terminationGracePeriodSeconds: d.spec.template.spec.terminationGracePeriodSeconds } });
    expect(pick(objs.playground)).toEqual(pick(objs.real));
  });

  it("patch --type=json with a failing test: exit 1, nothing changed, the same message", async () => {
    const r = await onBoth((s) => s.k(["patch", "deployment", "web", "--type=json", "-p",
      '[{"op":"test","path":"/spec/replicas","value":5},{"op":"replace","path":"/spec/replicas","value":3}]']));
    expect(r.real.code).toBe(1);
    // The real server does not say that a `test` failed (conformance/README.md, difference 2).
    expect(r.real.stderr.trim()).toBe("The request is invalid: the server rejected our request due to an error in our request");
    expect(r.playground.code).toBe(1);
    // The playground now answers exactly like the real server (difference 2, fixed).
    expect(r.playground.stderr.trim()).toBe(r.real.stderr.trim());
    const objs = await onBoth((s) => json(s, "deployment/web"));
    expect([objs.real.spec.replicas, objs.playground.spec.replicas]).toEqual([2, 2]);
    // And a passing test applies.
    const ok = await onBoth((s) => s.k(["patch", "deployment", "web", "--type=json", "-p",
      '[{"op":"test","path":"/spec/replicas","value":2},{"op":"replace","path":"/spec/replicas","value":3}]']));
    expect([ok.real.code, ok.playground.code]).toEqual([0, 0]);
    expect(ok.playground.stdout).toBe(ok.real.stdout);
  });

  it("patch --type=merge replaces the containers list; --type=strategic merges it by name", async () => {
    const strategic = await onBoth((s) => s.k(["patch", "deployment", "web", "--type=strategic", "-p",
      '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","env":[{"name":"HEALTH_PATH","value":"/ready"}]}]}}}}']));
    expect([strategic.real.code, strategic.playground.code], strategic.playground.stderr).toEqual([0, 0]);
    const a = await onBoth((s) => json(s, "deployment/web"));
    const names = (d: Doc) => d.spec.template.spec.containers.map((c: { name: string; env?: unknown }) => [c.name, c.env ?? null]);
    expect(names(a.real)).toEqual([["app", null], ["sidecar", [{ name: "HEALTH_PATH", value: "/ready" }]]]);
    expect(names(a.playground)).toEqual(names(a.real));

    const merge = await onBoth((s) => s.k(["patch", "deployment", "web", "--type=merge", "-p",
      '{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"switchboard/demo-app:1.6.0"}]}}}}']));
    expect([merge.real.code, merge.playground.code]).toEqual([0, 0]);
    const b = await onBoth((s) => json(s, "deployment/web"));
    expect(b.real.spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual(["app"]);
    expect(b.playground.spec.template.spec.containers).toEqual(b.real.spec.template.spec.containers);
  });

  it("label and annotate: set, refuse to overwrite without --overwrite, remove", async () => {
    const set = await onBoth((s) => s.k(["label", "service", "web", "team=payments"]));
    expect(set.real).toMatchObject({ code: 0, stdout: "service/web labeled\n" });
    expect(set.playground.stdout).toBe(set.real.stdout);
    const clash = await onBoth((s) => s.k(["label", "service", "web", "team=search"]));
    expect(clash.real.code).toBe(1);
    expect(clash.real.stderr).toContain("'team' already has a value (payments), and --overwrite is false");
    expect(clash.playground.code).toBe(1);
    expect(clash.playground.stderr).toBe(clash.real.stderr);
    const ann = await onBoth((s) => s.k(["annotate", "service", "web", 'cloud.google.com/neg={"ingress": true}']));
    expect(ann.real).toMatchObject({ code: 0, stdout: "service/web annotated\n" });
    expect(ann.playground.stdout).toBe(ann.real.stdout);
    const rm = await onBoth((s) => s.k(["label", "service", "web", "team-"]));
    expect(rm.real.stdout).toBe("service/web unlabeled\n");
    expect(rm.playground.stdout).toBe(rm.real.stdout);
    const objs = await onBoth((s) => json(s, "service/web"));
    for (const o of [objs.real, objs.playground]) {
      expect(o.metadata.labels ?? {}).toEqual({});
      expect(o.metadata.annotations["cloud.google.com/neg"]).toBe('{"ingress": true}');
    }
  });

  it("get -w --output-watch-events: the initial state, then each change, as they happen", async () => {
    const watchers = sides.map((s) => {
      const child = spawn(KUBECTL, ["--kubeconfig", s.kubeconfig, "-n", NS, "get", "configmaps", "-w", "--output-watch-events", "-o", "custom-columns=EVENT:.type,NAME:.object.metadata.name,A:.object.data.a", "--no-headers"]);
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      return { side: s, child, out: () => out };
    });
    try {
      for (const s of sides) await s.k(["create", "configmap", "watched", "--from-literal=a=1"]);
      await until("ADDED seen on both", () => watchers.every((w) => /ADDED\s+watched\s+1/.test(w.out())), 15_000);
      for (const s of sides) await s.k(["patch", "configmap", "watched", "--type=merge", "-p", '{"data":{"a":"2"}}']);
      await until("MODIFIED seen on both", () => watchers.every((w) => /MODIFIED\s+watched\s+2/.test(w.out())), 15_000);
      for (const s of sides) await s.k(["delete", "configmap", "watched"]);
      await until("DELETED seen on both", () => watchers.every((w) => /DELETED\s+watched/.test(w.out())), 15_000);
      const lines = (s: string) => s.trim().split("\n").filter((l) => /watched/.test(l)).map((l) => l.trim().split(/\s+/).slice(0, 2).join(" "));
      expect(lines(watchers[1]!.out())).toEqual(lines(watchers[0]!.out()));
    } finally {
      for (const w of watchers) w.child.kill();
    }
  });

  it("delete of a pod on a node (graceful: README difference 5, fixed) and get of a missing one print the same", async () => {
    await onBoth((s) => s.k(["create", "serviceaccount", "default"]));
    const pod = JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "graceful" }, spec: { nodeName: "node-1", containers: [{ name: "c", image: "switchboard/demo-app:1.4.0" }] } });
    const created = await onBoth((s) => s.k(["create", "-f", "-"], pod));
    expect([created.real.code, created.playground.code], `${created.real.stderr}\n${created.playground.stderr}`).toEqual([0, 0]);
    // No kubelet on either side here: the pod stays Terminating; kubectl must not wait for it.
    const deleted = await onBoth((s) => s.k(["delete", "pod", "graceful", "--wait=false"]));
    expect(deleted.real).toMatchObject({ code: 0, stdout: 'pod "graceful" deleted\n' });
    expect(deleted.playground.stdout).toBe(deleted.real.stdout);
    const terminating = await onBoth((s) => json(s, "pod/graceful"));
    expect([terminating.real.metadata.deletionGracePeriodSeconds, terminating.playground.metadata.deletionGracePeriodSeconds]).toEqual([30, 30]);
    const missing = await onBoth((s) => s.k(["get", "configmap", "nope"]));
    expect(missing.real).toMatchObject({ code: 1, stderr: 'Error from server (NotFound): configmaps "nope" not found\n' });
    expect(missing.playground.stderr).toBe(missing.real.stderr);
  });

  it("a watch from a compacted resourceVersion: kubectl get --raw shows the ERROR 410 event on the real server", async () => {
    const real = sides[0]!;
    const created = JSON.parse((await real.k(["create", "configmap", "old", "--from-literal=a=1", "-o", "json"])).stdout);
    await real.k(["create", "configmap", "newer", "--from-literal=a=1"]);
    await etcdCompact(realCluster().etcdUrl);
    const r = await real.k(["get", "--raw", `/api/v1/namespaces/${NS}/configmaps?watch=1&resourceVersion=${created.metadata.resourceVersion}&timeoutSeconds=1`]);
    expect(r.code, r.stderr).toBe(0);
    const event = JSON.parse(r.stdout.trim().split("\n")[0]!);
    expect(event).toMatchObject({ type: "ERROR", object: { kind: "Status", code: 410, reason: "Expired" } });
    expect(event.object.message).toMatch(/^The resourceVersion for the provided watch is too old\.$/);
    // A plain list at that exact version is a 410 too.
    const list = await real.k(["get", "--raw", `/api/v1/namespaces/${NS}/configmaps?resourceVersion=${created.metadata.resourceVersion}&resourceVersionMatch=Exact`]);
    expect(list.code).toBe(1);
    expect(list.stderr).toMatch(/410|Gone|Expired|too old/i);
  });
});
