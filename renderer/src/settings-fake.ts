// For renderer tests: the settings methods of the contract kept in memory, validated with the
// contract's schema (a bad patch is refused with invalid-request, as the core's host would).
import type { SwitchboardApi } from "../../app/contract/api.ts";
import { SwitchboardError } from "../../app/contract/errors.ts";
import { DEFAULT_SETTINGS, settingsPatchSchema, settingsSchema, type SettingsView } from "../../app/contract/settings.ts";

export function fakeSettingsApi(initial: Partial<SettingsView> = {}): Pick<SwitchboardApi, "settings.get" | "settings.set"> & { view(): SettingsView } {
  let view: SettingsView = { settings: DEFAULT_SETTINGS, file: "/home/me/.config/switchboard/settings.json", problem: null, ...initial };
  return {
    view: () => view,
    "settings.get": async () => view,
    "settings.set": async (input) => {
      const parsed = settingsPatchSchema.safeParse(input);
      if (!parsed.success) throw new SwitchboardError("invalid-request", `The call settings.set was refused: ${parsed.error.issues.map((i) => i.message).join("; ")}.`);
      view = { ...view, settings: settingsSchema.parse({ ...view.settings, ...parsed.data }), problem: null };
      return view;
    },
  };
}
