import { resolve } from "node:path";
import { defineConfig } from "electron-vite";
import react from "@vitejs/plugin-react";

// One build for both hosts: the Electron main process and preload, and the renderer that the
// Electron window and the browser host serve alike (out/renderer).
export default defineConfig({
  main: {
    build: {
      outDir: "out/main",
      rollupOptions: { input: { main: resolve("main/electron/main.ts") } },
    },
  },
  preload: {
    build: {
      outDir: "out/preload",
      // Sandboxed preloads must be CommonJS.
      rollupOptions: {
        input: { preload: resolve("main/electron/preload.ts") },
        output: { format: "cjs", entryFileNames: "[name].cjs" },
      },
    },
  },
  renderer: {
    root: "renderer",
    plugins: [react()],
    build: {
      outDir: "out/renderer",
      // Served as is by both hosts: ship it small.
      minify: true,
      rollupOptions: { input: { index: resolve("renderer/index.html") } },
    },
  },
});
