// The commands Switchboard itself offers in the palette: one per context, per namespace and per
// service, plus reconnect, settings, theme, the tour and copying the kubeconfig path. They are
// derived from the stores (the core's views) and call the same actions as the buttons do.
import { useMemo } from "react";
import type { ContextsView, ConnectionState } from "../../app/contract/api.ts";
import type { ServiceSummary } from "../../app/contract/api.ts";
import type { Settings } from "../../app/contract/settings.ts";
import type { Command } from "./commands.ts";
import { useCommandUi, useRegisterCommands } from "./commands.ts";
import { displayName } from "./labels.ts";
import { useServices } from "./services-store.ts";
import { useSettings } from "./settings-store.ts";
import { resolveTheme, systemPrefersDark } from "./settings-theme.ts";
import type { Actions } from "./store.ts";
import { useSwitchboard } from "./store.ts";

const isMac = typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
export const PALETTE_SHORTCUT = isMac ? "⌘K" : "Ctrl+K";
export const SETTINGS_SHORTCUT = isMac ? "⌘," : "Ctrl+,";

export interface BuiltinInputs {
  contexts: ContextsView | null;
  connection: ConnectionState | null;
  namespaces: readonly string[];
  services: readonly ServiceSummary[];
  settings: Settings | null;
  /** Where the Clipboard API is usable. */
  canCopy: boolean;
}

/** Pure: the built-in commands for the current state (tested without React). */
export function builtinCommands(input: BuiltinInputs, actions: Pick<Actions, "selectContext" | "selectNamespace" | "reconnect" | "openService" | "saveSettings">): Command[] {
  const commands: Command[] = [];
  const current = input.connection?.context ?? null;
  for (const context of input.contexts?.contexts ?? []) {
    const here = context.name === current;
    commands.push({
      id: `context:${context.name}`,
      title: `Switch to context ${displayName(context)}`,
      group: "Contexts",
      keywords: [context.name, context.cluster, ...(context.gke?.project ? [context.gke.project] : []), ...(context.label ? [context.label] : [])],
      detail: here ? "selected" : context.name === input.contexts?.currentContext ? "current-context" : undefined,
      run: () => actions.selectContext(context.name),
    });
  }
  if (current && input.connection?.phase === "connected") {
    const namespaces = [...new Set([...(input.connection.namespace ? [input.connection.namespace] : []), ...input.namespaces])].sort();
    for (const namespace of namespaces) {
      commands.push({
        id: `namespace:${namespace}`,
        title: `Switch to namespace ${namespace}`,
        group: "Namespaces",
        detail: namespace === input.connection.namespace ? "selected" : undefined,
        run: () => actions.selectNamespace(current, namespace),
      });
    }
  }
  for (const service of input.services) {
    commands.push({
      id: `service:${service.key}`,
      title: `Open ${service.name} (${service.namespace})`,
      group: "Services",
      keywords: [service.key, service.health, service.exposure],
      detail: service.intercepted ? "intercepted" : undefined,
      run: () => actions.openService(service.key),
    });
  }
  commands.push({
    id: "reconnect",
    title: "Reconnect",
    group: "Switchboard",
    keywords: ["retry", "refresh", "connection"],
    disabledReason: current ? null : "No context is selected yet.",
    run: () => actions.reconnect(),
  });
  commands.push({
    id: "settings",
    title: "Open settings",
    group: "Switchboard",
    keywords: ["preferences", "options", "telepresence", "port", "theme"],
    shortcut: SETTINGS_SHORTCUT,
    run: () => useCommandUi.getState().openSettings(),
  });
  const theme = input.settings?.theme ?? "system";
  const next = resolveTheme(theme, systemPrefersDark()) === "dark" ? "light" : "dark";
  commands.push({
    id: "toggle-theme",
    title: `Toggle theme (switch to ${next})`,
    group: "Switchboard",
    keywords: ["dark", "light", "appearance", "colour", "color"],
    disabledReason: input.settings ? null : "The settings have not been read yet.",
    run: () => void actions.saveSettings({ theme: next }),
  });
  if (theme !== "system") {
    commands.push({
      id: "system-theme",
      title: "Use the system theme",
      group: "Switchboard",
      keywords: ["dark", "light", "appearance", "auto"],
      run: () => void actions.saveSettings({ theme: "system" }),
    });
  }
  commands.push({
    id: "tour",
    title: "Replay the tour",
    group: "Help",
    keywords: ["onboarding", "introduction", "help", "guide"],
    run: () => useSwitchboard.getState().startTour(),
  });
  const files = input.contexts?.files ?? [];
  if (files.length > 0 && input.canCopy) {
    commands.push({
      id: "copy-kubeconfig-path",
      title: files.length === 1 ? "Copy the kubeconfig path" : "Copy the kubeconfig paths",
      group: "Help",
      keywords: ["KUBECONFIG", "clipboard", "file"],
      detail: files.length === 1 ? files[0] : `${files.length} files`,
      // KUBECONFIG's own separator, so the copy can be pasted into `export KUBECONFIG=…`.
      run: () => navigator.clipboard.writeText(files.join(isWindows() ? ";" : ":")),
    });
  }
  if (current && input.canCopy) {
    commands.push({
      id: "copy-context",
      title: "Copy the context name",
      group: "Help",
      keywords: ["clipboard", "kubectl"],
      detail: current,
      run: () => navigator.clipboard.writeText(current),
    });
  }
  return commands;
}

function isWindows(): boolean {
  return typeof navigator !== "undefined" && /Win/.test(navigator.platform || navigator.userAgent);
}

/** Registers the built-in commands (source "switchboard") and keeps them in step with the stores. */
export function useBuiltinCommands(actions: Actions): void {
  const contexts = useSwitchboard((s) => s.contexts);
  const connection = useSwitchboard((s) => s.connection);
  const namespaces = useSwitchboard((s) => s.namespaces);
  const services = useServices((s) => s.rows);
  const settings = useSettings((s) => s.view?.settings ?? null);
  const canCopy = typeof navigator !== "undefined" && typeof navigator.clipboard?.writeText === "function";
  const commands = useMemo(
    () => builtinCommands({ contexts, connection, namespaces, services, settings, canCopy }, actions),
    [contexts, connection, namespaces, services, settings, canCopy, actions],
  );
  useRegisterCommands("switchboard", commands);
}
