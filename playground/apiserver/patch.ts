// The three patch formats kube-apiserver accepts from kubectl: RFC 6902 JSON patch (fast-json-patch),
// RFC 7386 JSON merge patch, and strategic merge patch for built-in kinds.
import fjp from "fast-json-patch";
import type { Operation } from "fast-json-patch";
import { ClusterError } from "../cluster/client.ts";
import { badRequest } from "./errors.ts";

type Json = unknown;
type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * RFC 6902. A failed `test` (or a path that does not exist) is kube-apiserver's BARE 422
 * "the server rejected our request due to an error in our request" (NewGenericServerResponse in
 * apiserver's handlers/patch.go): reason Invalid, no causes — the conformance run against the real
 * server pins it (conformance/status.test.ts). The patch library's message is kept only for our log.
 */
export function applyJsonPatch(doc: Json, patch: unknown): Json {
  if (!Array.isArray(patch)) throw badRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  for (const op of patch) {
    if (!isObject(op) || typeof op.op !== "string") throw badRequest("Unable to decode patch: missing op");
    if (!["add", "remove", "replace", "move", "copy", "test"].includes(op.op)) throw badRequest(`Unexpected kind: ${op.op}`);
  }
  try {
    return fjp.applyPatch(structuredClone(doc), patch as Operation[], true, true).newDocument;
  } catch (err) {
    // Worded like evanphx/json-patch, the library kube-apiserver uses.
    const e = err as { name?: string; operation?: { op?: string; path?: string }; message?: string };
    const message = e.name === "TEST_OPERATION_FAILED" && e.operation?.path !== undefined
      ? `testing value ${e.operation.path} failed: test failed`
      : e.name === "OPERATION_PATH_UNRESOLVABLE" && e.operation?.path !== undefined
        ? `${e.operation.op ?? "patch"} operation does not apply: doc is missing path: "${e.operation.path}": missing value`
        : (e.message ?? String(err)).split("\n")[0]!;
    void message;
    throw new ClusterError(422, "Invalid", "the server rejected our request due to an error in our request", {});
  }
}

/** RFC 7386: objects merge recursively, null deletes, anything else (arrays too) replaces. */
export function applyMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const result: JsonObject = isObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

/**
 * Merge keys of the built-in types' list fields (the `patchMergeKey` struct tags of k8s.io/api),
 * looked up by field name and, where one name means two things, by the parent field.
 */
function mergeKeyFor(path: string[], field: string): string | undefined {
  const parent = path[path.length - 1] ?? "";
  switch (field) {
    case "containers":
    case "initContainers":
    case "ephemeralContainers":
    case "env":
    case "volumes":
    case "imagePullSecrets":
      return "name";
    case "hostAliases":
      return "ip";
    case "volumeMounts":
      return "mountPath";
    case "volumeDevices":
      return "devicePath";
    case "conditions":
      return "type";
    case "ownerReferences":
      return "uid";
    case "podIPs":
    case "hostIPs":
      return "ip";
    case "topologySpreadConstraints":
      return "topologyKey";
    case "ports":
      // Container ports merge on containerPort; Service ports (spec.ports) on port.
      return path.includes("containers") || path.includes("initContainers") || path.includes("ephemeralContainers") ? "containerPort"
        : parent === "spec" ? "port" : undefined;
    default:
      return undefined;
  }
}

/** Primitive lists with patchStrategy merge (set union). */
function isMergedPrimitiveList(field: string): boolean {
  return field === "finalizers";
}

/** Strategic merge patch (k8s.io/apimachinery strategicpatch), the directives kubectl sends included. */
export function applyStrategicMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) throw badRequest("json: cannot unmarshal into Go value of type map[string]interface {}");
  return mergeMap(isObject(target) ? target : {}, patch, []);
}

function mergeMap(original: JsonObject, patch: JsonObject, path: string[]): JsonObject {
  if (patch.$patch === "replace") {
    const copy = structuredClone(patch);
    delete copy.$patch;
    return stripDirectives(copy) as JsonObject;
  }
  if (patch.$patch === "delete") return {};
  const result: JsonObject = structuredClone(original);
  let retainKeys: string[] | undefined;
  for (const [key, value] of Object.entries(patch)) {
    if (key === "$patch") continue;
    if (key === "$retainKeys") {
      if (Array.isArray(value)) retainKeys = value.map(String);
      continue;
    }
    // Element order hints: the merge result keeps the original order, which is what matters here.
    if (key.startsWith("$setElementOrder/")) continue;
    if (key.startsWith("$deleteFromPrimitiveList/")) {
      const field = key.slice("$deleteFromPrimitiveList/".length);
      const list = result[field];
      if (Array.isArray(list) && Array.isArray(value)) {
        result[field] = list.filter((v) => !value.some((d) => JSON.stringify(d) === JSON.stringify(v)));
      }
      continue;
    }
    if (value === null) {
      delete result[key];
      continue;
    }
    const current = result[key];
    if (isObject(value)) {
      result[key] = mergeMap(isObject(current) ? current : {}, value, [...path, key]);
    } else if (Array.isArray(value)) {
      result[key] = mergeList(Array.isArray(current) ? current : [], value, path, key);
    } else {
      result[key] = value;
    }
  }
  if (retainKeys) {
    for (const key of Object.keys(result)) if (!retainKeys.includes(key)) delete result[key];
  }
  return result;
}

function mergeList(original: unknown[], patch: unknown[], path: string[], field: string): unknown[] {
  // `- $patch: replace` as a list element: the list becomes the other elements.
  if (patch.some((e) => isObject(e) && e.$patch === "replace")) {
    return patch.filter((e) => !(isObject(e) && e.$patch === "replace")).map(stripDirectives);
  }
  if (isMergedPrimitiveList(field)) {
    const out = [...original];
    for (const v of patch) if (!out.some((o) => JSON.stringify(o) === JSON.stringify(v))) out.push(v);
    return out;
  }
  const key = mergeKeyFor(path, field);
  if (!key) return patch.filter((e) => !(isObject(e) && e.$patch === "delete")).map(stripDirectives);
  const out = original.map((e) => structuredClone(e));
  for (const element of patch) {
    if (!isObject(element)) {
      out.push(element);
      continue;
    }
    const k = element[key];
    const index = out.findIndex((o) => isObject(o) && o[key] === k);
    if (element.$patch === "delete") {
      if (index >= 0) out.splice(index, 1);
      continue;
    }
    if (index >= 0) out[index] = mergeMap(out[index] as JsonObject, element, [...path, field]);
    else out.push(mergeMap({}, element, [...path, field]));
  }
  return out;
}

function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, val] of Object.entries(v)) {
    if (k.startsWith("$")) continue;
    out[k] = stripDirectives(val);
  }
  return out;
}
