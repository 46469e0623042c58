// What a host needs to show the embedded playground, without the playground's code: whether it should
// start (`playgroundReason`), where it runs (`PlaygroundCoordinates`, the few facts its JSON line also
// prints) and the core options that follow (`playgroundCoreOptions`). Pure apart from reading the
// user's kubeconfig files, so the Electron main process can use it: its bundle must never contain the
// playground, whose programs and scenario files live beside its sources (see embedded-playground.ts).
import { existsSync } from "node:fs";
import { z } from "zod";
import type { CoreOptions } from "../../app/core/core.ts";
import { SwitchboardError } from "../../app/contract/errors.ts";
import { kubeconfigPaths, loadKubeconfig } from "../../app/kube/kubeconfig.ts";

export const PLAYGROUND_LABEL = "Playground — a simulated GKE cluster";

/** The environment variable the launcher hands a running playground's coordinates to Electron in. */
export const PLAYGROUND_ENV = "SWITCHBOARD_EMBEDDED_PLAYGROUND";

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

const url = z.string().url();
export const playgroundCoordinatesSchema = z
  .object({
    kubeconfigPath: z.string().min(1),
    context: z.string().min(1),
    computeApi: url,
    computeToken: z.string().min(1),
    project: z.string().min(1),
    loadBalancers: z.record(z.string(), url),
    telepresenceBin: z.string().min(1),
  })
  .strict();
export type PlaygroundCoordinates = z.infer<typeof playgroundCoordinatesSchema>;

export type PlaygroundCoreOptions = Pick<CoreOptions, "kubeconfigPaths" | "contextCompute" | "contextLabels" | "startContext" | "telepresencePath" | "playground">;

/** The core options that show a running playground next to the user's own contexts. */
export function playgroundCoreOptions(pg: PlaygroundCoordinates, env: Record<string, string | undefined> = process.env): PlaygroundCoreOptions {
  const userFiles = kubeconfigPaths(env).paths.filter((p) => existsSync(p) && p !== pg.kubeconfigPath);
  const userHasContexts = userFiles.length > 0 && loadKubeconfig(userFiles).contexts.size > 0;
  return {
    // The user's files first (their current-context stays theirs), the playground's last; the user's
    // kubeconfig is never written.
    kubeconfigPaths: [...userFiles, pg.kubeconfigPath],
    contextCompute: { [pg.context]: { apiUrl: pg.computeApi, token: pg.computeToken, project: pg.project } },
    contextLabels: { [pg.context]: PLAYGROUND_LABEL },
    startContext: pg.context,
    // Its front doors, for the onboarding tour's requests (app/core/playground-tools.ts).
    playground: { context: pg.context, loadBalancers: { ...pg.loadBalancers } },
    // The playground's telepresence talks only to the playground: use it when nothing else is set up.
    ...(!userHasContexts && !env.SWITCHBOARD_TELEPRESENCE ? { telepresencePath: pg.telepresenceBin } : {}),
  };
}

/** Reads the coordinates the launcher passed (null when it passed none); refuses a malformed value. */
export function coordinatesFromEnv(env: Record<string, string | undefined> = process.env): PlaygroundCoordinates | null {
  const raw = env[PLAYGROUND_ENV];
  if (!raw) return null;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    json = undefined;
  }
  const parsed = playgroundCoordinatesSchema.safeParse(json);
  if (!parsed.success) {
    throw new SwitchboardError("invalid-request", `${PLAYGROUND_ENV} does not describe a running playground.`, "Start Switchboard with `npm start`, which sets it, or unset it.");
  }
  return parsed.data;
}
