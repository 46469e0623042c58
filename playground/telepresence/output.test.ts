import { describe, expect, it } from "vitest";
import { omitEmpty, render } from "./output.ts";
import { release } from "./versions.ts";

describe("render (telepresence.md §1)", () => {
  it("JSON: one envelope, every key but cmd omitted when empty", () => {
    expect(render("list", "json", { data: [] }).stdout).toBe('{"cmd":"list","stdout":[]}\n');
    expect(render("version", "json", { text: "OSS Client : v2.27.1\n" }).stdout).toBe('{"cmd":"version","stdout":"OSS Client : v2.27.1\\n"}\n');
    expect(render("leave", "json", { err: "boom" })).toEqual({ stdout: '{"cmd":"leave","err":"boom"}\n', stderr: "", code: 1 });
    expect(render("intercept", "json", { text: "t\n", stderr: "warn\n" }).stdout).toBe('{"cmd":"intercept","stdout":"t\\n","stderr":"warn\\n"}\n');
  });

  it("prints nothing at all when a command wrote nothing and failed at nothing", () => {
    expect(render("connect", "json", {})).toEqual({ stdout: "", stderr: "", code: 0 });
    expect(render("connect", "yaml", {})).toEqual({ stdout: "", stderr: "", code: 0 });
  });

  it("bare objects for status and detailed intercepts; the envelope on error", () => {
    expect(render("status", "json", { data: { a: 1 }, bare: true }).stdout).toBe('{"a":1}\n');
    expect(render("status", "json", { bare: true, err: "x" }).stdout).toBe('{"cmd":"status","err":"x"}\n');
  });

  it("text mode: stdout as is, errors as `telepresence <sub>: error: <msg>` on stderr, exit 1", () => {
    expect(render("connect", "default", { text: "Connected\n" })).toEqual({ stdout: "Connected\n", stderr: "", code: 0 });
    expect(render("connect", "default", { err: "nope" })).toEqual({ stdout: "", stderr: "telepresence connect: error: nope\n", code: 1 });
  });

  it("json-stream: bare values one per line; yaml: the same envelope as YAML", () => {
    expect(render("list", "json-stream", { data: [{ name: "web" }] }).stdout).toBe('[{"name":"web"}]\n');
    expect(render("list", "yaml", { data: [] }).stdout).toBe("cmd: list\nstdout: []\n");
  });

  it("2.28 --format: the object itself, {error} on failure", () => {
    expect(render("list", "json", { data: [] }, { formatFlag: true }).stdout).toBe("[]\n");
    expect(render("leave", "json", { err: "x" }, { formatFlag: true })).toEqual({ stdout: '{"error":"x"}\n', stderr: "", code: 1 });
  });

  it("2.20 omits false, zero, empty strings and slices but keeps empty objects (Go structs)", () => {
    expect(omitEmpty({ a: false, b: 0, c: "", d: [], e: {}, f: { g: null, h: 1 }, i: [{ j: "" }] })).toEqual({ e: {}, f: { h: 1 }, i: [{}] });
    expect(render("status", "json", { data: { user_daemon: { running: false } }, bare: true }, { omitEmpty: true }).stdout).toBe('{"user_daemon":{}}\n');
  });
});

describe("release profiles", () => {
  it("switch key names, texts and behaviours by version", () => {
    const old = release("2.20.2");
    const now = release("2.27.1");
    expect([old.listKeys, release("2.21.0").listKeys, release("2.22.3").listKeys, release("2.22.4").listKeys]).toEqual(["2.20", "2.21", "2.21", "2.22.4"]);
    expect([old.formatFlag, now.formatFlag, release("2.28.0").formatFlag]).toEqual(["output", "output", "format"]);
    expect([old.httpFilters, release("2.25.0").httpFilters]).toEqual([false, true]);
    expect([old.restartByEviction, release("2.22.0").restartByEviction]).toEqual([false, true]);
    expect(old.leaveNotFound("x")).toBe('Intercept named "x" not found');
    expect(now.leaveNotFound("x")).toBe('Found no replace, intercept, or ingest named "x"');
    expect(() => release("3.0.0")).toThrow(/2\.20\.0 to 2\.28\.x/);
  });
});
