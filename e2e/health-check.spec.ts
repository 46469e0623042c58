// Health-check debugging end to end in a real browser (issue 8's story "see the chicken-and-egg
// finding, see it in the diagram, fix it, see it green"): `npm start -- --web --playground` (the
// embedded playground with its telepresence program and Compute API emulation, the browser host).
// Open web → intercept it GLOBALLY through the Intercept panel to a local port where nothing listens →
// the finding health-check-hits-intercepted-port turns into an error, the health check's own diagram
// goes load balancer → traffic-agent → your laptop in the unhealthy tone, the pods read UNHEALTHY from
// the Compute API and the service's badge turns red → Fix: Add a health sidecar → the wizard's preview
// → apply → verified → the diagram goes to the sidecar, every hop healthy, the badge green, while the
// intercept stays. Screenshots of each stage are attached.
import { expect, test, type Locator, type Page } from "@playwright/test";
import { closedPort } from "./support/apiserver.ts";
import { startPlaygroundHost, type RunningHost } from "./support/host.ts";
import { screenshot } from "./support/screenshot.ts";

/** The `tone-…` class of each hop of a diagram (the colour, glyph and hatching follow it), by its accessible name. */
async function hopTones(diagram: Locator): Promise<Record<string, string>> {
  return diagram.locator("[data-hop]").evaluateAll((hops) =>
    Object.fromEntries(hops.map((h) => [h.getAttribute("aria-label") ?? "", /\btone-([\w-]+)/.exec(h.className)?.[1] ?? ""])),
  );
}

/** The load-balancer health cells of the pods table (one port: web's http), text and tooltip. */
async function podHealth(page: Page): Promise<Array<{ text: string; title: string }>> {
  return page
    .getByRole("table", { name: "Pods" })
    .locator("tbody tr td:last-child .badge")
    .evaluateAll((badges) => badges.map((b) => ({ text: b.textContent?.trim() ?? "", title: b.getAttribute("title") ?? "" })));
}

const RULE = "health-check-hits-intercepted-port";
const LONG = { timeout: 150_000 };

test.describe("health check debugging", () => {
  test.setTimeout(300_000);
  let host: RunningHost;

  test.beforeAll(async () => {
    host = await startPlaygroundHost("sb-e2e-health-", { speed: 20 });
  });

  test.afterAll(async () => {
    await host?.stop();
  });

  test("a global intercept breaks web's health check (finding, red diagram, UNHEALTHY pods); the sidecar fixes it (green)", async ({ page }, testInfo) => {
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    // Tall, so the screenshots show the diagrams and the wizard (the app scrolls inside its panes).
    await page.setViewportSize({ width: 1280, height: 2400 });
    // The playground's first-run tour is another spec's subject: mark it finished.
    await page.addInitScript(() => localStorage.setItem("switchboard.tour.v1", JSON.stringify({ status: "finished", step: 6, completed: [] })));
    await page.goto(host.url);

    const list = page.getByRole("listbox", { name: "Services" });
    const row = list.getByRole("option", { name: /^web\b/ });
    await expect(row).toContainText("Healthy · Compute API", { timeout: 60_000 });
    await row.click();
    const detail = page.getByRole("article").filter({ has: page.getByRole("heading", { level: 2, name: "web", exact: true }) });
    await expect(detail).toBeVisible();
    const finding = detail.locator(`.finding[data-finding="${RULE}"]`);
    const check = detail.getByRole("group", { name: "Health check path of port http", exact: true });

    // Before: what an intercept WOULD do is a warning; the check reaches the app, healthy.
    await expect(finding).toHaveAttribute("data-severity", "warning");
    await expect(check.getByRole("button", { name: /^Container App container \(.+\): Healthy · Compute API$/ })).toBeVisible();
    await expect(check.getByRole("button", { name: /^Laptop / })).toHaveCount(0);
    await screenshot(page, testInfo, "1-before-intercept", { region: check.locator("xpath=ancestor::section[1]") });

    // Intercept web globally through the Intercept panel, to a local port where nothing listens.
    const port = String(await closedPort());
    await detail.getByRole("button", { name: "Intercept…" }).click();
    const panel = page.getByRole("region", { name: "Intercept web" });
    await panel.getByRole("textbox", { name: "Local port" }).fill(port);
    await expect(panel).toContainText("Recommended"); // the core's verdict arrived (the header filter first)
    await expect(panel).toContainText(`Nothing is listening on localhost:${port}`);
    await panel.getByRole("radio", { name: /All traffic \(global\)/ }).check();
    await expect(panel.getByLabel("Equivalent telepresence command")).toContainText(`intercept web --port ${port}:http`);
    await expect(panel.getByLabel("Equivalent telepresence command")).not.toContainText("--http-header");
    await panel.getByRole("button", { name: /^Start intercept/ }).click();
    const active = detail.getByRole("list", { name: "Active intercepts" });
    await expect(active).toContainText(`localhost:${port}`, { timeout: 90_000 });
    await expect(active).toContainText("global");

    // The finding: now an error, the checks go to the laptop.
    await expect(finding).toHaveAttribute("data-severity", "error", LONG);
    await expect(finding.locator(".sev-label")).toHaveText("Error");
    await expect(finding.locator(".finding-title")).toHaveText("The Ingress's health checks of web:http go to your laptop");

    // The health check's diagram: the path ends at the traffic-agent → your laptop, in the unhealthy tone.
    const agent = check.getByRole("button", { name: /^Container Traffic agent \(traffic-agent\): Unhealthy · Compute API$/ });
    const laptop = check.getByRole("button", { name: /^Laptop Your laptop \(through the intercept\): Unhealthy · Compute API$/ });
    await expect(agent).toBeVisible(LONG);
    await expect(laptop).toBeVisible(LONG);
    await expect(agent).toHaveClass(/\btone-unhealthy\b/);
    await expect(laptop).toHaveClass(/\btone-unhealthy\b/);
    await expect(check.getByRole("button", { name: /^Port :\d+ \(endpoint port\): Unhealthy · Compute API$/ })).toHaveClass(/\btone-unhealthy\b/);
    await expect(detail.locator(".reach-summary").first()).toHaveText(/^It reaches traffic agent \(traffic-agent\) on port \d+ → your laptop\.$/);
    // The reason, on focus, names its signal.
    await agent.focus();
    const hopDetails = check.locator("xpath=ancestor::div[contains(concat(' ', normalize-space(@class), ' '), ' diagram ')][1]").getByRole("region", { name: "Hop details" });
    await expect(hopDetails).toContainText(/laptop/);
    await expect(hopDetails).toContainText("Signal: Compute API");

    // The pods: UNHEALTHY from the Compute API, every one; the badges red.
    await expect
      .poll(async () => {
        const cells = await podHealth(page);
        return cells.length > 0 && cells.every((c) => c.text === "Unhealthy · Compute API" && c.title.includes("Compute API: UNHEALTHY"));
      }, LONG)
      .toBe(true);
    await expect(row).toContainText("Unhealthy · Compute API", LONG);
    await expect(detail.locator(".detail-health .badge").first()).toHaveClass(/\btone-unhealthy\b/);
    await screenshot(page, testInfo, "2-broken-by-intercept", { region: check.locator("xpath=ancestor::section[1]") });

    // Fix it: the finding's Fix → the sidecar in the wizard → preview → apply → verified.
    await finding.getByRole("button", { name: "Fix: Add a health sidecar" }).click();
    const fix = page.getByRole("region", { name: "Fix" });
    await expect(fix.getByRole("radio", { name: /Health sidecar/ })).toBeChecked();
    await expect(fix.locator(".fix-params")).toContainText("Workload");
    await expect(fix.getByRole("group", { name: "Sidecar options" })).toBeVisible();
    await screenshot(page, testInfo, "3-choose", { region: fix });
    await fix.getByRole("button", { name: "Preview changes" }).click();
    await expect(fix.getByRole("heading", { name: "Preview" })).toBeVisible({ timeout: 30_000 });
    await expect(fix.locator(".plan-facts")).toContainText(/port \d+ of container health-sidecar/);
    await screenshot(page, testInfo, "4-preview", { region: fix });
    await fix.getByRole("button", { name: /^Apply( anyway)?$/ }).click();
    await expect(fix.getByRole("status").filter({ hasText: "Verified: healthy." })).toBeVisible(LONG);
    await screenshot(page, testInfo, "5-verified", { region: fix });

    // Green: the finding is gone, the check goes to the sidecar, every hop of its path is healthy.
    await expect(detail.locator(`.finding[data-finding="${RULE}"][data-severity="error"]`)).toHaveCount(0, LONG);
    const sidecar = check.getByRole("button", { name: /^Container Health sidecar \(health-sidecar\): Healthy · Compute API$/ });
    await expect(sidecar).toBeVisible(LONG);
    await expect(sidecar).toHaveClass(/\btone-healthy\b/);
    await expect(check.getByRole("button", { name: /^Laptop / })).toHaveCount(0);
    await expect
      .poll(async () => {
        const tones = await hopTones(check);
        // The check box itself is configuration (neutral); every hop it reaches is healthy.
        return Object.entries(tones).filter(([name, tone]) => !name.startsWith("Health check ") && tone !== "healthy");
      }, LONG)
      .toEqual([]);
    await expect
      .poll(async () => {
        const cells = await podHealth(page);
        return cells.length > 0 && cells.every((c) => c.text === "Healthy · Compute API" && c.title.includes("Compute API: HEALTHY"));
      }, LONG)
      .toBe(true);
    await expect(row).toContainText("Healthy · Compute API", LONG);
    await expect(row).not.toContainText("Unhealthy");
    await expect(detail.locator(".detail-health .badge").first()).toHaveClass(/\btone-healthy\b/);
    // …while the intercept stays: user traffic still goes to the laptop.
    await expect(active).toContainText(`localhost:${port}`);
    await expect(detail.getByRole("group", { name: "Traffic path of web port http" }).getByRole("button", { name: /^Laptop Your laptop/ }).first()).toBeVisible();
    await screenshot(page, testInfo, "6-green", { region: check.locator("xpath=ancestor::section[1]") });

    await active.getByRole("button", { name: "Stop intercept web" }).click();
    await expect(detail.getByText("Nothing intercepts this service.")).toBeVisible({ timeout: 60_000 });
    expect(problems).toEqual([]);
  });
});
