// The API server's errors, worded like kube-apiserver's (k8s.io/apimachinery/pkg/api/errors), and
// their `Status` form on the wire.
import { ClusterError } from "../cluster/client.ts";
import type { StatusCause, StatusDetails } from "../cluster/client.ts";
import type { ResourceType } from "./catalog.ts";

/** `pods`, `deployments.apps`: how kube-apiserver names a resource in messages. */
export function qualified(type: { group: string; plural: string }): string {
  return type.group === "" ? type.plural : `${type.plural}.${type.group}`;
}

/**
 * Status `details` as kube-apiserver sends them: `group` is omitempty there, so a core-group ("")
 * resource's details carry no `group` at all.
 */
function details(group: string, name: string, kind: string, causes?: StatusCause[]): StatusDetails {
  return { name, ...(group ? { group } : {}), kind, ...(causes ? { causes } : {}) };
}

export function notFound(type: { group: string; plural: string }, name: string): ClusterError {
  return new ClusterError(404, "NotFound", `${qualified(type)} "${name}" not found`, details(type.group, name, type.plural));
}

export function alreadyExists(type: ResourceType, name: string): ClusterError {
  return new ClusterError(409, "AlreadyExists", `${qualified(type)} "${name}" already exists`, details(type.group, name, type.plural));
}

export function conflict(type: ResourceType, name: string, why = "the object has been modified; please apply your changes to the latest version and try again"): ClusterError {
  return new ClusterError(409, "Conflict", `Operation cannot be fulfilled on ${qualified(type)} "${name}": ${why}`, details(type.group, name, type.plural));
}

/**
 * A failed DELETE precondition. kube-apiserver checks it in rest.BeforeDelete, which names the Kind
 * (group-qualified) where every other Conflict names the resource, and words it its own way.
 */
export function preconditionFailed(type: ResourceType, name: string, field: "UID" | "ResourceVersion", wanted: string, actual: string | undefined): ClusterError {
  const groupKind = type.group === "" ? type.kind : `${type.kind}.${type.group}`;
  const why = field === "UID"
    ? `the UID in the precondition (${wanted}) does not match the UID in record (${actual ?? ""}). The object might have been deleted and then recreated`
    : `the ResourceVersion in the precondition (${wanted}) does not match the ResourceVersion in record (${actual ?? ""}). The object might have been modified`;
  return new ClusterError(409, "Conflict", `Operation cannot be fulfilled on ${groupKind} "${name}": ${why}`, details(type.group, name, type.kind));
}

export function badRequest(message: string): ClusterError {
  return new ClusterError(400, "BadRequest", message);
}

export function forbidden(type: ResourceType, name: string, why: string): ClusterError {
  return new ClusterError(403, "Forbidden", `${qualified(type)} "${name}" is forbidden: ${why}`, details(type.group, name, type.plural));
}

export function gone(message: string): ClusterError {
  return new ClusterError(410, "Expired", message);
}

export function unsupportedMediaType(message: string): ClusterError {
  return new ClusterError(415, "UnsupportedMediaType", message);
}

/**
 * A request whose Content-Type no route of a built-in kind consumes: go-restful refuses it before any
 * handler runs, and kube-apiserver wraps that as a generic Status (`details: {}`).
 */
export function unsupportedMediaTypeRoute(): ClusterError {
  return new ClusterError(415, "UnsupportedMediaType", "415: Unsupported Media Type", {});
}

export function methodNotAllowed(message = "the server does not allow this method on the requested resource"): ClusterError {
  return new ClusterError(405, "MethodNotAllowed", message);
}

export function unauthorized(): ClusterError {
  return new ClusterError(401, "Unauthorized", "Unauthorized");
}

/** A field error as kube-apiserver's field.Error renders it: `<field>: <type>: <detail>`. */
export interface FieldError {
  field: string;
  type: "Required value" | "Invalid value" | "Unsupported value" | "Forbidden" | "Duplicate value" | "Too long" | "Not found";
  value?: unknown;
  detail?: string;
}

const CAUSE_REASON: Record<FieldError["type"], string> = {
  "Required value": "FieldValueRequired",
  "Invalid value": "FieldValueInvalid",
  "Unsupported value": "FieldValueNotSupported",
  Forbidden: "FieldValueForbidden",
  "Duplicate value": "FieldValueDuplicate",
  "Too long": "FieldValueTooLong",
  "Not found": "FieldValueNotFound",
};

function renderValue(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (v === undefined) return "null";
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

function errorBody(e: FieldError): string {
  const hasValue = e.type === "Invalid value" || e.type === "Unsupported value" || e.type === "Duplicate value";
  const value = hasValue ? `${e.type}: ${renderValue(e.value)}` : e.type;
  return e.detail ? `${value}: ${e.detail}` : value;
}

/** 422 Invalid: `Pod "x" is invalid: spec.containers: Required value` with one cause per field error. */
export function invalid(type: ResourceType, name: string, errors: FieldError[]): ClusterError {
  const causes: StatusCause[] = errors.map((e) => ({ reason: CAUSE_REASON[e.type], message: errorBody(e), field: e.field }));
  const rendered = errors.map((e) => `${e.field}: ${errorBody(e)}`);
  const list = rendered.length === 1 ? rendered[0]! : `[${rendered.join(", ")}]`;
  const groupKind = type.group === "" ? type.kind : `${type.kind}.${type.group}`;
  return new ClusterError(422, "Invalid", `${groupKind} "${name}" is invalid: ${list}`, details(type.group, name, type.kind, causes));
}

export function toStatus(err: unknown): { code: number; status: Record<string, unknown> } {
  const e = err instanceof ClusterError ? err : new ClusterError(500, "InternalError", `Internal error occurred: ${(err as Error)?.message ?? String(err)}`);
  const status: Record<string, unknown> = {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: e.message,
    reason: e.reason,
    code: e.code,
  };
  if (e.details) status.details = e.details;
  return { code: e.code, status };
}
