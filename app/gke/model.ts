// The GKE model: cluster snapshot → service views, pure. One view per Service with, per port, the NEG,
// the BackendConfig that applies and why, each load balancer's effective health check with the source
// of every field, and what that check reaches now and if a port were intercepted.
import type {
  BackendConfigChoice,
  ExposureView,
  HealthCheckView,
  ModelProblem,
  NegView,
  ObjectRef,
  PodInterceptView,
  PodReachView,
  PodView,
  PortView,
  ProbeInferenceView,
  ReachView,
  ServiceView,
  SvcNegView,
  WhatIfView,
} from "../contract/model.ts";
import {
  BACKEND_CONFIG_ANNOTATION,
  INGRESS_BACKENDS_ANNOTATION,
  appProtocolFor,
  parseAppProtocols,
  parseBackendConfigAnnotation,
  parseIngressBackends,
  parseNegAnnotation,
  parseNegStatus,
  serviceEvidence,
  transparentHealthCheckerEnabled,
} from "./annotations.ts";
import { podHealth, readinessGateOf } from "./health.ts";
import type { EffectiveHealthCheck } from "./healthcheck.ts";
import { gatewayHealthCheck, ingressHealthCheck } from "./healthcheck.ts";
import type { TargetPort } from "./pods.ts";
import {
  AGENT_CONTAINER,
  agentState,
  byCreationThenName,
  containerWithPort,
  isTerminating,
  podsOfService,
  resolvePodPort,
  selects,
  targetPortOf,
  withSimulatedAgent,
  withoutAgent,
  workloadOf,
} from "./pods.ts";
import { inferFromProbe, probeDifferences, summarizeProbe } from "./probe.ts";
import type { PodIntercept } from "./reach.ts";
import { reachOf } from "./reach.ts";
import type { BackendConfig, ClusterSnapshot, Condition, Deployment, Ingress, NamespaceSnapshot, Pod, Service } from "./snapshot.ts";
import { isoOf } from "./snapshot.ts";
import { dispositionName, isActive } from "./telepresence-facts.ts";

type ServicePort = NonNullable<NonNullable<Service["spec"]>["ports"]>[number];

export function portKeyOf(p: { name?: string; port: number }): string {
  return p.name ? p.name : String(p.port);
}

/** Every Service of every namespace, sorted by namespace then name. */
export function buildServiceViews(snapshot: ClusterSnapshot): ServiceView[] {
  const out: ServiceView[] = [];
  for (const ns of Object.keys(snapshot.namespaces).sort()) {
    const services = [...snapshot.namespaces[ns]!.services].sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""));
    for (const svc of services) out.push(buildServiceView(snapshot, ns, svc));
  }
  return out;
}

/** GKE's Ingress classes; an Ingress without a class is GKE's on GKE. */
function isGkeIngress(ing: Ingress): boolean {
  const cls = ing.spec?.ingressClassName ?? ing.metadata?.annotations?.["kubernetes.io/ingress.class"] ?? null;
  return cls === null || cls === "gce" || cls === "gce-internal";
}

/** The Service ports (as `name` or number strings) an Ingress sends to this Service. */
function ingressPortRefs(ing: Ingress, svcName: string): string[] {
  const refs: string[] = [];
  const add = (b: NonNullable<NonNullable<Ingress["spec"]>["defaultBackend"]> | undefined) => {
    const s = b?.service;
    if (!s || s.name !== svcName) return;
    refs.push(s.port?.name ?? String(s.port?.number ?? ""));
  };
  add(ing.spec?.defaultBackend);
  for (const r of ing.spec?.rules ?? []) for (const p of r.http?.paths ?? []) add(p.backend);
  return [...new Set(refs)];
}

function matchesPort(ref: string, p: ServicePort): boolean {
  return ref === p.name || ref === String(p.port);
}

function conditionView(c: Condition | undefined) {
  if (!c) return null;
  return { type: c.type, status: c.status ?? "", reason: c.reason ?? null, message: c.message ?? null };
}

/** A pod shaped from a workload's template, for services with no running pod. */
function templatePod(d: Deployment): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `${d.metadata?.name ?? "workload"} (template)`, namespace: d.metadata?.namespace, labels: d.spec?.template.metadata?.labels },
    spec: d.spec?.template.spec ?? { containers: [] },
  };
}

export function buildServiceView(snapshot: ClusterSnapshot, namespace: string, svc: Service): ServiceView {
  const ns: NamespaceSnapshot = snapshot.namespaces[namespace]!;
  const name = svc.metadata?.name ?? "";
  const svcRef: ObjectRef = { kind: "Service", namespace, name };
  const problems: ModelProblem[] = [];
  const negAnn = parseNegAnnotation(svc);
  const negStatus = parseNegStatus(svc);
  const bcAnn = parseBackendConfigAnnotation(svc);
  const appProtocols = parseAppProtocols(svc);
  for (const p of [negAnn.problem, negStatus.problem, bcAnn.problem, appProtocols.problem]) if (p) problems.push(p);
  const thc = transparentHealthCheckerEnabled(svc);
  const svcPorts: ServicePort[] = svc.spec?.ports ?? [];

  const pods = podsOfService(svc, ns.pods).sort(byCreationThenName);
  const live = pods.filter((p) => !isTerminating(p));
  const deployments = ns.deployments.filter((d) => selects(svc.spec?.selector, d.spec?.template.metadata?.labels));

  // Services selecting a pod decide which ports the agent covers (telepresence.md §4).
  const servicesOf = (pod: Pod) => ns.services.filter((s) => selects(s.spec?.selector, pod.metadata?.labels));
  const targetsMemo = new Map<Pod, TargetPort[]>();
  const targetsOf = (pod: Pod): TargetPort[] => {
    const memo = targetsMemo.get(pod);
    if (memo) return memo;
    const seen = new Set<string>();
    const out: TargetPort[] = [];
    const base = withoutAgent(pod);
    for (const s of servicesOf(pod)) {
      for (const p of s.spec?.ports ?? []) {
        let t = targetPortOf(p);
        // telepresence.md §4: for a headless Service the agent uses iptables, as for a numeric port.
        if (s.spec?.clusterIP === "None" && t.kind === "name") {
          const resolved = resolvePodPort(base, t);
          if (!resolved) continue;
          t = { kind: "number", value: resolved.containerPort };
        }
        const k = `${t.kind}:${t.value}`;
        if (seen.has(k)) continue;
        seen.add(k);
        out.push(t);
      }
    }
    targetsMemo.set(pod, out);
    return out;
  };
  const numericTargetsOf = (pod: Pod) => targetsOf(pod).flatMap((t) => (t.kind === "number" ? [t.value] : []));

  // Intercepts of this Service's workloads (telepresence.md §2), by the app container port they divert.
  const interceptsOf = (pod: Pod): PodInterceptView[] => {
    const wl = workloadOf(pod, ns.replicasets);
    if (!wl || !snapshot.telepresence) return [];
    const base = withoutAgent(pod);
    return snapshot.telepresence.intercepts
      .filter((i) => i.namespace === namespace && i.workload === wl.name)
      .map((i) => {
        let containerPort = i.containerPort ?? null;
        let servicePort: string | null = i.servicePortIdentifier ?? null;
        if (containerPort === null && (!i.service || i.service === name)) {
          const sp = i.servicePortIdentifier ? svcPorts.find((p) => matchesPort(i.servicePortIdentifier!, p)) : svcPorts.length === 1 ? svcPorts[0] : undefined;
          if (sp) {
            servicePort = portKeyOf(sp);
            containerPort = resolvePodPort(base, targetPortOf(sp))?.containerPort ?? null;
          }
        }
        return {
          name: i.name,
          containerPort,
          servicePort,
          global: i.global && !(i.httpFilter && i.httpFilter.length > 0),
          httpFilter: i.httpFilter ?? [],
          disposition: dispositionName(i.disposition),
          active: isActive(i),
        };
      });
  };
  const activeOn = (pod: Pod): PodIntercept[] =>
    interceptsOf(pod).flatMap((i) => (i.active && i.containerPort !== null ? [{ containerPort: i.containerPort, global: i.global }] : []));

  // The pod whose reach is shown as "now": an intercepted one, else one with an agent, else the oldest.
  const representative =
    live.find((p) => activeOn(p).length > 0) ?? live.find((p) => agentState(p, []).present) ?? live[0] ?? null;
  const oldestWorkload = live[0] ? workloadOf(live[0], ns.replicasets) : null;
  const deployment = (oldestWorkload?.kind === "Deployment" ? deployments.find((d) => d.metadata?.name === oldestWorkload.name) : undefined) ?? deployments[0] ?? null;
  const template = deployment ? templatePod(deployment) : null;
  const hypotheticalBase = live[0] ? withoutAgent(live[0]) : template;

  // Exposure: which load balancers use which ports.
  const ingresses = ns.ingresses.filter(isGkeIngress).map((ing) => ({ ing, refs: ingressPortRefs(ing, name) })).filter((x) => x.refs.length > 0);
  const routes: { name: string; namespace: string; ports: (number | undefined)[] }[] = [];
  for (const [rns, snap] of Object.entries(snapshot.namespaces)) {
    for (const r of snap.httproutes ?? []) {
      const ports = (r.spec?.rules ?? [])
        .flatMap((rule) => rule.backendRefs ?? [])
        .filter((b) => (b.kind ?? "Service") === "Service" && (b.group ?? "") === "" && b.name === name && (b.namespace ?? rns) === namespace)
        .map((b) => b.port);
      if (ports.length) routes.push({ name: r.metadata.name ?? "", namespace: rns, ports });
    }
  }
  const policies = ns.healthcheckpolicies.filter((p) => {
    const t = p.spec?.targetRef;
    return t?.kind === "Service" && (t.group ?? "") === "" && t.name === name && (t.namespace ?? namespace) === namespace;
  });
  const exposure: ExposureView = {
    ingresses: ingresses.map(({ ing, refs }) => ({
      name: ing.metadata?.name ?? "",
      className: ing.spec?.ingressClassName ?? ing.metadata?.annotations?.["kubernetes.io/ingress.class"] ?? null,
      ports: refs,
    })),
    httpRoutes: routes.map((r) => ({ name: r.namespace === namespace ? r.name : `${r.namespace}/${r.name}`, ports: r.ports.map((p) => (p === undefined ? "*" : String(p))) })),
    healthCheckPolicies: policies.map((p) => p.metadata.name ?? ""),
  };

  const ports: PortView[] = svcPorts.map((p) => {
    const key = portKeyOf(p);
    const target = targetPortOf(p);
    const portProblems: ModelProblem[] = [];
    const appProtocol = appProtocolFor(appProtocols.value, p.name ?? null);

    // Serving port (telepresence.md §4 un-done): the app container and port the targetPort names.
    const baseRes = hypotheticalBase ? resolvePodPort(hypotheticalBase, target) : null;
    const liveRes = representative ? resolvePodPort(representative, target) : null;
    const serving = {
      targetPort: target,
      container: baseRes?.container ?? null,
      containerPort: baseRes?.containerPort ?? null,
      endpointPort: liveRes?.containerPort ?? baseRes?.containerPort ?? null,
      problem: hypotheticalBase && !baseRes ? `No container declares a port named "${String(target.value)}": the Service has no endpoint on this port.` : null,
    };

    // NEG (gke-neg.md §2, §6).
    const ingressUsers = ingresses.filter((x) => x.refs.some((r) => matchesPort(r, p)));
    const routeUsers = routes.filter((r) => r.ports.some((rp) => rp === undefined || rp === p.port));
    const negName = negStatus.value?.negs[String(p.port)] ?? null;
    const exposed = negAnn.value ? Object.hasOwn(negAnn.value.exposedPorts, String(p.port)) : false;
    const ingressNeg = negAnn.value?.ingress === true || (!negAnn.present && negName !== null);
    const mode: NegView["mode"] = ingressNeg && (ingressUsers.length > 0 || !exposed) ? "ingress" : exposed ? "exposed_ports" : "none";
    const names = negName ? [negName] : [];
    const svcnegs: SvcNegView[] | null = snapshot.installed.svcnegs
      ? ns.svcnegs
          .filter((s) => names.includes(s.metadata.name ?? "") || (s.metadata.labels?.["networking.gke.io/service-name"] === name && s.metadata.labels?.["networking.gke.io/service-port"] === String(p.port)))
          .map((s) => ({
            name: s.metadata.name ?? "",
            zones: (s.status?.networkEndpointGroups ?? []).flatMap((g) => /\/zones\/([^/]+)\//.exec(g.selfLink ?? "")?.[1] ?? []),
            initialized: conditionView(s.status?.conditions?.find((c) => c.type === "Initialized")),
            synced: conditionView(s.status?.conditions?.find((c) => c.type === "Synced")),
            lastSyncTime: isoOf(s.status?.lastSyncTime),
          }))
      : null;
    const neg: NegView = {
      mode,
      annotation: negAnn.present ? (negAnn.value ? "present" : "invalid") : negName ? "implicit" : "absent",
      customName: negAnn.value?.exposedPorts[String(p.port)] ?? null,
      names,
      zones: negStatus.value?.zones ?? [],
      svcnegs,
    };

    // BackendConfig (gke-neg.md §2): by port name, then Service port number, then default.
    let backendConfig: BackendConfigChoice | null = null;
    let bcObject: BackendConfig | null = null;
    if (bcAnn.value) {
      const a = bcAnn.value;
      const byName = p.name ? a.ports[p.name] : undefined;
      const byNumber = a.ports[String(p.port)];
      const pick = byName
        ? { name: byName, matchedBy: "port-name" as const, why: `ports["${p.name}"] names it (matched by the port name)` }
        : byNumber
          ? { name: byNumber, matchedBy: "port-number" as const, why: `ports["${p.port}"] names it (matched by the Service port number, not the targetPort)` }
          : a.default
            ? { name: a.default, matchedBy: "default" as const, why: `"default" names it (no entry for the port name${p.name ? ` "${p.name}"` : ""} or number ${p.port})` }
            : null;
      if (pick) {
        bcObject = snapshot.installed.backendconfigs ? (ns.backendconfigs.find((b) => b.metadata.name === pick.name) ?? null) : null;
        backendConfig = {
          name: pick.name,
          annotation: a.annotation,
          matchedBy: pick.matchedBy,
          found: bcObject !== null,
          why: `${pick.why}${a.annotation !== BACKEND_CONFIG_ANNOTATION ? "; from the legacy beta annotation (no GA annotation present)" : ""}.`,
        };
        if (!bcObject) {
          portProblems.push({
            code: snapshot.installed.backendconfigs ? "backendconfig-missing" : "backendconfig-crd-not-installed",
            message: snapshot.installed.backendconfigs
              ? `The Service names BackendConfig "${pick.name}" for port ${key}, but no BackendConfig of that name exists in namespace ${namespace}. An Ingress using this port reports "Translation failed" (Warning event Translate) and its load balancer is not updated.`
              : `The Service names BackendConfig "${pick.name}", but the BackendConfig kind is not installed in this cluster.`,
            evidence: [serviceEvidence(svc, a.annotation)],
          });
        }
      }
    }

    // Health checks, one per load balancer using the port.
    const healthChecks: HealthCheckView[] = [];
    const reachHC = (eff: EffectiveHealthCheck, negEnabled: boolean) => {
      const f = eff.fields;
      const igNote = "Without NEGs the load balancer checks the nodes through the NodePort, not pods; Switchboard does not model that path.";
      const thcNote =
        "GKE's transparent health checker answers these checks on port 7877 (/api/podhealth) itself; Switchboard does not model what it reports during an intercept.";
      const compute = (pod: Pod, intercepts: readonly PodIntercept[]): ReachView =>
        f.portSpecification.source === "transparent-health-checker"
          ? { reaches: "unknown", container: null, port: f.port.value, via: "fixed-port", toLaptop: false, tableRow: null, explanation: thcNote }
          : negEnabled
          ? reachOf({ pod, target, portSpecification: f.portSpecification.value, fixedPort: f.port.value, portName: f.portName.value, numericTargets: numericTargetsOf(pod), intercepts })
          : { reaches: "unknown", container: null, port: null, via: "none", toLaptop: false, tableRow: null, explanation: igNote };
      const reachByPod: PodReachView[] = live.map((pod) => ({ pod: pod.metadata?.name ?? "", reach: compute(pod, activeOn(pod)) }));
      let reachNow: ReachView;
      if (representative) reachNow = compute(representative, activeOn(representative));
      else if (template) {
        const r = compute(template, []);
        reachNow = { ...r, explanation: `No pod runs; for the pod template: ${r.explanation}` };
      } else {
        reachNow = { reaches: "unknown", container: null, port: null, via: "none", toLaptop: false, tableRow: null, explanation: "No pod and no workload template match the Service's selector." };
      }
      const whatIf: WhatIfView[] = [];
      if (hypotheticalBase) {
        const simulated = withSimulatedAgent(hypotheticalBase, targetsOf(hypotheticalBase).length ? targetsOf(hypotheticalBase) : svcPorts.map(targetPortOf));
        const numeric = targetsOf(hypotheticalBase).flatMap((t) => (t.kind === "number" ? [t.value] : []));
        for (const x of svcPorts) {
          const cp = resolvePodPort(hypotheticalBase, targetPortOf(x))?.containerPort;
          if (cp === undefined) continue;
          const at = (global: boolean): ReachView => {
            if (!negEnabled || f.portSpecification.source === "transparent-health-checker") return compute(simulated, []);
            const r = reachOf({ pod: simulated, target, portSpecification: f.portSpecification.value, fixedPort: f.port.value, portName: f.portName.value, numericTargets: numeric, intercepts: [{ containerPort: cp, global }], hypothetical: true });
            return { ...r, explanation: `Once Telepresence injects its traffic-agent to intercept port ${portKeyOf(x)}, ${r.explanation.charAt(0).toLowerCase()}${r.explanation.slice(1)}` };
          };
          whatIf.push({ interceptPort: portKeyOf(x), global: at(true), httpFiltered: at(false) });
        }
      }
      // Health sidecar / dedicated app health port (telepresence.md §5 rows 5–6).
      let healthSidecar: HealthCheckView["healthSidecar"] = null;
      let appHealthPort: HealthCheckView["appHealthPort"] = null;
      const checkPort = f.portSpecification.value === "USE_FIXED_PORT" ? f.port.value : f.portSpecification.value === "USE_NAMED_PORT" && hypotheticalBase && f.portName.value ? (resolvePodPort(hypotheticalBase, { kind: "name", value: f.portName.value })?.containerPort ?? null) : null;
      if (checkPort !== null && hypotheticalBase && baseRes?.container) {
        const owner = containerWithPort(hypotheticalBase, checkPort);
        if (owner && owner.container !== baseRes.container && owner.container !== AGENT_CONTAINER) healthSidecar = { container: owner.container, port: checkPort };
        if (owner && owner.container === baseRes.container && checkPort !== baseRes.containerPort) appHealthPort = { container: owner.container, port: checkPort };
      }
      return { reachNow, reachByPod, whatIf, healthSidecar, appHealthPort };
    };

    const negEnabled = mode !== "none" || names.length > 0;
    if (ingressUsers.length > 0) {
      const inference = inferFromProbe(pods, target, appProtocol.value);
      const eff = ingressHealthCheck({ namespace, appProtocol, backendConfig: bcObject, probe: inference.probe, transparentHealthChecker: thc });
      // Compare with what GKE would infer from the current template (gke-neg.md §4: probe edits after
      // creation change nothing).
      const templateInference = template ? inferFromProbe([template], target, appProtocol.value) : null;
      const templateContainer = template?.spec?.containers.find((c) => c.name === (inference.container ?? templateInference?.container));
      const inferenceView: ProbeInferenceView = {
        pod: inference.pod?.metadata?.name ?? null,
        podCreated: isoOf(inference.pod?.metadata?.creationTimestamp),
        probe: inference.probe,
        skippedReason: inference.skippedReason,
        templateProbe: templateContainer ? summarizeProbe(templateContainer.name, templateContainer.readinessProbe) : null,
        templateDiffers: inference.pod && templateInference ? probeDifferences(inference.probe, templateInference.probe) : [],
        overriddenByBackendConfig: eff.overriddenByBackendConfig,
      };
      const notes = [...eff.notes];
      if (inference.probe) {
        notes.push(
          `Values from the readinessProbe come from the first pod by creation time, then name ("${inferenceView.pod}"), as GKE read it when it CREATED the health check; later probe edits do not apply (gke-neg.md §4).`,
        );
      }
      if (mode === "none") notes.push("This port has no NEG: the Ingress uses instance groups.");
      healthChecks.push({
        via: "ingress",
        usedBy: ingressUsers.map(({ ing }) => ({ kind: "Ingress", namespace, name: ing.metadata?.name ?? "" })),
        source: eff.source,
        sourceExplanation: eff.sourceExplanation,
        ...eff.fields,
        configuredBy: eff.configuredBy,
        inference: inferenceView,
        ...reachHC(eff, negEnabled),
        notes,
      });
    }
    if (routeUsers.length > 0 || policies.length > 0) {
      const eff = gatewayHealthCheck(namespace, policies[0] ?? null);
      portProblems.push(...eff.problems);
      healthChecks.push({
        via: "gateway",
        usedBy: [
          ...routeUsers.map((r) => ({ kind: "HTTPRoute", namespace: r.namespace, name: r.name })),
          ...policies.map((pol) => ({ kind: "HealthCheckPolicy", namespace, name: pol.metadata.name ?? "" })),
        ],
        source: eff.source,
        sourceExplanation: eff.sourceExplanation,
        ...eff.fields,
        configuredBy: eff.configuredBy,
        inference: null,
        // The GKE Gateway always uses NEGs.
        ...reachHC(eff, true),
        notes: eff.notes,
      });
    }
    if (healthChecks.length === 0 && exposed) {
      const eff = ingressHealthCheck({ namespace, appProtocol, backendConfig: null, probe: null, transparentHealthChecker: false });
      const unknownFields = Object.fromEntries(Object.entries(eff.fields).map(([k, v]) => [k, { ...v, source: "unknown" }])) as unknown as EffectiveHealthCheck["fields"];
      const standalone: EffectiveHealthCheck = { ...eff, fields: unknownFields, source: "unknown" };
      healthChecks.push({
        via: "standalone",
        usedBy: [svcRef],
        source: "unknown",
        sourceExplanation:
          "A standalone NEG: its backend service and health check are created outside Kubernetes (gcloud, Terraform), so Switchboard cannot see them without the Compute API. Shown assuming the common case, a check on the serving port.",
        ...unknownFields,
        configuredBy: null,
        inference: null,
        ...reachHC(standalone, true),
        notes: ["Standalone NEGs need their own firewall rule for the health-check ranges (gke-neg.md §9)."],
      });
    }

    // Ingress backends annotation (gke-neg.md §1): the backend service of an Ingress NEG has the NEG's name.
    const ingressBackends = ingressUsers.flatMap(({ ing }) =>
      Object.entries(parseIngressBackends(ing.metadata?.annotations?.[INGRESS_BACKENDS_ANNOTATION]))
        .filter(([bs]) => names.includes(bs))
        .map(([bs, value]) => ({ ingress: ing.metadata?.name ?? "", backendService: bs, value })),
    );
    const podIPs = new Set(pods.map((pod) => pod.status?.podIP).filter(Boolean));
    const unmatchedEndpoints = (snapshot.endpointHealth ?? [])
      .filter((e) => names.includes(e.neg))
      .flatMap((e) => e.items.filter((i) => !podIPs.has(i.ipAddress)).map((i) => ({ neg: e.neg, zone: e.zone, ipAddress: i.ipAddress, port: i.port, healthState: i.healthState })));

    return {
      key,
      name: p.name ?? null,
      port: p.port,
      protocol: p.protocol ?? "TCP",
      appProtocol,
      serving,
      neg,
      backendConfig,
      healthChecks,
      ingressBackends,
      problems: portProblems,
      unmatchedEndpoints,
    };
  });

  // Pods.
  const servingContainers = new Set(ports.map((p) => p.serving.container).filter((c): c is string => !!c));
  const sidecars = new Set(ports.flatMap((p) => p.healthChecks.flatMap((h) => (h.healthSidecar ? [h.healthSidecar.container] : []))));
  const podViews: PodView[] = pods.map((pod) => {
    const intercepts = interceptsOf(pod);
    const health: PodView["health"] = {};
    for (const pv of ports) {
      const sp = svcPorts.find((s) => portKeyOf(s) === pv.key)!;
      const endpointPort = resolvePodPort(pod, targetPortOf(sp))?.containerPort;
      const basePort = resolvePodPort(withoutAgent(pod), targetPortOf(sp))?.containerPort;
      health[pv.key] = podHealth({
        pod,
        negs: pv.neg.names,
        endpointPorts: [endpointPort, basePort].filter((x): x is number => x !== undefined),
        endpointHealth: snapshot.endpointHealth,
        ingressBackends: pv.ingressBackends,
        events: ns.events,
      });
    }
    return {
      name: pod.metadata?.name ?? "",
      phase: pod.status?.phase ?? null,
      podIP: pod.status?.podIP ?? null,
      created: isoOf(pod.metadata?.creationTimestamp),
      terminating: isTerminating(pod),
      ready: (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
      workload: workloadOf(pod, ns.replicasets),
      containers: (pod.spec?.containers ?? []).map((c) => ({
        name: c.name,
        role: c.name === AGENT_CONTAINER ? "traffic-agent" : servingContainers.has(c.name) ? "app" : sidecars.has(c.name) ? "health-sidecar" : "other",
        ports: (c.ports ?? []).map((q) => ({ name: q.name ?? null, containerPort: q.containerPort })),
      })),
      readinessGate: readinessGateOf(pod),
      agent: agentState(pod, numericTargetsOf(pod)),
      intercepts,
      health,
    };
  });

  const workloads = new Map<string, { kind: string; name: string }>();
  for (const pod of pods) {
    const w = workloadOf(pod, ns.replicasets);
    if (w) workloads.set(`${w.kind}/${w.name}`, w);
  }
  for (const d of deployments) workloads.set(`Deployment/${d.metadata?.name}`, { kind: "Deployment", name: d.metadata?.name ?? "" });

  return {
    key: `${namespace}/${name}`,
    namespace,
    name,
    type: svc.spec?.type ?? "ClusterIP",
    headless: svc.spec?.clusterIP === "None",
    selector: svc.spec?.selector ?? null,
    exposure,
    ports,
    pods: podViews,
    workloads: [...workloads.values()],
    problems,
  };
}
