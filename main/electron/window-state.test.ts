import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MIN_SIZE, placeWindow, readWindowState, writeWindowState } from "./window-state.ts";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const display = { x: 0, y: 0, width: 1920, height: 1080 };

describe("window state", () => {
  it("round-trips through its file and ignores a damaged one", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sb-window-"));
    dirs.push(dir);
    const file = path.join(dir, "nested", "window-state.json");
    expect(readWindowState(file)).toBeNull();
    writeWindowState(file, { bounds: { x: 10, y: 20, width: 1000, height: 700 }, maximized: true });
    expect(readWindowState(file)).toEqual({ bounds: { x: 10, y: 20, width: 1000, height: 700 }, maximized: true });
    writeFileSync(file, "{oops");
    expect(readWindowState(file)).toBeNull();
  });

  it("reopens where it was when that is on a display, else centred", () => {
    const saved = { bounds: { x: 100, y: 80, width: 1000, height: 700 }, maximized: false };
    expect(placeWindow(saved, [display]).bounds).toEqual(saved.bounds);
    // the monitor it was on is gone: keep the size, let the OS place it
    expect(placeWindow({ ...saved, bounds: { ...saved.bounds, x: 3000 } }, [display]).bounds).toEqual({ width: 1000, height: 700 });
    expect(placeWindow(null, [display]).bounds).toEqual({ width: 1280, height: 800 });
    expect(placeWindow({ bounds: { x: 0, y: 0, width: 10, height: 10 }, maximized: false }, [display]).bounds).toMatchObject(MIN_SIZE);
  });
});
