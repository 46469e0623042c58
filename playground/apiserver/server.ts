// The playground's Kubernetes API server: the REST API of kube-apiserver over the in-memory Store,
// enough of it for the real kubectl (discovery, CRUD, the three patch types, watch, Table output,
// Status errors) and for HttpClusterClient. On 127.0.0.1, bearer-token authentication.
//
// HTTPS by default, with a self-signed certificate made at start: kubectl (client-go's clientcmd)
// sends no credentials from a kubeconfig to an http:// server ("only try to read the auth
// information if we are secure"), so token auth with the real kubectl needs TLS. `tls: false`
// serves plain HTTP for clients that send the token themselves (HttpClusterClient).
//
//   const store = new Store();
//   const server = await startApiServer({ store, token: "secret" });
//   writeFileSync(path, kubeconfigFor(server, "secret"));   // kubectl --kubeconfig path get pods
//   await server.close();
//
// Served: discovery (aggregated v2 and legacy), OpenAPI v3 and v2 reduced to what kubectl reads,
// CRUD on every kind of the store (CRDs created at run time too), list paging, Table output, watch
// (bookmarks, timeoutSeconds, sendInitialEvents, 410 as an ERROR event), JSON / merge / strategic
// patches, status and scale subresources, pods/binding, pods/eviction, pods/log (through `podLogs`),
// the auth reviews (`kubectl auth can-i`, `whoami`), fieldValidation, dryRun, protobuf request bodies
// for the kinds kubectl's typed generators send, pods/proxy (`/api/v1/namespaces/{ns}/pods/
// {pod}:{port}/proxy/{path}`, through the pod network the kubelet registered on the store). Not
// served: server-side apply (415, as for a server without it), protobuf responses (JSON is always
// acceptable to kubectl), exec / attach / port-forward (no streaming upgrades), field schemas
// (`kubectl explain` shows names only).
import http from "node:http";
import https from "node:https";
import selfsigned from "selfsigned";
import { parse as parseYaml } from "yaml";
import type { AddressInfo } from "node:net";
import { ClusterError } from "../cluster/client.ts";
import type { KubeObject, PatchType } from "../cluster/client.ts";
import { REVIEW_KINDS, apiVersionOf } from "./catalog.ts";
import type { ResourceType } from "./catalog.ts";
import {
  SERVER_VERSION, aggregatedDiscovery, apiGroupList, apiResourceList, apiVersions, openapiV3GroupVersion, openapiV3Root,
} from "./discovery.ts";
import { badRequest, conflict, methodNotAllowed, toStatus, unauthorized, unsupportedMediaType, unsupportedMediaTypeRoute } from "./errors.ts";
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from "./patch.ts";
import { OPENAPI_V2_PROTOBUF, openapiV2Document } from "./openapi-v2.ts";
import { decodeKubernetesProtobuf } from "./protobuf.ts";
import { compileSelectors } from "./selectors.ts";
import type { FieldValidation } from "./fields.ts";
import type { Store } from "./store.ts";
import { partialMetadata, toTable } from "./tables.ts";
import type { IncludeObject } from "./tables.ts";

export interface ApiServerOptions {
  store: Store;
  /** Every request must carry `Authorization: Bearer <token>` (401 otherwise). */
  token: string;
  /** Default 0: a free port. */
  port?: number;
  /** Watches with allowWatchBookmarks get a BOOKMARK this often (default 5 s). */
  bookmarkIntervalMs?: number;
  /**
   * Serves `GET pods/<name>/log` (`kubectl logs`): the simulated kubelet's output for a container.
   * Without it, or when it returns undefined, the request is 404 like a pod whose node is gone.
   */
  podLogs?: (pod: { namespace: string; name: string; container: string | undefined }) => string | undefined | Promise<string | undefined>;
  /**
   * Default true: HTTPS with a fresh self-signed certificate (or the one given, e.g. to restart on
   * the same port with the same identity). false: plain HTTP.
   */
  tls?: boolean | ServingCert;
}

export interface ServingCert {
  /** PEM certificate (self-signed: it is also the CA clients trust). */
  cert: string;
  /** PEM private key. */
  key: string;
}

export interface ApiServer {
  url: string;
  port: number;
  /** PEM CA for https (undefined for http). */
  ca: string | undefined;
  cert: ServingCert | undefined;
  close(): Promise<void>;
}

/** A self-signed serving certificate for 127.0.0.1 and localhost (it is its own CA). */
export async function generateServingCert(): Promise<ServingCert> {
  const pems = await selfsigned.generate([{ name: "commonName", value: "switchboard-playground-apiserver" }], {
    keyType: "ec", curve: "P-256", algorithm: "sha256",
    notBeforeDate: new Date(Date.now() - 60_000), notAfterDate: new Date(Date.now() + 365 * 24 * 3600_000),
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", digitalSignature: true, keyCertSign: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }, { type: 2, value: "localhost" }] },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

/** A kubeconfig (YAML) for the real kubectl: token auth, the server's CA. */
export function kubeconfigFor(server: Pick<ApiServer, "url" | "ca">, token: string, namespace = "default"): string {
  const cluster = server.ca
    ? `    certificate-authority-data: ${Buffer.from(server.ca).toString("base64")}\n`
    : "";
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: playground",
    "  cluster:",
    `    server: ${server.url}`,
    cluster.trimEnd(),
    "users:",
    "- name: playground",
    "  user:",
    `    token: ${token}`,
    "contexts:",
    "- name: playground",
    "  context:",
    "    cluster: playground",
    "    user: playground",
    `    namespace: ${namespace}`,
    "current-context: playground",
    "",
  ].filter((l) => l !== "").join("\n") + "\n";
}

const MAX_BODY = 3 * 1024 * 1024;

/** `/api/v1/namespaces/{ns}/pods/{[scheme:]name[:port]}/proxy[/{path}]`. */
const POD_PROXY = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/proxy(\/.*)?$/;
/** Headers that describe one connection, not the message (RFC 9110 §7.6.1): a proxy does not pass them on. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization", "proxy-authenticate"]);

/** A path the server does not serve (unknown kind, subresource or group version). */
const NOT_FOUND = () => new ClusterError(404, "NotFound", "the server could not find the requested resource");

interface MediaRange {
  type: string;
  params: Record<string, string>;
}

function parseAccept(header: string | undefined): MediaRange[] {
  if (!header) return [{ type: "*/*", params: {} }];
  return header.split(",").map((part) => {
    const [type, ...rest] = part.trim().split(";");
    const params: Record<string, string> = {};
    for (const p of rest) {
      const [k, v] = p.split("=");
      if (k && v !== undefined) params[k.trim()] = v.trim();
    }
    return { type: (type ?? "").trim().toLowerCase(), params };
  });
}

type Rendering = "json" | "table" | "partial";

/** The first media range we can produce, in the client's order (kubectl lists its preference first). */
function chooseRendering(accept: MediaRange[]): Rendering {
  for (const m of accept) {
    if (m.type !== "application/json" && m.type !== "*/*" && m.type !== "application/*") continue;
    const as = m.params.as;
    if (!as) return "json";
    if (as === "Table" && m.params.g === "meta.k8s.io") return "table";
    if ((as === "PartialObjectMetadata" || as === "PartialObjectMetadataList") && m.params.g === "meta.k8s.io") return "partial";
  }
  return "json";
}

function wantsAggregated(accept: MediaRange[]): boolean {
  for (const m of accept) {
    if (m.type !== "application/json") continue;
    if (m.params.as === "APIGroupDiscoveryList" && m.params.g === "apidiscovery.k8s.io" && m.params.v === "v2") return true;
    if (!m.params.as) return false;
  }
  return false;
}

function send(res: http.ServerResponse, code: number, body: unknown, contentType = "application/json"): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { "Content-Type": contentType, "Content-Length": Buffer.byteLength(text), "Cache-Control": "no-cache, private" });
  res.end(text);
}

function sendError(res: http.ServerResponse, err: unknown): void {
  const { code, status } = toStatus(err);
  if (code >= 500 && !(err instanceof ClusterError)) console.error("playground API server:", err);
  if (res.headersSent) {
    res.end();
    return;
  }
  send(res, code, status);
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new ClusterError(413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728"));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/**
 * Request bodies: JSON, YAML, or protobuf for the kinds kubectl's typed clients create
 * (`kubectl create namespace` and friends; client-go does not fall back to JSON on 415).
 */
function parseBody(req: http.IncomingMessage, body: Buffer, type: ResourceType | undefined): unknown {
  const contentType = (req.headers["content-type"] ?? "application/json").split(";")[0]!.trim().toLowerCase();
  if (contentType === "application/vnd.kubernetes.protobuf") {
    return decodeKubernetesProtobuf(body);
  }
  const text = body.toString("utf8");
  if (contentType === "application/yaml") {
    try {
      return parseYaml(text);
    } catch (err) {
      throw badRequest(`${type ? `the object provided is unrecognized (must be of type ${type.kind}): ` : ""}couldn't get version/kind; yaml parse error: ${(err as Error).message}`);
    }
  }
  return parseJson(text, type);
}

function parseJson(text: string, type: ResourceType | undefined): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const what = type ? `the object provided is unrecognized (must be of type ${type.kind}): ` : "";
    throw badRequest(`${what}couldn't get version/kind; json parse error: ${(err as Error).message}`);
  }
}

const APPLY_PATCH = "application/apply-patch+yaml";

const PATCH_MEDIA: Record<string, PatchType> = {
  "application/json-patch+json": "json",
  "application/merge-patch+json": "merge",
  "application/strategic-merge-patch+json": "strategic",
};

interface Target {
  type: ResourceType;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  watchPath: boolean;
}

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === "") return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw badRequest(`invalid value for ${name}: ${v}`);
  return n;
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { store, token } = options;
  const bookmarkMs = options.bookmarkIntervalMs ?? 5000;
  const watches = new Set<() => void>();
  const expected = `Bearer ${token}`;

  function resolveTarget(parts: string[]): Target | undefined {
    let group: string;
    let version: string;
    let rest: string[];
    if (parts[0] === "api") {
      group = "";
      version = parts[1]!;
      rest = parts.slice(2);
    } else {
      group = parts[1]!;
      version = parts[2]!;
      rest = parts.slice(3);
    }
    let watchPath = false;
    if (rest[0] === "watch") {
      watchPath = true;
      rest = rest.slice(1);
    }
    const types = store.types().filter((t) => t.group === group && t.version === version);
    const byPlural = (p: string | undefined) => types.find((t) => t.plural === p);
    let namespace: string | undefined;
    if (rest[0] === "namespaces" && rest.length >= 3 && byPlural(rest[2])?.namespaced) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const type = byPlural(rest[0]);
    if (!type || rest.length > 3) return undefined;
    if (type.namespaced === false && namespace !== undefined) return undefined;
    return { type, namespace, name: rest[1], subresource: rest[2], watchPath };
  }

  /**
   * pods/proxy, as kube-apiserver's pod ResourceLocation and proxy transport do it: the id is `name`,
   * `name:port` or `scheme:name:port` (no port: the first declared containerPort); a pod without an
   * IP is 400 "address not allowed"; a dial that fails is 503 ServiceUnavailable "error trying to
   * reach service: …" (k8s.io/apimachinery util/proxy transport.go); anything the pod answers passes
   * through as it is. The client's Authorization header is not forwarded (the authentication filter
   * strips it). The connection goes to podIP:port on the pod network, so the pod's own redirects
   * (tel-agent-init's iptables rule, telepresence.md §4) apply, as for any inbound packet.
   */
  async function proxyToPod(req: http.IncomingMessage, res: http.ServerResponse, namespace: string, id: string, rest: string, search: string): Promise<void> {
    const parts = id.split(":");
    const [scheme, name, port] = parts.length === 1 ? ["", parts[0]!, ""] : parts.length === 2 ? ["", parts[0]!, parts[1]!] : parts.length === 3 ? parts as [string, string, string] : ["?", "", ""];
    if (!name || !["", "http", "https"].includes(scheme)) throw badRequest(`invalid pod request "${id}"`);
    const podType = store.types().find((t) => t.group === "" && t.kind === "Pod")!;
    const pod = store.mustGet(podType, namespace, name) as unknown as { spec?: { containers?: Array<{ ports?: Array<{ containerPort: number }> }> }; status?: { podIP?: string } };
    const declared = (pod.spec?.containers ?? []).find((c) => (c.ports ?? []).length > 0)?.ports?.[0]?.containerPort;
    const portText = port || (declared !== undefined ? String(declared) : "");
    const podIP = pod.status?.podIP ?? "";
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(podIP) || podIP === "0.0.0.0") throw badRequest("address not allowed");
    const target = `${podIP}:${portText || (scheme === "https" ? "443" : "80")}`;
    const unreachable = (why: string) => new ClusterError(503, "ServiceUnavailable", `error trying to reach service: dial tcp ${target}: ${why}`);
    const number = Number(portText || (scheme === "https" ? 443 : 80));
    if (!Number.isInteger(number) || number < 1 || number > 65535) throw unreachable("unknown port");
    const address = store.podDialer?.(podIP, number);
    if (!address) throw unreachable(store.podDialer ? "connect: connection refused" : "connect: no route to host");
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k) && k !== "authorization" && k !== "host") headers[k] = v;
    headers.host = target;
    const client = scheme === "https" ? https : http;
    await new Promise<void>((resolve) => {
      const out = client.request({ host: address.host, port: address.port, method: req.method, path: rest + search, headers, agent: false, ...(scheme === "https" ? { rejectUnauthorized: false } : {}) }, (up) => {
        const back: http.OutgoingHttpHeaders = {};
        for (const [k, v] of Object.entries(up.headers)) if (!HOP_BY_HOP.has(k)) back[k] = v;
        res.writeHead(up.statusCode ?? 502, back);
        up.pipe(res);
        up.on("end", resolve);
        up.on("error", () => {
          res.destroy();
          resolve();
        });
      });
      out.on("error", (err) => {
        if (!res.headersSent) sendError(res, unreachable(err.message));
        else res.destroy();
        resolve();
      });
      res.on("close", () => {
        out.destroy();
        resolve();
      });
      req.pipe(out);
    });
  }

  function render(type: ResourceType, obj: KubeObject, rendering: Rendering, includeObject: IncludeObject): unknown {
    if (rendering === "table") return toTable(type, [obj], { resourceVersion: obj.metadata.resourceVersion, includeObject });
    if (rendering === "partial") return partialMetadata(obj);
    return obj;
  }

  function scaleOf(obj: KubeObject): KubeObject {
    const spec = (obj as { spec?: { replicas?: number; selector?: { matchLabels?: Record<string, string> } } }).spec ?? {};
    const status = (obj as { status?: { replicas?: number } }).status ?? {};
    const { name, namespace, uid, resourceVersion, creationTimestamp } = obj.metadata;
    return {
      kind: "Scale", apiVersion: "autoscaling/v1",
      metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
      spec: { replicas: spec.replicas ?? 1 },
      status: { replicas: status.replicas ?? 0, selector: Object.entries(spec.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(",") },
    };
  }

  async function handleResource(req: http.IncomingMessage, res: http.ServerResponse, url: URL, target: Target): Promise<void> {
    const { type, namespace, name, subresource } = target;
    const q = url.searchParams;
    const accept = parseAccept(req.headers.accept);
    const rendering = chooseRendering(accept);
    const includeObject = (q.get("includeObject") as IncludeObject | null) ?? "Metadata";
    const dryRun = q.getAll("dryRun").includes("All");
    const fv = q.get("fieldValidation");
    const fieldValidation: FieldValidation = fv === "Strict" || fv === "Ignore" ? fv : "Warn";
    const warnings: string[] = [];
    // kube-apiserver's `Warning: 299 - "<text>"` headers (kubectl prints them as "Warning: <text>").
    const withWarnings = () => {
      if (warnings.length) res.setHeader("Warning", warnings.map((w) => `299 - ${JSON.stringify(w)}`));
    };
    const write = { dryRun, fieldValidation, warnings };
    const method = req.method ?? "GET";
    const ns = type.namespaced ? namespace : undefined;

    if (subresource === "log" && type.kind === "Pod" && name !== undefined && method === "GET" && ns) {
      const pod = store.mustGet(type, ns, name);
      const containers = ((pod as unknown as { spec?: { containers?: Array<{ name: string }> } }).spec?.containers ?? []).map((c) => c.name);
      const container = q.get("container") ?? (containers.length === 1 ? containers[0] : undefined);
      if (container === undefined) {
        throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${containers.join(" ")}]`);
      }
      if (!containers.includes(container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
      const text = await options.podLogs?.({ namespace: ns, name, container });
      if (text === undefined) throw NOT_FOUND();
      res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    const known = (subresource === "status" && type.statusSubresource)
      || (subresource === "scale" && (type.kind === "Deployment" || type.kind === "ReplicaSet"))
      || ((subresource === "binding" || subresource === "eviction") && type.kind === "Pod");
    if (subresource !== undefined && !known) throw NOT_FOUND();

    // Collection.
    if (name === undefined) {
      if (method === "GET") {
        if (target.watchPath || q.get("watch") === "true" || q.get("watch") === "1") return serveWatch(req, res, q, type, ns, rendering, includeObject);
        const list = store.list(type, {
          namespace: ns, labelSelector: q.get("labelSelector") ?? undefined, fieldSelector: q.get("fieldSelector") ?? undefined,
          limit: intParam(q, "limit"), continue: q.get("continue") ?? undefined,
        });
        if (rendering === "table") {
          return send(res, 200, toTable(type, list.items, { resourceVersion: list.resourceVersion, continue: list.continue, includeObject }));
        }
        const meta = { resourceVersion: list.resourceVersion, ...(list.continue ? { continue: list.continue, remainingItemCount: list.remainingItemCount } : {}) };
        if (rendering === "partial") {
          return send(res, 200, { kind: "PartialObjectMetadataList", apiVersion: "meta.k8s.io/v1", metadata: meta, items: list.items.map(partialMetadata) });
        }
        return send(res, 200, { kind: `${type.kind}List`, apiVersion: apiVersionOf(type), metadata: meta, items: list.items });
      }
      if (method === "POST" && REVIEW_KINDS.has(type.kind)) {
        const body = parseBody(req, await readBody(req), type) as KubeObject;
        return send(res, 201, review(type, body));
      }
      if (method === "POST") {
        if (type.namespaced && !ns) throw NOT_FOUND();
        const body = parseBody(req, await readBody(req), type) as KubeObject;
        const created = await store.create(type, body, { namespace: ns, ...write });
        withWarnings();
        return send(res, 201, created);
      }
      if (method === "DELETE") {
        const list = store.list(type, { namespace: ns, labelSelector: q.get("labelSelector") ?? undefined, fieldSelector: q.get("fieldSelector") ?? undefined });
        const deleted: KubeObject[] = [];
        for (const item of list.items) {
          try {
            deleted.push(await store.delete(type, item.metadata.namespace, item.metadata.name, { dryRun }));
          } catch (err) {
            if (!(err instanceof ClusterError) || err.code !== 404) throw err;
          }
        }
        return send(res, 200, { kind: `${type.kind}List`, apiVersion: apiVersionOf(type), metadata: { resourceVersion: store.resourceVersion }, items: deleted });
      }
      throw methodNotAllowed();
    }

    // One object.
    if (type.namespaced && !ns) throw NOT_FOUND();
    switch (method) {
      case "GET": {
        const obj = store.mustGet(type, ns, name);
        if (subresource === "scale") return send(res, 200, scaleOf(obj));
        return send(res, 200, render(type, obj, rendering, includeObject));
      }
      case "POST": {
        if (subresource === "eviction") {
          // policy/v1 Eviction: the playground has no PodDisruptionBudgets, so an eviction is a delete.
          const eviction = parseBody(req, await readBody(req), undefined) as { deleteOptions?: { gracePeriodSeconds?: number } };
          await store.delete(type, ns, name, { gracePeriodSeconds: eviction.deleteOptions?.gracePeriodSeconds, dryRun });
          return send(res, 201, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 });
        }
        if (subresource !== "binding") throw methodNotAllowed();
        const binding = parseBody(req, await readBody(req), undefined) as { target?: { name?: string } };
        const node = binding.target?.name;
        if (!node) throw badRequest("Binding.target.name is required");
        const pod = store.mustGet(type, ns, name);
        const spec = (pod as unknown as { spec: { nodeName?: string } }).spec;
        if (spec.nodeName) throw new ClusterError(409, "Conflict", `Operation cannot be fulfilled on pods/binding "${name}": pod ${name} is already assigned to node "${spec.nodeName}"`);
        spec.nodeName = node;
        await store.update(type, pod, { namespace: ns, dryRun });
        return send(res, 201, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 });
      }
      case "PUT": {
        const body = parseBody(req, await readBody(req), type) as KubeObject;
        if (subresource === "scale") {
          const obj = store.mustGet(type, ns, name);
          const replicas = (body as { spec?: { replicas?: number } }).spec?.replicas;
          if (body.metadata?.resourceVersion && body.metadata.resourceVersion !== obj.metadata.resourceVersion) throw conflict(type, name);
          (obj as unknown as { spec: { replicas?: number } }).spec.replicas = replicas;
          return send(res, 200, scaleOf(await store.update(type, obj, { dryRun })));
        }
        if (!body || typeof body !== "object" || !body.metadata) throw badRequest("Object 'metadata' is missing in request body");
        if (body.metadata.name !== name) throw badRequest(`the name of the object (${String(body.metadata.name)}) does not match the name on the URL (${name})`);
        const updated = await store.update(type, body, { namespace: ns, subresource, ...write });
        withWarnings();
        return send(res, 200, updated);
      }
      case "PATCH": {
        const contentType = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
        const patchType = PATCH_MEDIA[contentType];
        if (!patchType) {
          // Server-side apply is not served: refused as by a server without it.
          if (contentType === APPLY_PATCH) throw unsupportedMediaType("the playground does not serve server-side apply (application/apply-patch+yaml); use kubectl apply without --server-side");
          // Built-in kinds: go-restful finds no route consuming the type (a generic 415, `details: {}`);
          // custom resources: the CRD handler lists the patch types it takes (apiextensions-apiserver).
          if (type.builtin) throw unsupportedMediaTypeRoute();
          throw unsupportedMediaType(`the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, ${APPLY_PATCH}`);
        }
        const patch = parseJson((await readBody(req)).toString("utf8"), undefined);
        if (subresource === "scale") {
          const obj = store.mustGet(type, ns, name);
          const scale = scaleOf(obj);
          const patched = (patchType === "json" ? applyJsonPatch(scale, patch) : patchType === "merge" ? applyMergePatch(scale, patch) : applyStrategicMergePatch(scale, patch)) as { spec?: { replicas?: number } };
          (obj as unknown as { spec: { replicas?: number } }).spec.replicas = patched.spec?.replicas;
          return send(res, 200, scaleOf(await store.update(type, obj, { dryRun })));
        }
        const updated = await store.patch(type, ns, name, patchType, patch, { subresource, ...write });
        withWarnings();
        return send(res, 200, updated);
      }
      case "DELETE": {
        const text = (await readBody(req)).toString("utf8");
        const body = (text.trim() ? parseJson(text, undefined) : {}) as {
          propagationPolicy?: "Background" | "Foreground" | "Orphan"; gracePeriodSeconds?: number;
          preconditions?: { uid?: string; resourceVersion?: string }; orphanDependents?: boolean;
        };
        const orphanDependents = q.has("orphanDependents") ? q.get("orphanDependents") === "true" : body.orphanDependents;
        const policy = (q.get("propagationPolicy") as typeof body.propagationPolicy | null) ?? body.propagationPolicy
          ?? (orphanDependents ? "Orphan" : undefined);
        const grace = intParam(q, "gracePeriodSeconds") ?? body.gracePeriodSeconds;
        const result = await store.delete(type, ns, name, { propagationPolicy: policy, gracePeriodSeconds: grace, preconditions: body.preconditions, dryRun });
        // handlers/delete.go: 200 with the object (also for a graceful or finalizer-held delete); 202
        // only when the object is still there and the client asked orphanDependents=false.
        const stillThere = store.get(type, ns, name) !== undefined;
        return send(res, stillThere && !dryRun && orphanDependents === false ? 202 : 200, result);
      }
      default:
        throw methodNotAllowed();
    }
  }

  /** The reviews: the bearer token is the playground's only user and a cluster admin. */
  function review(type: ResourceType, body: KubeObject): KubeObject {
    const out = { ...body, apiVersion: apiVersionOf(type), kind: type.kind, metadata: { ...(body.metadata ?? {}), creationTimestamp: null } } as unknown as KubeObject;
    if (type.kind === "SelfSubjectAccessReview") (out as { status?: unknown }).status = { allowed: true, reason: "the playground's token is a cluster admin" };
    else if (type.kind === "SelfSubjectRulesReview") {
      (out as { status?: unknown }).status = {
        resourceRules: [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }],
        nonResourceRules: [{ verbs: ["*"], nonResourceURLs: ["*"] }],
        incomplete: false,
      };
    } else (out as { status?: unknown }).status = { userInfo: { username: "playground-admin", groups: ["system:masters", "system:authenticated"] } };
    return out;
  }

  function serveWatch(req: http.IncomingMessage, res: http.ServerResponse, q: URLSearchParams, type: ResourceType,
    ns: string | undefined, rendering: Rendering, includeObject: IncludeObject): void {
    const bookmarks = q.get("allowWatchBookmarks") === "true";
    const timeoutSeconds = intParam(q, "timeoutSeconds") ?? 1800;
    const sendInitial = q.get("sendInitialEvents") === "true";
    let rv = q.get("resourceVersion") ?? undefined;
    if (sendInitial) rv = undefined; // the initial state first, then a bookmark marks its end
    // A bad selector is a plain 400, before the stream starts.
    compileSelectors(q.get("labelSelector") ?? undefined, q.get("fieldSelector") ?? undefined);
    res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-cache, private", "Transfer-Encoding": "chunked" });
    res.flushHeaders();
    const write = (event: { type: string; object: unknown }) => {
      if (!res.writableEnded) res.write(`${JSON.stringify(event)}\n`);
    };
    const bookmark = (annotations?: Record<string, string>) => write({
      type: "BOOKMARK",
      object: { kind: type.kind, apiVersion: apiVersionOf(type), metadata: { resourceVersion: store.resourceVersion, ...(annotations ? { annotations } : {}) } },
    });
    let stop: () => void = () => {};
    const finish = () => {
      stop();
      clearInterval(timers.bookmark);
      clearTimeout(timers.end);
      watches.delete(finish);
      if (!res.writableEnded) res.end();
    };
    const timers: { bookmark?: NodeJS.Timeout; end?: NodeJS.Timeout } = {};
    try {
      stop = store.watch(type, {
        namespace: ns, labelSelector: q.get("labelSelector") ?? undefined, fieldSelector: q.get("fieldSelector") ?? undefined, resourceVersion: rv,
      }, (e) => write({ type: e.type, object: render(type, e.object, rendering, includeObject) }));
    } catch (err) {
      // Like the watch cache: 200, then one ERROR event carrying the Status, then the end.
      write({ type: "ERROR", object: toStatus(err).status });
      res.end();
      return;
    }
    if (sendInitial) bookmark({ "k8s.io/initial-events-end": "true" });
    if (bookmarks) timers.bookmark = setInterval(() => bookmark(), bookmarkMs);
    timers.end = setTimeout(finish, timeoutSeconds * 1000);
    watches.add(finish);
    req.on("close", finish);
    res.on("close", finish);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = url.pathname.replace(/\/+$/, "") || "/";
    if (path === "/healthz" || path === "/livez" || path === "/readyz") {
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.end("ok");
      return;
    }
    if (req.headers.authorization !== expected) throw unauthorized();
    const proxied = POD_PROXY.exec(url.pathname);
    if (proxied) return proxyToPod(req, res, decodeURIComponent(proxied[1]!), decodeURIComponent(proxied[2]!), proxied[3] || "/", url.search);
    const accept = parseAccept(req.headers.accept);
    const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
    if (path === "/version") return send(res, 200, SERVER_VERSION);
    if (path === "/api") {
      if (wantsAggregated(accept)) return send(res, 200, aggregatedDiscovery(store.types(), true), "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
      return send(res, 200, apiVersions(`${req.socket.localAddress}:${req.socket.localPort}`));
    }
    if (path === "/apis") {
      if (wantsAggregated(accept)) return send(res, 200, aggregatedDiscovery(store.types(), false), "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
      return send(res, 200, apiGroupList(store.types()));
    }
    if (path === "/openapi/v3") return send(res, 200, openapiV3Root(store.types()));
    if (path === "/openapi/v2") {
      const doc = openapiV2Document(store.types(), SERVER_VERSION.gitVersion);
      res.writeHead(200, { "Content-Type": OPENAPI_V2_PROTOBUF, "Content-Length": doc.length });
      res.end(doc);
      return;
    }
    if (parts[0] === "openapi" && parts[1] === "v3" && (parts[2] === "api" || parts[2] === "apis")) {
      const group = parts[2] === "api" ? "" : parts[3] ?? "";
      const version = parts[2] === "api" ? parts[3] ?? "" : parts[4] ?? "";
      const doc = openapiV3GroupVersion(store.types(), group, version);
      if (doc) return send(res, 200, doc);
      throw NOT_FOUND();
    }
    if (parts[0] === "api" && parts.length === 2) {
      const list = apiResourceList(store.types(), "", parts[1]!);
      if (list) return send(res, 200, list);
    } else if (parts[0] === "apis" && parts.length === 2) {
      const versions = store.types().filter((t) => t.group === parts[1]).map((t) => t.version);
      if (versions.length) {
        const vs = [...new Set(versions)].map((v) => ({ groupVersion: `${parts[1]}/${v}`, version: v }));
        return send(res, 200, { kind: "APIGroup", apiVersion: "v1", name: parts[1], versions: vs, preferredVersion: vs[0] });
      }
    } else if (parts[0] === "apis" && parts.length === 3) {
      const list = apiResourceList(store.types(), parts[1]!, parts[2]!);
      if (list) return send(res, 200, list);
    } else if ((parts[0] === "api" && parts.length >= 3) || (parts[0] === "apis" && parts.length >= 4)) {
      const target = resolveTarget(parts);
      if (target) return handleResource(req, res, url, target);
    }
    throw NOT_FOUND();
  }

  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handle(req, res).catch((err) => sendError(res, err));
  };
  const tlsOption = options.tls ?? true;
  const cert = tlsOption === false ? undefined : tlsOption === true ? await generateServingCert() : tlsOption;
  const server = cert ? https.createServer({ cert: cert.cert, key: cert.key }, listener) : http.createServer(listener);
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${cert ? "https" : "http"}://127.0.0.1:${port}`,
    port,
    ca: cert?.cert,
    cert,
    close: async () => {
      for (const finish of [...watches]) finish();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

