// @vitest-environment jsdom
// The tour overlay against an in-memory api: it shows by itself only on first run in the playground,
// is an accessible dialog, Esc skips it (persisted), startTour replays it, and "Do it for me" sends the
// same contract call as the Intercept panel's Start button.
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SwitchboardApi } from "../../../app/contract/api.ts";
import { SwitchboardError } from "../../../app/contract/errors.ts";
import type { LocalServerView } from "../../../app/contract/tour.ts";
import { createActions, useSwitchboard } from "../store.ts";
import { NEW_PROGRESS, STORAGE_KEY } from "./engine.ts";
import { Tour } from "./Tour.tsx";
import { useTour } from "./tour-store.ts";

function harness(available: boolean) {
  const calls: Array<[string, unknown]> = [];
  const server = (running: boolean): LocalServerView => ({ available, running, port: running ? 41000 : null, unservedPaths: running ? ["/healthz"] : [], requests: [] });
  const answers: Record<string, (input: unknown) => unknown> = {
    "playground.localServer": (input) => server((input as { action: string }).action === "start"),
    "intercepts.start": () => {
      throw new SwitchboardError("telepresence-missing", "Telepresence is not installed.");
    },
  };
  const api = new Proxy({} as SwitchboardApi, {
    get(_, method: string) {
      if (method === "subscribe") return () => () => undefined;
      return async (input: unknown) => {
        calls.push([method, input]);
        const answer = answers[method];
        if (!answer) throw new SwitchboardError("not-found", `not in this test: ${method}`);
        return answer(input);
      };
    },
  });
  return { actions: createActions(api), calls };
}

const progress = () => JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "null") as { status: string; step: number } | null;

beforeEach(() => {
  localStorage.clear();
  useTour.setState({ progress: NEW_PROGRESS, server: null, requests: [], stepSince: 0, frontDoor: null, busy: null, error: null });
  useSwitchboard.setState({ linkUp: true, connection: { phase: "connected", context: "playground", namespace: "demo", since: new Date().toISOString(), error: null }, tourRequested: false });
});

afterEach(() => {
  cleanup();
});

describe("Tour", () => {
  it("shows by itself on first run in the playground; Esc skips and is remembered; startTour replays", async () => {
    const { actions, calls } = harness(true);
    render(<Tour actions={actions} />);
    const dialog = await screen.findByRole("dialog", { name: "This is web" });
    expect(calls[0]).toEqual(["playground.localServer", { action: "status" }]);
    expect(dialog.getAttribute("aria-modal")).toBe("false");
    expect(document.activeElement).toBe(screen.getByRole("heading", { name: "This is web" }));
    expect((screen.getByRole("button", { name: "Next" }) as HTMLButtonElement).disabled).toBe(true);
    expect(progress()).toMatchObject({ status: "active", step: 0 });

    await act(async () => fireEvent.keyDown(dialog, { key: "Escape" }));
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(progress()).toMatchObject({ status: "skipped" });

    await act(async () => useSwitchboard.getState().startTour());
    expect(await screen.findByRole("dialog", { name: "This is web" })).toBeTruthy();
    expect(useSwitchboard.getState().tourRequested).toBe(false);
  });

  it("stays away outside the playground and after it was skipped or finished", async () => {
    const { actions, calls } = harness(false);
    render(<Tour actions={actions} />);
    await act(async () => undefined);
    expect(calls).toEqual([["playground.localServer", { action: "status" }]]);
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(progress()).toBeNull();
    cleanup();

    localStorage.setItem(STORAGE_KEY, JSON.stringify({ status: "finished", step: 6, completed: [] }));
    useTour.setState({ progress: { status: "finished", step: 6, completed: [] } });
    render(<Tour actions={harness(true).actions} />);
    await act(async () => undefined);
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("'Do it for me' on the intercept step starts the local server and calls intercepts.start like the panel, and says why it failed", async () => {
    const { actions, calls } = harness(true);
    useTour.setState({ progress: { status: "active", step: 1, completed: ["web"] } });
    render(<Tour actions={actions} />);
    await screen.findByRole("dialog", { name: "Intercept web" });
    // No web detail in this test: the local server waits for the health check's path from the model,
    // so start it the way the step does once the path is known.
    await act(async () => void (await actions.startLocalServer(["/healthz"])));
    expect(screen.getByRole("dialog").textContent).toContain("127.0.0.1:41000");
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Do it for me" })));
    expect(calls).toContainEqual(["intercepts.start", { namespace: "demo", service: "web", servicePort: "http", localPort: 41000, kind: "global" }]);
    expect(screen.getByRole("alert").textContent).toContain("The intercept did not start");
  });
});
