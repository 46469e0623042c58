// The playground as the embedded default: when the user has no cluster configured (no kubeconfig
// file, or none with a context), or asks for it with --playground, the host starts the simulated GKE
// cluster in-process and hands the core its kubeconfig, Compute API emulation and telepresence
// program. The user's kubeconfig is never written: the playground's own file is merged in after theirs.
// Only hosts (main/) import the playground; the core sees it as any other cluster.
import { existsSync } from "node:fs";
import type { CoreOptions } from "../../app/core/core.ts";
import { kubeconfigPaths, loadKubeconfig } from "../../app/kube/kubeconfig.ts";
import { startPlayground, type Playground } from "../../playground/index.ts";

export const PLAYGROUND_LABEL = "Playground — a simulated GKE cluster";

/** Why the playground starts (null: it does not). */
export function playgroundReason(forced: boolean, env: Record<string, string | undefined> = process.env): string | null {
  if (forced) return "--playground was given";
  // SWITCHBOARD_PLAYGROUND=0: never start it by itself (tests of the launcher, users who do not want it).
  if (env.SWITCHBOARD_PLAYGROUND === "0") return null;
  const location = kubeconfigPaths(env);
  const files = location.paths.filter((p) => existsSync(p));
  if (files.length === 0) return location.origin === "KUBECONFIG" ? "none of the KUBECONFIG files exists" : "there is no ~/.kube/config";
  if (loadKubeconfig(files).contexts.size === 0) return "your kubeconfig has no contexts";
  return null;
}

export interface EmbeddedPlayground {
  playground: Playground;
  /** What the core needs to show it: the merged files, the Compute API emulation, the label. */
  coreOptions: Pick<CoreOptions, "kubeconfigPaths" | "contextCompute" | "contextLabels" | "startContext" | "telepresencePath" | "playground">;
  stop(): Promise<void>;
}

export async function startEmbeddedPlayground(env: Record<string, string | undefined> = process.env, log?: (message: string) => void): Promise<EmbeddedPlayground> {
  // SWITCHBOARD_PLAYGROUND_SPEED divides the simulated intervals (tests, demos in a hurry); default 1.
  const speed = Number(env.SWITCHBOARD_PLAYGROUND_SPEED) > 0 ? Number(env.SWITCHBOARD_PLAYGROUND_SPEED) : undefined;
  const playground = await startPlayground({ ...(log ? { log } : {}), ...(speed ? { speed } : {}) });
  const userFiles = kubeconfigPaths(env).paths.filter((p) => existsSync(p));
  const userHasContexts = userFiles.length > 0 && loadKubeconfig(userFiles).contexts.size > 0;
  let stopped: Promise<void> | null = null;
  return {
    playground,
    coreOptions: {
      // The user's files first (their current-context stays theirs), the playground's last.
      kubeconfigPaths: [...userFiles, playground.kubeconfigPath],
      contextCompute: {
        [playground.context]: { apiUrl: playground.computeApi, token: playground.computeToken, project: playground.project },
      },
      contextLabels: { [playground.context]: PLAYGROUND_LABEL },
      startContext: playground.context,
      // Its front doors, for the onboarding tour's requests (app/core/playground-tools.ts).
      playground: { context: playground.context, loadBalancers: { ...playground.loadBalancers } },
      // The playground's telepresence talks only to the playground: use it when nothing else is set up.
      ...(!userHasContexts && !env.SWITCHBOARD_TELEPRESENCE ? { telepresencePath: playground.telepresenceBin } : {}),
    },
    stop: () => (stopped ??= playground.stop()),
  };
}
