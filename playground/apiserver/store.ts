// The playground's etcd + registry: an in-memory, versioned object store with the semantics the
// Kubernetes API has and controllers rely on — one global resourceVersion, generation, optimistic
// concurrency, finalizers, ownerReference garbage collection, namespaces, selectors, watch history
// with a bounded window (410 Gone past it), defaults, validation and admission hooks.
//
// Controllers use it through `StoreClient` (a ClusterClient); the HTTP API server serves it to kubectl.
//
// Admission, like kube-apiserver's mutating then validating webhooks:
//   store.admission.addMutating({ name, resource: resources.pods, operations: ["CREATE"] }, (req) => {
//     req.object.metadata.annotations = { ...req.object.metadata.annotations, injected: "yes" };
//   });           // mutate req.object in place or return a new object; may be async
//   store.admission.addValidating({ name, resource: resources.healthcheckpolicies }, (req) => {
//     return [{ field: "spec.x", type: "Invalid value", value: 1, detail: "why" }]; // → 422 Invalid
//   });           // or throw a ClusterError (e.g. 403) to deny with another code
import { ClusterError } from "../cluster/client.ts";
import type {
  ClusterClient, DeleteOptions, KubeObject, ListOptions, PatchType, ResourceRef, WatchEvent,
} from "../cluster/client.ts";
import { apiVersionOf, builtinTypes, typeKey } from "./catalog.ts";
import type { ResourceType } from "./catalog.ts";
import { applyDefaults } from "./defaults.ts";
import { pruneUnknownFields } from "./fields.ts";
import type { FieldValidation } from "./fields.ts";
import { alreadyExists, badRequest, conflict, forbidden, gone, invalid, notFound, preconditionFailed, unsupportedMediaType } from "./errors.ts";
import type { FieldError } from "./errors.ts";
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from "./patch.ts";
import { compileSelectors } from "./selectors.ts";
import { validateObject } from "./validation.ts";
import { jsonEqual } from "../workloads/json-equal.ts";

export type AdmissionOperation = "CREATE" | "UPDATE" | "DELETE";

export interface AdmissionRequest {
  operation: AdmissionOperation;
  resource: ResourceType;
  subresource: string | undefined;
  namespace: string | undefined;
  name: string;
  /** The object being written (for DELETE: the stored object). Mutating hooks may change it in place. */
  object: KubeObject;
  oldObject: KubeObject | undefined;
  dryRun: boolean;
}

export type MutatingHook = (req: AdmissionRequest) => KubeObject | void | Promise<KubeObject | void>;
export type ValidatingHook = (req: AdmissionRequest) => FieldError[] | void | Promise<FieldError[] | void>;

export interface HookSelector {
  /** Shown in denial messages, like a webhook's name. */
  name: string;
  /** The resource the hook watches; omit for every resource. */
  resource?: { group: string; plural: string };
  /** Default: CREATE and UPDATE. */
  operations?: AdmissionOperation[];
  /** Include status-subresource writes (default false, like a webhook rule on "pods" only). */
  subresources?: boolean;
}

interface Hook<F> {
  selector: HookSelector;
  fn: F;
}

export class Admission {
  readonly mutating: Array<Hook<MutatingHook>> = [];
  readonly validating: Array<Hook<ValidatingHook>> = [];

  /** Returns a function that removes the hook. */
  addMutating(selector: HookSelector, fn: MutatingHook): () => void {
    const hook = { selector, fn };
    this.mutating.push(hook);
    return () => void this.mutating.splice(this.mutating.indexOf(hook), 1);
  }

  addValidating(selector: HookSelector, fn: ValidatingHook): () => void {
    const hook = { selector, fn };
    this.validating.push(hook);
    return () => void this.validating.splice(this.validating.indexOf(hook), 1);
  }
}

function hookApplies(s: HookSelector, req: AdmissionRequest): boolean {
  if (s.resource && (s.resource.group !== req.resource.group || s.resource.plural !== req.resource.plural)) return false;
  if (!(s.operations ?? ["CREATE", "UPDATE"]).includes(req.operation)) return false;
  if (req.subresource && !s.subresources) return false;
  return true;
}

export interface StoreOptions {
  /** Watch history kept per resource; a watch from before it gets 410 Gone. Default 1000. */
  historyPerResource?: number;
  /** Service cluster IPs come from this /16 (default 10.12.0.0/16). */
  serviceCIDR?: string;
  /**
   * Pods bound to a node are deleted gracefully: DELETE sets deletionTimestamp and
   * deletionGracePeriodSeconds, and the kubelet removes the pod by deleting again with
   * gracePeriodSeconds 0. Default false: pods go at once (no kubelet needed).
   */
  gracefulPodDeletion?: boolean;
  now?: () => Date;
}

export interface StoreEvent {
  type: "ADDED" | "MODIFIED" | "DELETED";
  object: KubeObject;
  /** The object before the change (MODIFIED), used to turn selector transitions into ADDED/DELETED. */
  old?: KubeObject;
  rv: number;
}

export interface StoreWatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Unset or "0": current objects first as ADDED. Otherwise the changes after that version (410 if too old). */
  resourceVersion?: string;
}

export interface StoreListOptions extends ListOptions {
  namespace?: string;
}

export interface WriteOptions {
  dryRun?: boolean;
  /** "status" for the status subresource. */
  subresource?: string;
  /**
   * Unknown fields (fields.ts): Strict fails with 400, Warn drops them and adds to `warnings`, Ignore
   * drops them. Unset (in-process callers): not checked.
   */
  fieldValidation?: FieldValidation;
  /** Filled with the warnings kube-apiserver would send in `Warning` headers. */
  warnings?: string[];
}

interface Bucket {
  type: ResourceType;
  objects: Map<string, KubeObject>;
  history: StoreEvent[];
  /** Versions at or below this are no longer in history: a watch from them is 410 Gone. */
  compactedRV: number;
  watchers: Set<(e: StoreEvent) => void>;
}

const PROTECTED_NAMESPACES = ["default", "kube-system", "kube-public"];

function key(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/**
 * Deep copy of a stored object. Objects here are JSON-shaped (plain objects, arrays, strings,
 * numbers, booleans, null, undefined), and a hand-written walk of those is several times faster
 * than structuredClone — the store copies on every write and for every watcher of every event, which
 * dominated CPU at --scale 5000. Anything else (a Date, a Map, a class instance) goes through
 * structuredClone, so the result is the same as before.
 */
function clone<T>(v: T): T {
  return copy(v) as T;
}

function copy(v: unknown): unknown {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copy(v[i]);
    return out;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return structuredClone(v);
  const out: Record<string, unknown> = {};
  for (const k in v as Record<string, unknown>) out[k] = copy((v as Record<string, unknown>)[k]);
  return out;
}

/** Whether two objects differ in what generation tracks (everything but metadata and status). */
function sameSpecPart(a: KubeObject, b: KubeObject): boolean {
  const { metadata: _ma, status: _sa, ...ra } = a as KubeObject & { status?: unknown };
  const { metadata: _mb, status: _sb, ...rb } = b as KubeObject & { status?: unknown };
  return jsonEqual(ra, rb);
}

function randomSuffix(n: number): string {
  const alphabet = "bcdfghjklmnpqrstvwxz2456789";
  let s = "";
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
  return s;
}


/** Where a pod address (podIP:port) really is: a loopback listener, or undefined (connection refused). */
export type PodAddressDialer = (podIP: string, port: number) => { host: string; port: number } | undefined;

export class Store {
  readonly admission = new Admission();
  /**
   * How this cluster's API server reaches pod IPs (pods/proxy, server.ts). The kubelet running on
   * this store registers its pod network here, as a real API server reaches pods over the node
   * network; undefined while no kubelet runs (pods/proxy then answers 503 like an unreachable pod).
   */
  podDialer: PodAddressDialer | undefined;
  private readonly buckets = new Map<string, Bucket>();
  private rv = 0;
  private readonly historyLimit: number;
  private readonly gracefulPods: boolean;
  private readonly now: () => Date;
  private readonly cidrBase: [number, number];
  private nextIP = 10;
  private readonly gcQueue: Array<() => Promise<void>> = [];
  private gcRunning: Promise<void> | null = null;

  constructor(options: StoreOptions = {}) {
    this.historyLimit = options.historyPerResource ?? 1000;
    this.gracefulPods = options.gracefulPodDeletion ?? false;
    this.now = options.now ?? (() => new Date());
    const [a, b] = (options.serviceCIDR ?? "10.12.0.0/16").split(".").map(Number);
    this.cidrBase = [a ?? 10, b ?? 12];
    for (const t of builtinTypes) this.registerType(t);
    for (const ns of ["default", "kube-system", "kube-public", "kube-node-lease"]) this.seedNamespace(ns);
  }

  // ---- types -------------------------------------------------------------------------------

  /** Adds a kind (a CRD being served). Idempotent. */
  registerType(type: ResourceType): void {
    const k = typeKey(type);
    if (this.buckets.has(k)) return;
    this.buckets.set(k, { type, objects: new Map(), history: [], compactedRV: 0, watchers: new Set() });
  }

  /** The kind a CustomResourceDefinition defines (its storage version), or 422 when it is incomplete. */
  private crdType(crd: KubeObject): ResourceType {
    const spec = (crd as { spec?: {
      group?: string; scope?: string;
      names?: { plural?: string; singular?: string; kind?: string; shortNames?: string[]; categories?: string[] };
      versions?: Array<{ name?: string; served?: boolean; storage?: boolean; subresources?: { status?: unknown } }>;
    } }).spec ?? {};
    const type = this.typeOf({ group: "apiextensions.k8s.io", plural: "customresourcedefinitions" });
    const errors: FieldError[] = [];
    if (!spec.group) errors.push({ field: "spec.group", type: "Required value" });
    if (!spec.names?.plural) errors.push({ field: "spec.names.plural", type: "Required value" });
    if (!spec.names?.kind) errors.push({ field: "spec.names.kind", type: "Required value" });
    if (spec.scope !== "Namespaced" && spec.scope !== "Cluster") errors.push({ field: "spec.scope", type: "Unsupported value", value: spec.scope ?? "", detail: 'supported values: "Cluster", "Namespaced"' });
    const version = spec.versions?.find((v) => v.storage) ?? spec.versions?.[0];
    if (!version?.name) errors.push({ field: "spec.versions", type: "Required value", detail: "must have exactly one version marked as storage version" });
    if (spec.group && spec.names?.plural && crd.metadata.name !== `${spec.names.plural}.${spec.group}`) {
      errors.push({ field: "metadata.name", type: "Invalid value", value: crd.metadata.name, detail: "must be spec.names.plural+\".\"+spec.group" });
    }
    if (errors.length) throw invalid(type, crd.metadata.name, errors);
    return {
      group: spec.group!, version: version!.name!, plural: spec.names!.plural!, kind: spec.names!.kind!,
      singular: spec.names!.singular ?? spec.names!.kind!.toLowerCase(), namespaced: spec.scope === "Namespaced",
      shortNames: spec.names!.shortNames ?? [], categories: spec.names!.categories ?? [],
      statusSubresource: version!.subresources?.status !== undefined, builtin: false,
      verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
    };
  }

  types(): ResourceType[] {
    return [...this.buckets.values()].map((b) => b.type);
  }

  typeOf(ref: { group: string; plural: string }): ResourceType {
    return this.bucket(ref).type;
  }

  hasType(ref: { group: string; plural: string }): boolean {
    return this.buckets.has(typeKey(ref));
  }

  private bucket(ref: { group: string; plural: string; version?: string }): Bucket {
    const b = this.buckets.get(typeKey(ref));
    if (!b || (ref.version !== undefined && b.type.version !== ref.version)) {
      throw new ClusterError(404, "NotFound", "the server could not find the requested resource");
    }
    return b;
  }

  get resourceVersion(): string {
    return String(this.rv);
  }

  // ---- reads -------------------------------------------------------------------------------

  get(ref: ResourceRef | ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const b = this.bucket(ref);
    const o = b.objects.get(key(b.type.namespaced ? namespace : undefined, name));
    return o ? clone(o) : undefined;
  }

  /** Like get, but 404 NotFound when absent. */
  mustGet(ref: ResourceRef | ResourceType, namespace: string | undefined, name: string): KubeObject {
    const o = this.get(ref, namespace, name);
    if (!o) throw notFound(this.bucket(ref).type, name);
    return o;
  }

  list(ref: ResourceRef | ResourceType, options: StoreListOptions = {}): { items: KubeObject[]; resourceVersion: string; continue?: string; remainingItemCount?: number } {
    const b = this.bucket(ref);
    const match = compileSelectors(options.labelSelector, options.fieldSelector);
    const ns = b.type.namespaced ? options.namespace : undefined;
    let keys = [...b.objects.keys()].sort();
    if (ns) keys = keys.filter((k) => k.startsWith(`${ns}/`));
    if (options.continue) {
      let after: string;
      try {
        after = (JSON.parse(Buffer.from(options.continue, "base64url").toString()) as { start: string }).start;
      } catch {
        throw badRequest(`continue key is not valid: illegal base64 data at input byte 0`);
      }
      keys = keys.filter((k) => k > after);
    }
    const items: KubeObject[] = [];
    let last = "";
    let i = 0;
    for (; i < keys.length; i++) {
      if (options.limit && items.length >= options.limit) break;
      const o = b.objects.get(keys[i]!)!;
      if (match(o)) items.push(clone(o));
      last = keys[i]!;
    }
    const result: { items: KubeObject[]; resourceVersion: string; continue?: string; remainingItemCount?: number } = {
      items, resourceVersion: this.resourceVersion,
    };
    const remaining = keys.slice(i).filter((k) => match(b.objects.get(k)));
    if (options.limit && remaining.length > 0) {
      result.continue = Buffer.from(JSON.stringify({ rv: this.rv, start: last })).toString("base64url");
      result.remainingItemCount = remaining.length;
    }
    return result;
  }

  // ---- watch -------------------------------------------------------------------------------

  /**
   * Calls `onEvent` synchronously for the initial state or history, then for every later change.
   * Selector transitions become ADDED / DELETED like the real watch cache. Throws 410 when
   * `resourceVersion` is older than the history kept.
   */
  watch(ref: ResourceRef | ResourceType, options: StoreWatchOptions, onEvent: (e: StoreEvent) => void): () => void {
    const b = this.bucket(ref);
    const match = compileSelectors(options.labelSelector, options.fieldSelector);
    const ns = b.type.namespaced ? options.namespace : undefined;
    const inNs = (o: KubeObject) => !ns || o.metadata.namespace === ns;
    const matches = (o: KubeObject | undefined) => !!o && inNs(o) && match(o);
    const deliver = (e: StoreEvent) => {
      const now = matches(e.object);
      if (e.type === "MODIFIED") {
        const before = matches(e.old);
        if (before && now) onEvent({ type: "MODIFIED", object: clone(e.object), rv: e.rv });
        else if (!before && now) onEvent({ type: "ADDED", object: clone(e.object), rv: e.rv });
        else if (before && !now) onEvent({ type: "DELETED", object: clone(e.object), rv: e.rv });
      } else if (now) onEvent({ type: e.type, object: clone(e.object), rv: e.rv });
    };
    const rvText = options.resourceVersion;
    if (rvText === undefined || rvText === "" || rvText === "0") {
      for (const k of [...b.objects.keys()].sort()) {
        const o = b.objects.get(k)!;
        if (matches(o)) onEvent({ type: "ADDED", object: clone(o), rv: Number(o.metadata.resourceVersion) });
      }
    } else {
      const from = Number(rvText);
      if (!Number.isInteger(from) || from < 0) throw badRequest(`invalid resource version: ${rvText}`);
      if (from < b.compactedRV) throw gone(`too old resource version: ${from} (${b.compactedRV + 1})`);
      // kube-apiserver waits a few seconds for a future version, then gives up the same way.
      if (from > this.rv) {
        throw new ClusterError(504, "Timeout", `Timeout: Too large resource version: ${from}, current: ${this.rv}`, {
          causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }], retryAfterSeconds: 1,
        });
      }
      for (const e of b.history) if (e.rv > from) deliver(e);
    }
    const watcher = (e: StoreEvent) => {
      try {
        deliver(e);
      } catch (err) {
        // A watcher's failure must not break the write that triggered it.
        queueMicrotask(() => { throw err; });
      }
    };
    b.watchers.add(watcher);
    return () => void b.watchers.delete(watcher);
  }

  /** Drops history so that a watch from any current version gets 410 (for tests of re-list). */
  compact(): void {
    for (const b of this.buckets.values()) {
      b.history = [];
      b.compactedRV = this.rv;
    }
  }

  private record(b: Bucket, type: StoreEvent["type"], object: KubeObject, old?: KubeObject): void {
    if (b.type.kind === "Service" && b.type.group === "") {
      // Cluster IPs in use, kept as services are written (a walk of every Service per allocation
      // was quadratic when 5,000 are created).
      const ipOf = (o: KubeObject | undefined) => (o as { spec?: { clusterIP?: string } } | undefined)?.spec?.clusterIP;
      const count = (ip: string | undefined, d: number) => {
        if (!ip) return;
        const n = (this.usedIPs.get(ip) ?? 0) + d;
        if (n > 0) this.usedIPs.set(ip, n);
        else this.usedIPs.delete(ip);
      };
      if (type === "MODIFIED") count(ipOf(old), -1);
      count(ipOf(object), type === "DELETED" ? -1 : 1);
    }
    const e: StoreEvent = { type, object, rv: Number(object.metadata.resourceVersion), ...(old ? { old } : {}) };
    b.history.push(e);
    if (b.history.length > this.historyLimit) {
      const dropped = b.history.splice(0, b.history.length - this.historyLimit);
      b.compactedRV = dropped[dropped.length - 1]!.rv;
    }
    for (const w of [...b.watchers]) w(e);
  }

  // ---- writes ------------------------------------------------------------------------------

  /** Cluster IP → how many stored Services have it (record keeps it). */
  private readonly usedIPs = new Map<string, number>();

  private allocateClusterIP = (): string => {
    const used = this.usedIPs;
    for (let tries = 0; tries < 65000; tries++) {
      const n = this.nextIP++;
      if (this.nextIP > 65000) this.nextIP = 10;
      const ip = `${this.cidrBase[0]}.${this.cidrBase[1]}.${Math.floor(n / 256)}.${n % 256}`;
      if (!used.has(ip) && n % 256 !== 0 && n % 256 !== 255) return ip;
    }
    throw new ClusterError(500, "InternalError", "Internal error occurred: failed to allocate a serviceIP: range is full");
  };

  private seedNamespace(name: string): void {
    const b = this.bucket({ group: "", plural: "namespaces" });
    const ns: KubeObject = { apiVersion: "v1", kind: "Namespace", metadata: { name } };
    applyDefaults(ns, { allocateClusterIP: this.allocateClusterIP });
    this.stamp(ns);
    b.objects.set(name, ns);
    this.record(b, "ADDED", clone(ns));
    this.seedServiceAccount(name);
  }

  /** The ServiceAccount controller's job: every namespace has `default`. */
  private seedServiceAccount(namespace: string): void {
    const b = this.bucket({ group: "", plural: "serviceaccounts" });
    if (b.objects.has(key(namespace, "default"))) return;
    const sa: KubeObject = { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace } };
    this.stamp(sa);
    b.objects.set(key(namespace, "default"), sa);
    this.record(b, "ADDED", clone(sa));
  }

  private stamp(o: KubeObject): void {
    o.metadata.uid = crypto.randomUUID();
    o.metadata.creationTimestamp = this.timestamp();
    o.metadata.resourceVersion = String(++this.rv);
    if (o.kind !== "Namespace" && o.kind !== "ServiceAccount" && o.kind !== "Event") o.metadata.generation = 1;
  }

  private timestamp(): string {
    return this.now().toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  private checkNamespace(type: ResourceType, namespace: string | undefined, name: string, creating: boolean): void {
    if (!type.namespaced) return;
    if (!namespace) throw badRequest("an empty namespace may not be set when a resource name is provided");
    const ns = this.bucket({ group: "", plural: "namespaces" }).objects.get(namespace);
    if (!ns) throw notFound({ group: "", plural: "namespaces" }, namespace);
    if (creating && ns.metadata.deletionTimestamp) {
      throw new ClusterError(403, "Forbidden", `${type.plural}${type.group ? `.${type.group}` : ""} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`, {
        name, ...(type.group ? { group: type.group } : {}), kind: type.plural, causes: [{ reason: "NamespaceTerminating", message: `namespace ${namespace} is being terminated`, field: "metadata.namespace" }],
      });
    }
  }

  private async admit(req: AdmissionRequest): Promise<KubeObject> {
    let object = req.object;
    for (const hook of [...this.admission.mutating]) {
      if (!hookApplies(hook.selector, { ...req, object })) continue;
      const out = await hook.fn({ ...req, object });
      if (out) object = out;
    }
    return object;
  }

  private async validate(req: AdmissionRequest): Promise<void> {
    const errors: FieldError[] = validateObject(req.object, req.oldObject);
    if (errors.length === 0) {
      for (const hook of [...this.admission.validating]) {
        if (!hookApplies(hook.selector, req)) continue;
        const out = await hook.fn(req);
        if (out && out.length) errors.push(...out);
      }
    }
    if (errors.length) throw invalid(req.resource, req.object.metadata.name ?? "", errors);
  }

  private normalizeIncoming(type: ResourceType, object: KubeObject, namespace: string | undefined): KubeObject {
    if (object === null || typeof object !== "object" || Array.isArray(object)) throw badRequest("Object 'Kind' is missing in request body");
    const o = clone(object);
    if (o.kind !== undefined && o.kind !== type.kind) {
      throw badRequest(`the API version in the data (${o.apiVersion}) does not match the expected API version (${apiVersionOf(type)})`);
    }
    if (o.apiVersion !== undefined && o.apiVersion !== apiVersionOf(type)) {
      throw badRequest(`the API version in the data (${o.apiVersion}) does not match the expected API version (${apiVersionOf(type)})`);
    }
    o.kind = type.kind;
    o.apiVersion = apiVersionOf(type);
    o.metadata = (o.metadata && typeof o.metadata === "object" ? o.metadata : {}) as KubeObject["metadata"];
    if (type.namespaced) {
      if (o.metadata.namespace && namespace && o.metadata.namespace !== namespace) {
        throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
      }
      o.metadata.namespace = namespace ?? o.metadata.namespace ?? "default";
    } else delete o.metadata.namespace;
    return o;
  }

  /** Drops fields the kind does not have, as decoding (built-ins) or pruning (CRDs) does; see WriteOptions. */
  private checkFields(type: ResourceType, o: KubeObject, old: KubeObject | undefined, options: WriteOptions): void {
    if (!options.fieldValidation) return;
    // Only fields this request brings count: an in-process writer may have stored others.
    const before = old ? new Set(pruneUnknownFields(type.kind, clone(old))) : new Set<string>();
    const unknown = pruneUnknownFields(type.kind, o).filter((f) => !before.has(f));
    if (unknown.length === 0) return;
    if (options.fieldValidation === "Strict") {
      throw badRequest(`${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}: strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(", ")}`);
    }
    if (options.fieldValidation === "Warn") options.warnings?.push(...unknown.map((f) => `unknown field "${f}"`));
  }

  async create(ref: ResourceRef | ResourceType, object: KubeObject, options: WriteOptions & { namespace?: string } = {}): Promise<KubeObject> {
    const b = this.bucket(ref);
    const type = b.type;
    let o = this.normalizeIncoming(type, object, options.namespace ?? object?.metadata?.namespace);
    this.checkFields(type, o, undefined, options);
    if (!o.metadata.name && o.metadata.generateName) o.metadata.name = `${o.metadata.generateName}${randomSuffix(5)}`;
    for (const f of ["uid", "resourceVersion", "creationTimestamp", "deletionTimestamp", "generation", "selfLink", "managedFields"]) delete o.metadata[f];
    const name = o.metadata.name ?? "";
    if (name) this.checkNamespace(type, o.metadata.namespace, name, true);
    const req: AdmissionRequest = {
      operation: "CREATE", resource: type, subresource: undefined, namespace: o.metadata.namespace, name,
      object: o, oldObject: undefined, dryRun: !!options.dryRun,
    };
    o = await this.admit(req);
    applyDefaults(o, { allocateClusterIP: this.allocateClusterIP });
    await this.validate({ ...req, object: o });
    // Commit: nothing awaits from here on, so the checks below see the state the write lands in.
    this.checkNamespace(type, o.metadata.namespace, name, true);
    const k = key(o.metadata.namespace, name);
    if (b.objects.has(k)) throw alreadyExists(type, name);
    const crdType = type.kind === "CustomResourceDefinition" ? this.crdType(o) : undefined;
    if (options.dryRun) return o;
    if (crdType) {
      // Served at once, as the apiextensions server does once the CRD is Established.
      (o as { status?: unknown }).status = {
        acceptedNames: { kind: crdType.kind, plural: crdType.plural, singular: crdType.singular, shortNames: crdType.shortNames, listKind: `${crdType.kind}List` },
        conditions: [{ type: "NamesAccepted", status: "True", reason: "NoConflicts", message: "no conflicts found" },
          { type: "Established", status: "True", reason: "InitialNamesAccepted", message: "the initial names have been accepted" }],
        storedVersions: [crdType.version],
      };
    }
    this.stamp(o);
    b.objects.set(k, o);
    // History and the map share the stored object: it is replaced on every write, never changed in
    // place, and every watcher gets its own copy (deliver), so one copy per write is saved.
    this.record(b, "ADDED", o);
    if (type.kind === "Namespace") this.seedServiceAccount(name);
    if (crdType) this.registerType(crdType);
    return clone(o);
  }

  /** Replaces an object (or, with subresource "status", only its status). */
  async update(ref: ResourceRef | ResourceType, object: KubeObject, options: WriteOptions & { namespace?: string } = {}): Promise<KubeObject> {
    const b = this.bucket(ref);
    const type = b.type;
    let o = this.normalizeIncoming(type, object, options.namespace ?? object?.metadata?.namespace);
    const name = o.metadata.name;
    if (!name) throw invalid(type, "", [{ field: "metadata.name", type: "Required value", detail: "name is required" }]);
    this.checkNamespace(type, o.metadata.namespace, name, false);
    const k = key(o.metadata.namespace, name);
    const current = b.objects.get(k);
    if (!current) throw notFound(type, name);
    const statusOnly = options.subresource === "status";
    if (statusOnly && !type.statusSubresource) throw notFound(type, name);
    this.checkFields(type, o, current, options);
    if (o.metadata.resourceVersion && o.metadata.resourceVersion !== current.metadata.resourceVersion) throw conflict(type, name);
    const expectedRV = current.metadata.resourceVersion;
    const old = clone(current);
    if (statusOnly) {
      // The status subresource changes status only; everything else comes from the stored object.
      const status = (o as { status?: unknown }).status;
      o = clone(current);
      if (status === undefined) delete (o as { status?: unknown }).status;
      else (o as { status?: unknown }).status = status;
    } else {
      if (type.statusSubresource) (o as { status?: unknown }).status = clone((current as { status?: unknown }).status);
      if ((o as { status?: unknown }).status === undefined) delete (o as { status?: unknown }).status;
      // Fields the server owns.
      const meta = o.metadata as Record<string, unknown>;
      for (const f of ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"]) {
        if (current.metadata[f] === undefined) delete meta[f];
        else meta[f] = current.metadata[f];
      }
    }
    const req: AdmissionRequest = {
      operation: "UPDATE", resource: type, subresource: options.subresource, namespace: o.metadata.namespace, name,
      object: o, oldObject: old, dryRun: !!options.dryRun,
    };
    o = await this.admit(req);
    if (!statusOnly) applyDefaults(o, { allocateClusterIP: this.allocateClusterIP }, old);
    if (old.metadata.deletionTimestamp) {
      const added = (o.metadata.finalizers ?? []).filter((f) => !(old.metadata.finalizers ?? []).includes(f));
      if (added.length) {
        throw invalid(type, name, [{ field: "metadata.finalizers", type: "Forbidden", detail: "no new finalizers can be added if the object is being deleted, found new finalizers " + JSON.stringify(added) }]);
      }
    }
    await this.validate({ ...req, object: o });
    // Commit (synchronous from here). A concurrent write during admission makes this one stale.
    const latest = b.objects.get(k);
    if (!latest) throw notFound(type, name);
    if (latest.metadata.resourceVersion !== expectedRV) throw conflict(type, name);
    o.metadata.uid = latest.metadata.uid;
    o.metadata.creationTimestamp = latest.metadata.creationTimestamp;
    if (latest.metadata.generation !== undefined) {
      o.metadata.generation = latest.metadata.generation + (!statusOnly && !sameSpecPart(o, latest) ? 1 : 0);
    }
    // Nothing changed: no new version, no event (like kube-apiserver's no-op updates).
    const { resourceVersion: _a, ...newMeta } = o.metadata;
    const { resourceVersion: _b, ...oldMeta } = latest.metadata;
    if (jsonEqual({ ...o, metadata: newMeta }, { ...latest, metadata: oldMeta })) {
      return clone(latest);
    }
    if (options.dryRun) return o;
    o.metadata.resourceVersion = String(++this.rv);
    // A deleting object whose last finalizer went is removed now.
    if (o.metadata.deletionTimestamp && (o.metadata.finalizers ?? []).length === 0) {
      this.remove(b, k, o);
      return clone(o);
    }
    b.objects.set(k, o);
    this.record(b, "MODIFIED", o, old); // shared, as in create
    return clone(o);
  }

  /**
   * Applies a patch to the current object and updates it, retrying on conflicts like
   * kube-apiserver's patch handler (a patch carries no resourceVersion unless the patch sets one).
   */
  async patch(ref: ResourceRef | ResourceType, namespace: string | undefined, name: string, type: PatchType, patch: unknown,
    options: WriteOptions = {}): Promise<KubeObject> {
    const b = this.bucket(ref);
    if (type === "strategic" && !b.type.builtin) {
      throw unsupportedMediaType("the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
    }
    for (let attempt = 0; ; attempt++) {
      const current = this.mustGet(ref, b.type.namespaced ? namespace : undefined, name);
      let patched: KubeObject;
      if (type === "json") patched = applyJsonPatch(current, patch) as KubeObject;
      else if (type === "merge") patched = applyMergePatch(current, patch) as KubeObject;
      else patched = applyStrategicMergePatch(current, patch) as KubeObject;
      if (!patched || typeof patched !== "object" || !patched.metadata) throw badRequest("the patch removed the object's metadata");
      if (patched.metadata.name !== name) {
        throw badRequest(`the name of the object (${String(patched.metadata.name)}) does not match the name on the URL (${name})`);
      }
      // Only a patch that sets resourceVersion itself asks for optimistic concurrency.
      const explicitRV = patched.metadata.resourceVersion !== current.metadata.resourceVersion;
      if (!explicitRV) patched.metadata.resourceVersion = current.metadata.resourceVersion;
      try {
        return await this.update(ref, patched, { ...options, namespace });
      } catch (err) {
        if (err instanceof ClusterError && err.reason === "Conflict" && !explicitRV && attempt < 5) continue;
        throw err;
      }
    }
  }

  /**
   * Deletes: objects with finalizers (or a Foreground delete) get a deletionTimestamp and stay
   * until the finalizers are gone; removal garbage-collects dependents (ownerReferences).
   * Returns the object as deleted (or as marked for deletion).
   */
  async delete(ref: ResourceRef | ResourceType, namespace: string | undefined, name: string,
    options: DeleteOptions & { dryRun?: boolean } = {}): Promise<KubeObject> {
    const b = this.bucket(ref);
    const type = b.type;
    const ns = type.namespaced ? namespace : undefined;
    if (type.namespaced) this.checkNamespace(type, ns, name, false);
    const k = key(ns, name);
    const current = b.objects.get(k);
    if (!current) throw notFound(type, name);
    if (type.kind === "Namespace" && PROTECTED_NAMESPACES.includes(name)) throw forbidden(type, name, "this namespace may not be deleted");
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== current.metadata.uid) throw preconditionFailed(type, name, "UID", pre.uid, current.metadata.uid);
    if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
      throw preconditionFailed(type, name, "ResourceVersion", pre.resourceVersion, current.metadata.resourceVersion);
    }
    const req: AdmissionRequest = {
      operation: "DELETE", resource: type, subresource: undefined, namespace: ns, name,
      object: clone(current), oldObject: clone(current), dryRun: !!options.dryRun,
    };
    for (const hook of [...this.admission.validating]) {
      if (!hookApplies(hook.selector, req)) continue;
      const errors = await hook.fn(req);
      if (errors && errors.length) throw invalid(type, name, errors);
    }
    const latest = b.objects.get(k);
    if (!latest) throw notFound(type, name);
    if (options.dryRun) return clone(latest);
    const o = clone(latest);
    const policy = options.propagationPolicy ?? "Background";
    if (policy === "Orphan") this.orphanDependents(o.metadata.uid!);

    const graceful = type.kind === "Pod" && this.gracefulPods && options.gracePeriodSeconds !== 0
      && !!(o as { spec?: { nodeName?: string } }).spec?.nodeName;
    const finalizers = [...(o.metadata.finalizers ?? [])];
    if (type.kind === "Namespace") {
      // The namespace controller empties it, then it goes (spec.finalizers: kubernetes).
      if (!o.metadata.deletionTimestamp) {
        o.metadata.deletionTimestamp = this.timestamp();
        (o as { status?: unknown }).status = { phase: "Terminating" };
        o.metadata.resourceVersion = String(++this.rv);
        b.objects.set(k, o);
        this.record(b, "MODIFIED", clone(o), clone(latest));
      }
      this.enqueueGC(async () => this.finalizeNamespace(name));
      return clone(o);
    }
    if (policy === "Foreground" && !finalizers.includes("foregroundDeletion") && this.dependentsOf(o.metadata.uid!).length > 0) {
      finalizers.push("foregroundDeletion");
    }
    if (finalizers.length > 0 || graceful) {
      if (o.metadata.deletionTimestamp) {
        if (graceful || JSON.stringify(finalizers) === JSON.stringify(o.metadata.finalizers ?? [])) return o;
      }
      const grace = graceful ? options.gracePeriodSeconds ?? ((o as { spec?: { terminationGracePeriodSeconds?: number } }).spec?.terminationGracePeriodSeconds ?? 30) : 0;
      o.metadata.deletionTimestamp ??= new Date(this.now().getTime() + grace * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
      o.metadata.deletionGracePeriodSeconds ??= grace;
      o.metadata.finalizers = finalizers;
      if (o.metadata.finalizers.length === 0) delete o.metadata.finalizers;
      o.metadata.resourceVersion = String(++this.rv);
      b.objects.set(k, o);
      this.record(b, "MODIFIED", clone(o), clone(latest));
      if (finalizers.includes("foregroundDeletion")) {
        for (const d of this.dependentsOf(o.metadata.uid!)) this.enqueueGC(async () => this.deleteQuietly(d.type, d.object, "Foreground"));
      }
      return clone(o);
    }
    o.metadata.resourceVersion = String(++this.rv);
    o.metadata.deletionTimestamp ??= this.timestamp();
    this.remove(b, k, o);
    return clone(o);
  }

  private remove(b: Bucket, k: string, o: KubeObject): void {
    b.objects.delete(k);
    this.record(b, "DELETED", clone(o));
    const uid = o.metadata.uid!;
    // Background cascading: the garbage collector deletes dependents whose owners are all gone,
    // and finishes foreground deletions waiting on this object.
    this.enqueueGC(async () => {
      for (const d of this.dependentsOf(uid)) {
        const owners = d.object.metadata.ownerReferences ?? [];
        if (owners.every((r) => !this.uidExists(r.uid))) await this.deleteQuietly(d.type, d.object, "Background");
      }
      this.finishForeground();
      if (o.metadata.namespace) {
        const ns = this.bucket({ group: "", plural: "namespaces" }).objects.get(o.metadata.namespace);
        if (ns?.metadata.deletionTimestamp) await this.finalizeNamespace(o.metadata.namespace);
      }
    });
  }

  private uidExists(uid: string): boolean {
    for (const b of this.buckets.values()) for (const o of b.objects.values()) if (o.metadata.uid === uid) return true;
    return false;
  }

  private dependentsOf(uid: string): Array<{ type: ResourceType; object: KubeObject }> {
    const out: Array<{ type: ResourceType; object: KubeObject }> = [];
    for (const b of this.buckets.values()) {
      for (const o of b.objects.values()) {
        if (o.metadata.ownerReferences?.some((r) => r.uid === uid)) out.push({ type: b.type, object: o });
      }
    }
    return out;
  }

  private orphanDependents(uid: string): void {
    for (const d of this.dependentsOf(uid)) {
      const b = this.bucket(d.type);
      const k = key(d.object.metadata.namespace, d.object.metadata.name);
      const old = clone(d.object);
      const o = clone(d.object);
      o.metadata.ownerReferences = (o.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
      if (o.metadata.ownerReferences.length === 0) delete o.metadata.ownerReferences;
      o.metadata.resourceVersion = String(++this.rv);
      b.objects.set(k, o);
      this.record(b, "MODIFIED", clone(o), old);
    }
  }

  /** Removes the foregroundDeletion finalizer from owners whose dependents are all gone. */
  private finishForeground(): void {
    for (const b of this.buckets.values()) {
      for (const [k, o] of [...b.objects]) {
        if (!o.metadata.deletionTimestamp || !o.metadata.finalizers?.includes("foregroundDeletion")) continue;
        if (this.dependentsOf(o.metadata.uid!).length > 0) continue;
        const n = clone(o);
        n.metadata.finalizers = n.metadata.finalizers!.filter((f) => f !== "foregroundDeletion");
        n.metadata.resourceVersion = String(++this.rv);
        if (n.metadata.finalizers.length === 0) {
          delete n.metadata.finalizers;
          this.remove(b, k, n);
        } else {
          b.objects.set(k, n);
          this.record(b, "MODIFIED", clone(n), o);
        }
      }
    }
  }

  private async deleteQuietly(type: ResourceType, object: KubeObject, policy: "Background" | "Foreground"): Promise<void> {
    try {
      await this.delete(type, object.metadata.namespace, object.metadata.name, { propagationPolicy: policy, preconditions: { uid: object.metadata.uid! } });
    } catch (err) {
      if (!(err instanceof ClusterError) || (err.code !== 404 && err.code !== 409)) throw err;
    }
  }

  /** The namespace controller: deletes everything in a terminating namespace, then the namespace. */
  private async finalizeNamespace(name: string): Promise<void> {
    const nsBucket = this.bucket({ group: "", plural: "namespaces" });
    const ns = nsBucket.objects.get(name);
    if (!ns?.metadata.deletionTimestamp) return;
    for (const b of this.buckets.values()) {
      if (!b.type.namespaced) continue;
      for (const o of [...b.objects.values()]) {
        if (o.metadata.namespace !== name) continue;
        if (!o.metadata.deletionTimestamp) await this.deleteQuietly(b.type, o, "Background");
      }
    }
    let left = 0;
    for (const b of this.buckets.values()) for (const o of b.objects.values()) if (b.type.namespaced && o.metadata.namespace === name) left++;
    if (left === 0 && nsBucket.objects.has(name)) {
      const o = clone(nsBucket.objects.get(name)!);
      o.metadata.resourceVersion = String(++this.rv);
      (o as { spec?: unknown }).spec = { finalizers: [] };
      this.remove(nsBucket, name, o);
    }
  }

  private enqueueGC(task: () => Promise<void>): void {
    this.gcQueue.push(task);
    if (this.gcRunning) return;
    this.gcRunning = (async () => {
      // Background: runs after the request that caused it has answered.
      await new Promise((r) => setImmediate(r));
      while (this.gcQueue.length) {
        const next = this.gcQueue.shift()!;
        try {
          await next();
        } catch (err) {
          console.error("playground garbage collector:", err);
        }
      }
      this.gcRunning = null;
    })();
  }

  /** Resolves once the garbage collector and namespace controller have nothing left to do. */
  async settled(): Promise<void> {
    while (this.gcRunning) await this.gcRunning;
  }
}

/** ClusterClient over the store, for controllers running in the same process. */
export class StoreClient implements ClusterClient {
  readonly store: Store;
  constructor(store: Store) {
    this.store = store;
  }

  async get<T extends KubeObject = KubeObject>(res: ResourceRef, namespace: string | undefined, name: string): Promise<T | undefined> {
    return this.store.get(res, namespace, name) as T | undefined;
  }

  async list<T extends KubeObject = KubeObject>(res: ResourceRef, options: ListOptions = {}): Promise<{ items: T[]; resourceVersion: string; continue?: string }> {
    const r = this.store.list(res, options);
    return { items: r.items as T[], resourceVersion: r.resourceVersion, ...(r.continue ? { continue: r.continue } : {}) };
  }

  async create<T extends KubeObject = KubeObject>(res: ResourceRef, object: T): Promise<T> {
    return (await this.store.create(res, object)) as T;
  }

  async update<T extends KubeObject = KubeObject>(res: ResourceRef, object: T): Promise<T> {
    return (await this.store.update(res, object)) as T;
  }

  async updateStatus<T extends KubeObject = KubeObject>(res: ResourceRef, object: T): Promise<T> {
    const hasStatus = this.store.typeOf(res).statusSubresource;
    return (await this.store.update(res, object, hasStatus ? { subresource: "status" } : {})) as T;
  }

  async patch<T extends KubeObject = KubeObject>(res: ResourceRef, namespace: string | undefined, name: string, type: PatchType, patch: unknown): Promise<T> {
    return (await this.store.patch(res, namespace, name, type, patch)) as T;
  }

  async patchStatus<T extends KubeObject = KubeObject>(res: ResourceRef, namespace: string | undefined, name: string, type: PatchType, patch: unknown): Promise<T> {
    const hasStatus = this.store.typeOf(res).statusSubresource;
    return (await this.store.patch(res, namespace, name, type, patch, hasStatus ? { subresource: "status" } : {})) as T;
  }

  async delete(res: ResourceRef, namespace: string | undefined, name: string, options?: DeleteOptions): Promise<void> {
    await this.store.delete(res, namespace, name, options);
  }

  /**
   * Events arrive asynchronously (a microtask after the write), in order. A resourceVersion older
   * than the store's history re-lists: the client reports the differences as ADDED/MODIFIED/DELETED.
   */
  watch<T extends KubeObject = KubeObject>(res: ResourceRef, options: ListOptions & { resourceVersion?: string }, onEvent: (event: WatchEvent<T>) => void): () => void {
    const queue: Array<WatchEvent<T>> = [];
    let stopped = false;
    let draining = false;
    const push = (e: WatchEvent<T>) => {
      queue.push(e);
      if (draining) return;
      draining = true;
      queueMicrotask(() => {
        while (queue.length && !stopped) {
          const next = queue.shift()!;
          try {
            onEvent(next);
          } catch (err) {
            console.error("watch handler failed:", err);
          }
        }
        draining = false;
      });
    };
    const opts = { namespace: options.namespace, labelSelector: options.labelSelector, fieldSelector: options.fieldSelector };
    let stop: () => void;
    try {
      stop = this.store.watch(res, { ...opts, resourceVersion: options.resourceVersion }, (e) => push({ type: e.type, object: e.object as T }));
    } catch (err) {
      const stale = err instanceof ClusterError && (err.code === 410 || err.details?.causes?.some((c) => c.reason === "ResourceVersionTooLarge"));
      if (!stale) throw err;
      // Too old (or from another store): re-list; everything present is reported as ADDED.
      stop = this.store.watch(res, opts, (e) => push({ type: e.type, object: e.object as T }));
    }
    return () => {
      stopped = true;
      stop();
    };
  }
}
