// Every way cluster access fails, through the real path: a KubeClient from a kubeconfig talking real
// HTTP(S) to loopback servers, real exec plugins (a missing one, and the real gke-gcloud-auth-plugin).
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeConfig } from "@kubernetes/client-node";
import { SwitchboardError } from "../contract/errors.ts";
import { KubeClient } from "./client.ts";
import { classifyNetworkError, classifyStatus, execPluginFailed } from "./errors.ts";
import { kubeconfigYaml } from "./loopback-apiserver.ts";
import { openSession } from "./session.ts";
import { SERVICES } from "./kinds.ts";

function kc(yaml: string): KubeConfig {
  const k = new KubeConfig();
  k.loadFromString(yaml);
  return k;
}

async function failure(p: Promise<unknown>): Promise<SwitchboardError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(SwitchboardError);
    return err as SwitchboardError;
  }
  throw new Error("expected the request to fail");
}

function listServices(client: KubeClient) {
  return client.request({ path: "/api/v1/namespaces/shop/services", ctx: { verb: "list", resource: "services", group: "", namespace: "shop" } });
}

const servers: Array<http.Server> = [];
async function listen(server: http.Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as net.AddressInfo).port;
}
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections?.();
    await new Promise((r) => s.close(r));
  }
});

function statusServer(code: number, body: object): http.Server {
  return http.createServer((_req, res) => {
    res.writeHead(code, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", code, ...body }));
  });
}

describe("exec credential plugins", () => {
  it("a plugin that is not installed → auth-plugin-missing with the kubeconfig's installHint", async () => {
    const port = await listen(http.createServer((_q, r) => r.end("{}")));
    const client = new KubeClient({
      kubeConfig: kc(
        kubeconfigYaml(`http://127.0.0.1:${port}`, {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "switchboard-no-such-auth-plugin",
            installHint: "Install switchboard-no-such-auth-plugin from your admin's wiki.",
          },
        }),
      ),
      context: "test",
    });
    const err = await failure(listServices(client));
    expect(err.code).toBe("auth-plugin-missing");
    expect(err.message).toContain("switchboard-no-such-auth-plugin");
    expect(err.hint).toContain("from your admin's wiki");
    client.close();
  });

  it("gke-gcloud-auth-plugin not on the login shell's PATH → the gcloud install command", async () => {
    const port = await listen(http.createServer((_q, r) => r.end("{}")));
    const client = new KubeClient({
      kubeConfig: kc(kubeconfigYaml(`http://127.0.0.1:${port}`, { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "gke-gcloud-auth-plugin", provideClusterInfo: true } })),
      context: "test",
      env: { PATH: "/nonexistent-switchboard-bin" },
    });
    const err = await failure(listServices(client));
    expect(err.code).toBe("auth-plugin-missing");
    expect(err.hint).toContain("gcloud components install gke-gcloud-auth-plugin");
    client.close();
  });

  const realPlugin = "/usr/bin/gke-gcloud-auth-plugin";
  it.skipIf(!existsSync(realPlugin))("the real gke-gcloud-auth-plugin without Google credentials → auth-failed, run `gcloud auth login`", async () => {
    let hits = 0;
    const port = await listen(http.createServer((_q, r) => (hits++, r.end("{}"))));
    // A fresh gcloud config folder: no account, whatever the machine has.
    const config = mkdtempSync(path.join(tmpdir(), "sb-gcloud-"));
    const client = new KubeClient({
      kubeConfig: kc(kubeconfigYaml(`http://127.0.0.1:${port}`, { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "gke-gcloud-auth-plugin", provideClusterInfo: true } })),
      context: "test",
      env: { ...process.env, CLOUDSDK_CONFIG: config },
    });
    const err = await failure(listServices(client));
    console.log("real gke-gcloud-auth-plugin said:", JSON.stringify(err.details?.stderr));
    expect(err.code).toBe("auth-failed");
    expect(err.message).toContain("gke-gcloud-auth-plugin");
    expect(err.hint).toContain("gcloud auth login");
    expect(String(err.details?.stderr)).toMatch(/gcloud/);
    expect(hits).toBe(0); // no request went out without credentials
    client.close();
    rmSync(config, { recursive: true, force: true });
  });

  it.skipIf(!existsSync(realPlugin))("the real plugin when gcloud itself is not on PATH → install the Google Cloud CLI", async () => {
    const port = await listen(http.createServer((_q, r) => r.end("{}")));
    const client = new KubeClient({
      kubeConfig: kc(kubeconfigYaml(`http://127.0.0.1:${port}`, { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: realPlugin } })),
      context: "test",
      env: { PATH: "/nonexistent-switchboard-bin", HOME: process.env.HOME },
    });
    const err = await failure(listServices(client));
    expect(err.code).toBe("auth-failed");
    expect(err.hint).toMatch(/Google Cloud CLI/);
    client.close();
  });

  it("a plugin that prints a token is used, and re-run after a 401", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sb-plugin-"));
    const counter = path.join(dir, "count");
    const plugin = path.join(dir, "plugin.sh");
    // Each run prints a new token (token-1, token-2, …).
    execFileSync("sh", ["-c", `cat > ${plugin} <<'EOF'
#!/bin/sh
n=$(cat ${counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${counter}
printf '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"token-%s"}}' "$n"
EOF
chmod +x ${plugin}`]);
    const seen: string[] = [];
    const port = await listen(
      http.createServer((req, res) => {
        seen.push(String(req.headers.authorization));
        if (req.headers.authorization === "Bearer token-1") {
          res.writeHead(401, { "Content-Type": "application/json" });
          return res.end(JSON.stringify({ kind: "Status", code: 401, message: "Unauthorized", reason: "Unauthorized" }));
        }
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ kind: "ServiceList", metadata: { resourceVersion: "1" }, items: [] }));
      }),
    );
    const client = new KubeClient({ kubeConfig: kc(kubeconfigYaml(`http://127.0.0.1:${port}`, { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: plugin } })), context: "test" });
    await listServices(client);
    expect(seen).toEqual(["Bearer token-1", "Bearer token-2"]);
    expect(readFileSync(counter, "utf8").trim()).toBe("2");
    client.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a session whose plugin fails: error phase with the hint; one plugin run for all kinds; reconnect runs it again", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sb-plugin-"));
    const counter = path.join(dir, "count");
    const plugin = path.join(dir, "failing.sh");
    execFileSync("sh", ["-c", `printf '#!/bin/sh\\necho run >> ${counter}\\necho "error: Reauthentication failed. cannot prompt during non-interactive execution." >&2\\nexit 1\\n' > ${plugin}; chmod +x ${plugin}`]);
    const port = await listen(http.createServer((_q, r) => r.end("{}")));
    const session = openSession({
      kubeConfig: kc(kubeconfigYaml(`http://127.0.0.1:${port}`, { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: plugin } })),
      context: "test",
    });
    const state = await new Promise<ReturnType<typeof session.connection>>((resolve) => session.onConnection((s) => s.phase === "error" && resolve(s)));
    expect(state.error?.code).toBe("auth-failed");
    expect(state.error?.hint).toContain("gcloud auth login");
    const runs = () => readFileSync(counter, "utf8").trim().split("\n").length;
    expect(runs()).toBe(1); // 11 kinds, one plugin run
    session.reconnect();
    await new Promise((r) => setTimeout(r, 200));
    expect(runs()).toBe(2);
    session.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("maps the plugin's stderr to hints (pure)", () => {
    const exec = { command: "gke-gcloud-auth-plugin" };
    const stderr = `F1124 21:23:30.414251    7533 cred.go:145] print credential failed with error: Failed to retrieve access token:: failure while executing gcloud, with args [config config-helper --format=json]: exit status 1 (err: ERROR: (gcloud.config.config-helper) You do not currently have an active account selected.\nPlease run:\n\n  $ gcloud auth login\n`;
    const err = execPluginFailed(exec, 1, stderr);
    expect(err.code).toBe("auth-failed");
    expect(err.message).toContain("print credential failed with error");
    expect(err.message).not.toContain("cred.go:145]");
    expect(err.hint).toContain("gcloud auth login");
    expect(execPluginFailed(exec, 1, "boom").hint).toContain("gke-gcloud-auth-plugin");
  });
});

describe("HTTP answers", () => {
  it("401 → auth-failed", async () => {
    const port = await listen(statusServer(401, { message: "Unauthorized", reason: "Unauthorized" }));
    const client = new KubeClient({ kubeConfig: kc(kubeconfigYaml(`http://127.0.0.1:${port}`)), context: "test" });
    const err = await failure(listServices(client));
    expect(err.code).toBe("auth-failed");
    expect(err.details?.status).toBe(401);
    client.close();
  });

  it("403 → forbidden, naming the verb, the resource and the namespace", async () => {
    const port = await listen(
      statusServer(403, {
        reason: "Forbidden",
        message: 'services is forbidden: User "jane@example.com" cannot list resource "services" in API group "" in the namespace "shop"',
        details: { kind: "services" },
      }),
    );
    const client = new KubeClient({ kubeConfig: kc(kubeconfigYaml(`http://127.0.0.1:${port}`)), context: "test" });
    const err = await failure(listServices(client));
    expect(err.code).toBe("forbidden");
    expect(err.message).toBe('User "jane@example.com" is not allowed to list services in namespace "shop".');
    expect(err.hint).toContain("kubectl auth can-i list services -n shop");
    expect(err.details).toMatchObject({ verb: "list", resource: "services", user: "jane@example.com" });
    client.close();
  });

  it("403 on a custom resource names its group; verb/resource come from the Status details when the request did not say", () => {
    const err = classifyStatus(403, {
      kind: "Status",
      message: 'backendconfigs.cloud.google.com "web" is forbidden: User "x" cannot patch resource "backendconfigs" in API group "cloud.google.com"',
      details: { name: "web", group: "cloud.google.com", kind: "backendconfigs" },
    }, { verb: "patch", namespace: "shop" });
    expect(err.message).toBe('User "x" is not allowed to patch backendconfigs.cloud.google.com in namespace "shop".');
  });

  it("404 on a collection → not-installed; on a named object → not-found", async () => {
    const port = await listen(http.createServer((_q, res) => (res.writeHead(404, { "Content-Type": "text/plain" }), res.end("404 page not found\n"))));
    const client = new KubeClient({ kubeConfig: kc(kubeconfigYaml(`http://127.0.0.1:${port}`)), context: "test" });
    const err = await failure(client.request({ path: "/apis/cloud.google.com/v1/namespaces/shop/backendconfigs", ctx: { verb: "list", resource: "backendconfigs", group: "cloud.google.com" } }));
    expect(err.code).toBe("not-installed");
    expect(err.message).toContain("backendconfigs.cloud.google.com");
    client.close();
    expect(classifyStatus(404, { kind: "Status", message: 'services "web" not found', details: { name: "web", kind: "services" } }, { verb: "get" }).code).toBe("not-found");
  });

  it("409 → conflict, 422 → invalid with the fields", () => {
    expect(classifyStatus(409, { kind: "Status", reason: "Conflict", message: "the object has been modified" }, { verb: "update", resource: "services" }).code).toBe("conflict");
    const invalid = classifyStatus(422, {
      kind: "Status",
      reason: "Invalid",
      message: 'Service "web" is invalid',
      details: { causes: [{ field: "spec.ports[0].port", message: "Invalid value: 0: must be between 1 and 65535" }] },
    }, { verb: "update", resource: "services" });
    expect(invalid.code).toBe("invalid-request");
    expect(invalid.message).toContain("spec.ports[0].port: Invalid value: 0");
  });
});

describe("unreachable", () => {
  it("connection refused", async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const client = new KubeClient({ kubeConfig: kc(kubeconfigYaml(`http://127.0.0.1:${port}`)), context: "test" });
    const err = await failure(listServices(client));
    expect(err.code).toBe("unreachable");
    expect(err.message).toContain("refused");
    client.close();
  });

  it("DNS failures and cut connections (pure: no lookups leave this machine)", () => {
    const dns = classifyNetworkError(Object.assign(new Error("getaddrinfo ENOTFOUND gke.example.invalid"), { code: "ENOTFOUND", hostname: "gke.example.invalid" }));
    expect(dns.code).toBe("unreachable");
    expect(dns.message).toContain('"gke.example.invalid" could not be resolved');
    expect(classifyNetworkError(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" })).message).toContain("was cut");
    // fetch wraps the socket error in `cause`
    expect(classifyNetworkError(new TypeError("fetch failed", { cause: Object.assign(new Error("x"), { code: "ECONNREFUSED" }) })).message).toContain("refused");
  });

  it("a server that accepts but never answers → times out within the configured deadline", async () => {
    const sockets: net.Socket[] = [];
    const hang = net.createServer((s) => void sockets.push(s)); // accepts, never answers
    await new Promise<void>((r) => hang.listen(0, "127.0.0.1", r));
    const port = (hang.address() as net.AddressInfo).port;
    const client = new KubeClient({ kubeConfig: kc(kubeconfigYaml(`http://127.0.0.1:${port}`)), context: "test", requestTimeoutMs: 300 });
    const started = Date.now();
    const err = await failure(listServices(client));
    console.log(`hang → timeout error after ${Date.now() - started} ms (deadline 300 ms)`);
    expect(err.code).toBe("unreachable");
    expect(err.details?.timeout).toBe(true);
    client.close();
    for (const s of sockets) s.destroy();
    await new Promise((r) => hang.close(r));
  });

  it("a session against a hung server reports error with the timeout, not an eternal 'connecting'", async () => {
    const sockets: net.Socket[] = [];
    const hang = net.createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => hang.listen(0, "127.0.0.1", r));
    const port = (hang.address() as net.AddressInfo).port;
    const session = openSession({ kubeConfig: kc(kubeconfigYaml(`http://127.0.0.1:${port}`)), context: "test", kinds: [SERVICES], requestTimeoutMs: 300 });
    const state = await new Promise<ReturnType<typeof session.connection>>((resolve) => session.onConnection((s) => s.phase === "error" && resolve(s)));
    expect(state.error?.code).toBe("unreachable");
    expect(state.namespace).toBe("shop");
    session.close();
    for (const s of sockets) s.destroy();
    await new Promise((r) => hang.close(r));
  });
});

describe("TLS", () => {
  let dir = "";
  let selfSigned: { cert: string; key: string };
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "sb-tls-"));
    const gen = (name: string, san: string) => {
      execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", `${dir}/${name}.key`, "-out", `${dir}/${name}.crt`, "-days", "1", "-subj", `/CN=${name}`, "-addext", `subjectAltName=${san}`], { stdio: "ignore" });
      return { cert: readFileSync(`${dir}/${name}.crt`, "utf8"), key: readFileSync(`${dir}/${name}.key`, "utf8") };
    };
    selfSigned = gen("kube-apiserver", "DNS:kubernetes.default.svc");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function httpsServer(): Promise<number> {
    return listen(https.createServer({ ...selfSigned }, (_q, r) => r.end("{}")) as unknown as http.Server);
  }

  it("a certificate the kubeconfig does not trust → tls", async () => {
    const port = await httpsServer();
    const client = new KubeClient({ kubeConfig: kc(kubeconfigYaml(`https://127.0.0.1:${port}`)), context: "test" });
    const err = await failure(listServices(client));
    expect(err.code).toBe("tls");
    expect(err.message).toContain("not trusted");
    client.close();
  });

  it("a trusted certificate for another name → tls, hostname mismatch", async () => {
    const port = await httpsServer();
    const caData = Buffer.from(selfSigned.cert).toString("base64");
    const client = new KubeClient({ kubeConfig: kc(kubeconfigYaml(`https://127.0.0.1:${port}`, { token: "t" }, { "certificate-authority-data": caData })), context: "test" });
    const err = await failure(listServices(client));
    expect(err.code).toBe("tls");
    expect(err.details?.cause).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
    client.close();
    // …and with tls-server-name set to the certificate's name, the same server is accepted.
    const ok = new KubeClient({
      kubeConfig: kc(kubeconfigYaml(`https://127.0.0.1:${port}`, { token: "t" }, { "certificate-authority-data": caData, "tls-server-name": "kubernetes.default.svc" })),
      context: "test",
    });
    await expect(listServices(ok)).resolves.toEqual({});
    ok.close();
  });
});
