import { describe, expect, it } from "vitest";
import { atLeast, compareVersions, MIN_SUPPORTED, parseVersion, parseVersionOutput } from "./version.ts";
import { versionText } from "./testing/fixtures.ts";

describe("parseVersion", () => {
  it("strips a leading v and reads numbers and suffix", () => {
    expect(parseVersion("v2.20.2")).toMatchObject({ major: 2, minor: 20, patch: 2, suffix: "", raw: "2.20.2" });
    expect(parseVersion("2.28.0-rc.1")).toMatchObject({ major: 2, minor: 28, patch: 0, suffix: "-rc.1", raw: "2.28.0-rc.1" });
    expect(parseVersion("2.22")).toMatchObject({ major: 2, minor: 22, patch: 0 });
  });
  it("refuses what is not a version", () => {
    expect(parseVersion("not connected")).toBeNull();
    expect(parseVersion("")).toBeNull();
    expect(parseVersion(undefined)).toBeNull();
    expect(parseVersion("2")).toBeNull();
  });
  it("orders versions, pre-releases before their release", () => {
    const v = (s: string) => parseVersion(s)!;
    expect(compareVersions(v("2.20.2"), v("2.21.0"))).toBeLessThan(0);
    expect(compareVersions(v("2.22.10"), v("2.22.4"))).toBeGreaterThan(0);
    expect(compareVersions(v("2.25.0-rc.1"), v("2.25.0"))).toBeLessThan(0);
    expect(compareVersions(v("v2.25.0"), v("2.25.0"))).toBe(0);
  });
});

describe("supported range", () => {
  it(`accepts ${MIN_SUPPORTED} and newer, refuses older`, () => {
    expect(atLeast(parseVersion("2.20.0"), MIN_SUPPORTED)).toBe(true);
    expect(atLeast(parseVersion("2.27.0"), MIN_SUPPORTED)).toBe(true);
    expect(atLeast(parseVersion("3.0.0"), MIN_SUPPORTED)).toBe(true);
    expect(atLeast(parseVersion("2.19.1"), MIN_SUPPORTED)).toBe(false);
    expect(atLeast(parseVersion("2.5.8"), MIN_SUPPORTED)).toBe(false);
    expect(atLeast(null, MIN_SUPPORTED)).toBe(false);
  });
  it("counts a pre-release of a minimum as that minimum (feature gates)", () => {
    expect(atLeast(parseVersion("2.25.0-rc.2"), "2.25.0")).toBe(true);
  });
});

describe("parseVersionOutput (`telepresence version`, text even in JSON mode)", () => {
  it("reads the client of each generation", () => {
    expect(parseVersionOutput(versionText["2.20"]).client?.raw).toBe("2.20.2");
    expect(parseVersionOutput(versionText["2.22"]).client?.raw).toBe("2.22.4");
    expect(parseVersionOutput(versionText["2.27"]).client?.raw).toBe("2.27.0");
    expect(parseVersionOutput(versionText.newest).client?.raw).toBe("2.28.0-rc.1");
  });
  it("reads daemons and traffic-manager, null when not running/connected", () => {
    const report = parseVersionOutput(versionText["2.27"]);
    expect(report.rootDaemon?.raw).toBe("2.27.0");
    expect(report.userDaemon?.raw).toBe("2.27.0");
    expect(report.trafficManager?.raw).toBe("2.24.2");
    const none = parseVersionOutput(versionText["2.20"]);
    expect(none.rootDaemon).toBeNull();
    expect(none.trafficManager).toBeNull();
  });
  it("unwraps the envelope `version --output json` prints", () => {
    const wrapped = JSON.stringify({ cmd: "version", stdout: versionText["2.25"] });
    expect(parseVersionOutput(wrapped).client?.raw).toBe("2.25.1");
  });
  it("reads an Enterprise-style `Client` line and ignores garbage", () => {
    expect(parseVersionOutput("Client: v2.21.1\n").client?.raw).toBe("2.21.1");
    expect(parseVersionOutput("Segmentation fault\n").client).toBeNull();
  });
});
