// The services slice: batched events keep unchanged rows as the same objects (so memoised rows do not
// re-render), ignore batches for a list no longer shown, and route details only to the open service.
import { afterEach, describe, expect, it } from "vitest";
import type { ServiceDetail, ServiceSummary, SwitchboardApi } from "../../app/contract/api.ts";
import { createServiceActions, initialServicesState, useServices } from "./services-store.ts";
import { COMPUTE_SOURCE, KUBERNETES_SOURCE, manyRows } from "./testing/details.ts";

const apply = useServices.getState().apply;
const reset = (rows: ServiceSummary[]) => apply([{ type: "services", context: "c", namespace: "ns", reset: true, upserts: rows, removed: [] }]);

afterEach(() => useServices.setState({ ...initialServicesState, byKey: new Map() }));

describe("services slice", () => {
  it("applies upserts and removals in one batch and keeps unchanged rows identical", () => {
    reset(manyRows(5, "ns"));
    const before = useServices.getState().rows;
    const changed = { ...before[1]!, health: "unhealthy" as const };
    apply([
      { type: "services", context: "c", namespace: "ns", reset: false, upserts: [{ ...before[0]! }, changed], removed: [] },
      { type: "services", context: "c", namespace: "ns", reset: false, upserts: [], removed: [before[4]!.key] },
    ]);
    const after = useServices.getState().rows;
    expect(after.map((r) => r.name)).toEqual(["service-0000", "service-0001", "service-0002", "service-0003"]);
    expect(after[0]).toBe(before[0]); // re-sent, same content: same object
    expect(after[1]).toBe(changed);
    expect(after[2]).toBe(before[2]);
  });

  it("ignores batches for another namespace until a reset switches to it", () => {
    reset(manyRows(2, "ns"));
    apply([{ type: "services", context: "c", namespace: "other", reset: false, upserts: manyRows(3, "other"), removed: [] }]);
    expect(useServices.getState().rows).toHaveLength(2);
    apply([{ type: "services", context: "c", namespace: "other", reset: true, upserts: manyRows(3, "other"), removed: [] }]);
    expect(useServices.getState()).toMatchObject({ namespace: "other", listStatus: "ready" });
    expect(useServices.getState().rows.map((r) => r.key)).toEqual(["other/service-0000", "other/service-0001", "other/service-0002"]);
  });

  it("takes service events only for the open service, and health-source events", async () => {
    reset(manyRows(3, "ns"));
    const detail = (key: string) => ({ summary: { ...manyRows(1, "ns")[0]!, key }, healthSource: COMPUTE_SOURCE }) as unknown as ServiceDetail;
    const asked: unknown[] = [];
    const actions = createServiceActions({
      "services.get": async (input: unknown) => {
        asked.push(input);
        return detail("ns/service-0001");
      },
    } as unknown as SwitchboardApi);
    await actions.openService("ns/service-0001");
    expect(asked).toEqual([{ namespace: "ns", name: "service-0001" }]);
    expect(useServices.getState()).toMatchObject({ openKey: "ns/service-0001", detailStatus: "ready" });

    const other = detail("ns/service-0002");
    apply([{ type: "service", detail: other }]);
    expect(useServices.getState().detail?.summary.key).toBe("ns/service-0001");
    const fresh = detail("ns/service-0001");
    apply([{ type: "service", detail: fresh }, { type: "health-source", healthSource: KUBERNETES_SOURCE }]);
    expect(useServices.getState().detail).toBe(fresh);
    expect(useServices.getState().healthSource).toBe(KUBERNETES_SOURCE);
    expect(useServices.getState().recent).toEqual(["ns/service-0001"]);

    actions.closeService();
    apply([{ type: "service", detail: fresh }]);
    expect(useServices.getState().detail).toBeNull();
  });

  it("services.list answers the late joiner: rows, source, unavailable kinds; errors stay as values", async () => {
    let fail = true;
    const actions = createServiceActions({
      "services.list": async () => {
        if (fail) throw Object.assign(new Error("The core is not ready."), { code: "unreachable", hint: "Try again." });
        return { context: "c", namespace: "ns", services: manyRows(2, "ns"), healthSource: KUBERNETES_SOURCE, unavailableKinds: [{ kind: "backendconfigs", reason: "not-installed", message: "No BackendConfig CRD." }], telepresence: null };
      },
    } as unknown as SwitchboardApi);
    await actions.loadServices();
    expect(useServices.getState()).toMatchObject({ listStatus: "error", listError: { code: "unreachable", message: "The core is not ready.", hint: "Try again." } });
    fail = false;
    await actions.loadServices();
    expect(useServices.getState()).toMatchObject({ listStatus: "ready", listError: null, healthSource: KUBERNETES_SOURCE });
    expect(useServices.getState().unavailableKinds).toHaveLength(1);
    expect(useServices.getState().rows).toHaveLength(2);
  });
});
