// The cluster calls the strategies make, over @kubernetes/client-node: read, create, JSON-patch
// (Content-Type application/json-patch+json) and delete (with preconditions) of the four kinds they
// touch, and pod listing for verification. Every failure becomes a SwitchboardError through
// app/kube/errors.ts; a failed `test` guard or a stale resourceVersion becomes `conflict`, naming the object.
import { ApiException, CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import type { KubeConfig } from "@kubernetes/client-node";
import type { Operation } from "fast-json-patch";
import { SwitchboardError } from "../contract/errors.ts";
import { classifyNetworkError, classifyStatus, parseStatus } from "../kube/errors.ts";
import type { KubeStatus, RequestContext } from "../kube/errors.ts";
import type { KubeObject, ObjectKey } from "./types.ts";

/** What apply/verify/rollback need from a cluster; `clientNodeObjects` is the real one. */
export interface ObjectApi {
  /** The object, or null when it does not exist. */
  get(key: ObjectKey): Promise<KubeObject | null>;
  create(key: ObjectKey, obj: KubeObject): Promise<KubeObject>;
  patch(key: ObjectKey, ops: Operation[]): Promise<KubeObject>;
  /** Deletes only if uid and resourceVersion still match (DeleteOptions.preconditions). */
  delete(key: ObjectKey, preconditions: { uid?: string; resourceVersion?: string }): Promise<void>;
  listPods(namespace: string, labelSelector: string): Promise<KubeObject[]>;
}

const PLURAL: Record<ObjectKey["kind"], string> = {
  Deployment: "deployments",
  Service: "services",
  BackendConfig: "backendconfigs",
  HealthCheckPolicy: "healthcheckpolicies",
};

export function describeObject(key: ObjectKey): string {
  return `${key.kind} "${key.namespace}/${key.name}"`;
}

function groupVersion(key: ObjectKey): { group: string; version: string } {
  const [group, version] = key.apiVersion.includes("/") ? key.apiVersion.split("/") as [string, string] : ["", key.apiVersion];
  return { group, version };
}

/** A JSON patch `test` that failed (kube-apiserver answers 422 with the json-patch library's message). */
/**
 * Did a guarded JSON patch fail on one of its `test` operations? The real kube-apiserver answers a
 * failed test with a BARE 422 ("the server rejected our request due to an error in our request",
 * reason Invalid, no causes — pinned by conformance/controllers.test.ts); some servers add the patch
 * library's message as a cause. Our patches are otherwise well-formed (built from the object we just
 * read), so a bare 422 on a patch is the guard.
 */
function isTestFailure(verb: string, status: KubeStatus | undefined, body: string): boolean {
  const text = `${status?.message ?? ""} ${(status?.details?.causes ?? []).map((c) => c.message ?? "").join(" ")} ${body}`;
  if (/test(ing value .*)? failed|test operation failed/i.test(text)) return true;
  const bare = !status?.details?.causes?.length && /rejected our request due to an error in our request/i.test(status?.message ?? body);
  return verb === "patch" && bare;
}

/** Maps a client-node failure to the contract's error, naming the object. */
export function toStrategyError(err: unknown, verb: string, key: ObjectKey, server?: string): SwitchboardError {
  if (err instanceof SwitchboardError) return err;
  const ctx: RequestContext = { verb, resource: PLURAL[key.kind], group: groupVersion(key).group, namespace: key.namespace, ...(server ? { server } : {}) };
  if (err instanceof ApiException) {
    const rawBody = (err as ApiException<unknown>).body;
    const text = typeof rawBody === "string" ? rawBody : rawBody === undefined ? "" : JSON.stringify(rawBody);
    const status = typeof rawBody === "object" && rawBody !== null && (rawBody as KubeStatus).kind === "Status" ? (rawBody as KubeStatus) : parseStatus(text);
    const code = err.code;
    if (code === 409 || (code === 422 && isTestFailure(verb, status, text))) {
      return new SwitchboardError(
        "conflict",
        `${describeObject(key)} was changed by somebody else since the plan was made, so nothing was changed on it.`,
        "Refresh to plan again on the current state, then apply.",
        { object: key, status: code, ...(status?.message ? { serverMessage: status.message } : {}) },
      );
    }
    const e = classifyStatus(code, status ?? text, ctx);
    return new SwitchboardError(e.code, e.message.replace(/"\?"/, `"${key.name}"`), e.hint, { ...(e.details ?? {}), object: key });
  }
  return classifyNetworkError(err, ctx);
}

function plain<T>(x: T): KubeObject {
  // Typed client-node objects (Services, Pods) carry Dates; the journal and the guards want JSON.
  return JSON.parse(JSON.stringify(x)) as KubeObject;
}

/** The real ObjectApi on a KubeConfig (its current context). */
export function clientNodeObjects(kc: KubeConfig): ObjectApi {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  // Deployments go through the generic custom-objects path on purpose: it returns the JSON the server
  // sent, unknown fields included, so guards and rollback see every field (the typed API would drop
  // fields newer than this client).
  const server = kc.getCurrentCluster()?.server;
  const jsonPatch = setHeaderOptions("Content-Type", PatchStrategy.JsonPatch);

  const call = async <T>(verb: string, key: ObjectKey, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw toStrategyError(err, verb, key, server);
    }
  };

  return {
    async get(key) {
      try {
        if (key.kind === "Service") return plain(await core.readNamespacedService({ name: key.name, namespace: key.namespace }));
        const { group, version } = groupVersion(key);
        return (await custom.getNamespacedCustomObject({ group, version, namespace: key.namespace, plural: PLURAL[key.kind], name: key.name })) as KubeObject;
      } catch (err) {
        // Absent (or its kind not served): either way there is nothing to guard or restore.
        if (err instanceof ApiException && err.code === 404) return null;
        throw toStrategyError(err, "get", key, server);
      }
    },
    create(key, obj) {
      return call("create", key, async () => {
        if (key.kind === "Service") return plain(await core.createNamespacedService({ namespace: key.namespace, body: obj as never }));
        const { group, version } = groupVersion(key);
        return (await custom.createNamespacedCustomObject({ group, version, namespace: key.namespace, plural: PLURAL[key.kind], body: obj })) as KubeObject;
      });
    },
    patch(key, ops) {
      return call("patch", key, async () => {
        if (key.kind === "Service") return plain(await core.patchNamespacedService({ name: key.name, namespace: key.namespace, body: ops }, jsonPatch));
        const { group, version } = groupVersion(key);
        return (await custom.patchNamespacedCustomObject({ group, version, namespace: key.namespace, plural: PLURAL[key.kind], name: key.name, body: ops }, jsonPatch)) as KubeObject;
      });
    },
    delete(key, preconditions) {
      return call("delete", key, async () => {
        const body = { preconditions };
        if (key.kind === "Service") {
          await core.deleteNamespacedService({ name: key.name, namespace: key.namespace, body });
          return;
        }
        const { group, version } = groupVersion(key);
        await custom.deleteNamespacedCustomObject({ group, version, namespace: key.namespace, plural: PLURAL[key.kind], name: key.name, body });
      });
    },
    async listPods(namespace, labelSelector) {
      try {
        const list = await core.listNamespacedPod({ namespace, labelSelector });
        return list.items.map(plain);
      } catch (err) {
        const ctx: RequestContext = { verb: "list", resource: "pods", group: "", namespace, ...(server ? { server } : {}) };
        if (err instanceof ApiException) throw classifyStatus(err.code, typeof err.body === "string" ? err.body : (err.body as KubeStatus | undefined), ctx);
        throw classifyNetworkError(err, ctx);
      }
    },
  };
}
