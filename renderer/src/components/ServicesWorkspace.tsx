// The cluster view once connected: where health comes from, the service list on the left and the
// open service on the right. It asks services.list when the context/namespace is (re)selected or the
// host link comes back; everything after that arrives as events.
import { useEffect } from "react";
import type React from "react";
import type { Actions } from "../store.ts";
import { useSwitchboard } from "../store.ts";
import { useServices } from "../services-store.ts";
import { HealthSourceBanner } from "./HealthSourceBanner.tsx";
import { PendingStrategies } from "./StrategyWizard.tsx";
import { ServiceDetail } from "./ServiceDetail.tsx";
import { ServiceList } from "./ServiceList.tsx";
import { RichText } from "./RichText.tsx";

export function ServicesWorkspace({ actions }: { actions: Actions }) {
  const context = useSwitchboard((s) => s.connection?.context ?? null);
  const namespace = useSwitchboard((s) => s.connection?.namespace ?? null);
  const connected = useSwitchboard((s) => s.connection?.phase === "connected");
  const linkUp = useSwitchboard((s) => s.linkUp);
  const healthSource = useServices((s) => s.healthSource);
  const unavailable = useServices((s) => s.unavailableKinds);

  useEffect(() => {
    if (!connected || !linkUp || !context) return;
    const s = useServices.getState();
    if (s.context !== null && (s.context !== context || s.namespace !== namespace)) actions.resetServices();
    void actions.loadServices().then(() => {
      if (useServices.getState().openKey) void actions.reloadService();
    });
  }, [actions, connected, linkUp, context, namespace]);

  return (
    <div className="workspace">
      <HealthSourceBanner source={healthSource} unavailable={unavailable} />
      {/* Health strategy operations a crash left half-way: finish or roll back (StrategyWizard.tsx). */}
      <PendingStrategies onOpen={(key) => void actions.openService(key)} />
      <div className="workspace-panes">
        <ServiceList actions={actions} />
        <DetailPane actions={actions} />
      </div>
    </div>
  );
}

function DetailPane({ actions }: { actions: Actions }) {
  const openKey = useServices((s) => s.openKey);
  const detail = useServices((s) => s.detail);
  const status = useServices((s) => s.detailStatus);
  const error = useServices((s) => s.detailError);
  const healthSource = useServices((s) => s.healthSource);
  const fixRequest = useServices((s) => s.fixRequest);

  let body;
  if (!openKey) {
    body = (
      <div className="detail-empty">
        <h2>Pick a service</h2>
        <p className="muted">
          Its traffic path and the load balancer's health check are drawn here, with what an intercept would change.
        </p>
        <p className="muted keys">
          <kbd className="kbd">↑</kbd> <kbd className="kbd">↓</kbd> move · <kbd className="kbd">Enter</kbd> open · <kbd className="kbd">/</kbd> search
        </p>
      </div>
    );
  } else if (detail && detail.summary.key === openKey) {
    body = (
      <ServiceDetail
        detail={detail}
        healthSource={healthSource}
        fixRequest={fixRequest}
        onFix={actions.requestFix}
        onCloseFix={actions.closeFix}
        onClose={actions.closeService}
      />
    );
  } else if (status === "error" && error) {
    body = (
      <div className="inline-error" role="alert">
        <strong>
          <RichText text={error.message} />
        </strong>
        {error.hint ? (
          <p>
            <RichText text={error.hint} />
          </p>
        ) : null}
        <button type="button" className="button small" onClick={() => void actions.reloadService()}>
          Try again
        </button>
      </div>
    );
  } else {
    body = (
      <div className="detail-loading" role="status">
        <span className="spinner" aria-hidden="true" /> Loading <span className="mono">{openKey}</span>…
      </div>
    );
  }
  // Escape closes the open service and gives the keyboard back to the list.
  const onKeyDown = (event: React.KeyboardEvent<HTMLElement>) => {
    if (event.key !== "Escape" || !openKey || event.defaultPrevented) return;
    const target = event.target as HTMLElement;
    if (["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName)) return;
    event.preventDefault();
    actions.closeService();
    document.querySelector<HTMLElement>(".service-list [role=listbox]")?.focus();
  };
  return (
    <section className="detail-pane" aria-label="Service details" onKeyDown={onKeyDown}>
      {body}
    </section>
  );
}
