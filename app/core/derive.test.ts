// The pure pieces of the read side: the per-Service scoped snapshot gives the model the SAME answer as
// the whole namespace (so the shortcut that makes 5,000 services cheap changes nothing), the badge rules,
// and the event batcher's merging of row deltas.
import { describe, expect, it } from "vitest";
import type { ServiceSummary } from "../contract/api.ts";
import type { ServiceView } from "../contract/model.ts";
import { contextFor, diagnoseService } from "../diagnosis/diagnose.ts";
import { shopEndpointHealth, shopItems, shopTelepresence } from "../gke/fixtures/load.ts";
import { buildServiceView } from "../gke/model.ts";
import { snapshotFromItems } from "../gke/snapshot.ts";
import type { KubeObject, Snapshot } from "../kube/cache.ts";
import { createEventBatcher, mergeServices } from "./event-batcher.ts";
import { NamespaceIndex } from "./service-scope.ts";
import { serviceHealth, summarize } from "./summary.ts";

const PLURAL: Record<string, string> = {
  Service: "services",
  Pod: "pods",
  Deployment: "deployments",
  ReplicaSet: "replicasets",
  Event: "events",
  Ingress: "ingresses",
  BackendConfig: "backendconfigs",
  ServiceNetworkEndpointGroup: "servicenetworkendpointgroups",
  HealthCheckPolicy: "healthcheckpolicies",
  Gateway: "gateways",
  HTTPRoute: "httproutes",
};

/** The shop fixture as the watch cache would hold it. */
function cacheSnapshot(items: unknown[]): Snapshot {
  const objects: Record<string, KubeObject[]> = Object.fromEntries(Object.values(PLURAL).map((p) => [p, []]));
  for (const item of items) {
    const plural = PLURAL[(item as { kind: string }).kind];
    if (plural) objects[plural]!.push(item as KubeObject);
  }
  const kinds = Object.fromEntries(Object.values(PLURAL).map((p) => [p, { phase: "live" as const, error: null, count: objects[p]!.length, resourceVersion: "1", lists: 1 }]));
  return { namespace: "shop", objects, kinds };
}

describe("scoped snapshots", () => {
  it("give every Service of the fixture the same view and findings as the whole namespace", () => {
    const extra = { endpointHealth: shopEndpointHealth(), telepresence: shopTelepresence() };
    const full = snapshotFromItems(shopItems(), extra);
    const index = new NamespaceIndex(cacheSnapshot(shopItems()), "shop");
    const services = full.namespaces.shop!.services;
    expect(services.length).toBeGreaterThanOrEqual(5);
    for (const svc of services) {
      const name = svc.metadata!.name!;
      const scoped = index.scopedSnapshot(index.service(name)!, extra);
      const a = buildServiceView(full, "shop", svc);
      const b = buildServiceView(scoped, "shop", index.service(name)!);
      expect(b, name).toEqual(a);
      expect(diagnoseService(b, contextFor(scoped, "shop")), name).toEqual(diagnoseService(a, contextFor(full, "shop")));
    }
  });
});

describe("the badge", () => {
  const full = snapshotFromItems(shopItems(), { endpointHealth: shopEndpointHealth(), telepresence: shopTelepresence() });
  const view = (name: string): ServiceView => buildServiceView(full, "shop", full.namespaces.shop!.services.find((s) => s.metadata?.name === name)!);

  it("rests on the Compute API when it answered, and says degraded when only some endpoints fail", () => {
    // endpoint-health.json: web during a global intercept — its endpoints fail in the Compute API.
    const web = serviceHealth(view("web"));
    expect(web.signal).toBe("compute-api");
    expect(["degraded", "unhealthy"]).toContain(web.health);
  });

  it("falls back to the Kubernetes signals without the Compute API, and names them", () => {
    const bare = snapshotFromItems(shopItems());
    const v = buildServiceView(bare, "shop", bare.namespaces.shop!.services.find((s) => s.metadata?.name === "web")!);
    expect(serviceHealth(v).signal).not.toBe("compute-api");
    const summary = summarize(v, diagnoseService(v, contextFor(bare, "shop")));
    expect(summary).toMatchObject({ key: "shop/web", exposure: "Ingress NEG" });
    expect(summary.findings.error + summary.findings.warning).toBeGreaterThan(0);
    expect(summary.topFinding).not.toBeNull();
  });
});

describe("event batcher", () => {
  const row = (name: string, health: ServiceSummary["health"] = "healthy"): ServiceSummary => ({
    key: `ns/${name}`,
    namespace: "ns",
    name,
    health,
    healthSignal: "compute-api",
    exposure: "Ingress NEG",
    pods: { total: 1, ready: 1 },
    intercepted: false,
    findings: { error: 0, warning: 0, info: 0 },
    topFinding: null,
  });

  it("merges row deltas of one window (later wins, a removal cancels an upsert), and keeps a reset", () => {
    const base = { type: "services" as const, context: "c", namespace: "ns" };
    const merged = mergeServices(
      { ...base, reset: true, upserts: [row("a"), row("b")], removed: [] },
      { ...base, reset: false, upserts: [row("a", "degraded"), row("c")], removed: ["ns/b"] },
    );
    expect(merged.reset).toBe(true);
    expect(merged.upserts.map((r) => `${r.name}:${r.health}`)).toEqual(["a:degraded", "c:healthy"]);
    expect(merged.removed).toEqual(["ns/b"]);
    // Another namespace's list replaces, never mixes.
    expect(mergeServices({ ...base, reset: false, upserts: [row("a")], removed: [] }, { ...base, namespace: "other", reset: true, upserts: [], removed: [] }).namespace).toBe("other");
  });

  it("delivers two `services` deltas and two opened details of one window without losing any", async () => {
    const batcher = createEventBatcher(10);
    const batches: unknown[][] = [];
    batcher.subscribe((b) => batches.push(b));
    const base = { type: "services" as const, context: "c", namespace: "ns", reset: false, removed: [] };
    batcher.emit({ ...base, upserts: [row("a")] });
    batcher.emit({ ...base, upserts: [row("b")] });
    await new Promise((r) => setTimeout(r, 30));
    expect(batches).toHaveLength(1);
    expect((batches[0] as Array<{ upserts: ServiceSummary[] }>)[0]!.upserts.map((r) => r.name)).toEqual(["a", "b"]);
    batcher.close();
  });
});
