// The settings slice: the core's settings view (`settings.get`, the `settings` event) and the saving
// of changes (`settings.set`). A change shows at once (optimistic) and is put back if the core refuses
// it; the core's answer and event are the truth afterwards.
import { create } from "zustand";
import type { SwitchboardApi, SwitchboardEvent } from "../../app/contract/api.ts";
import type { ErrorValue } from "../../app/contract/errors.ts";
import type { SettingsPatch, SettingsView } from "../../app/contract/settings.ts";

export interface SettingsSlice {
  view: SettingsView | null;
  /** The last failed load or save (invalid-request carries `details.fields`). */
  error: ErrorValue | null;
  saving: boolean;
  apply(events: SwitchboardEvent[]): void;
}

export const useSettings = create<SettingsSlice>()((set) => ({
  view: null,
  error: null,
  saving: false,
  apply(events) {
    for (const event of events) if (event.type === "settings") set({ view: event.settings });
  },
}));

function asErrorValue(error: unknown): ErrorValue {
  const e = error as Partial<ErrorValue> & { message?: string };
  return { code: e.code ?? "internal", message: e.message ?? String(error), ...(e.hint ? { hint: e.hint } : {}), ...(e.details ? { details: e.details } : {}) };
}

export function createSettingsActions(api: SwitchboardApi) {
  const set = useSettings.setState;
  const get = useSettings.getState;
  return {
    async loadSettings() {
      try {
        set({ view: await api["settings.get"]({}) });
      } catch (error) {
        set({ error: asErrorValue(error) });
      }
    },
    /** Saves some settings; resolves true when the core took them. */
    async saveSettings(patch: SettingsPatch): Promise<boolean> {
      const before = get().view;
      if (before) set({ view: { ...before, settings: { ...before.settings, ...patch } } });
      set({ saving: true });
      try {
        set({ view: await api["settings.set"](patch), error: null, saving: false });
        return true;
      } catch (error) {
        set({ view: before, error: asErrorValue(error), saving: false });
        return false;
      }
    },
  };
}

export type SettingsActions = ReturnType<typeof createSettingsActions>;
