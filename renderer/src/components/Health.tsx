// Health shown three ways at once — colour, a shape, and words — so it reads without colour vision.
import type { ServiceSummary } from "../../../app/contract/api.ts";
import type { HealthState, HealthValue, Severity } from "../../../app/contract/model.ts";
import { healthBadgeText, healthStateLabel, signalLabel } from "../labels.ts";

/** Every colour the UI gives health: the model's states plus the list's summaries and predictions. */
export type Tone = HealthState | "degraded" | "not-load-balanced" | "at-risk" | "neutral";

/** A 14px glyph per tone: check, cross, question mark, dash, down arrow, warning triangle. */
export function ToneIcon({ tone, size = 14 }: { tone: Tone; size?: number }) {
  return (
    <svg className={`tone-icon tone-${tone}`} width={size} height={size} viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <ToneGlyph tone={tone} />
    </svg>
  );
}

/** The glyph alone (for use inside a larger SVG): centred on 8,8 in a 16×16 box. */
export function ToneGlyph({ tone }: { tone: Tone }) {
  switch (tone) {
    case "healthy":
      return (
        <>
          <circle cx="8" cy="8" r="7.5" className="glyph-bg" />
          <path d="M4.6 8.3l2.2 2.2 4.6-4.8" className="glyph-fg" />
        </>
      );
    case "unhealthy":
      return (
        <>
          <circle cx="8" cy="8" r="7.5" className="glyph-bg" />
          <path d="M5.2 5.2l5.6 5.6M10.8 5.2l-5.6 5.6" className="glyph-fg" />
        </>
      );
    case "degraded":
      return (
        <>
          <circle cx="8" cy="8" r="7.5" className="glyph-bg" />
          <path d="M8 1.5a6.5 6.5 0 0 1 0 13z" className="glyph-fill" />
        </>
      );
    case "at-risk":
      return (
        <>
          <path d="M8 0.8l7.4 13.4H0.6z" className="glyph-bg" />
          <path d="M8 5.6v4M8 11.8v0.4" className="glyph-fg" />
        </>
      );
    case "draining":
      return (
        <>
          <circle cx="8" cy="8" r="7.5" className="glyph-bg" />
          <path d="M8 4.2v7M5 8.4l3 3 3-3" className="glyph-fg" />
        </>
      );
    case "unknown":
      return (
        <>
          <circle cx="8" cy="8" r="7.5" className="glyph-bg" />
          <path d="M6 6.2a2 2 0 1 1 2.9 1.8c-.6.3-.9.8-.9 1.4v.4M8 11.9v.3" className="glyph-fg" />
        </>
      );
    case "not-health-checked":
    case "not-load-balanced":
      return (
        <>
          <circle cx="8" cy="8" r="6.8" className="glyph-ring" />
          <path d="M4.8 8h6.4" className="glyph-fg" />
        </>
      );
    default:
      return <circle cx="8" cy="8" r="4" className="glyph-bg" />;
  }
}

/** The list row's badge: "Unhealthy · Compute API" with the signal named. */
export function ServiceHealthBadge({ summary }: { summary: Pick<ServiceSummary, "health" | "healthSignal"> }) {
  const text = healthBadgeText(summary);
  return (
    <span className={`badge tone-${summary.health}`} title={`Load balancer health: ${text}`}>
      <ToneIcon tone={summary.health} size={12} />
      <span>{text}</span>
    </span>
  );
}

/** One health value (a pod's endpoint on one port): state, signal and, on hover, its caveat. */
export function HealthValueBadge({ value }: { value: HealthValue }) {
  const title = [
    `${healthStateLabel[value.state]} (${signalLabel[value.signal]}${value.raw !== null ? `: ${value.raw}` : ""})`,
    value.detail,
    value.caveat ? `Caveat: ${value.caveat}` : null,
  ]
    .filter(Boolean)
    .join("\n");
  return (
    <span className={`badge tone-${value.state}${value.signal !== "compute-api" ? " weak" : ""}`} title={title}>
      <ToneIcon tone={value.state} size={12} />
      <span>
        {healthStateLabel[value.state]} · {signalLabel[value.signal]}
      </span>
    </span>
  );
}

export function SeverityIcon({ severity, size = 16 }: { severity: Severity; size?: number }) {
  const tone: Tone = severity === "error" ? "unhealthy" : severity === "warning" ? "at-risk" : "neutral";
  if (severity === "info") {
    return (
      <svg className="tone-icon tone-info" width={size} height={size} viewBox="0 0 16 16" aria-hidden="true" focusable="false">
        <circle cx="8" cy="8" r="7.5" className="glyph-bg" />
        <path d="M8 7.2v4.4M8 4.4v.4" className="glyph-fg" />
      </svg>
    );
  }
  return <ToneIcon tone={tone} size={size} />;
}
