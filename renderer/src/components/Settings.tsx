// The Settings dialog: the user's settings kept by the core (settings.get / settings.set) and, read
// only, where load-balancer health comes from (Google Cloud credentials, the `health-source` view) and
// the telepresence program the core found. The theme applies as soon as it is picked; the other
// fields are saved with the Save button, validated by the contract's schema first (the same one the
// core uses, so the field errors shown here are the core's).
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { settingsPatchSchema, themes, type SettingsView, type Theme } from "../../../app/contract/settings.ts";
import { useCommandUi, useRestoreFocus } from "../commands.ts";
import { useIntercepts } from "../intercepts-store.ts";
import { useServices } from "../services-store.ts";
import { useSettings } from "../settings-store.ts";
import type { Actions } from "../store.ts";
import { RichText } from "./RichText.tsx";

const themeLabel: Record<Theme, string> = { system: "Follow the system", light: "Light", dark: "Dark" };

export function SettingsDialog({ actions }: { actions: Pick<Actions, "saveSettings" | "loadSettings"> }) {
  const open = useCommandUi((s) => s.settingsOpen);
  return open ? <SettingsForm actions={actions} /> : null;
}

type FieldErrors = Partial<Record<"telepresencePath" | "defaultLocalPort" | "theme", string>>;

function SettingsForm({ actions }: { actions: Pick<Actions, "saveSettings" | "loadSettings"> }) {
  const close = useCommandUi((s) => s.closeSettings);
  const view = useSettings((s) => s.view);
  const healthSource = useServices((s) => s.healthSource);
  const telepresence = useIntercepts((s) => s.telepresence);
  const id = useId();
  const dialogRef = useRef<HTMLDivElement>(null);
  useRestoreFocus(true);

  // Not read yet (the dialog opened before the first sync finished): ask now.
  const loaded = view !== null;
  useEffect(() => {
    if (!loaded) void actions.loadSettings();
  }, [loaded, actions]);
  useEffect(() => (dialogRef.current?.querySelector<HTMLElement>("form select, form input") ?? dialogRef.current?.querySelector<HTMLElement>("button"))?.focus(), [loaded]);

  // On the window, not the dialog: a click can leave focus on the page body (a button that was
  // disabled while saving), and Escape and Tab must still work from there.
  useEffect(() => {
    const onKeyDown = (event: globalThis.KeyboardEvent) => {
      const dialog = dialogRef.current;
      if (!dialog) return;
      if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        close();
        return;
      }
      if (event.key !== "Tab") return;
      // Focus trap: Tab from the last control goes to the first, Shift+Tab from the first to the last.
      const focusables = [...dialog.querySelectorAll<HTMLElement>("input, select, button, [href], [tabindex]:not([tabindex='-1'])")].filter((el) => !el.hasAttribute("disabled"));
      if (focusables.length === 0) return;
      const first = focusables[0]!;
      const last = focusables[focusables.length - 1]!;
      const inside = dialog.contains(document.activeElement);
      if (!inside || (event.shiftKey && document.activeElement === first)) {
        event.preventDefault();
        (event.shiftKey ? last : first).focus();
      } else if (!event.shiftKey && document.activeElement === last) {
        event.preventDefault();
        first.focus();
      }
    };
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, [close]);

  const titleId = `${id}-title`;
  const settings = view?.settings;
  return (
    <div className="palette-backdrop" onMouseDown={(e) => e.target === e.currentTarget && close()}>
      <div ref={dialogRef} className="settings-dialog" role="dialog" aria-modal="true" aria-labelledby={titleId}>
        <header className="settings-header">
          <h2 id={titleId}>Settings</h2>
          <button type="button" className="button small ghost" onClick={close} aria-label="Close settings">
            ✕
          </button>
        </header>
        {view?.problem ? (
          <div className="problem" role="alert">
            <strong>{view.problem.message}</strong>
            {view.problem.hint ? <div className="settings-hint">{view.problem.hint}</div> : null}
          </div>
        ) : null}
        {view ? <SettingsFields view={view} actions={actions} /> : <p role="status">Reading the settings…</p>}

        <section className="settings-readonly" aria-label="Status">
          <h3>Google Cloud credentials</h3>
          <p>
            {healthSource ? (
              <>
                <span className={`tag ${healthSource.source === "compute-api" ? "tone-healthy" : "tone-unknown"}`}>
                  {healthSource.source === "compute-api" ? "in use" : "not in use"}
                </span>{" "}
                <RichText text={healthSource.reason} />
              </>
            ) : (
              "Known once a context is connected."
            )}
          </p>
          {healthSource?.error?.hint ? <p className="settings-hint">{healthSource.error.hint}</p> : null}
          <h3>Telepresence</h3>
          <p>
            {telepresence ? (
              telepresence.program.found ? (
                <>
                  <span className="mono">{telepresence.program.path}</span>
                  {telepresence.program.version ? ` — version ${telepresence.program.version}` : null}
                </>
              ) : (
                <>
                  Not found{telepresence.program.error ? ": " : "."}
                  {telepresence.program.error ? <RichText text={telepresence.program.error.message} /> : null}
                  {telepresence.program.error?.hint ? (
                    <span className="settings-hint">
                      {" "}
                      <RichText text={telepresence.program.error.hint} />
                    </span>
                  ) : null}
                </>
              )
            ) : settings?.telepresencePath ? (
              <>
                Configured: <span className="mono">{settings.telepresencePath}</span>
              </>
            ) : (
              "Not checked yet."
            )}
          </p>
          {view ? (
            <p className="settings-hint">
              Saved in <span className="mono">{view.file}</span>
            </p>
          ) : null}
        </section>
      </div>
    </div>
  );
}

/** The editable settings; mounted once the view is there, so the fields start from it. */
function SettingsFields({ view, actions }: { view: SettingsView; actions: Pick<Actions, "saveSettings"> }) {
  const saveError = useSettings((s) => s.error);
  const saving = useSettings((s) => s.saving);
  const id = useId();
  const settings = view.settings;
  const [path, setPath] = useState(settings.telepresencePath);
  const [port, setPort] = useState(String(settings.defaultLocalPort));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [saved, setSaved] = useState(false);

  const onTheme = (theme: Theme) => {
    setSaved(false);
    void actions.saveSettings({ theme });
  };

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (saving) return;
    setSaved(false);
    const patch = { telepresencePath: path.trim(), defaultLocalPort: port.trim() === "" ? Number.NaN : Number(port) };
    const parsed = settingsPatchSchema.safeParse(patch);
    if (!parsed.success) {
      const next: FieldErrors = {};
      for (const issue of parsed.error.issues) {
        const key = issue.path[0] as keyof FieldErrors;
        next[key] ??= key === "defaultLocalPort" ? "A port number from 1 to 65535." : issue.message;
      }
      setErrors(next);
      return;
    }
    setErrors({});
    if (await actions.saveSettings(parsed.data)) setSaved(true);
  };

  return (
    <form onSubmit={(e) => void onSubmit(e)} noValidate>
      <div className="settings-field">
        <label htmlFor={`${id}-theme`}>Theme</label>
        <select id={`${id}-theme`} value={settings.theme} onChange={(e) => onTheme(e.target.value as Theme)}>
          {themes.map((t) => (
            <option key={t} value={t}>
              {themeLabel[t]}
            </option>
          ))}
        </select>
        <div className="settings-hint">Applies at once.</div>
      </div>
      <div className="settings-field">
        <label htmlFor={`${id}-port`}>Default local port for intercepts</label>
        <input
          id={`${id}-port`}
          inputMode="numeric"
          value={port}
          onChange={(e) => setPort(e.target.value)}
          aria-invalid={errors.defaultLocalPort ? true : undefined}
          aria-describedby={`${id}-port-hint`}
        />
        <div id={`${id}-port-hint`} className={errors.defaultLocalPort ? "settings-error" : "settings-hint"}>
          {errors.defaultLocalPort ?? "Where intercepted traffic goes on this machine, unless you choose another in the intercept panel."}
        </div>
      </div>
      <div className="settings-field">
        <label htmlFor={`${id}-path`}>Telepresence program</label>
        <input
          id={`${id}-path`}
          className="mono"
          value={path}
          placeholder="Find it on PATH"
          spellCheck={false}
          onChange={(e) => setPath(e.target.value)}
          aria-invalid={errors.telepresencePath ? true : undefined}
          aria-describedby={`${id}-path-hint`}
        />
        <div id={`${id}-path-hint`} className={errors.telepresencePath ? "settings-error" : "settings-hint"}>
          {errors.telepresencePath ?? "Empty: Switchboard finds it on PATH. SWITCHBOARD_TELEPRESENCE, when set, wins. A change is used from the next start of Switchboard."}
        </div>
      </div>
      {saveError ? (
        <div className="problem" role="alert">
          <strong>{saveError.message}</strong>
          {saveError.hint ? <div className="settings-hint">{saveError.hint}</div> : null}
        </div>
      ) : null}
      <div className="settings-actions">
        <span role="status" className="settings-hint">
          {saving ? "Saving…" : saved ? "Saved." : ""}
        </span>
        <button type="submit" className="button primary" aria-disabled={saving || undefined}>
          Save
        </button>
      </div>
    </form>
  );
}
