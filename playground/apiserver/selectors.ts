// Label and field selectors with the syntax of the Kubernetes API (apimachinery labels/fields).
import { ClusterError } from "../cluster/client.ts";

export type Requirement =
  | { key: string; op: "=" | "!="; value: string }
  | { key: string; op: "in" | "notin"; values: string[] }
  | { key: string; op: "exists" | "!exists" };

export type Matcher = (obj: unknown) => boolean;

function badRequest(message: string): ClusterError {
  return new ClusterError(400, "BadRequest", message);
}

/** Splits on commas that are not inside parentheses (`a in (x,y),b=c`). */
function splitTop(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of selector) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

export function parseLabelSelector(selector: string | undefined): Requirement[] {
  if (!selector) return [];
  return splitTop(selector).map((part) => {
    let m = /^(!)?\s*([^\s!=()]+)$/.exec(part);
    if (m) return checked({ key: m[2]!, op: m[1] ? "!exists" : "exists" });
    m = /^([^\s!=()]+)\s*(==|=|!=)\s*([^\s,()]*)$/.exec(part);
    if (m) return checked({ key: m[1]!, op: m[2] === "!=" ? "!=" : "=", value: m[3]! });
    m = /^([^\s!=()]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
    if (m) {
      const values = m[3]!.split(",").map((v) => v.trim()).filter((v) => v !== "");
      return checked({ key: m[1]!, op: m[2] as "in" | "notin", values });
    }
    throw badRequest(`unable to parse requirement: found '${part}', expected: '=', '!=', '==', 'in', notin'`);
  });
}

function checked(r: Requirement): Requirement {
  if (!LABEL_KEY.test(r.key) || r.key.length > 317) throw badRequest(`unable to parse requirement: invalid label key "${r.key}"`);
  const values = r.op === "=" || r.op === "!=" ? [r.value] : r.op === "in" || r.op === "notin" ? r.values : [];
  for (const v of values) {
    if (!LABEL_VALUE.test(v) || v.length > 63) throw badRequest(`unable to parse requirement: invalid label value: "${v}"`);
  }
  return r;
}

export function matchesRequirements(labels: Record<string, string> | undefined, reqs: Requirement[]): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case "=": return has && v === r.value;
      case "!=": return !has || v !== r.value;
      case "in": return has && r.values.includes(v!);
      case "notin": return !has || !r.values.includes(v!);
      case "exists": return has;
      case "!exists": return !has;
    }
  });
}

export interface FieldRequirement {
  path: string[];
  op: "=" | "!=";
  value: string;
}

export function parseFieldSelector(selector: string | undefined): FieldRequirement[] {
  if (!selector) return [];
  return splitTop(selector).map((part) => {
    const m = /^([^!=]+?)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!m) throw badRequest(`invalid selector: '${selector}'; can't understand '${part}'`);
    return { path: m[1]!.trim().split("."), op: m[2] === "!=" ? "!=" : "=", value: m[3]!.trim() };
  });
}

/** Any dotted path works; a missing field compares as "" (as the real field sets do for e.g. spec.nodeName). */
export function fieldValue(obj: unknown, path: string[]): string {
  let cur: unknown = obj;
  for (const p of path) {
    if (cur === null || typeof cur !== "object") return "";
    cur = (cur as Record<string, unknown>)[p];
  }
  if (cur === undefined || cur === null) return "";
  return typeof cur === "object" ? JSON.stringify(cur) : String(cur);
}

export function matchesFields(obj: unknown, reqs: FieldRequirement[]): boolean {
  return reqs.every((r) => (fieldValue(obj, r.path) === r.value) === (r.op === "="));
}

export function compileSelectors(labelSelector: string | undefined, fieldSelector: string | undefined): Matcher {
  const labels = parseLabelSelector(labelSelector);
  const fields = parseFieldSelector(fieldSelector);
  if (labels.length === 0 && fields.length === 0) return () => true;
  return (obj) => {
    const meta = (obj as { metadata?: { labels?: Record<string, string> } }).metadata;
    return matchesRequirements(meta?.labels, labels) && matchesFields(obj, fields);
  };
}

/** A `matchLabels`/`matchExpressions` LabelSelector object (Deployment, ReplicaSet) as a matcher on labels. */
export function labelSelectorObjectMatches(
  selector: { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> } | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!selector) return false;
  const reqs: Requirement[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) reqs.push({ key, op: "=", value });
  for (const e of selector.matchExpressions ?? []) {
    const op = e.operator;
    if (op === "In") reqs.push({ key: e.key, op: "in", values: e.values ?? [] });
    else if (op === "NotIn") reqs.push({ key: e.key, op: "notin", values: e.values ?? [] });
    else if (op === "Exists") reqs.push({ key: e.key, op: "exists" });
    else if (op === "DoesNotExist") reqs.push({ key: e.key, op: "!exists" });
  }
  return matchesRequirements(labels, reqs);
}
