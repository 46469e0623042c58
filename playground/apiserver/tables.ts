// Server-side printing (meta.k8s.io/v1 Table) for `kubectl get`, with the columns of kube-apiserver's
// printers (pkg/printers/internalversion/printers.go); priority-1 columns are the `-o wide` ones.
import type { KubeObject } from "../cluster/client.ts";
import type { ResourceType } from "./catalog.ts";

type Obj = Record<string, unknown>;
type Cell = string | number | boolean;

interface Column {
  name: string;
  type: "string" | "integer" | "date" | "number" | "boolean";
  format?: string;
  description: string;
  priority?: number;
}

interface Printer {
  columns: Column[];
  row: (o: KubeObject, now: Date) => Cell[];
}

function o(v: unknown): Obj {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {};
}

function arr(v: unknown): Obj[] {
  return Array.isArray(v) ? (v as Obj[]) : [];
}

function str(v: unknown, fallback = "<none>"): string {
  return v === undefined || v === null || v === "" ? fallback : String(v);
}

/** kubectl's duration.HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const d = Math.floor(hours / 24) % 365;
    return d === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${d}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

function age(ts: unknown, now: Date): string {
  if (typeof ts !== "string") return "<unknown>";
  return humanDuration(now.getTime() - Date.parse(ts));
}

const NAME: Column = { name: "Name", type: "string", format: "name", description: "Name must be unique within a namespace." };
const AGE: Column = { name: "Age", type: "string", description: "CreationTimestamp is a timestamp representing the server time when this object was created." };

function selectorText(sel: unknown): string {
  const s = o(sel);
  const parts = Object.entries(o(s.matchLabels ?? (s.matchExpressions ? {} : s))).map(([k, v]) => `${k}=${String(v)}`);
  for (const e of arr(s.matchExpressions)) {
    const values = Array.isArray(e.values) ? e.values.join(",") : "";
    if (e.operator === "In") parts.push(`${String(e.key)} in (${values})`);
    else if (e.operator === "NotIn") parts.push(`${String(e.key)} notin (${values})`);
    else if (e.operator === "Exists") parts.push(String(e.key));
    else if (e.operator === "DoesNotExist") parts.push(`!${String(e.key)}`);
  }
  return parts.length ? parts.join(",") : "<none>";
}

function containersOf(spec: Obj): { names: string; images: string } {
  const cs = arr(spec.containers);
  return { names: cs.map((c) => String(c.name)).join(","), images: cs.map((c) => String(c.image)).join(",") };
}

function podStatus(pod: Obj): { ready: string; status: string; restarts: number } {
  const spec = o(pod.spec);
  const status = o(pod.status);
  const containers = arr(spec.containers);
  let reason = str(status.reason, "") || str(status.phase, "Unknown");
  let restarts = 0;
  let readyCount = 0;
  const initStatuses = arr(status.initContainerStatuses);
  let initializing = false;
  initStatuses.forEach((cs, i) => {
    restarts += Number(cs.restartCount ?? 0);
    const state = o(cs.state);
    const term = o(state.terminated);
    const waiting = o(state.waiting);
    if (state.terminated && term.exitCode === 0) return;
    if (initializing) return;
    if (state.terminated) reason = term.reason ? `Init:${String(term.reason)}` : `Init:ExitCode:${String(term.exitCode)}`;
    else if (waiting.reason && waiting.reason !== "PodInitializing") reason = `Init:${String(waiting.reason)}`;
    else reason = `Init:${i}/${arr(spec.initContainers).length}`;
    initializing = true;
  });
  if (!initializing) {
    let hasRunning = false;
    for (const cs of [...arr(status.containerStatuses)].reverse()) {
      restarts += Number(cs.restartCount ?? 0);
      const state = o(cs.state);
      const waiting = o(state.waiting);
      const term = o(state.terminated);
      if (waiting.reason) reason = String(waiting.reason);
      else if (term.reason) reason = String(term.reason);
      else if (state.terminated) reason = term.signal ? `Signal:${String(term.signal)}` : `ExitCode:${String(term.exitCode)}`;
      else if (state.running && cs.ready) {
        hasRunning = true;
        readyCount++;
      } else if (state.running) hasRunning = true;
    }
    if (reason === "Completed" && hasRunning) {
      const readyCond = arr(status.conditions).find((c) => c.type === "Ready");
      reason = readyCond?.status === "True" ? "Running" : "NotReady";
    }
  }
  const meta = o(pod.metadata);
  if (meta.deletionTimestamp && status.reason === "NodeLost") reason = "Unknown";
  else if (meta.deletionTimestamp) reason = "Terminating";
  return { ready: `${readyCount}/${containers.length}`, status: reason, restarts };
}

function servicePorts(spec: Obj): string {
  const ports = arr(spec.ports);
  if (ports.length === 0) return "<none>";
  return ports.map((p) => `${String(p.port)}${p.nodePort ? `:${String(p.nodePort)}` : ""}/${str(p.protocol, "TCP")}`).join(",");
}

function externalIPs(svc: Obj): string {
  const spec = o(svc.spec);
  const ips = [...(Array.isArray(spec.externalIPs) ? spec.externalIPs.map(String) : [])];
  if (spec.type === "ExternalName") return str(spec.externalName);
  if (spec.type === "LoadBalancer") {
    for (const i of arr(o(o(svc.status).loadBalancer).ingress)) ips.push(String(i.ip ?? i.hostname));
    return ips.length ? ips.join(",") : "<pending>";
  }
  return ips.length ? ips.join(",") : "<none>";
}

const printers: Record<string, Printer> = {
  Pod: {
    columns: [NAME,
      { name: "Ready", type: "string", description: "The aggregate readiness state of this pod for accepting traffic." },
      { name: "Status", type: "string", description: "The aggregate status of the containers in this pod." },
      { name: "Restarts", type: "string", description: "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted." },
      AGE,
      { name: "IP", type: "string", priority: 1, description: "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated." },
      { name: "Node", type: "string", priority: 1, description: "NodeName is a request to schedule this pod onto a specific node." },
      { name: "Nominated Node", type: "string", priority: 1, description: "nominatedNodeName is set only when this pod preempts other pods on the node." },
      { name: "Readiness Gates", type: "string", priority: 1, description: "If specified, all readiness gates will be evaluated for pod readiness." }],
    row: (p, now) => {
      const s = podStatus(p as Obj);
      const status = o((p as Obj).status);
      const spec = o((p as Obj).spec);
      const gates = arr(spec.readinessGates);
      const conditions = arr(status.conditions);
      const gatesText = gates.length
        ? `${gates.filter((g) => conditions.some((c) => c.type === g.conditionType && c.status === "True")).length}/${gates.length}` : "<none>";
      return [p.metadata.name, s.ready, s.status, String(s.restarts), age(p.metadata.creationTimestamp, now),
        str(status.podIP), str(spec.nodeName), str(status.nominatedNodeName), gatesText];
    },
  },
  Service: {
    columns: [NAME,
      { name: "Type", type: "string", description: "type determines how the Service is exposed." },
      { name: "Cluster-IP", type: "string", description: "clusterIP is the IP address of the service." },
      { name: "External-IP", type: "string", description: "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service." },
      { name: "Port(s)", type: "string", description: "The list of ports that are exposed by this service." },
      AGE,
      { name: "Selector", type: "string", priority: 1, description: "Route service traffic to pods with label keys and values matching this selector." }],
    row: (s, now) => {
      const spec = o((s as Obj).spec);
      return [s.metadata.name, str(spec.type, "ClusterIP"), str(spec.clusterIP), externalIPs(s as Obj), servicePorts(spec),
        age(s.metadata.creationTimestamp, now), spec.selector ? selectorText(spec.selector) : "<none>"];
    },
  },
  Deployment: {
    columns: [NAME,
      { name: "Ready", type: "string", description: "Number of the pod with ready state" },
      { name: "Up-to-date", type: "integer", description: "Total number of non-terminated pods targeted by this deployment that have the desired template spec." },
      { name: "Available", type: "integer", description: "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment." },
      AGE,
      { name: "Containers", type: "string", priority: 1, description: "Names of each container in the template." },
      { name: "Images", type: "string", priority: 1, description: "Images referenced by each container in the template." },
      { name: "Selector", type: "string", priority: 1, description: "Label selector for pods." }],
    row: (d, now) => {
      const spec = o((d as Obj).spec);
      const status = o((d as Obj).status);
      const c = containersOf(o(o(spec.template).spec));
      return [d.metadata.name, `${Number(status.readyReplicas ?? 0)}/${Number(spec.replicas ?? 1)}`, Number(status.updatedReplicas ?? 0),
        Number(status.availableReplicas ?? 0), age(d.metadata.creationTimestamp, now), c.names, c.images, selectorText(spec.selector)];
    },
  },
  ReplicaSet: {
    columns: [NAME,
      { name: "Desired", type: "integer", description: "Replicas is the number of desired replicas." },
      { name: "Current", type: "integer", description: "Replicas is the most recently observed number of replicas." },
      { name: "Ready", type: "integer", description: "The number of ready replicas for this replica set." },
      AGE,
      { name: "Containers", type: "string", priority: 1, description: "Names of each container in the template." },
      { name: "Images", type: "string", priority: 1, description: "Images referenced by each container in the template." },
      { name: "Selector", type: "string", priority: 1, description: "Label selector for pods." }],
    row: (r, now) => {
      const spec = o((r as Obj).spec);
      const status = o((r as Obj).status);
      const c = containersOf(o(o(spec.template).spec));
      return [r.metadata.name, Number(spec.replicas ?? 1), Number(status.replicas ?? 0), Number(status.readyReplicas ?? 0),
        age(r.metadata.creationTimestamp, now), c.names, c.images, selectorText(spec.selector)];
    },
  },
  Namespace: {
    columns: [NAME, { name: "Status", type: "string", description: "The status of the namespace" }, AGE],
    row: (n, now) => [n.metadata.name, str(o((n as Obj).status).phase, "Active"), age(n.metadata.creationTimestamp, now)],
  },
  Node: {
    columns: [NAME,
      { name: "Status", type: "string", description: "The status of the node" },
      { name: "Roles", type: "string", description: "The roles of the node" },
      AGE,
      { name: "Version", type: "string", description: "Kubelet Version reported by the node." },
      { name: "Internal-IP", type: "string", priority: 1, description: "List of internal IPs." },
      { name: "External-IP", type: "string", priority: 1, description: "List of external IPs." }],
    row: (n, now) => {
      const status = o((n as Obj).status);
      const ready = arr(status.conditions).find((c) => c.type === "Ready");
      const addr = (t: string) => str(arr(status.addresses).find((a) => a.type === t)?.address);
      return [n.metadata.name, ready?.status === "True" ? "Ready" : "NotReady", "<none>", age(n.metadata.creationTimestamp, now),
        str(o(status.nodeInfo).kubeletVersion, ""), addr("InternalIP"), addr("ExternalIP")];
    },
  },
  Endpoints: {
    columns: [NAME, { name: "Endpoints", type: "string", description: "Endpoints is the list of endpoints of the service." }, AGE],
    row: (e, now) => {
      const list: string[] = [];
      for (const s of arr((e as Obj).subsets)) {
        for (const a of arr(s.addresses)) for (const p of arr(s.ports).length ? arr(s.ports) : [{}]) list.push(p.port ? `${String(a.ip)}:${String(p.port)}` : String(a.ip));
      }
      const text = list.length === 0 ? "<none>" : list.length > 3 ? `${list.slice(0, 3).join(",")} + ${list.length - 3} more...` : list.join(",");
      return [e.metadata.name, text, age(e.metadata.creationTimestamp, now)];
    },
  },
  EndpointSlice: {
    columns: [NAME,
      { name: "AddressType", type: "string", description: "The IP protocol for this slice" },
      { name: "Ports", type: "string", description: "The ports for this slice" },
      { name: "Endpoints", type: "string", description: "The endpoints for this slice" }, AGE],
    row: (e, now) => {
      const ports = arr((e as Obj).ports).map((p) => String(p.port ?? "")).join(",") || "<unset>";
      const addrs = arr((e as Obj).endpoints).flatMap((ep) => (Array.isArray(ep.addresses) ? ep.addresses.map(String) : []));
      const text = addrs.length === 0 ? "<unset>" : addrs.length > 3 ? `${addrs.slice(0, 3).join(",")} + ${addrs.length - 3} more...` : addrs.join(",");
      return [e.metadata.name, str((e as Obj).addressType), ports, text, age(e.metadata.creationTimestamp, now)];
    },
  },
  Event: {
    columns: [
      { name: "Last Seen", type: "string", description: "Time when this Event was last observed" },
      { name: "Type", type: "string", description: "Type of this event (Normal, Warning)" },
      { name: "Reason", type: "string", description: "Reason why the action was taken" },
      { name: "Object", type: "string", description: "The object that this event is about" },
      { name: "Subobject", type: "string", priority: 1, description: "The field of the object that this event is about" },
      { name: "Source", type: "string", priority: 1, description: "The component reporting this event" },
      { name: "Message", type: "string", description: "A human-readable description of the status of this operation" },
      { name: "First Seen", type: "string", priority: 1, description: "Time when this Event was first observed" },
      { name: "Count", type: "string", priority: 1, description: "The number of times this event has occurred" },
      { name: "Name", type: "string", priority: 1, format: "name", description: "Name must be unique within a namespace" }],
    row: (e, now) => {
      const ev = e as Obj;
      const io = o(ev.involvedObject);
      const last = ev.lastTimestamp ?? ev.eventTime ?? e.metadata.creationTimestamp;
      const first = ev.firstTimestamp ?? ev.eventTime ?? e.metadata.creationTimestamp;
      const src = o(ev.source);
      return [age(last, now), str(ev.type, "Normal"), str(ev.reason, ""), `${String(io.kind ?? "").toLowerCase()}/${String(io.name ?? "")}`,
        str(io.fieldPath, ""), str(src.component ?? ev.reportingComponent, ""), str(ev.message, ""), age(first, now), String(ev.count ?? 1), e.metadata.name];
    },
  },
  ConfigMap: {
    columns: [NAME, { name: "Data", type: "integer", description: "Number of data items" }, AGE],
    row: (c, now) => [c.metadata.name, Object.keys(o((c as Obj).data)).length + Object.keys(o((c as Obj).binaryData)).length, age(c.metadata.creationTimestamp, now)],
  },
  Secret: {
    columns: [NAME, { name: "Type", type: "string", description: "The type of the secret" }, { name: "Data", type: "integer", description: "Number of data items" }, AGE],
    row: (s, now) => [s.metadata.name, str((s as Obj).type, "Opaque"), Object.keys(o((s as Obj).data)).length, age(s.metadata.creationTimestamp, now)],
  },
  ServiceAccount: {
    columns: [NAME, { name: "Secrets", type: "string", description: "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use." }, AGE],
    row: (s, now) => [s.metadata.name, String(arr((s as Obj).secrets).length), age(s.metadata.creationTimestamp, now)],
  },
  Ingress: {
    columns: [NAME,
      { name: "Class", type: "string", description: "The name of the IngressClass resource that should handle this ingress." },
      { name: "Hosts", type: "string", description: "Hosts that incoming requests are matched against before the ingress rule" },
      { name: "Address", type: "string", description: "Address is a list containing ingress points for the load-balancer" },
      { name: "Ports", type: "string", description: "Ports of TLS configurations that open" }, AGE],
    row: (i, now) => {
      const spec = o((i as Obj).spec);
      const hosts = arr(spec.rules).map((r) => String(r.host ?? "*"));
      const addrs = arr(o(o((i as Obj).status).loadBalancer).ingress).map((x) => String(x.ip ?? x.hostname));
      const cls = spec.ingressClassName ?? i.metadata.annotations?.["kubernetes.io/ingress.class"];
      return [i.metadata.name, str(cls), hosts.length ? hosts.join(",") : "*", addrs.join(","), arr(spec.tls).length ? "80, 443" : "80", age(i.metadata.creationTimestamp, now)];
    },
  },
  CustomResourceDefinition: {
    columns: [NAME, { name: "Created At", type: "date", description: "Time when this resource was created" }],
    row: (c) => [c.metadata.name, str(c.metadata.creationTimestamp, "")],
  },
  Gateway: {
    columns: [NAME, { name: "Class", type: "string", description: "" }, { name: "Address", type: "string", description: "" },
      { name: "Programmed", type: "string", description: "" }, AGE],
    row: (g, now) => {
      const status = o((g as Obj).status);
      const programmed = arr(status.conditions).find((c) => c.type === "Programmed");
      return [g.metadata.name, str(o((g as Obj).spec).gatewayClassName, ""), arr(status.addresses).map((a) => String(a.value)).join(","),
        str(programmed?.status, "Unknown"), age(g.metadata.creationTimestamp, now)];
    },
  },
  HTTPRoute: {
    columns: [NAME, { name: "Hostnames", type: "string", description: "" }, AGE],
    row: (r, now) => {
      const hostnames = o((r as Obj).spec).hostnames;
      return [r.metadata.name, Array.isArray(hostnames) && hostnames.length ? JSON.stringify(hostnames) : "", age(r.metadata.creationTimestamp, now)];
    },
  },
};

const DEFAULT_PRINTER: Printer = { columns: [NAME, AGE], row: (x, now) => [x.metadata.name, age(x.metadata.creationTimestamp, now)] };

export function partialMetadata(obj: KubeObject): Record<string, unknown> {
  return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: obj.metadata };
}

export type IncludeObject = "None" | "Metadata" | "Object";

export function toTable(type: ResourceType, items: KubeObject[], opts: { resourceVersion?: string; continue?: string;
  includeObject?: IncludeObject; noHeaders?: boolean; now?: Date }): Record<string, unknown> {
  const printer = printers[type.kind] ?? DEFAULT_PRINTER;
  const now = opts.now ?? new Date();
  const include = opts.includeObject ?? "Metadata";
  const table: Record<string, unknown> = {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: { ...(opts.resourceVersion ? { resourceVersion: opts.resourceVersion } : {}), ...(opts.continue ? { continue: opts.continue } : {}) },
    rows: items.map((item) => ({
      cells: printer.row(item, now),
      ...(include === "None" ? {} : { object: include === "Object" ? item : partialMetadata(item) }),
    })),
  };
  if (!opts.noHeaders) {
    table.columnDefinitions = printer.columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? "", description: c.description, priority: c.priority ?? 0 }));
  }
  return table;
}
