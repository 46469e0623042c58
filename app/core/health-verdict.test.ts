// The health verdict the intercept panel and `switchboard intercept` show before intercepting, on the
// model of web from GKE-shaped fixtures (serving-port BackendConfig check, named targetPort).
import { describe, expect, it } from "vitest";
import type { ServiceDetail } from "../contract/api.ts";
import { diagnose } from "../diagnosis/diagnose.ts";
import shopJson from "../gke/fixtures/shop.json";
import telepresenceJson from "../gke/fixtures/telepresence.json";
import { snapshotFromItems, type TelepresenceFacts } from "../gke/snapshot.ts";
import { healthVerdict } from "./intercepts.ts";

function web(): ServiceDetail {
  const telepresence = { ...(structuredClone(telepresenceJson) as TelepresenceFacts), intercepts: [] };
  const service = diagnose(snapshotFromItems(structuredClone(shopJson.items) as unknown[], { telepresence })).services.find((s) => s.service.name === "web")!;
  // Only the view and the findings matter to the verdict.
  return { view: service.service, findings: service.findings } as unknown as ServiceDetail;
}

describe("healthVerdict", () => {
  it("names the port by its name, its number, or not at all when there is only one (telepresence --port LOCAL:SVC_PORT)", () => {
    const detail = web();
    for (const port of ["http", "80", null]) {
      const verdict = healthVerdict(detail, port, "global", true);
      expect(verdict, String(port)).toMatchObject({ known: true, healthCheckHitsPort: true, filteredSafe: true, offerFirst: "http-filtered" });
      expect(verdict.reason).toMatch(/^A global intercept of port http would send the load balancer's health checks to your laptop/);
      expect(verdict.strategies.map((s) => s.fix.strategy)[0]).toBe("sidecar");
    }
  });

  it("a header filter keeps the checks on the app; without one available, the health strategy comes first", () => {
    const detail = web();
    expect(healthVerdict(detail, "80", "http-filtered", true)).toMatchObject({ healthCheckHitsPort: false, offerFirst: "http-filtered" });
    expect(healthVerdict(detail, "80", "global", false)).toMatchObject({ healthCheckHitsPort: true, offerFirst: "health-strategy" });
    expect(healthVerdict(detail, "9999", "global", true)).toMatchObject({ known: true, healthCheckHitsPort: false, offerFirst: "none" });
    expect(healthVerdict(null, "80", "global", true)).toMatchObject({ known: false, healthCheckHitsPort: null });
  });
});
