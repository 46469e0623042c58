// Error Status shapes (404 / 409 / 422 / 400 / 415 / 403 / 401), patch media types and the 410 of an
// old resourceVersion: the same raw request to the REAL kube-apiserver and to the playground's API
// server. The real answer is pinned; the playground's must match it, except where a difference is
// listed in DIFFERENCES (request, real answer, playground answer — see conformance/README.md). A
// listed difference that the playground stops showing fails here, so the list stays true.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiServer, type ApiServer } from "../playground/apiserver/server.ts";
import { Store } from "../playground/apiserver/store.ts";
import { etcdCompact } from "./cluster.ts";
import { realCluster } from "./env.ts";
import { message, send, shape, watchEvents, type Answer, type StatusShape, type Target } from "./wire.ts";

const NS = "wire";
const CM = `/api/v1/namespaces/${NS}/configmaps`;
const HCP = `/apis/networking.gke.io/v1/namespaces/${NS}/healthcheckpolicies`;
const BC = `/apis/cloud.google.com/v1/namespaces/${NS}/backendconfigs`;
const SVCNEG = `/apis/networking.gke.io/v1beta1/namespaces/${NS}/servicenetworkendpointgroups`;

let real: Target;
let pg: Target;
let pgServer: ApiServer;
let pgStore: Store;

/**
 * Known real-vs-playground differences: the playground's answer, as the comparable shape. Each one is
 * described in conformance/README.md ("Differences").
 */
const DIFFERENCES: Record<string, StatusShape | Record<string, unknown>> = {
  // (README differences 1 — no `details.group` for the core group —, 2 — the json-patch `test`
  // cause —, 3 — the 415 of an unknown patch media type — and 4 — a failed DELETE precondition — are
  // fixed: the playground answers like the real server, so `agree` compares them exactly.)
};

async function both(method: string, path: string, body?: unknown, contentType?: string): Promise<{ real: Answer; pg: Answer }> {
  const [r, p] = await Promise.all([send(real, method, path, body, contentType), send(pg, method, path, body, contentType)]);
  return { real: r, pg: p };
}

/** Pins the real answer's shape and checks the playground's against it (or against its listed difference). */
function agree(name: string, answers: { real: Answer; pg: Answer }, expected: StatusShape): void {
  expect(shape(answers.real), `real: ${name}: ${answers.real.body}`).toEqual(expected);
  const known = DIFFERENCES[name];
  if (known) {
    expect(shape(answers.pg), `playground (known difference "${name}"): ${answers.pg.body}`).toEqual(known);
  } else {
    expect(shape(answers.pg), `playground differs from the real server on "${name}": ${answers.pg.body}`).toEqual(expected);
  }
}

const cm = (name: string, data: Record<string, string> = { a: "1" }, labels?: Record<string, string>) =>
  ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, ...(labels ? { labels } : {}) }, data });

beforeAll(async () => {
  const c = realCluster();
  real = { name: "real", server: c.server, token: c.adminToken, ca: c.ca };
  pgStore = new Store({ gracefulPodDeletion: true });
  pgServer = await startApiServer({ store: pgStore, token: "playground-token" });
  pg = { name: "playground", server: pgServer.url, token: "playground-token", ...(pgServer.ca ? { ca: pgServer.ca } : {}) };
  for (const t of [real, pg]) {
    const r = await send(t, "POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
    expect([201, 409]).toContain(r.status);
  }
});

afterAll(async () => {
  await pgServer?.close();
});

describe("error Status shapes: real kube-apiserver vs the playground", () => {
  it("404 NotFound: a missing object names it; a missing namespace on create names the namespace", async () => {
    const a = await both("GET", `${CM}/nope`);
    agree("get missing", a, { code: 404, kind: "Status", reason: "NotFound", details: { name: "nope", kind: "configmaps" } });
    expect(message(a.real)).toBe('configmaps "nope" not found');

    const b = await both("POST", "/api/v1/namespaces/no-such-ns/configmaps", cm("x"));
    agree("create in missing namespace", b, { code: 404, kind: "Status", reason: "NotFound", details: { name: "no-such-ns", kind: "namespaces" } });
    expect(message(b.real)).toBe('namespaces "no-such-ns" not found');

    const c = await both("PATCH", `${CM}/nope`, { data: { a: "2" } }, "application/merge-patch+json");
    agree("patch missing", c, { code: 404, kind: "Status", reason: "NotFound", details: { name: "nope", kind: "configmaps" } });
  });

  it("409 AlreadyExists on create, 409 Conflict on a stale resourceVersion and on a failed delete precondition", async () => {
    const first = await both("POST", CM, cm("dup"));
    expect([first.real.status, first.pg.status]).toEqual([201, 201]);
    const a = await both("POST", CM, cm("dup"));
    agree("create duplicate", a, { code: 409, kind: "Status", reason: "AlreadyExists", details: { name: "dup", kind: "configmaps" } });
    expect(message(a.real)).toBe('configmaps "dup" already exists');

    // Update with the resourceVersion of the first write after a second write.
    const stale = await both("GET", `${CM}/dup`);
    const rvReal = (stale.real.json as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    const rvPg = (stale.pg.json as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    await both("PATCH", `${CM}/dup`, { data: { a: "2" } }, "application/merge-patch+json");
    const [r, p] = await Promise.all([
      send(real, "PUT", `${CM}/dup`, { ...cm("dup", { a: "3" }), metadata: { name: "dup", resourceVersion: rvReal } }),
      send(pg, "PUT", `${CM}/dup`, { ...cm("dup", { a: "3" }), metadata: { name: "dup", resourceVersion: rvPg } }),
    ]);
    agree("update stale resourceVersion", { real: r, pg: p }, { code: 409, kind: "Status", reason: "Conflict", details: { name: "dup", kind: "configmaps" } });
    expect(message(r)).toBe('Operation cannot be fulfilled on configmaps "dup": the object has been modified; please apply your changes to the latest version and try again');

    const d = await both("DELETE", `${CM}/dup`, { kind: "DeleteOptions", apiVersion: "v1", preconditions: { uid: "00000000-0000-0000-0000-000000000000" } });
    // Here the real server names the Kind (ConfigMap), not the resource (configmaps).
    agree("delete with a wrong uid precondition", d, { code: 409, kind: "Status", reason: "Conflict", details: { name: "dup", kind: "ConfigMap" } });
    for (const x of [d.real, d.pg]) {
      expect(message(x), x.body).toMatch(/^Operation cannot be fulfilled on ConfigMap "dup": the UID in the precondition \(00000000-0000-0000-0000-000000000000\) does not match the UID in record \([0-9a-f-]{36}\)\. The object might have been deleted and then recreated$/);
    }
    const dv = await both("DELETE", `${CM}/dup`, { kind: "DeleteOptions", apiVersion: "v1", preconditions: { resourceVersion: "1" } });
    agree("delete with a wrong resourceVersion precondition", dv, { code: 409, kind: "Status", reason: "Conflict", details: { name: "dup", kind: "ConfigMap" } });
    for (const x of [dv.real, dv.pg]) {
      expect(message(x), x.body).toMatch(/^Operation cannot be fulfilled on ConfigMap "dup": the ResourceVersion in the precondition \(1\) does not match the ResourceVersion in record \(\d+\)\. The object might have been modified$/);
    }
  });

  it("422 Invalid: field causes on a bad object; a failed JSON-patch test", async () => {
    const a = await both("POST", CM, cm("Bad_Name"));
    agree("invalid name", a, { code: 422, kind: "Status", reason: "Invalid", details: { name: "Bad_Name", kind: "ConfigMap", causes: [{ reason: "FieldValueInvalid", field: "metadata.name" }] } });

    await both("POST", CM, cm("guarded", { a: "1" }, { owner: "me" }));
    const t = await both("PATCH", `${CM}/guarded`, [{ op: "test", path: "/metadata/labels/owner", value: "someone-else" }, { op: "replace", path: "/data/a", value: "2" }], "application/json-patch+json");
    agree("json patch test fails", t, { code: 422, kind: "Status", reason: "Invalid", details: {} });
    // The real server does NOT say which operation failed, nor that it was a `test`: the json-patch
    // library's text is dropped (apimachinery NewGenericServerResponse with isUnexpectedResponse=false).
    expect(message(t.real)).toBe("the server rejected our request due to an error in our request");
    expect(t.real.body).not.toMatch(/test/i);
    const after = await send(real, "GET", `${CM}/guarded`);
    expect((after.json as { data: Record<string, string> }).data.a).toBe("1"); // nothing applied
  });

  it("400 BadRequest on a body that is not JSON; 415 on an unknown patch type and on strategic merge for a custom resource", async () => {
    const a = await both("POST", CM, "{not json", "application/json");
    agree("malformed body", a, { code: 400, kind: "Status", reason: "BadRequest" });
    expect(message(a.real)).toMatch(/^the object provided is unrecognized \(must be of type ConfigMap\): couldn't get version\/kind; json parse error: /);

    await both("POST", CM, cm("media"));
    const b = await both("PATCH", `${CM}/media`, "a: 1", "text/plain");
    agree("patch with text/plain", b, { code: 415, kind: "Status", reason: "UnsupportedMediaType", details: {} });
    for (const x of [b.real, b.pg]) expect(message(x), x.body).toBe("415: Unsupported Media Type");

    const bc = { apiVersion: "cloud.google.com/v1", kind: "BackendConfig", metadata: { name: "smp" }, spec: { healthCheck: { requestPath: "/healthz" } } };
    const created = await both("POST", BC, bc);
    expect([created.real.status, created.pg.status]).toEqual([201, 201]);
    const c = await both("PATCH", `${BC}/smp`, { spec: { healthCheck: { port: 8081 } } }, "application/strategic-merge-patch+json");
    agree("strategic merge on a custom resource", c, { code: 415, kind: "Status", reason: "UnsupportedMediaType" });
    const accepted = "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml";
    for (const x of [c.real, c.pg]) expect(message(x), x.body).toBe(accepted);
    // An unknown media type on a custom resource: the CRD handler's list, not go-restful's generic 415.
    const d = await both("PATCH", `${BC}/smp`, "a: 1", "text/plain");
    agree("patch a custom resource with text/plain", d, { code: 415, kind: "Status", reason: "UnsupportedMediaType" });
    for (const x of [d.real, d.pg]) expect(message(x), x.body).toBe(accepted);
  });

  it("401 without a valid token; 403 Forbidden for the limited user names the verb, resource and namespace", async () => {
    const [r, p] = await Promise.all([send(real, "GET", CM, undefined, undefined, "wrong"), send(pg, "GET", CM, undefined, undefined, "wrong")]);
    agree("wrong token", { real: r, pg: p }, { code: 401, kind: "Status", reason: "Unauthorized" });

    // The playground has one all-powerful token: 403 exists only on the real server.
    const viewer: Target = { ...real, token: realCluster().viewerToken };
    const f = await send(viewer, "GET", CM.replace(NS, "demo"));
    expect(shape(f)).toEqual({ code: 403, kind: "Status", reason: "Forbidden", details: { kind: "configmaps" } });
    expect(message(f)).toBe('configmaps is forbidden: User "conformance-viewer" cannot list resource "configmaps" in API group "" in the namespace "demo"');
    const g = await send(viewer, "PATCH", "/api/v1/namespaces/demo/services/web", { metadata: { labels: { x: "y" } } }, "application/merge-patch+json");
    expect(shape(g)).toEqual({ code: 403, kind: "Status", reason: "Forbidden", details: { name: "web", kind: "services" } });
    const ok = await send(viewer, "GET", "/api/v1/namespaces/demo/services");
    expect(ok.status).toBe(200);
  });
});

describe("custom resources: our CRDs on the real server vs the playground's built-in kinds", () => {
  const hcp = (name: string, def: Record<string, unknown>) => ({
    apiVersion: "networking.gke.io/v1", kind: "HealthCheckPolicy", metadata: { name },
    spec: { targetRef: { group: "", kind: "Service", name: "web" }, default: def },
  });

  it("HealthCheckPolicy: a valid policy is stored with the defaults of gke-neg.md §7", async () => {
    const a = await both("POST", HCP, hcp("ok", { config: { type: "HTTP", httpHealthCheck: { portSpecification: "USE_FIXED_PORT", port: 8081, requestPath: "/healthz" } } }));
    expect(a.real.status, a.real.body).toBe(201);
    expect((a.real.json as { spec: { default: Record<string, unknown> } }).spec.default).toMatchObject({ checkIntervalSec: 5, timeoutSec: 5 });
    expect(a.pg.status, a.pg.body).toBe(201);
  });

  const invalid: Array<[string, Record<string, unknown>, string]> = [
    ["timeout above interval", { checkIntervalSec: 5, timeoutSec: 10 }, "spec.default"],
    ["interval out of range", { checkIntervalSec: 301 }, "spec.default.checkIntervalSec"],
    ["threshold out of range", { healthyThreshold: 11 }, "spec.default.healthyThreshold"],
    ["unknown type", { config: { type: "UDP" } }, "spec.default.config.type"],
    ["block not matching type", { config: { type: "HTTP", tcpHealthCheck: {} } }, "spec.default.config"],
    ["fixed port without port", { config: { type: "HTTP", httpHealthCheck: { portSpecification: "USE_FIXED_PORT" } } }, "spec.default.config.httpHealthCheck"],
    ["named port without portName", { config: { type: "HTTP", httpHealthCheck: { portSpecification: "USE_NAMED_PORT" } } }, "spec.default.config.httpHealthCheck"],
    ["serving port with a port", { config: { type: "HTTP", httpHealthCheck: { port: 8080 } } }, "spec.default.config.httpHealthCheck"],
  ];
  for (const [what, def, field] of invalid) {
    it(`HealthCheckPolicy is refused with 422 and a field cause: ${what}`, async () => {
      const name = `bad-${what.replace(/[^a-z]+/g, "-")}`;
      const a = await both("POST", HCP, hcp(name, def));
      const s = shape(a.real);
      expect({ code: s.code, reason: s.reason, kind: s.details?.kind, name: s.details?.name }, a.real.body).toEqual({ code: 422, reason: "Invalid", kind: "HealthCheckPolicy", name });
      expect(s.details?.causes?.map((c) => c.field), a.real.body).toContain(field);
      if (what === "interval out of range") {
        // README difference 6, fixed: the schema bound's wording (field path repeated, "in body").
        const causeOf = (x: Answer) => (x.json as { details?: { causes?: Array<{ field?: string; message?: string }> } }).details?.causes?.find((c) => c.field === field)?.message;
        expect(causeOf(a.real), a.real.body).toBe("Invalid value: 301: spec.default.checkIntervalSec in body should be less than or equal to 300");
        expect(causeOf(a.pg), a.pg.body).toBe(causeOf(a.real));
      }
      const known = DIFFERENCES[`hcp ${what}`];
      if (known) expect(shape(a.pg)).toEqual(known);
      else expect(shape(a.pg).code, `playground: ${a.pg.body}`).toBe(422);
    });
  }

  it("BackendConfig has types only (gke-neg.md §3): type TCP and a negative interval are stored; a string interval is refused", async () => {
    const a = await both("POST", BC, { apiVersion: "cloud.google.com/v1", kind: "BackendConfig", metadata: { name: "loose" }, spec: { healthCheck: { type: "TCP", checkIntervalSec: -1 }, cdn: { enabled: true } } });
    expect([a.real.status, a.pg.status], `${a.real.body}\n${a.pg.body}`).toEqual([201, 201]);
    expect((a.real.json as { spec: unknown }).spec).toEqual({ healthCheck: { type: "TCP", checkIntervalSec: -1 }, cdn: { enabled: true } });
    const b = await both("POST", BC, { apiVersion: "cloud.google.com/v1", kind: "BackendConfig", metadata: { name: "typed" }, spec: { healthCheck: { checkIntervalSec: "5" } } });
    expect(shape(b.real).code, b.real.body).toBe(422);
    const known = DIFFERENCES["backendconfig string interval"];
    if (known) expect(shape(b.pg)).toEqual(known);
    else expect(shape(b.pg).code, b.pg.body).toBe(422);
  });

  it("ServiceNetworkEndpointGroup has no status subresource (gke-neg.md §6): /status is 404; status goes in with the object", async () => {
    const obj = { apiVersion: "networking.gke.io/v1beta1", kind: "ServiceNetworkEndpointGroup", metadata: { name: "neg-1" }, spec: {}, status: { conditions: [{ type: "Initialized", status: "True", reason: "NegInitializationSuccessful" }] } };
    const a = await both("POST", SVCNEG, obj);
    expect([a.real.status, a.pg.status]).toEqual([201, 201]);
    expect((a.real.json as { status?: unknown }).status).toEqual(obj.status);
    const s = await both("PATCH", `${SVCNEG}/neg-1/status`, { status: { lastSyncTime: "2026-01-01T00:00:00Z" } }, "application/merge-patch+json");
    expect(shape(s.real).code, s.real.body).toBe(404);
    const known = DIFFERENCES["svcneg status subresource"];
    if (known) expect(shape(s.pg)).toEqual(known);
    else expect(shape(s.pg).code, s.pg.body).toBe(404);
  });

  it("HealthCheckPolicy has a status subresource: a plain patch ignores status, /status writes it", async () => {
    await both("POST", HCP, hcp("st", {}));
    const plainPatch = await both("PATCH", `${HCP}/st`, { status: { conditions: [{ type: "Attached", status: "True" }] } }, "application/merge-patch+json");
    expect((plainPatch.real.json as { status?: unknown }).status).toBeUndefined();
    expect((plainPatch.pg.json as { status?: unknown }).status).toBeUndefined();
    const sub = await both("PATCH", `${HCP}/st/status`, { status: { conditions: [{ type: "Attached", status: "True" }] } }, "application/merge-patch+json");
    expect((sub.real.json as { status?: unknown }).status).toEqual({ conditions: [{ type: "Attached", status: "True" }] });
    expect((sub.pg.json as { status?: unknown }).status).toEqual({ conditions: [{ type: "Attached", status: "True" }] });
  });
});

describe("what the real server adds to objects", () => {
  it("a pod: admission defaults (README difference 5) and graceful deletion (200 on both)", async () => {
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { nodeName: "node-1", containers: [{ name: "c", image: "switchboard/demo-app:1.4.0" }] } };
    for (const t of [real, pg]) await send(t, "POST", `/api/v1/namespaces/${NS}/serviceaccounts`, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default" } });
    const created = await both("POST", `/api/v1/namespaces/${NS}/pods`, pod);
    const deleted = await both("DELETE", `/api/v1/namespaces/${NS}/pods/p`);
    type PodJson = { metadata: { managedFields?: unknown[]; deletionTimestamp?: string; deletionGracePeriodSeconds?: number }; spec: { volumes?: Array<{ name: string }>; tolerations?: Array<{ key: string; tolerationSeconds?: number }>; priority?: number; enableServiceLinks?: boolean } };
    const view = (c: Answer, d: Answer) => {
      const p = c.json as PodJson;
      const q = d.json as PodJson;
      return {
        serviceAccountTokenVolume: (p.spec.volumes ?? []).some((v) => v.name.startsWith("kube-api-access-")),
        tolerations: (p.spec.tolerations ?? []).map((t) => `${t.key}:${t.tolerationSeconds}`).sort(),
        priority: p.spec.priority,
        enableServiceLinks: p.spec.enableServiceLinks,
        managedFields: Array.isArray(p.metadata.managedFields),
        deleteStatus: d.status,
        deletionTimestamp: typeof q.metadata?.deletionTimestamp === "string",
        deletionGracePeriodSeconds: q.metadata?.deletionGracePeriodSeconds,
      };
    };
    expect(view(created.real, deleted.real)).toEqual({
      serviceAccountTokenVolume: true,
      tolerations: ["node.kubernetes.io/not-ready:300", "node.kubernetes.io/unreachable:300"],
      priority: 0,
      enableServiceLinks: true,
      managedFields: true,
      deleteStatus: 200,
      deletionTimestamp: true,
      deletionGracePeriodSeconds: 30,
    });
    // The playground: none of the admission plugins' additions (ServiceAccount token volume,
    // DefaultTolerationSeconds, Priority), no enableServiceLinks default, no managedFields (README
    // difference 5). The graceful deletion agrees: 200 with the object (no longer 202).
    expect(view(created.pg, deleted.pg)).toEqual({
      serviceAccountTokenVolume: false, tolerations: [], priority: undefined, enableServiceLinks: undefined, managedFields: false,
      deleteStatus: 200, deletionTimestamp: true, deletionGracePeriodSeconds: 30,
    });
    // 202 only where handlers/delete.go gives it: the object is still there and the client asked
    // orphanDependents=false.
    await both("POST", `/api/v1/namespaces/${NS}/pods`, { ...pod, metadata: { name: "p2" } });
    const accepted = await both("DELETE", `/api/v1/namespaces/${NS}/pods/p2`, { kind: "DeleteOptions", apiVersion: "v1", orphanDependents: false });
    expect([accepted.real.status, accepted.pg.status], `${accepted.real.body}\n${accepted.pg.body}`).toEqual([202, 202]);
  });
});

describe("watch from an old resourceVersion", () => {
  it("a cached kind (services) from a resourceVersion before the watch cache began: the current objects as ADDED, no 410", async () => {
    // The watch cache starts at the server's start; resourceVersion 1 is older than anything it
    // holds, yet (while its event window has not wrapped) the real server answers with the state.
    await send(real, "POST", `/api/v1/namespaces/${NS}/services`, { apiVersion: "v1", kind: "Service", metadata: { name: "watched" }, spec: { ports: [{ port: 80 }] } });
    const r = await watchEvents(real, `/api/v1/namespaces/${NS}/services?watch=1&resourceVersion=1`, 1, 5000);
    expect(r.status).toBe(200);
    expect(r.events.map((e) => [e.type, (e.object.metadata as { name?: string } | undefined)?.name])).toEqual([["ADDED", "watched"]]);
  });

  it("after etcd compaction (no watch cache: configmaps) it is also a 200 with an ERROR 410 event", async () => {
    const before = await send(real, "POST", CM, cm("compact-1"));
    const oldRv = (before.json as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    await send(real, "POST", CM, cm("compact-2"));
    await etcdCompact(realCluster().etcdUrl);
    // The watch answers 200 and then one ERROR event; the list at that exact version is a plain 410.
    const r = await watchEvents(real, `${CM}?watch=1&resourceVersion=${oldRv}`, 1);
    const list = await send(real, "GET", `${CM}?resourceVersion=${oldRv}&resourceVersionMatch=Exact`);
    expect({ status: r.status, type: r.events[0]?.type, code: r.events[0]?.object.code, reason: r.events[0]?.object.reason }, r.body).toEqual({ status: 200, type: "ERROR", code: 410, reason: "Expired" });
    expect(String(r.events[0]?.object.message)).toBe("The resourceVersion for the provided watch is too old.");
    expect(shape(list), list.body).toMatchObject({ code: 410, reason: "Expired" });
  });

  it("the playground answers the same watch (after its own compaction) the same way", async () => {
    const before = await send(pg, "POST", CM, cm("compact-1"));
    const oldRv = (before.json as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    await send(pg, "POST", CM, cm("compact-2"));
    pgStore.compact();
    const r = await watchEvents(pg, `${CM}?watch=1&resourceVersion=${oldRv}`, 1, 3000);
    const got = { status: r.status, type: r.events[0]?.type, code: r.events[0]?.object.code, reason: r.events[0]?.object.reason };
    const known = DIFFERENCES["watch old resourceVersion"];
    if (known) expect(got, r.body).toEqual(known);
    else expect(got, r.body).toEqual({ status: 200, type: "ERROR", code: 410, reason: "Expired" });
  });
});
