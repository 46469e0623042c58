// The API server's errors, worded like kube-apiserver's (k8s.io/apimachinery/pkg/api/errors), and
// their `Status` form on the wire.
import { ClusterError } from "../cluster/client.ts";
import type { StatusCause } from "../cluster/client.ts";
import type { ResourceType } from "./catalog.ts";

/** `pods`, `deployments.apps`: how kube-apiserver names a resource in messages. */
export function qualified(type: { group: string; plural: string }): string {
  return type.group === "" ? type.plural : `${type.plural}.${type.group}`;
}

export function notFound(type: { group: string; plural: string }, name: string): ClusterError {
  return new ClusterError(404, "NotFound", `${qualified(type)} "${name}" not found`, { name, group: type.group, kind: type.plural });
}

export function alreadyExists(type: ResourceType, name: string): ClusterError {
  return new ClusterError(409, "AlreadyExists", `${qualified(type)} "${name}" already exists`, { name, group: type.group, kind: type.plural });
}

export function conflict(type: ResourceType, name: string, why = "the object has been modified; please apply your changes to the latest version and try again"): ClusterError {
  return new ClusterError(409, "Conflict", `Operation cannot be fulfilled on ${qualified(type)} "${name}": ${why}`, {
    name, group: type.group, kind: type.plural,
  });
}

export function badRequest(message: string): ClusterError {
  return new ClusterError(400, "BadRequest", message);
}

export function forbidden(type: ResourceType, name: string, why: string): ClusterError {
  return new ClusterError(403, "Forbidden", `${qualified(type)} "${name}" is forbidden: ${why}`, { name, group: type.group, kind: type.plural });
}

export function gone(message: string): ClusterError {
  return new ClusterError(410, "Expired", message);
}

export function unsupportedMediaType(message: string): ClusterError {
  return new ClusterError(415, "UnsupportedMediaType", message);
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
  return new ClusterError(422, "Invalid", `${groupKind} "${name}" is invalid: ${list}`, {
    name, group: type.group, kind: type.kind, causes,
  });
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
