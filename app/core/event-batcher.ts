// Events leave the core in batches: everything that happens within one short window (about a frame)
// is delivered as one array, so a burst of changes costs the UI one render and the host one message.
// Within a window, a newer event with the same key replaces the older one (for the current kinds,
// which each carry a whole state, only the latest matters); order of first appearance is kept.
// Two kinds are not whole states: `services` carries changed rows, so deltas of one list within a
// window are merged into one (a reset starts the list over); `service` is keyed per service.
import type { EventListener, SwitchboardEvent } from "../contract/api.ts";

export interface EventBatcher {
  emit(event: SwitchboardEvent): void;
  subscribe(listener: EventListener): () => void;
  /** Delivers what is pending now (used when closing). */
  flush(): void;
  close(): void;
}

export function eventKey(event: SwitchboardEvent): string {
  if (event.type === "service") return `service:${event.detail.summary.key}`;
  // Progress steps are a sequence, not a state: keep each step (a newer "waiting" tick replaces the last).
  if (event.type === "intercept-progress") return `${event.type}:${event.progress.action}:${event.progress.step}:${event.progress.status}`;
  // Strategy steps too (app/core/strategies.ts): each message kept; a newer rollout tick replaces the last.
  if (event.type === "strategy-progress") return `${event.type}:${event.progress.operation}:${event.progress.phase}:${event.progress.step}${event.progress.step === "rollout" ? "" : `:${event.progress.message}`}`;
  // Each request reaching the tour's local server is one arrival, not a state (playground-tools.ts).
  if (event.type === "local-request") return `${event.type}:${event.port}:${event.request.seq}`;
  return event.type;
}

type ServicesEvent = Extract<SwitchboardEvent, { type: "services" }>;

/** `later` applied on top of `earlier` (same list): one delta saying both. */
export function mergeServices(earlier: ServicesEvent, later: ServicesEvent): ServicesEvent {
  if (later.reset || earlier.context !== later.context || earlier.namespace !== later.namespace) return later;
  const upserts = new Map(earlier.upserts.map((row) => [row.key, row]));
  const removed = new Set(earlier.removed);
  for (const key of later.removed) {
    upserts.delete(key);
    removed.add(key);
  }
  for (const row of later.upserts) {
    removed.delete(row.key);
    upserts.set(row.key, row);
  }
  return { ...earlier, upserts: [...upserts.values()], removed: [...removed] };
}

export function createEventBatcher(windowMs = 20, onListenerError: (error: unknown) => void = () => undefined): EventBatcher {
  const listeners = new Set<EventListener>();
  let pending = new Map<string, SwitchboardEvent>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (pending.size === 0) return;
    const batch = [...pending.values()];
    pending = new Map();
    for (const listener of listeners) {
      try {
        listener(batch);
      } catch (error) {
        // One broken subscriber (a closed socket, a destroyed window) must not starve the others.
        onListenerError(error);
      }
    }
  };

  return {
    emit(event) {
      if (closed) return;
      const key = eventKey(event);
      const previous = pending.get(key);
      pending.delete(key); // re-insert so the batch order follows the latest change
      pending.set(key, previous?.type === "services" && event.type === "services" ? mergeServices(previous, event) : event);
      timer ??= setTimeout(flush, windowMs);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    flush,
    close() {
      flush();
      closed = true;
      listeners.clear();
    },
  };
}
