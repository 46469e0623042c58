// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ContextsView } from "../../../app/contract/api.ts";
import { registerCommands, useCommandUi } from "../commands.ts";
import { fakeSettingsApi } from "../settings-fake.ts";
import { createSettingsActions, useSettings } from "../settings-store.ts";
import type { Actions } from "../store.ts";
import { useSwitchboard } from "../store.ts";
import { CommandCenter, MAX_SHOWN } from "./CommandPalette.tsx";

const contexts: ContextsView = {
  files: ["/home/me/.kube/config"],
  currentContext: "kind-dev",
  problems: [],
  contexts: ["gke_acme_europe-west1_shop", "kind-dev"].map((name) => ({
    name,
    cluster: name,
    user: "u",
    namespace: null,
    server: null,
    authKind: "token" as const,
    execCommand: null,
    source: "/home/me/.kube/config",
    gke: null,
  })),
};

function setup(initialTheme: "system" | "light" | "dark" = "system") {
  const settingsApi = fakeSettingsApi({ settings: { telepresencePath: "", defaultLocalPort: 8080, theme: initialTheme } });
  const settingsSet = vi.spyOn(settingsApi, "settings.set");
  const actions = {
    ...createSettingsActions(settingsApi as never),
    selectContext: vi.fn(async () => undefined),
    selectNamespace: vi.fn(async () => undefined),
    reconnect: vi.fn(async () => undefined),
    openService: vi.fn(),
  } as unknown as Actions;
  useSwitchboard.setState({ contexts, connection: { phase: "connected", context: "kind-dev", namespace: "dev", since: "", error: null }, namespaces: ["dev", "prod"] });
  render(
    <>
      <button type="button">Somewhere</button>
      <CommandCenter actions={actions} />
    </>,
  );
  return { actions, settingsApi, settingsSet };
}

async function loadSettings(actions: Actions) {
  await act(async () => actions.loadSettings());
}

const ctrlK = () => fireEvent.keyDown(window, { key: "k", ctrlKey: true });

beforeEach(() => {
  useSettings.setState({ view: null, error: null, saving: false });
  useCommandUi.setState({ paletteOpen: false, settingsOpen: false });
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  delete document.documentElement.dataset.theme;
  useSwitchboard.setState({ contexts: null, connection: null, namespaces: [], tourRequested: false });
});

describe("command palette", () => {
  it("opens with Ctrl+K, filters, runs the command with Enter and puts focus back", async () => {
    const { actions } = setup();
    const before = screen.getByRole("button", { name: "Somewhere" });
    before.focus();

    ctrlK();
    const dialog = screen.getByRole("dialog", { name: "Command palette" });
    const input = within(dialog).getByRole("combobox");
    expect(document.activeElement).toBe(input);
    // Grouped: contexts, namespaces and the app's own commands.
    expect(within(dialog).getByRole("group", { name: "Contexts" })).toBeTruthy();
    expect(within(dialog).getByRole("group", { name: "Namespaces" })).toBeTruthy();

    fireEvent.change(input, { target: { value: "gke shop" } });
    const options = within(dialog).getAllByRole("option");
    expect(options.map((o) => o.textContent)).toEqual([expect.stringContaining("Switch to context gke_acme_europe-west1_shop")]);
    // The active option is announced through aria-activedescendant.
    expect(input.getAttribute("aria-activedescendant")).toBe(options[0]!.id);
    expect(options[0]!.getAttribute("aria-selected")).toBe("true");

    fireEvent.keyDown(input, { key: "Enter" });
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(before);
    await act(async () => undefined);
    expect(actions.selectContext).toHaveBeenCalledWith("gke_acme_europe-west1_shop");
  });

  it("moves with the arrow keys, keeps Tab inside and closes with Escape", () => {
    const { actions } = setup();
    const before = screen.getByRole("button", { name: "Somewhere" });
    before.focus();
    ctrlK();
    const input = screen.getByRole("combobox");
    fireEvent.change(input, { target: { value: "namespace" } });
    const [dev, prod] = screen.getAllByRole("option");
    expect(input.getAttribute("aria-activedescendant")).toBe(dev!.id);
    fireEvent.keyDown(input, { key: "ArrowDown" });
    expect(input.getAttribute("aria-activedescendant")).toBe(prod!.id);
    fireEvent.keyDown(input, { key: "ArrowDown" }); // wraps
    expect(input.getAttribute("aria-activedescendant")).toBe(dev!.id);
    fireEvent.keyDown(input, { key: "ArrowUp" });
    expect(input.getAttribute("aria-activedescendant")).toBe(prod!.id);
    expect(fireEvent.keyDown(input, { key: "Tab" })).toBe(false); // default prevented: focus stays

    fireEvent.keyDown(input, { key: "Escape" });
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(before);
    expect(actions.selectNamespace).not.toHaveBeenCalled();
  });

  it("lists what other parts register, until they unregister", async () => {
    setup();
    const run = vi.fn();
    let unregister: () => void = () => undefined;
    act(() => {
      unregister = registerCommands("intercepts", [{ id: "leave-all", title: "Leave all intercepts", group: "Intercepts", run }]);
    });
    ctrlK();
    fireEvent.change(screen.getByRole("combobox"), { target: { value: "leave" } });
    fireEvent.click(screen.getByRole("option", { name: /Leave all intercepts/ }));
    expect(screen.queryByRole("dialog")).toBeNull();
    await act(async () => undefined);
    expect(run).toHaveBeenCalledTimes(1);

    act(() => unregister());
    ctrlK();
    fireEvent.change(screen.getByRole("combobox"), { target: { value: "leave all" } });
    expect(screen.queryAllByRole("option")).toEqual([]);
    expect(screen.getByText(/No command matches/)).toBeTruthy();
  });

  it("shows at most MAX_SHOWN options of a long list and says how many more there are", () => {
    setup();
    const unregister = registerCommands(
      "many",
      Array.from({ length: MAX_SHOWN + 50 }, (_, i) => ({ id: String(i), title: `Open service-${i} (big)`, group: "Services", run: () => undefined })),
    );
    try {
      ctrlK();
      fireEvent.change(screen.getByRole("combobox"), { target: { value: "(big)" } });
      expect(screen.getAllByRole("option")).toHaveLength(MAX_SHOWN);
      expect(screen.getByText("50 more — type to narrow the list.")).toBeTruthy();
      expect(screen.getByRole("status").textContent).toBe(`${MAX_SHOWN + 50} commands`);
      // The last shown option is reachable with the arrow keys (wrapping up from the first).
      fireEvent.keyDown(screen.getByRole("combobox"), { key: "ArrowUp" });
      expect(screen.getByRole("combobox").getAttribute("aria-activedescendant")).toBe(screen.getAllByRole("option").at(-1)!.id);
    } finally {
      act(() => unregister());
    }
  });

  it("replays the tour through the store flag", async () => {
    setup();
    ctrlK();
    fireEvent.change(screen.getByRole("combobox"), { target: { value: "tour" } });
    fireEvent.keyDown(screen.getByRole("combobox"), { key: "Enter" });
    await act(async () => undefined);
    expect(useSwitchboard.getState().tourRequested).toBe(true);
  });
});

describe("settings and theme", () => {
  it("applies the theme setting at once as data-theme, and 'system' follows prefers-color-scheme", async () => {
    let dark = true;
    const listeners = new Set<() => void>();
    vi.stubGlobal("matchMedia", (query: string) => ({
      get matches() {
        return query.includes("dark") && dark;
      },
      addEventListener: (_: string, l: () => void) => listeners.add(l),
      removeEventListener: (_: string, l: () => void) => listeners.delete(l),
    }));
    const { actions, settingsSet } = setup("light");
    await loadSettings(actions);
    expect(document.documentElement.dataset.theme).toBe("light");

    // Through the palette: "Toggle theme" saves the other one and the page follows.
    ctrlK();
    fireEvent.change(screen.getByRole("combobox"), { target: { value: "toggle theme" } });
    fireEvent.keyDown(screen.getByRole("combobox"), { key: "Enter" });
    await act(async () => undefined);
    expect(settingsSet).toHaveBeenLastCalledWith({ theme: "dark" });
    expect(document.documentElement.dataset.theme).toBe("dark");

    // Through the dialog: "Follow the system" (dark now), then the OS switches to light.
    act(() => useCommandUi.getState().openSettings());
    const select = screen.getByLabelText("Theme");
    fireEvent.change(select, { target: { value: "system" } });
    await act(async () => undefined);
    expect(settingsSet).toHaveBeenLastCalledWith({ theme: "system" });
    expect(document.documentElement.dataset.theme).toBe("dark");
    dark = false;
    act(() => listeners.forEach((l) => l()));
    expect(document.documentElement.dataset.theme).toBe("light");
  });

  it("validates the fields before saving and shows the saved values", async () => {
    const { actions, settingsSet, settingsApi } = setup();
    await loadSettings(actions);
    const before = screen.getByRole("button", { name: "Somewhere" });
    before.focus();
    fireEvent.keyDown(window, { key: ",", ctrlKey: true });
    const dialog = screen.getByRole("dialog", { name: "Settings" });
    expect(document.activeElement).toBe(within(dialog).getByLabelText("Theme"));

    const port = within(dialog).getByLabelText("Default local port for intercepts");
    fireEvent.change(port, { target: { value: "70000" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Save" }));
    await act(async () => undefined);
    expect(within(dialog).getByText("A port number from 1 to 65535.")).toBeTruthy();
    expect(port.getAttribute("aria-invalid")).toBe("true");
    expect(settingsSet).not.toHaveBeenCalled();

    fireEvent.change(port, { target: { value: "3000" } });
    fireEvent.change(within(dialog).getByLabelText("Telepresence program"), { target: { value: "/opt/telepresence" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Save" }));
    await act(async () => undefined);
    expect(settingsSet).toHaveBeenCalledWith({ telepresencePath: "/opt/telepresence", defaultLocalPort: 3000 });
    expect(settingsApi.view().settings).toMatchObject({ telepresencePath: "/opt/telepresence", defaultLocalPort: 3000 });
    expect(within(dialog).getByText("Saved.")).toBeTruthy();
    // Read-only status: the configured program before Telepresence was checked.
    expect(within(dialog).getByText("/opt/telepresence", { selector: ".settings-readonly .mono" })).toBeTruthy();

    fireEvent.keyDown(dialog, { key: "Escape" });
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(before);
  });

  it("shows a corrupt settings file as a problem", async () => {
    const { actions } = setup();
    useSettings.setState({
      view: {
        settings: { telepresencePath: "", defaultLocalPort: 8080, theme: "system" },
        file: "/x/settings.json",
        problem: { code: "settings-invalid", message: "Your settings file /x/settings.json is not valid JSON, so the defaults are in use.", hint: "Change any setting." },
      },
    });
    void actions;
    act(() => useCommandUi.getState().openSettings());
    expect(screen.getByRole("alert").textContent).toContain("is not valid JSON");
  });
});
