import type { Actions } from "./store.ts";
import { useSwitchboard } from "./store.ts";
import { Sidebar } from "./components/Sidebar.tsx";
import { ContextView } from "./components/ContextView.tsx";
import { EmptyState } from "./components/EmptyState.tsx";
import { StatusBar } from "./components/StatusBar.tsx";
import { InterceptToasts } from "./components/InterceptPanel.tsx";
import { CommandCenter } from "./components/CommandPalette.tsx";
import { Tour } from "./tour/Tour.tsx";

export function App({ actions }: { actions: Actions }) {
  const contexts = useSwitchboard((s) => s.contexts);
  const connection = useSwitchboard((s) => s.connection);
  const selected = contexts?.contexts.find((c) => c.name === connection?.context) ?? null;
  // Connected: the services workspace fills the window and its panes scroll on their own.
  const workspace = selected !== null && connection?.phase === "connected";

  return (
    <div className="app">
      <Sidebar actions={actions} />
      <main className={`main${workspace ? " workspace-mode" : ""}`} aria-label="Context details">
        {contexts === null ? (
          <div className="loading" role="status">
            Loading your kubeconfig…
          </div>
        ) : contexts.contexts.length === 0 ? (
          <EmptyState view={contexts} />
        ) : selected ? (
          <ContextView context={selected} actions={actions} />
        ) : (
          <div className="hint-panel">
            <h1>Pick a context</h1>
            <p>Choose one of your kubeconfig contexts in the sidebar to connect to its cluster.</p>
          </div>
        )}
      </main>
      <StatusBar actions={actions} />
      <InterceptToasts />
      {/* Ctrl+K command palette, settings dialog, applied theme (CommandPalette.tsx). */}
      <CommandCenter actions={actions} />
      {/* The onboarding tour, first run in the playground and on request (tour/Tour.tsx). */}
      <Tour actions={actions} />
    </div>
  );
}
