// The command palette (Ctrl+K / ⌘K): a modal combobox over every registered command (commands.ts).
// Keyboard first: type to filter (fuzzy), ↑/↓ to move, Enter to run, Escape to close; Tab stays in
// the dialog. Screen readers hear a dialog with a combobox whose listbox options are announced via
// aria-activedescendant, grouped by heading, plus a live count. Focus returns where it was on close.
import { Fragment, useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { useActionCommands } from "../commands-actions.ts";
import { useBuiltinCommands, PALETTE_SHORTCUT } from "../commands-builtin.ts";
import { fuzzyScore } from "../commands-fuzzy.ts";
import { useCommands, useCommandUi, useRestoreFocus, type RegisteredCommand } from "../commands.ts";
import { useAppliedTheme } from "../settings-theme.ts";
import type { Actions } from "../store.ts";
import { SettingsDialog } from "./Settings.tsx";
import "../commands-palette.css";

interface Row {
  command: RegisteredCommand;
  indices: number[];
  score: number;
  /** Position in the shown list (set by filterCommands). */
  position: number;
}

/** Enough to pick from; more is only slower (5,000 services): typing narrows the list. */
export const MAX_SHOWN = 200;

/** Filters and orders: with a query by score (groups ordered by their best row), else as registered. */
export function filterCommands(commands: readonly RegisteredCommand[], query: string): { groups: Array<{ group: string; rows: Row[] }>; total: number } {
  let rows: Row[] = [];
  for (const command of commands) {
    const match = fuzzyScore(query, command.title, [...(command.keywords ?? []), command.group]);
    if (match) rows.push({ command, indices: match.indices, score: match.score, position: 0 });
  }
  if (query.trim()) rows.sort((a, b) => b.score - a.score);
  const total = rows.length;
  rows = rows.slice(0, MAX_SHOWN);
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const list = groups.get(row.command.group) ?? [];
    list.push(row);
    groups.set(row.command.group, list);
  }
  const result = [...groups].map(([group, list]) => ({ group, rows: list }));
  // Positions follow the order shown (grouped), which is the order the arrow keys walk.
  let position = 0;
  for (const group of result) for (const row of group.rows) row.position = position++;
  return { groups: result, total };
}

function Highlighted({ text, indices }: { text: string; indices: number[] }) {
  if (indices.length === 0) return <>{text}</>;
  const marks = new Set(indices);
  const parts: Array<{ text: string; mark: boolean }> = [];
  for (let i = 0; i < text.length; i++) {
    const mark = marks.has(i);
    const last = parts[parts.length - 1];
    if (last && last.mark === mark) last.text += text[i];
    else parts.push({ text: text[i]!, mark });
  }
  return (
    <>
      {parts.map((p, i) => (p.mark ? <mark key={i}>{p.text}</mark> : <Fragment key={i}>{p.text}</Fragment>))}
    </>
  );
}

export function CommandPalette() {
  const open = useCommandUi((s) => s.paletteOpen);
  return open ? <PaletteDialog /> : null;
}

function PaletteDialog() {
  const close = useCommandUi((s) => s.closePalette);
  const commands = useCommands();
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const inputRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLDivElement>(null);
  const id = useId();
  useRestoreFocus(true);

  const { groups, total } = useMemo(() => filterCommands(commands, query), [commands, query]);
  const flat = useMemo(() => groups.flatMap((g) => g.rows), [groups]);
  const index = flat.length === 0 ? -1 : Math.min(active, flat.length - 1);
  const activeRow = index >= 0 ? flat[index]! : null;
  const optionId = (row: Row) => `${id}-opt-${row.position}`;

  useEffect(() => inputRef.current?.focus(), []);
  useEffect(() => {
    if (!activeRow) return;
    const el = listRef.current?.ownerDocument.getElementById(`${id}-opt-${index}`);
    el?.scrollIntoView?.({ block: "nearest" });
  }, [activeRow, id, index]);

  const run = (row: Row | null) => {
    if (!row || row.command.disabledReason) return;
    // Close first (focus goes back), then run: a command that opens a dialog takes focus from there.
    close();
    void Promise.resolve()
      .then(() => row.command.run())
      .catch((error: unknown) => console.error(`switchboard: command ${row.command.key} failed`, error));
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    const n = flat.length;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (n) setActive((index + 1) % n);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      if (n) setActive((index - 1 + n) % n);
    } else if (event.key === "PageDown" || (event.key === "End" && event.ctrlKey)) {
      event.preventDefault();
      if (n) setActive(event.key === "End" ? n - 1 : Math.min(index + 8, n - 1));
    } else if (event.key === "PageUp" || (event.key === "Home" && event.ctrlKey)) {
      event.preventDefault();
      if (n) setActive(event.key === "Home" ? 0 : Math.max(index - 8, 0));
    } else if (event.key === "Enter") {
      event.preventDefault();
      run(activeRow);
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close();
    } else if (event.key === "Tab") {
      // The input is the dialog's only stop: focus stays trapped in it.
      event.preventDefault();
    }
  };

  const listId = `${id}-list`;
  return (
    <div className="palette-backdrop" onMouseDown={(e) => e.target === e.currentTarget && close()}>
      <div className="palette" role="dialog" aria-modal="true" aria-label="Command palette">
        <input
          ref={inputRef}
          className="palette-input"
          role="combobox"
          aria-expanded="true"
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={activeRow ? optionId(activeRow) : undefined}
          aria-label="Command"
          placeholder="Type a command, a context, a service…"
          autoComplete="off"
          spellCheck={false}
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setActive(0);
          }}
          onKeyDown={onKeyDown}
        />
        <div ref={listRef} id={listId} className="palette-list" role="listbox" aria-label="Commands">
          {groups.map((group) => (
            <div key={group.group} role="group" aria-labelledby={`${id}-g-${group.group}`}>
              <div className="palette-group" id={`${id}-g-${group.group}`} role="presentation">
                {group.group}
              </div>
              {group.rows.map((row) => {
                const selected = row === activeRow;
                const disabled = Boolean(row.command.disabledReason);
                return (
                  <div
                    key={row.command.key}
                    id={optionId(row)}
                    data-key={row.command.key}
                    role="option"
                    aria-selected={selected}
                    aria-disabled={disabled || undefined}
                    className={`palette-option${selected ? " active" : ""}${disabled ? " disabled" : ""}`}
                    title={row.command.disabledReason ?? undefined}
                    onMouseMove={() => !selected && setActive(row.position)}
                    onMouseDown={(e) => e.preventDefault() /* keep focus in the input */}
                    onClick={() => run(row)}
                  >
                    <span className="palette-title">
                      <Highlighted text={row.command.title} indices={row.indices} />
                    </span>
                    {row.command.disabledReason ? <span className="palette-detail">{row.command.disabledReason}</span> : null}
                    {!row.command.disabledReason && row.command.detail ? <span className="palette-detail">{row.command.detail}</span> : null}
                    {row.command.shortcut ? <span className="kbd">{row.command.shortcut}</span> : null}
                  </div>
                );
              })}
            </div>
          ))}
          {total > flat.length ? (
            <div className="palette-empty" role="presentation">
              {total - flat.length} more — type to narrow the list.
            </div>
          ) : null}
          {flat.length === 0 ? (
            <div className="palette-empty" role="presentation">
              No command matches “{query}”.
            </div>
          ) : null}
        </div>
        <div className="visually-hidden" role="status" aria-live="polite">
          {total === 1 ? "1 command" : `${total} commands`}
        </div>
        <div className="palette-footer" aria-hidden="true">
          <span className="kbd">↑</span>
          <span className="kbd">↓</span> move · <span className="kbd">Enter</span> run · <span className="kbd">Esc</span> close
        </div>
      </div>
    </div>
  );
}

/** Ctrl+K / ⌘K toggles the palette; Ctrl+, / ⌘, opens the settings. Anywhere in the window. */
export function useCommandShortcuts() {
  useEffect(() => {
    const onKeyDown = (event: globalThis.KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
      const key = event.key.toLowerCase();
      if (key === "k") {
        event.preventDefault();
        useCommandUi.getState().togglePalette();
      } else if (key === ",") {
        event.preventDefault();
        useCommandUi.getState().openSettings();
      }
    };
    window.addEventListener("keydown", onKeyDown, true);
    return () => window.removeEventListener("keydown", onKeyDown, true);
  }, []);
}

/**
 * Everything of the palette and the settings in one mount for App: the shortcuts, the built-in
 * commands, the applied theme, the palette and the settings dialog. (PaletteButton opens it by mouse.)
 */
export function CommandCenter({ actions }: { actions: Actions }) {
  useCommandShortcuts();
  useBuiltinCommands(actions);
  useActionCommands();
  useAppliedTheme();
  return (
    <>
      <CommandPalette />
      <SettingsDialog actions={actions} />
    </>
  );
}

/** A button that opens the palette, showing its shortcut (in the status bar). */
export function PaletteButton() {
  const openPalette = useCommandUi((s) => s.openPalette);
  return (
    <button type="button" className="button small ghost palette-button" onClick={openPalette} title={`Command palette (${PALETTE_SHORTCUT})`}>
      Commands <span className="kbd">{PALETTE_SHORTCUT}</span>
    </button>
  );
}
