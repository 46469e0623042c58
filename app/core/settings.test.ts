import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SwitchboardEvent } from "../contract/api.ts";
import { DEFAULT_SETTINGS } from "../contract/settings.ts";
import { toErrorValue } from "../contract/errors.ts";
import { validateCall } from "../contract/validate.ts";
import { createCore, type Core } from "./core.ts";
import { createSettingsStore, readSettingsFile, SETTINGS_FILE, writeFileAtomic } from "./settings.ts";

let dir: string;
const logs: string[] = [];
const log = (message: string) => void logs.push(message);

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "sb-settings-"));
  logs.length = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function store(events: SwitchboardEvent[] = []) {
  return createSettingsStore({ dataDir: dir, emit: (e) => void events.push(e), log });
}

describe("settings store", () => {
  it("starts from the defaults without a file and writes only on a change", async () => {
    const s = store();
    const view = await s.methods["settings.get"]({});
    expect(view).toEqual({ settings: DEFAULT_SETTINGS, file: path.join(dir, SETTINGS_FILE), problem: null });
    expect(readdirSync(dir)).toEqual([]);
  });

  it("saves a partial change, emits it, and a new store reads it back", async () => {
    const events: SwitchboardEvent[] = [];
    const s = store(events);
    const view = await s.methods["settings.set"]({ theme: "dark", defaultLocalPort: 3000 });
    expect(view.settings).toEqual({ ...DEFAULT_SETTINGS, theme: "dark", defaultLocalPort: 3000 });
    expect(events).toEqual([{ type: "settings", settings: view }]);
    expect(JSON.parse(readFileSync(path.join(dir, SETTINGS_FILE), "utf8"))).toEqual(view.settings);
    // No temp file is left behind by the atomic write.
    expect(readdirSync(dir)).toEqual([SETTINGS_FILE]);
    expect(store().current()).toEqual(view.settings);
  });

  it("applies concurrent changes in order, each on top of the one before", async () => {
    const s = store();
    await Promise.all([
      s.methods["settings.set"]({ theme: "light" }),
      s.methods["settings.set"]({ defaultLocalPort: 9000 }),
      s.methods["settings.set"]({ telepresencePath: "/opt/tp/telepresence" }),
    ]);
    const expected = { theme: "light", defaultLocalPort: 9000, telepresencePath: "/opt/tp/telepresence" };
    expect(s.current()).toEqual(expected);
    expect(readSettingsFile(path.join(dir, SETTINGS_FILE)).settings).toEqual(expected);
  });

  it("reports a corrupt file, uses the defaults, and keeps the bad file aside on the next save", async () => {
    const file = path.join(dir, SETTINGS_FILE);
    writeFileSync(file, "{ theme: dark");
    const s = store();
    const view = await s.methods["settings.get"]({});
    expect(view.settings).toEqual(DEFAULT_SETTINGS);
    expect(view.problem).toMatchObject({ code: "settings-invalid" });
    expect(view.problem?.message).toContain("is not valid JSON");
    expect(view.problem?.hint).toBeTruthy();
    expect(logs.join("\n")).toContain("not valid JSON");

    const saved = await s.methods["settings.set"]({ theme: "light" });
    expect(saved.problem).toBeNull();
    expect(readFileSync(`${file}.bad`, "utf8")).toBe("{ theme: dark");
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ theme: "light" });
  });

  it("reports a file with bad values (by field) and one with unknown keys", () => {
    const file = path.join(dir, SETTINGS_FILE);
    writeFileSync(file, JSON.stringify({ theme: "purple", defaultLocalPort: 70000 }));
    const bad = readSettingsFile(file);
    expect(bad.settings).toEqual(DEFAULT_SETTINGS);
    expect(bad.problem?.message).toContain("theme:");
    expect(bad.problem?.message).toContain("defaultLocalPort:");

    writeFileSync(file, JSON.stringify({ compute: { project: "p" } }));
    expect(readSettingsFile(file).problem?.code).toBe("settings-invalid");

    // A partial file is fine: missing settings take their defaults.
    writeFileSync(file, JSON.stringify({ theme: "dark" }));
    expect(readSettingsFile(file)).toEqual({ settings: { ...DEFAULT_SETTINGS, theme: "dark" }, problem: null });
  });

  it("writes atomically: the target is replaced whole, a failed write leaves it and no temp file", async () => {
    const file = path.join(dir, "nested", "x.json");
    await writeFileAtomic(file, "one");
    await writeFileAtomic(file, "two");
    expect(readFileSync(file, "utf8")).toBe("two");
    expect(readdirSync(path.dirname(file))).toEqual(["x.json"]);
    // The target is a directory: rename fails, the directory stays and the temp file is removed.
    const target = path.join(dir, "nested");
    await expect(writeFileAtomic(target, "three")).rejects.toThrow();
    expect(readdirSync(dir).sort()).toEqual(["nested"]);
  });

  it("a save that cannot be written is an error and changes nothing", async () => {
    // The data dir is a file: nothing can be created under it.
    const blocker = path.join(dir, "blocker");
    writeFileSync(blocker, "");
    const events: SwitchboardEvent[] = [];
    const s = createSettingsStore({ dataDir: blocker, emit: (e) => void events.push(e), log });
    await expect(s.methods["settings.set"]({ theme: "dark" })).rejects.toMatchObject({ code: "internal" });
    expect(s.current()).toEqual(DEFAULT_SETTINGS);
    expect(events).toEqual([]);
    // The queue is not stuck after a failure.
    await expect(s.methods["settings.get"]({})).resolves.toMatchObject({ settings: DEFAULT_SETTINGS });
  });
});

/** What every host does with a call (main/common/dispatcher.ts): validateCall, then the core; a Result back. */
function dispatcherOf(core: Core) {
  return async (method: string, input: unknown) => {
    try {
      const call = validateCall(method, input);
      const handler = core[call.method] as (input: unknown) => Promise<unknown>;
      return { ok: true, value: await handler.call(core, call.input) };
    } catch (error) {
      return { ok: false, error: toErrorValue(error) };
    }
  };
}

describe("settings through the core and validateCall", () => {
  let core: Core;
  beforeEach(() => {
    core = createCore({ host: "test", kubeconfigPaths: [path.join(dir, "no-kubeconfig")], watch: false, autoConnect: false, dataDir: dir, coalesceMs: 1, log });
  });
  afterEach(async () => core.close());

  it("refuses bad values with invalid-request and changes nothing", async () => {
    const dispatch = dispatcherOf(core);
    for (const input of [
      { theme: "purple" },
      { defaultLocalPort: 0 },
      { defaultLocalPort: 8080.5 },
      { defaultLocalPort: "8080" },
      { telepresencePath: " /usr/bin/telepresence" },
      { compute: { project: "p" } },
    ]) {
      const result = await dispatch("settings.set", input);
      expect(result, JSON.stringify(input)).toMatchObject({ ok: false, error: { code: "invalid-request" } });
    }
    expect(readdirSync(dir).filter((f) => f.startsWith("settings"))).toEqual([]);
    // Direct callers of the core meet the same check.
    await expect(core["settings.set"]({ theme: "purple" } as never)).rejects.toMatchObject({ code: "invalid-request" });
  });

  it("saves through validateCall and emits a settings event", async () => {
    const batches: SwitchboardEvent[][] = [];
    core.subscribe((events) => batches.push(events));
    const dispatch = dispatcherOf(core);
    const result = await dispatch("settings.set", { theme: "dark" });
    expect(result).toMatchObject({ ok: true, value: { settings: { theme: "dark" }, problem: null } });
    await expect.poll(() => batches.flat().find((e) => e.type === "settings")).toMatchObject({ settings: { settings: { theme: "dark" } } });
    expect(await dispatch("settings.get", {})).toMatchObject({ ok: true, value: { settings: { theme: "dark" } } });
  });
});

describe("the telepresence program setting", () => {
  it("is the program the core uses at start (SWITCHBOARD_TELEPRESENCE, when set, wins)", async () => {
    const program = path.join(dir, "bin", "telepresence");
    writeFileSync(path.join(dir, SETTINGS_FILE), JSON.stringify({ telepresencePath: program }));
    const base = { host: "test" as const, kubeconfigPaths: [path.join(dir, "no-kubeconfig")], watch: false, autoConnect: false, dataDir: dir, telepresencePollMs: 0, log };
    const core = createCore({ ...base, env: { HOME: dir, PATH: "" } });
    try {
      const status = await core["telepresence.status"]({ refresh: true });
      expect(status.program.found).toBe(false);
      expect(JSON.stringify(status.program)).toContain(program);
    } finally {
      await core.close();
    }
    const other = path.join(dir, "elsewhere", "telepresence");
    const envCore = createCore({ ...base, env: { HOME: dir, PATH: "", SWITCHBOARD_TELEPRESENCE: other } });
    try {
      const status = await envCore["telepresence.status"]({ refresh: true });
      expect(JSON.stringify(status.program)).toContain(other);
      expect(JSON.stringify(status.program)).not.toContain(program);
    } finally {
      await envCore.close();
    }
  });
});
