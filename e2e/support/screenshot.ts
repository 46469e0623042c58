// Screenshots as test artifacts: the page (whole, by default: the app scrolls inside its panes), and a
// region in full when given. Written to test-results/ and attached to the test.
import type { Locator, Page, TestInfo } from "@playwright/test";

export async function screenshot(page: Page, testInfo: TestInfo, name: string, options: { region?: Locator; fullPage?: boolean } = {}): Promise<void> {
  const file = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path: file, fullPage: options.fullPage ?? true });
  await testInfo.attach(name, { path: file, contentType: "image/png" });
  if (options.region) {
    const part = testInfo.outputPath(`${name}-panel.png`);
    await options.region.screenshot({ path: part });
    await testInfo.attach(`${name} (panel)`, { path: part, contentType: "image/png" });
  }
}
