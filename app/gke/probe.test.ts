// gke-neg.md §4: readinessProbe inference, rule by rule.
import { describe, expect, it } from "vitest";
import { container, httpProbe, podOf } from "./fixtures/build.ts";
import { healthCheckPath, inferFromProbe, probeDifferences, summarizeProbe } from "./probe.ts";
import type { Container } from "./pods.ts";
import { withSimulatedAgent } from "./pods.ts";

const named = { kind: "name", value: "http" } as const;
const numeric = { kind: "number", value: 8080 } as const;
const app = (probe: Container["readinessProbe"], ports: [number, string?][] = [[8080, "http"]]) => container("app", ports, { readinessProbe: probe });

describe("which pod and container", () => {
  it("uses the first pod by creation time, then name, skipping terminating pods", () => {
    const old = podOf([app(httpProbe("/old", "http"))], { name: "z-old", created: "2026-01-01T00:00:00Z" });
    const tieB = podOf([app(httpProbe("/b", "http"))], { name: "b", created: "2026-01-02T00:00:00Z" });
    const tieA = podOf([app(httpProbe("/a", "http"))], { name: "a", created: "2026-01-02T00:00:00Z" });
    expect(inferFromProbe([tieB, old, tieA], named, "HTTP").probe?.path).toBe("/old");
    expect(inferFromProbe([tieB, tieA], named, "HTTP").pod?.metadata?.name).toBe("a");
    const terminating = { ...old, metadata: { ...old.metadata, deletionTimestamp: "2026-01-03T00:00:00Z" } };
    expect(inferFromProbe([terminating, tieB], named, "HTTP").probe?.path).toBe("/b");
  });
  it("matches the container by port name (named targetPort) or containerPort (number)", () => {
    const pod = podOf([container("side", [[9000, "side"]], { readinessProbe: httpProbe("/side", 9000) }), app(httpProbe("/healthz", 8080))]);
    expect(inferFromProbe([pod], named, "HTTP")).toMatchObject({ container: "app", probe: { path: "/healthz" } });
    expect(inferFromProbe([pod], numeric, "HTTP")).toMatchObject({ container: "app", probe: { path: "/healthz" } });
    expect(inferFromProbe([pod], { kind: "name", value: "grpc" }, "HTTP").skippedReason).toMatch(/declares the targetPort grpc/);
  });
  it("no pods", () => {
    expect(inferFromProbe([], named, "HTTP").skippedReason).toMatch(/no running pod/);
  });
  it("reads the pod as it was before the traffic-agent (tm- rename undone)", () => {
    const pod = podOf([app(httpProbe("/healthz", "http"))]);
    const injected = withSimulatedAgent(pod, [named]);
    expect(inferFromProbe([injected], named, "HTTP")).toMatchObject({ container: "app", probe: { path: "/healthz", port: "http" } });
  });
});

describe("which probes qualify", () => {
  const infer = (probe: ReturnType<typeof httpProbe> | undefined, protocol: "HTTP" | "HTTPS" | "HTTP2" = "HTTP") =>
    inferFromProbe([podOf([app(probe)])], named, protocol);
  it("httpGet only", () => {
    expect(infer(undefined).skippedReason).toMatch(/no readinessProbe/);
    expect(inferFromProbe([podOf([app({ exec: { command: ["true"] } })])], named, "HTTP").skippedReason).toMatch(/not httpGet/);
    expect(inferFromProbe([podOf([app({ tcpSocket: { port: 8080 } })])], named, "HTTP").skippedReason).toMatch(/not httpGet/);
  });
  it("no host; no headers except a single Host", () => {
    expect(infer(httpProbe("/h", "http", { host: "example.com" })).skippedReason).toMatch(/sets host/);
    expect(infer(httpProbe("/h", "http", { headers: [{ name: "X-A", value: "1" }] })).skippedReason).toMatch(/headers/);
    expect(infer(httpProbe("/h", "http", { headers: [{ name: "Host", value: "a" }, { name: "Host", value: "b" }] })).skippedReason).toMatch(/headers/);
    expect(infer(httpProbe("/h", "http", { headers: [{ name: "Host", value: "shop.example.com" }] })).probe?.host).toBe("shop.example.com");
  });
  it("scheme must match the app protocol: HTTP→HTTP, HTTPS→HTTPS, HTTP2→HTTPS", () => {
    expect(infer(httpProbe("/h", "http", { scheme: "HTTPS" }), "HTTP").skippedReason).toMatch(/needs HTTP/);
    expect(infer(httpProbe("/h", "http", { scheme: "HTTPS" }), "HTTPS").probe).not.toBeNull();
    expect(infer(httpProbe("/h", "http", { scheme: "HTTPS" }), "HTTP2").probe).not.toBeNull();
    expect(infer(httpProbe("/h", "http"), "HTTP2").skippedReason).toMatch(/needs HTTPS/);
  });
  it("the probe port must be the serving container port (by number or by name)", () => {
    expect(infer(httpProbe("/h", 8080)).probe).not.toBeNull();
    expect(infer(httpProbe("/h", "http")).probe).not.toBeNull();
    const other = inferFromProbe([podOf([app(httpProbe("/h", "health"), [[8080, "http"], [9091, "health"]])])], named, "HTTP");
    expect(other.skippedReason).toMatch(/checks port health, not the serving port/);
  });
});

describe("what is copied", () => {
  it("path (leading / added), Host, timeoutSeconds→timeoutSec, periodSeconds→checkIntervalSec", () => {
    const p = summarizeProbe("app", httpProbe("ready", 8080, { period: 5, timeout: 2 }))!;
    expect(p).toMatchObject({ path: "ready", timeoutSeconds: 2, periodSeconds: 5, scheme: "HTTP" });
    expect(healthCheckPath(p.path)).toBe("/ready");
    expect(healthCheckPath("/x")).toBe("/x");
  });
  it("Kubernetes defaults when the probe omits timing (1 s / 10 s)", () => {
    expect(summarizeProbe("app", { httpGet: { path: "/", port: 80 } })).toMatchObject({ timeoutSeconds: 1, periodSeconds: 10, scheme: "HTTP" });
  });
});

describe("probeDifferences", () => {
  const a = summarizeProbe("app", httpProbe("/healthz", "http"))!;
  it("lists changed fields", () => {
    const b = summarizeProbe("app", httpProbe("/ready", "http", { period: 5 }))!;
    expect(probeDifferences(a, b)).toEqual([
      { field: "path", atCreation: "/healthz", now: "/ready" },
      { field: "periodSeconds", atCreation: 10, now: 5 },
    ]);
    expect(probeDifferences(a, a)).toEqual([]);
  });
  it("a probe that appeared or disappeared", () => {
    expect(probeDifferences(a, null)).toEqual([{ field: "probe", atCreation: "httpGet", now: "none" }]);
    expect(probeDifferences(null, null)).toEqual([]);
  });
});
