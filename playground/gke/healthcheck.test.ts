import { describe, expect, it } from "vitest";
import { appProtocolFor, backendConfigNameFor, parseBackendConfigAnnotation, parseNegAnnotation } from "./annotations.ts";
import { createHealthCheck, healthCheckFromPolicy, inferFromReadinessProbe, negDefaultHealthCheck, readBackendConfigHealthCheck, reconcileHealthCheck } from "./healthcheck.ts";
import type { BackendConfig, HealthCheckPolicy, Pod, Service } from "./types.ts";

// Fixtures shaped like objects read from a GKE cluster (kubectl get -o yaml, trimmed).
function service(annotations: Record<string, string> = {}, ports = [{ name: "http", port: 80, targetPort: "http" as string | number, protocol: "TCP" }]): Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web", namespace: "default", uid: "5b0c…", annotations },
    spec: { type: "ClusterIP", clusterIP: "10.12.0.17", selector: { app: "web" }, ports },
  };
}

function pod(name: string, created: string, probe: Record<string, unknown> | undefined, ports = [{ name: "http", containerPort: 8080, protocol: "TCP" }]): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", creationTimestamp: created, labels: { app: "web", "pod-template-hash": "7d9f8c6b5" } },
    spec: {
      nodeName: "gke-playground-default-pool-6a1f2c3d-x4bk",
      containers: [
        { name: "sidecar", image: "envoy", ports: [{ name: "admin", containerPort: 9901 }], readinessProbe: { httpGet: { path: "/ready", port: 9901, scheme: "HTTP" } } },
        { name: "app", image: "web:1", ports, ...(probe ? { readinessProbe: probe } : {}) },
      ],
    },
    status: { phase: "Running", podIP: "10.8.0.12" },
  };
}

function backendConfig(name: string, healthCheck: Record<string, unknown>): BackendConfig {
  return { apiVersion: "cloud.google.com/v1", kind: "BackendConfig", metadata: { name, namespace: "default" }, spec: { healthCheck, timeoutSec: 40 } };
}

const probe = (extra: Record<string, unknown> = {}, get: Record<string, unknown> = {}) => ({
  httpGet: { path: "healthz", port: "http", scheme: "HTTP", ...get },
  timeoutSeconds: 3,
  periodSeconds: 7,
  successThreshold: 1,
  failureThreshold: 5,
  ...extra,
});

describe("BackendConfig lookup (gke-neg.md §2)", () => {
  const port = { name: "http", port: 80, targetPort: 8080 };
  it("port NAME first, then Service port NUMBER (not targetPort), then default", () => {
    const ref = (a: string) => {
      const r = parseBackendConfigAnnotation(service({ "cloud.google.com/backend-config": a }));
      if (!r?.ok) throw new Error("parse");
      return backendConfigNameFor(r.value, port);
    };
    expect(ref('{"default":"d","ports":{"http":"by-name","80":"by-number"}}')).toBe("by-name");
    expect(ref('{"default":"d","ports":{"80":"by-number"}}')).toBe("by-number");
    expect(ref('{"default":"d","ports":{"8080":"by-target"}}')).toBe("d");
    expect(ref('{"ports":{"8080":"by-target"}}')).toBeUndefined();
  });
  it("the GA annotation wins over the beta one", () => {
    const r = parseBackendConfigAnnotation(service({ "beta.cloud.google.com/backend-config": '{"default":"beta"}', "cloud.google.com/backend-config": '{"default":"ga"}' }));
    expect(r?.ok && r.value.default).toBe("ga");
    const beta = parseBackendConfigAnnotation(service({ "beta.cloud.google.com/backend-config": '{"default":"beta"}' }));
    expect(beta?.ok && beta.value.default).toBe("beta");
  });
});

describe("annotations", () => {
  it("cloud.google.com/neg: ingress, exposed ports, custom names, errors", () => {
    const a = parseNegAnnotation(service({ "cloud.google.com/neg": '{"exposed_ports":{"80":{},"443":{"name":"custom-neg"}}}' }));
    expect(a?.ok && [...a.value.exposedPorts]).toEqual([[80, undefined], [443, "custom-neg"]]);
    expect(parseNegAnnotation(service({ "cloud.google.com/neg": '{"ingress": true, "exposed_ports":{"80":{"name":"x"}}}' }))?.ok).toBe(false);
    expect(parseNegAnnotation(service({ "cloud.google.com/neg": "{ingress: true}" }))?.ok).toBe(false);
    expect(parseNegAnnotation(service())).toBeUndefined();
  });
  it("cloud.google.com/app-protocols is keyed by port NAME only; default HTTP", () => {
    const svc = service({ "cloud.google.com/app-protocols": '{"http":"HTTPS","80":"HTTP2"}' });
    expect(appProtocolFor(svc, { name: "http", port: 80 })).toEqual({ ok: true, value: "HTTPS" });
    expect(appProtocolFor(svc, { port: 80 })).toEqual({ ok: true, value: "HTTP" });
    expect(appProtocolFor(service({ "cloud.google.com/app-protocols": '{"http":"GRPC"}' }), { name: "http", port: 80 }).ok).toBe(false);
  });
});

describe("readinessProbe inference (gke-neg.md §4)", () => {
  const sp = { name: "http", port: 80, targetPort: "http" };
  it("copies path (leading / added), Host header, timeout and period — not thresholds or port", () => {
    const hc = createHealthCheck({ protocol: "HTTP", servicePort: sp, pods: [pod("web-1", "2026-01-01T00:00:00Z", probe({}, { httpHeaders: [{ name: "Host", value: "web.example.com" }] }))] });
    expect(hc.ok && hc.value).toMatchObject({ type: "HTTP", requestPath: "/healthz", host: "web.example.com", timeoutSec: 3, checkIntervalSec: 7, healthyThreshold: 1, unhealthyThreshold: 2, portSpecification: "USE_SERVING_PORT" });
    expect(hc.ok && hc.value.port).toBeUndefined();
  });
  it("takes the first pod by creation time, then name", () => {
    const older = pod("web-b", "2026-01-01T00:00:00Z", probe({}, { path: "/older" }));
    const tieA = pod("web-a", "2026-01-01T00:00:00Z", probe({}, { path: "/tie-a" }));
    const newer = pod("web-0", "2026-01-02T00:00:00Z", probe({}, { path: "/newer" }));
    expect(inferFromReadinessProbe([newer, older], sp, "HTTP")?.settings.requestPath).toBe("/older");
    expect(inferFromReadinessProbe([newer, older, tieA], sp, "HTTP")?.settings.requestPath).toBe("/tie-a");
  });
  it("matches the container by targetPort number or name; probe port must be that container port", () => {
    const byNumber = { name: "http", port: 80, targetPort: 8080 };
    expect(inferFromReadinessProbe([pod("p", "2026-01-01T00:00:00Z", probe({}, { port: 8080 }))], byNumber, "HTTP")?.container).toBe("app");
    // targetPort 9901 selects the sidecar, whose probe is on 9901 too.
    expect(inferFromReadinessProbe([pod("p", "2026-01-01T00:00:00Z", probe())], { port: 80, targetPort: 9901 }, "HTTP")?.settings.requestPath).toBe("/ready");
    // Probe on another port than the serving container port: ignored.
    const other = pod("p", "2026-01-01T00:00:00Z", probe({}, { port: 8081 }), [{ name: "http", containerPort: 8080, protocol: "TCP" }, { name: "health", containerPort: 8081, protocol: "TCP" }]);
    expect(inferFromReadinessProbe([other], sp, "HTTP")).toBeUndefined();
  });
  it("httpGet only, no host, only a Host header; scheme must match the app protocol", () => {
    const p = (pr: Record<string, unknown>) => inferFromReadinessProbe([pod("p", "2026-01-01T00:00:00Z", pr)], sp, "HTTP");
    expect(p({ tcpSocket: { port: "http" } })).toBeUndefined();
    expect(p(probe({}, { host: "10.0.0.1" }))).toBeUndefined();
    expect(p(probe({}, { httpHeaders: [{ name: "X-Probe", value: "1" }] }))).toBeUndefined();
    expect(p(probe({}, { httpHeaders: [{ name: "Host", value: "a" }, { name: "X", value: "b" }] }))).toBeUndefined();
    expect(p(probe({}, { scheme: "HTTPS" }))).toBeUndefined();
    const https = pod("p", "2026-01-01T00:00:00Z", probe({}, { scheme: "HTTPS" }));
    expect(inferFromReadinessProbe([https], sp, "HTTPS")).toBeDefined();
    expect(inferFromReadinessProbe([https], sp, "HTTP2")).toBeDefined(); // HTTP2 → HTTPS
  });
  it("without a usable probe: NEG defaults 15/15/1/2, HTTP, serving port, /", () => {
    const hc = createHealthCheck({ protocol: "HTTP", servicePort: sp, pods: [pod("p", "2026-01-01T00:00:00Z", undefined)] });
    expect(hc.ok && hc.value).toMatchObject({ ...negDefaultHealthCheck("HTTP"), description: expect.any(String) });
    expect(negDefaultHealthCheck("HTTPS").type).toBe("HTTPS");
  });
});

describe("BackendConfig healthCheck precedence (gke-neg.md §3, §4)", () => {
  const sp = { name: "http", port: 80, targetPort: "http" };
  const pods = [pod("web-1", "2026-01-01T00:00:00Z", probe())];
  const values = (hc: Record<string, unknown>) => {
    const r = readBackendConfigHealthCheck(backendConfig("cfg", hc));
    if (!r.ok) throw new Error(r.error);
    return r.value;
  };
  it("BackendConfig fields win field by field over the inferred probe; port ⇒ USE_FIXED_PORT", () => {
    const hc = createHealthCheck({ protocol: "HTTP", servicePort: sp, pods, backendConfig: values({ port: 8081, checkIntervalSec: 20 }) });
    expect(hc.ok && hc.value).toMatchObject({ portSpecification: "USE_FIXED_PORT", port: 8081, checkIntervalSec: 20, requestPath: "/healthz", timeoutSec: 3 });
  });
  it("type TCP (accepted by the CRD schema) fails in the controller", () => {
    const r = readBackendConfigHealthCheck(backendConfig("cfg", { type: "TCP", port: 8080 }));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/TCP.*not supported/);
    expect(readBackendConfigHealthCheck(backendConfig("cfg", { checkIntervalSec: -5 })).ok).toBe(false);
  });
  it("GCE rejects timeoutSec > checkIntervalSec", () => {
    const hc = createHealthCheck({ protocol: "HTTP", servicePort: sp, pods: [], backendConfig: values({ timeoutSec: 20, checkIntervalSec: 10 }) });
    expect(hc.ok).toBe(false);
  });
  it("an existing health check keeps its settings: later probe changes change nothing", () => {
    const created = createHealthCheck({ protocol: "HTTP", servicePort: sp, pods });
    if (!created.ok) throw new Error(created.error);
    // The pods now carry another probe; the controller reconciles the stored health check, not the probe.
    const again = reconcileHealthCheck(created.value, "HTTP", undefined);
    expect(again.ok && again.value.requestPath).toBe("/healthz");
    expect(again.ok && again.value.checkIntervalSec).toBe(7);
  });
  it("BackendConfig changes re-apply field by field; type and portSpecification revert", () => {
    const created = createHealthCheck({ protocol: "HTTP", servicePort: sp, pods, backendConfig: values({ port: 8081, type: "HTTPS" }) });
    if (!created.ok) throw new Error(created.error);
    expect(created.value).toMatchObject({ type: "HTTPS", portSpecification: "USE_FIXED_PORT" });
    const edited = reconcileHealthCheck(created.value, "HTTP", values({ requestPath: "/live" }));
    // requestPath applied; port and type no longer set by the BackendConfig → reverted.
    expect(edited.ok && edited.value).toMatchObject({ requestPath: "/live", type: "HTTP", portSpecification: "USE_SERVING_PORT", checkIntervalSec: 7 });
    expect(edited.ok && edited.value.port).toBeUndefined();
  });
});

describe("HealthCheckPolicy for Gateway services (gke-neg.md §7)", () => {
  const policy = (d: Record<string, unknown>): HealthCheckPolicy => ({
    apiVersion: "networking.gke.io/v1",
    kind: "HealthCheckPolicy",
    metadata: { name: "web-hc", namespace: "default" },
    spec: { targetRef: { group: "", kind: "Service", name: "web" }, default: d },
  });
  it("defaults 5/5/2/2 and the fixed port", () => {
    const r = healthCheckFromPolicy(policy({ config: { type: "HTTP", httpHealthCheck: { portSpecification: "USE_FIXED_PORT", port: 8081, requestPath: "/healthz" } } }), () => undefined);
    expect(r.ok && r.value).toMatchObject({ checkIntervalSec: 5, timeoutSec: 5, healthyThreshold: 2, unhealthyThreshold: 2, type: "HTTP", portSpecification: "USE_FIXED_PORT", port: 8081, requestPath: "/healthz" });
  });
  it("rejects what the CRD rules forbid", () => {
    expect(healthCheckFromPolicy(policy({ timeoutSec: 10, checkIntervalSec: 5 }), () => undefined).ok).toBe(false);
    expect(healthCheckFromPolicy(policy({ config: { type: "HTTP", httpHealthCheck: { portSpecification: "USE_FIXED_PORT" } } }), () => undefined).ok).toBe(false);
    expect(healthCheckFromPolicy(policy({ config: { type: "HTTP", httpHealthCheck: { port: 80 } } }), () => undefined).ok).toBe(false);
    expect(healthCheckFromPolicy(policy({ config: { type: "HTTP", httpsHealthCheck: {} } }), () => undefined).ok).toBe(false);
  });
  it("USE_NAMED_PORT resolves through the pods' container ports", () => {
    const r = healthCheckFromPolicy(policy({ config: { type: "HTTP", httpHealthCheck: { portSpecification: "USE_NAMED_PORT", portName: "health" } } }), (n) => (n === "health" ? 8081 : undefined));
    expect(r.ok && r.value.port).toBe(8081);
  });
});
