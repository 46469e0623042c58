import js from "@eslint/js";
import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";

export default tseslint.config(
  { ignores: ["node_modules", "out", "dist", "test-results", "playwright-report", "bench/results*"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  {
    files: ["renderer/**/*.{ts,tsx}"],
    plugins: { "react-hooks": reactHooks },
    rules: { ...reactHooks.configs.recommended.rules },
  },
  // Dependencies point inward (DEVELOPERS.md): the core never imports a host, the UI or Electron;
  // the UI knows only the contract; the playground stands alone.
  {
    // Tests may start the playground: they use it only as a cluster, over its kubeconfig.
    files: ["app/**/*.ts"],
    ignores: ["app/**/*.test.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [
        { group: ["electron", "react", "react-dom", "zustand", "**/main/**", "**/renderer/**", "**/playground/**"], message: "app/ is plain Node: no Electron, React, hosts or playground." },
      ] }],
    },
  },
  {
    // Component tests may build real views with the core's pure model (app/gke fixtures).
    files: ["renderer/**/*.{ts,tsx}"],
    ignores: ["renderer/**/*.test.{ts,tsx}"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [
        { group: ["**/app/*", "!**/app/contract", "!**/app/contract/*", "**/main/**", "**/playground/**", "node:*", "electron", "@kubernetes/*"], message: "renderer/ talks only to app/contract." },
      ] }],
    },
  },
  {
    files: ["playground/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [
        { group: ["**/app/**", "**/main/**", "**/renderer/**"], message: "The playground is only a cluster: it imports nothing of the app." },
      ] }],
    },
  },
);
