import { describe, expect, it } from "vitest";
import { SwitchboardError } from "../contract/errors.ts";
import { detectCapabilities } from "./capabilities.ts";
import { connectArgs, kubeconfigChoice, displayCommand, interceptArgs, jsonFlags, leaveArgs, listArgs, quitArgs, quoteArg } from "./commands.ts";
import { parseVersion } from "./version.ts";
import { interceptHelpText, rootHelpText } from "./testing/fixtures.ts";

const v220 = detectCapabilities(parseVersion("2.20.2")!, rootHelpText["2.20"], interceptHelpText["2.20"]);
const v225 = detectCapabilities(parseVersion("2.25.1")!, rootHelpText["2.25"], interceptHelpText["2.25"]);
const v227 = detectCapabilities(parseVersion("2.27.0")!, rootHelpText["2.27"], interceptHelpText["2.27"]);
const newest = detectCapabilities(parseVersion("2.28.0")!, rootHelpText.newest, interceptHelpText.newest);

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof SwitchboardError) return error.code;
    throw error;
  }
  return "no error";
}

describe("argument arrays", () => {
  it("connect: context, namespace, kubeconfig only when given, docker", () => {
    expect(connectArgs({})).toEqual(["connect"]);
    expect(connectArgs({ context: "gke_p_z_c", namespace: "shop", kubeconfig: "/tmp/kc", managerNamespace: "tm", docker: true })).toEqual([
      "connect",
      "--context",
      "gke_p_z_c",
      "-n",
      "shop",
      "--kubeconfig",
      "/tmp/kc",
      "--manager-namespace",
      "tm",
      "--docker",
    ]);
  });
  it("intercept: port by name or number, --mount false by default", () => {
    expect(interceptArgs({ workload: "web", port: { local: 8080, remote: "http" } }, v220)).toEqual(["intercept", "web", "--port", "8080:http", "--mount", "false"]);
    expect(interceptArgs({ workload: "web", port: { local: 3000, remote: 80 } }, v220)).toEqual(["intercept", "web", "--port", "3000:80", "--mount", "false"]);
    expect(interceptArgs({ workload: "web", port: { local: 3000 } }, v220)).toEqual(["intercept", "web", "--port", "3000", "--mount", "false"]);
  });
  it("intercept: env file, mount on request, service, name ≠ workload", () => {
    expect(
      interceptArgs({ workload: "web", name: "web-me", service: "web-svc", port: { local: 8080, remote: "http" }, envFile: "/tmp/e.env", envSyntax: "sh", mount: "/tmp/m" }, v225),
    ).toEqual(["intercept", "web-me", "--workload", "web", "--port", "8080:http", "--service", "web-svc", "--env-file", "/tmp/e.env", "--env-syntax", "sh", "--mount", "/tmp/m"]);
    expect(interceptArgs({ workload: "web", port: { local: 1 }, mount: true }, v225)).toContain("true");
  });
  it("HTTP-filtered intercept (2.25+) with NAME=VALUE", () => {
    const args = interceptArgs({ workload: "web", port: { local: 8080, remote: "http" }, httpHeaders: [{ name: "x-dev", value: "alice" }], httpPathPrefix: "/api" }, v225);
    expect(args.slice(-4)).toEqual(["--http-header", "x-dev=alice", "--http-path-prefix", "/api"]);
    expect(codeOf(() => interceptArgs({ workload: "web", port: { local: 8080 }, httpHeaders: [{ name: "x-dev", value: "a" }] }, v220))).toBe("telepresence-too-old");
    expect(codeOf(() => interceptArgs({ workload: "web", port: { local: 8080 }, httpHeaders: [{ name: "bad header", value: "a" }] }, v225))).toBe("invalid-request");
  });
  it("capability gates: --container 2.21, repeated --port 2.22, replace 2.22, wiretap 2.23", () => {
    expect(codeOf(() => interceptArgs({ workload: "w", port: { local: 1 }, container: "app" }, v220))).toBe("telepresence-too-old");
    expect(interceptArgs({ workload: "w", port: { local: 1 }, container: "app" }, v225)).toContain("--container");
    expect(codeOf(() => interceptArgs({ workload: "w", port: { local: 1 }, extraPorts: [{ local: 2, remote: "grpc" }] }, v220))).toBe("telepresence-too-old");
    expect(interceptArgs({ workload: "w", port: { local: 1 }, extraPorts: [{ local: 2, remote: "grpc" }] }, v225).filter((a) => a === "--port")).toHaveLength(2);
    expect(codeOf(() => interceptArgs({ workload: "w", port: { local: 1 } }, v220, "replace"))).toBe("telepresence-too-old");
    expect(interceptArgs({ workload: "w", port: { local: 1 } }, v225, "replace")[0]).toBe("replace");
    expect(codeOf(() => interceptArgs({ workload: "w", port: { local: 1 } }, v220, "wiretap"))).toBe("telepresence-too-old");
    expect(interceptArgs({ workload: "w", port: { local: 1 } }, v225, "wiretap")[0]).toBe("wiretap");
  });
  it("refuses names that would read as flags, and bad ports", () => {
    expect(codeOf(() => interceptArgs({ workload: "--all", port: { local: 8080 } }, v225))).toBe("invalid-request");
    expect(codeOf(() => interceptArgs({ workload: "web", port: { local: 0 } }, v225))).toBe("invalid-request");
    expect(codeOf(() => interceptArgs({ workload: "web", port: { local: 70000 } }, v225))).toBe("invalid-request");
  });
  it("leave vs detach, quit, list, json flag", () => {
    expect(leaveArgs("web", v225)).toEqual(["leave", "web"]);
    expect(leaveArgs("web", v227)).toEqual(["detach", "web"]);
    expect(quitArgs()).toEqual(["quit"]);
    expect(quitArgs({ stopDaemons: true })).toEqual(["quit", "-s"]);
    expect(listArgs({ namespace: "shop" })).toEqual(["list", "-n", "shop"]);
    expect(jsonFlags(v225)).toEqual(["--output", "json"]);
    expect(jsonFlags(newest)).toEqual(["--format", "json"]);
  });
});

describe("kubeconfigChoice", () => {
  it("nothing for the default file, --kubeconfig for another, KUBECONFIG for several", () => {
    expect(kubeconfigChoice(["/home/u/.kube/config"], {}, "/home/u", "linux")).toEqual({ flag: null, env: null });
    expect(kubeconfigChoice(["/a", "/b"], { KUBECONFIG: "/a:/b" }, "/home/u", "linux")).toEqual({ flag: null, env: null });
    expect(kubeconfigChoice(["/tmp/playground/kubeconfig"], {}, "/home/u", "linux")).toEqual({ flag: "/tmp/playground/kubeconfig", env: null });
    expect(kubeconfigChoice(["/a", "/c"], {}, "/home/u", "linux")).toEqual({ flag: null, env: { KUBECONFIG: "/a:/c" } });
    expect(kubeconfigChoice(["C:\\Users\\u\\.kube\\config"], {}, "C:\\Users\\u", "win32")).toEqual({ flag: null, env: null });
  });
});

describe("display command", () => {
  it("plain words stay plain", () => {
    expect(displayCommand("telepresence", ["intercept", "web", "--port", "8080:http", "--mount", "false"], "linux")).toBe(
      "telepresence intercept web --port 8080:http --mount false",
    );
  });
  it("POSIX quoting survives quotes, spaces and ;", () => {
    expect(quoteArg("it's; rm -rf /", "posix")).toBe(`'it'\\''s; rm -rf /'`);
    expect(displayCommand("/Applications/Tele presence/telepresence", ["intercept", "a b"], "darwin")).toBe(
      "'/Applications/Tele presence/telepresence' intercept 'a b'",
    );
    expect(quoteArg("x-dev=alice smith", "posix")).toBe("'x-dev=alice smith'");
    expect(quoteArg("", "posix")).toBe("''");
  });
  it("PowerShell quoting on Windows, & for a quoted program path", () => {
    expect(quoteArg("it's", "powershell")).toBe("'it''s'");
    expect(quoteArg("a@b", "powershell")).toBe("'a@b'");
    expect(displayCommand("C:\\Program Files\\Telepresence\\telepresence.exe", ["intercept", "web", "--port", "8080:http"], "win32")).toBe(
      "& 'C:\\Program Files\\Telepresence\\telepresence.exe' intercept web --port 8080:http",
    );
  });
});
