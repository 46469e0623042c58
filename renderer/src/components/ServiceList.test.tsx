// @vitest-environment jsdom
// The service list fed by the store the way the core feeds it (services events), driven by mouse and
// keyboard: filtering, listbox navigation, pinning of recently opened services, virtualization.
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SwitchboardApi } from "../../../app/contract/api.ts";
import { SwitchboardError } from "../../../app/contract/errors.ts";
import { createServiceActions, initialServicesState, useServices } from "../services-store.ts";
import { manyRows } from "../testing/details.ts";
import { ROW_HEIGHT, ServiceList } from "./ServiceList.tsx";

const VIEWPORT = ROW_HEIGHT * 10;

// jsdom has no layout: give the list's scroller a height and a working scrollTo.
const clientHeight = Object.getOwnPropertyDescriptor(HTMLElement.prototype, "clientHeight");
const scrollHeight = Object.getOwnPropertyDescriptor(Element.prototype, "scrollHeight");
const scrollTo = Element.prototype.scrollTo;
const scrollTopDescriptor = Object.getOwnPropertyDescriptor(Element.prototype, "scrollTop");
const scrollTops = new WeakMap<Element, number>();
beforeAll(() => {
  Object.defineProperty(Element.prototype, "scrollTop", {
    configurable: true,
    get(this: Element) {
      return scrollTops.get(this) ?? 0;
    },
    set(this: Element, value: number) {
      scrollTops.set(this, value);
    },
  });
  Object.defineProperty(HTMLElement.prototype, "clientHeight", {
    configurable: true,
    get(this: HTMLElement) {
      return this.classList.contains("list-scroll") ? VIEWPORT : 0;
    },
  });
  // The scroller's content is the listbox, as tall as the virtualizer says.
  Object.defineProperty(Element.prototype, "scrollHeight", {
    configurable: true,
    get(this: Element) {
      return this.classList.contains("list-scroll") ? parseFloat((this.firstElementChild as HTMLElement | null)?.style.height ?? "0") || 0 : 0;
    },
  });
  Element.prototype.scrollTo = function (this: Element, options?: ScrollToOptions | number) {
    const top = typeof options === "number" ? 0 : (options?.top ?? 0);
    this.scrollTop = top;
    this.dispatchEvent(new Event("scroll"));
  } as Element["scrollTo"];
});
afterAll(() => {
  if (clientHeight) Object.defineProperty(HTMLElement.prototype, "clientHeight", clientHeight);
  Element.prototype.scrollTo = scrollTo;
  if (scrollHeight) Object.defineProperty(Element.prototype, "scrollHeight", scrollHeight);
  if (scrollTopDescriptor) Object.defineProperty(Element.prototype, "scrollTop", scrollTopDescriptor);
});

function setup(count = 5000) {
  const opened: Array<{ namespace: string; name: string }> = [];
  const api = {
    "services.get": async (input: { namespace: string; name: string }) => {
      opened.push(input);
      throw new SwitchboardError("not-found", `There is no Service ${input.name}.`);
    },
  } as unknown as SwitchboardApi;
  const actions = createServiceActions(api);
  act(() => useServices.getState().apply([{ type: "services", context: "gke_shop", namespace: "load", reset: true, upserts: manyRows(count), removed: [] }]));
  render(<ServiceList actions={actions} />);
  return { actions, opened };
}

const listbox = () => screen.getByRole("listbox", { name: "Services" });
const options = () => {
  const box = screen.queryByRole("listbox", { name: "Services" });
  return box ? within(box).queryAllByRole("option") : [];
};
const names = () => options().map((o) => o.querySelector(".row-name-text")?.textContent);
const activeRow = () => document.getElementById(listbox().getAttribute("aria-activedescendant") ?? "");

beforeEach(() => localStorage.clear());
afterEach(() => {
  cleanup();
  useServices.setState({ ...initialServicesState, byKey: new Map() });
});

describe("ServiceList", () => {
  it("renders only the visible rows of 5,000 and tells assistive tech the full size", () => {
    setup(5000);
    const rendered = options();
    expect(rendered.length).toBeGreaterThan(5);
    expect(rendered.length).toBeLessThan(30);
    expect(rendered[0]!.getAttribute("aria-setsize")).toBe("5000");
    expect(names()[0]).toBe("service-0000");
    expect(screen.getByLabelText("5000 services")).toBeTruthy();
  });

  it("filters by search text, health, intercepted and findings, and offers to clear when nothing matches", () => {
    setup(500);
    const search = screen.getByRole("searchbox", { name: "Search services" });
    fireEvent.change(search, { target: { value: "service-001" } });
    expect(names()).toEqual(Array.from({ length: 10 }, (_, i) => `service-001${i}`));
    expect(screen.getByLabelText("10 of 500 services")).toBeTruthy();

    fireEvent.change(search, { target: { value: "" } });
    fireEvent.change(screen.getByRole("combobox", { name: "Health filter" }), { target: { value: "unhealthy" } });
    for (const o of options()) expect(o.textContent).toContain("Unhealthy · ");
    expect(screen.getByLabelText("100 of 500 services")).toBeTruthy();

    fireEvent.change(screen.getByRole("combobox", { name: "Health filter" }), { target: { value: "all" } });
    fireEvent.click(screen.getByRole("button", { name: "Intercepted" }));
    expect(screen.getByRole("button", { name: "Intercepted" }).getAttribute("aria-pressed")).toBe("true");
    for (const o of options()) expect(o.getAttribute("aria-label")).toMatch(/intercepted/);
    expect(names().slice(0, 3)).toEqual(["service-0000", "service-0007", "service-0014"]);

    fireEvent.click(screen.getByRole("button", { name: "With findings" }));
    for (const o of options()) expect(o.getAttribute("aria-label")).toMatch(/intercepted, (\d+ errors?, )?\d+ (error|warning)/);

    fireEvent.change(search, { target: { value: "no-such-service" } });
    expect(options()).toHaveLength(0);
    expect(screen.getByText("No services match")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Clear filters" }));
    expect(options().length).toBeGreaterThan(5);
    expect(screen.getByLabelText("500 services")).toBeTruthy();
  });

  it("moves with arrows, Home, End and PageDown, opens with Enter, and `/` jumps to the search box", async () => {
    const { opened } = setup(5000);
    const box = listbox();
    box.focus();
    expect(activeRow()?.textContent).toContain("service-0000");
    fireEvent.keyDown(box, { key: "ArrowDown" });
    fireEvent.keyDown(box, { key: "ArrowDown" });
    expect(activeRow()?.textContent).toContain("service-0002");
    fireEvent.keyDown(box, { key: "ArrowUp" });
    expect(activeRow()?.textContent).toContain("service-0001");
    fireEvent.keyDown(box, { key: "End" });
    // The last row is scrolled into view (rendered; the virtualizer scrolls on the next frame) and active.
    await waitFor(() => expect(activeRow()?.textContent).toContain("service-4999"));
    expect(names()).toContain("service-4999");
    expect(names()).not.toContain("service-0000");
    fireEvent.keyDown(box, { key: "Home" });
    await waitFor(() => expect(activeRow()?.textContent).toContain("service-0000"));
    fireEvent.keyDown(box, { key: "PageDown" });
    expect(activeRow()?.textContent).toContain("service-0009");
    await act(async () => fireEvent.keyDown(box, { key: "Enter" }));
    expect(opened).toEqual([{ namespace: "load", name: "service-0009" }]);
    expect(useServices.getState().openKey).toBe("load/service-0009");
    expect(activeRow()?.getAttribute("aria-selected")).toBe("true");

    fireEvent.keyDown(box, { key: "/" });
    expect(document.activeElement).toBe(screen.getByRole("searchbox", { name: "Search services" }));
    // From the search box, ArrowDown goes back into the list.
    fireEvent.keyDown(document.activeElement!, { key: "ArrowDown" });
    expect(document.activeElement).toBe(box);
  });

  it("pins the most recently opened services at the top, remembers them across restarts, and unpins", async () => {
    const { actions } = setup(300);
    await act(async () => {
      await actions.openService("load/service-0042");
      await actions.openService("load/service-0100");
    });
    // Rows do not jump while the list is in use; the pins come in with the next search.
    expect(names().slice(0, 2)).toEqual(["service-0000", "service-0001"]);
    const search = screen.getByRole("searchbox", { name: "Search services" });
    fireEvent.change(search, { target: { value: "service" } });
    expect(names().slice(0, 3)).toEqual(["service-0100", "service-0042", "service-0000"]);
    expect(options()[0]!.getAttribute("aria-label")).toMatch(/recently opened/);
    expect(JSON.parse(localStorage.getItem("switchboard.recentServices.v1")!)).toEqual({ gke_shop: ["load/service-0100", "load/service-0042"] });

    // A restart: a fresh store and list, the same context.
    cleanup();
    useServices.setState({ ...initialServicesState, byKey: new Map() });
    const again = setup(300);
    expect(names().slice(0, 2)).toEqual(["service-0100", "service-0042"]);
    // Pinned rows still obey the filters.
    fireEvent.change(screen.getByRole("searchbox", { name: "Search services" }), { target: { value: "0042" } });
    expect(names()).toEqual(["service-0042"]);
    fireEvent.change(screen.getByRole("searchbox", { name: "Search services" }), { target: { value: "" } });
    act(() => again.actions.unpin("load/service-0100"));
    expect(names().slice(0, 2)).toEqual(["service-0042", "service-0000"]);
  });

  it("unpins from the keyboard (Delete on the active pinned row) and with the row's named × button", async () => {
    const { actions } = setup(300);
    await act(async () => {
      await actions.openService("load/service-0042");
      await actions.openService("load/service-0100");
      await actions.openService("load/service-0007");
    });
    fireEvent.change(screen.getByRole("searchbox", { name: "Search services" }), { target: { value: "service" } });
    expect(names().slice(0, 4)).toEqual(["service-0007", "service-0100", "service-0042", "service-0000"]);
    const box = listbox();
    expect(box.getAttribute("aria-keyshortcuts")).toBe("Delete");
    // A pinned row says how to unpin it; the others do not.
    const described = (o: HTMLElement) => document.getElementById(o.getAttribute("aria-describedby") ?? "")?.textContent ?? "";
    expect(described(options()[0]!)).toBe("Press Delete to unpin.");
    expect(options()[3]!.getAttribute("aria-describedby")).toBeNull();

    // Keyboard: walk to the second pin, Delete unpins it (and only it); the list keeps the focus.
    box.focus();
    fireEvent.keyDown(box, { key: "ArrowDown" });
    expect(activeRow()?.textContent).toContain("service-0100");
    act(() => {
      fireEvent.keyDown(box, { key: "Delete" });
    });
    expect(useServices.getState().recent).toEqual(["load/service-0007", "load/service-0042"]);
    expect(JSON.parse(localStorage.getItem("switchboard.recentServices.v1")!)).toEqual({ gke_shop: ["load/service-0007", "load/service-0042"] });
    expect(names().slice(0, 3)).toEqual(["service-0007", "service-0042", "service-0000"]);
    expect(document.activeElement).toBe(box);

    // Delete on a row that is not pinned changes nothing.
    fireEvent.keyDown(box, { key: "End" });
    await waitFor(() => expect(activeRow()?.textContent).toContain("service-0299"));
    act(() => {
      fireEvent.keyDown(box, { key: "Delete" });
    });
    expect(useServices.getState().recent).toEqual(["load/service-0007", "load/service-0042"]);

    // Backspace works too (Mac keyboards have no Delete key).
    fireEvent.keyDown(box, { key: "Home" });
    await waitFor(() => expect(activeRow()?.textContent).toContain("service-0007"));
    act(() => {
      fireEvent.keyDown(box, { key: "Backspace" });
    });
    expect(useServices.getState().recent).toEqual(["load/service-0042"]);

    // The mouse's way: the × has an accessible name and unpins without opening the row.
    const unpin = within(options()[0]!).getByRole("button", { name: "Unpin service-0042", hidden: true });
    const opened = useServices.getState().openKey;
    act(() => {
      fireEvent.click(unpin);
    });
    expect(useServices.getState().recent).toEqual([]);
    expect(useServices.getState().openKey).toBe(opened);
    expect(listbox().getAttribute("aria-keyshortcuts")).toBeNull();
  });

  it("shows loading, empty and error states", async () => {
    const api = {
      "services.list": async () => {
        throw new SwitchboardError("unreachable", "The cluster did not answer.", "Check your network, then try again.");
      },
    } as unknown as SwitchboardApi;
    const actions = createServiceActions(api);
    render(<ServiceList actions={actions} />);
    expect(screen.getByRole("status", { name: "Loading services" })).toBeTruthy();
    await act(() => actions.loadServices());
    expect(screen.getByRole("alert").textContent).toMatch(/The cluster did not answer\.Check your network/);
    act(() => useServices.getState().apply([{ type: "services", context: "c", namespace: "empty", reset: true, upserts: [], removed: [] }]));
    expect(screen.getByText(/No services in/).textContent).toBe("No services in empty");
    expect(screen.queryByRole("alert")).toBeNull();
  });
});
