import { useId } from "react";
import type { Actions } from "../store.ts";
import { useSwitchboard } from "../store.ts";
import { displayName, subtitle } from "../labels.ts";
import { Logo } from "./Logo.tsx";

export function Sidebar({ actions }: { actions: Actions }) {
  const contexts = useSwitchboard((s) => s.contexts);
  const connection = useSwitchboard((s) => s.connection);
  const namespaces = useSwitchboard((s) => s.namespaces);
  const namespaceId = useId();
  const contextsHeadingId = useId();

  const selected = connection?.context ?? null;
  const connected = connection?.phase === "connected";
  // The chosen namespace stays listed even before (or without) the cluster's list.
  const namespaceOptions = [...new Set([...(connection?.namespace ? [connection.namespace] : []), ...namespaces])].sort();

  return (
    <aside className="sidebar">
      <header className="brand">
        <Logo />
        <span className="brand-name">Switchboard</span>
      </header>

      <section className="sidebar-section grow" aria-labelledby={contextsHeadingId}>
        <h2 id={contextsHeadingId} className="section-title">
          Contexts
          {contexts ? <span className="count">{contexts.contexts.length}</span> : null}
        </h2>
        <nav aria-label="Kubeconfig contexts">
          <ul className="context-list">
            {contexts?.contexts.map((context) => {
              const isSelected = context.name === selected;
              return (
                <li key={context.name}>
                  <button
                    type="button"
                    className="context-item"
                    aria-current={isSelected ? "true" : undefined}
                    aria-label={`Context ${context.name}`}
                    title={context.name}
                    onClick={() => void actions.selectContext(context.name)}
                  >
                    <span className={`context-icon ${context.gke ? "gke" : ""}`} aria-hidden="true">
                      {context.gke ? "G" : displayName(context).slice(0, 1).toUpperCase()}
                    </span>
                    <span className="context-text">
                      <span className="context-name">{displayName(context)}</span>
                      <span className="context-sub">{subtitle(context)}</span>
                    </span>
                    {contexts.currentContext === context.name ? (
                      <span className="tag" title="current-context in your kubeconfig">
                        current
                      </span>
                    ) : null}
                  </button>
                </li>
              );
            })}
          </ul>
          {contexts && contexts.contexts.length === 0 ? <p className="sidebar-empty">No contexts in your kubeconfig.</p> : null}
        </nav>
      </section>

      <section className="sidebar-section">
        <label htmlFor={namespaceId} className="section-title">
          Namespace
        </label>
        <select
          id={namespaceId}
          className="select"
          value={connection?.namespace ?? ""}
          disabled={!selected || !connected}
          onChange={(event) => selected && void actions.selectNamespace(selected, event.target.value)}
        >
          {namespaceOptions.length === 0 ? <option value="">{selected ? "—" : "Pick a context first"}</option> : null}
          {namespaceOptions.map((ns) => (
            <option key={ns} value={ns}>
              {ns}
            </option>
          ))}
        </select>
      </section>
    </aside>
  );
}
