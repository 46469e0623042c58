// The user's settings (contract: app/contract/settings.ts), kept in `<dataDir>/settings.json`.
// Read once at start and validated with zod: a missing file means defaults; an unreadable or invalid
// one is reported in the view (`problem`) and the defaults are used — never fatal, Switchboard must
// start to let the user fix it. Writes are atomic (temp file in the same directory, fsync, rename), so
// a crash mid-save leaves the old file or the new one, never half of one; saves run one at a time.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { SwitchboardEvent } from "../contract/api.ts";
import { SwitchboardError, type ErrorValue } from "../contract/errors.ts";
import { validateCall } from "../contract/validate.ts";
import { DEFAULT_SETTINGS, settingsSchema, type Settings, type SettingsPatch, type SettingsView } from "../contract/settings.ts";

export const SETTINGS_FILE = "settings.json";

export interface SettingsStoreOptions {
  /** The app's data directory (Electron: userData; else $XDG_CONFIG_HOME/switchboard). */
  dataDir: string;
  emit: (event: SwitchboardEvent) => void;
  log: (message: string, error?: unknown) => void;
}

export interface SettingsStore {
  methods: {
    "settings.get"(input: Record<string, never>): Promise<SettingsView>;
    "settings.set"(input: SettingsPatch): Promise<SettingsView>;
  };
  /** The settings in force now (defaults when the file is missing or bad). */
  current(): Settings;
  /** Waits for a save in progress. */
  close(): Promise<void>;
}

/** Reads and validates the file; never throws (a bad file is a `problem`, with the defaults). */
export function readSettingsFile(file: string): { settings: Settings; problem: ErrorValue | null } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { settings: DEFAULT_SETTINGS, problem: null };
    return { settings: DEFAULT_SETTINGS, problem: invalid(file, `could not be read (${(error as Error).message})`) };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { settings: DEFAULT_SETTINGS, problem: invalid(file, `is not valid JSON (${(error as Error).message})`) };
  }
  const parsed = settingsSchema.safeParse(json);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(file)"}: ${issue.message}`);
    return { settings: DEFAULT_SETTINGS, problem: invalid(file, `does not hold valid settings (${fields.join("; ")})`) };
  }
  return { settings: parsed.data, problem: null };
}

function invalid(file: string, what: string): ErrorValue {
  return new SwitchboardError(
    "settings-invalid",
    `Your settings file ${file} ${what}, so the defaults are in use.`,
    "Change any setting in Settings to write a fresh file (the old one is kept beside it as settings.json.bad), or fix the file and restart Switchboard.",
    { file },
  ).toValue();
}

/** Writes `text` to `file` atomically: a temp file in the same directory, flushed, then renamed over. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const handle = await open(temp, "w", 0o600);
  try {
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

export function createSettingsStore(options: SettingsStoreOptions): SettingsStore {
  const file = join(options.dataDir, SETTINGS_FILE);
  const first = readSettingsFile(file);
  let settings = first.settings;
  let problem = first.problem;
  if (problem) options.log(problem.message);
  /** Saves in order: the last `settings.set` is what ends up in the file. */
  let saving: Promise<unknown> = Promise.resolve();

  const view = (): SettingsView => ({ settings, file, problem });

  async function save(next: Settings): Promise<void> {
    if (problem) {
      // Keep the user's bad file for inspection rather than overwrite it silently.
      try {
        await rename(file, `${file}.bad`);
      } catch {
        // it vanished or cannot be moved: the write below still replaces it
      }
    }
    await writeFileAtomic(file, `${JSON.stringify(next, null, 2)}\n`);
  }

  return {
    methods: {
      async "settings.get"() {
        return view();
      },
      async "settings.set"(input: SettingsPatch) {
        // Hosts validate already; validate again so a direct caller (CLI, tests) meets the same invalid-request.
        const patch = validateCall("settings.set", input).input as SettingsPatch;
        // Queued: each change applies to the result of the one before, and the file ends as the last one.
        const run = saving.then(async () => {
          const next = settingsSchema.parse({ ...settings, ...patch });
          try {
            await save(next);
          } catch (error) {
            throw new SwitchboardError(
              "internal",
              `Could not save your settings to ${file}: ${(error as Error).message}.`,
              "Check that the folder exists and is writable; nothing was changed.",
              { file },
            );
          }
          settings = next;
          problem = null;
          options.emit({ type: "settings", settings: view() });
          return view();
        });
        saving = run.catch(() => undefined);
        return run;
      },
    },
    current: () => settings,
    close: async () => {
      await saving;
    },
  };
}
