import { describe, expect, it } from "vitest";
import { classifyProgramError, cleanProgramMessage, notConnectedError } from "./errors.ts";

const classify = (message: string, command = "intercept", platform: NodeJS.Platform = "linux") => classifyProgramError(message, { command, target: "web", platform });

describe("cleanProgramMessage", () => {
  it("removes CLI prefixes and log pointers", () => {
    expect(cleanProgramMessage("telepresence intercept: error: boom\nSee logs for details (1 error found): ...")).toBe("boom");
    expect(cleanProgramMessage("connector.Connect: traffic manager not found")).toBe("traffic manager not found");
    expect(cleanProgramMessage("rpc error: code = Unknown desc = workload \"x.default\" not found")).toBe('workload "x.default" not found');
  });
});

describe("§3 error mapping", () => {
  it("no traffic-manager → not-installed, `telepresence helm install`", () => {
    const e = classify(
      "connector.Connect: traffic manager not found, if it is not installed, please run 'telepresence helm install'. If it is installed, try connecting with a --manager-namespace to point telepresence to the namespace it's installed in.",
      "connect",
    );
    expect(e.code).toBe("not-installed");
    expect(e.hint).toContain("telepresence helm install");
    expect(e.hint).toContain("--manager-namespace");
    expect(e.details).toMatchObject({ reason: "traffic-manager-missing", command: "connect" });
    expect(String(e.details?.programMessage)).toMatch(/^traffic manager not found/);
  });
  it("a traffic-manager too old for the client (§6)", () => {
    const e = classify("traffic manager version 2.20.2 is not supported by this client, please upgrade the traffic manager to 2.21.0 or later", "connect");
    expect(e).toMatchObject({ code: "telepresence-too-old", message: "The cluster's traffic-manager (2.20.2) is too old for this telepresence client, which needs 2.21.0 or newer." });
    expect(e.hint).toContain("telepresence helm upgrade");
  });
  it("unknown workload, both texts", () => {
    const a = classify('workload "web.default" not found');
    expect(a).toMatchObject({ code: "not-found" });
    expect(a.message).toContain("web.default");
    expect(classify("No interceptable deployment, replicaset, or statefulset matching webb found").details?.reason).toBe("workload-not-found");
  });
  it("ambiguous workload", () => {
    expect(classify("Found more than one possible match: web (Deployment), web (StatefulSet)").details?.reason).toBe("workload-ambiguous");
  });
  it("multiple interceptable ports → asks to choose", () => {
    const e = classify(
      "Deployment web.default has multiple interceptable ports.\nPlease specify the service and/or port you want to intercept by passing the --service=<svc> and/or --port=<local:portName/portNumber> flag.",
    );
    expect(e.details?.reason).toBe("multiple-ports");
    expect(e.message).toContain("Deployment web.default");
    expect(e.hint).toMatch(/Choose the Service port/);
  });
  it("no matching port and port syntax", () => {
    expect(classify("Deployment web.default has no interceptable port matching port 9999").details?.reason).toBe("no-matching-port");
    expect(classify("port must be of the format --port <local-port>[:<svcPortIdentifier>]")).toMatchObject({ code: "invalid-request" });
  });
  it("intercept conflict, 2.20 text", () => {
    const e = classify('Failed to establish intercept: intercept in error state AGENT_ERROR: Conflicts with the currently-served intercept "9f1c:web"');
    expect(e.code).toBe("conflict");
    expect(e.details?.reason).toBe("intercept-conflict");
    expect(e.message).toContain("9f1c:web");
  });
  it("intercept conflict, 2.23+ text", () => {
    const e = classify("container port 8080 is already intercepted by alice@box, intercept web");
    expect(e.code).toBe("conflict");
    expect(e.message).toBe("Container port 8080 is already intercepted by alice@box (intercept web).");
    expect(e.hint).toContain("HTTP-filtered");
  });
  it("same client: name exists, local port in use", () => {
    expect(classify('Intercept with name "web" already exists').details?.reason).toBe("intercept-exists");
    expect(classify("Port 127.0.0.1:8080 is already in use by intercept api").details?.reason).toBe("local-port-in-use");
  });
  it("leave of an unknown name, both generations", () => {
    expect(classify('Intercept named "web" not found', "leave").details?.reason).toBe("intercept-not-found");
    expect(classify('Found no replace, intercept, or ingest named "web"', "detach")).toMatchObject({ code: "not-found" });
  });
  it("agent never arrived → private GKE firewall hint tcp:8443", () => {
    const e = classify("request timed out while waiting for agent web.default to arrive");
    expect(e.code).toBe("timeout");
    expect(e.message).toContain("web.default");
    expect(e.hint).toContain("tcp:8443");
    expect(e.hint).toContain("firewall");
  });
  it("root daemon from a GUI → explains --docker, the system service and a terminal", () => {
    for (const text of [
      "connector.Connect: failed to launch the daemon service: exit status 1",
      "sudo: a terminal is required to read the password; either use the -S option to read from standard input or configure an askpass helper",
    ]) {
      const e = classify(text, "connect", "darwin");
      expect(e.details?.reason).toBe("root-daemon");
      expect(e.hint).toContain("connect --docker");
      expect(e.hint).toContain("system service");
      expect(e.hint).toContain("terminal");
      expect(e.hint).toContain("sudo");
    }
    expect(classify("failed to launch the daemon service: elevation refused", "connect", "win32").hint).toContain("UAC");
  });
  it("cluster changed, context not found, manager namespace", () => {
    expect(classify("Cluster configuration changed, please quit telepresence and reconnect", "list").hint).toContain("quit");
    expect(classify("connector.Connect: context was not found", "connect")).toMatchObject({ code: "context-not-found" });
    expect(classify("unable to determine the traffic-manager namespace", "connect").details?.reason).toBe("traffic-manager-namespace");
  });
  it("RBAC and network failures", () => {
    const forbidden = classify('workloads.apps is forbidden: User "dev@example.com" cannot list resource "deployments" in API group "apps"', "list");
    expect(forbidden).toMatchObject({ code: "forbidden", message: "The cluster does not allow dev@example.com to list deployments." });
    expect(classify("Not connected, error talking to cluster: dial tcp 34.1.2.3:443: i/o timeout", "connect").code).toBe("unreachable");
    expect(classify("dial tcp: lookup gke.example: no such host", "connect").code).toBe("unreachable");
  });
  it("an unknown flag → update telepresence", () => {
    expect(classify('unknown flag: --http-header').details?.reason).toBe("unsupported-flag");
    expect(classify('invalid output format "json"').details?.reason).toBe("unsupported-flag");
  });
  it("anything else keeps the program's words", () => {
    const e = classify("the moon is in the wrong phase");
    expect(e).toMatchObject({ code: "telepresence-error" });
    expect(e.message).toContain("the moon is in the wrong phase");
    expect(e.details?.reason).toBe("unknown");
  });
  it("not connected", () => {
    const e = notConnectedError("list");
    expect(e.message).toContain("not connected");
    expect(e.details?.reason).toBe("not-connected");
  });
});
