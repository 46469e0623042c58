// The built renderer (out/renderer) as both hosts serve it: URL path → file inside the folder, never
// outside it (no `..`, no encoded separators escaping), and its content type.
import path from "node:path";

export const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".map": "application/json",
};

export function contentType(file: string): string {
  return MIME[path.extname(file).toLowerCase()] ?? "application/octet-stream";
}

/** The file a URL path names inside `root`, or null when it is malformed or points outside. */
export function resolveStaticFile(root: string, urlPathname: string): string | null {
  let relative: string;
  try {
    relative = decodeURIComponent(urlPathname);
  } catch {
    return null;
  }
  if (relative.includes("\0") || relative.includes("\\")) return null;
  if (relative.endsWith("/")) relative += "index.html";
  const base = path.resolve(root);
  const file = path.resolve(base, `.${path.posix.normalize(`/${relative}`)}`);
  return file.startsWith(base + path.sep) ? file : null;
}
