// The Intercept panel of a service: pick the port, the local port and the kind (a header-filtered
// intercept offered first when the load balancer's health check would hit the port), see the local
// listener, the health verdict and the equivalent telepresence command, start and stop with
// step-by-step progress. Everything it shows comes from the core (intercepts.preview, events).
import { useEffect, useId, useMemo, useState } from "react";
import type { ServiceDetail } from "../../../app/contract/api.ts";
import type { InterceptKindChoice, InterceptPreview, InterceptProgress, InterceptStateView } from "../../../app/contract/intercepts.ts";
import type { Finding, Fix, PortView } from "../../../app/contract/model.ts";
import { interceptActions, useIntercepts } from "../intercepts-store.ts";
import { setOpenPanel, useServices } from "../services-store.ts";
import { RichText } from "./RichText.tsx";
import { useSettings } from "../settings-store.ts";
import "../intercept-options.css";

const KIND_LABEL: Record<InterceptKindChoice, string> = {
  "http-filtered": "Only requests with a header",
  global: "All traffic (global)",
  wiretap: "A copy of the traffic (wiretap)",
  replace: "Replace the container",
};

const KIND_NOTE: Record<InterceptKindChoice, string> = {
  "http-filtered": "Requests carrying your header come to your laptop; everyone else's, and the health checks, stay on the app.",
  global: "Every request to this port comes to your laptop.",
  wiretap: "Your laptop gets a read-only copy; the app keeps answering.",
  replace: "The app container is swapped for Telepresence's agent: all its ports, and the health checks on them, come to your laptop.",
};

const ABSOLUTE_PATH = /^(\/|[A-Za-z]:[\\/])/;

function defaultPort(detail: ServiceDetail): PortView | null {
  const ports = detail.view.ports;
  return ports.find((p) => p.healthChecks.length > 0) ?? ports[0] ?? null;
}

/** Intercepts of this service held by anyone (mine first). */
export function interceptsOf(detail: ServiceDetail, intercepts: InterceptStateView[]): InterceptStateView[] {
  const workloads = new Set(detail.view.workloads.map((w) => w.name));
  return intercepts
    .filter((i) => i.namespace === detail.view.namespace && (i.services.includes(detail.view.key) || (i.workload !== null && workloads.has(i.workload))))
    .sort((a, b) => Number(b.mine) - Number(a.mine));
}

/** The service detail's Intercept card: the active intercepts, and the panel behind a button. */
export function InterceptSection({ detail, onFix }: { detail: ServiceDetail; onFix(finding: Finding, fix: Fix): void }) {
  // In the store, not local state: the palette's "Intercept <name>…" opens it too.
  const open = useServices((s) => s.openPanels.intercept === detail.view.key);
  const setOpen = (next: boolean) => setOpenPanel("intercept", next ? detail.view.key : null);
  const telepresence = useIntercepts((s) => s.telepresence);
  const active = useMemo(() => interceptsOf(detail, telepresence?.intercepts ?? []), [detail, telepresence]);
  const allMine = telepresence?.intercepts.filter((i) => i.mine).length ?? 0;
  const id = useId();
  return (
    <section className="card wide intercept-card" aria-labelledby={`${id}-title`}>
      <div className="intercept-card-head">
        <h2 id={`${id}-title`} className="card-title">
          Intercept <span className="count">{active.filter((i) => i.mine).length}</span>
        </h2>
        <div className="intercept-actions">
          {allMine > 0 ? (
            // Every intercept of this machine, not only this service's: what to run before quitting.
            <button type="button" className="button small" disabled={telepresence?.busy != null} onClick={() => void interceptActions()?.leaveAllIntercepts()}>
              Leave all ({allMine})
            </button>
          ) : null}
          <button type="button" data-tour="intercept-open" className={`button small${open ? " ghost" : " primary"}`} aria-expanded={open} aria-controls={`${id}-panel`} onClick={() => setOpen(!open)}>
            {open ? "Hide intercept panel" : "Intercept…"}
          </button>
        </div>
      </div>
      <ActiveIntercepts intercepts={active} />
      {open ? (
        <div id={`${id}-panel`}>
          <InterceptPanel detail={detail} onFix={onFix} />
        </div>
      ) : null}
    </section>
  );
}

function ActiveIntercepts({ intercepts }: { intercepts: InterceptStateView[] }) {
  const busy = useIntercepts((s) => s.telepresence?.busy ?? null);
  if (intercepts.length === 0) return <p className="muted">Nothing intercepts this service.</p>;
  const actions = interceptActions();
  return (
    <ul className="intercept-list" aria-label="Active intercepts">
      {intercepts.map((i) => (
        <li key={i.key} className="intercept-item">
          <span className="badge intercept">{i.kind === "wiretap" ? "wiretap" : i.httpFilter.length > 0 ? "filtered" : "global"}</span>
          <span className="mono">{i.name}</span>
          <span className="muted">
            {i.servicePort ? `port ${i.servicePort} ` : ""}→ {i.mine ? `localhost:${i.localPort ?? "?"}` : `${i.client ?? "someone else"}`}
            {i.httpFilter.length > 0 ? ` · ${i.httpFilter.join(", ")}` : ""} · {i.disposition ?? "state unknown"}
          </span>
          {i.mine ? (
            <button type="button" className="button small" disabled={busy !== null} onClick={() => void actions?.stopIntercept(i.namespace ?? "", i.name)} aria-label={`Stop intercept ${i.name}`}>
              Stop
            </button>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

export interface InterceptPanelProps {
  detail: ServiceDetail;
  /** Reached from a Fix: start with this kind selected. */
  preferKind?: InterceptKindChoice;
  /** Routes a health strategy to the fix panel (requestFix). */
  onFix(finding: Finding, fix: Fix): void;
}

export function InterceptPanel({ detail, preferKind, onFix }: InterceptPanelProps) {
  const id = useId();
  const actions = interceptActions();
  const telepresence = useIntercepts((s) => s.telepresence);
  const allProgress = useIntercepts((s) => s.progress);
  const error = useIntercepts((s) => s.error);
  const first = defaultPort(detail);
  const [portKey, setPortKey] = useState(first?.key ?? "");
  const port = detail.view.ports.find((p) => p.key === portKey) ?? first;
  // The user's "default local port" setting (where their local service usually runs); before the
  // settings load, Telepresence's own default: the targeted container port (telepresence.md §2).
  const defaultLocalPort = useSettings((s) => s.view?.settings.defaultLocalPort);
  const [localPort, setLocalPort] = useState(String(defaultLocalPort ?? first?.serving.containerPort ?? first?.port ?? 8080));
  // null until the user picks (a click on the radio already shown as the default counts too: onClick,
  // since a checked radio fires no change); while null the preview's verdict picks the default.
  const [kind, setKind] = useState<InterceptKindChoice | null>(preferKind ?? null);
  const [headerName, setHeaderName] = useState("x-dev");
  const [headerValue, setHeaderValue] = useState("me");
  // Options off unless asked (telepresence.md §2): the environment holds the pod's secrets, and a
  // mount needs FUSE/sshfs here.
  const [envOn, setEnvOn] = useState(false);
  const [envFile, setEnvFile] = useState("");
  const [mount, setMount] = useState(false);
  const [preview, setPreview] = useState<InterceptPreview | null>(null);
  const [previewError, setPreviewError] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const [terminal, setTerminal] = useState<{ terminal: string; command: string } | null>(null);

  const localNumber = Number(localPort);
  const localValid = Number.isInteger(localNumber) && localNumber >= 1 && localNumber <= 65535;
  const headerValid = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(headerName) && headerValue.length > 0;
  const envValid = !envOn || ABSOLUTE_PATH.test(envFile);
  // Until the user picks, the core's verdict picks: filtered first when it keeps the checks on the app.
  const effectiveKind: InterceptKindChoice = kind ?? (preview?.health.offerFirst === "http-filtered" ? "http-filtered" : "global");
  const spec = useMemo(
    () =>
      localValid && port
        ? {
            namespace: detail.view.namespace,
            service: detail.view.name,
            servicePort: port.key,
            localPort: localNumber,
            kind: effectiveKind,
            ...(effectiveKind === "http-filtered" && headerValid ? { header: { name: headerName, value: headerValue } } : {}),
            ...(envOn && envValid ? { envFile } : {}),
            ...(mount ? { mount: true } : {}),
          }
        : null,
    [detail.view.namespace, detail.view.name, port, localNumber, localValid, effectiveKind, headerName, headerValue, headerValid, envOn, envFile, envValid, mount],
  );
  const specValid = spec !== null && (effectiveKind !== "http-filtered" || headerValid) && envValid;
  const phase = telepresence?.phase ?? "unknown";
  const specKey = JSON.stringify(spec);

  useEffect(() => {
    if (!actions || !spec || !specValid) return;
    let stale = false;
    const timer = setTimeout(() => {
      actions
        .previewIntercept(spec)
        .then((p) => {
          if (!stale) {
            setPreview(p);
            setPreviewError(null);
          }
        })
        .catch((e: unknown) => {
          if (!stale) setPreviewError(e instanceof Error ? e.message : String(e));
        });
    }, 200);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
    // Re-ask when Telepresence's state changes (connected, an intercept started elsewhere).
  }, [specKey, phase, telepresence?.intercepts.length]); // eslint-disable-line react-hooks/exhaustive-deps

  const health = preview?.health ?? null;
  const order: InterceptKindChoice[] = health?.offerFirst === "http-filtered" ? ["http-filtered", "global", "wiretap", "replace"] : ["global", "http-filtered", "wiretap", "replace"];
  const progress: InterceptProgress[] = allProgress.filter((p) => p.service === detail.view.key || p.service === null);
  const busy = telepresence?.busy ?? null;
  const strategy = health?.strategies[0] ?? null;
  const riskyNow = health?.healthCheckHitsPort === true;
  const retryDocker = Boolean((error?.details as { retry?: { docker?: boolean } } | undefined)?.retry?.docker);

  const start = () => {
    if (!actions || !spec || !specValid) return;
    void actions.startIntercept(spec);
  };
  const copy = () => {
    if (!preview?.command) return;
    void navigator.clipboard?.writeText(preview.command).then(
      () => {
        setCopied(true);
        setTimeout(() => setCopied(false), 1500);
      },
      () => setCopied(false),
    );
  };

  return (
    <div className="intercept-panel" role="region" aria-label={`Intercept ${detail.view.name}`} data-tour="intercept-panel">
      <TelepresenceLine />

      <div className="intercept-form">
        <label className="intercept-field">
          <span>Service port</span>
          <select className="select" value={port?.key ?? ""} onChange={(e) => setPortKey(e.target.value)}>
            {detail.view.ports.map((p) => (
              <option key={p.key} value={p.key}>
                {p.key} ({p.port}{p.serving.containerPort !== null ? ` → container ${p.serving.containerPort}` : ""})
              </option>
            ))}
          </select>
        </label>
        <label className="intercept-field">
          <span>Local port</span>
          <input
            className="input mono"
            inputMode="numeric"
            value={localPort}
            aria-invalid={!localValid}
            onChange={(e) => setLocalPort(e.target.value.trim())}
          />
        </label>
      </div>
      {!localValid ? <p className="field-error">The local port must be a number from 1 to 65535.</p> : null}
      {preview && !preview.localListener.listening ? (
        <p className="intercept-warning" role="note">
          {preview.localListener.warning} You can start anyway.
        </p>
      ) : preview ? (
        <p className="intercept-ok">Something is listening on localhost:{preview.localListener.port}.</p>
      ) : null}

      <fieldset className="intercept-kinds">
        <legend>What goes to your laptop</legend>
        {order.map((k) => {
          const availability = preview?.kinds[k] ?? { available: true, reason: null };
          const recommended = k === "http-filtered" && health?.offerFirst === "http-filtered";
          return (
            <label key={k} className={`intercept-kind${effectiveKind === k ? " on" : ""}${!availability.available ? " disabled" : ""}`}>
              <input type="radio" name={`${id}-kind`} value={k} checked={effectiveKind === k} disabled={!availability.available} onChange={() => setKind(k)} onClick={() => setKind(k)} />
              <span className="intercept-kind-text">
                <strong>{KIND_LABEL[k]}</strong>
                {recommended ? <span className="tag recommended">Recommended</span> : null}
                <span className="muted">{availability.available ? KIND_NOTE[k] : availability.reason}</span>
                {recommended && health ? <span className="intercept-reason">{health.reason}</span> : null}
              </span>
            </label>
          );
        })}
      </fieldset>

      {effectiveKind === "http-filtered" ? (
        <div className="intercept-form">
          <label className="intercept-field">
            <span>Header name</span>
            <input className="input mono" value={headerName} aria-invalid={!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(headerName)} onChange={(e) => setHeaderName(e.target.value.trim())} />
          </label>
          <label className="intercept-field">
            <span>Header value</span>
            <input className="input mono" value={headerValue} aria-invalid={headerValue.length === 0} onChange={(e) => setHeaderValue(e.target.value)} />
          </label>
        </div>
      ) : null}

      <details className="intercept-options">
        <summary>Environment and volumes</summary>
        <label className="intercept-check">
          <input type="checkbox" checked={envOn} onChange={(e) => setEnvOn(e.target.checked)} />
          <span>Write the pod's environment to a file</span>
        </label>
        {envOn ? (
          <div className="intercept-field">
            <label className="intercept-field">
              <span>Environment file</span>
              <input className="input mono" value={envFile} placeholder="/absolute/path/web.env" aria-invalid={!envValid} aria-describedby={`${id}-env-hint`} onChange={(e) => setEnvFile(e.target.value.trim())} />
            </label>
            <span id={`${id}-env-hint`} className={envValid ? "muted" : "field-error"}>
              {envValid ? "Created readable by you only (mode 0600): it holds the pod's secrets." : "Give an absolute path."}
            </span>
          </div>
        ) : null}
        <label className="intercept-check">
          <input type="checkbox" checked={mount} onChange={(e) => setMount(e.target.checked)} />
          <span>Mount the pod's volumes</span>
        </label>
        <p className="muted">Off unless you need the pod's files: mounting needs FUSE (sshfs) on this machine, may ask for permissions, and slows the start.</p>
      </details>

      {health && riskyNow && health.offerFirst === "health-strategy" ? (
        <div className="intercept-risk" role="alert">
          <strong>The load balancer's health checks would reach your laptop.</strong>
          <p>
            <RichText text={health.reason} />
          </p>
          {strategy ? (
            <button type="button" className="button small primary" onClick={() => onFix(strategy.finding, strategy.fix)}>
              Fix the health check first: {strategy.fix.title}
            </button>
          ) : null}
        </div>
      ) : health && riskyNow ? (
        <p className="intercept-warning" role="note">
          <RichText text={health.reason} />
        </p>
      ) : health?.known && effectiveKind !== "wiretap" ? (
        // Filtered where the filter is what keeps the checks safe: the reason is on the kind above already.
        <p className="intercept-ok">
          {health.offerFirst === "http-filtered" ? "The load balancer's health checks carry no such header: they keep reaching the app." : health.reason}
        </p>
      ) : null}

      <div className="intercept-command">
        <span className="intercept-command-label">Same as</span>
        {preview?.connectCommand ? <code className="mono">{preview.connectCommand}</code> : null}
        {preview?.command ? (
          <code className="mono" aria-label="Equivalent telepresence command">
            {preview.command}
          </code>
        ) : (
          <span className="muted">{preview?.commandError?.message ?? previewError ?? "…"}</span>
        )}
        <button type="button" className="button small ghost" onClick={copy} disabled={!preview?.command}>
          {copied ? "Copied" : "Copy command"}
        </button>
      </div>

      <div className="intercept-actions">
        <button type="button" className="button primary" disabled={!specValid || busy !== null || phase === "missing" || phase === "too-old"} onClick={start}>
          {busy?.startsWith("intercepting") ? "Starting…" : riskyNow ? "Start intercept anyway" : "Start intercept"}
        </button>
      </div>

      {error ? (
        <div className="inline-error" role="alert">
          <strong>{error.message}</strong>
          {error.hint ? (
            <p>
              <RichText text={error.hint} />
            </p>
          ) : null}
          {retryDocker ? (
            <div className="intercept-ways-out">
              <button type="button" className="button small" onClick={() => void actions?.connectTelepresence(true)}>
                Connect with Docker instead
              </button>
              <button type="button" className="button small" onClick={() => void actions?.connectInTerminal().then((opened) => setTerminal(opened))}>
                Open a terminal for the password
              </button>
            </div>
          ) : null}
        </div>
      ) : null}
      {terminal && phase !== "connected" ? (
        <p className="intercept-warning" role="status">
          A {terminal.terminal} window runs <code className="mono">{terminal.command}</code>: type your password there. Switchboard connects as soon as Telepresence has.
        </p>
      ) : null}

      {progress.length > 0 ? <ProgressSteps steps={progress} /> : null}
    </div>
  );
}

function ProgressSteps({ steps }: { steps: InterceptProgress[] }) {
  return (
    <ol className="intercept-progress" aria-label="Progress" aria-live="polite">
      {steps.map((p) => (
        <li key={p.step} className={`progress-step status-${p.status}`}>
          <span className="progress-mark" aria-hidden="true">
            {p.status === "done" ? "✓" : p.status === "failed" ? "✕" : "…"}
          </span>
          <span>
            {p.text}
            {p.elapsedSeconds ? <span className="muted"> ({p.elapsedSeconds} s)</span> : null}
          </span>
        </li>
      ))}
    </ol>
  );
}

/** Telepresence's state in one line, with Connect / Disconnect / Leave all. */
function TelepresenceLine() {
  const telepresence = useIntercepts((s) => s.telepresence);
  const actions = interceptActions();
  if (!telepresence) return <p className="muted">Asking Telepresence…</p>;
  const { phase, program, connection } = telepresence;
  if (phase === "missing" || phase === "too-old" || (program.error && !program.found)) {
    return (
      <div className="inline-error" role="alert">
        <strong>{program.error?.message ?? "Telepresence was not found."}</strong>
        {program.error?.hint ? (
          <p>
            <RichText text={program.error.hint} />
          </p>
        ) : null}
      </div>
    );
  }
  return (
    <p className="telepresence-line">
      <span className={`dot phase-${phase === "connected" ? "connected" : phase === "error" || phase === "must-restart" ? "error" : "idle"}`} aria-hidden="true" />
      <span>
        Telepresence {program.version ?? ""}:{" "}
        {phase === "connected"
          ? `connected to ${connection.context ?? "?"}${connection.namespace ? `, namespace ${connection.namespace}` : ""}${connection.trafficManagerVersion ? ` (traffic-manager ${connection.trafficManagerVersion})` : ""}`
          : phase === "must-restart"
            ? "the cluster configuration changed: disconnect and connect again"
            : "not connected; Switchboard connects first when you start an intercept"}
      </span>
      {phase !== "connected" ? (
        <button type="button" className="button small" disabled={telepresence.busy !== null} onClick={() => void actions?.connectTelepresence(false)}>
          Connect
        </button>
      ) : (
        // Also the way to another namespace: Telepresence connects to one at a time.
        <button type="button" className="button small ghost" disabled={telepresence.busy !== null} onClick={() => void actions?.disconnectTelepresence()} title="telepresence quit: ends this machine's intercepts">
          Disconnect
        </button>
      )}
    </p>
  );
}

/** Toasts (bottom right) when an intercepted service's endpoints turn unhealthy. */
export function InterceptToasts() {
  const toasts = useIntercepts((s) => s.toasts);
  const actions = interceptActions();
  if (toasts.length === 0) return null;
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast tone-${t.tone}`}>
          <strong>{t.title}</strong>
          <p>{t.text}</p>
          <button type="button" className="button small ghost" onClick={() => actions?.dismissToast(t.id)} aria-label={`Dismiss: ${t.title}`}>
            Dismiss
          </button>
        </div>
      ))}
    </div>
  );
}
