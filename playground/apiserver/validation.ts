// Built-in validation: what kube-apiserver (or a CRD's schema) rejects with 422 Invalid. Returns the
// field errors; the store turns them into a Status with `details.causes`. Messages follow
// k8s.io/apimachinery's validation wording where the playground has an equivalent.
import type { KubeObject } from "../cluster/client.ts";
import type { FieldError } from "./errors.ts";

type Obj = Record<string, unknown>;

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

const MSG_SUBDOMAIN = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const MSG_LABEL1123 = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const MSG_LABEL1035 = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const MSG_LABEL_VALUE = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const MSG_NAME_PART = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

function obj(v: unknown): Obj | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : undefined;
}

export function validateQualifiedName(key: string, field: string, errs: FieldError[]): void {
  const slash = key.lastIndexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (!DNS1123_SUBDOMAIN.test(prefix) || prefix.length > 253)) {
    errs.push({ field, type: "Invalid value", value: key, detail: `prefix part ${MSG_SUBDOMAIN}` });
  }
  if (name.length === 0 || name.length > 63 || !NAME_PART.test(name)) {
    errs.push({ field, type: "Invalid value", value: key, detail: name.length > 63 ? "name part must be no more than 63 characters" : MSG_NAME_PART });
  }
}

export function validateLabels(labels: unknown, field: string, errs: FieldError[]): void {
  if (labels === undefined || labels === null) return;
  const l = obj(labels);
  if (!l) {
    errs.push({ field, type: "Invalid value", value: labels, detail: "must be a map of string to string" });
    return;
  }
  for (const [k, v] of Object.entries(l)) {
    validateQualifiedName(k, field, errs);
    if (typeof v !== "string") errs.push({ field, type: "Invalid value", value: v, detail: "must be a string" });
    else if (v.length > 63 || !LABEL_VALUE.test(v)) errs.push({ field, type: "Invalid value", value: v, detail: v.length > 63 ? "must be no more than 63 characters" : MSG_LABEL_VALUE });
  }
}

function validateMeta(object: KubeObject, nameRule: "subdomain" | "label1123" | "label1035", errs: FieldError[]): void {
  const m = object.metadata;
  if (!m.name) {
    errs.push({ field: "metadata.name", type: "Required value", detail: "name or generateName is required" });
  } else {
    const [re, msg, max] = nameRule === "subdomain" ? [DNS1123_SUBDOMAIN, MSG_SUBDOMAIN, 253]
      : nameRule === "label1123" ? [DNS1123_LABEL, MSG_LABEL1123, 63] : [DNS1035_LABEL, MSG_LABEL1035, 63];
    if (m.name.length > max) errs.push({ field: "metadata.name", type: "Invalid value", value: m.name, detail: `must be no more than ${max} characters` });
    else if (!re.test(m.name)) errs.push({ field: "metadata.name", type: "Invalid value", value: m.name, detail: msg });
  }
  validateLabels(m.labels, "metadata.labels", errs);
  if (m.annotations !== undefined) {
    const a = obj(m.annotations);
    if (!a) errs.push({ field: "metadata.annotations", type: "Invalid value", value: m.annotations, detail: "must be a map of string to string" });
    else for (const [k, v] of Object.entries(a)) {
      validateQualifiedName(k.toLowerCase(), "metadata.annotations", errs);
      if (typeof v !== "string") errs.push({ field: "metadata.annotations", type: "Invalid value", value: v, detail: "must be a string" });
    }
  }
}

function validPort(v: unknown): boolean {
  return typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 65535;
}

function validatePodSpec(spec: Obj | undefined, path: string, errs: FieldError[]): void {
  if (!spec) {
    errs.push({ field: path, type: "Required value" });
    return;
  }
  const containers = spec.containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    errs.push({ field: `${path}.containers`, type: "Required value" });
    return;
  }
  const names = new Set<string>();
  containers.forEach((c, i) => {
    const container = obj(c) ?? {};
    const cp = `${path}.containers[${i}]`;
    const name = container.name;
    if (typeof name !== "string" || name === "") errs.push({ field: `${cp}.name`, type: "Required value" });
    else if (!DNS1123_LABEL.test(name)) errs.push({ field: `${cp}.name`, type: "Invalid value", value: name, detail: MSG_LABEL1123 });
    else if (names.has(name)) errs.push({ field: `${cp}.name`, type: "Duplicate value", value: name });
    else names.add(name);
    if (typeof container.image !== "string" || container.image === "") errs.push({ field: `${cp}.image`, type: "Required value" });
    if (Array.isArray(container.ports)) {
      container.ports.forEach((p, j) => {
        const port = obj(p) ?? {};
        if (!validPort(port.containerPort)) {
          errs.push({ field: `${cp}.ports[${j}].containerPort`, type: "Invalid value", value: port.containerPort, detail: "must be between 1 and 65535, inclusive" });
        }
      });
    }
  });
}

const SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];

function validateService(o: Obj, errs: FieldError[]): void {
  const spec = obj(o.spec);
  if (!spec) {
    errs.push({ field: "spec", type: "Required value" });
    return;
  }
  const type = spec.type ?? "ClusterIP";
  if (!SERVICE_TYPES.includes(String(type))) {
    errs.push({ field: "spec.type", type: "Unsupported value", value: type, detail: `supported values: ${SERVICE_TYPES.map((s) => `"${s}"`).join(", ")}` });
  }
  const headless = spec.clusterIP === "None";
  const ports = spec.ports;
  if ((!Array.isArray(ports) || ports.length === 0) && !headless && type !== "ExternalName") {
    errs.push({ field: "spec.ports", type: "Required value" });
  }
  if (Array.isArray(ports)) {
    const names = new Set<string>();
    ports.forEach((p, i) => {
      const port = obj(p) ?? {};
      if (!validPort(port.port)) errs.push({ field: `spec.ports[${i}].port`, type: "Invalid value", value: port.port, detail: "must be between 1 and 65535, inclusive" });
      if (ports.length > 1 && !port.name) errs.push({ field: `spec.ports[${i}].name`, type: "Required value" });
      if (typeof port.name === "string") {
        if (names.has(port.name)) errs.push({ field: `spec.ports[${i}].name`, type: "Duplicate value", value: port.name });
        names.add(port.name);
      }
      const tp = port.targetPort;
      if (typeof tp === "number" && !validPort(tp)) errs.push({ field: `spec.ports[${i}].targetPort`, type: "Invalid value", value: tp, detail: "must be between 1 and 65535, inclusive" });
      if (port.protocol !== undefined && !["TCP", "UDP", "SCTP"].includes(String(port.protocol))) {
        errs.push({ field: `spec.ports[${i}].protocol`, type: "Unsupported value", value: port.protocol, detail: 'supported values: "SCTP", "TCP", "UDP"' });
      }
    });
  }
  validateLabels(spec.selector, "spec.selector", errs);
}

function validateWorkload(o: Obj, errs: FieldError[]): void {
  const spec = obj(o.spec);
  if (!spec) {
    errs.push({ field: "spec", type: "Required value" });
    return;
  }
  const selector = obj(spec.selector);
  const template = obj(spec.template);
  if (!selector) errs.push({ field: "spec.selector", type: "Required value" });
  if (typeof spec.replicas === "number" && (spec.replicas < 0 || !Number.isInteger(spec.replicas))) {
    errs.push({ field: "spec.replicas", type: "Invalid value", value: spec.replicas, detail: "must be greater than or equal to 0" });
  }
  const labels = obj(obj(template?.metadata)?.labels) ?? {};
  if (selector) {
    const matchLabels = obj(selector.matchLabels) ?? {};
    if (Object.keys(matchLabels).length === 0 && !Array.isArray(selector.matchExpressions)) {
      errs.push({ field: "spec.selector", type: "Invalid value", value: selector, detail: "empty selector is invalid for deployment" });
    } else if (Object.entries(matchLabels).some(([k, v]) => labels[k] !== v)) {
      errs.push({ field: "spec.template.metadata.labels", type: "Invalid value", value: labels, detail: "`selector` does not match template `labels`" });
    }
  }
  validatePodSpec(obj(template?.spec), "spec.template.spec", errs);
}

function checkInt(v: unknown, field: string, min: number, max: number, errs: FieldError[]): void {
  if (v === undefined) return;
  if (typeof v !== "number" || !Number.isInteger(v)) {
    errs.push({ field, type: "Invalid value", value: v, detail: "must be of type integer" });
  } else if (v < min) {
    errs.push({ field, type: "Invalid value", value: v, detail: `${field} in body should be greater than or equal to ${min}` });
  } else if (v > max) {
    // A CRD's schema bounds, worded as the apiextensions OpenAPI validator words them (field path repeated).
    errs.push({ field, type: "Invalid value", value: v, detail: `${field} in body should be less than or equal to ${max}` });
  }
}

/** gke-neg.md §7: the HealthCheckPolicy CRD's schema and its CEL rules. */
function validateHealthCheckPolicy(o: Obj, errs: FieldError[]): void {
  const spec = obj(o.spec);
  if (!spec) {
    errs.push({ field: "spec", type: "Required value" });
    return;
  }
  const targetRef = obj(spec.targetRef);
  if (!targetRef) errs.push({ field: "spec.targetRef", type: "Required value" });
  else {
    if (!targetRef.kind) errs.push({ field: "spec.targetRef.kind", type: "Required value" });
    if (!targetRef.name) errs.push({ field: "spec.targetRef.name", type: "Required value" });
  }
  const def = obj(spec.default);
  if (!def) return;
  checkInt(def.checkIntervalSec, "spec.default.checkIntervalSec", 1, 300, errs);
  checkInt(def.timeoutSec, "spec.default.timeoutSec", 1, 300, errs);
  checkInt(def.healthyThreshold, "spec.default.healthyThreshold", 1, 10, errs);
  checkInt(def.unhealthyThreshold, "spec.default.unhealthyThreshold", 1, 10, errs);
  const interval = typeof def.checkIntervalSec === "number" ? def.checkIntervalSec : 5;
  const timeout = typeof def.timeoutSec === "number" ? def.timeoutSec : 5;
  if (timeout > interval) {
    errs.push({ field: "spec.default", type: "Invalid value", value: "object", detail: "timeoutSec must be less than or equal to checkIntervalSec" });
  }
  const config = obj(def.config);
  if (!config) return;
  const types: Record<string, string> = { TCP: "tcpHealthCheck", HTTP: "httpHealthCheck", HTTPS: "httpsHealthCheck", HTTP2: "http2HealthCheck", GRPC: "grpcHealthCheck" };
  const type = config.type;
  if (type === undefined) {
    errs.push({ field: "spec.default.config.type", type: "Required value" });
    return;
  }
  if (typeof type !== "string" || !(type in types)) {
    errs.push({ field: "spec.default.config.type", type: "Unsupported value", value: type, detail: 'supported values: "TCP", "HTTP", "HTTPS", "HTTP2", "GRPC"' });
    return;
  }
  const blockName = types[type]!;
  for (const other of Object.values(types)) {
    if (other !== blockName && config[other] !== undefined) {
      errs.push({ field: "spec.default.config", type: "Invalid value", value: "object", detail: `exactly one of the health check blocks must be set and it must match type ${type}; found ${other}` });
    }
  }
  const block = obj(config[blockName]);
  if (!block) return;
  const bp = `spec.default.config.${blockName}`;
  checkInt(block.port, `${bp}.port`, 1, 65535, errs);
  const spec_ = block.portSpecification;
  const hasPort = block.port !== undefined;
  const hasName = block.portName !== undefined;
  if (spec_ !== undefined && !["USE_FIXED_PORT", "USE_NAMED_PORT", "USE_SERVING_PORT"].includes(String(spec_))) {
    errs.push({ field: `${bp}.portSpecification`, type: "Unsupported value", value: spec_, detail: 'supported values: "USE_FIXED_PORT", "USE_NAMED_PORT", "USE_SERVING_PORT"' });
  } else if (spec_ === "USE_FIXED_PORT") {
    if (!hasPort) errs.push({ field: `${bp}.port`, type: "Required value", detail: "port must be set when portSpecification is USE_FIXED_PORT" });
    if (hasName) errs.push({ field: `${bp}.portName`, type: "Forbidden", detail: "portName must not be set when portSpecification is USE_FIXED_PORT" });
  } else if (spec_ === "USE_NAMED_PORT") {
    if (!hasName) errs.push({ field: `${bp}.portName`, type: "Required value", detail: "portName must be set when portSpecification is USE_NAMED_PORT" });
    if (hasPort) errs.push({ field: `${bp}.port`, type: "Forbidden", detail: "port must not be set when portSpecification is USE_NAMED_PORT" });
  } else {
    if (hasPort) errs.push({ field: `${bp}.port`, type: "Forbidden", detail: "port must not be set when portSpecification is USE_SERVING_PORT or unset" });
    if (hasName) errs.push({ field: `${bp}.portName`, type: "Forbidden", detail: "portName must not be set when portSpecification is USE_SERVING_PORT or unset" });
  }
  if (block.requestPath !== undefined && (typeof block.requestPath !== "string" || !block.requestPath.startsWith("/"))) {
    errs.push({ field: `${bp}.requestPath`, type: "Invalid value", value: block.requestPath, detail: "must start with /" });
  }
}

/** gke-neg.md §3: the BackendConfig CRD schema has types only; no enums, no ranges. */
function validateBackendConfig(o: Obj, errs: FieldError[]): void {
  const hc = obj(obj(o.spec)?.healthCheck);
  if (!hc) return;
  for (const f of ["checkIntervalSec", "timeoutSec", "healthyThreshold", "unhealthyThreshold", "port"]) {
    const v = hc[f];
    if (v !== undefined && (typeof v !== "number" || !Number.isInteger(v))) {
      errs.push({ field: `spec.healthCheck.${f}`, type: "Invalid value", value: v, detail: `spec.healthCheck.${f} in body must be of type integer: "${typeof v}"` });
    }
  }
  for (const f of ["type", "requestPath"]) {
    const v = hc[f];
    if (v !== undefined && typeof v !== "string") {
      errs.push({ field: `spec.healthCheck.${f}`, type: "Invalid value", value: v, detail: `spec.healthCheck.${f} in body must be of type string: "${typeof v}"` });
    }
  }
}

export function validateObject(object: KubeObject, old: KubeObject | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const o = object as Obj;
  const nameRule = object.kind === "Namespace" ? "label1123" : object.kind === "Service" ? "label1035" : "subdomain";
  validateMeta(object, nameRule, errs);
  switch (object.kind) {
    case "Pod":
      validatePodSpec(obj(o.spec), "spec", errs);
      if (old) validatePodUpdate(o, old as Obj, errs);
      break;
    case "Service":
      validateService(o, errs);
      if (old) {
        const was = obj((old as Obj).spec)?.clusterIP;
        const now = obj(o.spec)?.clusterIP;
        if (was !== undefined && now !== was) errs.push({ field: "spec.clusterIP", type: "Invalid value", value: now, detail: "field is immutable" });
      }
      break;
    case "Deployment":
    case "ReplicaSet":
      validateWorkload(o, errs);
      if (old && object.kind === "Deployment" && JSON.stringify(obj((old as Obj).spec)?.selector) !== JSON.stringify(obj(o.spec)?.selector)) {
        errs.push({ field: "spec.selector", type: "Invalid value", value: obj(o.spec)?.selector, detail: "field is immutable" });
      }
      break;
    case "HealthCheckPolicy":
      validateHealthCheckPolicy(o, errs);
      break;
    case "BackendConfig":
      validateBackendConfig(o, errs);
      break;
  }
  return errs;
}

/**
 * Pod specs are mostly immutable. The playground allows what kube-apiserver allows (images,
 * activeDeadlineSeconds, tolerations additions) plus setting spec.nodeName once, which stands in for
 * the pods/binding subresource the scheduler would use.
 */
function validatePodUpdate(o: Obj, old: Obj, errs: FieldError[]): void {
  const a = structuredClone(obj(o.spec) ?? {});
  const b = structuredClone(obj(old.spec) ?? {});
  for (const s of [a, b]) {
    delete s.activeDeadlineSeconds;
    delete s.tolerations;
    for (const list of ["containers", "initContainers"]) {
      const cs = s[list];
      if (Array.isArray(cs)) for (const c of cs) if (obj(c)) delete (c as Obj).image;
    }
  }
  if (!b.nodeName) delete a.nodeName;
  if (JSON.stringify(sortKeys(a)) !== JSON.stringify(sortKeys(b))) {
    errs.push({ field: "spec", type: "Forbidden", detail: "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)" });
  }
}

export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  const o = obj(v);
  if (!o) return v;
  const out: Obj = {};
  for (const k of Object.keys(o).sort()) out[k] = sortKeys(o[k]);
  return out;
}
