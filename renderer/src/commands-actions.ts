// The intercept and strategy actions in the palette: open the Intercept panel or the strategy wizard
// of the open service, leave intercepts, connect/disconnect Telepresence, roll back or finish health
// strategy operations. Derived only from the stores (the core's views: `mine`, `canRollback`,
// `canResume`, `pending` …) and calling the same store actions as the buttons do.
import { useMemo } from "react";
import type { ServiceDetail } from "../../app/contract/api.ts";
import type { TelepresenceStatusView } from "../../app/contract/intercepts.ts";
import type { StrategyOperationsView } from "../../app/contract/strategies.ts";
import type { Command } from "./commands.ts";
import { useRegisterCommands } from "./commands.ts";
import { STRATEGY_INFO } from "./components/StrategyWizard.tsx";
import type { InterceptActions } from "./intercepts-store.ts";
import { interceptActions, useIntercepts } from "./intercepts-store.ts";
import type { OpenPanels } from "./services-store.ts";
import { setOpenPanel, useServices } from "./services-store.ts";
import type { StrategyActions } from "./strategies-store.ts";
import { strategyActions, useStrategies } from "./strategies-store.ts";

export interface ActionInputs {
  /** The open service ("namespace/name") and its detail once loaded. */
  openKey: string | null;
  detail: ServiceDetail | null;
  telepresence: TelepresenceStatusView | null;
  operations: StrategyOperationsView | null;
  /** Services with a strategy action running from this window. */
  busy: Readonly<Record<string, string>>;
}

export interface ActionHandlers {
  openPanel(panel: keyof OpenPanels, service: string): void;
  intercepts: Pick<InterceptActions, "stopIntercept" | "leaveAllIntercepts" | "connectTelepresence" | "disconnectTelepresence"> | null;
  strategies: Pick<StrategyActions, "rollback" | "resume"> | null;
}

const NO_CORE = "Switchboard's core is not connected yet.";

/** Pure: the intercept and strategy commands for the current state (tested without React). */
export function actionCommands(input: ActionInputs, actions: ActionHandlers): Command[] {
  const commands: Command[] = [];
  const { openKey, detail, telepresence } = input;

  if (openKey) {
    const name = detail?.summary.key === openKey ? detail.view.name : openKey.slice(openKey.indexOf("/") + 1);
    const loading = detail?.summary.key === openKey ? null : `The details of ${name} are still loading.`;
    commands.push({
      id: `intercept-open:${openKey}`,
      title: `Intercept ${name}…`,
      group: "Intercepts",
      keywords: [openKey, "telepresence", "panel"],
      disabledReason: loading,
      run: () => actions.openPanel("intercept", openKey),
    });
    commands.push({
      id: `strategy-open:${openKey}`,
      title: `Fix health check of ${name}…`,
      group: "Health strategies",
      keywords: [openKey, "health strategy", "wizard", "load balancer"],
      disabledReason: loading,
      run: () => actions.openPanel("strategy", openKey),
    });
  }

  // Telepresence is busy with one action at a time: the panel's buttons are disabled then too.
  const tpBusy = telepresence?.busy ? `Telepresence is busy (${telepresence.busy}).` : null;
  const mine = telepresence?.intercepts.filter((i) => i.mine) ?? [];
  for (const i of mine) {
    commands.push({
      id: `leave:${i.key}`,
      title: `Leave the intercept of ${i.name}`,
      group: "Intercepts",
      keywords: [...i.services, ...(i.namespace ? [i.namespace] : []), "stop"],
      detail: i.localPort ? `→ localhost:${i.localPort}` : undefined,
      disabledReason: actions.intercepts ? tpBusy : NO_CORE,
      run: () => void actions.intercepts?.stopIntercept(i.namespace ?? "", i.name),
    });
  }
  if (mine.length > 0) {
    commands.push({
      id: "leave-all",
      title: "Leave all intercepts",
      group: "Intercepts",
      keywords: ["stop", "quit"],
      detail: `${mine.length}`,
      disabledReason: actions.intercepts ? tpBusy : NO_CORE,
      run: () => void actions.intercepts?.leaveAllIntercepts(),
    });
  }

  // As the Intercept panel's Telepresence line: Connect unless connected, then Disconnect.
  if (telepresence?.phase === "connected") {
    commands.push({
      id: "telepresence-quit",
      title: "Disconnect Telepresence",
      group: "Intercepts",
      keywords: ["quit", "telepresence quit"],
      disabledReason: actions.intercepts ? tpBusy : NO_CORE,
      run: () => void actions.intercepts?.disconnectTelepresence(),
    });
  } else {
    const missing =
      telepresence && (telepresence.phase === "missing" || telepresence.phase === "too-old" || (telepresence.program.error && !telepresence.program.found))
        ? (telepresence.program.error?.message ?? "Telepresence was not found.")
        : null;
    commands.push({
      id: "telepresence-connect",
      title: "Connect Telepresence",
      group: "Intercepts",
      keywords: ["telepresence connect"],
      disabledReason: !actions.intercepts ? NO_CORE : !telepresence ? "Telepresence's state is not known yet." : (missing ?? tpBusy),
      run: () => void actions.intercepts?.connectTelepresence(false),
    });
  }

  for (const o of input.operations?.operations ?? []) {
    const service = `${o.service.namespace}/${o.service.name}`;
    const running = input.busy[service];
    const reason = !actions.strategies ? NO_CORE : running ? `Already ${running} on ${o.service.name}.` : null;
    const label = STRATEGY_INFO[o.strategy]?.label ?? o.strategy;
    const base = { group: "Health strategies", keywords: [service, o.title, o.strategy], detail: o.createdAt.replace("T", " ").slice(0, 16) };
    if (o.pending && o.canResume) {
      commands.push({ ...base, id: `resume:${o.id}`, title: `Finish ${label} on ${o.service.name}`, disabledReason: reason, run: () => runStrategy(() => actions.strategies?.resume(o)) });
    }
    if (o.canRollback) {
      commands.push({ ...base, id: `rollback:${o.id}`, title: `Roll back ${label} on ${o.service.name}`, disabledReason: reason, run: () => runStrategy(() => actions.strategies?.rollback(o)) });
    }
  }
  return commands;
}

/** A failure ends in the journal (the store reloads it after every action), which the service page and the pending banner show. */
function runStrategy(work: () => Promise<unknown> | undefined): void {
  void work()?.catch(() => undefined);
}

/** Registers the intercept and strategy commands (source "actions") and keeps them in step with the stores. */
export function useActionCommands(): void {
  const openKey = useServices((s) => s.openKey);
  const detail = useServices((s) => s.detail);
  const telepresence = useIntercepts((s) => s.telepresence);
  const operations = useStrategies((s) => s.operations);
  const busy = useStrategies((s) => s.busy);
  const commands = useMemo(
    () => actionCommands({ openKey, detail, telepresence, operations, busy }, { openPanel: setOpenPanel, intercepts: interceptActions(), strategies: strategyActions() }),
    [openKey, detail, telepresence, operations, busy],
  );
  useRegisterCommands("actions", commands);
}
