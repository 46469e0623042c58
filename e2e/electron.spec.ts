// The desktop app itself: Playwright's Electron driver launches the built app (out/main/main.js) with
// a test kubeconfig and sees the same contexts as the browser host. Runs where the Electron binary is
// installed and a display exists; elsewhere it is skipped with the reason (the browser specs cover
// the same UI and core).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { _electron as electron, expect, test } from "@playwright/test";
import { findElectronBinary, hasDisplay } from "../main/common/electron-binary.ts";
import { startApiServer } from "./support/apiserver.ts";
import { ROOT } from "./support/host.ts";

const binary = findElectronBinary(ROOT);

test("the Electron app shows the kubeconfig's contexts and connects", async () => {
  const testInfo = test.info();
  const why = !binary.found
    ? `${binary.reason}; the browser specs cover the same UI and core`
    : !hasDisplay()
      ? "there is no display (DISPLAY/WAYLAND_DISPLAY unset) for an Electron window"
      : null;
  if (why || !binary.found) {
    // The list reporter does not print skip reasons: say it where people read.
    console.log(`Electron smoke test skipped: ${why}`);
    test.skip(true, why ?? "");
    return;
  }

  const dir = mkdtempSync(path.join(tmpdir(), "sb-electron-"));
  const api = await startApiServer(["default", "shop"]);
  const kubeconfig = path.join(dir, "config");
  writeFileSync(
    kubeconfig,
    [
      "current-context: desk",
      "clusters:",
      `- {name: desk, cluster: {server: "${api.url}"}}`,
      `- {name: other, cluster: {server: "${api.url}"}}`,
      "contexts:",
      "- {name: desk, context: {cluster: desk, user: u}}",
      "- {name: other, context: {cluster: other, user: u}}",
      "users:",
      "- {name: u, user: {token: t}}",
      "",
    ].join("\n"),
  );
  const app = await electron.launch({
    executablePath: binary.path,
    args: [ROOT],
    env: { ...process.env, KUBECONFIG: kubeconfig, HOME: dir, ELECTRON_DISABLE_SECURITY_WARNINGS: "true" },
  });
  try {
    const page = await app.firstWindow();
    await expect(page.getByRole("button", { name: "Context desk" })).toBeVisible();
    await expect(page.getByRole("button", { name: "Context other" })).toBeVisible();
    await expect(page.getByRole("contentinfo", { name: "Status" })).toContainText("Connected");
    // Only the contract reaches the page.
    expect(await page.evaluate(() => Object.keys(window.switchboard ?? {}).sort())).toEqual(["invoke", "subscribe"]);
    expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe("undefined");
    const file = testInfo.outputPath("electron.png");
    await page.screenshot({ path: file });
    await testInfo.attach("electron", { path: file, contentType: "image/png" });
  } finally {
    await app.close();
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

// Runs everywhere (no binary needed): the built main process must not carry the playground. Bundled,
// its paths would point into out/ (scenario files, the `telepresence` program) where nothing is; the
// launcher runs it beside Electron instead (main/common/playground-options.ts).
test("the built Electron main process bundles none of the playground", () => {
  const bundle = readFileSync(path.join(ROOT, "out", "main", "main.js"), "utf8");
  for (const marker of ["startPlayground", "DEMO_DIR", "TELEPRESENCE_BIN", "playground/telepresence"]) {
    expect(bundle.includes(marker), `out/main/main.js contains ${marker}`).toBe(false);
  }
  expect(bundle).toContain("SWITCHBOARD_EMBEDDED_PLAYGROUND");
});
