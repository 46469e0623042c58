// The onboarding tour's overlay: a non-modal dialog that tells the seed's story on the real controls
// (a spotlight on the control to use, found by its `data-tour` anchor; the page stays usable), waits
// for the real state of each step (engine.ts, facts from the stores), and offers "Do it for me", which
// calls the same contract methods the controls call. Esc or Skip ends it; the status bar's Tour
// button and the palette's "Replay the playground tour" start it again.
import { useEffect, useId, useLayoutEffect, useMemo, useRef, useState } from "react";
import type React from "react";
import type { ServiceDetail } from "../../../app/contract/api.ts";
import type { LocalRequest, PlaygroundResponse } from "../../../app/contract/tour.ts";
import { useRegisterCommands, type Command } from "../commands.ts";
import { interceptActions, useIntercepts } from "../intercepts-store.ts";
import { useServices } from "../services-store.ts";
import type { Actions } from "../store.ts";
import { useSwitchboard } from "../store.ts";
import { currentStep, isShowing, shouldAutoStart, steps, type StepDefinition, type TourFacts } from "./engine.ts";
import { useTourFacts } from "./facts.ts";
import { useTour, WEB } from "./tour-store.ts";
import "./tour.css";

type Props = { actions: Actions };

/** The health check of web's serving port as the core models it (path, port specification, thresholds). */
function webCheck(detail: ServiceDetail | null) {
  if (!detail || detail.summary.key !== WEB.key) return null;
  const port = detail.view.ports.find((p) => p.healthChecks.length > 0) ?? null;
  const hc = port?.healthChecks[0] ?? null;
  if (!port || !hc) return null;
  return {
    port: port.key,
    path: hc.requestPath.value ?? "/",
    spec: hc.portSpecification.value,
    unhealthyThreshold: hc.unhealthyThreshold.value,
    sidecar: hc.healthSidecar,
    reach: hc.reachNow,
  };
}

export function Tour({ actions }: Props) {
  const progress = useTour((s) => s.progress);
  const dispatch = useTour((s) => s.dispatch);
  const facts = useTourFacts();
  const connected = useSwitchboard((s) => s.connection?.phase === "connected" && s.linkUp);
  const context = useSwitchboard((s) => s.connection?.context ?? null);
  const requested = useSwitchboard((s) => s.tourRequested);
  const step = currentStep(progress);
  const showing = isShowing(progress);

  // Is this the embedded playground? Asked again on every (re)connection; first run → start by itself.
  useEffect(() => {
    if (!connected) return;
    void actions.tourStatus().then((server) => {
      if (server && shouldAutoStart(useTour.getState().progress, server)) useTour.getState().dispatch({ type: "start" });
    });
  }, [actions, connected, context]);

  // The palette's "Replay the tour" (and anything else that calls startTour).
  useEffect(() => {
    if (!requested) return;
    useSwitchboard.setState({ tourRequested: false });
    dispatch({ type: "start" });
  }, [requested, dispatch]);

  const commands = useMemo<Command[]>(
    () => [
      {
        id: "replay",
        title: "Replay the playground tour",
        group: "Help",
        keywords: ["tour", "onboarding", "help", "intercept", "health check"],
        disabledReason: facts.available ? null : "The tour runs in the built-in playground (npm start -- --playground).",
        run: () => useTour.getState().dispatch({ type: "start" }),
      },
    ],
    [facts.available],
  );
  useRegisterCommands("tour", commands);

  // The real state completes the step; it stays completed even if that state passes.
  useEffect(() => {
    if (step && step.done(facts)) dispatch({ type: "completed", step: step.id });
  }, [step, facts, dispatch]);

  if (!showing) return null;
  return <TourDialog actions={actions} step={step} facts={facts} />;
}

/** The status bar's Help button: replays the tour (shown only where the tour can run). */
export function TourHelpButton() {
  const available = useTour((s) => s.server?.available ?? false);
  const showing = useTour((s) => s.progress.status === "active");
  if (!available) return null;
  return (
    <button type="button" className="button small ghost" data-tour="tour-help" disabled={showing} onClick={() => useTour.getState().dispatch({ type: "start" })} title="Help: replay the playground tour">
      Tour
    </button>
  );
}

function TourDialog({ actions, step, facts }: { actions: Props["actions"]; step: StepDefinition | null; facts: TourFacts }) {
  const id = useId();
  const progress = useTour((s) => s.progress);
  const dispatch = useTour((s) => s.dispatch);
  const busy = useTour((s) => s.busy);
  const error = useTour((s) => s.error);
  const frontDoor = useTour((s) => s.frontDoor);
  const detail = useServices((s) => s.detail);
  const check = webCheck(detail);
  const cardRef = useRef<HTMLDivElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const completed = step ? progress.completed.includes(step.id) : true;
  const index = progress.step;

  // Focus follows the story: each new step's heading (the page stays usable around it).
  useEffect(() => {
    headingRef.current?.focus();
  }, [index]);

  // Esc skips: inside the card always; elsewhere when nothing else used the key (closing a panel).
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "Escape" || event.defaultPrevented) return;
      const target = event.target as HTMLElement | null;
      if (target && ["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName) && !cardRef.current?.contains(target)) return;
      event.preventDefault();
      dispatch({ type: "skip" });
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [dispatch]);

  // Step 2 needs "your laptop": the local server, not serving the health check's path.
  const server = useTour((s) => s.server);
  const healthPath = check?.path ?? null;
  useEffect(() => {
    if (step?.id !== "intercept" || server?.running || busy || !facts.available || !healthPath) return;
    void actions.startLocalServer([healthPath]);
  }, [step?.id, server?.running, busy, facts.available, healthPath, actions]);

  // Steps 3 and 5 watch the front door: one quiet request every 1.5 s until the step is done.
  useEffect(() => {
    if ((step?.id !== "broken" && step?.id !== "recover") || completed) return;
    void actions.sendThroughFrontDoor(true);
    const timer = setInterval(() => void actions.sendThroughFrontDoor(true), 1500);
    return () => clearInterval(timer);
  }, [step?.id, completed, actions]);

  const anchor = useAnchor(step ? step.anchors(facts) : [], cardRef);

  return (
    <>
      {anchor.rect ? <Spotlight rect={anchor.rect} /> : null}
      <div
        ref={cardRef}
        className={`tour-card${anchor.rect && anchor.rect.left + anchor.rect.width > window.innerWidth - 420 && anchor.rect.top + anchor.rect.height > window.innerHeight - 360 ? " tour-card-left" : ""}`}
        role="dialog"
        aria-modal="false"
        aria-labelledby={`${id}-title`}
        aria-describedby={`${id}-body`}
        data-tour-step={step?.id ?? "finished"}
        onKeyDown={(e: React.KeyboardEvent) => {
          if (e.key === "Escape") {
            e.preventDefault();
            e.stopPropagation();
            dispatch({ type: "skip" });
          }
        }}
      >
        <div className="tour-head">
          <span className="eyebrow">
            Playground tour · {step ? `step ${index + 1} of ${steps.length}` : "done"}
          </span>
          <button type="button" className="button small ghost" onClick={() => dispatch({ type: "skip" })} aria-label="Skip the tour">
            Skip
          </button>
        </div>
        <h2 ref={headingRef} id={`${id}-title`} className="tour-title" tabIndex={-1}>
          {step ? step.title : "That was the chicken-and-egg, and its fix"}
        </h2>
        <div id={`${id}-body`} className="tour-body">
          {step && step.id !== "web" && step.id !== "arrive" && !facts.webOpen ? (
            <p className="tour-note">
              Open <strong>web</strong> in the service list first (highlighted).
            </p>
          ) : null}
          {step ? <StepBody step={step} facts={facts} check={check} /> : <FinishedBody facts={facts} />}
        </div>
        {step?.id === "broken" || step?.id === "recover" || step?.id === "arrive" ? <FrontDoor answer={frontDoor} /> : null}
        {step?.id === "intercept" || step?.id === "broken" || step?.id === "arrive" ? <LocalRequests requests={facts.localRequests} port={facts.localPort} /> : null}
        {step ? (
          <p className={`tour-state${completed ? " done" : ""}`} role="status" aria-live="polite">
            {completed ? "✓ Done: the app shows it." : waitingFor(step, facts)}
          </p>
        ) : null}
        {error ? (
          <div className="inline-error" role="alert">
            <strong>{error.message}</strong>
            {error.hint ? <p>{error.hint}</p> : null}
          </div>
        ) : null}
        <div className="tour-actions">
          {index > 0 && step ? (
            <button type="button" className="button small ghost" onClick={() => dispatch({ type: "back" })}>
              Back
            </button>
          ) : null}
          <span className="tour-spacer" />
          {step ? <DoItForMe step={step} facts={facts} actions={actions} completed={completed} busy={busy} /> : null}
          {step ? (
            <button type="button" className="button small primary" disabled={!completed} onClick={() => dispatch({ type: "next" })}>
              {index + 1 === steps.length ? "Finish" : "Next"}
            </button>
          ) : (
            <FinishedActions actions={actions} facts={facts} />
          )}
        </div>
      </div>
    </>
  );
}

function waitingFor(step: StepDefinition, f: TourFacts): string {
  switch (step.id) {
    case "web":
      return "Waiting for you to open web…";
    case "intercept":
      if (f.webIntercept && !f.webIntercept.global) return "That intercept is filtered: the health checks stay on the app. Stop it and pick All traffic (global) to see the problem.";
      if (f.webIntercept && f.webIntercept.localPort !== f.localPort) return `That intercept goes to port ${f.webIntercept.localPort ?? "?"}, not the tour's server (${f.localPort ?? "starting…"}): stop it and use ${f.localPort ?? "the tour's port"}.`;
      return "Waiting for an active global intercept of web…";
    case "broken":
      return `Waiting for the health checks to fail (web: ${f.webHealth ?? "unknown"}, front door: ${f.frontDoor?.status ?? f.frontDoor?.error ?? "…"})…`;
    case "fix":
      return "Waiting for the sidecar strategy to be applied…";
    case "recover":
      return `Waiting for web to turn healthy (now: ${f.webHealth ?? "unknown"})…`;
    case "arrive":
      return "Waiting for a request to reach your laptop through the front door…";
  }
}

function StepBody({ step, facts, check }: { step: StepDefinition; facts: TourFacts; check: ReturnType<typeof webCheck> }) {
  const path = <code className="mono">{check?.path ?? "/healthz"}</code>;
  const port = facts.localPort;
  const telepresence = useIntercepts((s) => s.telepresence);
  const wizardPresent = useDomAnchor("strategy-wizard");
  const fixPanelOpen = useDomAnchor("fix-panel");
  switch (step.id) {
    case "web":
      return (
        <>
          <p>
            <strong>web</strong> is a playground service behind a GKE Ingress: its front door sends each request to a pod only if that pod passes the load
            balancer's health check.
          </p>
          <p>
            {facts.webOpen ? (
              <>
                The highlighted diagram is that check: {path} on{" "}
                {check?.spec === "USE_SERVING_PORT" ? (
                  <>
                    the <strong>serving port</strong> (<span className="mono">{check.port}</span>) — its BackendConfig sets a path but no port
                  </>
                ) : (
                  <span className="mono">{check?.spec ?? "…"}</span>
                )}
                . That is the very port an intercept takes over.
              </>
            ) : (
              <>Open <strong>web</strong> in the service list (highlighted).</>
            )}
          </p>
        </>
      );
    case "intercept":
      return (
        <>
          <p>
            The tour started a small server on your machine, <span className="mono">127.0.0.1:{port ?? "…"}</span>: it answers "hello from your laptop" and, like most dev
            servers, does not serve {path}.
          </p>
          <ol className="tour-list">
            <li>
              Click <strong>Intercept…</strong>
            </li>
            <li>
              Set <strong>Local port</strong> to <span className="mono">{port ?? "…"}</span>
            </li>
            <li>
              Pick <strong>All traffic (global)</strong> — not the recommended header filter; the next step shows why it is recommended
            </li>
            <li>
              Click <strong>Start intercept anyway</strong>
            </li>
          </ol>
          {telepresence?.phase === "missing" || telepresence?.phase === "too-old" ? (
            <p className="tour-note">
              Telepresence is not usable here; in a terminal: <code className="mono">telepresence intercept web --port {port ?? "PORT"}:http</code>
            </p>
          ) : null}
        </>
      );
    case "broken":
      return (
        <p>
          The load balancer's health checks now reach your laptop (below) instead of the app. {path} is not served there, so they fail
          {check?.unhealthyThreshold ? ` (${check.unhealthyThreshold} failures in a row)` : ""}, and the load balancer drops the pods — while Kubernetes still calls
          them Ready. The diagram and web's badge turn red, and the front door answers everyone <strong>502</strong>.
        </p>
      );
    case "fix":
      return (
        <>
          <p>
            The <strong>sidecar strategy</strong> adds a small health container to web's pods and points the health check at its port, which no intercept takes over.
          </p>
          <p>
            In <strong>Findings</strong>, click <strong>Fix: Add a health sidecar</strong> (highlighted); in the wizard pick <strong>Sidecar</strong>, click{" "}
            <strong>Preview changes</strong>, read what changes, then <strong>Apply</strong>.
          </p>
          {fixPanelOpen && !wizardPresent ? (
            <p className="tour-note">
              This build's Fix panel has no strategy wizard yet. Use <strong>Do it for me</strong> (it calls <span className="mono">strategies.plan</span> and{" "}
              <span className="mono">strategies.apply</span>, as the wizard does), or in a terminal:{" "}
              <code className="mono">switchboard strategy apply web -n demo --sidecar</code>
            </p>
          ) : null}
        </>
      );
    case "recover":
      return (
        <p>
          The rollout replaces web's pods (each gets the traffic agent again: the intercept stays) and the health check now reaches
          {check?.sidecar ? (
            <>
              {" "}
              the sidecar <span className="mono">{check.sidecar.container}</span> on port <span className="mono">{check.sidecar.port}</span>
            </>
          ) : (
            " the sidecar"
          )}
          . Watch the diagram and web's badge turn green.
        </p>
      );
    case "arrive":
      return (
        <p>
          Now send a request through the front door: the load balancer picks a healthy pod, its traffic agent passes the request to your laptop, and your local
          server answers — while the health checks stay on the sidecar.
        </p>
      );
  }
}

function DoItForMe({ step, facts, actions, completed, busy }: { step: StepDefinition; facts: TourFacts; actions: Props["actions"]; completed: boolean; busy: string | null }) {
  const disabled = busy !== null || completed;
  const button = (label: string, title: string, onClick: () => void, extraDisabled = false) => (
    <button type="button" className="button small" disabled={disabled || extraDisabled} title={title} onClick={onClick}>
      {busy ?? label}
    </button>
  );
  switch (step.id) {
    case "web":
      return button("Do it for me", "Opens web (services.get), as clicking its row does", () => void actions.openService(WEB.key));
    case "intercept":
      return button(
        "Do it for me",
        `Calls intercepts.start (global, port http → localhost:${facts.localPort ?? "?"}), as the panel's Start button does`,
        () => {
          if (!facts.webOpen) void actions.openService(WEB.key);
          if (facts.localPort !== null) void actions.interceptForMe(facts.localPort);
        },
        facts.localPort === null || facts.webIntercept !== null,
      );
    case "broken":
    case "recover":
      return <button type="button" className="button small" disabled={busy !== null} onClick={() => void actions.sendThroughFrontDoor()}>Send a request now</button>;
    case "fix":
      return button("Do it for me", "Calls strategies.plan (sidecar) then strategies.apply of that plan, as the wizard does", () => void actions.applySidecarForMe());
    case "arrive":
      return (
        <button type="button" className="button small" data-tour="tour-send" disabled={busy !== null} onClick={() => void actions.sendThroughFrontDoor()}>
          Send a request through the front door
        </button>
      );
  }
}

function FinishedBody({ facts }: { facts: TourFacts }) {
  return (
    <>
      <p>
        An intercept that takes over the port the load balancer health-checks sends those checks to your laptop, and GKE drops the pods for everyone. Pointing the
        check somewhere the intercept does not touch (here, a sidecar) keeps them in while you work.
      </p>
      <p>
        {facts.webIntercept ? "Your intercept of web is still active. " : ""}The sidecar stays until you roll it back (Findings / the operations journal). Replay the tour any
        time from the status bar's <strong>Tour</strong> button or the command palette.
      </p>
    </>
  );
}

function FinishedActions({ actions, facts }: { actions: Props["actions"]; facts: TourFacts }) {
  const dispatch = useTour((s) => s.dispatch);
  const busy = useTour((s) => s.busy);
  return (
    <>
      {facts.webIntercept ? (
        <button type="button" className="button small" disabled={busy !== null} onClick={() => void interceptActions()?.stopIntercept(WEB.namespace, WEB.name)}>
          Leave the intercept
        </button>
      ) : null}
      {facts.localPort !== null ? (
        <button type="button" className="button small" disabled={busy !== null} onClick={() => void actions.stopLocalServer()}>
          Stop the local server
        </button>
      ) : null}
      <button type="button" className="button small primary" onClick={() => dispatch({ type: "finish" })}>
        Close
      </button>
    </>
  );
}

function FrontDoor({ answer }: { answer: PlaygroundResponse | null }) {
  return (
    <section className="tour-panel" data-tour="tour-front-door" aria-label="Front door's answer">
      <h3 className="tour-panel-title">
        Front door <span className="mono muted">GET /</span>
      </h3>
      {answer ? (
        <div className="tour-answer">
          <span className={`badge tone-${answer.status === 200 ? "healthy" : "unhealthy"}`}>{answer.status ?? "no answer"}</span>
          <code className="mono tour-answer-body">{answer.status === null ? answer.error : answer.body.trim() || "(empty body)"}</code>
        </div>
      ) : (
        <p className="muted">No request sent yet.</p>
      )}
    </section>
  );
}

function LocalRequests({ requests, port }: { requests: readonly LocalRequest[]; port: number | null }) {
  const shown = requests.slice(-5);
  return (
    <section className="tour-panel" data-tour="tour-local-requests" aria-label="Requests that reached your laptop">
      <h3 className="tour-panel-title">
        Your laptop <span className="mono muted">127.0.0.1:{port ?? "—"}</span> <span className="count">{requests.length}</span>
      </h3>
      {shown.length === 0 ? (
        <p className="muted">Nothing has arrived yet.</p>
      ) : (
        <ul className="tour-requests">
          {shown.map((r) => (
            <li key={r.seq} className={r.healthCheck ? "hc" : "user"}>
              <span className="mono">
                {r.method} {r.path}
              </span>
              <span className="muted">{r.healthCheck ? "load balancer health check" : (r.headers["x-switchboard-tour"] ? "your request" : "a request")}</span>
              <span className={`badge tone-${r.status === 200 ? "healthy" : "unhealthy"}`}>{r.status}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

type Rect = { top: number; left: number; width: number; height: number };

/** `[data-tour="name"]`, quoted for a CSS attribute selector (CSS.escape is missing in some DOMs). */
function anchorSelector(name: string): string {
  return `[data-tour="${name.replace(/["\\]/g, "\\$&")}"]`;
}

/** Is an element with this anchor in the page now (re-checked while the tour shows)? */
function useDomAnchor(name: string): boolean {
  const [present, setPresent] = useState(false);
  useEffect(() => {
    const check = () => setPresent(document.querySelector(anchorSelector(name)) !== null);
    check();
    const timer = setInterval(check, 300);
    return () => clearInterval(timer);
  }, [name]);
  return present;
}

/** The first anchor present in the page (outside the card), scrolled into view once, and its box kept current. */
function useAnchor(names: string[], cardRef: React.RefObject<HTMLDivElement | null>): { name: string | null; rect: Rect | null } {
  const key = names.join(" ");
  const [state, setState] = useState<{ name: string | null; rect: Rect | null }>({ name: null, rect: null });
  const scrolled = useRef<Element | null>(null);
  useLayoutEffect(() => {
    // A new step may scroll its control into view again, even when it is the same element as before.
    scrolled.current = null;
    const measure = () => {
      let found: Element | null = null;
      let name: string | null = null;
      for (const n of key.split(" ").filter(Boolean)) {
        const el = document.querySelector(anchorSelector(n));
        if (el && !cardRef.current?.contains(el)) {
          found = el;
          name = n;
          break;
        }
      }
      if (!found) {
        setState((s) => (s.rect === null && s.name === null ? s : { name: null, rect: null }));
        return;
      }
      const r = found.getBoundingClientRect();
      // Bring a new step's control into view only when it is out of sight: never move the page under a
      // user who is already working with it (a click would land elsewhere).
      if (scrolled.current !== found) {
        scrolled.current = found;
        const outOfSight = r.bottom <= 0 || r.top >= window.innerHeight || r.right <= 0 || r.left >= window.innerWidth;
        if (outOfSight) found.scrollIntoView?.({ block: "nearest" });
      }
      const rect = { top: r.top, left: r.left, width: r.width, height: r.height };
      setState((s) =>
        s.name === name && s.rect && Math.abs(s.rect.top - rect.top) < 1 && Math.abs(s.rect.left - rect.left) < 1 && Math.abs(s.rect.width - rect.width) < 1 && Math.abs(s.rect.height - rect.height) < 1
          ? s
          : { name, rect },
      );
    };
    measure();
    const timer = setInterval(measure, 200);
    window.addEventListener("resize", measure);
    window.addEventListener("scroll", measure, true);
    return () => {
      clearInterval(timer);
      window.removeEventListener("resize", measure);
      window.removeEventListener("scroll", measure, true);
    };
  }, [key, cardRef]);
  return state;
}

function Spotlight({ rect }: { rect: Rect }) {
  const pad = 6;
  const x = rect.left - pad;
  const y = rect.top - pad;
  const w = rect.width + pad * 2;
  const h = rect.height + pad * 2;
  // The page dimmed except for a hole over the control (even-odd fill); clicks pass through everywhere.
  return (
    <>
      <svg className="tour-dim" aria-hidden="true" width="100%" height="100%">
        {/* Inline: the app's own SVG rules (diagrams) would otherwise win over an inherited fill. */}
        <path fillRule="evenodd" style={{ fill: "rgb(10 14 22 / 30%)" }} d={`M0 0H100000V100000H0Z M${x} ${y}h${w}v${h}h${-w}Z`} />
      </svg>
      <div className="tour-spotlight" aria-hidden="true" style={{ top: y, left: x, width: w, height: h }} />
    </>
  );
}
