// What a user sees before anything changes: a YAML diff per object and the kubectl commands that make
// exactly the same change (same guarded JSON patch), so the plan can be reviewed or run by hand.
import { createTwoFilesPatch } from "diff";
import type { Operation } from "fast-json-patch";
import { stringify } from "yaml";
import { cleanForDisplay } from "./guards.ts";
import type { KubeObject, ObjectKey } from "./types.ts";

/** kubectl's resource argument for each kind (fully qualified for custom kinds, so no short-name clash). */
export const KUBECTL_RESOURCE: Record<ObjectKey["kind"], string> = {
  Deployment: "deployment",
  Service: "service",
  BackendConfig: "backendconfigs.cloud.google.com",
  HealthCheckPolicy: "healthcheckpolicies.networking.gke.io",
};

export function toYaml(obj: KubeObject | null): string {
  const clean = cleanForDisplay(obj);
  return clean ? stringify(clean, { lineWidth: 0 }) : "";
}

export function yamlDiff(key: ObjectKey, before: KubeObject | null, after: KubeObject): string {
  const file = `${key.kind.toLowerCase()}/${key.namespace}/${key.name}.yaml`;
  return createTwoFilesPatch(before ? `a/${file}` : "/dev/null", `b/${file}`, toYaml(before), toYaml(after), undefined, undefined, { context: 4 });
}

/** POSIX shell single-quoting. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function kubectlBase(context: string | null, namespace: string): string {
  return `kubectl${context ? ` --context ${shellQuote(context)}` : ""} -n ${shellQuote(namespace)}`;
}

export function kubectlPatch(context: string | null, key: ObjectKey, patch: Operation[]): string {
  return `${kubectlBase(context, key.namespace)} patch ${KUBECTL_RESOURCE[key.kind]} ${shellQuote(key.name)} --type=json -p ${shellQuote(JSON.stringify(patch))}`;
}

export function kubectlCreate(context: string | null, key: ObjectKey, after: KubeObject): string {
  // A quoted here-document: the shell expands nothing inside it.
  return `${kubectlBase(context, key.namespace)} apply -f - <<'EOF'\n${toYaml(after)}EOF`;
}

export function kubectlRolloutStatus(context: string | null, namespace: string, deployment: string): string {
  return `${kubectlBase(context, namespace)} rollout status deployment/${shellQuote(deployment)}`;
}
