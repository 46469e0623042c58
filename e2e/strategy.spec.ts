// Health strategies end to end in a real browser: the browser host with its embedded playground (no
// kubeconfig of the user's), open `web`, its chicken-and-egg finding (an intercept would send the
// Ingress's health checks to the laptop) → Fix: Add a health sidecar → the wizard's preview (YAML diff,
// kubectl) → apply → progress to verified → the finding is gone (the service's normal events) → roll
// back → the finding is back. Screenshots of each stage are attached.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { startBrowserHost, type RunningHost } from "./support/host.ts";
import { screenshot } from "./support/screenshot.ts";

const FINDING = "would send the Ingress's health checks to your laptop";

test.describe("health strategy wizard", () => {
  test.setTimeout(120_000);
  let dir: string;
  let host: RunningHost;

  test.beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "sb-e2e-strategy-"));
    // No kubeconfig of the user's: the embedded playground is the cluster; the journal goes under HOME.
    host = await startBrowserHost({ KUBECONFIG: path.join(dir, "missing-config"), HOME: dir, XDG_CONFIG_HOME: path.join(dir, "config") });
  });

  test.afterEach(async () => {
    await host?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("fixes web's chicken-and-egg finding with the sidecar, verified, and rolls it back", async ({ page }, testInfo) => {
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    // Tall, so the screenshots show the whole wizard (the app scrolls inside its panes).
    await page.setViewportSize({ width: 1280, height: 2600 });
    // The playground's first-run tour (renderer/src/tour) is another test's subject: mark it finished.
    await page.addInitScript(() => localStorage.setItem("switchboard.tour.v1", JSON.stringify({ status: "finished", step: 6, completed: [] })));
    await page.goto(host.url);
    await page.getByRole("listbox", { name: "Services" }).getByRole("option", { name: /^web\b/ }).click();
    const detail = page.getByRole("article");
    await expect(detail.getByRole("heading", { level: 2, name: "web" })).toBeVisible();
    const finding = detail.locator(".finding").filter({ has: page.locator(".finding-title", { hasText: FINDING }) });
    await expect(finding).toBeVisible();

    await finding.getByRole("button", { name: "Fix: Add a health sidecar" }).click();
    const fix = page.getByRole("region", { name: "Fix" });
    await expect(fix).toBeVisible();
    const choices = fix.getByRole("group", { name: "Health strategy" });
    await expect(choices.getByRole("radio", { name: /Health sidecar/ })).toBeChecked();
    // web's targetPort is a name: pinning the number is possible here (no refusal shown).
    await expect(choices.getByRole("radio", { name: /Pin the serving port/ })).toBeEnabled();
    await screenshot(page, testInfo, "1-choose", { region: fix });

    await fix.getByRole("button", { name: "Preview changes" }).click();
    await expect(fix.getByRole("heading", { name: "Preview" })).toBeVisible();
    const depChange = fix.getByRole("region", { name: "patch Deployment web" });
    await expect(depChange.locator(".yaml-diff .diff-add").filter({ hasText: "health-sidecar" }).first()).toBeVisible();
    await expect(depChange.getByLabel(/^kubectl for Deployment web$/)).toContainText("kubectl");
    await expect(fix.getByRole("button", { name: "Copy kubectl for Deployment web" })).toBeVisible();
    await screenshot(page, testInfo, "2-preview", { region: fix });

    await fix.getByRole("button", { name: /^Apply/ }).click();
    const progress = fix.getByRole("list", { name: "Progress" });
    await expect(progress).toContainText("patched Deployment web", { timeout: 30_000 });
    await expect(fix.getByRole("status").filter({ hasText: "Verified: healthy." })).toBeVisible({ timeout: 60_000 });
    await expect(progress).toContainText(/rollout 2\/2/);
    await expect(progress).toContainText(/verified/);
    await screenshot(page, testInfo, "3-verified", { region: fix });

    // The service's normal events: the health check no longer goes to the intercepted port.
    await expect(detail.locator(".finding-title", { hasText: FINDING })).toHaveCount(0, { timeout: 30_000 });
    const card = detail.locator(".strategy-card");
    await expect(card.locator(".operation").first()).toContainText("applied");
    await screenshot(page, testInfo, "4-finding-gone", { region: detail });

    await fix.getByRole("status").getByRole("button", { name: "Roll back" }).click();
    await expect(fix.getByText("Rolled back: every object is as it was before.")).toBeVisible({ timeout: 30_000 });
    await expect(detail.locator(".finding-title", { hasText: FINDING })).toBeVisible({ timeout: 30_000 });
    await expect(card.locator(".operation").first()).toContainText("rolled back");
    await screenshot(page, testInfo, "5-rolled-back", { region: detail });
    expect(problems).toEqual([]);
  });
});
