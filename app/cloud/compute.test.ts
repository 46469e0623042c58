// The Compute API client and the NEG health poller against the playground's Compute API emulation
// (real HTTP, real REST paths), plus Application Default Credentials minted through a loopback token
// endpoint (a real RS256 JWT, verified by the test's token server).
import { createVerify, generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Gce } from "../../playground/gke/gce.ts";
import { ComputeApi } from "../../playground/gke/compute-api.ts";
import { adcTokenSource, findAdc, staticToken } from "./adc.ts";
import { ComputeClient, negSelfLink } from "./compute.ts";
import { NegHealthPoller, negTargetsOf, podOfEndpoint } from "./neg-health.ts";
import type { KubeObject } from "../kube/cache.ts";

const PROJECT = "demo-project";
const ZONE = "us-central1-a";
const NEG = "k8s1-74b928a2-shop-web-80-a3c1e454";

let gce: Gce;
let api: ComputeApi;
let url = "";

beforeAll(async () => {
  gce = new Gce(PROJECT);
  gce.ensureNeg(ZONE, NEG, "shop/web:80");
  const endpoints = Array.from({ length: 7 }, (_, i) => ({ ipAddress: `10.8.0.${i + 1}`, port: 8080, instance: `gke-node-${i % 2}`, pod: `shop/web-${i}` }));
  gce.attach(ZONE, NEG, endpoints);
  gce.upsertHealthCheck(NEG, {
    type: "HTTP",
    checkIntervalSec: 15,
    timeoutSec: 15,
    healthyThreshold: 1,
    unhealthyThreshold: 2,
    portSpecification: "USE_SERVING_PORT",
    requestPath: "/",
    description: "",
  } as never);
  gce.upsertBackendService(NEG, NEG, [`${ZONE}/${NEG}`], "Ingress shop/web");
  gce.setHealth(NEG, `${ZONE}/${NEG}`, "10.8.0.1:8080", "HEALTHY");
  gce.setHealth(NEG, `${ZONE}/${NEG}`, "10.8.0.2:8080", "UNHEALTHY");
  api = new ComputeApi(gce, { token: "emulation-token" });
  url = await api.start();
});
afterAll(async () => {
  await api.stop();
});

describe("ComputeClient", () => {
  it("listNetworkEndpoints with healthStatus SHOW, across pages", async () => {
    const client = new ComputeClient({ baseUrl: url, tokens: staticToken("emulation-token"), pageSize: 3 });
    const eps = await client.listNetworkEndpoints(PROJECT, ZONE, NEG);
    expect(eps).toHaveLength(7); // 3 + 3 + 1
    const first = eps.find((e) => e.ipAddress === "10.8.0.1")!;
    expect(first.port).toBe(8080);
    expect(first.healths).toHaveLength(1);
    expect(first.healths[0]!.healthState).toBe("HEALTHY");
    expect(first.healths[0]!.backendService).toMatch(/\/global\/backendServices\/k8s1-/);
    expect(eps.find((e) => e.ipAddress === "10.8.0.2")!.healths[0]!.healthState).toBe("UNHEALTHY");
    expect(eps.find((e) => e.ipAddress === "10.8.0.3")!.healths[0]!.healthState).toBe("UNKNOWN");
  });

  it("getHealth for one backend service", async () => {
    const client = new ComputeClient({ baseUrl: url, tokens: staticToken("emulation-token") });
    const health = await client.getHealth(PROJECT, NEG, negSelfLink(PROJECT, ZONE, NEG));
    expect(health.find((h) => h.ipAddress === "10.8.0.2")?.healthState).toBe("UNHEALTHY");
  });

  it("a wrong token → auth-failed; a missing NEG → not-found; nothing listening → unreachable", async () => {
    const bad = new ComputeClient({ baseUrl: url, tokens: staticToken("wrong") });
    await expect(bad.listNetworkEndpoints(PROJECT, ZONE, NEG)).rejects.toMatchObject({ code: "auth-failed" });
    const good = new ComputeClient({ baseUrl: url, tokens: staticToken("emulation-token") });
    await expect(good.listNetworkEndpoints(PROJECT, ZONE, "k8s1-nope")).rejects.toMatchObject({ code: "not-found" });
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const gone = new ComputeClient({ baseUrl: `http://127.0.0.1:${port}`, tokens: staticToken("x") });
    await expect(gone.listNetworkEndpoints(PROJECT, ZONE, NEG)).rejects.toMatchObject({ code: "unreachable" });
  });
});

describe("NEG targets and pods", () => {
  const service: KubeObject = {
    metadata: {
      name: "web",
      namespace: "shop",
      annotations: { "cloud.google.com/neg-status": JSON.stringify({ network_endpoint_groups: { "80": NEG }, zones: [ZONE, "us-central1-b"] }) },
    },
    spec: { ports: [{ port: 80, targetPort: "http" }] },
  };
  const pod = (name: string, ip: string, port: number) => ({
    metadata: { name, namespace: "shop" },
    spec: { containers: [{ ports: [{ name: "http", containerPort: port }] }] },
    status: { podIP: ip },
  });

  it("reads neg-status into one target per port and zone", () => {
    expect(negTargetsOf(service)).toEqual([
      { namespace: "shop", service: "web", servicePort: 80, neg: NEG, zone: ZONE },
      { namespace: "shop", service: "web", servicePort: 80, neg: NEG, zone: "us-central1-b" },
    ]);
    expect(negTargetsOf({ metadata: { name: "x", annotations: { "cloud.google.com/neg-status": "{broken" } } })).toEqual([]);
  });

  it("maps an endpoint to a pod by podIP and the (named) target container port", () => {
    const pods = [pod("web-a", "10.8.0.1", 8080), pod("web-b", "10.8.0.2", 9090)];
    expect(podOfEndpoint({ ipAddress: "10.8.0.1", port: 8080 }, service, 80, pods)).toBe("web-a");
    expect(podOfEndpoint({ ipAddress: "10.8.0.2", port: 8080 }, service, 80, pods)).toBeNull(); // same IP, other port
    expect(podOfEndpoint({ ipAddress: "10.8.0.9", port: 8080 }, service, 80, pods)).toBeNull();
  });
});

describe("NegHealthPoller", () => {
  it("polls the emulation and reports changes per NEG", async () => {
    const poller = new NegHealthPoller({ project: PROJECT, baseUrl: url, token: "emulation-token", intervalMs: 60_000 });
    expect(poller.source()).toEqual({ kind: "compute-api", describe: "a fixed access token" });
    const updates: string[][] = [];
    poller.onUpdate((keys) => updates.push(keys));
    poller.setTargets([{ namespace: "shop", service: "web", servicePort: 80, neg: NEG, zone: ZONE }]);
    expect(await poller.pollDue()).toEqual([`${ZONE}/${NEG}`]);
    const result = poller.get(ZONE, NEG)!;
    expect(result.error).toBeNull();
    expect(result.endpoints).toHaveLength(7);
    // Nothing due again within the interval; refresh() polls now, and only real changes notify.
    expect(await poller.pollDue()).toEqual([]);
    poller.refresh();
    expect(await poller.pollDue()).toEqual([]);
    gce.setHealth(NEG, `${ZONE}/${NEG}`, "10.8.0.3:8080", "UNHEALTHY");
    poller.refresh();
    expect(await poller.pollDue()).toEqual([`${ZONE}/${NEG}`]);
    expect(poller.get(ZONE, NEG)!.endpoints!.find((e) => e.ipAddress === "10.8.0.3")!.healths[0]!.healthState).toBe("UNHEALTHY");
    expect(updates.length).toBeGreaterThanOrEqual(2);
    poller.stop();
  });

  it("a NEG that is gone keeps its error per NEG; a refused token pauses polling and says so", async () => {
    const poller = new NegHealthPoller({ project: PROJECT, baseUrl: url, token: "emulation-token", intervalMs: 60_000 });
    poller.setTargets([{ namespace: "shop", service: "old", servicePort: 80, neg: "k8s1-gone", zone: ZONE }]);
    await poller.pollDue();
    expect(poller.get(ZONE, "k8s1-gone")!.error?.code).toBe("not-found");
    poller.stop();

    const refused = new NegHealthPoller({ project: PROJECT, baseUrl: url, token: "revoked", intervalMs: 60_000 });
    refused.setTargets([{ namespace: "shop", service: "web", servicePort: 80, neg: NEG, zone: ZONE }]);
    await refused.pollDue();
    expect(refused.source()).toMatchObject({ kind: "kubernetes", reason: { code: "auth-failed" } });
    refused.stop();
  });

  it("without Google credentials: Kubernetes signals only, said plainly, at once (no metadata server)", () => {
    const home = mkdtempSync(path.join(tmpdir(), "sb-home-"));
    const started = Date.now();
    const poller = new NegHealthPoller({ project: PROJECT, env: { HOME: home } });
    const source = poller.source();
    console.log(`no-credentials decision took ${Date.now() - started} ms`);
    expect(source.kind).toBe("kubernetes");
    if (source.kind !== "kubernetes") throw new Error("unreachable");
    expect(source.reason.message).toMatch(/^No Google Cloud credentials: showing the Kubernetes-side signals \(readiness gate, Ingress backends annotation, events\), which are weaker because/);
    expect(source.reason.hint).toContain("gcloud auth application-default login");
    poller.setTargets([{ namespace: "shop", service: "web", servicePort: 80, neg: NEG, zone: ZONE }]);
    expect(poller.get(ZONE, NEG)!.endpoints).toBeNull();
    poller.stop();
    rmSync(home, { recursive: true, force: true });
  });
});

describe("Application Default Credentials", () => {
  it("a service account key: RS256 JWT → token endpoint (token_uri) → Compute API, same code path", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    let assertion = "";
    const tokenServer = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        const form = new URLSearchParams(body);
        assertion = form.get("assertion") ?? "";
        const [h, c, sig] = assertion.split(".");
        const ok = form.get("grant_type") === "urn:ietf:params:oauth:grant-type:jwt-bearer" && createVerify("RSA-SHA256").update(`${h}.${c}`).verify(publicKey, Buffer.from(sig ?? "", "base64url"));
        res.writeHead(ok ? 200 : 400, { "Content-Type": "application/json" });
        res.end(JSON.stringify(ok ? { access_token: "emulation-token", expires_in: 3599, token_type: "Bearer" } : { error: "invalid_grant", error_description: "Invalid JWT Signature." }));
      });
    });
    await new Promise<void>((r) => tokenServer.listen(0, "127.0.0.1", r));
    const tokenUri = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token`;
    const dir = mkdtempSync(path.join(tmpdir(), "sb-adc-"));
    const keyFile = path.join(dir, "sa.json");
    writeFileSync(
      keyFile,
      JSON.stringify({
        type: "service_account",
        project_id: PROJECT,
        private_key_id: "abc",
        private_key: privateKey.export({ type: "pkcs8", format: "pem" }),
        client_email: "switchboard@demo-project.iam.gserviceaccount.com",
        token_uri: tokenUri,
      }),
    );
    const found = findAdc({ GOOGLE_APPLICATION_CREDENTIALS: keyFile });
    expect(found?.origin).toBe("GOOGLE_APPLICATION_CREDENTIALS");
    const client = new ComputeClient({ baseUrl: url, tokens: adcTokenSource(found!) });
    const eps = await client.listNetworkEndpoints(PROJECT, ZONE, NEG);
    expect(eps.length).toBeGreaterThan(0);
    const claims = JSON.parse(Buffer.from(assertion.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ iss: "switchboard@demo-project.iam.gserviceaccount.com", aud: tokenUri, scope: "https://www.googleapis.com/auth/cloud-platform" });

    // The poller takes the same credentials from the environment.
    const poller = new NegHealthPoller({ project: PROJECT, baseUrl: url, env: { GOOGLE_APPLICATION_CREDENTIALS: keyFile } });
    expect(poller.source()).toMatchObject({ kind: "compute-api" });
    poller.stop();
    // A gcloud ADC file is found in CLOUDSDK_CONFIG; a bad GOOGLE_APPLICATION_CREDENTIALS path is said plainly.
    writeFileSync(path.join(dir, "application_default_credentials.json"), JSON.stringify({ type: "authorized_user", client_id: "id", client_secret: "s", refresh_token: "r" }));
    expect(findAdc({ CLOUDSDK_CONFIG: dir })?.origin).toBe("gcloud");
    expect(() => findAdc({ GOOGLE_APPLICATION_CREDENTIALS: path.join(dir, "missing.json") })).toThrow(/does not exist/);
    rmSync(dir, { recursive: true, force: true });
    await new Promise((r) => tokenServer.close(r));
  });
});
