// The command registry: every part of the UI registers the actions it offers, and the command palette
// (components/CommandPalette.tsx) lists, filters and runs them. A source registers a whole list at
// once (registering again under the same source replaces it) and gets back a function that removes it:
//
//   const unregister = registerCommands("intercepts", [{ id: "leave-all", title: "Leave all intercepts", group: "Intercepts", run: () => … }]);
//
// In a component, `useRegisterCommands(source, commands)` does the same for the component's lifetime
// (memoise `commands`, it re-registers when the array changes).
import { useEffect, useRef, useSyncExternalStore } from "react";
import { create } from "zustand";

export interface Command {
  /** Unique within its source; the palette's key is `<source>:<id>`. */
  id: string;
  /** What the palette shows and filters on, e.g. "Switch to context prod". */
  title: string;
  /** The heading it is listed under ("Contexts", "Services", "Intercepts", "Tour" …). */
  group: string;
  /** More words it is found by (a context's cluster, a service's namespace …). */
  keywords?: readonly string[];
  /** Secondary text on the right (a subtitle, "current"). */
  detail?: string;
  /** Keyboard shortcut to show, e.g. "Ctrl+K". */
  shortcut?: string;
  /** When set, listed but not runnable, with this reason. */
  disabledReason?: string | null;
  run(): void | Promise<void>;
}

export interface RegisteredCommand extends Command {
  /** `<source>:<id>`. */
  key: string;
  source: string;
}

const registrations = new Map<string, { token: symbol; commands: readonly RegisteredCommand[] }>();
const listeners = new Set<() => void>();
let snapshot: readonly RegisteredCommand[] = [];

function publish() {
  snapshot = [...registrations.values()].flatMap((r) => r.commands);
  for (const listener of listeners) listener();
}

/** Adds (or replaces) the commands of `source`; returns the function that removes them. */
export function registerCommands(source: string, commands: readonly Command[]): () => void {
  const token = Symbol(source);
  registrations.set(source, { token, commands: commands.map((c) => ({ ...c, source, key: `${source}:${c.id}` })) });
  publish();
  return () => {
    // Only this registration: a newer one of the same source stays.
    if (registrations.get(source)?.token !== token) return;
    registrations.delete(source);
    publish();
  };
}

/** Every registered command, in registration order (stable between changes). */
export function allCommands(): readonly RegisteredCommand[] {
  return snapshot;
}

export function subscribeCommands(listener: () => void): () => void {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

/** The registered commands, re-rendering when any source changes its list. */
export function useCommands(): readonly RegisteredCommand[] {
  return useSyncExternalStore(subscribeCommands, allCommands, allCommands);
}

/** Registers `commands` under `source` while the calling component is mounted. */
export function useRegisterCommands(source: string, commands: readonly Command[]): void {
  useEffect(() => registerCommands(source, commands), [source, commands]);
}

/** Runs a registered command by key (the Electron menu, tests); false when there is none or it is disabled. */
export function runCommand(key: string): boolean {
  const command = snapshot.find((c) => c.key === key);
  if (!command || command.disabledReason) return false;
  void command.run();
  return true;
}

/** Which of the palette and the settings dialog is open; anything may open them (menu, buttons, tour). */
export const useCommandUi = create<{
  paletteOpen: boolean;
  settingsOpen: boolean;
  openPalette(): void;
  closePalette(): void;
  togglePalette(): void;
  openSettings(): void;
  closeSettings(): void;
}>()((set) => ({
  paletteOpen: false,
  settingsOpen: false,
  openPalette: () => set({ paletteOpen: true, settingsOpen: false }),
  closePalette: () => set({ paletteOpen: false }),
  togglePalette: () => set((s) => ({ paletteOpen: !s.paletteOpen, settingsOpen: false })),
  openSettings: () => set({ settingsOpen: true, paletteOpen: false }),
  closeSettings: () => set({ settingsOpen: false }),
}));

/** Puts focus back where it was when a dialog opened (if that element is still there). */
export function useRestoreFocus(open: boolean) {
  const previous = useRef<Element | null>(null);
  useEffect(() => {
    if (!open) return;
    previous.current = document.activeElement;
    return () => {
      const target = previous.current;
      if (target instanceof HTMLElement && target.isConnected) target.focus();
      else document.body.focus();
    };
  }, [open]);
}
