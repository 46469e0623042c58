// Writes core/v1 Events the way Kubernetes components do, so `kubectl describe` shows them.
// Repeats of the same (object, reason, message) bump `count` instead of adding a new Event.
import { randomBytes } from "node:crypto";
import { resources, type ClusterClient, type KubeObject } from "../cluster/client.ts";

export function nowTime(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, "Z");
}

const MAX_SERIES = 5000;

export class EventRecorder {
  readonly #client: ClusterClient;
  readonly #component: string;
  readonly #host: string | undefined;
  readonly #seen = new Map<string, { name: string; namespace: string; count: number }>();

  constructor(client: ClusterClient, component: string, host?: string) {
    this.#client = client;
    this.#component = component;
    this.#host = host;
  }

  /** Fire and forget: an event that cannot be written must not stop a controller. */
  record(obj: KubeObject, type: "Normal" | "Warning", reason: string, message: string, fieldPath?: string): void {
    void this.#write(obj, type, reason, message, fieldPath).catch(() => undefined);
  }

  async #write(obj: KubeObject, type: string, reason: string, message: string, fieldPath?: string): Promise<void> {
    const namespace = obj.metadata.namespace ?? "default";
    const key = `${obj.metadata.uid}/${reason}/${message}/${fieldPath ?? ""}`;
    const now = nowTime();
    const seen = this.#seen.get(key);
    if (seen) {
      seen.count++;
      const count = seen.count;
      await this.#client.patch(resources.events, namespace, seen.name, "merge", { count, lastTimestamp: now });
      return;
    }
    const name = `${obj.metadata.name}.${randomBytes(8).toString("hex")}`;
    this.#seen.set(key, { name, namespace, count: 1 });
    // Bounded memory: forget the oldest series (a repeat then starts a new Event, as after a TTL).
    if (this.#seen.size > MAX_SERIES) this.#seen.delete(this.#seen.keys().next().value!);
    await this.#client.create(resources.events, {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, namespace: obj.metadata.namespace,
        uid: obj.metadata.uid, resourceVersion: obj.metadata.resourceVersion, ...(fieldPath ? { fieldPath } : {}),
      },
      type,
      reason,
      message,
      source: { component: this.#component, ...(this.#host ? { host: this.#host } : {}) },
      reportingComponent: this.#component,
      reportingInstance: this.#host ?? "",
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    });
  }
}
