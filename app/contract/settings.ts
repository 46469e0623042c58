// User settings in the contract: what a user can change in the Settings dialog, kept by the core in a
// JSON file in the app's data dir (app/core/settings.ts). Compute API overrides are NOT settings
// (they are the environment's / the embedded playground's). Re-exported from api.ts and index.ts.
import { z } from "zod";
import type { ErrorValue } from "./errors.ts";

export const themes = ["system", "light", "dark"] as const;
export type Theme = (typeof themes)[number];

/** One user setting each; every field has a default so a missing or partial file still reads. */
export const settingsSchema = z
  .object({
    /** The telepresence program; empty: find it (SWITCHBOARD_TELEPRESENCE, else PATH). */
    telepresencePath: z
      .string()
      .max(4096)
      .refine((p) => p === "" || p.trim() === p, { message: "must not start or end with spaces" })
      .refine((p) => !p.includes("\0"), { message: "must not contain a NUL character" })
      .default(""),
    /** The local port the intercept panel proposes first. */
    defaultLocalPort: z.number().int().min(1).max(65535).default(8080),
    /** "system" follows the OS (prefers-color-scheme). */
    theme: z.enum(themes).default("system"),
  })
  .strict();

export type Settings = z.output<typeof settingsSchema>;

/** What `settings.set` accepts: any subset of the settings, each validated; unknown keys are refused. */
export const settingsPatchSchema = z
  .object({
    telepresencePath: settingsSchema.shape.telepresencePath.unwrap().optional(),
    defaultLocalPort: settingsSchema.shape.defaultLocalPort.unwrap().optional(),
    theme: settingsSchema.shape.theme.unwrap().optional(),
  })
  .strict();

export type SettingsPatch = z.input<typeof settingsPatchSchema>;

export const DEFAULT_SETTINGS: Settings = settingsSchema.parse({});

export interface SettingsView {
  settings: Settings;
  /** The file they live in (shown in the dialog, so a user can find it). */
  file: string;
  /**
   * The file could not be read or did not validate: the defaults are in use and the next save
   * replaces it (the bad file is kept beside it as `<file>.bad`). Null when all is well.
   */
  problem: ErrorValue | null;
}

export const settingsMethods = {
  "settings.get": { input: z.object({}).strict() },
  /** Changes some settings; answers (and emits) the whole new view. */
  "settings.set": { input: settingsPatchSchema },
} as const;

export type SettingsEvent = { type: "settings"; settings: SettingsView };

export interface SettingsMethodOutputs {
  "settings.get": SettingsView;
  "settings.set": SettingsView;
}
