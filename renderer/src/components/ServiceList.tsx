// The service list: thousands of rows stay smooth (only the visible ones are in the DOM), a listbox
// driven from the keyboard (arrows, Home/End, PageUp/PageDown, Enter; `/` jumps to the search box),
// and the most recently opened services pinned at the top (Delete on a pinned row, or its ×, unpins it).
import { memo, useCallback, useEffect, useId, useMemo, useRef, useState } from "react";
import type { KeyboardEvent as ReactKeyboardEvent } from "react";
import { useVirtualizer } from "@tanstack/react-virtual";
import type { ServiceHealth, ServiceSummary } from "../../../app/contract/api.ts";
import type { ServiceActions } from "../services-store.ts";
import { useServices } from "../services-store.ts";
import { serviceHealthLabel } from "../labels.ts";
import { ServiceHealthBadge, ToneIcon } from "./Health.tsx";
import { RichText } from "./RichText.tsx";

export const ROW_HEIGHT = 58;

export interface ListFilters {
  query: string;
  health: ServiceHealth | "all";
  intercepted: boolean;
  withFindings: boolean;
}

export const NO_FILTERS: ListFilters = { query: "", health: "all", intercepted: false, withFindings: false };

/** Row filter: name/namespace/exposure substring match (case-insensitive) and the toggles. */
export function matches(row: ServiceSummary, f: ListFilters): boolean {
  if (f.health !== "all" && row.health !== f.health) return false;
  if (f.intercepted && !row.intercepted) return false;
  if (f.withFindings && row.findings.error + row.findings.warning === 0) return false;
  if (f.query) {
    const q = f.query.trim().toLowerCase();
    if (q && !row.name.toLowerCase().includes(q) && !row.namespace.toLowerCase().includes(q) && !row.exposure.toLowerCase().includes(q)) return false;
  }
  return true;
}

type ListActions = Pick<ServiceActions, "openService" | "loadServices" | "unpin">;

export function ServiceList({ actions }: { actions: ListActions }) {
  const rows = useServices((s) => s.rows);
  const byKey = useServices((s) => s.byKey);
  const recent = useServices((s) => s.recent);
  const openKey = useServices((s) => s.openKey);
  const listStatus = useServices((s) => s.listStatus);
  const listError = useServices((s) => s.listError);
  const namespace = useServices((s) => s.namespace);
  const context = useServices((s) => s.context);

  const [filters, setFilters] = useState<ListFilters>(NO_FILTERS);
  // The pins are taken when the list (re)starts — a new context or namespace, a new search — not on
  // every open, so rows do not jump under the cursor while someone walks the list with Enter.
  const [searchEpoch, setSearchEpoch] = useState(0);
  const scope = `${context}|${namespace}|${searchEpoch}`;
  const [pins, setPins] = useState({ scope, keys: recent });
  if (pins.scope !== scope) setPins({ scope, keys: recent });
  const pinKeys = pins.scope === scope ? pins.keys : recent;
  const [active, setActive] = useState(0);
  const searchRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLDivElement>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const baseId = useId();
  const searchId = `${baseId}-search`;
  const rowId = (index: number) => `${baseId}-row-${index}`;

  const { items, pinnedCount } = useMemo(() => {
    const pinned: ServiceSummary[] = [];
    const pinnedKeys = new Set<string>();
    for (const key of pinKeys) {
      if (!recent.includes(key)) continue; // unpinned since
      const row = byKey.get(key);
      if (row && matches(row, filters)) {
        pinned.push(row);
        pinnedKeys.add(key);
      }
    }
    const rest = rows.filter((row) => !pinnedKeys.has(row.key) && matches(row, filters));
    return { items: [...pinned, ...rest], pinnedCount: pinned.length };
  }, [rows, byKey, recent, pinKeys, filters]);

  const activeIndex = items.length === 0 ? -1 : Math.min(active, items.length - 1);

  // The app does not use the React Compiler; the virtualizer's functions are read fresh each render.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 6,
    getItemKey: (index) => items[index]?.key ?? index,
    // React 19 refuses flushSync inside its own render/lifecycle (the virtualizer's default on scroll
    // and resize); batched updates are smooth enough for fixed-height rows.
    useFlushSync: false,
  });

  // `/` anywhere (outside a text field) jumps to the search box, like GitHub and Lens.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
      const target = event.target as HTMLElement | null;
      if (target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName))) return;
      event.preventDefault();
      searchRef.current?.focus();
      searchRef.current?.select();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const moveTo = useCallback(
    (index: number) => {
      if (items.length === 0) return;
      const next = Math.max(0, Math.min(items.length - 1, index));
      setActive(next);
      virtualizer.scrollToIndex(next, { align: "auto" });
    },
    [items.length, virtualizer],
  );

  const onListKey = (event: ReactKeyboardEvent<HTMLDivElement>) => {
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? ROW_HEIGHT * 8) / ROW_HEIGHT) - 1);
    let handled = true;
    switch (event.key) {
      case "ArrowDown":
        moveTo(activeIndex + 1);
        break;
      case "ArrowUp":
        if (activeIndex <= 0) searchRef.current?.focus();
        else moveTo(activeIndex - 1);
        break;
      case "Home":
        moveTo(0);
        break;
      case "End":
        moveTo(items.length - 1);
        break;
      case "PageDown":
        moveTo(activeIndex + page);
        break;
      case "PageUp":
        moveTo(activeIndex - page);
        break;
      case "Enter":
      case " ": {
        const row = items[activeIndex];
        if (row) void actions.openService(row.key);
        break;
      }
      case "Delete":
      case "Backspace": {
        // The keyboard's way to the row's × (a button inside an option is not reachable: an option's
        // content is presentational, and focus stays on the listbox).
        const row = items[activeIndex];
        if (row && activeIndex < pinnedCount) actions.unpin(row.key);
        else handled = false;
        break;
      }
      default:
        handled = false;
    }
    if (handled) event.preventDefault();
  };

  const onSearchKey = (event: ReactKeyboardEvent<HTMLInputElement>) => {
    if (event.key === "ArrowDown" || (event.key === "Enter" && items.length > 0)) {
      event.preventDefault();
      moveTo(event.key === "Enter" ? 0 : activeIndex < 0 ? 0 : activeIndex);
      listRef.current?.focus();
      if (event.key === "Enter" && items[0]) void actions.openService(items[0].key);
    } else if (event.key === "Escape" && filters.query) {
      event.preventDefault();
      setFilters((f) => ({ ...f, query: "" }));
    }
  };

  const onOpen = useCallback(
    (index: number, key: string) => {
      setActive(index);
      void actions.openService(key);
    },
    [actions],
  );

  const update = (patch: Partial<ListFilters>) => {
    if (patch.query !== undefined && patch.query !== filters.query) setSearchEpoch((n) => n + 1);
    setFilters((f) => ({ ...f, ...patch }));
    setActive(0);
    scrollRef.current?.scrollTo?.({ top: 0 });
  };
  const filtering = filters.query !== "" || filters.health !== "all" || filters.intercepted || filters.withFindings;

  return (
    <section className="service-list" aria-label="Services">
      <div className="list-toolbar">
        <div className="list-title-row">
          <h2 className="section-title list-title">
            Services
            {listStatus === "ready" ? (
              <span className="count" aria-label={`${filtering ? `${items.length} of ` : ""}${rows.length} services`}>
                {filtering ? `${items.length} / ${rows.length}` : rows.length}
              </span>
            ) : null}
          </h2>
        </div>
        <div className="search">
          <svg className="search-icon" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
            <circle cx="7" cy="7" r="4.5" />
            <path d="M10.5 10.5L14 14" />
          </svg>
          <input
            ref={searchRef}
            id={searchId}
            className="search-input"
            type="search"
            placeholder="Search services"
            aria-label="Search services"
            aria-keyshortcuts="/"
            aria-controls={`${baseId}-listbox`}
            value={filters.query}
            onChange={(event) => update({ query: event.target.value })}
            onKeyDown={onSearchKey}
          />
          <kbd className="kbd" aria-hidden="true">
            /
          </kbd>
        </div>
        <div className="filters" role="group" aria-label="Filters">
          <select
            className="select compact"
            aria-label="Health filter"
            value={filters.health}
            onChange={(event) => update({ health: event.target.value as ListFilters["health"] })}
          >
            <option value="all">Any health</option>
            {(Object.keys(serviceHealthLabel) as ServiceHealth[]).map((h) => (
              <option key={h} value={h}>
                {serviceHealthLabel[h]}
              </option>
            ))}
          </select>
          <button type="button" className="chip toggle" aria-pressed={filters.intercepted} onClick={() => update({ intercepted: !filters.intercepted })}>
            Intercepted
          </button>
          <button type="button" className="chip toggle" aria-pressed={filters.withFindings} onClick={() => update({ withFindings: !filters.withFindings })}>
            With findings
          </button>
        </div>
      </div>

      {listStatus === "error" && listError ? (
        <div className="inline-error list-state" role="alert">
          <strong>
            <RichText text={listError.message} />
          </strong>
          {listError.hint ? (
            <p>
              <RichText text={listError.hint} />
            </p>
          ) : null}
          <button type="button" className="button small" onClick={() => void actions.loadServices()}>
            Try again
          </button>
        </div>
      ) : null}

      {(listStatus === "loading" || listStatus === "idle") && rows.length === 0 ? (
        <div className="list-skeleton" role="status" aria-label="Loading services">
          {Array.from({ length: 7 }, (_, i) => (
            <div className="skeleton-row" key={i} aria-hidden="true">
              <span className="skeleton-bar w60" />
              <span className="skeleton-bar w35" />
            </div>
          ))}
          <span className="visually-hidden">Loading services…</span>
        </div>
      ) : null}

      {listStatus === "ready" && rows.length === 0 ? (
        <div className="list-empty">
          <strong>No services in {namespace ? <span className="mono">{namespace}</span> : "this namespace"}</strong>
          <p className="muted">Pick another namespace in the sidebar, or create a Service: it shows up here by itself.</p>
        </div>
      ) : null}

      {rows.length > 0 && items.length === 0 ? (
        <div className="list-empty">
          <strong>No services match</strong>
          <p className="muted">Nothing in {rows.length} services matches the search and filters.</p>
          <button type="button" className="button small" onClick={() => update(NO_FILTERS)}>
            Clear filters
          </button>
        </div>
      ) : null}

      <div className="list-scroll" ref={scrollRef} hidden={items.length === 0}>
        <div
          ref={listRef}
          id={`${baseId}-listbox`}
          className="listbox"
          role="listbox"
          aria-label="Services"
          tabIndex={0}
          aria-activedescendant={activeIndex >= 0 ? rowId(activeIndex) : undefined}
          aria-keyshortcuts={pinnedCount > 0 ? "Delete" : undefined}
          onKeyDown={onListKey}
          style={{ height: virtualizer.getTotalSize() }}
        >
          {virtualizer.getVirtualItems().map((v) => {
            const row = items[v.index];
            if (!row) return null;
            return (
              <ServiceRow
                key={row.key}
                id={rowId(v.index)}
                index={v.index}
                size={items.length}
                top={v.start}
                summary={row}
                active={v.index === activeIndex}
                selected={row.key === openKey}
                pinned={v.index < pinnedCount}
                lastPinned={v.index === pinnedCount - 1 && pinnedCount < items.length}
                unpinHintId={`${baseId}-unpin-hint`}
                onOpen={onOpen}
                onUnpin={actions.unpin}
              />
            );
          })}
        </div>
        <span id={`${baseId}-unpin-hint`} className="visually-hidden">
          Press Delete to unpin.
        </span>
      </div>
    </section>
  );
}

interface RowProps {
  id: string;
  index: number;
  size: number;
  top: number;
  summary: ServiceSummary;
  active: boolean;
  selected: boolean;
  pinned: boolean;
  lastPinned: boolean;
  /** The hidden "Press Delete to unpin." a pinned row is described by. */
  unpinHintId: string;
  onOpen(index: number, key: string): void;
  onUnpin(key: string): void;
}

/** One row; memoised on its summary object, which the store keeps stable until the row changes. */
const ServiceRow = memo(function ServiceRow({ id, index, size, top, summary, active, selected, pinned, lastPinned, unpinHintId, onOpen, onUnpin }: RowProps) {
  const { error, warning } = summary.findings;
  const description = [
    summary.intercepted ? "intercepted" : null,
    error ? `${error} error${error === 1 ? "" : "s"}` : null,
    warning ? `${warning} warning${warning === 1 ? "" : "s"}` : null,
    pinned ? "recently opened" : null,
  ]
    .filter(Boolean)
    .join(", ");
  return (
    <div
      id={id}
      role="option"
      aria-selected={selected}
      aria-posinset={index + 1}
      aria-setsize={size}
      aria-label={`${summary.name}${description ? `, ${description}` : ""}`}
      aria-describedby={pinned ? unpinHintId : undefined}
      className={`service-row${active ? " active" : ""}${selected ? " selected" : ""}${lastPinned ? " last-pinned" : ""}`}
      style={{ transform: `translateY(${top}px)`, height: ROW_HEIGHT }}
      data-key={summary.key}
      data-tour={`service-${summary.key}`}
      title={summary.topFinding ?? undefined}
      onClick={() => onOpen(index, summary.key)}
    >
      <div className="row-main">
        <span className="row-name">
          {pinned ? (
            <span className="pin" title="Recently opened (pinned)">
              <svg viewBox="0 0 16 16" width="11" height="11" aria-hidden="true">
                <path d="M5 1.5h6l-1 4 2.5 2.5h-9L6 5.5z M8 8v6.5" />
              </svg>
            </span>
          ) : null}
          <span className="row-name-text">{summary.name}</span>
        </span>
        <span className="row-badges">
          {summary.intercepted ? (
            <span className="badge intercept" title="An intercept is active on this service">
              <svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true">
                <path d="M2 5h9l-2.5-2.5M14 11H5l2.5 2.5" />
              </svg>
              Intercepted
            </span>
          ) : null}
          {error > 0 ? (
            <span className="count-badge tone-unhealthy" title={`${error} error finding${error === 1 ? "" : "s"}`}>
              <ToneIcon tone="unhealthy" size={11} />
              {error}
            </span>
          ) : null}
          {warning > 0 ? (
            <span className="count-badge tone-at-risk" title={`${warning} warning finding${warning === 1 ? "" : "s"}`}>
              <ToneIcon tone="at-risk" size={11} />
              {warning}
            </span>
          ) : null}
        </span>
      </div>
      <div className="row-sub">
        <span className="row-meta">
          {summary.exposure}
          <span aria-hidden="true"> · </span>
          {summary.pods.ready}/{summary.pods.total} ready
        </span>
        <ServiceHealthBadge summary={summary} />
      </div>
      {pinned ? (
        <button
          type="button"
          className="unpin"
          // Not in the tab order: focus stays on the listbox (aria-activedescendant); Delete is the
          // keyboard's way to this button, and the button shows on the active row so it is seen.
          tabIndex={-1}
          aria-label={`Unpin ${summary.name}`}
          title={`Unpin ${summary.name} (Delete)`}
          onClick={(event) => {
            event.stopPropagation();
            onUnpin(summary.key);
          }}
        >
          ×
        </button>
      ) : null}
    </div>
  );
});
