// "See the cluster as GKE sees it", end to end in a real browser: `npm start -- --web --playground`
// starts the embedded playground (a simulated GKE cluster), the core watches it through its real API
// server and asks its Compute API emulation for endpoint health, and the UI shows the demo services
// with their badges; opening `web` shows the chicken-and-egg finding and the traffic diagram.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { startBrowserHost, type RunningHost } from "./support/host.ts";
import { screenshot } from "./support/screenshot.ts";

test.describe("services of the embedded playground", () => {
  let dir: string;
  let host: RunningHost;

  test.beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "sb-e2e-services-"));
    // No kubeconfig of the user's at all: the playground is the only context.
    host = await startBrowserHost({ KUBECONFIG: path.join(dir, "missing-config"), HOME: dir });
  });

  test.afterEach(async () => {
    await host?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("lists the demo services with their health badges, and opening web shows the chicken-and-egg finding and the diagram", async ({ page }, testInfo) => {
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    await page.goto(host.url);

    const context = page.getByRole("button", { name: /Context playground/ });
    await expect(context).toBeVisible();
    await expect(context).toContainText("Playground — a simulated GKE cluster");
    const status = page.getByRole("contentinfo", { name: "Status" });
    await expect(status).toContainText("Connected");
    await expect(status).toContainText("playground / demo");

    const list = page.getByRole("listbox", { name: "Services" });
    for (const name of ["api", "billing", "legacy", "search", "shop", "web"]) {
      await expect(list.getByRole("option", { name: new RegExp(`^${name}\\b`) })).toBeVisible();
    }
    // Badges rest on the Compute API (the playground's emulation, through the same client as Google's).
    const web = list.getByRole("option", { name: /^web\b/ });
    await expect(web).toContainText(/Healthy/i);
    await expect(web).toContainText(/Compute API/i);
    await expect(list.getByRole("option", { name: /^legacy\b/ })).toContainText(/Not load-balanced/i);
    await screenshot(page, testInfo, "1-service-list");

    await web.click();
    const detail = page.getByRole("article");
    await expect(detail.getByRole("heading", { level: 2, name: "web" })).toBeVisible();
    // health-check-hits-intercepted-port, before any intercept: a warning about what an intercept would do.
    await expect(detail.locator(".finding .finding-title").filter({ hasText: "would send the Ingress's health checks to your laptop" })).toBeVisible();
    await expect(detail.getByRole("group", { name: "Traffic path of web port http" })).toBeVisible();
    await screenshot(page, testInfo, "2-web-detail");

    // web is now pinned (recently opened); the pins come in with the next search. The keyboard unpins
    // it: focus stays on the listbox (aria-activedescendant), Delete on the active pinned row.
    const search = page.getByRole("searchbox", { name: "Search services" });
    await search.fill("e");
    const pinned = list.getByRole("option", { name: /^web, .*recently opened/ });
    await expect(pinned).toBeVisible();
    await expect(list.getByRole("option").first()).toHaveAccessibleName(/^web\b/);
    await expect(pinned).toHaveAccessibleDescription("Press Delete to unpin.");
    await search.press("ArrowDown");
    await expect(list).toBeFocused();
    await expect(pinned.getByRole("button", { name: "Unpin web" })).toBeVisible();
    await screenshot(page, testInfo, "3-pinned-active");
    await page.keyboard.press("Delete");
    await expect(list.getByRole("option", { name: /^web\b/ })).not.toHaveAccessibleName(/recently opened/);
    await expect(list.getByRole("option", { name: /^web\b/ })).not.toHaveAttribute("aria-describedby");
    expect(problems).toEqual([]);
  });
});
