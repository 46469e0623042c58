// Electron's main process against a mocked `electron` module (the binary cannot run everywhere):
// the window's security settings, the IPC gate, and the navigation rules are checked as wired.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

const userData = mkdtempSync(path.join(tmpdir(), "sb-electron-main-"));

const electron = vi.hoisted(() => {
  const windows: Array<{ options: Record<string, unknown>; loadURL: ReturnType<typeof vi.fn>; send: ReturnType<typeof vi.fn> }> = [];
  // Settled when main.ts opens its first window: start-up (core, telepresence probe) takes as long as
  // the machine's load makes it, so the test waits for this, not for a fixed time.
  let windowOpened: () => void = () => undefined;
  const firstWindow = new Promise<void>((resolve) => (windowOpened = resolve));
  class BrowserWindow {
    options: Record<string, unknown>;
    loadURL = vi.fn(async () => undefined);
    send = vi.fn();
    webContents = { send: this.send };
    constructor(options: Record<string, unknown>) {
      this.options = options;
      windows.push(this);
      windowOpened();
    }
    static getAllWindows = () => windows;
    maximize() {}
    once() {}
    on() {}
    isDestroyed = () => false;
    getNormalBounds = () => ({ x: 0, y: 0, width: 1280, height: 800 });
    isMaximized = () => false;
  }
  return {
    windows,
    firstWindow,
    BrowserWindow,
    app: {
      requestSingleInstanceLock: vi.fn(() => true),
      quit: vi.fn(),
      exit: vi.fn(),
      on: vi.fn(),
      whenReady: vi.fn(async () => undefined),
      getPath: vi.fn(() => ""),
      name: "Switchboard",
    },
    ipcMain: { handle: vi.fn() },
    Menu: { setApplicationMenu: vi.fn(), buildFromTemplate: vi.fn((t: unknown) => t) },
    nativeTheme: { shouldUseDarkColors: false },
    protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
    screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
    session: {
      defaultSession: {
        webRequest: { onHeadersReceived: vi.fn() },
        setPermissionRequestHandler: vi.fn(),
        setPermissionCheckHandler: vi.fn(),
      },
    },
    shell: { openExternal: vi.fn(async () => undefined) },
    dialog: { showMessageBox: vi.fn(async () => ({ response: 0 })) },
    powerMonitor: { on: vi.fn() },
  };
});
vi.mock("electron", () => electron);
// The real login-shell lookup has its own test; here it must not depend on the machine's shell.
vi.mock("../common/shell-env.ts", () => ({ importLoginShellPath: vi.fn(async () => null) }));

type Handler = (...args: unknown[]) => unknown;
// Vitest clears mock calls before each test: keep what start-up did.
let startup: {
  appOn: unknown[][];
  privileged: unknown[][];
  lock: number;
  loadURL: unknown[][];
  ipcHandle: unknown[][];
  protocolHandle: unknown[][];
  permission: unknown[][];
  menu: number;
  power: unknown[][];
};
const appHandler = (name: string) => startup.appOn.find((c) => c[0] === name)?.[1] as Handler;

beforeAll(async () => {
  electron.app.getPath.mockReturnValue(userData);
  vi.stubEnv("KUBECONFIG", path.join(userData, "no-kubeconfig"));
  // A telepresence that holds one intercept (web) and logs what it is asked, for the quit dialog.
  const fake = path.join(userData, "telepresence");
  writeFileSync(
    fake,
    [
      "#!/bin/sh",
      `echo "$*" >> "${path.join(userData, "tp-calls.log")}"`,
      'case "$1" in',
      '  version) echo "OSS Client : v2.27.1" ;;',
      '  status) echo \'{"user_daemon":{"running":true,"status":"Connected","kubernetes_context":"playground","namespace":"demo","intercepts":[{"name":"web","client":"me@laptop"}]},"traffic_manager":{"name":"traffic-manager","version":"v2.27.1"}}\' ;;',
      '  list) echo \'{"cmd":"list","stdout":[]}\' ;;',
      "esac",
      "",
    ].join("\n"),
  );
  chmodSync(fake, 0o755);
  vi.stubEnv("SWITCHBOARD_TELEPRESENCE", fake);
  await import("./main.ts");
  await electron.firstWindow;
  expect(electron.windows).toHaveLength(1);
  startup = {
    appOn: [...electron.app.on.mock.calls],
    privileged: [...electron.protocol.registerSchemesAsPrivileged.mock.calls],
    lock: electron.app.requestSingleInstanceLock.mock.calls.length,
    loadURL: [...electron.windows[0]!.loadURL.mock.calls],
    ipcHandle: [...electron.ipcMain.handle.mock.calls],
    protocolHandle: [...electron.protocol.handle.mock.calls],
    permission: [...electron.session.defaultSession.setPermissionRequestHandler.mock.calls],
    menu: electron.Menu.setApplicationMenu.mock.calls.length,
    power: [...electron.powerMonitor.on.mock.calls],
  };
});
afterAll(async () => {
  // Decided already (the quit test below): this closes the core.
  appHandler("before-quit")({ preventDefault: vi.fn() });
  vi.unstubAllEnvs();
  await new Promise((r) => setTimeout(r, 50));
  rmSync(userData, { recursive: true, force: true });
});

describe("Electron main", () => {
  it("registers app:// as a secure standard scheme and takes the single-instance lock", () => {
    expect(startup.privileged).toEqual([
      [[expect.objectContaining({ scheme: "app", privileges: expect.objectContaining({ standard: true, secure: true }) as unknown })]],
    ]);
    expect(startup.lock).toBe(1);
    expect(appHandler("second-instance")).toBeTypeOf("function");
  });

  it("opens one locked-down window on the app's own origin", () => {
    const [window] = electron.windows;
    expect(window!.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
    });
    expect(String((window!.options.webPreferences as { preload: string }).preload)).toMatch(/preload[\\/]preload\.cjs$/);
    expect(startup.loadURL).toEqual([["app://switchboard/index.html"]]);
    expect(startup.menu).toBe(1);
  });

  it("answers contract calls from its own top frame only, as Result values", async () => {
    const [channel, handler] = startup.ipcHandle[0] as [string, Handler];
    expect(channel).toBe("switchboard:invoke");
    const ours = { senderFrame: { url: "app://switchboard/index.html", parent: null } };
    expect(await handler(ours, "app.info", {})).toMatchObject({ ok: true, value: { host: "electron" } });
    expect(await handler(ours, "session.select", { context: 1 })).toMatchObject({ ok: false, error: { code: "invalid-request" } });
    const iframe = { senderFrame: { url: "app://switchboard/index.html", parent: {} } };
    const foreign = { senderFrame: { url: "https://evil.example/", parent: null } };
    for (const event of [iframe, foreign, { senderFrame: null }]) {
      expect(await handler(event, "app.info", {})).toMatchObject({ ok: false, error: { code: "invalid-request" } });
    }
  });

  it("denies new windows and navigation away; http(s) links go to the system browser", () => {
    const handlers: Record<string, Handler> = {};
    let openHandler: Handler = () => undefined;
    appHandler("web-contents-created")({}, {
      setWindowOpenHandler: (h: Handler) => (openHandler = h),
      on: (name: string, h: Handler) => (handlers[name] = h),
    });

    expect(openHandler({ url: "https://cloud.google.com/kubernetes-engine" })).toEqual({ action: "deny" });
    expect(electron.shell.openExternal).toHaveBeenLastCalledWith("https://cloud.google.com/kubernetes-engine");
    electron.shell.openExternal.mockClear();
    expect(openHandler({ url: "file:///etc/passwd" })).toEqual({ action: "deny" });
    expect(electron.shell.openExternal).not.toHaveBeenCalled();

    const away = { preventDefault: vi.fn() };
    handlers["will-navigate"]!(away, "https://evil.example/");
    expect(away.preventDefault).toHaveBeenCalled();
    const inside = { preventDefault: vi.fn() };
    handlers["will-navigate"]!(inside, "app://switchboard/index.html");
    expect(inside.preventDefault).not.toHaveBeenCalled();
    const webview = { preventDefault: vi.fn() };
    handlers["will-attach-webview"]!(webview);
    expect(webview.preventDefault).toHaveBeenCalled();
  });

  it("refuses permissions but notifications for its own page, and serves nothing outside the renderer", async () => {
    const [permission] = startup.permission[0] as [Handler];
    const callback = vi.fn();
    permission({}, "media", callback);
    expect(callback).toHaveBeenCalledWith(false);
    // Notifications only for the app's own page (an intercepted service turning unhealthy).
    const ours = vi.fn();
    permission({ getURL: () => "app://switchboard/index.html" }, "notifications", ours);
    expect(ours).toHaveBeenCalledWith(true);
    const foreign = vi.fn();
    permission({ getURL: () => "https://example.com/" }, "notifications", foreign);
    expect(foreign).toHaveBeenCalledWith(false);

    const [scheme, serve] = startup.protocolHandle[0] as [string, (r: Request) => Promise<Response>];
    expect(scheme).toBe("app");
    expect((await serve(new Request("app://switchboard/%2e%2e/%2e%2e/package.json"))).status).toBe(404);
    expect((await serve(new Request("app://elsewhere/index.html"))).status).toBe(404);
  });

  it("when the OS resumes from sleep, re-checks what Telepresence holds instead of trusting it", async () => {
    const resume = startup.power.find((c) => c[0] === "resume")?.[1] as Handler;
    expect(resume).toBeTypeOf("function");
    const statusCalls = () => (existsSync(log) ? readFileSync(log, "utf8").split("\n").filter((l) => l.startsWith("status")).length : 0);
    const log = path.join(userData, "tp-calls.log");
    const before = statusCalls();
    resume();
    await vi.waitFor(() => expect(statusCalls()).toBeGreaterThan(before), { timeout: 10_000 });
  });

  it("quitting with an active intercept: Cancel keeps the app running and leaves nothing", async () => {
    const log = path.join(userData, "tp-calls.log");
    const leaves = () => (existsSync(log) ? readFileSync(log, "utf8").split("\n").filter((l) => l.startsWith("leave")).length : 0);
    electron.dialog.showMessageBox.mockResolvedValueOnce({ response: 2 });
    const event = { preventDefault: vi.fn() };
    appHandler("before-quit")(event);
    expect(event.preventDefault).toHaveBeenCalled();
    await vi.waitFor(() => expect(electron.dialog.showMessageBox).toHaveBeenCalled(), { timeout: 10_000 });
    await new Promise((r) => setTimeout(r, 100));
    expect(electron.app.quit).not.toHaveBeenCalled();
    expect(leaves()).toBe(0);
  });

  it("quitting with an active intercept asks first, leaves it when told to, then quits", async () => {
    const event = { preventDefault: vi.fn() };
    appHandler("before-quit")(event);
    expect(event.preventDefault).toHaveBeenCalled();
    await vi.waitFor(() => expect(electron.app.quit).toHaveBeenCalled(), { timeout: 10_000 });
    expect(electron.dialog.showMessageBox).toHaveBeenCalledWith(
      expect.anything(),
      expect.objectContaining({ message: "An intercept is still active", buttons: ["Leave them and quit", "Keep them and quit", "Cancel"], detail: expect.stringContaining("demo/web") }),
    );
    expect(readFileSync(path.join(userData, "tp-calls.log"), "utf8")).toMatch(/^leave web --output json$/m);
  });
});
