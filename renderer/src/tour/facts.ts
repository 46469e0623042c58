// The tour's facts from the app's stores (which only contract answers and events fill): pure
// `deriveFacts` for tests, `useTourFacts` for the overlay.
import { useMemo } from "react";
import type { ServiceDetail, ServiceSummary } from "../../../app/contract/api.ts";
import type { TelepresenceStatusView } from "../../../app/contract/intercepts.ts";
import type { StrategyOperationsView } from "../../../app/contract/strategies.ts";
import type { LocalRequest, LocalServerView, PlaygroundResponse } from "../../../app/contract/tour.ts";
import { useIntercepts } from "../intercepts-store.ts";
import { useServices } from "../services-store.ts";
import { useStrategies } from "../strategies-store.ts";
import type { TourFacts } from "./engine.ts";
import { useTour, WEB } from "./tour-store.ts";

export interface FactSources {
  openKey: string | null;
  detail: ServiceDetail | null;
  web: ServiceSummary | undefined;
  telepresence: TelepresenceStatusView | null;
  operations: StrategyOperationsView | null;
  server: LocalServerView | null;
  requests: readonly LocalRequest[];
  stepSince: number;
  frontDoor: PlaygroundResponse | null;
}

export function deriveFacts(s: FactSources): TourFacts {
  const detail = s.detail?.summary.key === WEB.key ? s.detail : null;
  const intercept =
    s.telepresence?.intercepts.find(
      (i) => i.mine && i.namespace === WEB.namespace && (i.services.includes(WEB.key) || i.workload === WEB.name || i.name === WEB.name),
    ) ?? null;
  return {
    available: s.server?.available ?? false,
    webOpen: s.openKey === WEB.key && detail !== null,
    webHealth: s.web?.health ?? null,
    webHealthSidecar: detail?.view.ports.some((p) => p.healthChecks.some((hc) => hc.healthSidecar !== null)) ?? false,
    webIntercept: intercept ? { global: intercept.kind === "intercept" && intercept.httpFilter.length === 0, localPort: intercept.localPort } : null,
    sidecarApplied: (s.operations?.operations ?? []).some((o) => o.service.namespace === WEB.namespace && o.service.name === WEB.name && o.strategy === "sidecar" && o.state === "applied"),
    localPort: s.server?.running ? s.server.port : null,
    localRequests: s.requests.filter((r) => r.seq > s.stepSince),
    frontDoor: s.frontDoor,
  };
}

export function useTourFacts(): TourFacts {
  const openKey = useServices((s) => s.openKey);
  const detail = useServices((s) => s.detail);
  const web = useServices((s) => s.byKey.get(WEB.key));
  const telepresence = useIntercepts((s) => s.telepresence);
  const operations = useStrategies((s) => s.operations);
  const server = useTour((s) => s.server);
  const requests = useTour((s) => s.requests);
  const stepSince = useTour((s) => s.stepSince);
  const frontDoor = useTour((s) => s.frontDoor);
  return useMemo(
    () => deriveFacts({ openKey, detail, web, telepresence, operations, server, requests, stepSince, frontDoor }),
    [openKey, detail, web, telepresence, operations, server, requests, stepSince, frontDoor],
  );
}
