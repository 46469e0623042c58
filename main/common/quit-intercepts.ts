// What quitting does with active intercepts. Telepresence's daemon keeps an intercept until
// leave/quit (telepresence.md §2), so closing Switchboard does NOT end it: traffic would keep going to
// this laptop. Electron asks (main/electron/main.ts); the browser host cannot ask once its page may be
// gone, so it keeps them and says so, with the commands that end them (and the next start shows them).
import type { SwitchboardApi } from "../../app/contract/api.ts";
import type { InterceptStateView } from "../../app/contract/intercepts.ts";

type Methods = Pick<SwitchboardApi, "telepresence.status">;

/** This machine's intercepts as the core last saw them (never starts daemons: status only). */
export async function activeIntercepts(core: Methods): Promise<InterceptStateView[]> {
  try {
    const status = await core["telepresence.status"]({ refresh: true });
    return status.intercepts.filter((i) => i.mine);
  } catch {
    return [];
  }
}

export function describeIntercepts(intercepts: InterceptStateView[]): string {
  return intercepts
    .map((i) => `${i.namespace ? `${i.namespace}/` : ""}${i.name}${i.localPort ? ` → localhost:${i.localPort}` : ""}${i.httpFilter.length > 0 ? ` (${i.httpFilter.join(", ")})` : ""}`)
    .join("\n");
}

/** The announcement the browser host prints when it stops with intercepts still active. */
export function keptInterceptsNotice(intercepts: InterceptStateView[]): string | null {
  if (intercepts.length === 0) return null;
  const leave = intercepts.map((i) => `  telepresence leave ${i.name}`).join("\n");
  return (
    `These intercepts stay active in Telepresence (traffic keeps going to this machine):\n${describeIntercepts(intercepts)
      .split("\n")
      .map((l) => `  ${l}`)
      .join("\n")}\n` + `End them with "Leave all" in Switchboard before quitting, or now with:\n${leave}\n`
  );
}
