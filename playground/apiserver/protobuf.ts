// Decoding of the Kubernetes protobuf envelope for request bodies. kubectl's typed clients
// (`kubectl create namespace|configmap|secret|deployment|service ...`) send
// `application/vnd.kubernetes.protobuf` and do not fall back to JSON on 415, so the playground reads
// the kinds those commands create. The field numbers come from k8s.io/api's generated.proto files
// (go-to-protobuf numbers fields in Go struct order and never renumbers them).
import { unsupportedMediaType } from "./errors.ts";

type Json = Record<string, unknown>;

/** The wire: field number → raw values (varint as bigint, length-delimited as bytes). */
interface Field {
  no: number;
  wire: number;
  value: bigint | Uint8Array;
}

function readVarint(buf: Uint8Array, pos: { i: number }): bigint {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (pos.i >= buf.length) throw new Error("truncated varint");
    const b = buf[pos.i++]!;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return result;
    shift += 7n;
  }
}

export function decodeFields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  const pos = { i: 0 };
  while (pos.i < buf.length) {
    const tag = Number(readVarint(buf, pos));
    const no = tag >>> 3;
    const wire = tag & 7;
    if (wire === 0) out.push({ no, wire, value: readVarint(buf, pos) });
    else if (wire === 2) {
      const len = Number(readVarint(buf, pos));
      if (pos.i + len > buf.length) throw new Error("truncated field");
      out.push({ no, wire, value: buf.subarray(pos.i, pos.i + len) });
      pos.i += len;
    } else if (wire === 1) {
      out.push({ no, wire, value: buf.subarray(pos.i, pos.i + 8) });
      pos.i += 8;
    } else if (wire === 5) {
      out.push({ no, wire, value: buf.subarray(pos.i, pos.i + 4) });
      pos.i += 4;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

// Schema: message → field number → [json name, type]. Types: "string", "int", "bool", "bytes"
// (base64 in JSON), "time" (metav1.Time), "intstr", "quantity", "map" (string→string),
// "mapbytes" (string→base64), "mapquantity", a message name, or any of these with "[]" for repeated.
type Schema = Record<string, Record<number, [string, string]>>;

const schema: Schema = {
  ObjectMeta: {
    1: ["name", "string"], 2: ["generateName", "string"], 3: ["namespace", "string"], 5: ["uid", "string"],
    6: ["resourceVersion", "string"], 7: ["generation", "int"], 11: ["labels", "map"], 12: ["annotations", "map"],
    13: ["ownerReferences", "OwnerReference[]"], 14: ["finalizers", "string[]"],
  },
  OwnerReference: {
    1: ["kind", "string"], 3: ["name", "string"], 4: ["uid", "string"], 5: ["apiVersion", "string"],
    6: ["controller", "bool"], 7: ["blockOwnerDeletion", "bool"],
  },
  LabelSelector: { 1: ["matchLabels", "map"], 2: ["matchExpressions", "LabelSelectorRequirement[]"] },
  LabelSelectorRequirement: { 1: ["key", "string"], 2: ["operator", "string"], 3: ["values", "string[]"] },
  Namespace: { 1: ["metadata", "ObjectMeta"], 2: ["spec", "NamespaceSpec"] },
  NamespaceSpec: { 1: ["finalizers", "string[]"] },
  ConfigMap: { 1: ["metadata", "ObjectMeta"], 2: ["data", "map"], 3: ["binaryData", "mapbytes"], 4: ["immutable", "bool"] },
  Secret: { 1: ["metadata", "ObjectMeta"], 2: ["data", "mapbytes"], 3: ["type", "string"], 4: ["stringData", "map"], 5: ["immutable", "bool"] },
  SelfSubjectAccessReview: { 1: ["metadata", "ObjectMeta"], 2: ["spec", "SelfSubjectAccessReviewSpec"] },
  SelfSubjectAccessReviewSpec: { 1: ["resourceAttributes", "ResourceAttributes"], 2: ["nonResourceAttributes", "NonResourceAttributes"] },
  ResourceAttributes: {
    1: ["namespace", "string"], 2: ["verb", "string"], 3: ["group", "string"], 4: ["version", "string"],
    5: ["resource", "string"], 6: ["subresource", "string"], 7: ["name", "string"],
  },
  NonResourceAttributes: { 1: ["path", "string"], 2: ["verb", "string"] },
  SelfSubjectRulesReview: { 1: ["metadata", "ObjectMeta"], 2: ["spec", "SelfSubjectRulesReviewSpec"] },
  SelfSubjectRulesReviewSpec: { 1: ["namespace", "string"] },
  SelfSubjectReview: { 1: ["metadata", "ObjectMeta"] },
  Eviction: { 1: ["metadata", "ObjectMeta"] },
  ServiceAccount: { 1: ["metadata", "ObjectMeta"], 3: ["imagePullSecrets", "LocalObjectReference[]"], 4: ["automountServiceAccountToken", "bool"] },
  LocalObjectReference: { 1: ["name", "string"] },
  Service: { 1: ["metadata", "ObjectMeta"], 2: ["spec", "ServiceSpec"] },
  ServiceSpec: {
    1: ["ports", "ServicePort[]"], 2: ["selector", "map"], 3: ["clusterIP", "string"], 4: ["type", "string"],
    5: ["externalIPs", "string[]"], 7: ["sessionAffinity", "string"], 8: ["loadBalancerIP", "string"],
    10: ["externalName", "string"], 11: ["externalTrafficPolicy", "string"], 18: ["clusterIPs", "string[]"],
  },
  ServicePort: { 1: ["name", "string"], 2: ["protocol", "string"], 3: ["port", "int"], 4: ["targetPort", "intstr"], 5: ["nodePort", "int"], 6: ["appProtocol", "string"] },
  Deployment: { 1: ["metadata", "ObjectMeta"], 2: ["spec", "DeploymentSpec"] },
  DeploymentSpec: {
    1: ["replicas", "int"], 2: ["selector", "LabelSelector"], 3: ["template", "PodTemplateSpec"], 4: ["strategy", "DeploymentStrategy"],
    5: ["minReadySeconds", "int"], 6: ["revisionHistoryLimit", "int"], 7: ["paused", "bool"], 9: ["progressDeadlineSeconds", "int"],
  },
  DeploymentStrategy: { 1: ["type", "string"], 2: ["rollingUpdate", "RollingUpdateDeployment"] },
  RollingUpdateDeployment: { 1: ["maxUnavailable", "intstr"], 2: ["maxSurge", "intstr"] },
  PodTemplateSpec: { 1: ["metadata", "ObjectMeta"], 2: ["spec", "PodSpec"] },
  PodSpec: {
    2: ["containers", "Container[]"], 3: ["restartPolicy", "string"], 4: ["terminationGracePeriodSeconds", "int"],
    6: ["dnsPolicy", "string"], 7: ["nodeSelector", "map"], 8: ["serviceAccountName", "string"], 10: ["nodeName", "string"],
    20: ["initContainers", "Container[]"],
  },
  Container: {
    1: ["name", "string"], 2: ["image", "string"], 3: ["command", "string[]"], 4: ["args", "string[]"], 5: ["workingDir", "string"],
    6: ["ports", "ContainerPort[]"], 7: ["env", "EnvVar[]"], 8: ["resources", "ResourceRequirements"], 14: ["imagePullPolicy", "string"],
  },
  ContainerPort: { 1: ["name", "string"], 2: ["hostPort", "int"], 3: ["containerPort", "int"], 4: ["protocol", "string"], 5: ["hostIP", "string"] },
  EnvVar: { 1: ["name", "string"], 2: ["value", "string"] },
  ResourceRequirements: { 1: ["limits", "mapquantity"], 2: ["requests", "mapquantity"] },
};

/** The JSON kinds the decoder knows, by apiVersion/kind. */
const KINDS: Record<string, string> = {
  "v1/Namespace": "Namespace",
  "v1/ConfigMap": "ConfigMap",
  "v1/Secret": "Secret",
  "v1/ServiceAccount": "ServiceAccount",
  "v1/Service": "Service",
  "apps/v1/Deployment": "Deployment",
  "authorization.k8s.io/v1/SelfSubjectAccessReview": "SelfSubjectAccessReview",
  "authorization.k8s.io/v1/SelfSubjectRulesReview": "SelfSubjectRulesReview",
  "authentication.k8s.io/v1/SelfSubjectReview": "SelfSubjectReview",
  "policy/v1/Eviction": "Eviction",
};

const utf8 = new TextDecoder();

function decodeMessage(buf: Uint8Array, message: string): Json {
  const fields = schema[message];
  if (!fields) throw new Error(`no schema for ${message}`);
  const out: Json = {};
  for (const f of decodeFields(buf)) {
    const def = fields[f.no];
    if (!def) continue; // a field the playground does not read
    const [name, rawType] = def;
    const repeated = rawType.endsWith("[]");
    const type = repeated ? rawType.slice(0, -2) : rawType;
    if (type === "map" || type === "mapbytes" || type === "mapquantity") {
      const entry = decodeFields(f.value as Uint8Array);
      const k = entry.find((e) => e.no === 1);
      const v = entry.find((e) => e.no === 2);
      const key = k ? utf8.decode(k.value as Uint8Array) : "";
      const bytes = v ? (v.value as Uint8Array) : new Uint8Array();
      const mapValue = type === "map" ? utf8.decode(bytes) : type === "mapbytes" ? Buffer.from(bytes).toString("base64") : quantity(bytes);
      out[name] = { ...(out[name] as Json | undefined), [key]: mapValue };
      continue;
    }
    const value = scalar(f, type);
    if (repeated) out[name] = [...((out[name] as unknown[] | undefined) ?? []), value];
    else if (!isZero(value) || KEEP_ZERO.has(name)) out[name] = value;
  }
  return out;
}

/**
 * gogo-protobuf writes every non-pointer field, zero or not, where JSON would omit it (omitempty).
 * Zero values are dropped except for the pointer fields, which are written only when set.
 */
const KEEP_ZERO = new Set(["replicas", "revisionHistoryLimit", "progressDeadlineSeconds", "terminationGracePeriodSeconds",
  "immutable", "automountServiceAccountToken", "controller", "blockOwnerDeletion"]);

function isZero(v: unknown): boolean {
  if (v === "" || v === 0 || v === false) return true;
  return typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;
}

function quantity(bytes: Uint8Array): string {
  const s = decodeFields(bytes).find((e) => e.no === 1);
  return s ? utf8.decode(s.value as Uint8Array) : "";
}

function scalar(f: Field, type: string): unknown {
  switch (type) {
    case "string":
      return utf8.decode(f.value as Uint8Array);
    case "bytes":
      return Buffer.from(f.value as Uint8Array).toString("base64");
    case "int":
      return Number(BigInt.asIntN(64, f.value as bigint));
    case "bool":
      return f.value !== 0n;
    case "intstr": {
      const parts = decodeFields(f.value as Uint8Array);
      const kind = parts.find((p) => p.no === 1)?.value ?? 0n;
      if (kind === 1n) {
        const s = parts.find((p) => p.no === 3);
        return s ? utf8.decode(s.value as Uint8Array) : "";
      }
      return Number(BigInt.asIntN(32, (parts.find((p) => p.no === 2)?.value as bigint | undefined) ?? 0n));
    }
    default:
      return decodeMessage(f.value as Uint8Array, type);
  }
}

const MAGIC = [0x6b, 0x38, 0x73, 0x00]; // "k8s\0"

/** Decodes a protobuf request body into the JSON object it stands for; 415 for kinds it does not know. */
export function decodeKubernetesProtobuf(body: Uint8Array): Json {
  if (body.length < 4 || MAGIC.some((b, i) => body[i] !== b)) throw unsupportedMediaType("the body of the request was in an unknown format - accepted media types include: application/json, application/yaml");
  const unknown = decodeFields(body.subarray(4));
  const typeMeta = unknown.find((f) => f.no === 1);
  const raw = unknown.find((f) => f.no === 2);
  const tm = typeMeta ? decodeFields(typeMeta.value as Uint8Array) : [];
  const apiVersion = utf8.decode((tm.find((f) => f.no === 1)?.value as Uint8Array | undefined) ?? new Uint8Array());
  const kind = utf8.decode((tm.find((f) => f.no === 2)?.value as Uint8Array | undefined) ?? new Uint8Array());
  const message = KINDS[`${apiVersion}/${kind}`];
  if (!message || !raw) {
    throw unsupportedMediaType(`the playground reads protobuf bodies only for ${Object.keys(KINDS).join(", ")}; send ${apiVersion}/${kind} as application/json`);
  }
  return { apiVersion, kind, ...decodeMessage(raw.value as Uint8Array, message) };
}

/**
 * The raw field tree of a body (without the 4-byte magic), for adding a kind to the schema above:
 * log `dumpFields(body.subarray(4))` for what kubectl sends and match the numbers to generated.proto.
 */
export function dumpFields(buf: Uint8Array, depth = 0): string {
  const lines: string[] = [];
  for (const f of decodeFields(buf)) {
    if (f.wire === 2) {
      const bytes = f.value as Uint8Array;
      let nested: string | undefined;
      if (depth < 8) {
        try {
          nested = dumpFields(bytes, depth + 1);
        } catch {
          nested = undefined;
        }
      }
      const text = utf8.decode(bytes);
      const printable = /^[\x20-\x7e]*$/.test(text);
      lines.push(`${"  ".repeat(depth)}${f.no}: ${printable ? JSON.stringify(text) : `<${bytes.length} bytes>`}`);
      if (nested && !printable) lines.push(nested);
    } else lines.push(`${"  ".repeat(depth)}${f.no}: ${String(f.value)}`);
  }
  return lines.join("\n");
}
