// One service in full: header, the traffic path and (separately) the health check's own path per
// port, a what-if for intercepting a port, the pods, the health timeline and the findings with fixes.
import { useEffect, useId, useMemo, useRef, useState } from "react";
import type React from "react";
import type { HealthEvent, HealthSource, ServiceDetail as Detail } from "../../../app/contract/api.ts";
import type { Finding, Fix, HealthCheckView, PodView, PortView } from "../../../app/contract/model.ts";
import type { WhatIfChoice } from "../diagram.ts";
import { healthCheckGraph, roleLabel, trafficGraph, worstValue } from "../diagram.ts";
import { fixParamRows, reachLabel, severityLabel } from "../labels.ts";
import type { FixRequest } from "../services-store.ts";
import type { StrategyApplyRecord } from "../strategies-store.ts";
import { useStrategies } from "../strategies-store.ts";
import { Diagram } from "./Diagram.tsx";
import type { DiagramLayout } from "./Diagram.tsx";
import { HealthValueBadge, ServiceHealthBadge, SeverityIcon, ToneIcon } from "./Health.tsx";
import { HealthSourceNote } from "./HealthSourceBanner.tsx";
import { InterceptPanel, InterceptSection } from "./InterceptPanel.tsx";
import { RichText } from "./RichText.tsx";
import { isStrategy, StrategySection, StrategyWizard } from "./StrategyWizard.tsx";

const TRAFFIC_LAYOUT: DiagramLayout = { widths: [128, 136, 182, 80, 130, 116], gap: 22 };
const CHECK_LAYOUT: DiagramLayout = { widths: [292, 156, 84, 146, 120], gap: 28 };

export interface ServiceDetailProps {
  detail: Detail;
  /** The freshest source (health-source events), else the detail's own. */
  healthSource: HealthSource | null;
  fixRequest: FixRequest | null;
  onFix(finding: Finding, fix: Fix): void;
  onCloseFix(): void;
  onClose?(): void;
}

export function ServiceDetail({ detail, healthSource, fixRequest, onFix, onCloseFix, onClose }: ServiceDetailProps) {
  const { view, summary } = detail;
  const source = healthSource ?? detail.healthSource;
  const [portKey, setPortKey] = useState<string | null>(null);
  // Start on the port findings talk about, else the first load-balanced one.
  const defaultPort =
    view.ports.find((p) => detail.findings.some((f) => f.port === p.key && f.severity === "error")) ??
    view.ports.find((p) => p.healthChecks.length > 0) ??
    view.ports[0] ??
    null;
  const port = view.ports.find((p) => p.key === portKey) ?? defaultPort;
  const tabsId = useId();
  const ingressNames = view.exposure.ingresses.map((i) => `Ingress ${i.name}`);
  const routeNames = view.exposure.httpRoutes.map((r) => `HTTPRoute ${r.name}`);

  return (
    <article className="service-detail" aria-labelledby={`${tabsId}-title`}>
      <header className="detail-header">
        <div className="detail-heading">
          <div className="eyebrow">
            Service · <span className="mono">{view.namespace}</span>
          </div>
          <h2 id={`${tabsId}-title`} className="page-title">
            {view.name}
          </h2>
          <div className="detail-meta">
            <span className="meta-item">{summary.exposure}</span>
            {[...ingressNames, ...routeNames].map((n) => (
              <span key={n} className="meta-item mono">
                {n}
              </span>
            ))}
            <span className="meta-item">{view.type}</span>
            <span className="meta-item">
              {summary.pods.ready}/{summary.pods.total} pods ready
            </span>
            {summary.intercepted ? <span className="badge intercept">Intercepted</span> : null}
          </div>
        </div>
        <div className="detail-health">
          <ServiceHealthBadge summary={summary} />
          <span className="detail-signal muted">{source.source === "compute-api" ? "Live load-balancer health" : "Kubernetes-side signals only"}</span>
          {onClose ? (
            <button type="button" className="button small ghost" onClick={onClose} aria-label="Close service details">
              Close
            </button>
          ) : null}
        </div>
      </header>

      {source.source !== "compute-api" ? <HealthSourceNote source={source} /> : null}

      {fixRequest && fixRequest.service === view.key ? (
        <FixPanel request={fixRequest} onClose={onCloseFix}>
          {fixRequest.fix.strategy === "http-filtered-intercept" ? <InterceptPanel detail={detail} preferKind="http-filtered" onFix={onFix} /> : null}
          {isStrategy(fixRequest.fix.strategy) ? <StrategyWizard key={fixRequest.at} detail={detail} initial={fixRequest.fix.strategy} portKey={fixRequest.finding.port} /> : null}
        </FixPanel>
      ) : null}

      <InterceptSection detail={detail} onFix={onFix} />

      <StrategySection detail={detail} />

      {view.problems.length > 0 ? (
        <div className="problems">
          {view.problems.map((p) => (
            <div className="problem" key={p.code + p.message}>
              <strong>{p.message}</strong>
            </div>
          ))}
        </div>
      ) : null}

      {view.ports.length > 1 ? (
        <div className="port-tabs" role="tablist" aria-label="Service ports">
          {view.ports.map((p) => (
            <button
              key={p.key}
              type="button"
              role="tab"
              aria-selected={p.key === port?.key}
              className="port-tab"
              onClick={() => setPortKey(p.key)}
            >
              <span className="mono">{p.key}</span>
              <span className="muted"> {p.port}</span>
            </button>
          ))}
        </div>
      ) : null}

      {port ? <PortPictures key={port.key} detail={detail} port={port} /> : <p className="muted">This Service has no ports.</p>}

      <PodsTable pods={view.pods} ports={view.ports} />
      <Findings findings={detail.findings} onFix={onFix} />
      <Timeline events={detail.timeline} />
    </article>
  );
}

function PortPictures({ detail, port }: { detail: Detail; port: PortView }) {
  const traffic = useMemo(() => trafficGraph(detail.view, port, detail.summary), [detail, port]);
  return (
    <>
      <section className="card wide diagram-card" aria-labelledby={`traffic-${port.key}`}>
        <h2 id={`traffic-${port.key}`} className="card-title">
          Traffic path <span className="muted mono">port {port.key}</span>
        </h2>
        <p className="card-lede">
          How a request from the load balancer reaches this port, hop by hop. Colours come from{" "}
          {describeSignals(detail.view.pods, port)}. Hover or focus a box for the reason.
        </p>
        <Diagram graph={traffic} spec={TRAFFIC_LAYOUT} label={`Traffic path of ${detail.view.name} port ${port.key}`} />
      </section>
      {port.healthChecks.length === 0 ? (
        <section className="card wide" aria-label="Health check">
          <h2 className="card-title">Health check</h2>
          <p className="muted">No load balancer health-checks port {port.key}: no Ingress, Gateway route or standalone NEG uses it.</p>
        </section>
      ) : (
        port.healthChecks.map((hc, i) => <HealthCheckSection key={`${hc.via}-${i}`} detail={detail} port={port} hc={hc} />)
      )}
    </>
  );
}

function describeSignals(pods: PodView[], port: PortView): string {
  const signals = new Set(pods.map((p) => worstValue(p.health[port.key])?.signal).filter(Boolean));
  if (signals.has("compute-api") && signals.size === 1) return "live Compute API health";
  if (signals.size === 0) return "no health signal yet";
  return [...signals]
    .map((s) => (s === "compute-api" ? "the Compute API" : s === "readiness-gate" ? "the NEG readiness gate (weaker)" : s === "ingress-backends" ? "the Ingress annotation (weaker)" : "events (weaker)"))
    .join(" and ");
}

function HealthCheckSection({ detail, port, hc }: { detail: Detail; port: PortView; hc: HealthCheckView }) {
  const [enabled, setEnabled] = useState(false);
  const [whatIfPort, setWhatIfPort] = useState<string>(hc.whatIf[0]?.interceptPort ?? "");
  const [mode, setMode] = useState<"global" | "httpFiltered">("global");
  const choice: WhatIfChoice = enabled && whatIfPort ? { port: whatIfPort, mode } : null;
  const graph = useMemo(() => healthCheckGraph(detail.view, port, hc, choice), [detail.view, port, hc, choice?.port, choice?.mode]); // eslint-disable-line react-hooks/exhaustive-deps
  const id = useId();
  const via = hc.via === "ingress" ? "Ingress" : hc.via === "gateway" ? "Gateway" : "standalone NEG";
  const reach = choice ? hc.whatIf.find((w) => w.interceptPort === choice.port)?.[choice.mode] : hc.reachNow;

  return (
    <section className="card wide diagram-card" aria-labelledby={`${id}-title`} data-tour="health-check-path">
      <h2 id={`${id}-title`} className="card-title">
        Health check path <span className="muted mono">port {port.key}</span>
        <span className="muted"> · {via}</span>
      </h2>
      <p className="card-lede">
        What the load balancer's own probe reaches — separate from user traffic.{" "}
        {reach ? (
          <strong className={`reach-summary${reach.toLaptop ? " tone-text-at-risk" : ""}`}>
            {choice ? "It would reach" : "It reaches"} {reachLabel[reach.reaches].toLowerCase()}
            {reach.container ? ` (${reach.container})` : ""}
            {reach.port !== null ? ` on port ${reach.port}` : ""}
            {reach.toLaptop ? " → your laptop" : ""}.
          </strong>
        ) : null}
      </p>
      {hc.whatIf.length > 0 ? (
        <div className="whatif" role="group" aria-label="What if I intercept">
          <label className="switch">
            <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
            <span>What if I intercept port</span>
          </label>
          <select className="select compact" aria-label="Port to intercept" value={whatIfPort} onChange={(e) => setWhatIfPort(e.target.value)} disabled={!enabled}>
            {hc.whatIf.map((w) => (
              <option key={w.interceptPort} value={w.interceptPort}>
                {w.interceptPort}
              </option>
            ))}
          </select>
          <div className="segmented" role="radiogroup" aria-label="Intercept kind">
            {(["global", "httpFiltered"] as const).map((m) => (
              <label key={m} className={`segment${mode === m ? " on" : ""}${!enabled ? " disabled" : ""}`}>
                <input type="radio" name={`${id}-mode`} value={m} checked={mode === m} disabled={!enabled} onChange={() => setMode(m)} />
                {m === "global" ? "Global" : "HTTP-filtered"}
              </label>
            ))}
          </div>
        </div>
      ) : null}
      <Diagram
        graph={graph}
        spec={CHECK_LAYOUT}
        className={choice ? "whatif-on" : undefined}
        label={choice ? `Health check path of port ${port.key} if port ${choice.port} were intercepted (${choice.mode === "global" ? "global" : "HTTP-filtered"})` : `Health check path of port ${port.key}`}
      />
    </section>
  );
}

function PodsTable({ pods, ports }: { pods: PodView[]; ports: PortView[] }) {
  return (
    <section className="card wide" aria-labelledby="pods-title">
      <h2 id="pods-title" className="card-title">
        Pods <span className="count">{pods.length}</span>
      </h2>
      {pods.length === 0 ? (
        <p className="muted">No pod matches the Service's selector.</p>
      ) : (
        <div className="table-scroll">
          <table className="data-table" aria-label="Pods">
            <thead>
              <tr>
                <th scope="col">Pod</th>
                <th scope="col">Zone · IP</th>
                <th scope="col">Ready</th>
                <th scope="col">NEG readiness gate</th>
                <th scope="col">Traffic agent</th>
                {ports.map((p) => (
                  <th scope="col" key={p.key}>
                    LB health <span className="mono">{p.key}</span>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {pods.map((pod) => {
                const zone = Object.values(pod.health)
                  .flat()
                  .find((v) => v.zone)?.zone;
                const gate = pod.readinessGate;
                return (
                  <tr key={pod.name}>
                    <th scope="row" className="mono">
                      {pod.name}
                      {pod.terminating ? <span className="tag">terminating</span> : null}
                    </th>
                    <td className="mono nowrap">
                      {zone ?? "zone unknown"}
                      <div className="cell-sub mono">{pod.podIP ?? "no IP"}</div>
                    </td>
                    <td>
                      <span className={`badge tone-${pod.ready ? "healthy" : "unhealthy"}`}>
                        <ToneIcon tone={pod.ready ? "healthy" : "unhealthy"} size={11} />
                        {pod.ready ? "Ready" : "Not ready"}
                      </span>
                    </td>
                    <td title={`${gate.explanation}${gate.message ? `\n${gate.message}` : ""}`}>
                      {gate.present || gate.status !== null ? (
                        <>
                          <span className={`badge tone-${gate.ready ? "healthy" : gate.status === null ? "unknown" : "unhealthy"} weak`}>
                            <ToneIcon tone={gate.ready ? "healthy" : gate.status === null ? "unknown" : "unhealthy"} size={11} />
                            {gate.status === null ? "not written" : gate.status === "" ? "empty (waiting)" : gate.status}
                          </span>
                          {gate.reason ? <div className="cell-sub mono">{gate.reason}</div> : null}
                        </>
                      ) : (
                        <span className="muted">none</span>
                      )}
                    </td>
                    <td>
                      {pod.agent.present ? (
                        <>
                          <span className="badge intercept">
                            {pod.intercepts.some((i) => i.active) ? "intercepting" : "injected"}
                          </span>
                          {pod.agent.takenOver.map((t) => (
                            <div className="cell-sub" key={`${t.container}-${t.containerPort}`}>
                              {t.container}:{t.containerPort} {t.by === "name" ? `renamed ${t.originalName} → ${t.renamedTo}` : "via iptables"}
                            </div>
                          ))}
                          {pod.intercepts.map((i) => (
                            <div className="cell-sub" key={i.name}>
                              {i.name}: {i.global ? "global" : `filtered ${i.httpFilter.join(", ")}`} · {i.disposition}
                            </div>
                          ))}
                        </>
                      ) : (
                        <span className="muted">none</span>
                      )}
                    </td>
                    {ports.map((p) => {
                      const values = pod.health[p.key] ?? [];
                      return (
                        <td key={p.key}>
                          {values.length === 0 ? (
                            <span className="muted">—</span>
                          ) : (
                            values.map((v, i) => (
                              <div key={i} className="cell-stack">
                                <HealthValueBadge value={v} />
                              </div>
                            ))
                          )}
                        </td>
                      );
                    })}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {[...new Set(pods.map((p) => p.readinessGate.explanation))].map((text) => (
        <p className="card-note" key={text}>
          <strong>Readiness gate:</strong> {text}
        </p>
      ))}
      {pods.some((p) => p.containers.length > 0) ? (
        <p className="card-note">
          Containers:{" "}
          {[...new Set(pods.flatMap((p) => p.containers.map((c) => `${c.name} (${roleLabel(c.role)})`)))].join(", ")}. The node a pod runs on is not part of the view yet.
        </p>
      ) : null}
    </section>
  );
}

function Timeline({ events }: { events: HealthEvent[] }) {
  return (
    <section className="card wide" aria-labelledby="timeline-title">
      <h2 id="timeline-title" className="card-title">
        Health timeline <span className="count">{events.length}</span>
      </h2>
      {events.length === 0 ? (
        <p className="muted">No health events (neg-controller, neg-readiness-reflector, loadbalancer-controller) for this service. Events expire after about an hour.</p>
      ) : (
        <ol className="timeline">
          {events.map((e, i) => (
            <li key={`${e.time}-${i}`} className={`timeline-item ${e.type === "Warning" ? "warn" : ""}`}>
              <span className="timeline-dot" aria-hidden="true">
                <ToneIcon tone={e.type === "Warning" ? "at-risk" : "neutral"} size={12} />
              </span>
              <div className="timeline-body">
                <div className="timeline-head">
                  <time dateTime={e.time} className="mono">
                    {formatTime(e.time)}
                  </time>
                  <strong>{e.reason}</strong>
                  <span className="muted">{e.object}</span>
                  <span className="muted">· {e.source}</span>
                  {e.type === "Warning" ? <span className="badge tone-at-risk">Warning</span> : null}
                </div>
                <div className="timeline-message">{e.message}</div>
              </div>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().replace("T", " ").slice(0, 19);
}

export function Findings({ findings, onFix }: { findings: Finding[]; onFix(finding: Finding, fix: Fix): void }) {
  const order = { error: 0, warning: 1, info: 2 };
  const sorted = [...findings].sort((a, b) => order[a.severity] - order[b.severity]);
  return (
    <section className="card wide" aria-labelledby="findings-title">
      <h2 id="findings-title" className="card-title">
        Findings <span className="count">{findings.length}</span>
      </h2>
      {findings.length === 0 ? (
        <p className="muted">Nothing to report: the health check and the traffic path of this service look right.</p>
      ) : (
        <ul className="findings">
          {sorted.map((f) => (
            <li key={f.key} className={`finding sev-${f.severity}`} data-finding={f.id} data-severity={f.severity}>
              <div className="finding-head">
                <SeverityIcon severity={f.severity} />
                <span className={`sev-label sev-${f.severity}`}>{severityLabel[f.severity]}</span>
                <h3 className="finding-title">{f.title}</h3>
                {f.port ? <span className="tag mono">port {f.port}</span> : null}
              </div>
              <p className="finding-text">
                <RichText text={f.explanation} />
              </p>
              {f.evidence.length > 0 ? (
                <details className="evidence">
                  <summary>Evidence ({f.evidence.length})</summary>
                  <ul>
                    {f.evidence.map((e, i) => (
                      <li key={i}>
                        <span className="mono">
                          {e.object.kind} {e.object.namespace ? `${e.object.namespace}/` : ""}
                          {e.object.name}
                        </span>{" "}
                        <span className="mono muted">{e.path}</span> = <code>{JSON.stringify(e.value)}</code>
                      </li>
                    ))}
                  </ul>
                </details>
              ) : null}
              {f.fixes.length > 0 ? (
                <div className="fixes" role="group" aria-label={`Fixes for: ${f.title}`}>
                  {f.fixes.map((fix, i) => (
                    <button
                      key={fix.id}
                      type="button"
                      className={`button small${i === 0 ? " primary" : ""}`}
                      data-tour={`fix-${fix.strategy}`}
                      title={fix.description}
                      onClick={() => onFix(f, fix)}
                    >
                      Fix: {fix.title}
                    </button>
                  ))}
                </div>
              ) : null}
              {f.references.length > 0 ? <div className="references muted">From {f.references.join(", ")}</div> : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function fixStatus(applied: StrategyApplyRecord["outcome"] | null): string {
  if (applied === "running") return "Applying the change to the cluster…";
  if (applied === "done") return "The change was applied to the cluster: see the steps below (it can be rolled back).";
  if (applied === "failed") return "Applying the change failed: the cluster may be partly changed, see the steps below.";
  return "Nothing has changed in the cluster yet.";
}

/**
 * The region a Fix button opens. It says what the fix will do (Fix.description) and that nothing
 * changed yet; the strategy wizard / intercept panel (next step) renders into `.fix-actions`.
 */
export function FixPanel({ request, onClose, children }: { request: FixRequest; onClose(): void; children?: React.ReactNode }) {
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    ref.current?.focus();
    ref.current?.scrollIntoView?.({ block: "nearest" });
  }, [request.at]);
  const params = fixParamRows(request.fix.params);
  // Only an apply started since this Fix was opened speaks for it (an older one is another story).
  const applied = useStrategies((s) => {
    const a = request.service ? s.applies[request.service] : undefined;
    return a && a.at >= request.at ? a.outcome : null;
  });
  return (
    <section ref={ref} className="fix-panel" role="region" aria-label="Fix" tabIndex={-1} data-strategy={request.fix.strategy} data-tour="fix-panel">
      <div className="fix-head">
        <span className="eyebrow">Fix for: {request.finding.title}</span>
        <button type="button" className="button small ghost" onClick={onClose} aria-label="Close fix">
          Close
        </button>
      </div>
      <h2 className="fix-title">{request.fix.title}</h2>
      <p className="fix-description">
        <RichText text={request.fix.description} />
      </p>
      {params.length > 0 ? (
        <dl className="fields fix-params">
          {params.map((p) => (
            <div className="field" key={p.label}>
              <dt>{p.label}</dt>
              <dd>{p.value}</dd>
            </div>
          ))}
        </dl>
      ) : null}
      <p className="fix-status" aria-live="polite">
        {fixStatus(applied)}
      </p>
      <div className="fix-actions" data-fix-id={request.fix.id}>
        {children}
      </div>
    </section>
  );
}
