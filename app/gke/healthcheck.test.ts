// gke-neg.md §4 (Ingress NEG precedence) and §7 (HealthCheckPolicy).
import { describe, expect, it } from "vitest";
import type { ProbeSummary } from "../contract/model.ts";
import { gatewayHealthCheck, ingressHealthCheck } from "./healthcheck.ts";
import type { BackendConfig, HealthCheckPolicy } from "./snapshot.ts";

const probe: ProbeSummary = { container: "app", scheme: "HTTP", path: "ready", port: 8080, host: "shop.example.com", timeoutSeconds: 2, periodSeconds: 5 };
const bc = (healthCheck: NonNullable<BackendConfig["spec"]>["healthCheck"]): BackendConfig => ({ metadata: { name: "web-bc", namespace: "shop" }, spec: { healthCheck } });
const http = { value: "HTTP", source: "default" } as const;
const values = (r: ReturnType<typeof ingressHealthCheck>) => Object.fromEntries(Object.entries(r.fields).map(([k, v]) => [k, [v.value, v.source]]));

describe("Ingress NEG health check (gke-neg.md §4)", () => {
  it("defaults: 15/15/1/2, HTTP, USE_SERVING_PORT, /", () => {
    const r = ingressHealthCheck({ namespace: "shop", appProtocol: http, backendConfig: null, probe: null, transparentHealthChecker: false });
    expect(values(r)).toMatchObject({
      checkIntervalSec: [15, "default"],
      timeoutSec: [15, "default"],
      healthyThreshold: [1, "default"],
      unhealthyThreshold: [2, "default"],
      type: ["HTTP", "default"],
      portSpecification: ["USE_SERVING_PORT", "default"],
      requestPath: ["/", "default"],
    });
    expect(r.source).toBe("default");
  });
  it("app-protocols sets the default type", () => {
    const r = ingressHealthCheck({ namespace: "shop", appProtocol: { value: "HTTP2", source: "app-protocols" }, backendConfig: null, probe: null, transparentHealthChecker: false });
    expect(r.fields.type).toEqual({ value: "HTTP2", source: "app-protocol" });
  });
  it("probe inference copies path (with /), host, timeout, period — never thresholds or port", () => {
    const r = ingressHealthCheck({ namespace: "shop", appProtocol: http, backendConfig: null, probe, transparentHealthChecker: false });
    expect(values(r)).toMatchObject({
      requestPath: ["/ready", "readiness-probe"],
      host: ["shop.example.com", "readiness-probe"],
      timeoutSec: [2, "readiness-probe"],
      checkIntervalSec: [5, "readiness-probe"],
      healthyThreshold: [1, "default"],
      unhealthyThreshold: [2, "default"],
      portSpecification: ["USE_SERVING_PORT", "default"],
      port: [null, "default"],
    });
    expect(r.source).toBe("readiness-probe");
    expect(r.sourceExplanation).toMatch(/later probe edits do not apply/);
  });
  it("BackendConfig fields win field by field over the probe", () => {
    const r = ingressHealthCheck({ namespace: "shop", appProtocol: http, backendConfig: bc({ requestPath: "/healthz", unhealthyThreshold: 5 }), probe, transparentHealthChecker: false });
    expect(values(r)).toMatchObject({
      requestPath: ["/healthz", "backendconfig"],
      unhealthyThreshold: [5, "backendconfig"],
      timeoutSec: [2, "readiness-probe"],
      checkIntervalSec: [5, "readiness-probe"],
    });
    expect(r.source).toBe("mixed");
    expect(r.overriddenByBackendConfig).toEqual(["unhealthyThreshold", "requestPath"]);
    expect(r.configuredBy).toEqual({ kind: "BackendConfig", namespace: "shop", name: "web-bc" });
  });
  it("BackendConfig port ⇒ USE_FIXED_PORT; no port ⇒ USE_SERVING_PORT", () => {
    expect(ingressHealthCheck({ namespace: "shop", appProtocol: http, backendConfig: bc({ port: 8086 }), probe: null, transparentHealthChecker: false }).fields.portSpecification).toEqual({
      value: "USE_FIXED_PORT",
      source: "backendconfig",
    });
    expect(ingressHealthCheck({ namespace: "shop", appProtocol: http, backendConfig: bc({ requestPath: "/x" }), probe: null, transparentHealthChecker: false }).fields.portSpecification.value).toBe(
      "USE_SERVING_PORT",
    );
  });
  it("BackendConfig type is kept as written, even unsupported (the finding reports it)", () => {
    expect(ingressHealthCheck({ namespace: "shop", appProtocol: http, backendConfig: bc({ type: "TCP" }), probe: null, transparentHealthChecker: false }).fields.type).toEqual({
      value: "TCP",
      source: "backendconfig",
    });
  });
  it("transparent health checker: port 7877 /api/podhealth, ignored when a BackendConfig healthCheck is set (gke-neg.md §2)", () => {
    const thc = ingressHealthCheck({ namespace: "shop", appProtocol: http, backendConfig: null, probe, transparentHealthChecker: true });
    expect(values(thc)).toMatchObject({ port: [7877, "transparent-health-checker"], requestPath: ["/api/podhealth", "transparent-health-checker"], portSpecification: ["USE_FIXED_PORT", "transparent-health-checker"] });
    const withBc = ingressHealthCheck({ namespace: "shop", appProtocol: http, backendConfig: bc({ checkIntervalSec: 5 }), probe: null, transparentHealthChecker: true });
    expect(withBc.fields.port.value).toBeNull();
  });
});

const policy = (httpHealthCheck: Record<string, unknown>, extra: Record<string, unknown> = {}): HealthCheckPolicy => ({
  metadata: { name: "catalog-health", namespace: "shop" },
  spec: { targetRef: { group: "", kind: "Service", name: "catalog" }, default: { ...extra, config: { type: "HTTP", httpHealthCheck } } },
});

describe("Gateway HealthCheckPolicy (gke-neg.md §7)", () => {
  it("no policy: GET / on the serving port; no probe inference", () => {
    const r = gatewayHealthCheck("shop", null);
    expect(r.fields.portSpecification.value).toBe("USE_SERVING_PORT");
    expect(r.fields.requestPath.value).toBe("/");
    expect(r.notes.join(" ")).toMatch(/does not infer/);
  });
  it("defaults interval and timeout to 5", () => {
    const r = gatewayHealthCheck("shop", policy({ requestPath: "/healthz" }));
    expect(r.fields.checkIntervalSec).toEqual({ value: 5, source: "default" });
    expect(r.fields.timeoutSec).toEqual({ value: 5, source: "default" });
    expect(r.fields.requestPath).toEqual({ value: "/healthz", source: "health-check-policy" });
  });
  it("USE_FIXED_PORT with port", () => {
    const r = gatewayHealthCheck("shop", policy({ portSpecification: "USE_FIXED_PORT", port: 8081 }));
    expect(r.fields.portSpecification.value).toBe("USE_FIXED_PORT");
    expect(r.fields.port.value).toBe(8081);
    expect(r.problems).toEqual([]);
  });
  it("a port without USE_FIXED_PORT is a problem and the check stays on the serving port", () => {
    for (const spec of [undefined, "USE_SERVING_PORT"]) {
      const r = gatewayHealthCheck("shop", policy({ ...(spec ? { portSpecification: spec } : {}), port: 8081 }));
      expect(r.problems.map((p) => p.code)).toEqual(["healthcheckpolicy-port-needs-fixed-port"]);
      expect(r.fields.portSpecification.value).toBe("USE_SERVING_PORT");
      expect(r.fields.port.value).toBeNull();
    }
  });
  it("USE_FIXED_PORT without port, USE_NAMED_PORT without portName are problems", () => {
    expect(gatewayHealthCheck("shop", policy({ portSpecification: "USE_FIXED_PORT" })).problems[0]!.code).toBe("healthcheckpolicy-fixed-port-without-port");
    expect(gatewayHealthCheck("shop", policy({ portSpecification: "USE_NAMED_PORT" })).problems[0]!.code).toBe("healthcheckpolicy-named-port-without-name");
    const ok = gatewayHealthCheck("shop", policy({ portSpecification: "USE_NAMED_PORT", portName: "health" }));
    expect(ok.fields.portName.value).toBe("health");
  });
});
