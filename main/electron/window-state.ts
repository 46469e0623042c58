// The window's size and position, remembered between runs in a small JSON file in userData.
// No Electron import: the caller passes the displays' work areas, so this is testable as is.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  bounds: Rect;
  maximized: boolean;
}

export const DEFAULT_SIZE = { width: 1280, height: 800 };
export const MIN_SIZE = { width: 880, height: 560 };

export function readWindowState(file: string): WindowState | null {
  try {
    const data = JSON.parse(readFileSync(file, "utf8")) as Partial<WindowState>;
    const b = data.bounds;
    if (!b || ![b.x, b.y, b.width, b.height].every((n) => Number.isFinite(n))) return null;
    return { bounds: { x: b.x, y: b.y, width: b.width, height: b.height }, maximized: Boolean(data.maximized) };
  } catch {
    return null; // first run, or a damaged file: start with the defaults
  }
}

export function writeWindowState(file: string, state: WindowState): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(state));
  renameSync(tmp, file); // never leave a half-written file behind
}

/**
 * Where to open the window: the saved bounds when most of the title bar is still on a display
 * (a monitor may have been unplugged), clamped to the minimum size; otherwise centred defaults.
 */
export function placeWindow(saved: WindowState | null, workAreas: Rect[]): { bounds: Partial<Rect> & { width: number; height: number }; maximized: boolean } {
  if (saved) {
    const width = Math.max(saved.bounds.width, MIN_SIZE.width);
    const height = Math.max(saved.bounds.height, MIN_SIZE.height);
    const titleBar: Rect = { x: saved.bounds.x, y: saved.bounds.y, width, height: 32 };
    const visible = workAreas.some((area) => overlap(titleBar, area) >= Math.min(200, width) * 20);
    if (visible) return { bounds: { x: saved.bounds.x, y: saved.bounds.y, width, height }, maximized: saved.maximized };
    return { bounds: { width, height }, maximized: saved.maximized };
  }
  const primary = workAreas[0];
  return {
    bounds: {
      width: primary ? Math.min(DEFAULT_SIZE.width, primary.width) : DEFAULT_SIZE.width,
      height: primary ? Math.min(DEFAULT_SIZE.height, primary.height) : DEFAULT_SIZE.height,
    },
    maximized: false,
  };
}

function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}
