// Telepresence in the playground: what `startPlayground` wires in, and the path of the program.
//
//   const tp = await startTelepresence({ client, admission: store.admission, images, speed, log });
//   // optionally: await installTrafficManager(client)   (what `telepresence helm install` does)
//   … JSON line: { …, "telepresence": TELEPRESENCE_BIN }
//   await tp.stop();
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ClusterClient } from "../cluster/client.ts";
import type { ImageRegistry } from "../images/registry.ts";
import { tel2Image, TEL2_IMAGE } from "./agent.ts";
import { installTrafficManager, TrafficManager, type AdmissionHooks, type InstallOptions, type ManagerInfo } from "./manager.ts";

/** The launcher of the playground's `telepresence` program (runs it under Node ≥ 22.19). */
export const TELEPRESENCE_BIN = join(dirname(dirname(fileURLToPath(import.meta.url))), "bin", "telepresence");

export interface TelepresenceOptions {
  client: ClusterClient;
  /** The API server store's admission registry (`store.admission`): the agent injector hooks pod CREATE there. */
  admission?: AdmissionHooks;
  /** The kubelet's image registry: `ghcr.io/telepresenceio/tel2` (traffic-agent and traffic-manager) is registered there. */
  images: ImageRegistry;
  speed?: number;
  /** A session whose daemon stopped sending keepalives loses its intercepts after this long (default 15 s). */
  sessionTtlMs?: number;
  /** Pre-install the traffic-manager (as `telepresence helm install` would); false leaves it to the user. */
  install?: boolean | InstallOptions;
  log?: (message: string) => void;
}

export interface Telepresence {
  manager: TrafficManager;
  /** Set when `install` was asked for (or the manager was already installed). */
  installed: ManagerInfo | undefined;
  bin: string;
  stop(): Promise<void>;
}

export async function startTelepresence(options: TelepresenceOptions): Promise<Telepresence> {
  const manager = new TrafficManager({
    client: options.client,
    ...(options.admission ? { admission: options.admission } : {}),
    ...(options.speed ? { speed: options.speed } : {}),
    ...(options.sessionTtlMs ? { sessionTtlMs: options.sessionTtlMs } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  options.images.register(TEL2_IMAGE, tel2Image(manager));
  await manager.start();
  let installed: ManagerInfo | undefined;
  if (options.install) {
    installed = await installTrafficManager(options.client, options.install === true ? {} : options.install);
  }
  return {
    manager,
    installed,
    bin: TELEPRESENCE_BIN,
    async stop() {
      manager.stop();
    },
  };
}

export { installTrafficManager, TrafficManager };
export { injectAgent, planAgent } from "./inject.ts";
export type { AdmissionHooks, InstallOptions, ManagerInfo };
