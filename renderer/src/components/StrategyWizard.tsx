// The health strategy wizard: choose a strategy (what it changes, when it fits; ones the core refuses
// are shown disabled with its reason) → preview the plan (YAML diff per object, the kubectl commands,
// the warnings) → apply with step-by-step progress → verify → done, with "Roll back" at any later time
// and the crash-recovery prompt (finish / roll back) for operations a crash left half-way. Everything
// shown comes from the core (strategies.plan answers, strategy-progress / strategies events).
import { useEffect, useId, useMemo, useRef, useState } from "react";
import type React from "react";
import type { ServiceDetail } from "../../../app/contract/api.ts";
import type { ErrorValue } from "../../../app/contract/errors.ts";
import type { StrategyApplyResult, StrategyChoice, StrategyOperationView, StrategyPlanInput, StrategyPlanResult, StrategyPlanView, StrategyProgress, StrategyRefusal } from "../../../app/contract/strategies.ts";
import { operationsOf, strategyActions, toErrorValue, useStrategies } from "../strategies-store.ts";
import { setOpenPanel, useServices } from "../services-store.ts";
import { RichText } from "./RichText.tsx";
import "../strategies.css";

export const STRATEGY_INFO: Record<StrategyChoice, { label: string; changes: string; fits: string }> = {
  sidecar: {
    label: "Health sidecar",
    changes: "Adds a small health container to the pods and points the health check at its own port.",
    fits: "Works for any app, also when you cannot change it; the pods restart once (rolling update).",
  },
  "dedicated-port": {
    label: "Dedicated health port",
    changes: "Declares a port the app already serves health on and points the health check at it.",
    fits: "When the app answers its health path on a second port (e.g. a management port).",
  },
  "pin-serving-port": {
    label: "Pin the serving port",
    changes: "Pins the health check to the app's port number; the pods are not touched.",
    fits: "When the Service's targetPort is a name: the intercept moves the name, not the number.",
  },
};

const ORDER: StrategyChoice[] = ["sidecar", "dedicated-port", "pin-serving-port"];

/** A port number as typed: whole, 1–65535. */
export function validPortText(text: string): boolean {
  return /^\d{1,5}$/.test(text) && Number(text) >= 1 && Number(text) <= 65535;
}

// A container image reference: [registry[:port]/]path[:tag][@digest] (the distribution reference
// grammar, loosely: lower-case path components; tags of word characters, dots and dashes).
const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const IMAGE = new RegExp(`^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::\\d+)?/)?${COMPONENT}(?:/${COMPONENT})*(?::\\w[\\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$`);

/** An image reference as typed (at most 500 characters, like the contract's). */
export function validImageText(text: string): boolean {
  return text.length <= 500 && IMAGE.test(text);
}

export function isStrategy(value: string): value is StrategyChoice {
  return (ORDER as string[]).includes(value);
}

type Stage =
  | { name: "choose" }
  | { name: "planning" }
  | { name: "preview"; plan: StrategyPlanView }
  | { name: "running"; plan: StrategyPlanView }
  | { name: "done"; plan: StrategyPlanView; result: StrategyApplyResult }
  | { name: "failed"; plan: StrategyPlanView | null; error: ErrorValue };

export interface StrategyWizardProps {
  detail: ServiceDetail;
  /** Preselected strategy (the Fix that opened the wizard). */
  initial?: StrategyChoice | undefined;
  /** Service port key the finding is about (default: the core's choice, the only port). */
  portKey?: string | null | undefined;
}

export function StrategyWizard({ detail, initial, portKey }: StrategyWizardProps) {
  const actions = strategyActions();
  const { namespace, name } = detail.view;
  const service = detail.view.key;
  const id = useId();
  const [picked, setChoice] = useState<StrategyChoice>(initial ?? "sidecar");
  const [dedicatedPort, setDedicatedPort] = useState("");
  const [healthPath, setHealthPath] = useState("");
  const [sidecarImage, setSidecarImage] = useState("");
  const [sidecarPort, setSidecarPort] = useState("");
  /** The core refused the options the user typed (a port in use, in the agent's range…): said next to them. */
  const [optionRefusal, setOptionRefusal] = useState<StrategyRefusal | null>(null);
  const [stage, setStage] = useState<Stage>({ name: "choose" });
  /** What the core said about each strategy up front (refusals disable the choice). */
  const [probe, setProbe] = useState<Partial<Record<StrategyChoice, StrategyPlanResult | ErrorValue>>>({});
  const headingRef = useRef<HTMLHeadingElement>(null);
  const port = portKey ?? undefined;

  // Ask the core which strategies it would refuse here (pin on a numeric targetPort, no Deployment…).
  useEffect(() => {
    if (!actions) return;
    let live = true;
    for (const strategy of ["sidecar", "pin-serving-port"] as const) {
      actions.plan({ namespace, service: name, strategy, ...(port ? { port } : {}) }).then(
        (r) => live && setProbe((p) => ({ ...p, [strategy]: r })),
        (e: unknown) => live && setProbe((p) => ({ ...p, [strategy]: toErrorValue(e) })),
      );
    }
    return () => {
      live = false;
    };
  }, [actions, namespace, name, port]);

  useEffect(() => {
    headingRef.current?.focus();
  }, [stage.name]);

  const refusalOf = (s: StrategyChoice): StrategyRefusal | null => {
    const r = probe[s];
    return r && "ok" in r && !r.ok ? r.refusal : null;
  };
  // A preselected strategy the core refuses: the first one it accepts is chosen instead.
  const choice: StrategyChoice = refusalOf(picked) ? (ORDER.find((s) => !refusalOf(s)) ?? picked) : picked;

  if (!actions) return <p className="muted">Not connected to Switchboard's core.</p>;

  const dedicatedValid = validPortText(dedicatedPort);
  const pathValid = healthPath === "" || healthPath.startsWith("/");
  const sidecarImageValid = sidecarImage === "" || validImageText(sidecarImage);
  const sidecarPortValid = sidecarPort === "" || validPortText(sidecarPort);
  const optionsValid = pathValid && (choice === "dedicated-port" ? dedicatedValid : choice === "sidecar" ? sidecarImageValid && sidecarPortValid : true);
  /** Any option change: the core's word on the old options no longer applies. */
  const edit = (set: (value: string) => void) => (event: React.ChangeEvent<HTMLInputElement>) => {
    setOptionRefusal(null);
    set(event.target.value.trim());
  };

  async function preview(event?: React.FormEvent) {
    event?.preventDefault();
    if (!actions) return;
    const input: StrategyPlanInput = { namespace, service: name, strategy: choice, ...(port ? { port } : {}) };
    if (choice === "dedicated-port") input.dedicatedPort = { port: Number(dedicatedPort), ...(healthPath ? { path: healthPath } : {}) };
    if (choice === "sidecar" && (healthPath || sidecarImage || sidecarPort)) {
      input.sidecar = { ...(sidecarImage ? { image: sidecarImage } : {}), ...(sidecarPort ? { port: Number(sidecarPort) } : {}), ...(healthPath ? { path: healthPath } : {}) };
    }
    const withOptions = input.sidecar !== undefined || input.dedicatedPort !== undefined;
    setOptionRefusal(null);
    setStage({ name: "planning" });
    try {
      const r = await actions.plan(input);
      if (r.ok) setStage({ name: "preview", plan: r.plan });
      else {
        // Refused for what the user typed: said by the options, which can be changed. Refused as such
        // (no Deployment, a numeric targetPort…): the strategy is shown disabled with the reason.
        if (withOptions) setOptionRefusal(r.refusal);
        else setProbe((p) => ({ ...p, [choice]: r }));
        setStage({ name: "choose" });
      }
    } catch (e) {
      setStage({ name: "failed", plan: null, error: toErrorValue(e) });
    }
  }

  async function apply(plan: StrategyPlanView) {
    if (!actions) return;
    setStage({ name: "running", plan });
    try {
      const result = await actions.applyPlan(plan.planId, service);
      setStage({ name: "done", plan, result });
    } catch (e) {
      setStage({ name: "failed", plan, error: toErrorValue(e) });
    }
  }

  const title = { choose: "Choose a strategy", planning: "Planning…", preview: "Preview", running: "Applying", done: "Done", failed: "It did not work" }[stage.name];
  const stepIndex = { choose: 0, planning: 0, preview: 1, running: 2, done: 3, failed: 2 }[stage.name];

  return (
    <section className="strategy-wizard" aria-labelledby={`${id}-title`} data-stage={stage.name} data-tour="strategy-wizard">
      <ol className="wizard-steps" aria-label="Steps">
        {["Choose", "Preview", "Apply", "Verify"].map((s, i) => (
          <li key={s} className={i < stepIndex ? "done" : i === stepIndex ? "current" : ""} aria-current={i === stepIndex ? "step" : undefined}>
            {s}
          </li>
        ))}
      </ol>
      <h3 id={`${id}-title`} ref={headingRef} tabIndex={-1} className="wizard-title">
        {title}
      </h3>

      {stage.name === "choose" || stage.name === "planning" ? (
        <form onSubmit={(e) => void preview(e)}>
          <fieldset className="strategy-choices" disabled={stage.name === "planning"}>
            <legend className="visually-hidden">Health strategy</legend>
            {ORDER.map((s) => {
              const refusal = refusalOf(s);
              const info = STRATEGY_INFO[s];
              const checked = choice === s;
              return (
                <label key={s} className={`strategy-choice${checked ? " selected" : ""}${refusal ? " refused" : ""}`} data-strategy={s}>
                  <input
                    type="radio"
                    name={`${id}-strategy`}
                    value={s}
                    checked={checked}
                    disabled={refusal !== null}
                    onChange={() => {
                      setOptionRefusal(null);
                      setChoice(s);
                    }}
                    aria-describedby={`${id}-${s}-text`}
                  />
                  <span className="strategy-choice-body" id={`${id}-${s}-text`}>
                    <strong>{info.label}</strong>
                    <span className="strategy-line">
                      <span className="strategy-key">Changes:</span> {info.changes}
                    </span>
                    <span className="strategy-line">
                      <span className="strategy-key">Fits:</span> {info.fits}
                    </span>
                    {refusal ? (
                      <span className="strategy-refusal" role="note">
                        Not possible here: <RichText text={refusal.reason} />
                        {refusal.references.length ? <span className="muted"> ({refusal.references.join(", ")})</span> : null}
                      </span>
                    ) : null}
                  </span>
                </label>
              );
            })}
          </fieldset>
          {choice === "dedicated-port" ? (
            <div className="strategy-options">
              <label>
                Port the app already serves health on
                <input className="input" inputMode="numeric" required value={dedicatedPort} onChange={edit(setDedicatedPort)} placeholder="8081" aria-invalid={dedicatedPort !== "" && !dedicatedValid} />
              </label>
              <label>
                <span>
                  Health path <span className="muted">(optional)</span>
                </span>
                <input className="input mono" value={healthPath} onChange={edit(setHealthPath)} placeholder="/healthz" aria-invalid={!pathValid} />
              </label>
              {dedicatedPort !== "" && !dedicatedValid ? <p className="field-error">A port is a whole number from 1 to 65535.</p> : null}
              {!pathValid ? <p className="field-error">A health path starts with "/".</p> : null}
            </div>
          ) : null}
          {choice === "sidecar" ? (
            <div className="strategy-options" role="group" aria-label="Sidecar options">
              <OptionalField
                id={`${id}-image`}
                label="Sidecar image"
                value={sidecarImage}
                onChange={edit(setSidecarImage)}
                placeholder="Switchboard's default"
                valid={sidecarImageValid}
                hint="It gets PORT and HEALTH_PATH in its environment."
                problem="Not an image reference: registry/name:tag, lower-case, no spaces (e.g. ghcr.io/acme/health:1.2)."
                inputClass="input mono image-input"
              />
              <OptionalField
                id={`${id}-port`}
                label="Sidecar port"
                value={sidecarPort}
                onChange={edit(setSidecarPort)}
                placeholder="first free"
                valid={sidecarPortValid}
                hint="Empty: Switchboard picks a free one (the preview shows it)."
                problem="A port is a whole number from 1 to 65535."
                inputClass="input"
                numeric
              />
              <OptionalField
                id={`${id}-path`}
                label="Health path the sidecar answers"
                value={healthPath}
                onChange={edit(setHealthPath)}
                placeholder="/healthz"
                valid={pathValid}
                hint="Empty: Switchboard's default (the preview shows it)."
                problem='A health path starts with "/".'
                inputClass="input mono"
              />
            </div>
          ) : null}
          {optionRefusal ? (
            <div className="inline-error option-refusal" role="alert">
              <strong>Not possible with these options:</strong> <RichText text={optionRefusal.reason} />
              {optionRefusal.references.length ? <span className="muted"> ({optionRefusal.references.join(", ")})</span> : null}
            </div>
          ) : null}
          <div className="wizard-buttons">
            <button type="submit" className="button primary" disabled={stage.name === "planning" || refusalOf(choice) !== null || optionRefusal !== null || !optionsValid}>
              {stage.name === "planning" ? "Planning…" : "Preview changes"}
            </button>
            <span className="muted small">Nothing changes in the cluster until you apply.</span>
          </div>
        </form>
      ) : null}

      {stage.name === "preview" ? (
        <>
          <PlanPreview plan={stage.plan} />
          <div className="wizard-buttons">
            <button type="button" className="button" onClick={() => setStage({ name: "choose" })}>
              Back
            </button>
            <button type="button" className="button primary" onClick={() => void apply(stage.plan)}>
              {stage.plan.warnings.some((w) => w.severity === "danger") ? "Apply anyway" : "Apply"}
            </button>
          </div>
        </>
      ) : null}

      {stage.name === "running" || stage.name === "done" || stage.name === "failed" ? <ProgressSteps service={service} /> : null}

      {stage.name === "done" ? <Outcome result={stage.result} /> : null}

      {stage.name === "failed" ? (
        <div className="inline-error" role="alert">
          <strong>
            <RichText text={stage.error.message} />
          </strong>
          {stage.error.hint ? (
            <p>
              <RichText text={stage.error.hint} />
            </p>
          ) : null}
          <button type="button" className="button small" onClick={() => setStage({ name: "choose" })}>
            Start over
          </button>
        </div>
      ) : null}
    </section>
  );
}

function Outcome({ result }: { result: StrategyApplyResult }) {
  const v = result.verification;
  const actions = strategyActions();
  const busy = useStrategies((s) => s.busy[`${result.operation.service.namespace}/${result.operation.service.name}`]);
  const [rolled, setRolled] = useState<"no" | "yes" | ErrorValue>("no");
  return (
    <div className={`strategy-outcome ${v && !v.healthy ? "bad" : "good"}`} role="status">
      <strong>{v ? (v.healthy ? "Verified: healthy." : "Applied, but not verified healthy.") : "Applied."}</strong> {v ? <RichText text={v.message} /> : null}
      <p className="muted small">
        Operation <span className="mono">{result.operation.id}</span>. You can roll it back here or on the service page at any time.
      </p>
      {rolled === "yes" ? (
        <p>Rolled back: every object is as it was before.</p>
      ) : (
        <button
          type="button"
          className="button small"
          disabled={!!busy}
          onClick={() => {
            if (!actions) return;
            actions.rollback(result.operation).then(
              () => setRolled("yes"),
              (e: unknown) => setRolled(toErrorValue(e)),
            );
          }}
        >
          {busy === "rolling back" ? "Rolling back…" : "Roll back"}
        </button>
      )}
      {typeof rolled === "object" ? <ErrorNote error={rolled} /> : null}
    </div>
  );
}

function ErrorNote({ error }: { error: ErrorValue }) {
  return (
    <div className="inline-error" role="alert">
      <strong>
        <RichText text={error.message} />
      </strong>
      {error.hint ? (
        <p>
          <RichText text={error.hint} />
        </p>
      ) : null}
    </div>
  );
}

/** The plan as the core made it: warnings, per object its YAML diff and kubectl command. */
export function PlanPreview({ plan }: { plan: StrategyPlanView }) {
  return (
    <div className="plan-preview">
      <p className="plan-description">
        <strong>{plan.title}.</strong> <RichText text={plan.description} />
      </p>
      <dl className="fields plan-facts">
        <div className="field">
          <dt>Health check goes to</dt>
          <dd>
            port <span className="mono">{plan.target.port}</span> of container <span className="mono">{plan.target.container}</span>
            {plan.target.path ? (
              <>
                {" "}
                ({plan.target.type} <span className="mono">{plan.target.path}</span>)
              </>
            ) : null}
            {plan.target.tableRow ? <span className="muted"> · telepresence.md §5 row {plan.target.tableRow}</span> : null}
          </dd>
        </div>
        {plan.provenance ? (
          <div className="field plan-provenance">
            <dt>Where this comes from</dt>
            <dd>{plan.provenance.charAt(0).toUpperCase() + plan.provenance.slice(1)}</dd>
          </div>
        ) : null}
      </dl>
      {plan.warnings.length > 0 ? (
        <ul className="plan-warnings" aria-label="Warnings">
          {plan.warnings.map((w) => (
            <li key={w.id} className={`plan-warning sev-${w.severity}`}>
              <span className="plan-warning-label">{w.severity === "danger" ? "Danger" : w.severity === "warning" ? "Warning" : "Note"}</span> <RichText text={w.message} />
              {w.references.length ? <span className="muted"> ({w.references.join(", ")})</span> : null}
            </li>
          ))}
        </ul>
      ) : null}
      {plan.changes.map((c) => (
        <section key={`${c.object.kind}/${c.object.name}`} className="plan-change" aria-label={`${c.action} ${c.object.kind} ${c.object.name}`}>
          <div className="plan-change-head">
            <span className={`badge action-${c.action}`}>{c.action === "create" ? "Create" : "Patch"}</span>
            <span className="mono">
              {c.object.kind} {c.object.namespace}/{c.object.name}
            </span>
            {c.restartsPods ? <span className="tag">restarts pods</span> : null}
          </div>
          <p className="plan-change-summary">{c.summary}</p>
          <YamlDiff diff={c.yamlDiff} />
          <CommandBlock label={`kubectl for ${c.object.kind} ${c.object.name}`} text={c.kubectl} />
        </section>
      ))}
      <details className="plan-script">
        <summary>All kubectl commands</summary>
        <CommandBlock label="All kubectl commands" text={plan.kubectlScript} />
      </details>
    </div>
  );
}

export function YamlDiff({ diff }: { diff: string }) {
  const lines = useMemo(() => diff.replace(/\n$/, "").split("\n"), [diff]);
  return (
    <pre className="yaml-diff" tabIndex={0} aria-label="YAML diff">
      {lines.map((line, i) => {
        const kind = line.startsWith("+++") || line.startsWith("---") ? "file" : line.startsWith("+") ? "add" : line.startsWith("-") ? "del" : line.startsWith("@@") ? "hunk" : "ctx";
        return (
          <span key={i} className={`diff-line diff-${kind}`}>
            {kind === "add" ? <span className="visually-hidden">added: </span> : kind === "del" ? <span className="visually-hidden">removed: </span> : null}
            {line}
            {"\n"}
          </span>
        );
      })}
    </pre>
  );
}

function CommandBlock({ label, text }: { label: string; text: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="command-block">
      <pre className="command mono" aria-label={label}>
        {text}
      </pre>
      <button
        type="button"
        className="button small ghost"
        aria-label={`Copy ${label}`}
        onClick={() => {
          void navigator.clipboard?.writeText(text).then(
            () => setCopied(true),
            () => setCopied(false),
          );
        }}
      >
        {copied ? "Copied" : "Copy"}
      </button>
    </div>
  );
}

const STEP_ICON: Record<string, string> = { failed: "✗", verified: "✓", done: "✓" };

/** The steps the core reported for this service's current action. */
export function ProgressSteps({ service }: { service: string }) {
  const steps = useStrategies((s) => s.progress[service]) ?? NO_STEPS;
  const busy = useStrategies((s) => s.busy[service]);
  return (
    <ol className="strategy-progress" aria-label="Progress" aria-live="polite">
      {steps.map((p: StrategyProgress, i) => (
        <li key={`${p.at}-${i}`} className={`progress-step step-${p.step}`}>
          <span className="progress-icon" aria-hidden="true">
            {STEP_ICON[p.step] ?? "•"}
          </span>
          <span>{p.message}</span>
          {p.step === "rollout" && p.total ? <progress max={p.total} value={p.current ?? 0} aria-label="Rollout" /> : null}
        </li>
      ))}
      {busy ? (
        <li className="progress-step step-waiting">
          <span className="spinner" aria-hidden="true" /> <span>{busy}…</span>
        </li>
      ) : null}
    </ol>
  );
}
const NO_STEPS: StrategyProgress[] = [];

const STATE_LABEL: Record<StrategyOperationView["state"], string> = {
  applying: "interrupted while applying",
  applied: "applied",
  "rolling-back": "interrupted while rolling back",
  "rolled-back": "rolled back",
  failed: "failed (undone)",
  "needs-attention": "needs attention",
};

/** One operation with what can be done about it now (roll back; finish when a crash interrupted it). */
export function OperationRow({ operation }: { operation: StrategyOperationView }) {
  const actions = strategyActions();
  const service = `${operation.service.namespace}/${operation.service.name}`;
  const busy = useStrategies((s) => s.busy[service]);
  const [error, setError] = useState<ErrorValue | null>(null);
  const run = (work: () => Promise<unknown>) => {
    setError(null);
    work().catch((e: unknown) => setError(toErrorValue(e)));
  };
  return (
    <li className={`operation state-${operation.state}${operation.pending ? " pending" : ""}`} data-operation={operation.id}>
      <div className="operation-head">
        <strong>{operation.title}</strong>
        <span className={`badge op-${operation.state}`}>{STATE_LABEL[operation.state]}</span>
        <span className="muted small mono">{operation.createdAt.replace("T", " ").slice(0, 19)}</span>
      </div>
      {operation.pending ? (
        <p className="operation-note" role="note">
          Switchboard stopped before this finished ({operation.steps.filter((s) => s.status === "applied").length} of {operation.steps.length} changes made). Finish it, or roll back to how it was.
        </p>
      ) : null}
      {operation.error && operation.state === "needs-attention" ? <ErrorNote error={operation.error} /> : null}
      {actions && (operation.canRollback || operation.canResume) ? (
        <div className="operation-actions">
          {operation.canResume ? (
            <button type="button" className="button small primary" disabled={!!busy} onClick={() => run(() => actions.resume(operation))}>
              Finish
            </button>
          ) : null}
          {operation.canRollback ? (
            <button type="button" className="button small" disabled={!!busy} onClick={() => run(() => actions.rollback(operation))} aria-label={`Roll back ${operation.title}`}>
              {busy === "rolling back" ? "Rolling back…" : "Roll back"}
            </button>
          ) : null}
          {operation.state === "needs-attention" ? (
            <button type="button" className="button small ghost" disabled={!!busy} onClick={() => run(() => actions.rollback(operation, true))} title="Put back only Switchboard's own change, on top of the other edit">
              Roll back Switchboard's change only
            </button>
          ) : null}
        </div>
      ) : null}
      {error ? <ErrorNote error={error} /> : null}
    </li>
  );
}

/** The service page's card: this service's operations (roll back any time) and the wizard behind a button. */
export function StrategySection({ detail }: { detail: ServiceDetail }) {
  // In the store, not local state: the palette's "Fix health check of <name>…" opens it too.
  const open = useServices((s) => s.openPanels.strategy === detail.view.key);
  const setOpen = (next: boolean) => setOpenPanel("strategy", next ? detail.view.key : null);
  const all = useStrategies((s) => s.operations);
  const operations = useMemo(() => operationsOf(all, detail.view.namespace, detail.view.name), [all, detail.view.namespace, detail.view.name]);
  const current = operations.filter((o) => o.state !== "rolled-back" && o.state !== "failed");
  const id = useId();
  const hasFindingStrategy = detail.findings.some((f) => f.fixes.some((x) => isStrategy(x.strategy)));
  if (!hasFindingStrategy && operations.length === 0 && !open) {
    return (
      <section className="card wide strategy-card compact" aria-labelledby={`${id}-title`}>
        <div className="strategy-card-head">
          <h2 id={`${id}-title`} className="card-title">
            Health strategies
          </h2>
          <button type="button" className="button small" aria-expanded={false} onClick={() => setOpen(true)}>
            Health strategy…
          </button>
        </div>
      </section>
    );
  }
  return (
    <section className="card wide strategy-card" aria-labelledby={`${id}-title`}>
      <div className="strategy-card-head">
        <h2 id={`${id}-title`} className="card-title">
          Health strategies <span className="count">{current.length}</span>
        </h2>
        <button type="button" className={`button small${open ? " ghost" : ""}`} aria-expanded={open} aria-controls={`${id}-wizard`} onClick={() => setOpen(!open)}>
          {open ? "Hide" : "Health strategy…"}
        </button>
      </div>
      {operations.length > 0 ? (
        <ul className="operations" aria-label="Operations on this service">
          {operations.slice(0, 5).map((o) => (
            <OperationRow key={o.id} operation={o} />
          ))}
        </ul>
      ) : (
        <p className="muted small">Move the load balancer's health check off the port an intercept takes over, previewed first and undoable.</p>
      )}
      {open ? (
        <div id={`${id}-wizard`}>
          <StrategyWizard detail={detail} />
        </div>
      ) : null}
    </section>
  );
}

/** Operations a crash left half-way in this context: the prompt to finish or roll back each. */
export function PendingStrategies({ onOpen }: { onOpen?(serviceKey: string): void }) {
  const all = useStrategies((s) => s.operations);
  const pending = (all?.operations ?? []).filter((o) => o.pending);
  if (pending.length === 0) return null;
  return (
    <section className="pending-strategies" role="alert" aria-label="Unfinished health strategy operations">
      <strong>
        {pending.length === 1 ? "A health strategy was interrupted" : `${pending.length} health strategies were interrupted`} before finishing.
      </strong>
      <ul className="operations">
        {pending.map((o) => (
          <li key={o.id} className="pending-row">
            <span className="mono">
              {o.service.namespace}/{o.service.name}
            </span>
            {onOpen ? (
              <button type="button" className="button small ghost" onClick={() => onOpen(`${o.service.namespace}/${o.service.name}`)}>
                Show service
              </button>
            ) : null}
            <ul className="operations nested">
              <OperationRow operation={o} />
            </ul>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** One optional text option of a strategy, with its hint (or what is wrong) outside the label. */
function OptionalField(props: {
  id: string;
  label: string;
  value: string;
  onChange: (e: React.ChangeEvent<HTMLInputElement>) => void;
  placeholder: string;
  valid: boolean;
  hint: string;
  problem: string;
  inputClass: string;
  numeric?: boolean;
}) {
  return (
    <div className="strategy-option">
      <label>
        <span>
          {props.label} <span className="muted">(optional)</span>
        </span>
        <input
          className={props.inputClass}
          value={props.value}
          onChange={props.onChange}
          placeholder={props.placeholder}
          spellCheck={false}
          autoComplete="off"
          {...(props.numeric ? { inputMode: "numeric" as const } : {})}
          aria-invalid={!props.valid}
          aria-describedby={`${props.id}-hint`}
        />
      </label>
      <span id={`${props.id}-hint`} className={props.valid ? "muted" : "field-error"}>
        {props.valid ? props.hint : props.problem}
      </span>
    </div>
  );
}
