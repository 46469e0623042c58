// Fix parameters (Fix.params, plain data for the action) in the words the Fix panel shows, for the
// shapes app/diagnosis/rules.ts produces: no raw booleans, JSON lists or camelCase keys.
import { describe, expect, it } from "vitest";
import { fixParamRows } from "./labels.ts";

describe("fixParamRows", () => {
  it("names the object and whether it is created or changed in place", () => {
    expect(fixParamRows({ kind: "BackendConfig", name: "web-backendconfig", create: true, workloads: ["Deployment/web", "StatefulSet/web-db"] })).toEqual([
      { label: "Changes", value: 'BackendConfig "web-backendconfig" — does not exist yet: it will be created' },
      { label: "Workloads", value: "Deployment web, StatefulSet web-db" },
    ]);
    expect(fixParamRows({ kind: "HealthCheckPolicy", name: "web-health", create: false, workloads: [] })).toEqual([
      { label: "Changes", value: 'HealthCheckPolicy "web-health" — exists: it will be changed in place' },
      { label: "Workloads", value: "none found" },
    ]);
  });

  it("health-check values with their units; nothing for a null value", () => {
    expect(fixParamRows({ kind: "BackendConfig", name: "web-bc", create: false, requestPath: "/healthz", checkIntervalSec: 5, timeoutSec: 5 })).toEqual([
      { label: "Changes", value: 'BackendConfig "web-bc" — exists: it will be changed in place' },
      { label: "Request path", value: "/healthz" },
      { label: "Check interval", value: "5 s" },
      { label: "Timeout", value: "5 s" },
    ]);
    expect(fixParamRows({ kind: "HealthCheckPolicy", name: "p", portSpecification: null, port: null })).toEqual([{ label: "Changes", value: 'HealthCheckPolicy "p"' }]);
    expect(fixParamRows({ kind: "BackendConfig", name: "bc", type: "HTTP2" })).toEqual([
      { label: "Changes", value: 'BackendConfig "bc"' },
      { label: "Health check type", value: "HTTP2" },
    ]);
  });

  it("intercepts, annotations, the webhook firewall and the traffic-manager's namespace", () => {
    expect(fixParamRows({ service: "web", namespace: "demo", servicePorts: ["http", "grpc"] })).toEqual([
      { label: "Service", value: "web in namespace demo" },
      { label: "Service ports", value: "http, grpc" },
    ]);
    expect(fixParamRows({ service: "web", namespace: "demo", servicePort: "http" })).toEqual([
      { label: "Service", value: "web in namespace demo" },
      { label: "Service port", value: "http" },
    ]);
    expect(fixParamRows({ annotation: "cloud.google.com/neg", value: '{"ingress": true}' })).toEqual([{ label: "Annotation", value: 'cloud.google.com/neg: {"ingress": true}' }]);
    expect(fixParamRows({ protocol: "tcp", port: 8443, legacyPort: 443 })).toEqual([{ label: "Allow", value: "TCP port 8443 (443 on older traffic-manager charts)" }]);
    expect(fixParamRows({ namespace: "ambassador" })).toEqual([{ label: "Namespace", value: "ambassador" }]);
  });

  it("an unknown key reads as words, its value without JSON syntax", () => {
    expect(fixParamRows({ maxRetries: 3, dryRun: false, hosts: ["a", "b"], limits: { cpuMillis: 5 } })).toEqual([
      { label: "Max retries", value: "3" },
      { label: "Dry run", value: "no" },
      { label: "Hosts", value: "a, b" },
      { label: "Limits", value: "cpu millis 5" },
    ]);
  });
});
