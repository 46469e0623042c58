// The pure side of rollback and crash recovery: judging a step from the object as it is now, the undo
// patch (exact restore; controller annotations left alone; forced = only our change), the journal file.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fjp from "fast-json-patch";
import { afterEach, describe, expect, it } from "vitest";
import { guardedPatch } from "./guards.ts";
import { Journal } from "./journal.ts";
import { judgeStep, undoPatch } from "./restore.ts";
import type { KubeObject, OperationRecord, StepRecord } from "./types.ts";

const before: KubeObject = {
  apiVersion: "cloud.google.com/v1",
  kind: "BackendConfig",
  metadata: { name: "web", namespace: "demo", resourceVersion: "10", uid: "u1" },
  spec: { healthCheck: { requestPath: "/healthz", checkIntervalSec: 5 }, logging: { enable: true } },
};
const after: KubeObject = { ...structuredClone(before), spec: { healthCheck: { requestPath: "/healthz", checkIntervalSec: 5, port: 8081 }, logging: { enable: true } } };

function step(applied: KubeObject | null = null): StepRecord {
  const patch = guardedPatch(before, after);
  return {
    index: 0,
    change: { object: { kind: "BackendConfig", apiVersion: "cloud.google.com/v1", namespace: "demo", name: "web" }, action: "patch", summary: "", before, after, patch, yamlDiff: "", kubectl: "", restartsPods: false },
    status: "applied",
    applied,
    error: null,
  };
}

const withRv = (o: KubeObject, rv: string): KubeObject => ({ ...structuredClone(o), metadata: { ...o.metadata, resourceVersion: rv } });

describe("judgeStep", () => {
  it("tells applied, not applied and edited-since apart, ignoring resourceVersion", () => {
    expect(judgeStep(step(), withRv(before, "11"))).toBe("not-applied");
    expect(judgeStep(step(), withRv(after, "12"))).toBe("applied");
    const edited = withRv(after, "13");
    (edited.spec as { healthCheck: { checkIntervalSec: number } }).healthCheck.checkIntervalSec = 7;
    expect(judgeStep(step(), edited)).toBe("changed-since");
    expect(judgeStep(step(), null)).toBe("changed-since");
  });

  it("ignores annotations controllers own", () => {
    const current = withRv(after, "14");
    current.metadata.annotations = { "cloud.google.com/neg-status": "{}" };
    expect(judgeStep(step(), current)).toBe("applied");
  });
});

it("judges a Service by its annotations and labels only (its spec comes through client-node's typed API)", () => {
  const svcBefore: KubeObject = { apiVersion: "v1", kind: "Service", metadata: { name: "api", namespace: "demo", resourceVersion: "5", annotations: { a: "1" } }, spec: { ports: [{ port: 80 }], trafficDistribution: "PreferClose" } };
  const svcAfter: KubeObject = { ...structuredClone(svcBefore), metadata: { ...svcBefore.metadata, annotations: { a: "1", b: "2" } } };
  const s: StepRecord = { ...step(), change: { ...step().change, object: { kind: "Service", apiVersion: "v1", namespace: "demo", name: "api" }, before: svcBefore, after: svcAfter, patch: guardedPatch(svcBefore, svcAfter) } };
  // The typed client dropped a field it does not know: still "applied", and the undo leaves spec alone.
  const current = { ...structuredClone(svcAfter), spec: { ports: [{ port: 80 }] } };
  expect(judgeStep(s, current)).toBe("applied");
  const ops = undoPatch(s, current)!;
  expect(ops.filter((o) => o.op !== "test")).toEqual([{ op: "remove", path: "/metadata/annotations/b" }]);
});

describe("undoPatch", () => {
  it("restores spec, labels and annotations exactly, guarded by the current resourceVersion", () => {
    const current = withRv(after, "20");
    current.metadata.annotations = { "cloud.google.com/neg-status": "{\"x\":1}" };
    const ops = undoPatch(step(), current)!;
    expect(ops[0]).toEqual({ op: "test", path: "/metadata/resourceVersion", value: "20" });
    const restored = fjp.applyPatch(structuredClone(current), ops, true, false).newDocument;
    expect(restored.spec).toEqual(before.spec);
    // The controller's annotation stays; no empty labels map appears.
    expect(restored.metadata.annotations).toEqual({ "cloud.google.com/neg-status": "{\"x\":1}" });
    expect(restored.metadata.labels).toBeUndefined();
  });

  it("forced: puts back only our change, keeping somebody else's", () => {
    const current = withRv(after, "21");
    (current.spec as { healthCheck: { checkIntervalSec: number } }).healthCheck.checkIntervalSec = 7;
    const ops = undoPatch(step(), current, true)!;
    const restored = fjp.applyPatch(structuredClone(current), ops, true, false).newDocument as unknown as { spec: { healthCheck: Record<string, unknown> } };
    expect(restored.spec.healthCheck).toEqual({ requestPath: "/healthz", checkIntervalSec: 7 });
  });

  it("forced: gives up (null) when our change cannot be replayed on theirs", () => {
    const current = withRv(after, "22");
    (current.spec as { healthCheck?: unknown }).healthCheck = undefined;
    delete (current.spec as { healthCheck?: unknown }).healthCheck;
    expect(undoPatch(step(), current, true)).toBeNull();
  });
});

describe("Journal", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("writes one file per operation atomically and lists them oldest first", () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-journal-"));
    dirs.push(dir);
    const j = new Journal(dir);
    const rec = (id: string, createdAt: string): OperationRecord => ({ id, version: 1, createdAt, updatedAt: createdAt, state: "applying", plan: {} as never, steps: [], error: null, log: [] });
    j.write(rec("b-op", "2026-11-24T10:00:01Z"));
    j.write(rec("a-op", "2026-11-24T10:00:02Z"));
    const again = j.read("b-op")!;
    again.state = "applied";
    j.write(again);
    expect(readdirSync(dir).sort()).toEqual(["a-op.op.json", "b-op.op.json"]);
    expect(j.list().map((r) => `${r.id}:${r.state}`)).toEqual(["b-op:applied", "a-op:applying"]);
    expect(j.read("missing")).toBeNull();
    expect(() => j.read("../etc/passwd")).toThrow(/invalid operation id/);
  });
});
