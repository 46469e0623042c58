// The contract in front of a core that is still loading. The core's module graph (client-node above
// all) takes most of a cold start to import; a host that serves the page meanwhile lets the browser
// load the UI in parallel. Calls wait for the core; listeners attach once it is there.
import type { EventListener, SwitchboardApi } from "../../app/contract/api.ts";

export function deferredApi(core: Promise<SwitchboardApi>): SwitchboardApi {
  return new Proxy({} as SwitchboardApi, {
    get(_target, property) {
      if (property === "then") return undefined; // not a thenable itself
      if (property === "subscribe") {
        return (listener: EventListener) => {
          let unsubscribe: (() => void) | null = null;
          let cancelled = false;
          void core.then((c) => {
            if (!cancelled) unsubscribe = c.subscribe(listener);
          }, () => undefined);
          return () => {
            cancelled = true;
            unsubscribe?.();
          };
        };
      }
      return (input: unknown) => core.then((c) => (c[property as keyof SwitchboardApi] as (input: unknown) => Promise<unknown>).call(c, input));
    },
  });
}
