// The kinds the playground's API server knows: what discovery advertises, how each kind is stored
// (namespaced or not, status subresource or not) and whether strategic merge patch applies.
import type { ResourceRef } from "../cluster/client.ts";

export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** Has a `/status` subresource: PUT on the object ignores status, PUT on /status changes only status. */
  statusSubresource: boolean;
  /** Built-in kinds support strategic merge patch; custom resources answer 415 like the real server. */
  builtin: boolean;
  verbs: string[];
}

const ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

function t(group: string, version: string, plural: string, kind: string, opts: Partial<ResourceType> = {}): ResourceType {
  return {
    group,
    version,
    plural,
    kind,
    singular: kind.toLowerCase(),
    namespaced: true,
    shortNames: [],
    categories: [],
    statusSubresource: false,
    builtin: true,
    verbs: ALL_VERBS,
    ...opts,
  };
}

/** Built-in kinds and the GKE / Gateway CRDs a GKE cluster has installed. */
export const builtinTypes: ResourceType[] = [
  t("", "v1", "namespaces", "Namespace", { namespaced: false, shortNames: ["ns"], statusSubresource: true,
    verbs: ["create", "delete", "get", "list", "patch", "update", "watch"] }),
  t("", "v1", "nodes", "Node", { namespaced: false, shortNames: ["no"], statusSubresource: true }),
  t("", "v1", "pods", "Pod", { shortNames: ["po"], categories: ["all"], statusSubresource: true }),
  t("", "v1", "services", "Service", { shortNames: ["svc"], categories: ["all"], statusSubresource: true,
    verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"] }),
  t("", "v1", "endpoints", "Endpoints", { shortNames: ["ep"], singular: "endpoints" }),
  t("", "v1", "events", "Event", { shortNames: ["ev"] }),
  t("", "v1", "configmaps", "ConfigMap", { shortNames: ["cm"] }),
  t("", "v1", "secrets", "Secret"),
  t("", "v1", "serviceaccounts", "ServiceAccount", { shortNames: ["sa"] }),
  t("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice"),
  t("apps", "v1", "deployments", "Deployment", { shortNames: ["deploy"], categories: ["all"], statusSubresource: true }),
  t("apps", "v1", "replicasets", "ReplicaSet", { shortNames: ["rs"], categories: ["all"], statusSubresource: true }),
  t("networking.k8s.io", "v1", "ingresses", "Ingress", { shortNames: ["ing"], statusSubresource: true }),
  t("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "MutatingWebhookConfiguration", { namespaced: false }),
  t("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", { namespaced: false,
    shortNames: ["crd", "crds"], statusSubresource: true }),
  // Create-only reviews, answered and not stored (server.ts): the playground's token is a cluster
  // admin, which `kubectl auth can-i` / `auth whoami` then report.
  t("authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", { namespaced: false, verbs: ["create"] }),
  t("authorization.k8s.io", "v1", "selfsubjectrulesreviews", "SelfSubjectRulesReview", { namespaced: false, verbs: ["create"] }),
  t("authentication.k8s.io", "v1", "selfsubjectreviews", "SelfSubjectReview", { namespaced: false, verbs: ["create"] }),
  // CRDs (gke-neg.md §3, §6, §7). Custom resources: no strategic merge patch.
  t("cloud.google.com", "v1", "backendconfigs", "BackendConfig", { shortNames: ["bc"], builtin: false }),
  // gke-neg.md §6: "No status subresource."
  t("networking.gke.io", "v1beta1", "servicenetworkendpointgroups", "ServiceNetworkEndpointGroup", {
    shortNames: ["svcneg"], builtin: false }),
  // gke-neg.md §7: status subresource.
  t("networking.gke.io", "v1", "healthcheckpolicies", "HealthCheckPolicy", { builtin: false, statusSubresource: true }),
  t("gateway.networking.k8s.io", "v1", "gateways", "Gateway", { shortNames: ["gtw"], builtin: false, statusSubresource: true }),
  t("gateway.networking.k8s.io", "v1", "httproutes", "HTTPRoute", { builtin: false, statusSubresource: true }),
];

/** Kinds the server answers without storing them. */
export const REVIEW_KINDS = new Set(["SelfSubjectAccessReview", "SelfSubjectRulesReview", "SelfSubjectReview"]);

export function refOf(type: ResourceType): ResourceRef {
  return { group: type.group, version: type.version, plural: type.plural };
}

export function apiVersionOf(type: { group: string; version: string }): string {
  return type.group === "" ? type.version : `${type.group}/${type.version}`;
}

export function typeKey(ref: { group: string; plural: string }): string {
  return ref.group === "" ? ref.plural : `${ref.plural}.${ref.group}`;
}
