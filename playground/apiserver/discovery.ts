// Discovery documents, in the legacy form (APIVersions, APIGroupList, APIResourceList) and the
// aggregated form kubectl >= 1.30 asks for first (apidiscovery.k8s.io/v2 APIGroupDiscoveryList),
// plus the minimal OpenAPI v3 kubectl needs to learn that the server does field validation.
import type { ResourceType } from "./catalog.ts";

export const SERVER_VERSION = {
  major: "1",
  minor: "32",
  gitVersion: "v1.32.4-gke.1000",
  gitCommit: "playground",
  gitTreeState: "clean",
  buildDate: "2026-01-01T00:00:00Z",
  goVersion: "go1.23.8",
  compiler: "gc",
  platform: "linux/amd64",
};

interface GroupVersions {
  group: string;
  versions: Map<string, ResourceType[]>;
}

function groups(types: ResourceType[]): GroupVersions[] {
  const out = new Map<string, GroupVersions>();
  for (const t of types) {
    let g = out.get(t.group);
    if (!g) out.set(t.group, (g = { group: t.group, versions: new Map() }));
    let list = g.versions.get(t.version);
    if (!list) g.versions.set(t.version, (list = []));
    list.push(t);
  }
  return [...out.values()];
}

function subresources(t: ResourceType): Array<{ name: string; kind: string; group?: string; version?: string; verbs: string[] }> {
  const subs: Array<{ name: string; kind: string; group?: string; version?: string; verbs: string[] }> = [];
  if (t.statusSubresource) subs.push({ name: "status", kind: t.kind, verbs: ["get", "patch", "update"] });
  if (t.kind === "Deployment" || t.kind === "ReplicaSet") subs.push({ name: "scale", kind: "Scale", group: "autoscaling", version: "v1", verbs: ["get", "patch", "update"] });
  if (t.kind === "Pod") {
    subs.push({ name: "binding", kind: "Binding", verbs: ["create"] });
    subs.push({ name: "log", kind: "Pod", verbs: ["get"] });
    subs.push({ name: "eviction", kind: "Eviction", group: "policy", version: "v1", verbs: ["create"] });
    subs.push({ name: "proxy", kind: "PodProxyOptions", verbs: ["create", "delete", "get", "patch", "update"] });
  }
  return subs;
}

export function apiVersions(host: string): Record<string, unknown> {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: host }],
  };
}

export function apiGroupList(types: ResourceType[]): Record<string, unknown> {
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: groups(types).filter((g) => g.group !== "").map((g) => {
      const versions = [...g.versions.keys()].map((v) => ({ groupVersion: `${g.group}/${v}`, version: v }));
      return { name: g.group, versions, preferredVersion: versions[0] };
    }),
  };
}

export function apiResourceList(types: ResourceType[], group: string, version: string): Record<string, unknown> | undefined {
  const list = types.filter((t) => t.group === group && t.version === version);
  if (list.length === 0) return undefined;
  const resources: Array<Record<string, unknown>> = [];
  for (const t of list) {
    resources.push({
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: t.verbs,
      ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
      ...(t.categories.length ? { categories: t.categories } : {}),
      storageVersionHash: Buffer.from(`${t.group}/${t.version}/${t.plural}`).toString("base64").slice(0, 11),
    });
    for (const s of subresources(t)) {
      resources.push({
        name: `${t.plural}/${s.name}`, singularName: "", namespaced: t.namespaced, kind: s.kind, verbs: s.verbs,
        ...(s.group ? { group: s.group, version: s.version } : {}),
      });
    }
  }
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: group === "" ? version : `${group}/${version}`, resources };
}

/** apidiscovery.k8s.io/v2: `/api` answers the core group, `/apis` the others. */
export function aggregatedDiscovery(types: ResourceType[], core: boolean): Record<string, unknown> {
  const items = groups(types).filter((g) => (g.group === "") === core).map((g) => ({
    metadata: { name: g.group, creationTimestamp: null },
    versions: [...g.versions.entries()].map(([version, list]) => ({
      version,
      resources: list.map((t) => ({
        resource: t.plural,
        responseKind: { group: "", version: "", kind: t.kind },
        scope: t.namespaced ? "Namespaced" : "Cluster",
        singularResource: t.singular,
        verbs: t.verbs,
        ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
        ...(t.categories.length ? { categories: t.categories } : {}),
        ...(subresources(t).length ? {
          subresources: subresources(t).map((s) => ({
            subresource: s.name,
            responseKind: { group: s.group ?? "", version: s.version ?? "", kind: s.kind },
            verbs: s.verbs,
          })),
        } : {}),
      })),
      freshness: "Current",
    })),
  }));
  return { kind: "APIGroupDiscoveryList", apiVersion: "apidiscovery.k8s.io/v2", metadata: {}, items };
}

function gvPath(group: string, version: string): string {
  return group === "" ? `api/${version}` : `apis/${group}/${version}`;
}

export function openapiV3Root(types: ResourceType[]): Record<string, unknown> {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const g of groups(types)) {
    for (const version of g.versions.keys()) {
      const p = gvPath(g.group, version);
      paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hashOf(types, g.group, version)}` };
    }
  }
  return { paths };
}

function hashOf(types: ResourceType[], group: string, version: string): string {
  const names = types.filter((t) => t.group === group && t.version === version).map((t) => t.plural).join(",");
  let h = 0;
  for (const ch of names) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h.toString(16).toUpperCase().padStart(8, "0");
}

/**
 * One group version's OpenAPI v3 document, reduced to what kubectl reads: the object paths with
 * their PATCH operation, the GVK extension and the `fieldValidation` parameter (so kubectl leaves
 * validation to the server). No strategic-merge content type is listed, so kubectl builds strategic
 * patches for built-in kinds from its own compiled-in types, and JSON merge patches for CRDs.
 */
export function openapiV3GroupVersion(types: ResourceType[], group: string, version: string): Record<string, unknown> | undefined {
  const list = types.filter((t) => t.group === group && t.version === version);
  if (list.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  const params = ["dryRun", "fieldManager", "fieldValidation", "force", "pretty"].map((name) => ({
    name, in: "query", schema: { type: name === "force" ? "boolean" : "string", uniqueItems: true },
  }));
  for (const t of list) {
    const base = `/${gvPath(group, version)}${t.namespaced ? "/namespaces/{namespace}" : ""}/${t.plural}/{name}`;
    const gvk = { group, version, kind: t.kind };
    const ref = { $ref: `#/components/schemas/${schemaName(t)}` };
    paths[base] = {
      get: { operationId: `read${t.kind}`, "x-kubernetes-action": "get", "x-kubernetes-group-version-kind": gvk, responses: { "200": { content: { "application/json": { schema: ref } } } } },
      put: { operationId: `replace${t.kind}`, "x-kubernetes-action": "put", "x-kubernetes-group-version-kind": gvk, parameters: params,
        requestBody: { content: { "*/*": { schema: ref } } }, responses: { "200": { content: { "application/json": { schema: ref } } } } },
      patch: {
        operationId: `patch${t.kind}`, "x-kubernetes-action": "patch", "x-kubernetes-group-version-kind": gvk, parameters: params,
        requestBody: { content: {
          "application/json-patch+json": { schema: { type: "object" } },
          "application/merge-patch+json": { schema: { type: "object" } },
          "application/apply-patch+yaml": { schema: { type: "object" } },
        } },
        responses: { "200": { content: { "application/json": { schema: ref } } } },
      },
      delete: { operationId: `delete${t.kind}`, "x-kubernetes-action": "delete", "x-kubernetes-group-version-kind": gvk },
    };
  }
  const schemas: Record<string, unknown> = {};
  for (const t of list) {
    schemas[schemaName(t)] = {
      type: "object",
      description: `${t.kind} (the playground serves no field schemas).`,
      "x-kubernetes-group-version-kind": [{ group, version, kind: t.kind }],
      "x-kubernetes-preserve-unknown-fields": true,
    };
  }
  return { openapi: "3.0.0", info: { title: "Kubernetes", version: SERVER_VERSION.gitVersion }, paths, components: { schemas } };
}

function schemaName(t: ResourceType): string {
  const g = t.group === "" ? "core" : t.group.split(".").reverse().join(".");
  return `io.k8s.api.${g}.${t.version}.${t.kind}`;
}
