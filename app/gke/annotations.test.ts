// gke-neg.md §2: the Service annotations GKE reads.
import { describe, expect, it } from "vitest";
import {
  appProtocolFor,
  parseAppProtocols,
  parseBackendConfigAnnotation,
  parseIngressBackends,
  parseNegAnnotation,
  parseNegStatus,
  transparentHealthCheckerEnabled,
} from "./annotations.ts";
import type { Service } from "./snapshot.ts";

const svc = (annotations: Record<string, string>): Service => ({ metadata: { name: "web", namespace: "shop", annotations }, spec: { ports: [{ port: 80 }] } });

describe("cloud.google.com/neg", () => {
  it("reads ingress and exposed_ports with custom names", () => {
    const r = parseNegAnnotation(svc({ "cloud.google.com/neg": '{"exposed_ports": {"80": {}, "443": {"name": "custom-neg"}}}' }));
    expect(r).toMatchObject({ present: true, problem: null, value: { ingress: false, exposedPorts: { "80": null, "443": "custom-neg" } } });
    expect(parseNegAnnotation(svc({ "cloud.google.com/neg": '{"ingress": true}' })).value).toEqual({ ingress: true, exposedPorts: {} });
  });
  it("invalid JSON is a problem (GKE: Warning ProcessServiceFailed), not an exception", () => {
    const r = parseNegAnnotation(svc({ "cloud.google.com/neg": "{ingress: true}" }));
    expect(r.value).toBeNull();
    expect(r.problem?.code).toBe("neg-annotation-invalid");
    expect(r.problem?.message).toMatch(/ProcessServiceFailed/);
    expect(r.problem?.evidence[0]).toMatchObject({ path: 'metadata.annotations["cloud.google.com/neg"]', value: "{ingress: true}" });
  });
  it("a custom name together with ingress: true is an error", () => {
    const r = parseNegAnnotation(svc({ "cloud.google.com/neg": '{"ingress": true, "exposed_ports": {"80": {"name": "x"}}}' }));
    expect(r.problem?.code).toBe("neg-annotation-invalid");
  });
  it("absent is not a problem", () => {
    expect(parseNegAnnotation(svc({}))).toEqual({ present: false, value: null, problem: null });
  });
});

describe("cloud.google.com/neg-status", () => {
  it("maps Service port numbers to NEG names and lists zones", () => {
    const r = parseNegStatus(svc({ "cloud.google.com/neg-status": '{"network_endpoint_groups":{"80":"k8s1-74b928a2-default-web-80-a3c1e454"},"zones":["us-central1-a"]}' }));
    expect(r.value).toEqual({ negs: { "80": "k8s1-74b928a2-default-web-80-a3c1e454" }, zones: ["us-central1-a"] });
  });
  it("invalid JSON is a problem", () => {
    expect(parseNegStatus(svc({ "cloud.google.com/neg-status": "nope" })).problem?.code).toBe("neg-status-invalid");
  });
});

describe("cloud.google.com/backend-config", () => {
  it("reads default and ports", () => {
    const r = parseBackendConfigAnnotation(svc({ "cloud.google.com/backend-config": '{"default": "cfg", "ports": {"http": "cfg-http", "443": "cfg-https"}}' }));
    expect(r.value).toEqual({ annotation: "cloud.google.com/backend-config", default: "cfg", ports: { http: "cfg-http", "443": "cfg-https" } });
  });
  it("the GA annotation wins over the legacy beta one", () => {
    const r = parseBackendConfigAnnotation(
      svc({ "beta.cloud.google.com/backend-config": '{"default": "old"}', "cloud.google.com/backend-config": '{"default": "new"}' }),
    );
    expect(r.value).toMatchObject({ annotation: "cloud.google.com/backend-config", default: "new" });
  });
  it("the beta annotation is used when it is the only one", () => {
    expect(parseBackendConfigAnnotation(svc({ "beta.cloud.google.com/backend-config": '{"default": "old"}' })).value).toMatchObject({
      annotation: "beta.cloud.google.com/backend-config",
      default: "old",
    });
  });
  it("invalid JSON is a problem", () => {
    expect(parseBackendConfigAnnotation(svc({ "cloud.google.com/backend-config": "web-bc" })).problem?.code).toBe("backendconfig-annotation-invalid");
  });
});

describe("cloud.google.com/app-protocols", () => {
  it("is keyed by port NAME and defaults to HTTP", () => {
    const p = parseAppProtocols(svc({ "cloud.google.com/app-protocols": '{"https": "HTTPS", "h2": "HTTP2"}' })).value;
    expect(appProtocolFor(p, "https")).toEqual({ value: "HTTPS", source: "app-protocols" });
    expect(appProtocolFor(p, "h2")).toEqual({ value: "HTTP2", source: "app-protocols" });
    expect(appProtocolFor(p, null)).toEqual({ value: "HTTP", source: "default" });
    expect(appProtocolFor(p, "http")).toEqual({ value: "HTTP", source: "default" });
    expect(appProtocolFor(null, "https")).toEqual({ value: "HTTP", source: "default" });
  });
});

describe("other annotations", () => {
  it("transparent health checker", () => {
    expect(transparentHealthCheckerEnabled(svc({ "networking.gke.io/transparent-health-checker": '{"enabled": true}' }))).toBe(true);
    expect(transparentHealthCheckerEnabled(svc({ "networking.gke.io/transparent-health-checker": '{"enabled": false}' }))).toBe(false);
    expect(transparentHealthCheckerEnabled(svc({}))).toBe(false);
  });
  it("ingress.kubernetes.io/backends (gke-neg.md §1)", () => {
    expect(parseIngressBackends('{"k8s1-a": "HEALTHY", "k8s1-b": "Unknown"}')).toEqual({ "k8s1-a": "HEALTHY", "k8s1-b": "Unknown" });
    expect(parseIngressBackends("garbage")).toEqual({});
    expect(parseIngressBackends(undefined)).toEqual({});
  });
});
