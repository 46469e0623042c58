// The onboarding tour end to end in a real browser: `npm start -- --web --playground` (the embedded
// playground, its telepresence program, the browser host). On first run the tour shows by itself and
// the story is played with the REAL controls: open web → Intercept panel (global, to the tour's local
// server) → the health checks reach the laptop and the front door answers 502 → Fix: Add a health
// sidecar in the strategy wizard → web recovers → a request through the front door reaches the local
// server. Then: the tour does not show again after a reload, the status bar's Tour button replays it,
// and Esc skips it.
import { expect, test } from "@playwright/test";
import { startPlaygroundHost, type RunningHost } from "./support/host.ts";
import { screenshot } from "./support/screenshot.ts";

test.describe("the playground tour", () => {
  test.setTimeout(240_000);
  let host: RunningHost;

  test.beforeAll(async () => {
    host = await startPlaygroundHost("sb-e2e-tour-", { speed: 20 });
  });

  test.afterAll(async () => {
    await host?.stop();
  });

  test("plays the chicken-and-egg and its fix on the real controls, once, and can be replayed and skipped", async ({ page }, testInfo) => {
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    await page.goto(host.url);

    // First run in the playground: the tour shows by itself.
    const tour = page.getByRole("dialog", { name: "This is web" });
    await expect(tour).toBeVisible({ timeout: 30_000 });
    await expect(tour).toContainText("step 1 of 6");
    const next = () => page.getByRole("dialog").getByRole("button", { name: /^(Next|Finish)$/ });
    await expect(next()).toBeDisabled();

    // 1. Open web with its real row; the tour points at the health check diagram (serving port).
    await page.getByRole("listbox", { name: "Services" }).getByRole("option", { name: /^web\b/ }).click();
    await expect(tour).toContainText("serving port");
    await expect(tour).toContainText("✓ Done");
    await expect(page.locator(".tour-spotlight")).toBeVisible();
    await screenshot(page, testInfo, "1-this-is-web", { fullPage: false });
    await next().click();

    // 2. Intercept web through the real Intercept panel: global, to the tour's local server.
    const step2 = page.getByRole("dialog", { name: "Intercept web" });
    await expect(step2).toContainText(/127\.0\.0\.1:\d+/);
    const port = /127\.0\.0\.1:(\d+)/.exec((await step2.textContent()) ?? "")![1]!;
    const detail = page.getByRole("article").filter({ has: page.getByRole("heading", { name: "web", exact: true }) });
    await detail.locator('[data-tour="intercept-open"]').click();
    const panel = page.getByRole("region", { name: "Intercept web" });
    await panel.getByRole("textbox", { name: "Local port" }).fill(port);
    // Read the panel's verdict first, as a user would. (A kind picked before the preview arrives is kept:
    // the user's pick wins over the preview's default since 91226d2.)
    await expect(panel).toContainText(`Something is listening on localhost:${port}`);
    await expect(panel).toContainText("Recommended");
    await panel.getByRole("radio", { name: /All traffic \(global\)/ }).check();
    await expect(panel.getByRole("radio", { name: /All traffic \(global\)/ })).toBeChecked();
    await expect(panel.getByLabel("Equivalent telepresence command")).toContainText(`intercept web --port ${port}:http`);
    await expect(panel.getByLabel("Equivalent telepresence command")).not.toContainText("--http-header");
    await screenshot(page, testInfo, "2a-intercept-panel", { fullPage: false });
    await panel.getByRole("button", { name: /^Start intercept/ }).click();
    await expect(step2).toContainText("✓ Done", { timeout: 90_000 });
    await screenshot(page, testInfo, "2b-intercepted", { fullPage: false });
    await next().click();

    // 3. The health checks reach the laptop and fail; the front door answers 502 (shown live).
    const step3 = page.getByRole("dialog", { name: /health check fails/ });
    await expect(step3).toContainText("✓ Done", { timeout: 90_000 });
    const frontDoor = step3.getByRole("region", { name: "Front door's answer" });
    await expect(frontDoor).toContainText("502");
    await expect(step3.getByRole("region", { name: "Requests that reached your laptop" })).toContainText("load balancer health check");
    await expect(page.getByRole("listbox", { name: "Services" }).getByRole("option", { name: /^web\b/ })).toContainText(/Unhealthy/i);
    await screenshot(page, testInfo, "3-broken-502", { fullPage: false });
    await next().click();

    // 4. Apply the sidecar strategy with the real Fix button and the strategy wizard.
    const step4 = page.getByRole("dialog", { name: "Apply the sidecar strategy" });
    await expect(step4).toBeVisible();
    await detail.locator('[data-tour="fix-sidecar"]').first().click();
    const wizard = detail.locator('[data-tour="strategy-wizard"]').first();
    await expect(wizard).toBeVisible();
    await wizard.getByRole("radio", { name: /sidecar/i }).check();
    await wizard.getByRole("button", { name: "Preview changes" }).click();
    await wizard.getByRole("button", { name: /^Apply( anyway)?$/ }).click();
    await screenshot(page, testInfo, "4a-applying", { fullPage: false });
    await expect(step4).toContainText("✓ Done", { timeout: 120_000 });
    await screenshot(page, testInfo, "4b-applied", { fullPage: false });
    await next().click();

    // 5. It recovers: web is healthy again while still intercepted.
    const step5 = page.getByRole("dialog", { name: "Watch it recover" });
    await expect(step5).toContainText("✓ Done", { timeout: 120_000 });
    await expect(page.getByRole("listbox", { name: "Services" }).getByRole("option", { name: /^web\b/ })).toContainText(/Healthy/i);
    await screenshot(page, testInfo, "5-recovered", { fullPage: false });
    await next().click();

    // 6. A request through the front door arrives at the local server.
    const step6 = page.getByRole("dialog", { name: "A request reaches your laptop" });
    await step6.getByRole("button", { name: "Send a request through the front door" }).click();
    await expect(step6).toContainText("✓ Done", { timeout: 30_000 });
    await expect(step6.getByRole("region", { name: "Front door's answer" })).toContainText("hello from your laptop");
    await expect(step6.getByRole("region", { name: "Requests that reached your laptop" })).toContainText("your request");
    await screenshot(page, testInfo, "6-arrived", { fullPage: false });
    await next().click();

    const closing = page.getByRole("dialog", { name: /chicken-and-egg/ });
    await expect(closing).toBeVisible();
    await closing.getByRole("button", { name: "Leave the intercept" }).click();
    await expect(closing.getByRole("button", { name: "Leave the intercept" })).toHaveCount(0, { timeout: 30_000 });
    await screenshot(page, testInfo, "7-finished", { fullPage: false });
    await closing.getByRole("button", { name: "Close" }).click();
    await expect(page.getByRole("dialog")).toHaveCount(0);

    // Never nags: a reload does not bring it back.
    await page.reload();
    await expect(page.getByRole("listbox", { name: "Services" }).getByRole("option", { name: /^web\b/ })).toBeVisible({ timeout: 30_000 });
    await expect(page.getByRole("contentinfo", { name: "Status" }).getByRole("button", { name: "Tour" })).toBeVisible();
    await expect(page.getByRole("dialog")).toHaveCount(0);

    // Replay from the status bar's Help button; Esc skips.
    await page.getByRole("contentinfo", { name: "Status" }).getByRole("button", { name: "Tour" }).click();
    await expect(page.getByRole("dialog", { name: "This is web" })).toBeVisible();
    await expect(page.getByRole("dialog", { name: "This is web" }).getByRole("heading", { name: "This is web" })).toBeFocused();
    await page.keyboard.press("Escape");
    await expect(page.getByRole("dialog")).toHaveCount(0);

    // …and from the command palette.
    await page.getByRole("contentinfo", { name: "Status" }).getByRole("button", { name: /Commands/ }).click();
    const palette = page.getByRole("dialog", { name: "Command palette" });
    await palette.getByRole("combobox", { name: "Command" }).fill("playground tour");
    await palette.getByRole("option", { name: /Replay the playground tour/ }).click();
    await expect(page.getByRole("dialog", { name: "This is web" })).toBeVisible();
    await screenshot(page, testInfo, "8-replayed-from-palette", { fullPage: false });
    await page.getByRole("dialog", { name: "This is web" }).getByRole("button", { name: "Skip the tour" }).click();
    await expect(page.getByRole("dialog")).toHaveCount(0);
    expect(problems).toEqual([]);
  });
});
