// The whole path in a real browser: kubeconfig on disk → core → browser host (HTTP + WebSocket) →
// React UI. One context points at a loopback API server (connecting is a real round trip), the other
// at a closed port (a real "unreachable").
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { closedPort, startApiServer, type FakeApiServer } from "./support/apiserver.ts";
import { startBrowserHost, type RunningHost } from "./support/host.ts";
import { screenshot } from "./support/screenshot.ts";

const GKE = "gke_switchboard-e2e_europe-west1_shop";

test.describe("browser host", () => {
  let dir: string;
  let kubeconfig: string;
  let api: FakeApiServer;
  let host: RunningHost;

  test.beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "sb-e2e-"));
    api = await startApiServer(["default", "kube-system", "payments", "shop"]);
    kubeconfig = path.join(dir, "config");
    writeFileSync(
      kubeconfig,
      [
        "apiVersion: v1",
        "kind: Config",
        `current-context: ${GKE}`,
        "clusters:",
        `- name: ${GKE}`,
        `  cluster: {server: "${api.url}"}`,
        "- name: staging",
        `  cluster: {server: "http://127.0.0.1:${await closedPort()}"}`,
        "contexts:",
        `- name: ${GKE}`,
        `  context: {cluster: ${GKE}, user: e2e, namespace: shop}`,
        "- name: staging",
        "  context: {cluster: staging, user: e2e}",
        "users:",
        "- name: e2e",
        "  user: {token: e2e-token}",
        "",
      ].join("\n"),
    );
    host = await startBrowserHost({ KUBECONFIG: kubeconfig, HOME: dir });
  });

  test.afterEach(async () => {
    await host?.stop();
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("shows both contexts, connects for real, and switches context and namespace", async ({ page }, testInfo) => {
    // The strict CSP must not block anything the renderer needs, and nothing may throw.
    const problems: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    page.on("pageerror", (error) => problems.push(error.message));
    await page.goto(host.url);
    // The token was traded for a cookie and is gone from the address bar.
    await expect(page).toHaveURL(/\/$/);
    expect(page.url()).not.toContain("token");

    const gke = page.getByRole("button", { name: `Context ${GKE}` });
    const staging = page.getByRole("button", { name: "Context staging" });
    await expect(gke).toBeVisible();
    await expect(staging).toBeVisible();

    // The kubeconfig's current context is connected at start: namespaces come from the API server.
    const status = page.getByRole("contentinfo", { name: "Status" });
    await expect(status).toContainText("Connected");
    await expect(status).toContainText(`${GKE} / shop`);
    await expect(gke).toHaveAttribute("aria-current", "true");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("shop");
    // Once connected the cluster's cards fold away under the services (ContextView.tsx): unfold them.
    await page.getByText("Cluster, credentials and kubeconfig").click();
    await expect(page.getByText("switchboard-e2e", { exact: true })).toBeVisible();
    const namespaces = page.getByRole("list", { name: "Namespaces in this cluster" });
    await expect(namespaces.getByRole("button")).toHaveText(["default", "kube-system", "payments", "shop"]);
    expect(api.requests.some((r) => r.url.startsWith("/api/v1/namespaces") && r.authorization === "Bearer e2e-token")).toBe(true);
    await screenshot(page, testInfo, "1-connected");

    // Switch to the unreachable context: the selection moves, the error says what and what to do.
    await staging.click();
    await expect(staging).toHaveAttribute("aria-current", "true");
    await expect(gke).not.toHaveAttribute("aria-current", "true");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("staging");
    await expect(status).toContainText("Connection failed");
    await expect(status).toContainText("unreachable");
    await expect(page.getByRole("alert").first()).toContainText("refused");
    await expect(status.getByRole("button", { name: "Reconnect" })).toBeVisible();
    await screenshot(page, testInfo, "2-unreachable");

    // And back; then pick another namespace from the sidebar.
    await gke.click();
    await expect(status).toContainText("Connected");
    await page.getByRole("combobox", { name: "Namespace" }).selectOption("payments");
    await expect(status).toContainText(`${GKE} / payments`);
    await expect(namespaces.getByRole("button", { name: "payments" })).toHaveAttribute("aria-pressed", "true");

    await page.emulateMedia({ colorScheme: "dark" });
    await screenshot(page, testInfo, "3-dark");

    // Choosing a context is app state: the kubeconfig on disk is untouched.
    expect(readFileSync(kubeconfig, "utf8")).toContain(`current-context: ${GKE}`);
    expect(problems).toEqual([]);
  });

  test("refuses the page without the token", async ({ page }) => {
    const bare = new URL(host.url);
    bare.search = "";
    const response = await page.goto(bare.toString());
    expect(response?.status()).toBe(401);
  });

  test("picks up contexts added to the kubeconfig while it runs", async ({ page }) => {
    await page.goto(host.url);
    await expect(page.getByRole("button", { name: "Context staging" })).toBeVisible();
    writeFileSync(
      kubeconfig,
      readFileSync(kubeconfig, "utf8").replace("contexts:\n", "contexts:\n- name: added-later\n  context: {cluster: staging, user: e2e}\n"),
    );
    await expect(page.getByRole("button", { name: "Context added-later" })).toBeVisible();

    // A reload (no token in the address any more) is authenticated by the cookie.
    expect(page.url()).not.toContain("token");
    await page.reload();
    await expect(page.getByRole("button", { name: "Context added-later" })).toBeVisible();

    // When Switchboard stops, the page says so instead of showing stale state as live.
    await host.stop();
    await expect(page.getByRole("contentinfo", { name: "Status" })).toContainText("Lost the connection to Switchboard");
  });
});

test("without a kubeconfig, says how to create one", async ({ page }, testInfo) => {
  const dir = mkdtempSync(path.join(tmpdir(), "sb-e2e-empty-"));
  // Without a kubeconfig the embedded playground starts by itself (e2e/services.spec.ts); switched off
  // here to see the empty state a user who turned it off gets.
  const host = await startBrowserHost({ KUBECONFIG: path.join(dir, "missing-config"), HOME: dir, SWITCHBOARD_PLAYGROUND: "0" });
  try {
    await page.goto(host.url);
    await expect(page.getByRole("heading", { name: "No Kubernetes contexts yet" })).toBeVisible();
    await expect(page.getByText("gcloud container clusters get-credentials")).toBeVisible();
    await expect(page.getByText(path.join(dir, "missing-config"))).toBeVisible();
    await screenshot(page, testInfo, "empty-state");
  } finally {
    await host.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
