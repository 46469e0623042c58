// The container images the playground can "run". An image is a factory: given the container it
// runs in, it says which ports it listens on and how each port answers. The kubelet binds each port
// to a real loopback listener (kubelet/listeners.ts) and records it in the pod's port table
// (kubelet/network.ts). Later issues register more images here (the Telepresence traffic-agent).
import type { PortHandler } from "../kubelet/listeners.ts";
import type { PodNetwork } from "../kubelet/network.ts";
import type { Container, Pod } from "../workloads/types.ts";
import type { HealthSwitches } from "./health.ts";

export interface ContainerContext {
  namespace: string;
  podName: string;
  podIP: string;
  /** The pod as the kubelet first saw it (spec, labels, annotations). */
  pod: Pod;
  container: Container;
  /** The container's environment with `value` and `valueFrom.fieldRef` resolved. */
  env: Record<string, string>;
  network: PodNetwork;
  health: HealthSwitches;
}

export interface ContainerProcess {
  /** Ports the process listens on, with the handler for each. */
  ports: Map<number, PortHandler>;
  /** Called when the container stops (pod deleted). */
  stop?(): void;
}

export type ImageFactory = (ctx: ContainerContext) => ContainerProcess;

/** `gcr.io/x/switchboard/demo-app:1.2@sha256:…` → `gcr.io/x/switchboard/demo-app`; `docker.io/` dropped. */
export function imageName(image: string | undefined): string {
  let name = (image ?? "").trim();
  const at = name.indexOf("@");
  if (at >= 0) name = name.slice(0, at);
  const slash = name.lastIndexOf("/");
  const colon = name.lastIndexOf(":");
  if (colon > slash) name = name.slice(0, colon);
  return name.replace(/^docker\.io\//, "").replace(/^library\//, "");
}

export class ImageRegistry {
  readonly #byName = new Map<string, ImageFactory>();
  readonly #matchers: Array<{ match: (name: string) => boolean; factory: ImageFactory }> = [];
  readonly #fallback: ImageFactory;

  constructor(fallback: ImageFactory) {
    this.#fallback = fallback;
  }

  /** Registers an image by name (tag ignored) or by a predicate on the tag-less name. */
  register(image: string | ((name: string) => boolean), factory: ImageFactory): void {
    if (typeof image === "string") this.#byName.set(imageName(image), factory);
    else this.#matchers.push({ match: image, factory });
  }

  /** The factory for an image; unknown images run as the generic HTTP 200 listener. */
  resolve(image: string | undefined): ImageFactory {
    const name = imageName(image);
    const exact = this.#byName.get(name);
    if (exact) return exact;
    for (const m of this.#matchers) if (m.match(name)) return m.factory;
    return this.#fallback;
  }

  known(image: string | undefined): boolean {
    const name = imageName(image);
    return this.#byName.has(name) || this.#matchers.some((m) => m.match(name));
  }
}
