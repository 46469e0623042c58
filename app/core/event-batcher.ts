// Events leave the core in batches: everything that happens within one short window (about a frame)
// is delivered as one array, so a burst of changes costs the UI one render and the host one message.
// Within a window, a newer event with the same key replaces the older one (for the current kinds,
// which each carry a whole state, only the latest matters); order of first appearance is kept.
import type { EventListener, SwitchboardEvent } from "../contract/api.ts";

export interface EventBatcher {
  emit(event: SwitchboardEvent): void;
  subscribe(listener: EventListener): () => void;
  /** Delivers what is pending now (used when closing). */
  flush(): void;
  close(): void;
}

export function eventKey(event: SwitchboardEvent): string {
  return event.type;
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
      pending.delete(key); // re-insert so the batch order follows the latest change
      pending.set(key, event);
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
