// The theme setting applied to the page: `data-theme="light" | "dark"` on the root element, which the
// CSS variables honour (settings-theme.css). "system" follows prefers-color-scheme, also when the OS
// switches while the app is open. Without the attribute (before the settings arrive) the stylesheet's
// own prefers-color-scheme rules apply, so there is no flash.
import { useEffect } from "react";
import type { Theme } from "../../app/contract/settings.ts";
import { useSettings } from "./settings-store.ts";
import "./settings-theme.css";

export type ResolvedTheme = "light" | "dark";

export function resolveTheme(theme: Theme, systemDark: boolean): ResolvedTheme {
  return theme === "system" ? (systemDark ? "dark" : "light") : theme;
}

const DARK_QUERY = "(prefers-color-scheme: dark)";

function darkQuery(): MediaQueryList | null {
  return typeof window !== "undefined" && typeof window.matchMedia === "function" ? window.matchMedia(DARK_QUERY) : null;
}

export function systemPrefersDark(): boolean {
  return darkQuery()?.matches ?? false;
}

/** Sets data-theme (and the chosen setting, data-theme-setting) on `root`; follows the OS for "system". Returns the cleanup. */
export function applyTheme(theme: Theme, root: HTMLElement = document.documentElement): () => void {
  const query = darkQuery();
  const update = () => {
    const resolved = resolveTheme(theme, query?.matches ?? false);
    root.dataset.theme = resolved;
    root.dataset.themeSetting = theme;
    // Native controls (scrollbars, inputs) follow too.
    root.style.colorScheme = resolved;
  };
  update();
  if (theme !== "system" || !query) return () => undefined;
  query.addEventListener("change", update);
  return () => query.removeEventListener("change", update);
}

/** Keeps the page's theme in step with the settings (mount once, near the root). */
export function useAppliedTheme(): void {
  const theme = useSettings((s) => s.view?.settings.theme ?? null);
  useEffect(() => (theme ? applyTheme(theme) : undefined), [theme]);
}
