import type { Actions } from "../store.ts";
import { useSwitchboard } from "../store.ts";
import { phaseLabel } from "../labels.ts";
import { RichText } from "./RichText.tsx";
import { PaletteButton } from "./CommandPalette.tsx";
import { TourHelpButton } from "../tour/Tour.tsx";

export function StatusBar({ actions }: { actions: Actions }) {
  const connection = useSwitchboard((s) => s.connection);
  const linkUp = useSwitchboard((s) => s.linkUp);
  const callError = useSwitchboard((s) => s.callError);
  const info = useSwitchboard((s) => s.info);
  const phase = connection?.phase ?? "idle";
  const error = !linkUp ? null : (connection?.error ?? callError);
  const busy = phase === "connecting" || phase === "reconnecting";

  return (
    <footer className="statusbar" aria-label="Status">
      <div className="status-left" role="status" aria-live="polite">
        {linkUp ? (
          <>
            <span className={`dot phase-${phase}`} aria-hidden="true" />
            <span className="status-phase">{phaseLabel[phase]}</span>
            {connection?.context ? (
              <span className="status-target">
                <span className="mono">{connection.context}</span>
                {connection.namespace ? <span className="mono"> / {connection.namespace}</span> : null}
              </span>
            ) : null}
          </>
        ) : (
          <>
            <span className="dot phase-error" aria-hidden="true" />
            <span className="status-phase">{info ? "Lost the connection to Switchboard, retrying…" : "Starting…"}</span>
          </>
        )}
      </div>
      {error ? (
        <div className="status-error" title={error.hint ? `${error.message}\n${error.hint}` : error.message}>
          <span className="status-error-code">{error.code}</span>
          <span className="status-error-text">
            <RichText text={error.message} />
            {error.hint ? (
              <span className="status-hint">
                {" "}
                <RichText text={error.hint} />
              </span>
            ) : null}
          </span>
        </div>
      ) : (
        <div className="status-spacer" />
      )}
      <div className="status-right">
        <PaletteButton />
        <TourHelpButton />
        {connection?.context && linkUp ? (
          <button type="button" className="button small" disabled={busy} onClick={() => void actions.reconnect()}>
            Reconnect
          </button>
        ) : null}
        {info ? (
          <span className="status-version">
            {info.name} {info.version} · {info.host === "electron" ? "desktop" : "browser"}
          </span>
        ) : null}
      </div>
    </footer>
  );
}
