import { defineConfig } from "vitest/config";

// Unit, component and integration tests. Playwright specs (e2e/) run separately.
export default defineConfig({
  test: {
    include: ["{app,main,renderer,playground,scripts}/**/*.test.{ts,tsx}"],
    environment: "node",
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
  },
});
