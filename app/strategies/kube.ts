// The cluster calls the strategies make, over @kubernetes/client-node: read, create, JSON-patch
// (Content-Type application/json-patch+json) and delete (with preconditions) of the four kinds they
// touch, pod listing for verification, and GETs through the API server's pod proxy for preflight.
// Every failure becomes a SwitchboardError through app/kube/errors.ts; a failed `test` guard or a stale
// resourceVersion becomes `conflict`, naming the object.
import http from "node:http";
import https from "node:https";
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
  /**
   * GET `path` on a pod's port through the API server's pod proxy (GET /api/v1/namespaces/{ns}/pods/
   * {pod}:{port}/proxy{path}; RBAC `get` on `pods/proxy`). Optional: an ObjectApi without it cannot
   * probe pods, and preflight says so.
   */
  proxyGet?(namespace: string, pod: string, port: number, path: string, timeoutMs: number): Promise<ProxyAnswer>;
}

/**
 * What a pod-proxy GET found. Only the API server's own Status answers are its verdicts; anything
 * else is the pod's answer, passed through (a 503 from the app is the app's).
 */
export type ProxyAnswer =
  | { kind: "answered"; status: number }
  /** The API server dialed podIP:port and the pod refused the connection: nothing listens there. */
  | { kind: "refused"; message: string }
  /** No verdict about the app: RBAC, credentials, a pod without an IP or gone, a dial that timed out or was blocked. */
  | { kind: "cannot-check"; reason: string };

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
    async proxyGet(namespace, pod, port, path, timeoutMs) {
      const opts: https.RequestOptions = {};
      try {
        await kc.applyToHTTPSOptions(opts);
      } catch (err) {
        return { kind: "cannot-check", reason: `no credentials for the API server (${err instanceof Error ? err.message : String(err)})` };
      }
      const url = new URL(`${(server ?? "").replace(/\/+$/, "")}/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}:${port}/proxy${path}`);
      return new Promise<ProxyAnswer>((resolve) => {
        const mod = url.protocol === "http:" ? http : https;
        let req: http.ClientRequest;
        try {
          req = mod.request(url, { ...opts, method: "GET", headers: { ...(opts.headers ?? {}), Accept: "*/*" } }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => {
              // A health answer is small; do not buffer a large one (only a Status body is read).
              if (chunks.reduce((n, b) => n + b.length, 0) < 64 * 1024) chunks.push(c);
            });
            res.on("end", () => {
              clearTimeout(timer);
              resolve(judgeProxyAnswer(res.statusCode ?? 0, String(res.headers["content-type"] ?? ""), Buffer.concat(chunks).toString("utf8"), namespace));
            });
            res.on("error", (err) => resolve({ kind: "cannot-check", reason: `the answer was cut off (${err.message})` }));
          });
        } catch (err) {
          resolve({ kind: "cannot-check", reason: `the request could not be made (${err instanceof Error ? err.message : String(err)})` });
          return;
        }
        // A dial the control plane cannot make (a private cluster's firewall drops it) hangs rather
        // than fails, like a hung app: either way no verdict in time.
        const timer = setTimeout(() => req.destroy(Object.assign(new Error(`no answer within ${Math.round(timeoutMs / 100) / 10} s`), { code: "ETIMEDOUT" })), timeoutMs);
        req.on("error", (err) => {
          clearTimeout(timer);
          resolve({ kind: "cannot-check", reason: (err as NodeJS.ErrnoException).code === "ETIMEDOUT" ? `${err.message} through the API server` : `the API server could not be reached (${err.message})` });
        });
        req.end();
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

/**
 * Tells the API server's own verdicts (a Status object) from the pod's answer. kube-apiserver answers
 * 503 "error trying to reach service: dial tcp …: connect: connection refused" when nothing listens
 * (k8s.io/apimachinery util/proxy transport.go), 400 "address not allowed" for a pod without an IP,
 * 403 without RBAC `get` on `pods/proxy`. Other dial failures (timeouts, Konnectivity's "proxy error
 * … code 502", no route) say nothing about the app: the control plane may simply not reach pod ports
 * (on private GKE clusters it reaches only the ports its firewall rule opens — inferred).
 */
export function judgeProxyAnswer(status: number, contentType: string, body: string, namespace: string): ProxyAnswer {
  const st = /json/i.test(contentType) ? parseStatus(body) : undefined;
  if (!st || (status >= 200 && status < 300)) return { kind: "answered", status };
  const said = st.message ?? `${status} ${st.reason ?? ""}`.trim();
  if (status === 403) {
    return { kind: "cannot-check", reason: `not allowed to use the API server's pod proxy in namespace "${namespace}" (it needs RBAC get on pods/proxy; check with \`kubectl auth can-i get pods/proxy -n ${namespace}\`). The server said: ${said}` };
  }
  if (status === 401) return { kind: "cannot-check", reason: `the API server refused the credentials (401): ${said}` };
  if (status === 404) return { kind: "cannot-check", reason: `the pod is gone (${said})` };
  if (status === 400 && /address not allowed/i.test(said)) return { kind: "cannot-check", reason: "the pod has no IP address yet" };
  if (/error trying to reach service/i.test(said) && /connection refused/i.test(said)) return { kind: "refused", message: said };
  if (/error trying to reach service/i.test(said)) return { kind: "cannot-check", reason: `the API server could not reach the pod (${said})` };
  return { kind: "cannot-check", reason: `the API server answered ${status}: ${said}` };
}
