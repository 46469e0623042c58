// OpenAPI v2 (`/openapi/v2`), which kubectl before 1.29 reads, in the only form it accepts: the
// gnostic protobuf `openapi.v2.Document` (google/gnostic openapiv2/OpenAPIv2.proto). Like the v3
// documents in discovery.ts it carries only what kubectl looks at: each kind's PATCH operation with
// its `x-kubernetes-group-version-kind` extension and the `fieldValidation` query parameter, so
// kubectl leaves validation to the server. No definitions: kubectl then builds strategic merge
// patches from its compiled-in types.
import type { ResourceType } from "./catalog.ts";

/** The response type kube-openapi sends (the request's `@v1.0` form is not a valid media type for Go). */
export const OPENAPI_V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** A length-delimited field (strings and nested messages). */
function field(no: number, payload: Uint8Array | string): Uint8Array {
  const bytes = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
  return concat([Uint8Array.from([...varint((no << 3) | 2), ...varint(bytes.length)]), bytes]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let i = 0;
  for (const p of parts) {
    out.set(p, i);
    i += p.length;
  }
  return out;
}

function queryParameter(name: string): Uint8Array {
  // ParametersItem{parameter=1: Parameter{non_body_parameter=2: NonBodyParameter{query_parameter_sub_schema=3:
  //   QueryParameterSubSchema{in=2, name=4, type=6}}}}
  const sub = concat([field(2, "query"), field(4, name), field(6, "string")]);
  return field(1, field(2, field(3, sub)));
}

function gvkExtension(t: ResourceType): Uint8Array {
  // NamedAny{name=1, value=2: Any{yaml=2}}
  const yaml = `group: "${t.group}"\nkind: ${t.kind}\nversion: ${t.version}\n`;
  return concat([field(1, "x-kubernetes-group-version-kind"), field(2, field(2, yaml))]);
}

export function openapiV2Document(types: ResourceType[], version: string): Uint8Array {
  const paths: Uint8Array[] = [];
  for (const t of types) {
    if (!t.verbs.includes("patch")) continue;
    const gv = t.group === "" ? `api/${t.version}` : `apis/${t.group}/${t.version}`;
    const path = `/${gv}${t.namespaced ? "/namespaces/{namespace}" : ""}/${t.plural}/{name}`;
    // Operation{operation_id=5, parameters=8 (repeated), vendor_extension=13 (repeated)}
    const operation = concat([
      field(5, `patch${t.kind}`),
      ...["dryRun", "fieldManager", "fieldValidation", "force", "pretty"].map((p) => field(8, queryParameter(p))),
      field(13, gvkExtension(t)),
    ]);
    // NamedPathItem{name=1, value=2: PathItem{patch=8}}
    paths.push(field(2, concat([field(1, path), field(2, field(8, operation))])));
  }
  // Document{swagger=1, info=2: Info{title=1, version=2}, paths=8: Paths{path=2 (repeated)}}
  return concat([field(1, "2.0"), field(2, concat([field(1, "Kubernetes"), field(2, version)])), field(8, concat(paths))]);
}
