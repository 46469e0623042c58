// The diagnosis rules: pure functions from one service view (plus the Telepresence facts and the
// namespace's events) to findings a newcomer can act on. Each rule cites where its facts come from.
import type {
  Evidence,
  Finding,
  Fix,
  HealthCheckView,
  JsonValue,
  ObjectRef,
  PortView,
  ReachView,
  ServiceView,
  Severity,
  TelepresenceView,
} from "../contract/model.ts";
import { SUPPORTED_BACKENDCONFIG_TYPES } from "../gke/healthcheck.ts";
import type { InterceptFact, KubeEvent } from "../gke/snapshot.ts";
import { dispositionName, HTTP_FILTER_MIN_VERSION } from "../gke/telepresence-facts.ts";

export interface DiagnosisContext {
  telepresence: TelepresenceView;
  /** Intercepts as Telepresence reports them (all namespaces; rules filter). */
  intercepts: readonly InterceptFact[];
  /** Events of the Service's namespace. */
  events: readonly KubeEvent[];
}

type Rule = (svc: ServiceView, ctx: DiagnosisContext) => Finding[];

// ---------------------------------------------------------------------------------------------
// Helpers

function serviceRef(svc: ServiceView): ObjectRef {
  return { kind: "Service", namespace: svc.namespace, name: svc.name };
}

function finding(
  svc: ServiceView | null,
  id: string,
  severity: Severity,
  parts: { port?: string | null; subject?: string; title: string; explanation: string; evidence: Evidence[]; fixes?: Fix[]; references: string[] },
): Finding {
  const port = parts.port ?? null;
  return {
    id,
    key: [id, svc ? svc.key : "cluster", port ?? "", parts.subject ?? ""].join("|"),
    severity,
    title: parts.title,
    explanation: parts.explanation,
    service: svc ? serviceRef(svc) : null,
    port,
    evidence: parts.evidence,
    fixes: parts.fixes ?? [],
    references: parts.references,
  };
}

function portIndex(svc: ServiceView, port: PortView): number {
  return svc.ports.findIndex((p) => p.key === port.key);
}

function targetPortEvidence(svc: ServiceView, port: PortView): Evidence {
  return { object: serviceRef(svc), path: `spec.ports[${portIndex(svc, port)}].targetPort`, value: port.serving.targetPort.value };
}

/** Where a health-check field's value comes from, as evidence. */
function fieldEvidence(svc: ServiceView, hc: HealthCheckView, field: keyof HealthCheckView & string, bcField: string): Evidence {
  const f = hc[field] as { value: JsonValue; source: string };
  if (f.source === "backendconfig" && hc.configuredBy) return { object: hc.configuredBy, path: `spec.healthCheck.${bcField}`, value: f.value };
  if (f.source === "health-check-policy" && hc.configuredBy) return { object: hc.configuredBy, path: `spec.default.${bcField}`, value: f.value };
  if (f.source === "readiness-probe" && hc.inference?.pod && hc.inference.probe) {
    const probeField = ({ checkIntervalSec: "periodSeconds", timeoutSec: "timeoutSeconds", requestPath: "httpGet.path", host: "httpGet.host" } as Record<string, string>)[field] ?? field;
    return {
      object: { kind: "Pod", namespace: svc.namespace, name: hc.inference.pod },
      path: `spec.containers[name=${hc.inference.probe.container}].readinessProbe.${probeField}`,
      value: f.value,
    };
  }
  return { object: serviceRef(svc), path: `(GKE ${f.source === "default" ? "default" : f.source}) healthCheck.${bcField}`, value: f.value };
}

/** Why the check uses the port it uses: the BackendConfig/policy field, or its absence. */
function portSpecEvidence(svc: ServiceView, port: PortView, hc: HealthCheckView): Evidence {
  if (hc.via === "gateway") {
    return hc.configuredBy
      ? { object: hc.configuredBy, path: "spec.default.config.httpHealthCheck.portSpecification", value: hc.portSpecification.source === "health-check-policy" ? hc.portSpecification.value : null }
      : { object: serviceRef(svc), path: "(no HealthCheckPolicy targets this Service)", value: null };
  }
  if (hc.via === "ingress" && port.backendConfig?.found) {
    return { object: { kind: "BackendConfig", namespace: svc.namespace, name: port.backendConfig.name }, path: "spec.healthCheck.port", value: hc.port.source === "backendconfig" ? hc.port.value : null };
  }
  return { object: serviceRef(svc), path: 'metadata.annotations["cloud.google.com/backend-config"]', value: port.backendConfig?.name ?? null };
}

function describeReach(r: ReachView): string {
  return r.explanation;
}

/** The object a health-check fix edits: the BackendConfig (Ingress) or HealthCheckPolicy (Gateway). */
function configTarget(svc: ServiceView, port: PortView, hc: HealthCheckView): { kind: string; name: string; exists: boolean; strategy: "edit-backendconfig" | "create-backendconfig" | "edit-healthcheckpolicy" } {
  if (hc.via === "gateway") {
    const name = hc.configuredBy?.name ?? `${svc.name}-health`;
    return { kind: "HealthCheckPolicy", name, exists: hc.configuredBy !== null, strategy: "edit-healthcheckpolicy" };
  }
  const name = port.backendConfig?.name ?? `${svc.name}-backendconfig`;
  const exists = port.backendConfig?.found ?? false;
  return { kind: "BackendConfig", name, exists, strategy: exists ? "edit-backendconfig" : "create-backendconfig" };
}

/** " (create it and name it in the Service's annotation)" when the object does not exist yet. */
function createNote(target: { kind: string; exists: boolean }): string {
  if (target.exists) return "";
  return target.kind === "BackendConfig"
    ? " (create it, and name it in the Service's cloud.google.com/backend-config annotation)"
    : " (create it with targetRef to this Service)";
}

function portSetting(hc: HealthCheckView, port: number): string {
  return hc.via === "gateway"
    ? `spec.default.config.httpHealthCheck {portSpecification: USE_FIXED_PORT, port: ${port}}`
    : `spec.healthCheck.port: ${port}`;
}

// ---------------------------------------------------------------------------------------------
// health-check-hits-intercepted-port (telepresence.md §5, gke-neg.md §10)

function interceptFixes(svc: ServiceView, port: PortView, hc: HealthCheckView, ctx: DiagnosisContext, interceptPorts: string[]): Fix[] {
  const fixes: Fix[] = [];
  const tp = ctx.telepresence;
  if (tp.httpFilterSupported !== false) {
    fixes.push({
      id: "http-filtered-intercept",
      strategy: "http-filtered-intercept",
      title: "Intercept only requests with your header",
      description: `Intercept with an HTTP filter (--http-header, Telepresence ${HTTP_FILTER_MIN_VERSION}+ client and traffic-manager${tp.httpFilterSupported === null ? "; versions not known yet" : ""}): only requests carrying your header go to your laptop. The load balancer's health checks carry no such header, so the agent passes them to the app. No change to the cluster.`,
      params: { service: svc.name, namespace: svc.namespace, servicePorts: interceptPorts },
    });
  }
  const target = configTarget(svc, port, hc);
  const servingPort = port.serving.containerPort;
  if (port.serving.targetPort.kind === "name" && servingPort !== null) {
    fixes.push({
      id: "pin-serving-port",
      strategy: "pin-serving-port",
      title: `Pin the health check to port ${servingPort}`,
      description: `Set ${portSetting(hc, servingPort)} in ${target.kind} "${target.name}"${createNote(target)} so the check goes to podIP:${servingPort}. Telepresence takes over the port NAME "${port.serving.targetPort.value}" (moving it to the traffic-agent) but leaves the app's port NUMBER ${servingPort} alone, so the check keeps reaching the app directly during an intercept (telepresence.md §5 row 3). This works only because targetPort is a name: with a numeric targetPort the agent redirects the number itself (iptables), and pinning would not help.`,
      params: { kind: target.kind, name: target.name, create: !target.exists, port: servingPort, container: port.serving.container },
    });
  }
  fixes.push({
    id: "dedicated-port",
    strategy: "dedicated-port",
    title: "Check a dedicated health port of the app",
    description: `Have the app serve its health endpoint on a second port that no Service references (for example 8081), declare it as a containerPort, and set ${portSetting(hc, 8081)} in ${target.kind} "${target.name}"${createNote(target)}. Telepresence leaves ports no Service uses untouched (telepresence.md §4, §5 row 6).`,
    params: { kind: target.kind, name: target.name, create: !target.exists, container: port.serving.container },
  });
  fixes.push({
    id: "sidecar",
    strategy: "sidecar",
    title: "Add a health sidecar",
    description: `Add a small container next to the app that answers health checks on its own port (checking the app over localhost), and point ${target.kind} "${target.name}"${createNote(target)} at that port with USE_FIXED_PORT. Intercepts never touch the sidecar (telepresence.md §5 row 5; gke-neg.md §10).`,
    params: { kind: target.kind, name: target.name, create: !target.exists, workloads: svc.workloads.map((w) => `${w.kind}/${w.name}`) },
  });
  return fixes;
}

const healthCheckHitsInterceptedPort: Rule = (svc, ctx) => {
  const out: Finding[] = [];
  for (const port of svc.ports) {
    for (const hc of port.healthChecks) {
      const evidence: Evidence[] = [targetPortEvidence(svc, port)];
      evidence.push(portSpecEvidence(svc, port, hc));
      if (hc.inference?.probe && hc.requestPath.source === "readiness-probe") evidence.push(fieldEvidence(svc, hc, "requestPath", "requestPath"));
      const numericNote =
        port.serving.targetPort.kind === "number" && hc.portSpecification.value === "USE_SERVING_PORT"
          ? ` Pinning the check to port ${port.serving.targetPort.value} would not help: targetPort is a number, and Telepresence redirects that number to the agent with iptables, so a fixed port ${port.serving.targetPort.value} still reaches the agent (telepresence.md §5 row 4).`
          : "";
      const inferredNote =
        hc.source === "readiness-probe" || hc.requestPath.source === "readiness-probe"
          ? " GKE copied this check from the readinessProbe, but it keeps the serving port: kubelet's probes may still reach the app while the load balancer's checks do not."
          : "";
      const lbName = hc.via === "gateway" ? "Gateway" : hc.via === "ingress" ? "Ingress" : "load balancer";
      const hedge =
        hc.via === "standalone"
          ? " This is a standalone NEG whose health check is configured outside Kubernetes; this assumes it checks the serving port, as most do."
          : "";

      const now = hc.reachByPod.filter((r) => r.reach.toLaptop);
      if (now.length > 0) {
        for (const r of now) evidence.push({ object: { kind: "Pod", namespace: svc.namespace, name: r.pod }, path: "spec.containers[name=traffic-agent]", value: `port ${r.reach.port}` });
        out.push(
          finding(svc, "health-check-hits-intercepted-port", hc.via === "standalone" ? "warning" : "error", {
            port: port.key,
            subject: hc.via,
            title: `The ${lbName}'s health checks of ${svc.name}:${port.key} go to your laptop`,
            explanation: `${describeReach(now[0]!.reach)} If your laptop does not answer ${hc.requestPath.value ?? "the check"} like the app, the load balancer marks ${now.length === 1 ? "this pod unhealthy and stops sending it" : "these pods unhealthy and stops sending them"} traffic — for everyone, not just you. Pod readiness will not show it: the NEG readiness gate never goes back to false (gke-neg.md §1).${inferredNote}${numericNote}${hedge}`,
            evidence,
            fixes: interceptFixes(svc, port, hc, ctx, hc.whatIf.filter((w) => w.global.toLaptop).map((w) => w.interceptPort)),
            references: ["telepresence.md §5", "gke-neg.md §1", "gke-neg.md §10"],
          }),
        );
        continue;
      }
      const risky = hc.whatIf.filter((w) => w.global.toLaptop);
      if (risky.length === 0) continue;
      const portsText = risky.map((w) => w.interceptPort).join(", ");
      out.push(
        finding(svc, "health-check-hits-intercepted-port", "warning", {
          port: port.key,
          subject: hc.via,
          title: `Intercepting ${svc.name} port ${portsText} would send the ${lbName}'s health checks to your laptop`,
          explanation: `${describeReach(risky[0]!.global)} While a global intercept runs, the load balancer would judge the pods by what your laptop answers${hc.requestPath.value ? ` on ${hc.requestPath.value}` : ""}, and may take them out of service for everyone.${inferredNote}${numericNote}${hedge}`,
          evidence,
          fixes: interceptFixes(svc, port, hc, ctx, risky.map((w) => w.interceptPort)),
          references: ["telepresence.md §4", "telepresence.md §5", "gke-neg.md §4", "gke-neg.md §10"],
        }),
      );
    }
  }
  return out;
};

const httpFilteredInterceptAvailable: Rule = (svc, ctx) => {
  if (ctx.telepresence.httpFilterSupported !== true) return [];
  const out: Finding[] = [];
  for (const port of svc.ports) {
    const risky = port.healthChecks.filter((hc) => hc.whatIf.some((w) => w.global.toLaptop) || hc.reachByPod.some((r) => r.reach.toLaptop));
    if (risky.length === 0) continue;
    const hc = risky[0]!;
    const safe = hc.whatIf.find((w) => w.global.toLaptop && !w.httpFiltered.toLaptop);
    if (!safe) continue;
    out.push(
      finding(svc, "http-filtered-intercept-available", "info", {
        port: port.key,
        title: `A header-filtered intercept of ${svc.name}:${safe.interceptPort} leaves health checks alone`,
        explanation: `Your Telepresence client (${ctx.telepresence.clientVersion}) and traffic-manager (${ctx.telepresence.trafficManager.version}) support HTTP-filtered intercepts (${HTTP_FILTER_MIN_VERSION}+). With --http-header only your requests go to your laptop. ${safe.httpFiltered.explanation} Nothing in the cluster has to change.`,
        evidence: [
          { object: { kind: "Telepresence", namespace: null, name: "client" }, path: "version", value: ctx.telepresence.clientVersion },
          { object: { kind: "Service", namespace: ctx.telepresence.trafficManager.namespace, name: "traffic-manager" }, path: "version", value: ctx.telepresence.trafficManager.version },
        ],
        fixes: [
          {
            id: "http-filtered-intercept",
            strategy: "http-filtered-intercept",
            title: "Intercept with an HTTP header filter",
            description: "Start the intercept with --http-header so only requests carrying your header reach your laptop.",
            params: { service: svc.name, namespace: svc.namespace, servicePort: safe.interceptPort },
          },
        ],
        references: ["telepresence.md §2", "telepresence.md §5"],
      }),
    );
  }
  return out;
};

// ---------------------------------------------------------------------------------------------
// BackendConfig / HealthCheckPolicy configuration (gke-neg.md §3, §7)

const backendconfigPortNotContainerPort: Rule = (svc) => {
  const out: Finding[] = [];
  for (const port of svc.ports) {
    for (const hc of port.healthChecks) {
      if (hc.portSpecification.value !== "USE_FIXED_PORT" || hc.port.value === null) continue;
      if (hc.port.source !== "backendconfig" && hc.port.source !== "health-check-policy") continue;
      const fixed = hc.port.value;
      const declared = new Set(svc.pods.flatMap((p) => p.containers.flatMap((c) => c.ports.map((q) => q.containerPort))));
      const known = svc.pods.length > 0 ? declared.has(fixed) : !(hc.reachNow.reaches === "unknown" && hc.reachNow.port === fixed);
      if (known) continue;
      const servicePort = svc.ports.find((p) => p.port === fixed);
      const id = hc.via === "gateway" ? "healthcheckpolicy-port-not-container-port" : "backendconfig-port-not-container-port";
      const target = configTarget(svc, port, hc);
      out.push(
        finding(svc, id, "error", {
          port: port.key,
          subject: hc.via,
          title: `The health check of ${svc.name}:${port.key} targets port ${fixed}, where no container listens`,
          explanation: `${target.kind} "${target.name}" sets the health-check port to ${fixed}. A fixed port is sent to podIP:${fixed}, so it must be a port a container listens on (a containerPort)${servicePort ? `; ${fixed} is the Service port, which exists only on the Service's virtual IP, not on the pod` : ""}. Every check fails and the load balancer sends no traffic to these pods.`,
          evidence: [
            { object: hc.configuredBy ?? serviceRef(svc), path: hc.via === "gateway" ? "spec.default.config.httpHealthCheck.port" : "spec.healthCheck.port", value: fixed },
            ...(servicePort ? [{ object: serviceRef(svc), path: `spec.ports[${portIndex(svc, servicePort)}].port`, value: fixed }] : []),
          ],
          fixes: [
            {
              id: "use-container-port",
              strategy: target.strategy,
              title: port.serving.containerPort !== null ? `Use container port ${port.serving.containerPort}` : "Use a container port",
              description: `Set the port to a containerPort${port.serving.containerPort !== null ? ` (the serving port is ${port.serving.containerPort} of "${port.serving.container}")` : ""}, or remove it to check the serving port.`,
              params: { kind: target.kind, name: target.name, port: port.serving.containerPort },
            },
          ],
          references: ["gke-neg.md §3", "gke-neg.md §7"],
        }),
      );
    }
  }
  return out;
};

const backendconfigUnsupportedType: Rule = (svc) => {
  const out: Finding[] = [];
  for (const port of svc.ports) {
    for (const hc of port.healthChecks) {
      if (hc.via !== "ingress" || hc.type.source !== "backendconfig") continue;
      if (SUPPORTED_BACKENDCONFIG_TYPES.includes(hc.type.value)) continue;
      out.push(
        finding(svc, "backendconfig-unsupported-type", "error", {
          port: port.key,
          title: `BackendConfig "${hc.configuredBy?.name}" asks for a ${hc.type.value} health check, which GKE Ingress cannot build`,
          explanation: `The BackendConfig schema checks types only, so Kubernetes accepted type "${hc.type.value}", but the Ingress controller can only build HTTP, HTTPS or HTTP2 health checks; TCP does not exist here. The controller fails when it syncs the load balancer.`,
          evidence: [fieldEvidence(svc, hc, "type", "type")],
          fixes: [
            {
              id: "set-supported-type",
              strategy: "edit-backendconfig",
              title: `Set type to ${port.appProtocol.value}`,
              description: `Set spec.healthCheck.type to ${port.appProtocol.value} (the port's app protocol), or remove it.`,
              params: { kind: "BackendConfig", name: hc.configuredBy?.name ?? "", type: port.appProtocol.value },
            },
          ],
          references: ["gke-neg.md §3"],
        }),
      );
    }
  }
  return out;
};

const backendconfigInvalidValue: Rule = (svc) => {
  const out: Finding[] = [];
  for (const port of svc.ports) {
    for (const hc of port.healthChecks) {
      if (hc.via !== "ingress") continue;
      const bad = (["checkIntervalSec", "timeoutSec", "healthyThreshold", "unhealthyThreshold", "port"] as const).filter((k) => {
        const f = hc[k];
        return f.source === "backendconfig" && typeof f.value === "number" && (f.value <= 0 || !Number.isInteger(f.value));
      });
      if (bad.length === 0) continue;
      out.push(
        finding(svc, "backendconfig-invalid-value", "error", {
          port: port.key,
          title: `BackendConfig "${hc.configuredBy?.name}" has health-check values GCE rejects`,
          explanation: `${bad.join(", ")} must be positive integers. The BackendConfig schema has types only (no ranges), so Kubernetes accepted them, but the controller fails later.`,
          evidence: bad.map((k) => fieldEvidence(svc, hc, k, k)),
          fixes: [{ id: "fix-values", strategy: "edit-backendconfig", title: "Correct the values", description: "Use positive whole numbers.", params: { kind: "BackendConfig", name: hc.configuredBy?.name ?? "" } }],
          references: ["gke-neg.md §3"],
        }),
      );
    }
  }
  return out;
};

const healthCheckTimeoutExceedsInterval: Rule = (svc) => {
  const out: Finding[] = [];
  const label = (hc: HealthCheckView, k: "timeoutSec" | "checkIntervalSec") => {
    const f = hc[k];
    return f.source === "backendconfig"
      ? `BackendConfig "${hc.configuredBy?.name}"`
      : f.source === "health-check-policy"
        ? `HealthCheckPolicy "${hc.configuredBy?.name}"`
        : f.source === "readiness-probe"
          ? `the readinessProbe (${k === "timeoutSec" ? "timeoutSeconds" : "periodSeconds"})`
          : "GKE's default";
  };
  for (const port of svc.ports) {
    for (const hc of port.healthChecks) {
      const t = hc.timeoutSec.value;
      const i = hc.checkIntervalSec.value;
      if (t === null || i === null || t <= i) continue;
      const target = configTarget(svc, port, hc);
      out.push(
        finding(svc, "health-check-timeout-exceeds-interval", "error", {
          port: port.key,
          subject: hc.via,
          title: `Health check timeout (${t}s) is longer than its interval (${i}s)`,
          explanation: `timeoutSec ${t} comes from ${label(hc, "timeoutSec")} and checkIntervalSec ${i} from ${label(hc, "checkIntervalSec")}. Google Cloud requires the timeout to be at most the interval; nothing in Kubernetes checks it, so the change is accepted here and fails when GKE updates the health check.`,
          evidence: [fieldEvidence(svc, hc, "timeoutSec", "timeoutSec"), fieldEvidence(svc, hc, "checkIntervalSec", "checkIntervalSec")],
          fixes: [
            {
              id: "timeout-within-interval",
              strategy: target.strategy,
              title: `Set timeoutSec to ${i} or less`,
              description: `Set timeoutSec to at most ${i} (or raise checkIntervalSec to at least ${t}) in ${target.kind} "${target.name}".`,
              params: { kind: target.kind, name: target.name, timeoutSec: i },
            },
          ],
          references: ["gke-neg.md §3", "gke-neg.md §7"],
        }),
      );
    }
  }
  return out;
};

const PROBE_FIELD_TO_HC: Record<string, string[]> = {
  path: ["requestPath"],
  timeoutSeconds: ["timeoutSec"],
  periodSeconds: ["checkIntervalSec"],
  host: [],
  scheme: ["requestPath", "timeoutSec", "checkIntervalSec"],
  port: ["requestPath", "timeoutSec", "checkIntervalSec"],
  probe: ["requestPath", "timeoutSec", "checkIntervalSec"],
};

const probeChangedAfterHealthCheckCreated: Rule = (svc) => {
  const out: Finding[] = [];
  for (const port of svc.ports) {
    for (const hc of port.healthChecks) {
      const inf = hc.inference;
      if (hc.via !== "ingress" || !inf || inf.templateDiffers.length === 0) continue;
      const overridden = new Set(inf.overriddenByBackendConfig);
      const relevant = inf.templateDiffers.filter((d) => {
        const fields = PROBE_FIELD_TO_HC[d.field] ?? [];
        return fields.length === 0 || fields.some((x) => !overridden.has(x));
      });
      if (relevant.length === 0) continue;
      const changes = relevant.map((d) => `${d.field}: ${JSON.stringify(d.atCreation)} → ${JSON.stringify(d.now)}`).join("; ");
      const target = configTarget(svc, port, hc);
      const want = inf.templateProbe;
      out.push(
        finding(svc, "probe-changed-after-health-check-created", "warning", {
          port: port.key,
          title: `The readinessProbe changed, but the load balancer's health check did not`,
          explanation: `GKE copies the readinessProbe into the health check only when it CREATES the check, from the first pod (oldest: "${inf.pod}"). The workload's template has changed since (${changes}), and GKE never reads the probe again: the load balancer keeps checking the old values while kubelet uses the new ones.`,
          evidence: [
            { object: { kind: "Pod", namespace: svc.namespace, name: inf.pod ?? "" }, path: `spec.containers[name=${inf.probe?.container ?? want?.container ?? "?"}].readinessProbe`, value: (inf.probe as unknown as JsonValue) ?? null },
            { object: { kind: "Deployment", namespace: svc.namespace, name: svc.workloads.find((w) => w.kind === "Deployment")?.name ?? "" }, path: `spec.template.spec.containers[name=${want?.container ?? "?"}].readinessProbe`, value: (want as unknown as JsonValue) ?? null },
          ],
          fixes: [
            {
              id: "set-health-check-explicitly",
              strategy: target.strategy,
              title: "Set the health check in a BackendConfig",
              description: `Write the values you want into ${target.kind} "${target.name}"${createNote(target)} spec.healthCheck${want ? ` (requestPath ${want.path.startsWith("/") ? want.path : `/${want.path}`}, checkIntervalSec ${want.periodSeconds}, timeoutSec ${Math.min(want.timeoutSeconds, want.periodSeconds)})` : ""}; BackendConfig fields always win and apply at once.`,
              params: {
                kind: target.kind,
                name: target.name,
                create: !target.exists,
                ...(want ? { requestPath: want.path.startsWith("/") ? want.path : `/${want.path}`, checkIntervalSec: want.periodSeconds, timeoutSec: Math.min(want.timeoutSeconds, want.periodSeconds) } : {}),
              },
            },
          ],
          references: ["gke-neg.md §4"],
        }),
      );
    }
  }
  return out;
};

const healthcheckpolicyPortRules: Rule = (svc) => {
  const out: Finding[] = [];
  for (const port of svc.ports) {
    for (const p of port.problems) {
      if (!p.code.startsWith("healthcheckpolicy-")) continue;
      const needsFixed = p.code === "healthcheckpolicy-port-needs-fixed-port";
      const policy = p.evidence[0]?.object;
      const fixedPort = p.evidence.find((e) => e.path.endsWith(".port"))?.value;
      out.push(
        finding(svc, needsFixed ? "healthcheckpolicy-port-needs-fixed-port" : "healthcheckpolicy-invalid-port", "error", {
          port: port.key,
          subject: p.evidence.map((e) => e.path).join(","),
          title: needsFixed ? `HealthCheckPolicy "${policy?.name}" sets a port without USE_FIXED_PORT` : `HealthCheckPolicy "${policy?.name}" has an incomplete port specification`,
          explanation: `${p.message} USE_FIXED_PORT needs port, USE_NAMED_PORT needs portName, and USE_SERVING_PORT (or none) allows neither; the API server or the Gateway controller rejects anything else, so the check does not move where you meant.`,
          evidence: p.evidence,
          fixes: [
            {
              id: "set-port-specification",
              strategy: "edit-healthcheckpolicy",
              title: needsFixed ? "Add portSpecification: USE_FIXED_PORT" : "Complete the port specification",
              description: needsFixed ? `Set portSpecification: USE_FIXED_PORT next to port ${String(fixedPort)}.` : "Add the missing port or portName, or use USE_SERVING_PORT.",
              params: { kind: "HealthCheckPolicy", name: policy?.name ?? "", portSpecification: needsFixed ? "USE_FIXED_PORT" : null, port: typeof fixedPort === "number" ? fixedPort : null },
            },
          ],
          references: ["gke-neg.md §7"],
        }),
      );
    }
  }
  return out;
};

// ---------------------------------------------------------------------------------------------
// NEGs, annotations, BackendConfig references (gke-neg.md §2, §6)

const negAnnotationMissing: Rule = (svc) => {
  const out: Finding[] = [];
  for (const port of svc.ports) {
    const ingress = port.healthChecks.find((h) => h.via === "ingress");
    if (!ingress || port.neg.mode !== "none" || port.neg.names.length > 0 || port.neg.annotation === "invalid") continue;
    out.push(
      finding(svc, "neg-annotation-missing", "warning", {
        port: port.key,
        title: `Ingress traffic to ${svc.name}:${port.key} does not use NEGs`,
        explanation: `${ingress.usedBy.map((o) => `Ingress "${o.name}"`).join(", ")} sends traffic to this port, but the Service has no cloud.google.com/neg annotation asking for Ingress NEGs and GKE reports no neg-status. Without NEGs the load balancer goes through node ports (instance groups) instead of straight to the pods, and there is no per-pod health or readiness gate. (On VPC-native clusters GKE usually adds the annotation itself; here it did not.)`,
        evidence: [
          { object: serviceRef(svc), path: 'metadata.annotations["cloud.google.com/neg"]', value: null },
          { object: serviceRef(svc), path: 'metadata.annotations["cloud.google.com/neg-status"]', value: null },
          ...ingress.usedBy.map((o) => ({ object: o, path: "spec", value: `backend ${svc.name}:${port.key}` })),
        ],
        fixes: [
          {
            id: "add-neg-annotation",
            strategy: "add-neg-annotation",
            title: "Enable container-native load balancing",
            description: 'Annotate the Service with cloud.google.com/neg: {"ingress": true}.',
            params: { annotation: "cloud.google.com/neg", value: '{"ingress": true}' },
          },
        ],
        references: ["gke-neg.md §2"],
      }),
    );
  }
  return out;
};

/** Problems the model found, surfaced as findings with the problem's code as id. */
const modelProblems: Rule = (svc) => {
  const out: Finding[] = [];
  const severity: Record<string, Severity> = {
    "neg-annotation-invalid": "error",
    "neg-status-invalid": "warning",
    "backendconfig-annotation-invalid": "error",
    "app-protocols-invalid": "error",
    "backendconfig-missing": "error",
    "backendconfig-crd-not-installed": "warning",
  };
  const titles: Record<string, string> = {
    "neg-annotation-invalid": "The NEG annotation is invalid",
    "neg-status-invalid": "GKE's neg-status annotation cannot be read",
    "backendconfig-annotation-invalid": "The BackendConfig annotation is not valid JSON",
    "app-protocols-invalid": "The app-protocols annotation is not valid JSON",
    "backendconfig-missing": "The Service names a BackendConfig that does not exist",
    "backendconfig-crd-not-installed": "BackendConfig is not installed in this cluster",
  };
  const seen = new Set<string>();
  const emit = (p: (typeof svc.problems)[number], port: string | null) => {
    if (!severity[p.code]) return;
    const key = `${p.code}|${p.message}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(
      finding(svc, p.code, severity[p.code]!, {
        port,
        subject: p.message,
        title: titles[p.code]!,
        explanation: p.message,
        evidence: p.evidence,
        fixes: [
          {
            id: "edit-annotation",
            strategy: p.code.startsWith("backendconfig-") ? "edit-backendconfig" : "investigate",
            title: p.code === "backendconfig-missing" ? "Create the BackendConfig or fix the name" : "Fix the annotation",
            description: p.code === "backendconfig-missing" ? "Create the BackendConfig in the Service's namespace, or correct the name in the annotation." : "Correct the annotation's JSON.",
            params: {},
          },
        ],
        references: ["gke-neg.md §2", "gke-neg.md §3"],
      }),
    );
  };
  for (const p of svc.problems) emit(p, null);
  for (const port of svc.ports) for (const p of port.problems) emit(p, port.key);
  return out;
};

const negSyncFailed: Rule = (svc) => {
  const out: Finding[] = [];
  for (const port of svc.ports) {
    for (const s of port.neg.svcnegs ?? []) {
      for (const c of [s.initialized, s.synced]) {
        if (!c || c.status !== "False") continue;
        out.push(
          finding(svc, "neg-sync-failed", "error", {
            port: port.key,
            subject: `${s.name}/${c.type}`,
            title: `NEG "${s.name}" ${c.type === "Synced" ? "fails to sync" : "failed to initialise"}`,
            explanation: `The NEG controller reports ${c.type}=False (${c.reason ?? "no reason"}): ${c.message ?? ""}. Endpoints of this port may be missing from the load balancer.`,
            evidence: [{ object: { kind: "ServiceNetworkEndpointGroup", namespace: svc.namespace, name: s.name }, path: `status.conditions[type=${c.type}]`, value: { status: c.status, reason: c.reason, message: c.message } }],
            fixes: [{ id: "investigate", strategy: "investigate", title: "Read the NEG controller's events", description: "Look at the Service's neg-controller events (SyncNetworkEndpointGroupFailed, AttachFailed) for the cause.", params: {} }],
            references: ["gke-neg.md §5", "gke-neg.md §6"],
          }),
        );
      }
    }
  }
  return out;
};

/**
 * gke-neg.md §2, §5: GKE's controllers report their failures as Warning events — neg-controller on the
 * Service (AttachFailed, DetachFailed, SyncNetworkEndpointGroupFailed, ProcessServiceFailed) and
 * loadbalancer-controller on the Ingress (Sync "Error syncing to GCP", Translate "Translation failed").
 */
const LB_FAILURE_REASONS = new Set(["AttachFailed", "DetachFailed", "SyncNetworkEndpointGroupFailed", "ProcessServiceFailed", "Sync", "Translate"]);

const loadBalancerSyncFailed: Rule = (svc, ctx) => {
  const ingresses = new Set(svc.exposure.ingresses.map((i) => i.name));
  const relevant = ctx.events.filter((e) => {
    if (e.type !== "Warning" || !LB_FAILURE_REASONS.has(e.reason ?? "")) return false;
    const o = e.involvedObject;
    return (o?.kind === "Service" && o.name === svc.name) || (o?.kind === "Ingress" && ingresses.has(o.name ?? ""));
  });
  if (relevant.length === 0) return [];
  const latest = new Map<string, KubeEvent>();
  for (const e of relevant) latest.set(`${e.involvedObject?.kind}/${e.involvedObject?.name}/${e.reason}`, e);
  return [...latest.values()].map((e) =>
    finding(svc, "load-balancer-sync-failed", "error", {
      subject: `${e.involvedObject?.kind}/${e.involvedObject?.name}/${e.reason}`,
      title: `GKE could not apply the load balancer configuration (${e.reason} on ${e.involvedObject?.kind} ${e.involvedObject?.name})`,
      explanation: `GKE's controller reported: "${e.message ?? ""}". Until this is fixed, changes to the health check or NEG endpoints of ${svc.name} may not reach Google Cloud.`,
      evidence: [{ object: { kind: e.involvedObject?.kind ?? "", namespace: svc.namespace, name: e.involvedObject?.name ?? "" }, path: `events[reason=${e.reason}].message`, value: e.message ?? "" }],
      fixes: [{ id: "investigate", strategy: "investigate", title: "Fix what the event names", description: "The message names the failing object or field; correct it and GKE retries on its own.", params: {} }],
      references: ["gke-neg.md §2", "gke-neg.md §5"],
    }),
  );
};

// ---------------------------------------------------------------------------------------------
// Pod health (gke-neg.md §1, §5, §8)

const readinessGateNotReady: Rule = (svc) => {
  const out: Finding[] = [];
  const waiting = svc.pods.filter((p) => !p.terminating && p.readinessGate.present && !p.readinessGate.ready);
  if (waiting.length > 0) {
    out.push(
      finding(svc, "readiness-gate-not-ready", "warning", {
        title: `${waiting.length} pod${waiting.length === 1 ? "" : "s"} of ${svc.name} wait for the load balancer to see them healthy`,
        explanation: `GKE holds these pods not Ready until the load balancer's health check passes once (NEG readiness gate, reason LoadBalancerNegNotReady; an empty status means not ready). A rollout waits for them. If the check cannot pass — wrong port or path, or checks going to a laptop — GKE gives up after 10 minutes and marks them ready anyway.`,
        evidence: waiting.map((p) => ({
          object: { kind: "Pod", namespace: svc.namespace, name: p.name },
          path: 'status.conditions[type="cloud.google.com/load-balancer-neg-ready"]',
          value: { status: p.readinessGate.status, reason: p.readinessGate.reason, message: p.readinessGate.message },
        })),
        fixes: [
          { id: "check-health-check", strategy: "investigate", title: "Check what the health check reaches", description: "Compare the health check's port and path with what the app answers; see the health-check view of each port.", params: {} },
        ],
        references: ["gke-neg.md §1", "gke-neg.md §5"],
      }),
    );
  }
  const timedOut = svc.pods.filter((p) => !p.terminating && p.readinessGate.reason === "LoadBalancerNegTimeout");
  if (timedOut.length > 0) {
    out.push(
      finding(svc, "readiness-gate-timed-out", "warning", {
        title: `${timedOut.length} pod${timedOut.length === 1 ? "" : "s"} of ${svc.name} became Ready only by timeout`,
        explanation: "The load balancer never saw these pods healthy within 10 minutes; GKE marked the readiness gate True anyway (LoadBalancerNegTimeout). They are Ready in Kubernetes but may get no load-balancer traffic.",
        evidence: timedOut.map((p) => ({ object: { kind: "Pod", namespace: svc.namespace, name: p.name }, path: 'status.conditions[type="cloud.google.com/load-balancer-neg-ready"].reason', value: "LoadBalancerNegTimeout" })),
        fixes: [{ id: "check-health-check", strategy: "investigate", title: "Check what the health check reaches", description: "Compare the health check's port and path with what the app answers.", params: {} }],
        references: ["gke-neg.md §5"],
      }),
    );
  }
  return out;
};

const endpointUnhealthy: Rule = (svc, ctx) => {
  const out: Finding[] = [];
  for (const port of svc.ports) {
    const bad: { pod: string; signal: string; raw: string | null; neg: string | null; detail: string | null }[] = [];
    for (const pod of svc.pods) {
      for (const v of pod.health[port.key] ?? []) {
        if (v.state !== "unhealthy") continue;
        if (v.signal === "compute-api" || v.signal === "ingress-backends") bad.push({ pod: pod.name, signal: v.signal, raw: v.raw, neg: v.neg ?? v.backendService, detail: v.detail });
      }
    }
    if (bad.length === 0) continue;
    const fromCompute = bad.filter((b) => b.signal === "compute-api");
    const hc = port.healthChecks[0];
    const laptop = port.healthChecks.some((h) => h.reachByPod.some((r) => r.reach.toLaptop));
    const cause = laptop
      ? " The health checks currently go to a developer's laptop through a Telepresence intercept (see the finding health-check-hits-intercepted-port)."
      : hc && hc.reachNow.reaches === "unknown"
        ? ` ${hc.reachNow.explanation}`
        : hc
          ? ` The check asks ${hc.type.value} ${hc.requestPath.value ?? ""} on ${hc.portSpecification.value === "USE_FIXED_PORT" ? `port ${hc.port.value}` : "the serving port"}; compare that with what the app answers.`
          : "";
    const explanation = fromCompute.length
      ? `The load balancer (Compute API, live per-endpoint health) reports ${[...new Set(fromCompute.map((b) => b.raw))].join("/")} for ${[...new Set(fromCompute.map((b) => b.pod))].join(", ")}, so it sends ${new Set(fromCompute.map((b) => b.pod)).size === 1 ? "that pod" : "those pods"} no traffic.${cause}`
      : `The Ingress reports the backend service of this port UNHEALTHY. That annotation is one value per backend service and is HEALTHY if any endpoint is, so every endpoint is failing. Per-endpoint health needs the Compute API.${cause}`;
    const fixes: Fix[] = [];
    if (laptop && hc) fixes.push(...interceptFixes(svc, port, hc, ctx, []));
    fixes.push({ id: "check-health-check", strategy: "investigate", title: "Check what the health check reaches", description: "Open the port's health-check view: its port, path and what it reaches in the pod.", params: {} });
    out.push(
      finding(svc, "endpoint-unhealthy", "error", {
        port: port.key,
        title: `The load balancer sees ${fromCompute.length ? [...new Set(fromCompute.map((b) => b.pod))].length : "all"} endpoint${fromCompute.length === 1 ? "" : "s"} of ${svc.name}:${port.key} as unhealthy`,
        explanation,
        evidence: bad.map((b) =>
          b.signal === "compute-api"
            ? { object: { kind: "NetworkEndpointGroup", namespace: null, name: b.neg ?? "" }, path: `listNetworkEndpoints[pod=${b.pod}].healths[].healthState`, value: b.raw }
            : { object: { kind: "Ingress", namespace: svc.namespace, name: port.ingressBackends[0]?.ingress ?? "" }, path: 'metadata.annotations["ingress.kubernetes.io/backends"]', value: `${b.neg}: ${b.raw}` },
        ),
        fixes,
        references: ["gke-neg.md §1", "gke-neg.md §8"],
      }),
    );
  }
  return out;
};

// ---------------------------------------------------------------------------------------------
// Telepresence (telepresence.md §3, §6; gke-neg.md §10)

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const WEBHOOK_TEXT = /waiting for agent|to arrive|agent-injector|failed calling webhook/i;

const agentWebhookUnreachable: Rule = (svc, ctx) => {
  const names = new Set(svc.workloads.map((w) => w.name));
  const stuck = ctx.intercepts.filter((i) => {
    if (i.namespace !== svc.namespace || !names.has(i.workload)) return false;
    const d = dispositionName(i.disposition);
    if (d === "NO_AGENT") return true;
    return d !== "ACTIVE" && WEBHOOK_TEXT.test(i.message ?? "");
  });
  const events = ctx.events.filter((e) => {
    if (!WEBHOOK_TEXT.test(e.message ?? "")) return false;
    const obj = e.involvedObject?.name ?? "";
    const msg = e.message ?? "";
    // The workload itself, its ReplicaSets (<name>-<hash>) or pods, or Telepresence's "agent <name>.<ns>".
    return [...names].some((n) => obj === n || new RegExp(`^${escapeRegExp(n)}-[a-z0-9]+(-[a-z0-9]+)?$`).test(obj) || msg.includes(`agent ${n}.${svc.namespace}`));
  });
  if (stuck.length === 0 && events.length === 0) return [];
  const agentless = svc.pods.filter((p) => !p.terminating && !p.agent.present);
  return [
    finding(svc, "agent-webhook-unreachable", "error", {
      title: `The Telepresence agent never arrived in ${[...names].join(", ")}`,
      explanation: `Telepresence adds its traffic-agent to pods through an admission webhook (agent-injector) when they are created. ${stuck.length ? `The intercept ${stuck.map((i) => `"${i.name}"`).join(", ")} is waiting for the agent` : "Events say the webhook could not be reached"}${agentless.length ? `, and ${agentless.length} pod${agentless.length === 1 ? " has" : "s have"} no traffic-agent` : ""}. On a private GKE cluster the control plane cannot reach the webhook on the nodes until a firewall rule allows it (tcp:8443, or 443 with older charts), so the intercept times out.`,
      evidence: [
        ...stuck.map((i) => ({ object: { kind: "Intercept", namespace: i.namespace, name: i.name }, path: "disposition", value: `${dispositionName(i.disposition)}${i.message ? `: ${i.message}` : ""}` })),
        ...events.map((e) => ({ object: { kind: e.involvedObject?.kind ?? "Event", namespace: svc.namespace, name: e.involvedObject?.name ?? "" }, path: `events[reason=${e.reason}].message`, value: e.message ?? "" })),
      ],
      fixes: [
        {
          id: "open-webhook-firewall",
          strategy: "open-webhook-firewall",
          title: "Allow the control plane to reach the agent injector",
          description: "Add a VPC firewall rule from the cluster's control-plane CIDR to the nodes on tcp:8443 (443 on older traffic-manager charts), then restart the intercept.",
          params: { protocol: "tcp", port: 8443, legacyPort: 443 },
        },
      ],
      references: ["telepresence.md §3", "telepresence.md §4", "gke-neg.md §10"],
    }),
  ];
};

export const SERVICE_RULES: readonly Rule[] = [
  healthCheckHitsInterceptedPort,
  httpFilteredInterceptAvailable,
  backendconfigPortNotContainerPort,
  backendconfigUnsupportedType,
  backendconfigInvalidValue,
  healthCheckTimeoutExceedsInterval,
  probeChangedAfterHealthCheckCreated,
  healthcheckpolicyPortRules,
  negAnnotationMissing,
  modelProblems,
  negSyncFailed,
  loadBalancerSyncFailed,
  readinessGateNotReady,
  endpointUnhealthy,
  agentWebhookUnreachable,
];

/** telepresence.md §6: no traffic-manager, no intercepts anywhere. */
export function clusterFindings(ctx: DiagnosisContext): Finding[] {
  const tp = ctx.telepresence;
  if (!tp.known || tp.trafficManager.present) return [];
  return [
    finding(null, "traffic-manager-missing", "warning", {
      title: "Telepresence's traffic-manager is not installed in this cluster",
      explanation: `Intercepts need the traffic-manager in the cluster; none was found${tp.trafficManager.namespace ? ` in namespace "${tp.trafficManager.namespace}"` : ""}. Connecting fails with "traffic manager not found". Install it once per cluster (it goes to namespace "ambassador" by default).`,
      evidence: [{ object: { kind: "Service", namespace: tp.trafficManager.namespace ?? "ambassador", name: "traffic-manager" }, path: "", value: null }],
      fixes: [
        {
          id: "install-traffic-manager",
          strategy: "install-traffic-manager",
          title: "Install the traffic-manager",
          description: "Run telepresence helm install (add --manager-namespace to choose the namespace).",
          params: { namespace: tp.trafficManager.namespace ?? "ambassador" },
        },
      ],
      references: ["telepresence.md §2", "telepresence.md §6"],
    }),
  ];
}
