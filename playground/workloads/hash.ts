// Names the way kube-controller-manager makes them: pod-template-hash (fnv32a of the template, then
// SafeEncodeString) and the 5-character random suffix of generated pod names.
import { randomInt } from "node:crypto";
import type { PodTemplate } from "./types.ts";

/** k8s.io/apimachinery/pkg/util/rand: no vowels, no 0/1/3 (avoids words and look-alikes). */
const ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789";

export function safeEncode(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) out += ALPHANUMS[s.charCodeAt(i) % ALPHANUMS.length];
  return out;
}

export function randomSuffix(n = 5): string {
  let out = "";
  for (let i = 0; i < n; i++) out += ALPHANUMS[randomInt(ALPHANUMS.length)];
  return out;
}

export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) => {
    if (val && typeof val === "object" && !Array.isArray(val)) {
      return Object.fromEntries(Object.entries(val as Record<string, unknown>)
        .filter(([, x]) => x !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return val;
  });
}

function fnv32a(s: string): number {
  let h = 0x811c9dc5;
  const bytes = Buffer.from(s, "utf8");
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The template without the pod-template-hash label (what "same template" means, EqualIgnoreHash). */
export function templateIdentity(template: PodTemplate): string {
  const labels = { ...(template.metadata?.labels ?? {}) };
  delete labels["pod-template-hash"];
  return canonicalJson({ ...template, metadata: { ...(template.metadata ?? {}), labels } });
}

export function podTemplateHash(template: PodTemplate, collisionCount = 0): string {
  return safeEncode(String(fnv32a(templateIdentity(template) + (collisionCount ? String(collisionCount) : ""))));
}
