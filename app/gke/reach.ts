// What a GKE health check reaches inside a pod, with or without a Telepresence traffic-agent and an
// intercept: the telepresence.md §5 table, row by row. Pure: a pod (as stored, or with a simulated
// agent), the check's port specification, the Service's targetPort and the active intercepts.
import type { PortSpecification, ReachView } from "../contract/model.ts";
import type { TargetPort } from "./pods.ts";
import { AGENT_CONTAINER, agentState, containerWithPort, resolvePodPort, withoutAgent } from "./pods.ts";
import type { Pod } from "./snapshot.ts";

/** An intercept acting on this pod, by the app container port it diverts. */
export interface PodIntercept {
  containerPort: number;
  /** true: all traffic (global); false: only requests matching an HTTP filter (2.25+). */
  global: boolean;
}

export interface ReachInput {
  pod: Pod;
  /** The Service port's targetPort. */
  target: TargetPort;
  portSpecification: PortSpecification;
  fixedPort: number | null;
  portName: string | null;
  /** Numeric targetPorts of the Services selecting the pod: what `tel-agent-init` redirects (inferred). */
  numericTargets: readonly number[];
  intercepts: readonly PodIntercept[];
  /** Word the explanation as "would" (the what-if answers on a simulated pod). */
  hypothetical?: boolean;
}

function unknown(explanation: string, port: number | null = null): ReachView {
  return { reaches: "unknown", container: null, port, via: "none", toLaptop: false, tableRow: null, explanation };
}

/**
 * The check reaches the traffic-agent, which either forwards to the app (no intercept, or an HTTP
 * filter the check does not match) or to the laptop (a global intercept of that app port).
 */
function throughAgent(appPort: number, podPort: number, via: ReachView["via"], row: number, intercepts: readonly PodIntercept[], how: string, hypothetical = false): ReachView {
  const ic = intercepts.find((i) => i.containerPort === appPort);
  if (hypothetical && ic) {
    return {
      reaches: "traffic-agent",
      container: AGENT_CONTAINER,
      port: podPort,
      via,
      toLaptop: ic.global,
      tableRow: row,
      explanation: ic.global
        ? `${how} A global intercept of port ${appPort} would make the agent send the health checks to the developer's laptop (telepresence.md §5 row ${row}).`
        : `${how} An HTTP-filtered intercept of port ${appPort} would leave them with the app: health checks carry no matching header, so the agent forwards them (telepresence.md §5).`,
    };
  }
  if (ic?.global) {
    return {
      reaches: "traffic-agent",
      container: AGENT_CONTAINER,
      port: podPort,
      via,
      toLaptop: true,
      tableRow: row,
      explanation: `${how} A global intercept of port ${appPort} is active, so the agent sends the health checks to the developer's laptop (telepresence.md §5 row ${row}).`,
    };
  }
  if (ic) {
    return {
      reaches: "traffic-agent",
      container: AGENT_CONTAINER,
      port: podPort,
      via,
      toLaptop: false,
      tableRow: row,
      explanation: `${how} The intercept of port ${appPort} is HTTP-filtered: health checks carry no matching header, so the agent forwards them to the app (telepresence.md §5).`,
    };
  }
  return {
    reaches: "traffic-agent",
    container: AGENT_CONTAINER,
    port: podPort,
    via,
    toLaptop: false,
    tableRow: row,
    explanation: `${how} No intercept of port ${appPort} is active, so the agent forwards the checks to the app; a global intercept would send them to the laptop (telepresence.md §5 row ${row}).`,
  };
}

/** telepresence.md §5: the whole table. */
export function reachOf(input: ReachInput): ReachView {
  const { pod, target, intercepts } = input;
  const base = resolvePodPort(withoutAgent(pod), target); // the app's own serving port
  const agent = agentState(pod, input.numericTargets);
  const iptablesCovers = (port: number) => agent.takenOver.some((t) => t.by === "iptables" && t.containerPort === port);
  const appPortOfAgentPort = (agentPort: number): number | null => {
    const ap = agent.agentPorts.find((p) => p.containerPort === agentPort);
    const t = ap?.name ? agent.takenOver.find((x) => x.by === "name" && x.originalName === ap.name) : undefined;
    return t?.containerPort ?? null;
  };

  /** A check on a port of a named/declared container that the agent does not redirect. */
  const classify = (port: number, via: ReachView["via"], rowIfAgent: number | null): ReachView => {
    const owner = containerWithPort(pod, port);
    if (!owner) {
      return unknown(
        `No container in the pod declares port ${port}. If ${port} is the Service port rather than a container port, nothing listens there and the check fails (gke-neg.md §3).`,
        port,
      );
    }
    if (owner.container === AGENT_CONTAINER) {
      const appPort = appPortOfAgentPort(port);
      return throughAgent(appPort ?? port, port, via, 1, intercepts, `Port ${port} belongs to the traffic-agent.`, input.hypothetical);
    }
    if (base?.container && owner.container === base.container) {
      if (port === base.containerPort) {
        return {
          reaches: "app",
          container: owner.container,
          port,
          via,
          toLaptop: false,
          tableRow: agent.present ? rowIfAgent : null,
          explanation: agent.present
            ? `The check goes to podIP:${port}, the app container's own port number. The agent took over the port NAME, not the number, so the check reaches the app directly, even during an intercept (telepresence.md §5 row 3).`
            : `The check goes to podIP:${port}, the app container "${owner.container}".`,
        };
      }
      return {
        reaches: "app-health-port",
        container: owner.container,
        port,
        via,
        toLaptop: false,
        tableRow: agent.present ? 6 : null,
        explanation: `The check goes to port ${port}, a dedicated health port of the app container "${owner.container}" that Telepresence does not touch, so it reaches the app's health listener even during an intercept (telepresence.md §5 row 6).`,
      };
    }
    if (!base?.container) {
      return unknown(`Port ${port} belongs to container "${owner.container}", but the serving container is not known (targetPort ${String(target.value)} is not declared).`, port);
    }
    return {
      reaches: "health-sidecar",
      container: owner.container,
      port,
      via,
      toLaptop: false,
      tableRow: agent.present ? 5 : null,
      explanation: `The check goes to port ${port} of container "${owner.container}", a health sidecar next to the app; intercepts do not touch it (telepresence.md §5 row 5).`,
    };
  };

  if (input.portSpecification === "USE_SERVING_PORT") {
    if (target.kind === "name") {
      // A headless Service makes the agent use iptables even for a named port (telepresence.md §4).
      if (base && iptablesCovers(base.containerPort)) {
        return throughAgent(
          base.containerPort,
          base.containerPort,
          "iptables",
          2,
          intercepts,
          `The check uses the serving port ${base.containerPort}; tel-agent-init's iptables rules redirect that port to the traffic-agent.`,
          input.hypothetical,
        );
      }
      const now = resolvePodPort(pod, target);
      if (!now) return unknown(`No container declares a port named "${target.value}", so the NEG has no endpoint for this pod.`);
      if (now.container === AGENT_CONTAINER) {
        return throughAgent(
          base?.containerPort ?? now.containerPort,
          now.containerPort,
          "endpoint-port",
          1,
          intercepts,
          `The check uses the serving port. targetPort "${target.value}" is a name, and the traffic-agent took that name over: the NEG endpoint is now the agent's port ${now.containerPort}.`,
          input.hypothetical,
        );
      }
      return {
        reaches: "app",
        container: now.container,
        port: now.containerPort,
        via: "endpoint-port",
        toLaptop: false,
        tableRow: null,
        explanation: `The check uses the serving port: targetPort "${target.value}" resolves to port ${now.containerPort} of container "${now.container}". No traffic-agent has taken it over.`,
      };
    }
    if (iptablesCovers(target.value)) {
      return throughAgent(
        target.value,
        target.value,
        "iptables",
        2,
        intercepts,
        `The check uses the serving port ${target.value}. targetPort is a number, so tel-agent-init's iptables rules redirect everything arriving at ${target.value} to the traffic-agent.`,
        input.hypothetical,
      );
    }
    return {
      reaches: "app",
      container: base?.container ?? null,
      port: target.value,
      via: "endpoint-port",
      toLaptop: false,
      tableRow: null,
      explanation: `The check uses the serving port ${target.value}${base?.container ? ` of container "${base.container}"` : ""}. No traffic-agent redirects it.`,
    };
  }

  if (input.portSpecification === "USE_FIXED_PORT") {
    const port = input.fixedPort;
    if (port === null) return unknown("USE_FIXED_PORT without a port.");
    if (iptablesCovers(port)) {
      return throughAgent(
        port,
        port,
        "iptables",
        4,
        intercepts,
        `The check goes to the fixed port ${port}. Telepresence took over that port by NUMBER (iptables from tel-agent-init), so the fixed port does not avoid the agent.`,
        input.hypothetical,
      );
    }
    return classify(port, "fixed-port", 3);
  }

  // USE_NAMED_PORT (Gateway only): resolved like a container port name (inferred).
  const name = input.portName;
  if (!name) return unknown("USE_NAMED_PORT without a portName.");
  const named = resolvePodPort(pod, { kind: "name", value: name });
  if (!named) return unknown(`No container declares a port named "${name}".`);
  return classify(named.containerPort, "named-port", 3);
}
