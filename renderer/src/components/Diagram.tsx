// Draws a Graph (diagram.ts) as SVG: boxes in columns and lanes, curved arrows, health as colour AND
// glyph AND hatching AND words. Every box is focusable; the one hovered or focused is explained in the
// details panel under the picture (the same text a native tooltip shows on hover).
import { useId, useMemo, useState } from "react";
import type { Edge, Graph, Hop } from "../diagram.ts";
import { truncateMiddle } from "../diagram.ts";
import { signalLabel, signalLongLabel } from "../labels.ts";
import type { Tone } from "./Health.tsx";
import { ToneGlyph, ToneIcon } from "./Health.tsx";

export interface DiagramLayout {
  widths: number[];
  gap: number;
}

const LANE = 76;
const NODE = 60;
const HEADER = 26;
const SETTING_ROW = 17;

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
  return hop.settings ? Math.max(NODE, 46 + hop.settings.length * SETTING_ROW) : NODE;
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

function fit(text: string, width: number, charPx: number): string {
  return truncateMiddle(text, Math.max(4, Math.floor(width / charPx)));
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
            <pattern id={`${id}-hatch`} width="7" height="7" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
              <line x1="0" y1="0" x2="0" y2="7" className="hatch-line" />
            </pattern>
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
            const hatched = hop.tone === "unhealthy" || hop.tone === "at-risk" || hop.tone === "degraded";
            return (
              <g
                key={hop.id}
                className={`hop tone-${hop.tone} kind-${hop.kind}${hop.predicted ? " predicted" : ""}${isActive ? " active" : ""}`}
                transform={`translate(${box.x} ${box.y})`}
                tabIndex={0}
                role="button"
                aria-label={hopLabel(hop)}
                aria-describedby={isActive ? detailsId : undefined}
                data-hop={hop.id}
                onMouseEnter={() => setHovered(hop.id)}
                onMouseLeave={() => setHovered((h) => (h === hop.id ? null : h))}
                onFocus={() => setFocused(hop.id)}
                onBlur={() => setFocused((f) => (f === hop.id ? null : f))}
                onClick={() => setFocused(hop.id)}
              >
                <title>{`${hopLabel(hop)}\n${hop.reason}${hop.caveat ? `\nCaveat: ${hop.caveat}` : ""}`}</title>
                <rect className="hop-box" width={box.w} height={box.h} rx={8} />
                {hatched ? <rect className="hop-hatch" width={box.w} height={box.h} rx={8} fill={`url(#${id}-hatch)`} /> : null}
                <rect className="hop-accent" width={4} height={box.h - 12} x={0} y={6} rx={2} />
                <KindIcon kind={hop.kind} />
                <text className="hop-title" x={30} y={19}>
                  {fit(hop.title, box.w - 54, hop.kind === "port" ? 7.8 : 6.7)}
                </text>
                {hop.subtitle ? (
                  <text className="hop-sub" x={hop.kind === "check" ? 12 : 30} y={35}>
                    {fit(hop.subtitle, box.w - (hop.kind === "check" ? 20 : 38), 6.3)}
                  </text>
                ) : null}
                <g transform={`translate(${box.w - 22} 6)`}>
                  <ToneGlyph tone={hop.tone} />
                </g>
                {hop.settings ? (
                  <g className="hop-settings">
                    {hop.settings.map((s, i) => (
                      <g key={s.label} transform={`translate(12 ${52 + i * SETTING_ROW})`}>
                        <text className="setting-label">{s.label}</text>
                        <text className="setting-value" x={78}>
                          {fit(s.value, 70, 6.6)}
                        </text>
                        <text className="setting-source" x={box.w - 12} textAnchor="end">
                          {fit(s.source, 110, 6)}
                        </text>
                      </g>
                    ))}
                  </g>
                ) : (
                  <text className="hop-state" x={12} y={box.h - 10}>
                    {/* Narrow boxes show the state word; the signal is on the pod and in the details. */}
                    {fit(box.w < 110 ? (hop.stateLabel.split(" · ")[0] ?? hop.stateLabel) : hop.stateLabel, box.w - 20, 6.1)}
                  </text>
                )}
              </g>
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
  const common = { className: "kind-icon", transform: "translate(11 8)" };
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
