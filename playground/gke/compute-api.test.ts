import { BackendServicesClient, NetworkEndpointGroupsClient } from "@google-cloud/compute";
import { OAuth2Client } from "google-auth-library";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ComputeApi } from "./compute-api.ts";
import { Gce } from "./gce.ts";
import { negDefaultHealthCheck } from "./healthcheck.ts";

let gce: Gce;
let api: ComputeApi;
let base: string;
const NEG = "k8s1-74b928a2-default-web-80-a3c1e454";
const ZONE = "us-central1-a";

beforeEach(async () => {
  gce = new Gce("my-project");
  gce.ensureNeg(ZONE, NEG, "");
  gce.ensureNeg(ZONE, "standalone", "");
  const eps = [1, 2, 3].map((i) => ({ ipAddress: `10.8.0.${i}`, port: 8080, instance: "gke-node-1", pod: `default/web-${i}` }));
  gce.attach(ZONE, NEG, eps);
  gce.attach(ZONE, "standalone", eps.slice(0, 1));
  gce.upsertHealthCheck(NEG, negDefaultHealthCheck("HTTP"));
  gce.upsertBackendService(NEG, NEG, [`${ZONE}/${NEG}`], "default/web");
  gce.setHealth(NEG, `${ZONE}/${NEG}`, "10.8.0.1:8080", "HEALTHY");
  gce.setHealth(NEG, `${ZONE}/${NEG}`, "10.8.0.2:8080", "UNHEALTHY");
  api = new ComputeApi(gce, { token: "test-token" });
  base = await api.start();
});
afterEach(async () => {
  await api.stop();
});

const post = (path: string, body: unknown, token: string | null = "test-token") =>
  fetch(`${base}${path}`, { method: "POST", headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });

const listPath = (neg: string, zone = ZONE, project = "my-project") => `/compute/v1/projects/${project}/zones/${zone}/networkEndpointGroups/${neg}/listNetworkEndpoints`;

describe("Compute API emulation, raw HTTP (gke-neg.md §8)", () => {
  it("requires the bearer token", async () => {
    const none = await post(listPath(NEG), { healthStatus: "SHOW" }, null);
    expect(none.status).toBe(401);
    const body = (await none.json()) as { error: { code: number; errors: Array<{ reason: string }> } };
    expect(body.error.code).toBe(401);
    expect((await post(listPath(NEG), {}, "wrong")).status).toBe(401);
  });

  it("listNetworkEndpoints with healthStatus SHOW: endpoints and healths in the real shape", async () => {
    const res = await post(listPath(NEG), { healthStatus: "SHOW" });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: Array<{ networkEndpoint: Record<string, unknown>; healths: Array<Record<string, Record<string, string> | string>> }> };
    expect(body.items).toHaveLength(3);
    expect(body.items[0]).toEqual({
      networkEndpoint: { ipAddress: "10.8.0.1", port: 8080, instance: "gke-node-1" },
      healths: [{
        backendService: { backendService: `https://www.googleapis.com/compute/v1/projects/my-project/global/backendServices/${NEG}` },
        healthCheck: { healthCheck: `https://www.googleapis.com/compute/v1/projects/my-project/global/healthChecks/${NEG}` },
        healthState: "HEALTHY",
      }],
    });
    expect(body.items.map((i) => (i.healths[0] as { healthState: string }).healthState)).toEqual(["HEALTHY", "UNHEALTHY", "UNKNOWN"]);
  });

  it("pages with maxResults / nextPageToken", async () => {
    const first = (await (await post(`${listPath(NEG)}?maxResults=2`, { healthStatus: "SHOW" })).json()) as { items: unknown[]; nextPageToken?: string };
    expect(first.items).toHaveLength(2);
    expect(first.nextPageToken).toBeTruthy();
    const second = (await (await post(`${listPath(NEG)}?maxResults=2&pageToken=${first.nextPageToken}`, { healthStatus: "SHOW" })).json()) as { items: unknown[]; nextPageToken?: string };
    expect(second.items).toHaveLength(1);
    expect(second.nextPageToken).toBeUndefined();
  });

  it("empty healths when the NEG is not behind a health-checked backend service", async () => {
    const body = (await (await post(listPath("standalone"), { healthStatus: "SHOW" })).json()) as { items: Array<{ healths: unknown[] }> };
    expect(body.items).toEqual([{ networkEndpoint: { ipAddress: "10.8.0.1", port: 8080, instance: "gke-node-1" }, healths: [] }]);
  });

  it("getHealth on a backend service for a NEG group", async () => {
    const res = await post(`/compute/v1/projects/my-project/global/backendServices/${NEG}/getHealth`, { group: `https://www.googleapis.com/compute/v1/projects/my-project/zones/${ZONE}/networkEndpointGroups/${NEG}` });
    const body = (await res.json()) as { healthStatus: Array<Record<string, unknown>> };
    expect(body.healthStatus).toEqual([
      { ipAddress: "10.8.0.1", port: 8080, instance: `https://www.googleapis.com/compute/v1/projects/my-project/zones/${ZONE}/instances/gke-node-1`, healthState: "HEALTHY" },
      { ipAddress: "10.8.0.2", port: 8080, instance: `https://www.googleapis.com/compute/v1/projects/my-project/zones/${ZONE}/instances/gke-node-1`, healthState: "UNHEALTHY" },
      { ipAddress: "10.8.0.3", port: 8080, instance: `https://www.googleapis.com/compute/v1/projects/my-project/zones/${ZONE}/instances/gke-node-1`, healthState: "UNKNOWN" },
    ]);
  });

  it("404 in Google's error shape for unknown NEGs, zones, projects and backend services", async () => {
    for (const path of [listPath("nope"), listPath(NEG, "europe-west1-b"), listPath(NEG, ZONE, "other"), "/compute/v1/projects/my-project/global/backendServices/nope/getHealth"]) {
      const res = await post(path, { healthStatus: "SHOW" });
      expect(res.status).toBe(404);
      const body = (await res.json()) as { error: { code: number; message: string; errors: Array<{ reason: string; message: string }> } };
      expect(body.error.code).toBe(404);
      expect(body.error.errors[0]!.reason).toBe("notFound");
      expect(body.error.message).toMatch(/was not found/);
    }
  });
});

describe("Compute API emulation with the real @google-cloud/compute client", () => {
  const options = () => {
    const authClient = new OAuth2Client();
    authClient.setCredentials({ access_token: "test-token" });
    return { apiEndpoint: "127.0.0.1", port: Number(new URL(base).port), protocol: "http", fallback: true, authClient } as const;
  };

  it("NetworkEndpointGroupsClient.listNetworkEndpointsAsync pages through endpoints with health", async () => {
    const client = new NetworkEndpointGroupsClient(options());
    const items = [];
    for await (const item of client.listNetworkEndpointsAsync({ project: "my-project", zone: ZONE, networkEndpointGroup: NEG, networkEndpointGroupsListEndpointsRequestResource: { healthStatus: "SHOW" }, maxResults: 2 })) items.push(item);
    await client.close();
    expect(items.map((i) => [i.networkEndpoint?.ipAddress, i.networkEndpoint?.port, i.healths?.[0]?.healthState])).toEqual([
      ["10.8.0.1", 8080, "HEALTHY"],
      ["10.8.0.2", 8080, "UNHEALTHY"],
      ["10.8.0.3", 8080, "UNKNOWN"],
    ]);
    expect(items[0]!.healths?.[0]?.backendService?.backendService).toMatch(new RegExp(`/global/backendServices/${NEG}$`));
  });

  it("BackendServicesClient.getHealth and a 404 surfacing as an error", async () => {
    const client = new BackendServicesClient(options());
    const [res] = await client.getHealth({ project: "my-project", backendService: NEG, resourceGroupReferenceResource: { group: `projects/my-project/zones/${ZONE}/networkEndpointGroups/${NEG}` } });
    expect(res.healthStatus?.map((h) => h.healthState)).toEqual(["HEALTHY", "UNHEALTHY", "UNKNOWN"]);
    await expect(client.getHealth({ project: "my-project", backendService: "missing", resourceGroupReferenceResource: { group: "x" } })).rejects.toThrow(/was not found/);
    await client.close();
  });
});
