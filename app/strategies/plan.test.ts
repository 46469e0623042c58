// Plans on the GKE fixtures (app/gke/fixtures/shop.json): the exact objects, guarded patches, YAML
// diffs, kubectl commands and warnings of each strategy, and the refusals with their reasons.
import fjp from "fast-json-patch";
import { describe, expect, it } from "vitest";
import { itemOf, shopItems, shopSnapshot } from "../gke/fixtures/load.ts";
import { snapshotFromItems } from "../gke/snapshot.ts";
import type { BackendConfig, Deployment, HealthCheckPolicy, Service } from "../gke/snapshot.ts";
import { guardedPatch } from "./guards.ts";
import { planStrategy } from "./plan.ts";
import type { ObjectChange, Plan, PlanRequest } from "./types.ts";

function plan(req: Omit<PlanRequest, "namespace">, items: unknown[] = shopItems(), context: string | null = null): Plan {
  const r = planStrategy(snapshotFromItems(items), { namespace: "shop", ...req }, { context });
  if (!r.ok) throw new Error(`refused: ${r.refusal.reason}`);
  return r.plan;
}

function change(p: Plan, kind: string): ObjectChange {
  const c = p.changes.find((x) => x.object.kind === kind);
  if (!c) throw new Error(`no ${kind} change in ${p.changes.map((x) => x.object.kind).join(", ")}`);
  return c;
}

/** The patch applied to `before` must give exactly `after` (guards hold on `before`). */
function expectPatchGivesAfter(c: ObjectChange): void {
  const out = fjp.applyPatch(structuredClone(c.before), c.patch!, true, false).newDocument;
  expect(out).toEqual(c.after);
}

describe("pin-serving-port", () => {
  it("pins web's BackendConfig to the app's port NUMBER 8080, keeping every other field", () => {
    const p = plan({ strategy: "pin-serving-port", service: "web" });
    expect(p.changes.map((c) => `${c.action} ${c.object.kind}/${c.object.name}`)).toEqual(["patch BackendConfig/web-bc"]);
    const bc = change(p, "BackendConfig");
    const spec = (bc.after as unknown as BackendConfig).spec!;
    expect(spec.healthCheck).toEqual({ checkIntervalSec: 10, timeoutSec: 5, healthyThreshold: 1, unhealthyThreshold: 3, type: "HTTP", requestPath: "/healthz", port: 8080 });
    expect(spec.connectionDraining).toEqual({ drainingTimeoutSec: 30 });
    expect(spec.logging).toEqual({ enable: true, sampleRate: 0.5 });
    expect(bc.patch![0]).toEqual({ op: "test", path: "/metadata/resourceVersion", value: "1000" });
    expect(bc.patch).toContainEqual({ op: "add", path: "/spec/healthCheck/port", value: 8080 });
    expectPatchGivesAfter(bc);
    expect(p.target).toMatchObject({ container: "web", port: 8080, path: "/healthz", tableRow: 3 });
    expect(p.provenance).toContain("derived from Telepresence's injection rules");
    expect(p.warnings.find((w) => w.id === "pin-derived")?.message).toContain("Derived from Telepresence's injection rules");
  });

  it("is refused for api's numeric targetPort, with the iptables reason", () => {
    const r = planStrategy(shopSnapshot(), { strategy: "pin-serving-port", namespace: "shop", service: "api" });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.refusal.reason).toContain("targetPort is the NUMBER 8080");
    expect(r.refusal.reason).toContain("iptables");
    expect(r.refusal.reason).toContain("§5 row 4");
    expect(r.refusal.references).toContain("telepresence.md §5");
  });

  it("pins a Gateway's HealthCheckPolicy with USE_FIXED_PORT (catalog)", () => {
    const p = plan({ strategy: "pin-serving-port", service: "catalog" });
    const hcp = change(p, "HealthCheckPolicy");
    const d = (hcp.after as unknown as HealthCheckPolicy).spec!.default!;
    expect(d.config).toEqual({ type: "HTTP", httpHealthCheck: { portSpecification: "USE_FIXED_PORT", port: 8080, requestPath: "/healthz" } });
    // Fields outside the config block are kept.
    expect(d).toMatchObject({ checkIntervalSec: 10, timeoutSec: 5, healthyThreshold: 2, unhealthyThreshold: 2, logConfig: { enabled: false } });
    expectPatchGivesAfter(hcp);
  });
});

describe("HealthCheckPolicy where none exists (gke-neg.md §7)", () => {
  /** The fixture's catalog (Gateway + HTTPRoute) without its HealthCheckPolicy. */
  function withoutPolicy() {
    const items = shopItems();
    items.splice(items.indexOf(itemOf(items, "HealthCheckPolicy", "catalog-health")), 1);
    return items;
  }

  it("creates one targeting the Service: type + its block, USE_FIXED_PORT + port, nothing to patch", () => {
    const p = plan({ strategy: "sidecar", service: "catalog" }, withoutPolicy(), "gke_proj_us-central1_prod");
    expect(p.changes.map((c) => `${c.action} ${c.object.kind}/${c.object.name}`)).toEqual(["patch Deployment/catalog", "create HealthCheckPolicy/catalog-health"]);
    const hcp = change(p, "HealthCheckPolicy");
    expect(hcp.before).toBeNull();
    expect(hcp.patch).toBeNull();
    expect(hcp.object).toEqual({ kind: "HealthCheckPolicy", apiVersion: "networking.gke.io/v1", namespace: "shop", name: "catalog-health" });
    // Exactly this object: no fields the CRD would reject (§7: config is `type` + the matching block;
    // USE_FIXED_PORT needs `port` and forbids `portName`).
    expect(hcp.after).toEqual({
      apiVersion: "networking.gke.io/v1",
      kind: "HealthCheckPolicy",
      metadata: { name: "catalog-health", namespace: "shop", labels: { "app.kubernetes.io/managed-by": "switchboard" } },
      spec: { targetRef: { group: "", kind: "Service", name: "catalog" }, default: { config: { type: "HTTP", httpHealthCheck: { portSpecification: "USE_FIXED_PORT", port: p.target.port, requestPath: p.target.path } } } },
    });
    expect(p.target).toMatchObject({ container: "health-sidecar", via: ["gateway"] });
    expect(hcp.yamlDiff).toContain("--- /dev/null");
    expect(hcp.kubectl).toMatch(/^kubectl --context 'gke_proj_us-central1_prod' -n 'shop' apply -f - <<'EOF'\napiVersion: networking.gke.io\/v1\nkind: HealthCheckPolicy\n/);
    // The Service is left alone: a policy finds its Service through targetRef, not an annotation.
    expect(p.changes.some((c) => c.object.kind === "Service")).toBe(false);
  });

  it("pin-serving-port creates it too, on the app's port number", () => {
    const p = plan({ strategy: "pin-serving-port", service: "catalog" }, withoutPolicy());
    expect(p.changes.map((c) => `${c.action} ${c.object.kind}`)).toEqual(["create HealthCheckPolicy"]);
    const cfg = (change(p, "HealthCheckPolicy").after as unknown as HealthCheckPolicy).spec!.default!.config;
    expect(cfg).toEqual({ type: "HTTP", httpHealthCheck: { portSpecification: "USE_FIXED_PORT", port: 8080, requestPath: p.target.path } });
  });
});

describe("sidecar", () => {
  it("adds a container to web's Deployment and points the BackendConfig at its port", () => {
    const p = plan({ strategy: "sidecar", service: "web" });
    expect(p.changes.map((c) => c.object.kind)).toEqual(["Deployment", "BackendConfig"]);
    const dep = change(p, "Deployment");
    const containers = (dep.after as unknown as Deployment).spec!.template.spec!.containers;
    expect(containers.map((c) => c.name)).toEqual(["web", "health-sidecar"]);
    expect(containers[1]).toMatchObject({ image: "hashicorp/http-echo:1.0", args: ["-listen=:8081", "-text=ok"], ports: [{ containerPort: 8081 }] });
    expect(dep.restartsPods).toBe(true);
    // Guards: resourceVersion and the names/ports of the existing containers.
    expect(dep.patch!.filter((o) => o.op === "test").map((o) => o.path)).toEqual([
      "/metadata/resourceVersion",
      "/spec/template/spec/containers/0/name",
      "/spec/template/spec/containers/0/ports",
    ]);
    expectPatchGivesAfter(dep);
    expect((change(p, "BackendConfig").after as unknown as BackendConfig).spec!.healthCheck).toMatchObject({ port: 8081, requestPath: "/healthz", type: "HTTP" });
    expect(p.warnings.map((w) => w.id)).toContain("sidecar-does-not-check-app");
    expect(p.target).toMatchObject({ container: "health-sidecar", port: 8081, tableRow: 5 });
  });

  it("uses the playground image with PORT and HEALTH_PATH, and a free port", () => {
    const p = plan({ strategy: "sidecar", service: "catalog", sidecar: { image: "switchboard/health-sidecar", path: "/ok" } });
    const c = (change(p, "Deployment").after as unknown as Deployment).spec!.template.spec!.containers.at(-1)!;
    // catalog already uses 8080 and 8081: the next free port.
    expect(c.env).toEqual([{ name: "PORT", value: "8082" }, { name: "HEALTH_PATH", value: "/ok" }]);
    expect(p.warnings.map((w) => w.id)).not.toContain("sidecar-does-not-check-app");
  });

  it("creates a BackendConfig for api (none yet) and attaches it by port name, keeping other annotations", () => {
    const p = plan({ strategy: "sidecar", service: "api" });
    expect(p.changes.map((c) => `${c.action} ${c.object.kind}/${c.object.name}`)).toEqual(["patch Deployment/api", "create BackendConfig/api-health", "patch Service/api"]);
    const svc = change(p, "Service");
    const ann = (svc.after as unknown as Service).metadata!.annotations!;
    expect(JSON.parse(ann["cloud.google.com/backend-config"]!)).toEqual({ ports: { http: "api-health" } });
    expect(ann["cloud.google.com/neg"]).toBe('{"ingress": true}');
    expectPatchGivesAfter(svc);
    expect(change(p, "BackendConfig").after).toMatchObject({ apiVersion: "cloud.google.com/v1", kind: "BackendConfig", metadata: { name: "api-health", namespace: "shop" }, spec: { healthCheck: { type: "HTTP", port: 8081, requestPath: "/healthz" } } });
  });

  it("refuses a port another container already uses", () => {
    const r = planStrategy(shopSnapshot(), { strategy: "sidecar", namespace: "shop", service: "web", sidecar: { port: 8080 } });
    expect(r.ok ? "" : r.refusal.reason).toContain('already declared by container "web"');
  });
});

describe("dedicated-port", () => {
  it("declares the port on api's app container and says it must really serve there", () => {
    const p = plan({ strategy: "dedicated-port", service: "api", dedicatedPort: { port: 8081 } });
    const dep = change(p, "Deployment");
    expect((dep.after as unknown as Deployment).spec!.template.spec!.containers[0]!.ports).toEqual([
      { containerPort: 8080, protocol: "TCP" },
      { name: "health", containerPort: 8081, protocol: "TCP" },
    ]);
    expectPatchGivesAfter(dep);
    // api's check path was inferred from the readinessProbe ("ready" → "/ready", gke-neg.md §4).
    expect((change(p, "BackendConfig").after as unknown as BackendConfig).spec!.healthCheck).toMatchObject({ port: 8081, requestPath: "/ready" });
    const w = p.warnings.find((x) => x.id === "dedicated-port-unverified")!;
    expect(w.severity).toBe("danger");
    expect(w.message).toContain("only if the app really serves /ready on port 8081");
  });

  it("leaves the Deployment alone when the port is already declared (search: 9091)", () => {
    const p = plan({ strategy: "dedicated-port", service: "search", dedicatedPort: { port: 9091 } });
    expect(p.changes.map((c) => c.object.kind)).toEqual([]);
    expect(p.warnings.map((w) => w.id)).toContain("already-in-place");
  });

  it("refuses the serving port, a numeric targetPort, with the reason", () => {
    const r = planStrategy(shopSnapshot(), { strategy: "dedicated-port", namespace: "shop", service: "api", dedicatedPort: { port: 8080 } });
    expect(r.ok ? "" : r.refusal.reason).toContain("iptables");
  });

  it("asks for the port", () => {
    const r = planStrategy(shopSnapshot(), { strategy: "dedicated-port", namespace: "shop", service: "api" });
    expect(r.ok ? "" : r.refusal.reason).toContain("Say which port");
  });
});

describe("BackendConfig rules", () => {
  it("copies a shared BackendConfig instead of moving other services' checks", () => {
    const items = shopItems();
    const other = structuredClone(itemOf(items, "Service", "web"));
    other.metadata.name = "web-canary";
    items.push(other);
    const p = plan({ strategy: "pin-serving-port", service: "web" }, items);
    expect(p.warnings.map((w) => w.id)).toContain("backendconfig-shared");
    const created = change(p, "BackendConfig");
    expect(created.action).toBe("create");
    expect(created.object.name).toBe("web-health");
    // Every other field of the shared one is kept in the copy.
    expect((created.after as unknown as BackendConfig).spec).toMatchObject({ connectionDraining: { drainingTimeoutSec: 30 }, logging: { enable: true, sampleRate: 0.5 }, healthCheck: { port: 8080, checkIntervalSec: 10 } });
    const ann = JSON.parse((change(p, "Service").after as unknown as Service).metadata!.annotations!["cloud.google.com/backend-config"]!);
    // The existing default entry stays; the port's name now wins (gke-neg.md §2 lookup order).
    expect(ann).toEqual({ default: "web-bc", ports: { http: "web-health" } });
  });

  it("replaces a TCP type that cannot work and warns", () => {
    const items = shopItems();
    itemOf<BackendConfig>(items, "BackendConfig", "web-bc").spec!.healthCheck!.type = "TCP";
    const p = plan({ strategy: "pin-serving-port", service: "web" }, items);
    expect((change(p, "BackendConfig").after as unknown as BackendConfig).spec!.healthCheck!.type).toBe("HTTP");
    expect(p.warnings.find((w) => w.id === "backendconfig-type-unsupported")?.message).toContain("TCP is not possible");
  });

  it("refuses type TCP when asked for it", () => {
    const r = planStrategy(shopSnapshot(), { strategy: "sidecar", namespace: "shop", service: "web", type: "TCP" as never });
    expect(r.ok ? "" : r.refusal.reason).toContain("TCP");
  });

  it("always says that editing the readinessProbe is not a fix", () => {
    for (const strategy of ["sidecar", "pin-serving-port"] as const) {
      const w = plan({ strategy, service: "web" }).warnings.find((x) => x.id === "readiness-probe-not-a-fix");
      expect(w?.references).toEqual(["gke-neg.md §4"]);
    }
  });

  it("refuses a standalone NEG without a Gateway: its health check lives outside Kubernetes", () => {
    const items = shopItems();
    const route = itemOf<{ spec: { rules: unknown[] } }>(items, "HTTPRoute", "catalog");
    route.spec.rules = [];
    const hcp = itemOf(items, "HealthCheckPolicy", "catalog-health");
    items.splice(items.indexOf(hcp), 1);
    const r = planStrategy(snapshotFromItems(items), { strategy: "sidecar", namespace: "shop", service: "catalog" });
    expect(r.ok ? "" : r.refusal.reason).toContain("standalone NEG");
  });
});

describe("preview", () => {
  it("shows a YAML diff of the cleaned objects", () => {
    const p = plan({ strategy: "sidecar", service: "api" });
    const dep = change(p, "Deployment").yamlDiff;
    expect(dep).toContain("--- a/deployment/shop/api.yaml");
    expect(dep).toContain("+        - name: health-sidecar");
    expect(dep).not.toContain("resourceVersion");
    expect(dep).not.toContain("status:");
    const created = change(p, "BackendConfig").yamlDiff;
    expect(created).toContain("--- /dev/null");
    expect(created).toContain("+kind: BackendConfig");
    expect(change(p, "Service").yamlDiff).toContain(`+    cloud.google.com/backend-config: '{"ports":{"http":"api-health"}}'`);
  });

  it("gives kubectl commands with the same guarded patch, quoted for a shell", () => {
    const p = plan({ strategy: "sidecar", service: "api" }, shopItems(), "gke_proj_us-central1_prod");
    const [dep, rollout, create, svc] = p.kubectlScript.split(/\n(?=kubectl)/);
    expect(dep).toBe(`kubectl --context 'gke_proj_us-central1_prod' -n 'shop' patch deployment 'api' --type=json -p '${JSON.stringify(change(p, "Deployment").patch)}'`);
    expect(rollout).toBe("kubectl --context 'gke_proj_us-central1_prod' -n 'shop' rollout status deployment/'api'");
    expect(create).toMatch(/^kubectl --context 'gke_proj_us-central1_prod' -n 'shop' apply -f - <<'EOF'\napiVersion: cloud.google.com\/v1\nkind: BackendConfig\n[\s\S]*\nEOF$/);
    expect(svc).toContain("patch service 'api' --type=json -p '");
    // A value with a single quote survives shell quoting.
    const items = shopItems();
    itemOf(items, "Service", "web").metadata.annotations!["note"] = "it's";
    const q = plan({ strategy: "sidecar", service: "web" }, items).changes.map((c) => c.kubectl).join("\n");
    expect(q).not.toContain("it's'");
  });
});

describe("guardedPatch", () => {
  it("tests what it replaces or removes, and fails on a concurrent edit", () => {
    const before = { metadata: { name: "x", resourceVersion: "7", annotations: { a: "1" } }, spec: { n: 1, list: [1, 2] } };
    const after = { metadata: { name: "x", resourceVersion: "7", annotations: { a: "2" } }, spec: { n: 1, list: [1, 2, 3] } };
    const ops = guardedPatch(before, after);
    expect(ops).toEqual([
      { op: "test", path: "/metadata/resourceVersion", value: "7" },
      { op: "test", path: "/spec/list", value: [1, 2] },
      { op: "test", path: "/metadata/annotations/a", value: "1" },
      { op: "add", path: "/spec/list/2", value: 3 },
      { op: "replace", path: "/metadata/annotations/a", value: "2" },
    ]);
    const edited = structuredClone(before);
    edited.spec.list.push(9);
    expect(() => fjp.applyPatch(edited, ops, true, false)).toThrow();
  });
});
