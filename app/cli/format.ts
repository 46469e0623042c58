// Human output of the CLI: plain text tables and the findings as the UI words them (same titles,
// explanations and fixes: they come from the core, never recomputed here).
import type { ContextsView, ServiceDetail, ServicesState, ServiceSummary } from "../contract/api.ts";
import type { ErrorValue } from "../contract/errors.ts";

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd()).join("\n") + "\n";
}

export function formatError(error: ErrorValue): string {
  return `switchboard: ${error.message} [${error.code}]\n${error.hint ? `hint: ${error.hint}\n` : ""}`;
}

export function formatContexts(view: ContextsView): string {
  const rows = [["CURRENT", "NAME", "CLUSTER", "AUTH", "NAMESPACE"]];
  for (const c of view.contexts) {
    rows.push([c.name === view.currentContext ? "*" : "", c.label ? `${c.name} (${c.label})` : c.name, c.gke ? `GKE ${c.gke.cluster}` : c.cluster, c.authKind, c.namespace ?? ""]);
  }
  const problems = view.problems.map((p) => `warning: ${p.message}${p.hint ? ` (${p.hint})` : ""}\n`).join("");
  return (view.contexts.length ? table(rows) : "No contexts.\n") + problems;
}

export function healthText(s: Pick<ServiceSummary, "health" | "healthSignal">): string {
  return s.health === "not-load-balanced" || s.healthSignal === "none" ? s.health : `${s.health} (${s.healthSignal})`;
}

export function formatStatus(state: ServicesState): string {
  const rows = [["NAME", "HEALTH", "EXPOSURE", "PODS", "FINDINGS", "TOP FINDING"]];
  for (const s of state.services) {
    const f = s.findings;
    rows.push([
      s.name + (s.intercepted ? " (intercepted)" : ""),
      healthText(s),
      s.exposure,
      `${s.pods.ready}/${s.pods.total}`,
      `${f.error}E ${f.warning}W ${f.info}I`,
      s.topFinding ?? "",
    ]);
  }
  const head = `Context ${state.context}, namespace ${state.namespace}\nHealth: ${state.healthSource.reason}\n`;
  const kinds = state.unavailableKinds.map((k) => `note: ${k.kind} ${k.reason === "forbidden" ? "cannot be read (RBAC)" : "is not installed"}\n`).join("");
  return `${head}${kinds}\n${state.services.length ? table(rows) : "No services.\n"}`;
}

export function formatDetail(d: ServiceDetail): string {
  const s = d.summary;
  const out = [
    `${s.namespace}/${s.name}: ${healthText(s)}, ${s.exposure}, pods ${s.pods.ready}/${s.pods.total} ready${s.intercepted ? ", intercepted" : ""}`,
    `Health: ${d.healthSource.reason}`,
    "",
  ];
  if (d.findings.length === 0) out.push("No findings.");
  for (const f of d.findings) {
    out.push(`${f.severity.toUpperCase()} ${f.id}${f.port ? ` (port ${f.port})` : ""}: ${f.title}`);
    out.push(`  ${f.explanation}`);
    for (const fix of f.fixes) out.push(`  fix: ${fix.title} — ${fix.description}`);
    if (f.references.length) out.push(`  see: ${f.references.join(", ")}`);
    out.push("");
  }
  if (d.timeline.length) {
    out.push("Recent health events (newest first):");
    for (const e of d.timeline.slice(0, 10)) out.push(`  ${e.time}  ${e.type.padEnd(7)} ${e.object}  ${e.reason}: ${e.message} (${e.source})`);
  }
  return `${out.join("\n").trimEnd()}\n`;
}
