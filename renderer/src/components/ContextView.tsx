import type { ContextInfo } from "../../../app/contract/api.ts";
import type { ErrorValue } from "../../../app/contract/errors.ts";
import type { Actions } from "../store.ts";
import { useSwitchboard } from "../store.ts";
import { authLabel, displayName, phaseLabel } from "../labels.ts";
import { Problems } from "./Problems.tsx";
import { RichText } from "./RichText.tsx";
import { ServicesWorkspace } from "./ServicesWorkspace.tsx";

// A stable empty list: a selector must not return a new array on every call.
const NO_PROBLEMS: ErrorValue[] = [];

function Field({ label, value, mono = false }: { label: string; value: string | null; mono?: boolean }) {
  return (
    <div className="field">
      <dt>{label}</dt>
      <dd className={mono ? "mono" : undefined}>{value ?? <span className="muted">not set</span>}</dd>
    </div>
  );
}

export function ContextView({ context, actions }: { context: ContextInfo; actions: Actions }) {
  const connection = useSwitchboard((s) => s.connection);
  const namespaces = useSwitchboard((s) => s.namespaces);
  const problems = useSwitchboard((s) => s.contexts?.problems ?? NO_PROBLEMS);
  const phase = connection?.phase ?? "idle";
  const connected = phase === "connected";

  const cards = (
      <div className="cards">
        <section className="card" aria-labelledby="card-cluster">
          <h2 id="card-cluster" className="card-title">Cluster</h2>
          <dl className="fields">
            <Field label="Name" value={context.cluster || null} mono />
            <Field label="Server" value={context.server} mono />
            <Field label="Namespace" value={context.namespace ?? "default (none set)"} />
          </dl>
        </section>

        <section className="card" aria-labelledby="card-auth">
          <h2 id="card-auth" className="card-title">Authentication</h2>
          <dl className="fields">
            <Field label="User" value={context.user || null} mono />
            <Field label="Method" value={authLabel[context.authKind]} />
            {context.execCommand ? <Field label="Command" value={context.execCommand} mono /> : null}
          </dl>
        </section>

        {context.gke ? (
          <section className="card" aria-labelledby="card-gke">
            <h2 id="card-gke" className="card-title">Google Kubernetes Engine</h2>
            <dl className="fields">
              <Field label="Project" value={context.gke.project} mono />
              <Field label="Location" value={context.gke.location} mono />
              <Field label="Cluster" value={context.gke.cluster} mono />
            </dl>
          </section>
        ) : null}

        <section className="card" aria-labelledby="card-source">
          <h2 id="card-source" className="card-title">Kubeconfig</h2>
          <dl className="fields">
            <Field label="Defined in" value={context.source} mono />
          </dl>
          <p className="card-note">Switching contexts here never changes your kubeconfig or kubectl's current context.</p>
        </section>
      </div>
  );

  return (
    <div className={`context-view${connected ? " connected" : ""}`}>
      <Problems problems={problems} />
      <header className="page-header">
        <div>
          <div className="eyebrow">{context.gke ? "GKE cluster" : "Kubernetes cluster"}</div>
          <h1 className="page-title">{displayName(context)}</h1>
          <div className="page-sub mono">{context.name}</div>
        </div>
        <span className={`pill phase-${phase}`} role="status" aria-label={`Connection: ${phaseLabel[phase]}`}>
          <span className="dot" aria-hidden="true" />
          {phaseLabel[phase]}
        </span>
      </header>
      {connected ? (
        <details className="cluster-details">
          <summary>Cluster, credentials and kubeconfig</summary>
          {cards}
        </details>
      ) : (
        cards
      )}

      <section className={`card wide${connected ? " namespaces-strip" : ""}`} aria-labelledby="card-namespaces">
        <h2 id="card-namespaces" className="card-title">
          Namespaces
          {phase === "connected" ? <span className="count">{namespaces.length}</span> : null}
        </h2>
        {phase === "connected" ? (
          namespaces.length > 0 ? (
            <ul className="chips" aria-label="Namespaces in this cluster">
              {namespaces.map((ns) => (
                <li key={ns}>
                  <button
                    type="button"
                    className="chip"
                    aria-pressed={ns === connection?.namespace}
                    onClick={() => void actions.selectNamespace(context.name, ns)}
                  >
                    {ns}
                  </button>
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">The cluster has no namespaces you may list.</p>
          )
        ) : phase === "error" && connection?.error ? (
          <div className="inline-error" role="alert">
            <strong>
              <RichText text={connection.error.message} />
            </strong>
            {connection.error.hint ? (
              <p>
                <RichText text={connection.error.hint} />
              </p>
            ) : null}
            <button type="button" className="button primary" onClick={() => void actions.reconnect()}>
              Reconnect
            </button>
          </div>
        ) : (
          <p className="muted">{phase === "idle" ? "Not connected yet." : "Listing namespaces…"}</p>
        )}
      </section>
      {connected ? <ServicesWorkspace actions={actions} /> : null}
    </div>
  );
}
