// The two pictures of a service port, as data: hops (boxes) and edges (arrows) with the health the
// core already derived. Pure and presentation-only — it arranges ServiceView facts into lanes and
// columns and words them; every state, reach and explanation comes from the view (app/contract/model.ts),
// no GKE rule is evaluated here.
import type { ServiceSummary } from "../../app/contract/api.ts";
import type {
  FieldSource,
  HealthCheckView,
  HealthSignal,
  HealthState,
  HealthValue,
  PodView,
  PortView,
  ReachView,
  ServiceView,
  WhatIfView,
} from "../../app/contract/model.ts";
import type { Tone } from "./components/Health.tsx";
import { fieldSourceLabel, fieldSourceShortLabel, healthStateLabel, reachLabel, reachViaLabel, serviceHealthLabel, signalLabel } from "./labels.ts";

export type HopKind = "lb" | "neg" | "pod" | "port" | "container" | "laptop" | "check" | "pods";

export interface HopFact {
  label: string;
  value: string;
}

export interface Hop {
  id: string;
  kind: HopKind;
  column: number;
  /** First and last lane the hop spans (it is drawn centred on them). */
  lanes: [number, number];
  title: string;
  subtitle: string | null;
  tone: Tone;
  /** "Unhealthy · Compute API", "Would reach your laptop", … */
  stateLabel: string;
  /** Why the hop has this state, in plain words (from the view). */
  reason: string;
  signal: HealthSignal | null;
  caveat: string | null;
  facts: HopFact[];
  /** For the health-check box: its settings, each with where it came from. */
  settings?: { label: string; value: string; source: string; sourceShort: string }[];
  /** Drawn as a prediction (what-if), not a measurement. */
  predicted?: boolean;
}

export interface Edge {
  from: string;
  to: string;
  tone: Tone;
  label?: string;
  predicted?: boolean;
}

export interface Graph {
  columns: string[];
  lanes: number;
  hops: Hop[];
  edges: Edge[];
  /** Pods left out of the picture (they are all in the pods table). */
  hiddenPods: number;
}

/** Most pods drawn; the table below lists all of them. */
export const MAX_DRAWN_PODS = 12;

const WORST: HealthState[] = ["unhealthy", "draining", "unknown", "not-health-checked", "healthy"];

/** The worst of a pod's values on a port (several NEGs or backend services), or null. */
export function worstValue(values: HealthValue[] | undefined): HealthValue | null {
  if (!values || values.length === 0) return null;
  return [...values].sort((a, b) => WORST.indexOf(a.state) - WORST.indexOf(b.state))[0] ?? null;
}

function valueLabel(v: HealthValue | null): string {
  return v ? `${healthStateLabel[v.state]} · ${signalLabel[v.signal]}` : "No health value";
}

function valueReason(v: HealthValue | null, pod: PodView, port: PortView): string {
  if (!v) return `The core has no load-balancer health for pod ${pod.name} on port ${port.key}: it is not an endpoint of a NEG, or nothing reports its health.`;
  const raw = v.raw !== null ? ` (${v.raw})` : "";
  return `${healthStateLabel[v.state]}${raw} according to ${signalLabel[v.signal]}.${v.detail ? ` ${v.detail}` : ""}`;
}

/** Pods drawn: live ones first (terminating ones last), at most MAX_DRAWN_PODS. */
function drawnPods(view: ServiceView): { pods: PodView[]; hidden: number } {
  const ordered = [...view.pods.filter((p) => !p.terminating), ...view.pods.filter((p) => p.terminating)];
  return { pods: ordered.slice(0, MAX_DRAWN_PODS), hidden: Math.max(0, ordered.length - MAX_DRAWN_PODS) };
}

function zoneOf(pod: PodView, port: PortView): string | null {
  for (const v of pod.health[port.key] ?? []) if (v.zone) return v.zone;
  return null;
}

/** Load balancers that use this port: the Ingresses and routes the view names. */
function loadBalancerOf(view: ServiceView, port: PortView): { title: string; subtitle: string | null } {
  const uses = (ports: string[]) => ports.includes(port.key) || ports.includes(String(port.port)) || (port.name !== null && ports.includes(port.name));
  const ingresses = view.exposure.ingresses.filter((i) => uses(i.ports));
  const routes = view.exposure.httpRoutes.filter((r) => uses(r.ports));
  if (ingresses.length > 0) {
    return { title: ingresses.length === 1 ? `Ingress ${ingresses[0]!.name}` : `${ingresses.length} Ingresses`, subtitle: ingresses.map((i) => i.className ?? "gce").join(", ") };
  }
  if (routes.length > 0) return { title: routes.length === 1 ? `HTTPRoute ${routes[0]!.name}` : `${routes.length} HTTPRoutes`, subtitle: "Gateway" };
  if (port.neg.mode === "exposed_ports") return { title: "Standalone NEG", subtitle: "load balancer outside Kubernetes" };
  return { title: "No load balancer", subtitle: null };
}

const toneOfRaw = (raw: string): Tone => (raw.toUpperCase() === "HEALTHY" ? "healthy" : raw.toUpperCase() === "UNHEALTHY" ? "unhealthy" : "unknown");

function middle(text: string, max: number): string {
  if (text.length <= max) return text;
  const keep = max - 1;
  return `${text.slice(0, Math.ceil(keep / 2))}…${text.slice(text.length - Math.floor(keep / 2))}`;
}

export { middle as truncateMiddle };

/**
 * The traffic path of one Service port: load balancer → NEG per zone → endpoints (pods) → container
 * port → container → (traffic-agent →) app or your laptop.
 */
export function trafficGraph(view: ServiceView, port: PortView, summary: ServiceSummary | null): Graph {
  const { pods: drawn, hidden } = drawnPods(view);
  const zones = port.neg.zones.length > 0 ? port.neg.zones : [];
  // Lanes grouped by zone so each NEG sits next to its endpoints.
  const zoneIndex = (pod: PodView) => {
    const z = zoneOf(pod, port);
    const i = z ? zones.indexOf(z) : -1;
    return i < 0 ? zones.length : i;
  };
  const pods = [...drawn].sort((a, b) => zoneIndex(a) - zoneIndex(b));
  const hops: Hop[] = [];
  const edges: Edge[] = [];
  const lanes = Math.max(1, pods.length);

  // Load balancer
  const lb = loadBalancerOf(view, port);
  const backends = port.ingressBackends;
  let lbTone: Tone;
  let lbState: string;
  let lbReason: string;
  let lbSignal: HealthSignal | null = null;
  let lbCaveat: string | null = null;
  if (backends.length > 0) {
    const worst = backends.map((b) => toneOfRaw(b.value)).sort((a, b) => WORST.indexOf(a as HealthState) - WORST.indexOf(b as HealthState))[0]!;
    lbTone = worst;
    lbSignal = "ingress-backends";
    lbState = `${backends.map((b) => b.value).join(", ")} · ${signalLabel["ingress-backends"]}`;
    lbReason = backends.map((b) => `Ingress ${b.ingress} reports backend service ${b.backendService} as ${b.value}.`).join(" ");
    lbCaveat = pods.flatMap((p) => p.health[port.key] ?? []).find((v) => v.signal === "ingress-backends")?.caveat ?? "The Ingress annotation holds one value per backend service: HEALTHY if any endpoint is.";
  } else if (summary && summary.health !== "not-load-balanced") {
    lbTone = summary.health;
    lbSignal = summary.healthSignal;
    lbState = `${serviceHealthLabel[summary.health]} · ${signalLabel[summary.healthSignal]}`;
    lbReason = `The core summarises the service as ${serviceHealthLabel[summary.health].toLowerCase()} from ${signalLabel[summary.healthSignal]}.`;
  } else {
    lbTone = lb.title === "No load balancer" ? "not-health-checked" : "unknown";
    lbState = lb.title === "No load balancer" ? "Not load-balanced" : "Unknown";
    lbReason = lb.title === "No load balancer" ? `No Ingress, Gateway route or standalone NEG uses port ${port.key}.` : "No load-balancer-level health signal for this port.";
  }
  hops.push({
    id: "lb",
    kind: "lb",
    column: 0,
    lanes: [0, lanes - 1],
    title: lb.title,
    subtitle: lb.subtitle,
    tone: lbTone,
    stateLabel: lbState,
    reason: lbReason,
    signal: lbSignal,
    caveat: lbCaveat,
    facts: [
      { label: "Service port", value: `${port.key} (${port.port}/${port.protocol}, ${port.appProtocol.value})` },
      ...(port.backendConfig ? [{ label: "BackendConfig", value: `${port.backendConfig.name}${port.backendConfig.found ? "" : " (missing)"} — ${port.backendConfig.why}` }] : []),
    ],
  });

  // NEGs, one per zone (gke-neg.md §2); endpoints with no known zone go under the last one.
  const negName = port.neg.names[0] ?? port.neg.customName ?? null;
  const negIdFor = (pod: PodView | null) => {
    if (zones.length === 0) return "neg-none";
    const i = pod ? zoneIndex(pod) : 0;
    return `neg-${zones[Math.min(i, zones.length - 1)]}`;
  };
  if (zones.length === 0) {
    hops.push({
      id: "neg-none",
      kind: "neg",
      column: 1,
      lanes: [0, lanes - 1],
      title: port.neg.mode === "none" ? "No NEG" : "NEG not created yet",
      subtitle: port.neg.mode === "none" ? `annotation ${port.neg.annotation}` : "no neg-status",
      tone: port.neg.mode === "none" ? "not-health-checked" : "unknown",
      stateLabel: port.neg.mode === "none" ? "No container-native load balancing" : "Waiting for the NEG controller",
      reason:
        port.neg.mode === "none"
          ? `Port ${port.key} has no network endpoint group: the cloud.google.com/neg annotation is ${port.neg.annotation}.`
          : "The Service asks for NEGs but cloud.google.com/neg-status names none yet.",
      signal: null,
      caveat: null,
      facts: [],
    });
  } else {
    zones.forEach((zone, zi) => {
      const mine = pods.map((p, i) => ({ p, i })).filter(({ p }) => Math.min(zoneIndex(p), zones.length - 1) === zi);
      const first = mine[0]?.i ?? Math.min(zi, lanes - 1);
      const last = mine.at(-1)?.i ?? first;
      const values = mine.map(({ p }) => worstValue(p.health[port.key]));
      const bad = values.filter((v) => v && (v.state === "unhealthy" || v.state === "draining")).length;
      const good = values.filter((v) => v?.state === "healthy").length;
      const tone: Tone = mine.length === 0 ? "unknown" : bad > 0 ? (good > 0 ? "degraded" : "unhealthy") : good === mine.length ? "healthy" : "unknown";
      const svcneg = port.neg.svcnegs?.find((s) => s.zones.includes(zone)) ?? null;
      hops.push({
        id: `neg-${zone}`,
        kind: "neg",
        column: 1,
        lanes: [first, last],
        title: zone,
        subtitle: negName ?? "NEG name not known yet",
        tone,
        stateLabel: mine.length === 0 ? "No endpoints drawn" : `${good} of ${mine.length} endpoint${mine.length === 1 ? "" : "s"} healthy`,
        reason: `Zonal NEG ${negName ?? "(unnamed)"} in ${zone}. The NEG controller attaches every endpoint, ready or not; the health check decides whether traffic flows.`,
        signal: null,
        caveat: null,
        facts: [
          { label: "NEG", value: negName ?? "unknown" },
          { label: "Zone", value: zone },
          { label: "Mode", value: port.neg.mode === "ingress" ? "Ingress NEG" : port.neg.mode === "exposed_ports" ? "Standalone NEG" : "none" },
          ...(svcneg?.synced ? [{ label: "Synced", value: `${svcneg.synced.status || "(empty)"} ${svcneg.synced.reason ?? ""}`.trim() }] : []),
          ...(svcneg?.lastSyncTime ? [{ label: "Last sync", value: svcneg.lastSyncTime }] : []),
        ],
      });
      edges.push({ from: "lb", to: `neg-${zone}`, tone });
    });
  }
  if (zones.length === 0) edges.push({ from: "lb", to: "neg-none", tone: hops.at(-1)!.tone });

  if (pods.length === 0) {
    hops.push({
      id: "no-pods",
      kind: "pod",
      column: 2,
      lanes: [0, 0],
      title: "No endpoints",
      subtitle: view.selector ? Object.entries(view.selector).map(([k, v]) => `${k}=${v}`).join(",") : "no selector",
      tone: "unknown",
      stateLabel: "Nothing to send traffic to",
      reason: view.selector ? "No running pod matches the Service's selector, so the NEGs have no endpoints." : "The Service has no selector: its endpoints are managed outside Kubernetes' pod selection.",
      signal: null,
      caveat: null,
      facts: [],
    });
    edges.push({ from: negIdFor(null), to: "no-pods", tone: "unknown" });
  }

  // Endpoints → port → container → app / laptop
  pods.forEach((pod, lane) => {
    const value = worstValue(pod.health[port.key]);
    const tone: Tone = value ? value.state : "unknown";
    const state = valueLabel(value);
    const podId = `pod-${pod.name}`;
    const zone = zoneOf(pod, port);
    hops.push({
      id: podId,
      kind: "pod",
      column: 2,
      lanes: [lane, lane],
      title: pod.name,
      subtitle: `${pod.podIP ?? "no IP"}${zone ? ` · ${zone}` : ""}`,
      tone,
      stateLabel: state,
      reason: valueReason(value, pod, port),
      signal: value?.signal ?? null,
      caveat: value?.caveat ?? null,
      facts: [
        { label: "Kubernetes Ready", value: pod.ready ? "True" : "False" },
        { label: "NEG readiness gate", value: pod.readinessGate.present ? `${pod.readinessGate.status === "" ? "(empty: waiting)" : (pod.readinessGate.status ?? "not written yet")}${pod.readinessGate.reason ? ` · ${pod.readinessGate.reason}` : ""}` : "absent" },
        ...(pod.terminating ? [{ label: "Terminating", value: "yes" }] : []),
      ],
    });
    edges.push({ from: negIdFor(pod), to: podId, tone });

    const endpointPort = port.serving.endpointPort ?? port.serving.containerPort;
    const owner = endpointPort !== null ? pod.containers.find((c) => c.ports.some((p) => p.containerPort === endpointPort)) : undefined;
    const portName = owner?.ports.find((p) => p.containerPort === endpointPort)?.name ?? null;
    const taken = pod.agent.takenOver.find((t) => t.containerPort === port.serving.containerPort);
    const portId = `port-${pod.name}`;
    hops.push({
      id: portId,
      kind: "port",
      column: 3,
      lanes: [lane, lane],
      title: endpointPort !== null ? `:${endpointPort}` : "no port",
      subtitle: portName,
      tone,
      stateLabel: state,
      reason:
        endpointPort === null
          ? (port.serving.problem ?? `targetPort ${port.serving.targetPort.value} resolves to no container port.`)
          : `The NEG endpoint is ${pod.podIP ?? "the pod"}:${endpointPort}${portName ? ` (port "${portName}" of container "${owner?.name}")` : ""}.${
              taken?.by === "name" ? ` Telepresence renamed the app's port "${taken.originalName}" to "${taken.renamedTo}" and the traffic-agent now declares "${taken.originalName}".` : ""
            }`,
      signal: value?.signal ?? null,
      caveat: null,
      facts: [{ label: "targetPort", value: `${port.serving.targetPort.value} (${port.serving.targetPort.kind})` }],
    });
    edges.push({ from: podId, to: portId, tone });

    // iptables takeover: the packets reach the app's port number but the agent receives them.
    const receiver = taken?.by === "iptables" ? pod.containers.find((c) => c.role === "traffic-agent") : owner;
    const containerId = `container-${pod.name}`;
    hops.push({
      id: containerId,
      kind: "container",
      column: 4,
      lanes: [lane, lane],
      title: receiver?.name ?? "unknown container",
      subtitle: receiver ? roleLabel(receiver.role) + (taken?.by === "iptables" ? " · via iptables" : "") : null,
      tone,
      stateLabel: state,
      reason: receiver
        ? receiver.role === "traffic-agent"
          ? `Telepresence's traffic-agent receives this port's traffic${taken?.by === "iptables" ? " (tel-agent-init redirects the app's port with iptables)" : ""} and forwards it to the app, or to a laptop during a global intercept.`
          : `Container "${receiver.name}" receives the traffic directly.`
        : "No container of the pod declares the endpoint port.",
      signal: value?.signal ?? null,
      caveat: null,
      facts: pod.containers.map((c) => ({ label: c.name, value: `${roleLabel(c.role)}${c.ports.length ? ` · ${c.ports.map((p) => `${p.containerPort}${p.name ? ` (${p.name})` : ""}`).join(", ")}` : ""}` })),
    });
    edges.push({ from: portId, to: containerId, tone });

    if (receiver?.role === "traffic-agent") {
      const intercept = pod.intercepts.find((i) => i.active && (i.servicePort === port.key || i.containerPort === port.serving.containerPort));
      const app = pod.containers.find((c) => c.role === "app");
      const toApp = () => {
        const id = `app-${pod.name}`;
        hops.push({
          id,
          kind: "container",
          column: 5,
          lanes: [lane, lane],
          title: app?.name ?? "app",
          subtitle: intercept ? "requests without the header" : "forwarded by the agent",
          tone,
          stateLabel: state,
          reason: intercept ? `HTTP-filtered intercept "${intercept.name}": only requests with ${intercept.httpFilter.join(", ")} go to the laptop; everything else, health checks included, reaches the app.` : "No intercept is active on this port: the agent forwards everything to the app container.",
          signal: value?.signal ?? null,
          caveat: null,
          facts: [],
        });
        edges.push({ from: containerId, to: id, tone });
      };
      if (intercept?.global) {
        const id = `laptop-${pod.name}`;
        hops.push({
          id,
          kind: "laptop",
          column: 5,
          lanes: [lane, lane],
          title: "Your laptop",
          subtitle: `intercept ${intercept.name}`,
          tone,
          stateLabel: state,
          reason: `Global intercept "${intercept.name}" (${intercept.disposition}): the agent sends every request of port ${intercept.servicePort ?? intercept.containerPort ?? port.key} to the developer's machine, health checks included.`,
          signal: value?.signal ?? null,
          caveat: null,
          facts: [],
        });
        edges.push({ from: containerId, to: id, tone });
      } else if (intercept) {
        const id = `laptop-${pod.name}`;
        hops.push({
          id,
          kind: "laptop",
          column: 5,
          lanes: [lane, lane],
          title: "Your laptop",
          subtitle: intercept.httpFilter.join(", ") || `intercept ${intercept.name}`,
          tone: "neutral",
          stateLabel: "Matching requests only",
          reason: `HTTP-filtered intercept "${intercept.name}": requests carrying ${intercept.httpFilter.join(", ")} go to the laptop.`,
          signal: null,
          caveat: null,
          facts: [],
        });
        edges.push({ from: containerId, to: id, tone: "neutral" });
        toApp();
      } else {
        toApp();
      }
    }
  });

  return { columns: ["Load balancer", "NEG per zone", "Endpoint (pod)", "Port", "Container", "Forwarded to"], lanes, hops, edges, hiddenPods: hidden };
}

export function roleLabel(role: PodView["containers"][number]["role"]): string {
  return role === "app" ? "app" : role === "traffic-agent" ? "traffic-agent" : role === "health-sidecar" ? "health sidecar" : "other";
}

function settingsOf(hc: HealthCheckView): NonNullable<Hop["settings"]> {
  const row = (label: string, value: string, source: FieldSource) => ({ label, value, source: fieldSourceLabel[source], sourceShort: fieldSourceShortLabel[source] });
  const rows: NonNullable<Hop["settings"]> = [row("Type", hc.type.value, hc.type.source), row("Port spec", hc.portSpecification.value, hc.portSpecification.source)];
  if (hc.port.value !== null) rows.push(row("Port", String(hc.port.value), hc.port.source));
  else if (hc.portName.value !== null) rows.push(row("Port name", hc.portName.value, hc.portName.source));
  else rows.push(row("Port", "serving port", hc.portSpecification.source));
  rows.push(row("Path", hc.requestPath.value ?? "/", hc.requestPath.source));
  if (hc.host.value) rows.push(row("Host", hc.host.value, hc.host.source));
  if (hc.checkIntervalSec.value !== null || hc.timeoutSec.value !== null) {
    rows.push(row("Interval", `${hc.checkIntervalSec.value ?? "?"}s / ${hc.timeoutSec.value ?? "?"}s`, hc.checkIntervalSec.source));
  }
  return rows;
}

const viaShort: Record<ReachView["via"], string> = { "endpoint-port": "endpoint port", "fixed-port": "fixed port", iptables: "iptables", "named-port": "named port", none: "none" };

const viaName: Record<HealthCheckView["via"], string> = { ingress: "Ingress", gateway: "Gateway", standalone: "Standalone NEG" };

function reachTone(reach: ReachView, measured: Tone | null): Tone {
  if (measured) return measured;
  if (reach.reaches === "unknown") return "unknown";
  return reach.toLaptop ? "at-risk" : "healthy";
}

function reachKey(r: ReachView): string {
  return [r.reaches, r.container, r.port, r.via, r.toLaptop].join("|");
}

export type WhatIfChoice = { port: string; mode: "global" | "httpFiltered" } | null;

/**
 * The health check's own path: the check (each setting with its source) → the pods it probes,
 * grouped by what it reaches there → the port → the container it reaches → your laptop when an
 * intercept forwards it. With a what-if choice, draws the view's `whatIf` reach instead (predicted).
 */
export function healthCheckGraph(view: ServiceView, port: PortView, hc: HealthCheckView, whatIf: WhatIfChoice): Graph {
  const hops: Hop[] = [];
  const edges: Edge[] = [];
  const groups: { reach: ReachView; pods: PodView[]; predicted: boolean }[] = [];
  const podByName = new Map(view.pods.map((p) => [p.name, p]));
  let hidden = 0;
  const chosen: WhatIfView | undefined = whatIf ? hc.whatIf.find((w) => w.interceptPort === whatIf.port) : undefined;
  if (chosen && whatIf) {
    groups.push({ reach: chosen[whatIf.mode], pods: view.pods.filter((p) => !p.terminating), predicted: true });
  } else {
    const byKey = new Map<string, { reach: ReachView; pods: PodView[]; predicted: boolean }>();
    for (const pr of hc.reachByPod) {
      const pod = podByName.get(pr.pod);
      if (!pod) continue;
      const key = reachKey(pr.reach);
      const group = byKey.get(key) ?? { reach: pr.reach, pods: [], predicted: false };
      group.pods.push(pod);
      byKey.set(key, group);
    }
    groups.push(...byKey.values());
    if (groups.length === 0) groups.push({ reach: hc.reachNow, pods: [], predicted: false });
    if (groups.length > MAX_DRAWN_PODS) {
      hidden = groups.slice(MAX_DRAWN_PODS).reduce((n, g) => n + g.pods.length, 0);
      groups.length = MAX_DRAWN_PODS;
    }
  }
  const lanes = Math.max(2, groups.length);
  const settings = settingsOf(hc);
  hops.push({
    id: "check",
    kind: "check",
    column: 0,
    lanes: [0, lanes - 1],
    title: `${hc.type.value} health check`,
    subtitle: `${viaName[hc.via]}${hc.usedBy.length ? ` · ${hc.usedBy.map((o) => `${o.kind} ${o.name}`).join(", ")}` : ""}`,
    tone: "neutral",
    stateLabel: `Set by ${fieldSourceLabel[hc.source]}`,
    reason: hc.sourceExplanation,
    signal: null,
    caveat: null,
    settings,
    facts: [
      ...(hc.configuredBy ? [{ label: "Configured by", value: `${hc.configuredBy.kind} ${hc.configuredBy.name}` }] : []),
      ...(hc.inference?.probe ? [{ label: "Inferred from", value: `readinessProbe of ${hc.inference.probe.container} in ${hc.inference.pod ?? "the first pod"}` }] : []),
      ...(hc.inference?.skippedReason ? [{ label: "Probe not used", value: hc.inference.skippedReason }] : []),
      ...(hc.healthyThreshold.value !== null ? [{ label: "Thresholds", value: `healthy ${hc.healthyThreshold.value}, unhealthy ${hc.unhealthyThreshold.value ?? "?"}` }] : []),
      ...hc.notes.map((n) => ({ label: "Note", value: n })),
    ],
  });

  groups.forEach((group, lane) => {
    const { reach, pods, predicted } = group;
    const values = pods.map((p) => worstValue(p.health[port.key]));
    const measured = predicted ? null : (values.filter((v): v is HealthValue => v !== null).sort((a, b) => WORST.indexOf(a.state) - WORST.indexOf(b.state))[0] ?? null);
    const tone = reachTone(reach, measured ? measured.state : null);
    const signal = measured?.signal ?? null;
    const stateLabel = predicted
      ? reach.toLaptop
        ? "Would reach your laptop"
        : `Would still reach the ${reach.reaches === "health-sidecar" ? "sidecar" : "app"}`
      : measured
        ? `${healthStateLabel[measured.state]} · ${signalLabel[measured.signal]}`
        : "No health value";
    const perPod = pods
      .map((p, i) => `${p.name}: ${values[i] ? `${healthStateLabel[values[i]!.state]} (${signalLabel[values[i]!.signal]})` : "no value"}`)
      .join("; ");
    const groupId = `pods-${lane}`;
    hops.push({
      id: groupId,
      kind: "pods",
      column: 1,
      lanes: [lane, lane],
      title: predicted ? `Any pod, once intercepted` : pods.length === 1 ? pods[0]!.name : `${pods.length} pods`,
      subtitle: predicted ? `${pods.length} pod${pods.length === 1 ? "" : "s"} today` : pods.length === 1 ? (pods[0]!.podIP ?? null) : pods.map((p) => p.name.split("-").at(-1)).join(", "),
      tone,
      stateLabel,
      reason: predicted ? reach.explanation : perPod || "No pod of the Service is running.",
      signal,
      caveat: measured?.caveat ?? null,
      facts: pods.slice(0, 8).map((p, i) => ({ label: p.name, value: values[i] ? `${healthStateLabel[values[i]!.state]} · ${signalLabel[values[i]!.signal]}` : "no value" })),
      predicted,
    });
    edges.push({ from: "check", to: groupId, tone, predicted });

    const portId = `hcport-${lane}`;
    hops.push({
      id: portId,
      kind: "port",
      column: 2,
      lanes: [lane, lane],
      title: reach.port !== null ? `:${reach.port}` : "no port",
      subtitle: viaShort[reach.via],
      tone,
      stateLabel,
      reason: `The check is sent to ${reach.port !== null ? `port ${reach.port}` : "no port"} through ${reachViaLabel[reach.via]} (${hc.portSpecification.value}).`,
      signal,
      caveat: null,
      facts: reach.tableRow !== null ? [{ label: "Rule", value: `telepresence.md §5, row ${reach.tableRow}` }] : [],
      predicted,
    });
    edges.push({ from: groupId, to: portId, tone, predicted });

    const targetId = `target-${lane}`;
    hops.push({
      id: targetId,
      kind: "container",
      column: 3,
      lanes: [lane, lane],
      title: reachLabel[reach.reaches],
      subtitle: reach.container,
      tone,
      stateLabel,
      reason: reach.explanation,
      signal,
      caveat: measured?.caveat ?? null,
      facts: [],
      predicted,
    });
    edges.push({ from: portId, to: targetId, tone, predicted });

    if (reach.toLaptop) {
      const laptopId = `hclaptop-${lane}`;
      hops.push({
        id: laptopId,
        kind: "laptop",
        column: 4,
        lanes: [lane, lane],
        title: "Your laptop",
        subtitle: predicted ? "global intercept" : "through the intercept",
        tone,
        stateLabel,
        reason: `${reach.explanation} The load balancer's verdict then depends on a developer's machine answering ${hc.requestPath.value ?? "/"}.`,
        signal,
        caveat: null,
        facts: [],
        predicted,
      });
      edges.push({ from: targetId, to: laptopId, tone, predicted });
    }
  });

  return { columns: ["Health check", "Probes pods", "Port", "Reaches", "Forwarded to"], lanes, hops, edges, hiddenPods: hidden };
}
