// readinessProbe inference (gke-neg.md §4): when GKE first CREATES an Ingress NEG health check it
// copies some fields of the serving container's readinessProbe from the first pod. It never reads the
// probe again, so the model also compares that pod with the workload's current template.
import type { ProbeDifference, ProbeSummary } from "../contract/model.ts";
import type { AppProtocol } from "./annotations.ts";
import type { Container, TargetPort } from "./pods.ts";
import { byCreationThenName, isAgentContainer, isTerminating, withoutAgent } from "./pods.ts";
import type { Pod } from "./snapshot.ts";

type Probe = NonNullable<Container["readinessProbe"]>;

/** Kubernetes API defaults, present in every stored pod (kubectl shows them). */
const DEFAULT_TIMEOUT_SECONDS = 1;
const DEFAULT_PERIOD_SECONDS = 10;

/** The fields GKE would copy from an httpGet probe, or null for other probe kinds. */
export function summarizeProbe(container: string, probe: Probe | undefined): ProbeSummary | null {
  const get = probe?.httpGet;
  if (!probe || !get) return null;
  const hostHeader = (get.httpHeaders ?? []).find((h) => h.name === "Host")?.value;
  return {
    container,
    scheme: get.scheme ?? "HTTP",
    path: get.path ?? "",
    port: get.port,
    host: get.host || hostHeader || null,
    timeoutSeconds: probe.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
    periodSeconds: probe.periodSeconds ?? DEFAULT_PERIOD_SECONDS,
  };
}

/** gke-neg.md §4: GCE requires a leading `/`, GKE adds it. */
export function healthCheckPath(probePath: string): string {
  return probePath.startsWith("/") ? probePath : `/${probePath}`;
}

/** gke-neg.md §4: HTTP→HTTP, HTTPS→HTTPS, HTTP2→HTTPS. */
export function probeSchemeFor(protocol: AppProtocol): "HTTP" | "HTTPS" {
  return protocol === "HTTP" ? "HTTP" : "HTTPS";
}

export interface ProbeInference {
  pod: Pod | null;
  container: string | null;
  probe: ProbeSummary | null;
  skippedReason: string | null;
}

/** Why this container's probe cannot be copied (null: it can), gke-neg.md §4 rule by rule. */
export function probeRejection(
  container: Container,
  port: { name?: string; containerPort: number },
  protocol: AppProtocol,
): string | null {
  const probe = container.readinessProbe;
  if (!probe) return `container "${container.name}" has no readinessProbe`;
  const get = probe.httpGet;
  if (!get) return `the readinessProbe of "${container.name}" is not httpGet (only httpGet probes are copied)`;
  if (get.host) return `the readinessProbe sets host "${get.host}" (probes with a host are not copied)`;
  const headers = get.httpHeaders ?? [];
  if (headers.length > 1 || (headers.length === 1 && headers[0]!.name !== "Host")) {
    return "the readinessProbe sends headers other than a single Host header";
  }
  const scheme = get.scheme ?? "HTTP";
  const want = probeSchemeFor(protocol);
  if (scheme !== want) {
    return `the readinessProbe scheme is ${scheme} but the app protocol ${protocol} needs ${want}`;
  }
  const pp = get.port;
  const samePort = typeof pp === "number" || /^\d+$/.test(String(pp)) ? Number(pp) === port.containerPort : pp === port.name;
  if (!samePort) {
    return `the readinessProbe checks port ${String(pp)}, not the serving port ${port.name ?? port.containerPort} (${port.containerPort})`;
  }
  return null;
}

/**
 * gke-neg.md §4: the first pod (by creation time, then name; terminating pods skipped) of the
 * Service's selector; in it, the container declaring the targetPort (number = containerPort, name =
 * port name). Computed on the pod as it was before any traffic-agent (telepresence.md §4): the check
 * was almost always created before the intercept.
 */
export function inferFromProbe(pods: readonly Pod[], target: TargetPort, protocol: AppProtocol): ProbeInference {
  const first = [...pods].filter((p) => !isTerminating(p)).sort(byCreationThenName)[0];
  if (!first) return { pod: null, container: null, probe: null, skippedReason: "no running pod matches the Service's selector" };
  const pod = withoutAgent(first);
  for (const c of pod.spec?.containers ?? []) {
    if (isAgentContainer(c)) continue;
    const port = (c.ports ?? []).find((p) => (target.kind === "number" ? p.containerPort === target.value : p.name === target.value));
    if (!port) continue;
    const rejection = probeRejection(c, { name: port.name, containerPort: port.containerPort }, protocol);
    return {
      pod: first,
      container: c.name,
      probe: rejection ? null : summarizeProbe(c.name, c.readinessProbe),
      skippedReason: rejection,
    };
  }
  return {
    pod: first,
    container: null,
    probe: null,
    skippedReason: `no container of pod "${first.metadata?.name}" declares the targetPort ${String(target.value)}`,
  };
}

/** Differences between two probe summaries in the fields GKE copies (plus scheme/port that gate it). */
export function probeDifferences(atCreation: ProbeSummary | null, now: ProbeSummary | null): ProbeDifference[] {
  if (!atCreation && !now) return [];
  if (!atCreation || !now) {
    return [{ field: "probe", atCreation: atCreation ? "httpGet" : "none", now: now ? "httpGet" : "none" }];
  }
  const out: ProbeDifference[] = [];
  const fields = ["path", "host", "timeoutSeconds", "periodSeconds", "scheme", "port"] as const;
  for (const f of fields) {
    if (atCreation[f] !== now[f]) out.push({ field: f, atCreation: atCreation[f], now: now[f] });
  }
  return out;
}
