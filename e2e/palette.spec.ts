// The command palette and the settings in a real browser through the browser host: open the palette
// with the keyboard, switch context through it (a real connection to a loopback API server), change
// settings, reload, and find them kept — in the page and in the settings file on disk.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { startApiServer, type FakeApiServer } from "./support/apiserver.ts";
import { startBrowserHost, type RunningHost } from "./support/host.ts";
import { screenshot } from "./support/screenshot.ts";

test.describe("command palette and settings", () => {
  let dir: string;
  let shop: FakeApiServer;
  let staging: FakeApiServer;
  let host: RunningHost;

  test.beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "sb-e2e-palette-"));
    shop = await startApiServer(["default", "shop"]);
    staging = await startApiServer(["default", "staging-apps"]);
    const kubeconfig = path.join(dir, "config");
    writeFileSync(
      kubeconfig,
      [
        "apiVersion: v1",
        "kind: Config",
        "current-context: shop",
        "clusters:",
        "- name: shop",
        `  cluster: {server: "${shop.url}"}`,
        "- name: staging",
        `  cluster: {server: "${staging.url}"}`,
        "contexts:",
        "- name: shop",
        "  context: {cluster: shop, user: e2e, namespace: shop}",
        "- name: staging",
        "  context: {cluster: staging, user: e2e, namespace: staging-apps}",
        "users:",
        "- name: e2e",
        "  user: {token: e2e-token}",
        "",
      ].join("\n"),
    );
    // Settings live in $XDG_CONFIG_HOME/switchboard/settings.json: this run's own directory.
    host = await startBrowserHost({ KUBECONFIG: kubeconfig, HOME: dir, XDG_CONFIG_HOME: path.join(dir, "xdg"), SWITCHBOARD_PLAYGROUND: "0" });
  });

  test.afterEach(async () => {
    await host?.stop();
    await shop?.close();
    await staging?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("switches context from the keyboard, and the settings survive a reload", async ({ page }, testInfo) => {
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    await page.goto(host.url);
    const status = page.getByRole("contentinfo", { name: "Status" });
    await expect(status).toContainText("shop / shop");
    await expect(status).toContainText("Connected");

    // Ctrl+K: the palette, with focus in its combobox.
    await page.keyboard.press("Control+K");
    const palette = page.getByRole("dialog", { name: "Command palette" });
    await expect(palette).toBeVisible();
    const input = palette.getByRole("combobox");
    await expect(input).toBeFocused();
    await page.keyboard.type("stag");
    await expect(palette.getByRole("option").first()).toContainText("Switch to context staging");
    await expect(palette.getByRole("option").first()).toHaveAttribute("aria-selected", "true");
    await screenshot(page, testInfo, "1-palette");
    await page.keyboard.press("Enter");
    await expect(palette).toBeHidden();
    await expect(status).toContainText("staging / staging-apps");
    await expect(status).toContainText("Connected");
    await expect(page.getByRole("button", { name: "Context staging" })).toHaveAttribute("aria-current", "true");
    expect(staging.requests.some((r) => r.url.startsWith("/api/v1/namespaces"))).toBe(true);

    // Settings through the palette, keyboard only: dark theme at once, then the port.
    await page.keyboard.press("Control+K");
    await page.keyboard.type("settings");
    await page.keyboard.press("Enter");
    const settings = page.getByRole("dialog", { name: "Settings" });
    await expect(settings).toBeVisible();
    await expect(settings.getByLabel("Theme")).toBeFocused();
    await settings.getByLabel("Theme").selectOption("dark");
    await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
    await settings.getByLabel("Default local port for intercepts").fill("3000");
    await settings.getByRole("button", { name: "Save" }).click();
    await expect(settings.getByText("Saved.")).toBeVisible();
    await expect(settings).toContainText(path.join(dir, "xdg", "switchboard", "settings.json"));
    await screenshot(page, testInfo, "2-settings-dark");
    await page.keyboard.press("Escape");
    await expect(settings).toBeHidden();

    const file = JSON.parse(readFileSync(path.join(dir, "xdg", "switchboard", "settings.json"), "utf8")) as Record<string, unknown>;
    expect(file).toMatchObject({ theme: "dark", defaultLocalPort: 3000, telepresencePath: "" });

    // A reload reads them back from the core.
    await page.reload();
    await expect(status).toContainText("Connected");
    await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
    await page.keyboard.press("Control+,");
    await expect(page.getByRole("dialog", { name: "Settings" }).getByLabel("Default local port for intercepts")).toHaveValue("3000");
    await screenshot(page, testInfo, "3-after-reload");
    expect(problems).toEqual([]);
  });
});
