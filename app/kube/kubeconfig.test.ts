import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { clientConfigFor, kubeconfigPaths, loadKubeconfig, toContextsView, watchKubeconfig } from "./kubeconfig.ts";
import { SwitchboardError } from "../contract/errors.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "sb-kubeconfig-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, text);
  return p;
}

const first = `
apiVersion: v1
kind: Config
current-context: gke_shop-prod_europe-west1_main
clusters:
- name: gke_shop-prod_europe-west1_main
  cluster:
    server: https://34.1.2.3
    certificate-authority: certs/ca.crt
- name: shared
  cluster: {server: https://first.example}
contexts:
- name: gke_shop-prod_europe-west1_main
  context: {cluster: gke_shop-prod_europe-west1_main, user: gke-user, namespace: shop}
- name: shared
  context: {cluster: shared, user: token-user}
users:
- name: gke-user
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: gke-gcloud-auth-plugin
      provideClusterInfo: true
- name: token-user
  user: {token: abc}
`;

const second = `
current-context: local
clusters:
- name: shared
  cluster: {server: https://second.example}
- name: local
  cluster: {server: http://127.0.0.1:6443}
contexts:
- name: shared
  context: {cluster: local, user: cert-user}
- name: local
  context: {cluster: local, user: cert-user}
- name: renamed-gke
  context: {cluster: local, user: plugin-user}
users:
- name: token-user
  user: {token: overridden}
- name: cert-user
  user: {client-certificate: ./pki/me.crt, client-key: /abs/me.key}
- name: plugin-user
  user:
    exec: {command: ./bin/gke-gcloud-auth-plugin}
`;

describe("kubeconfigPaths", () => {
  it("splits KUBECONFIG with the platform separator, dropping empty entries and duplicates", () => {
    expect(kubeconfigPaths({ KUBECONFIG: "/a::/b:/a" }, "linux")).toEqual({ paths: ["/a", "/b"], origin: "KUBECONFIG" });
    expect(kubeconfigPaths({ KUBECONFIG: "C:\\a;C:\\b" }, "win32").paths).toEqual(["C:\\a", "C:\\b"]);
  });

  it("falls back to ~/.kube/config when KUBECONFIG is unset or empty", () => {
    expect(kubeconfigPaths({ HOME: "/home/me" }, "linux")).toEqual({ paths: [path.join("/home/me", ".kube", "config")], origin: "default" });
    expect(kubeconfigPaths({ HOME: "/home/me", KUBECONFIG: "" }, "linux").origin).toBe("default");
  });
});

describe("loadKubeconfig", () => {
  it("merges several files: the first definition of a name wins, current-context from the first file that sets it", () => {
    const a = file("a/config", first);
    const b = file("b/config", second);
    const merged = loadKubeconfig([path.join(dir, "missing"), a, b]);
    const view = toContextsView(merged);

    expect(view.files).toEqual([a, b]);
    expect(view.problems).toEqual([]);
    expect(view.currentContext).toBe("gke_shop-prod_europe-west1_main");
    expect(view.contexts.map((c) => c.name)).toEqual(["gke_shop-prod_europe-west1_main", "shared", "local", "renamed-gke"]);

    const shared = view.contexts.find((c) => c.name === "shared")!;
    // context, cluster and user all come from the first file, never mixed with the second's.
    expect(shared).toMatchObject({ cluster: "shared", user: "token-user", server: "https://first.example", authKind: "token", source: a });
    expect(merged.users.get("token-user")!.body.token).toBe("abc");

    const gke = view.contexts[0]!;
    expect(gke).toMatchObject({
      namespace: "shop",
      authKind: "exec",
      execCommand: "gke-gcloud-auth-plugin",
      gke: { project: "shop-prod", location: "europe-west1", cluster: "main" },
    });
    // relative paths are relative to the file that holds them
    expect(merged.clusters.get("gke_shop-prod_europe-west1_main")!.body["certificate-authority"]).toBe(path.join(dir, "a", "certs", "ca.crt"));
    expect(merged.users.get("cert-user")!.body["client-certificate"]).toBe(path.join(dir, "b", "pki", "me.crt"));
    expect(merged.users.get("cert-user")!.body["client-key"]).toBe("/abs/me.key");

    const local = view.contexts.find((c) => c.name === "local")!;
    expect(local).toMatchObject({ authKind: "client-certificate", server: "http://127.0.0.1:6443", gke: null, source: b, namespace: null });
    // GKE recognised by its plugin even when renamed; project and location unknown then.
    const renamed = view.contexts.find((c) => c.name === "renamed-gke")!;
    expect(renamed.execCommand).toBe(path.join(dir, "b", "bin", "gke-gcloud-auth-plugin"));
    expect(renamed.gke).toEqual({ project: null, location: null, cluster: "local" });
  });

  it("takes current-context from a later file when the earlier ones leave it empty", () => {
    const a = file("a", `current-context: ""\ncontexts: []\n`);
    const b = file("b", `current-context: second\n`);
    expect(loadKubeconfig([a, b]).currentContext).toBe("second");
  });

  it("reports malformed and unreadable files as problems and keeps the others", () => {
    const broken = file("broken", "clusters:\n  - name: x\n   cluster: {server: [\n");
    const wrongShape = file("wrong", "contexts: {a: 1}\n");
    const duplicate = file("dup", "users:\n- name: u\n  user: {}\n- name: u\n  user: {}\n");
    const good = file("good", second);
    const folder = path.join(dir, "folder");
    mkdirSync(folder);
    const merged = loadKubeconfig([broken, wrongShape, duplicate, folder, good]);
    const view = toContextsView(merged);

    expect(view.contexts.map((c) => c.name)).toEqual(["shared", "local", "renamed-gke"]);
    expect(view.currentContext).toBe("local");
    expect(view.problems.map((p) => [p.code, p.details?.file])).toEqual([
      ["kubeconfig-invalid", broken],
      ["kubeconfig-invalid", wrongShape],
      ["kubeconfig-invalid", duplicate],
      ["kubeconfig-invalid", folder],
    ]);
    expect(view.problems[0]!.message).toContain("not valid YAML");
    expect(view.problems[1]!.message).toContain(`"contexts" must be a list`);
    expect(view.problems[2]!.message).toContain(`"u" is defined twice`);
    for (const problem of view.problems) expect(problem.hint).toBeTruthy();
  });

  it.skipIf(process.getuid?.() === 0)("reports a file it may not read", () => {
    const secret = file("secret", second);
    chmodSync(secret, 0o000);
    const view = toContextsView(loadKubeconfig([secret]));
    expect(view.problems[0]).toMatchObject({ code: "kubeconfig-invalid", details: { file: secret } });
    expect(view.problems[0]!.message).toContain("permission denied");
  });

  it("says how to create a kubeconfig when none exists", () => {
    const paths = [path.join(dir, "nope")];
    const view = toContextsView(loadKubeconfig(paths), { paths, origin: "default" });
    expect(view.contexts).toEqual([]);
    expect(view.problems).toHaveLength(1);
    expect(view.problems[0]).toMatchObject({ code: "kubeconfig-missing" });
    expect(view.problems[0]!.hint).toContain("get-credentials");
  });

  // The same files through the real kubectl: our merge must agree with it.
  const kubectl = (() => {
    try {
      execFileSync("kubectl", ["version", "--client"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })();
  it.skipIf(!kubectl)("agrees with `kubectl config view` on the merged result", () => {
    const a = file("a/config", first);
    const b = file("b/config", second);
    const KUBECONFIG = [path.join(dir, "missing"), a, b].join(path.delimiter);
    const out = JSON.parse(
      execFileSync("kubectl", ["config", "view", "-o", "json"], { env: { ...process.env, KUBECONFIG }, encoding: "utf8" }),
    ) as { "current-context": string; contexts: Array<{ name: string; context: { cluster: string; user: string } }>; clusters: Array<{ name: string; cluster: { server: string } }> };
    const merged = loadKubeconfig(kubeconfigPaths({ KUBECONFIG }).paths);

    expect(merged.currentContext).toBe(out["current-context"]);
    expect([...merged.contexts.keys()].sort()).toEqual(out.contexts.map((c) => c.name).sort());
    for (const c of out.contexts) {
      expect(merged.contexts.get(c.name)!.body).toMatchObject({ cluster: c.context.cluster, user: c.context.user });
    }
    for (const c of out.clusters) expect(merged.clusters.get(c.name)!.body.server).toBe(c.cluster.server);
  });
});

describe("clientConfigFor", () => {
  it("builds a client-node config holding only the chosen context, as merged", () => {
    const a = file("a", first);
    const b = file("b", second);
    const kc = clientConfigFor(loadKubeconfig([a, b]), "shared");
    expect(kc.getContexts().map((c) => c.name)).toEqual(["shared"]);
    expect(kc.getCurrentCluster()?.server).toBe("https://first.example");
    expect(kc.getCurrentUser()?.token).toBe("abc");
  });

  it("refuses an unknown context and a context whose cluster is missing, with structured errors", () => {
    const a = file("a", "contexts:\n- name: dangling\n  context: {cluster: gone, user: u}\n");
    const merged = loadKubeconfig([a]);
    expect(() => clientConfigFor(merged, "other")).toThrowError(expect.objectContaining({ code: "context-not-found" }) as Error);
    try {
      clientConfigFor(merged, "dangling");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SwitchboardError);
      expect((error as SwitchboardError).code).toBe("kubeconfig-invalid");
      expect((error as SwitchboardError).message).toContain(`"gone"`);
    }
  });
});

describe("watchKubeconfig", () => {
  it("notices a file being created and replaced", async () => {
    const target = path.join(dir, "config");
    let changes = 0;
    const stop = watchKubeconfig([target], () => changes++, 20);
    try {
      writeFileSync(target, first);
      await waitFor(() => changes > 0);
      const before = changes;
      writeFileSync(`${target}.tmp`, second);
      // kubectl and editors replace the file by renaming a temporary one over it
      const { renameSync } = await import("node:fs");
      renameSync(`${target}.tmp`, target);
      await waitFor(() => changes > before);
    } finally {
      stop();
    }
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
