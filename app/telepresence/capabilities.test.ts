import { describe, expect, it } from "vitest";
import { detectCapabilities, httpFilterAvailability, parseHelp } from "./capabilities.ts";
import { parseVersion } from "./version.ts";
import { interceptHelpText, rootHelpText, versionText, type Generation } from "./testing/fixtures.ts";
import { parseVersionOutput } from "./version.ts";

const caps = (generation: Generation, withHelp = true) =>
  detectCapabilities(
    parseVersionOutput(versionText[generation]).client!,
    withHelp ? rootHelpText[generation] : null,
    withHelp ? interceptHelpText[generation] : null,
  );

describe("parseHelp", () => {
  it("reads grouped cobra commands and typed flags", () => {
    const help = parseHelp(rootHelpText["2.27"])!;
    expect([...help.commands]).toEqual(expect.arrayContaining(["connect", "detach", "wiretap", "helm", "version"]));
    expect(help.flags.get("output")).toBe("string");
    expect(parseHelp(interceptHelpText["2.22"])!.flags.get("port")).toBe("stringArray");
  });
  it("returns null for text that is not help", () => {
    expect(parseHelp("telepresence: error: boom")).toBeNull();
    expect(parseHelp(null)).toBeNull();
  });
});

describe("detectCapabilities", () => {
  it("2.20: --output, leave, services/sidecar keys, no container/replace/wiretap/filters, single --port", () => {
    expect(caps("2.20")).toMatchObject({
      outputFlag: "--output",
      leaveCommand: "leave",
      listKeys: "services-sidecar",
      container: false,
      ingest: false,
      replace: false,
      repeatablePort: false,
      wiretap: false,
      progress: false,
      httpFilterClient: false,
      evidence: { rootHelp: true, interceptHelp: true },
    });
  });
  it("2.22.4: replace, --container, repeatable --port, singular list keys", () => {
    expect(caps("2.22")).toMatchObject({
      outputFlag: "--output",
      leaveCommand: "leave",
      listKeys: "info-singular",
      container: true,
      ingest: true,
      replace: true,
      repeatablePort: true,
      wiretap: false,
      progress: false,
      httpFilterClient: false,
    });
  });
  it("2.25: wiretap, --progress, HTTP filters", () => {
    expect(caps("2.25")).toMatchObject({ replace: true, wiretap: true, progress: true, httpFilterClient: true, leaveCommand: "leave" });
  });
  it("2.27: detach replaces leave", () => {
    expect(caps("2.27")).toMatchObject({ leaveCommand: "detach", outputFlag: "--output", httpFilterClient: true, wiretap: true });
  });
  it("newest builds: --format instead of --output, read from --help", () => {
    expect(caps("newest").outputFlag).toBe("--format");
  });
  it("without readable help, the version decides", () => {
    expect(caps("2.20", false)).toMatchObject({ outputFlag: "--output", leaveCommand: "leave", replace: false, repeatablePort: false, evidence: { rootHelp: false } });
    expect(caps("2.25", false)).toMatchObject({ replace: true, wiretap: true, repeatablePort: true, httpFilterClient: true, container: true });
  });
  it("the help text wins over the version (a build without http filters)", () => {
    const c = detectCapabilities(parseVersion("2.25.0")!, rootHelpText["2.25"], interceptHelpText["2.22"]);
    expect(c.httpFilterClient).toBe(false);
  });
  it("help never grants a dated feature to an older client", () => {
    const c = detectCapabilities(parseVersion("2.20.2")!, rootHelpText["2.25"], interceptHelpText["2.25"]);
    expect(c).toMatchObject({ httpFilterClient: false, repeatablePort: false, wiretap: false, replace: false, container: false, progress: false });
  });
  it("list key generation boundaries: 2.21 plural, 2.22.3 plural, 2.22.4 singular", () => {
    expect(detectCapabilities(parseVersion("2.21.0")!).listKeys).toBe("infos-plural");
    expect(detectCapabilities(parseVersion("2.22.3")!).listKeys).toBe("infos-plural");
    expect(detectCapabilities(parseVersion("2.22.4")!).listKeys).toBe("info-singular");
  });
});

describe("httpFilterAvailability: client AND traffic-manager 2.25+", () => {
  it("is available with both new enough", () => {
    expect(httpFilterAvailability(caps("2.25"), parseVersion("2.25.1"))).toEqual({ available: true, reason: null });
  });
  it("names the old traffic-manager", () => {
    const a = httpFilterAvailability(caps("2.27"), parseVersion("2.24.2"));
    expect(a.available).toBe(false);
    expect(a.reason).toContain("2.24.2");
    expect(a.reason).toContain("helm upgrade");
  });
  it("names the old client", () => {
    const a = httpFilterAvailability(caps("2.22"), parseVersion("2.25.0"));
    expect(a.available).toBe(false);
    expect(a.reason).toContain("2.22.4");
  });
  it("needs a connection to know the manager", () => {
    expect(httpFilterAvailability(caps("2.25"), null).available).toBe(false);
  });
});
