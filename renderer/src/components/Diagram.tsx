// Draws a Graph (diagram.ts) as SVG: boxes in columns and lanes, curved arrows, health as colour AND
// glyph AND hatching AND words. Every box is focusable; the one hovered or focused is explained in the
// details panel under the picture (the same text a native tooltip shows on hover).
import { useId, useMemo, useState } from "react";
import type { Edge, Graph, Hop } from "../diagram.ts";
import { truncateMiddle } from "../diagram.ts";
import { signalLabel, signalLongLabel } from "../labels.ts";
import type { Tone } from "./Health.tsx";
import { ToneIcon } from "./Health.tsx";

export interface DiagramLayout {
  widths: number[];
  gap: number;
}

const LANE = 76;
const NODE = 60;
const HEADER = 26;
const SETTING_ROW = 18;

const TONE_ORDER: Tone[] = ["unhealthy", "at-risk", "degraded", "draining", "unknown", "not-health-checked", "not-load-balanced", "healthy", "neutral"];

const toneWords: Record<Tone, string> = {
  healthy: "Healthy",
  unhealthy: "Unhealthy",
  degraded: "Partly unhealthy",
  draining: "Draining",
  unknown: "Unknown",
  "not-health-checked": "Not health-checked",
  "not-load-balanced": "Not load-balanced",
  "at-risk": "At risk",
  neutral: "Configuration",
};

function nodeHeight(hop: Hop): number {
  return hop.settings ? Math.max(NODE, 52 + hop.settings.length * SETTING_ROW) : NODE;
}

/** Where each hop sits. */
function layout(graph: Graph, spec: DiagramLayout) {
  const xs: number[] = [];
  let x = 0;
  for (const w of spec.widths) {
    xs.push(x);
    x += w + spec.gap;
  }
  const width = x - spec.gap;
  const tallest = Math.max(0, ...graph.hops.map((h) => nodeHeight(h) + 8));
  const bodyHeight = Math.max(graph.lanes * LANE, tallest);
  const laneOffset = (bodyHeight - graph.lanes * LANE) / 2;
  const boxes = new Map<string, { x: number; y: number; w: number; h: number }>();
  for (const hop of graph.hops) {
    const w = spec.widths[hop.column] ?? 120;
    const h = nodeHeight(hop);
    const centre = HEADER + laneOffset + ((hop.lanes[0] + hop.lanes[1]) / 2) * LANE + LANE / 2;
    boxes.set(hop.id, { x: xs[hop.column] ?? 0, y: centre - h / 2, w, h });
  }
  return { xs, width, height: HEADER + bodyHeight, boxes };
}

function hopLabel(hop: Hop): string {
  return `${kindWord[hop.kind]} ${hop.title}${hop.subtitle ? ` (${hop.subtitle})` : ""}: ${hop.stateLabel}`;
}

const kindWord: Record<Hop["kind"], string> = {
  lb: "Load balancer",
  neg: "NEG",
  pod: "Pod",
  port: "Port",
  container: "Container",
  laptop: "Laptop",
  check: "Health check",
  pods: "Pods",
};

/** The most telling hop to explain first: the worst one, else the first. */
function defaultHop(graph: Graph): Hop | null {
  const ranked = [...graph.hops].sort((a, b) => TONE_ORDER.indexOf(a.tone) - TONE_ORDER.indexOf(b.tone));
  return ranked[0] ?? null;
}

export function Diagram({ graph, spec, label, className }: { graph: Graph; spec: DiagramLayout; label: string; className?: string }) {
  const id = useId().replace(/:/g, "");
  const [hovered, setHovered] = useState<string | null>(null);
  const [focused, setFocused] = useState<string | null>(null);
  const geo = useMemo(() => layout(graph, spec), [graph, spec]);
  const byId = useMemo(() => new Map(graph.hops.map((h) => [h.id, h])), [graph]);
  const active = (hovered && byId.get(hovered)) || (focused && byId.get(focused)) || defaultHop(graph);
  const tones = [...new Set([...graph.hops.map((h) => h.tone), ...graph.edges.map((e) => e.tone)])].sort((a, b) => TONE_ORDER.indexOf(a) - TONE_ORDER.indexOf(b));
  const detailsId = `${id}-details`;

  return (
    <div className={`diagram ${className ?? ""}`}>
      <div className="diagram-canvas">
        <svg
          className="diagram-svg"
          role="group"
          aria-label={label}
          viewBox={`0 0 ${geo.width} ${geo.height}`}
          width={geo.width}
          height={geo.height}
          preserveAspectRatio="xMinYMin meet"
        >
          <defs>
            {TONE_ORDER.map((tone) => (
              <marker key={tone} id={`${id}-arrow-${tone}`} className={`arrow tone-${tone}`} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                <path d="M0 0L10 5L0 10z" />
              </marker>
            ))}
                  </defs>
          {graph.columns.map((title, i) =>
            geo.xs[i] !== undefined && graph.hops.some((h) => h.column === i) ? (
              <text key={title} className="column-title" x={geo.xs[i]} y={14}>
                {title.toUpperCase()}
              </text>
            ) : null,
          )}
          {graph.edges.map((edge) => (
            <EdgePath key={`${edge.from}->${edge.to}`} edge={edge} from={geo.boxes.get(edge.from)} to={geo.boxes.get(edge.to)} markerId={`${id}-arrow-${edge.tone}`} />
          ))}
          {graph.hops.map((hop) => {
            const box = geo.boxes.get(hop.id)!;
            const isActive = active?.id === hop.id;
            const narrow = box.w < 110;
            // HTML inside the SVG: real text layout (ellipsis, fonts), the picture still scales as one.
            return (
              <foreignObject key={hop.id} x={box.x} y={box.y} width={box.w} height={box.h} className="hop-slot">
                <div
                  className={`hop tone-${hop.tone} kind-${hop.kind}${hop.predicted ? " predicted" : ""}${isActive ? " active" : ""}`}
                  style={{ height: box.h }}
                  tabIndex={0}
                  role="button"
                  aria-label={hopLabel(hop)}
                  aria-describedby={isActive ? detailsId : undefined}
                  data-hop={hop.id}
                  title={`${hopLabel(hop)}\n${hop.reason}${hop.caveat ? `\nCaveat: ${hop.caveat}` : ""}`}
                  onMouseEnter={() => setHovered(hop.id)}
                  onMouseLeave={() => setHovered((h) => (h === hop.id ? null : h))}
                  onFocus={() => setFocused(hop.id)}
                  onBlur={() => setFocused((f) => (f === hop.id ? null : f))}
                  onClick={() => setFocused(hop.id)}
                >
                  <div className="hop-head">
                    <KindIcon kind={hop.kind} />
                    {/* Names keep both ends (pod hashes and NEG hashes differ at the end); CSS ellipsis is the backstop. */}
                    <span className="hop-title">{hop.kind === "pod" ? truncateMiddle(hop.title, Math.floor((box.w - 42) / 7.6)) : hop.title}</span>
                    {hop.settings ? <ToneIcon tone={hop.tone} size={13} /> : null}
                  </div>
                  {hop.subtitle ? <div className="hop-sub">{truncateMiddle(hop.subtitle, Math.floor((box.w - 20) / 6.3))}</div> : null}
                  {hop.settings ? (
                    <table className="hop-settings" role="presentation">
                      <tbody>
                        {hop.settings.map((s) => (
                          <tr key={s.label}>
                            <th>{s.label}</th>
                            <td className="setting-value">{s.value}</td>
                            <td className="setting-source">{s.sourceShort}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  ) : (
                    // Narrow boxes show the state word; the signal is on the pod and in the details.
                    <div className="hop-state">
                      <ToneIcon tone={hop.tone} size={12} />
                      <span>{narrow ? (hop.stateLabel.split(" · ")[0] ?? hop.stateLabel) : hop.stateLabel}</span>
                    </div>
                  )}
                </div>
              </foreignObject>
            );
          })}
        </svg>
      </div>
      {graph.hiddenPods > 0 ? <p className="diagram-note">{graph.hiddenPods} more pods are not drawn; the pods table lists all of them.</p> : null}
      <div className="diagram-legend" aria-label="Legend">
        {tones.map((tone) => (
          <span key={tone} className={`legend-item tone-${tone}`}>
            <ToneIcon tone={tone} size={12} />
            {toneWords[tone]}
          </span>
        ))}
        {graph.hops.some((h) => h.predicted) ? <span className="legend-item predicted-key">┄ predicted (what-if)</span> : null}
      </div>
      <HopDetails id={detailsId} hop={active} />
    </div>
  );
}

function EdgePath({ edge, from, to, markerId }: { edge: Edge; from?: { x: number; y: number; w: number; h: number }; to?: { x: number; y: number; w: number; h: number }; markerId: string }) {
  if (!from || !to) return null;
  const x1 = from.x + from.w;
  const y1 = from.y + from.h / 2;
  const x2 = to.x - 2;
  const y2 = to.y + to.h / 2;
  const dx = Math.max(14, (x2 - x1) / 2);
  const d = `M${x1} ${y1} C${x1 + dx} ${y1}, ${x2 - dx} ${y2}, ${x2} ${y2}`;
  return (
    <g className={`edge tone-${edge.tone}${edge.predicted ? " predicted" : ""}`} aria-hidden="true">
      <path d={d} markerEnd={`url(#${markerId})`} />
      {edge.label ? (
        <text className="edge-label" x={(x1 + x2) / 2} y={(y1 + y2) / 2 - 5} textAnchor="middle">
          {edge.label}
        </text>
      ) : null}
    </g>
  );
}

/** Small pictograms per kind of hop, drawn at the box's top-left. */
function KindIcon({ kind }: { kind: Hop["kind"] }) {
  return (
    <svg className="kind-icon" width="14" height="15" viewBox="0 0 14 15" aria-hidden="true" focusable="false">
      <KindGlyph kind={kind} />
    </svg>
  );
}

function KindGlyph({ kind }: { kind: Hop["kind"] }) {
  const common = {};
  switch (kind) {
    case "lb":
      return (
        <g {...common}>
          <circle cx="7" cy="3" r="2.4" />
          <path d="M7 5.4v3M2.5 13v-2.4h9V13" />
          <circle cx="2.5" cy="13.5" r="1.4" />
          <circle cx="11.5" cy="13.5" r="1.4" />
        </g>
      );
    case "neg":
      return (
        <g {...common}>
          <rect x="0.5" y="1.5" width="13" height="12" rx="2.5" />
          <path d="M3.5 5.5h7M3.5 9.5h7" />
        </g>
      );
    case "pod":
    case "pods":
      return (
        <g {...common}>
          <path d="M7 0.8l6 3.4v6.6l-6 3.4-6-3.4V4.2z" />
          <path d="M1 4.2l6 3.4 6-3.4M7 7.6v6.6" />
        </g>
      );
    case "port":
      return (
        <g {...common}>
          <rect x="1" y="3" width="12" height="9" rx="1.5" />
          <path d="M4 12v-3.5h6V12" />
        </g>
      );
    case "container":
      return (
        <g {...common}>
          <rect x="0.8" y="3" width="12.4" height="9" rx="1.5" />
          <path d="M4 3v9M7 3v9M10 3v9" />
        </g>
      );
    case "laptop":
      return (
        <g {...common}>
          <rect x="2" y="2" width="10" height="7.5" rx="1" />
          <path d="M0.5 12.5h13l-1.4-2.6H1.9z" />
        </g>
      );
    case "check":
      return (
        <g {...common}>
          <path d="M0.8 7.5h3l1.8-4.5 3 9 1.8-4.5h3" />
        </g>
      );
  }
}

function HopDetails({ id, hop }: { id: string; hop: Hop | null }) {
  if (!hop) return null;
  return (
    <div id={id} className={`hop-details tone-${hop.tone}`} role="region" aria-live="polite" aria-label="Hop details">
      <div className="hop-details-head">
        <ToneIcon tone={hop.tone} size={16} />
        <strong className="hop-details-title">
          {kindWord[hop.kind]} <span className={hop.kind === "check" ? undefined : "mono"}>{hop.title}</span>
        </strong>
        {hop.subtitle ? <span className="muted mono hop-details-sub">{hop.subtitle}</span> : null}
        <span className={`badge tone-${hop.tone}`}>{hop.stateLabel}</span>
      </div>
      <p className="hop-reason">{hop.reason}</p>
      {hop.signal ? (
        <p className="hop-signal">
          <span className="signal-tag">Signal: {signalLabel[hop.signal]}</span> {signalLongLabel[hop.signal]}.
          {hop.caveat ? <span className="caveat"> Caveat: {hop.caveat}</span> : null}
        </p>
      ) : hop.caveat ? (
        <p className="hop-signal caveat">Caveat: {hop.caveat}</p>
      ) : null}
      {hop.settings ? (
        <table className="settings-table">
          <thead>
            <tr>
              <th scope="col">Setting</th>
              <th scope="col">Value</th>
              <th scope="col">Comes from</th>
            </tr>
          </thead>
          <tbody>
            {hop.settings.map((s) => (
              <tr key={s.label}>
                <th scope="row">{s.label}</th>
                <td className="mono">{s.value}</td>
                <td>
                  <span className="source-tag">{s.source}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {hop.facts.length > 0 ? (
        <dl className="fields hop-facts">
          {hop.facts.map((f, i) => (
            <div className="field" key={`${f.label}-${i}`}>
              <dt>{f.label}</dt>
              <dd>{f.value}</dd>
            </div>
          ))}
        </dl>
      ) : null}
    </div>
  );
}
