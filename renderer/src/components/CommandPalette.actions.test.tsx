// @vitest-environment jsdom
// The palette's intercept commands (commands-actions.ts) on the real service card: Ctrl+K, "intercept",
// Enter opens the same Intercept panel the card's button opens (a REAL view of web from the GKE fixtures).
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ServiceDetail as Detail, SwitchboardApi } from "../../../app/contract/api.ts";
import type { TelepresenceStatusView } from "../../../app/contract/intercepts.ts";
import { diagnose } from "../../../app/diagnosis/diagnose.ts";
import shopJson from "../../../app/gke/fixtures/shop.json";
import telepresenceJson from "../../../app/gke/fixtures/telepresence.json";
import type { TelepresenceFacts } from "../../../app/gke/snapshot.ts";
import { snapshotFromItems } from "../../../app/gke/snapshot.ts";
import { useCommandUi } from "../commands.ts";
import { createInterceptActions, initialInterceptsState, useIntercepts } from "../intercepts-store.ts";
import { initialServicesState, useServices } from "../services-store.ts";
import type { Actions } from "../store.ts";
import { detailOf } from "../testing/details.ts";
import { CommandCenter } from "./CommandPalette.tsx";
import { InterceptSection } from "./InterceptPanel.tsx";

function webDetail(): Detail {
  const telepresence = { ...(structuredClone(telepresenceJson) as TelepresenceFacts), intercepts: [] };
  const d = diagnose(snapshotFromItems(structuredClone(shopJson.items) as unknown[], { telepresence }));
  return detailOf(d.services.find((s) => s.service.name === "web")!);
}

const STATUS: TelepresenceStatusView = {
  phase: "disconnected",
  program: { found: true, path: "/usr/local/bin/telepresence", version: "2.27.1", error: null, capabilities: { httpFilter: true, wiretap: true, replace: true, leaveCommand: "leave" } },
  context: "shop",
  namespace: "shop",
  connection: { statusText: null, context: null, namespace: null, managerNamespace: null, trafficManagerVersion: null, inDocker: false, error: null },
  httpFilter: { available: true, reason: null },
  intercepts: [],
  error: null,
  busy: null,
  checkedAt: null,
};

beforeEach(() => {
  useIntercepts.setState({ ...initialInterceptsState, telepresence: STATUS });
  useCommandUi.setState({ paletteOpen: false, settingsOpen: false });
});
afterEach(() => {
  cleanup();
  useServices.setState({ ...initialServicesState, byKey: new Map() });
});

describe("intercept commands in the palette", () => {
  it("Ctrl+K, typing \"intercept\" and Enter opens the open service's Intercept panel", async () => {
    const detail = webDetail();
    // The panel asks for a preview once open; a preview that never answers keeps the test about opening.
    createInterceptActions({ "telepresence.status": async () => STATUS, "intercepts.preview": () => new Promise(() => undefined) } as unknown as SwitchboardApi);
    useServices.setState({ openKey: detail.summary.key, detail, detailStatus: "ready" });
    const actions = { openService: vi.fn(), selectContext: vi.fn(), selectNamespace: vi.fn(), reconnect: vi.fn(), saveSettings: vi.fn() } as unknown as Actions;
    render(
      <>
        <CommandCenter actions={actions} />
        <InterceptSection detail={detail} onFix={() => undefined} />
      </>,
    );
    expect(screen.queryByRole("group", { name: "What goes to your laptop" })).toBeNull();
    expect(screen.getByRole("button", { name: "Intercept…" }).getAttribute("aria-expanded")).toBe("false");

    fireEvent.keyDown(window, { key: "k", ctrlKey: true });
    const dialog = screen.getByRole("dialog", { name: "Command palette" });
    const input = within(dialog).getByRole("combobox");
    fireEvent.change(input, { target: { value: "intercept" } });
    expect(within(dialog).getAllByRole("option")[0]!.textContent).toContain("Intercept web…");
    fireEvent.keyDown(input, { key: "Enter" });

    expect(screen.queryByRole("dialog", { name: "Command palette" })).toBeNull();
    expect(await screen.findByRole("group", { name: "What goes to your laptop" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Hide intercept panel" }).getAttribute("aria-expanded")).toBe("true");
  });
});
