// The playground as the embedded default: when the user has no cluster configured (no kubeconfig
// file, or none with a context), or asks for it with --playground, the launcher starts the simulated
// GKE cluster in its own process (from the sources: its `telepresence` program and scenario files live
// beside them) and hands the core its kubeconfig, Compute API emulation, telepresence program and
// front doors (playground-options.ts). The browser host runs the core in that same process; the
// Electron main process gets the coordinates through PLAYGROUND_ENV instead of bundling the playground.
// Only the launcher (main/launch.ts) imports this file; the core sees the playground as any other cluster.
import { startPlayground, type Playground } from "../../playground/index.ts";
import { playgroundCoreOptions, type PlaygroundCoordinates, type PlaygroundCoreOptions } from "./playground-options.ts";

export { PLAYGROUND_LABEL, playgroundReason } from "./playground-options.ts";

export interface EmbeddedPlayground {
  playground: Playground;
  /** Where it runs: what the Electron main process is handed (PLAYGROUND_ENV). */
  coordinates: PlaygroundCoordinates;
  /** What the core needs to show it: the merged files, the Compute API emulation, the label. */
  coreOptions: PlaygroundCoreOptions;
  stop(): Promise<void>;
}

export async function startEmbeddedPlayground(env: Record<string, string | undefined> = process.env, log?: (message: string) => void): Promise<EmbeddedPlayground> {
  // SWITCHBOARD_PLAYGROUND_SPEED divides the simulated intervals (tests, demos in a hurry); default 1.
  const speed = Number(env.SWITCHBOARD_PLAYGROUND_SPEED) > 0 ? Number(env.SWITCHBOARD_PLAYGROUND_SPEED) : undefined;
  const playground = await startPlayground({ ...(log ? { log } : {}), ...(speed ? { speed } : {}) });
  const coordinates: PlaygroundCoordinates = {
    kubeconfigPath: playground.kubeconfigPath,
    context: playground.context,
    computeApi: playground.computeApi,
    computeToken: playground.computeToken,
    project: playground.project,
    loadBalancers: { ...playground.loadBalancers },
    telepresenceBin: playground.telepresenceBin,
  };
  let stopped: Promise<void> | null = null;
  return {
    playground,
    coordinates,
    coreOptions: playgroundCoreOptions(coordinates, env),
    stop: () => (stopped ??= playground.stop()),
  };
}
