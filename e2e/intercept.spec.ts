// Click-to-intercept in a real browser: the playground as the cluster (real API server, traffic-manager
// simulation, front door), the playground's `telepresence` program, the browser host, and a local HTTP
// server this test starts. Open web → Intercept panel → the header-filtered intercept is offered first
// with the reason → start it → active → a request with the header through the front door arrives at
// the local server → stop.
//
// The playground runs in this test process (not the host's --playground) because the test needs the
// front door's URL (Playground.loadBalancers), which the host does not print.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { startPlayground, type Playground } from "../playground/index.ts";
import { startBrowserHost, type RunningHost } from "./support/host.ts";
import { screenshot } from "./support/screenshot.ts";

test.describe("click-to-intercept", () => {
  test.setTimeout(120_000);
  let dir: string;
  let pg: Playground;
  let host: RunningHost;
  let laptop: Server;
  let laptopPort = 0;
  const hits: Array<Record<string, unknown>> = [];
  let env: Record<string, string>;

  test.beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "sb-e2e-intercept-"));
    pg = await startPlayground({ speed: 20 });
    laptop = createServer((req, res) => {
      hits.push(req.headers);
      res.end("hello from the laptop\n");
    });
    await new Promise<void>((r) => laptop.listen(0, "127.0.0.1", r));
    laptopPort = (laptop.address() as { port: number }).port;
    env = {
      KUBECONFIG: pg.kubeconfigPath,
      HOME: dir,
      SWITCHBOARD_TELEPRESENCE: pg.telepresenceBin,
      PLAYGROUND_TELEPRESENCE_STATE_DIR: path.join(dir, "tp"),
      PLAYGROUND_TELEPRESENCE_AGENT_TIMEOUT_MS: "20000",
    };
    host = await startBrowserHost(env);
  });

  test.afterAll(async () => {
    await host?.stop();
    // The daemon this test's host started (its state dir is ours alone).
    await new Promise((r) => execFile(pg.telepresenceBin, ["quit", "-s"], { env: { ...process.env, ...env }, timeout: 15_000 }, r));
    laptop?.closeAllConnections();
    await new Promise((r) => laptop?.close(r));
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("offers the header filter first, starts it, routes the header's requests to the laptop, stops", async ({ page }, testInfo) => {
    await page.goto(host.url);
    await page.getByRole("listbox", { name: "Services" }).getByRole("option", { name: /^web\b/ }).click();
    const detail = page.getByRole("article").filter({ has: page.getByRole("heading", { name: "web", exact: true }) });
    await expect(detail).toBeVisible();

    await detail.getByRole("button", { name: "Intercept…" }).click();
    const panel = page.getByRole("region", { name: "Intercept web" });
    await expect(panel).toBeVisible();
    // The core's verdict: a global intercept would send the health checks to the laptop; the filter first.
    const kinds = panel.getByRole("group", { name: "What goes to your laptop" });
    await expect(kinds.getByRole("radio").first()).toHaveAccessibleName(/Only requests with a header/);
    await expect(kinds.getByRole("radio", { name: /Only requests with a header/ })).toBeChecked();
    await expect(kinds).toContainText("Recommended");
    await expect(kinds).toContainText(/health checks to your laptop/);

    await panel.getByRole("textbox", { name: "Local port" }).fill(String(laptopPort));
    await panel.getByRole("textbox", { name: "Header value" }).fill("e2e");
    await expect(panel.getByLabel("Equivalent telepresence command")).toContainText(`intercept web --port ${laptopPort}:http`);
    await expect(panel.getByLabel("Equivalent telepresence command")).toContainText("--http-header x-dev=e2e");
    await expect(panel).toContainText(`Something is listening on localhost:${laptopPort}`);
    await screenshot(page, testInfo, "intercept-panel");
    await page.emulateMedia({ colorScheme: "dark" });
    await panel.scrollIntoViewIfNeeded();
    await screenshot(page, testInfo, "intercept-panel-dark");
    await page.emulateMedia({ colorScheme: "light" });

    await panel.getByRole("button", { name: "Start intercept" }).click();
    const active = detail.getByRole("list", { name: "Active intercepts" });
    await expect(active).toContainText("filtered", { timeout: 60_000 });
    await expect(active).toContainText(`localhost:${laptopPort}`);
    await expect(panel.getByRole("list", { name: "Progress" })).toContainText(/is active/);
    await screenshot(page, testInfo, "intercept-active");

    // A request with the header through the front door reaches the laptop; one without stays on the app.
    await expect
      .poll(async () => {
        const res = await fetch(pg.loadBalancers["demo/web"]!, { headers: { "x-dev": "e2e" }, signal: AbortSignal.timeout(5_000) });
        return res.text();
      }, { timeout: 30_000 })
      .toBe("hello from the laptop\n");
    expect(hits.some((h) => h["x-dev"] === "e2e")).toBe(true);
    expect(await (await fetch(pg.loadBalancers["demo/web"]!, { signal: AbortSignal.timeout(5_000) })).text()).toMatch(/^hello from web-/);

    await active.getByRole("button", { name: "Stop intercept web" }).click();
    await expect(detail.getByText("Nothing intercepts this service.")).toBeVisible({ timeout: 30_000 });
    await screenshot(page, testInfo, "intercept-stopped");
  });
});
