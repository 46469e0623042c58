import { describe, expect, it, vi } from "vitest";
import type { ServiceSummary } from "../../app/contract/api.ts";
import { DEFAULT_SETTINGS } from "../../app/contract/settings.ts";
import { builtinCommands } from "./commands-builtin.ts";
import { allCommands, registerCommands, runCommand } from "./commands.ts";

const row = (namespace: string, name: string): ServiceSummary => ({
  key: `${namespace}/${name}`,
  namespace,
  name,
  health: "healthy",
  healthSignal: "readiness-gate",
  exposure: "ingress",
  pods: { total: 1, ready: 1 },
  intercepted: false,
  findings: { error: 0, warning: 0, info: 0 },
  topFinding: null,
});

function actions() {
  return { selectContext: vi.fn(), selectNamespace: vi.fn(), reconnect: vi.fn(), openService: vi.fn(), saveSettings: vi.fn(async () => true) };
}

describe("built-in commands", () => {
  it("offers one command per service, namespace and context, calling the same actions as the UI", () => {
    const a = actions();
    const commands = builtinCommands(
      {
        contexts: { files: ["/k/config"], currentContext: "dev", problems: [], contexts: [{ name: "dev", cluster: "dev", user: "u", namespace: null, server: null, authKind: "token", execCommand: null, source: null, gke: null }] },
        connection: { phase: "connected", context: "dev", namespace: "demo", since: "", error: null },
        namespaces: ["demo", "prod"],
        services: [row("demo", "web")],
        settings: DEFAULT_SETTINGS,
        canCopy: false,
      },
      a as never,
    );
    const byTitle = (title: string) => commands.find((c) => c.title === title)!;
    void byTitle("Open web (demo)").run();
    expect(a.openService).toHaveBeenCalledWith("demo/web");
    void byTitle("Switch to namespace prod").run();
    expect(a.selectNamespace).toHaveBeenCalledWith("dev", "prod");
    void byTitle("Switch to context dev").run();
    expect(a.selectContext).toHaveBeenCalledWith("dev");
    expect(byTitle("Reconnect").disabledReason).toBeNull();
    // Without the Clipboard API nothing offers to copy.
    expect(commands.some((c) => c.id.startsWith("copy-"))).toBe(false);
  });

  it("without a connection: no namespaces, and reconnect says why not", () => {
    const commands = builtinCommands({ contexts: null, connection: null, namespaces: ["x"], services: [], settings: null, canCopy: true }, actions() as never);
    expect(commands.some((c) => c.group === "Namespaces")).toBe(false);
    expect(commands.find((c) => c.id === "reconnect")?.disabledReason).toMatch(/No context/);
    expect(commands.find((c) => c.id === "toggle-theme")?.disabledReason).toBeTruthy();
  });
});

describe("command registry", () => {
  it("replaces a source's list, and an old unregister does not remove the newer one", () => {
    const run = vi.fn();
    const first = registerCommands("wizard", [{ id: "a", title: "A", group: "G", run }]);
    const second = registerCommands("wizard", [{ id: "b", title: "B", group: "G", run }]);
    expect(allCommands().filter((c) => c.source === "wizard").map((c) => c.key)).toEqual(["wizard:b"]);
    first();
    expect(allCommands().map((c) => c.key)).toContain("wizard:b");
    expect(runCommand("wizard:b")).toBe(true);
    expect(run).toHaveBeenCalledTimes(1);
    second();
    expect(allCommands().some((c) => c.source === "wizard")).toBe(false);
    expect(runCommand("wizard:b")).toBe(false);
  });
});
