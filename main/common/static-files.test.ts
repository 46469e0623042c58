import path from "node:path";
import { describe, expect, it } from "vitest";
import { contentType, resolveStaticFile } from "./static-files.ts";

const root = path.resolve("/srv/renderer");

describe("resolveStaticFile", () => {
  it("maps URL paths to files inside the root", () => {
    expect(resolveStaticFile(root, "/")).toBe(path.join(root, "index.html"));
    expect(resolveStaticFile(root, "/assets/index-abc.js")).toBe(path.join(root, "assets", "index-abc.js"));
    expect(resolveStaticFile(root, "/assets/a%20b.css")).toBe(path.join(root, "assets", "a b.css"));
  });

  it("never leaves the root", () => {
    for (const p of ["/../secret", "/%2e%2e/secret", "/assets/..%2f..%2fsecret", "/..%5c..%5csecret", "/%00", "/%E0%A4%A"]) {
      const file = resolveStaticFile(root, p);
      expect(file === null || file.startsWith(root + path.sep), `${p} → ${file}`).toBe(true);
    }
    expect(resolveStaticFile(root, "/../secret")).toBe(path.join(root, "secret"));
    expect(resolveStaticFile(root, "/%E0%A4%A")).toBeNull();
    expect(resolveStaticFile(root, "/..%5csecret")).toBeNull();
  });

  it("names content types", () => {
    expect(contentType("a/index.html")).toContain("text/html");
    expect(contentType("x.JS")).toContain("javascript");
    expect(contentType("x.bin")).toBe("application/octet-stream");
  });
});
