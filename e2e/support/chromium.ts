// The e2e tests drive a Chromium that is already on the machine (Debian's by default); Playwright's
// own browser download is never used.
import { existsSync } from "node:fs";

const candidates = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
  "/Applications/Chromium.app/Contents/MacOS/Chromium",
  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
];

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** The browser to use, or an Error that says how to get one. */
export function findChromium(env: Record<string, string | undefined> = process.env): string | Error {
  const chosen = env.SWITCHBOARD_CHROMIUM;
  if (chosen) {
    return existsSync(chosen) ? chosen : new Error(`SWITCHBOARD_CHROMIUM points to ${chosen}, which does not exist.`);
  }
  const found = candidates.find((p) => existsSync(p));
  if (found) return found;
  return new Error(
    "No Chromium found for the e2e tests (they never download one). Install it — Debian/Ubuntu: " +
      "`sudo apt-get install chromium`; macOS: install Google Chrome or Chromium — or set SWITCHBOARD_CHROMIUM " +
      "to the path of a Chromium/Chrome binary.",
  );
}
