// @vitest-environment jsdom
// The shell against an in-memory SwitchboardApi: what it shows comes only from call answers and
// event batches, and the controls send the contract's calls.
import { act, cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { ConnectionState, ContextsView, EventListener, ServicesState, SwitchboardApi, SwitchboardEvent } from "../../app/contract/api.ts";
import { SwitchboardError } from "../../app/contract/errors.ts";
import { initialServicesState, useServices } from "./services-store.ts";
import { KUBERNETES_SOURCE, manyRows } from "./testing/details.ts";
import { App } from "./App.tsx";
import { createActions, useSwitchboard } from "./store.ts";
import { fakeSettingsApi } from "./settings-fake.ts";

const contexts: ContextsView = {
  files: ["/home/me/.kube/config"],
  currentContext: "gke_acme_europe-west1_shop",
  problems: [],
  contexts: [
    {
      name: "gke_acme_europe-west1_shop",
      cluster: "gke_acme_europe-west1_shop",
      user: "gke",
      namespace: null,
      server: "https://34.1.2.3",
      authKind: "exec",
      execCommand: "gke-gcloud-auth-plugin",
      source: "/home/me/.kube/config",
      gke: { project: "acme", location: "europe-west1", cluster: "shop" },
    },
    {
      name: "kind-dev",
      cluster: "kind-dev",
      user: "kind",
      namespace: "dev",
      server: "https://127.0.0.1:6443",
      authKind: "client-certificate",
      execCommand: null,
      source: "/home/me/.kube/config",
      gke: null,
    },
  ],
};

function state(phase: ConnectionState["phase"], context: string | null, namespace: string | null, error: ConnectionState["error"] = null): ConnectionState {
  return { phase, context, namespace, since: new Date().toISOString(), error };
}

function harness() {
  const calls: Array<[string, unknown]> = [];
  let listener: EventListener = () => undefined;
  let connection = state("idle", null, null);
  const services: ServicesState = {
    context: "kind-dev",
    namespace: "dev",
    services: manyRows(3, "dev"),
    healthSource: KUBERNETES_SOURCE,
    unavailableKinds: [{ kind: "backendconfigs", reason: "not-installed", message: "The BackendConfig CRD is not installed: this is not a GKE cluster." }],
    telepresence: null,
  };
  const api: SwitchboardApi = {
    "app.info": async () => ({ name: "Switchboard", version: "9.9.9", contractVersion: 1, host: "test", platform: "linux", nodeVersion: "24" }),
    "contexts.list": async () => contexts,
    "session.get": async () => connection,
    "session.select": async (input) => {
      calls.push(["session.select", input]);
      connection = state("connecting", input.context, input.namespace ?? "default");
      return connection;
    },
    "session.reconnect": async () => {
      calls.push(["session.reconnect", {}]);
      return (connection = { ...connection, phase: "reconnecting", since: new Date().toISOString() });
    },
    "namespaces.list": async () => ({ namespaces: [] }),
    "services.list": async () => {
      calls.push(["services.list", {}]);
      return services;
    },
    "services.get": async (input) => {
      calls.push(["services.get", input]);
      throw new SwitchboardError("not-found", `There is no Service ${input.namespace}/${input.name}.`, "It may have been deleted.");
    },
    // Click-to-intercept is not what these tests are about: the program is "missing".
    ...Object.fromEntries(
      ["telepresence.status", "telepresence.connect", "telepresence.connectInTerminal", "telepresence.quit", "intercepts.preview", "intercepts.start", "intercepts.stop", "intercepts.leaveAll"].map((m) => [
        m,
        async () => {
          throw new SwitchboardError("telepresence-missing", "Telepresence is not installed (the telepresence program was not found).");
        },
      ]),
    ) as unknown as Pick<SwitchboardApi, "telepresence.status" | "telepresence.connect" | "telepresence.connectInTerminal" | "telepresence.quit" | "intercepts.preview" | "intercepts.start" | "intercepts.stop" | "intercepts.leaveAll">,
    // Health strategies are not what these tests are about either: an empty journal, nothing planned.
    "strategies.list": async () => ({ context: null, operations: [] }),
    ...Object.fromEntries(
      ["strategies.plan", "strategies.apply", "strategies.rollback", "strategies.resume"].map((m) => [
        m,
        async () => {
          throw new SwitchboardError("context-not-found", "No context is selected.");
        },
      ]),
    ) as unknown as Pick<SwitchboardApi, "strategies.plan" | "strategies.apply" | "strategies.rollback" | "strategies.resume">,
    // Settings in memory (settings-fake.ts).
    ...fakeSettingsApi(),
    // Not the embedded playground: the tour's tools say so (tour/Tour.tsx stays hidden).
    "playground.localServer": async () => ({ available: false, running: false, port: null, unservedPaths: [], requests: [] }),
    "playground.request": async () => {
      throw new SwitchboardError("not-found", "Sending a request through the front door works only in the built-in playground.");
    },
    subscribe: (l) => {
      listener = l;
      return () => undefined;
    },
  };
  api.subscribe((events) => useSwitchboard.getState().apply(events));
  const emit = (events: SwitchboardEvent[]) => act(() => listener(events));
  return { api, calls, emit };
}

afterEach(() => {
  cleanup();
  useSwitchboard.setState({ info: null, contexts: null, connection: null, namespaces: [], linkUp: false, callError: null });
  useServices.setState({ ...initialServicesState, byKey: new Map() });
});

describe("App", () => {
  it("lists the contexts, selects one through the contract, and follows connection events", async () => {
    const { api, calls, emit } = harness();
    const actions = createActions(api);
    useSwitchboard.setState({ linkUp: true });
    render(<App actions={actions} />);
    await act(() => actions.sync());

    expect(screen.getByRole("button", { name: "Context gke_acme_europe-west1_shop" })).toBeTruthy();
    const kind = screen.getByRole("button", { name: "Context kind-dev" });
    expect(screen.getByText("Pick a context")).toBeTruthy();

    await act(async () => fireEvent.click(kind));
    expect(calls).toEqual([["session.select", { context: "kind-dev" }]]);
    expect(kind.getAttribute("aria-current")).toBe("true");
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("kind-dev");

    emit([
      { type: "namespaces", namespaces: ["default", "dev"] },
      { type: "connection", connection: state("connected", "kind-dev", "dev") },
    ]);
    const status = screen.getByRole("contentinfo", { name: "Status" });
    expect(within(status).getByText("Connected")).toBeTruthy();
    expect(within(screen.getByRole("list", { name: "Namespaces in this cluster" })).getAllByRole("button").map((b) => b.textContent)).toEqual(["default", "dev"]);

    await act(async () => fireEvent.change(screen.getByRole("combobox", { name: "Namespace" }), { target: { value: "default" } }));
    expect(calls.at(-1)).toEqual(["session.select", { context: "kind-dev", namespace: "default" }]);
  });

  it("once connected, lists the services (services.list, then events) with the health source and missing kinds", async () => {
    const { api, calls, emit } = harness();
    const actions = createActions(api);
    useSwitchboard.setState({ linkUp: true });
    render(<App actions={actions} />);
    await act(() => actions.sync());
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Context kind-dev" })));
    emit([{ type: "connection", connection: state("connected", "kind-dev", "dev") }]);
    await act(async () => undefined);
    expect(calls.filter(([m]) => m === "services.list")).toHaveLength(1);
    expect(screen.getByLabelText("3 services")).toBeTruthy();
    expect(screen.getByRole("status", { name: "Health source" }).textContent).toMatch(/Showing Kubernetes-side signals — weaker because/);
    expect(screen.getByRole("list", { name: "Unavailable kinds" }).textContent).toMatch(/BackendConfig is not installed in this cluster/);

    emit([{ type: "services", context: "kind-dev", namespace: "dev", reset: false, upserts: manyRows(5, "dev").slice(3), removed: [] }]);
    expect(screen.getByLabelText("5 services")).toBeTruthy();

    // Opening a service asks services.get; its failure is shown with the hint.
    await act(() => actions.openService("dev/service-0001"));
    expect(calls.at(-1)).toEqual(["services.get", { namespace: "dev", name: "service-0001" }]);
    expect(within(screen.getByRole("region", { name: "Service details" })).getByRole("alert").textContent).toMatch(/There is no Service dev\/service-0001\.It may have been deleted\./);
  });

  it("shows a connection error with its hint and reconnects on request", async () => {
    const { api, calls, emit } = harness();
    const actions = createActions(api);
    useSwitchboard.setState({ linkUp: true });
    render(<App actions={actions} />);
    await act(() => actions.sync());
    emit([
      {
        type: "connection",
        connection: state("error", "gke_acme_europe-west1_shop", "default", {
          code: "auth-plugin-missing",
          message: 'The credential plugin "gke-gcloud-auth-plugin" that your kubeconfig uses to log in was not found.',
          hint: "Install it with `gcloud components install gke-gcloud-auth-plugin`.",
        }),
      },
    ]);
    const status = screen.getByRole("contentinfo", { name: "Status" });
    expect(within(status).getByText("auth-plugin-missing")).toBeTruthy();
    expect(screen.getByRole("alert").textContent).toContain("gcloud components install gke-gcloud-auth-plugin");
    await act(async () => fireEvent.click(within(status).getByRole("button", { name: "Reconnect" })));
    expect(calls.at(-1)).toEqual(["session.reconnect", {}]);
  });

  it("without contexts, explains how to create a kubeconfig", async () => {
    const { api } = harness();
    const actions = createActions({
      ...api,
      "contexts.list": async () => ({
        files: [],
        currentContext: null,
        contexts: [],
        problems: [{ code: "kubeconfig-missing", message: "There is no kubeconfig file at /home/me/.kube/config.", hint: "Create one." }],
      }),
    });
    render(<App actions={actions} />);
    await act(() => actions.sync());
    expect(screen.getByRole("heading", { name: "No Kubernetes contexts yet" })).toBeTruthy();
    expect(screen.getByText("There is no kubeconfig file at /home/me/.kube/config.")).toBeTruthy();
  });
});
