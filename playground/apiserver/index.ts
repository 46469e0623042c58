// The playground's Kubernetes API server, for the rest of the playground:
//   - Store: the in-memory object store (admission hooks: store.admission.addMutating/addValidating)
//   - StoreClient: ClusterClient over a Store, for controllers in the same process
//   - startApiServer / kubeconfigFor: serve a Store to kubectl and HttpClusterClient
export { Store, StoreClient, Admission } from "./store.ts";
export type { AdmissionOperation, AdmissionRequest, HookSelector, MutatingHook, StoreEvent, StoreOptions, ValidatingHook } from "./store.ts";
export { startApiServer, kubeconfigFor, generateServingCert } from "./server.ts";
export type { ApiServer, ApiServerOptions, ServingCert } from "./server.ts";
export type { FieldError } from "./errors.ts";
export type { ResourceType } from "./catalog.ts";
export { builtinTypes } from "./catalog.ts";
