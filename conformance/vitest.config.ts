import { defineConfig } from "vitest/config";

// The conformance suite: the same integration checks against a REAL kube-apiserver + etcd (started
// once by conformance/global-setup.ts). Run it with `npm run test:conformance` (conformance/run.ts),
// never as part of `npm run test:unit`, whose include does not reach conformance/.
export default defineConfig({
  test: {
    root: new URL("..", import.meta.url).pathname,
    include: ["conformance/**/*.test.ts"],
    environment: "node",
    globalSetup: ["conformance/global-setup.ts"],
    // One control plane for the whole run; files one after another, because the playground's
    // controllers (controllers.test.ts) watch every namespace of that one cluster.
    fileParallelism: false,
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
