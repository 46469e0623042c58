// The Electron host: one window showing the renderer, the core in this (main) process, and the
// contract carried over two IPC channels. The window is locked down: context isolation, sandbox,
// no Node in the page, a strict CSP on the app's own files (served from app://switchboard, not
// file://), no navigation away, no new windows (http(s) links open in the system browser).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  nativeTheme,
  powerMonitor,
  protocol,
  screen,
  session,
  shell,
  type IpcMainInvokeEvent,
  type MenuItemConstructorOptions,
} from "electron";
import { createCore, type Core } from "../../app/core/core.ts";
import { coordinatesFromEnv, playgroundCoreOptions, playgroundReason, type PlaygroundCoreOptions } from "../common/playground-options.ts";
import { SwitchboardError } from "../../app/contract/errors.ts";
import { createDispatcher } from "../common/dispatcher.ts";
import { EVENTS_CHANNEL, INVOKE_CHANNEL } from "../common/ipc.ts";
import { contentType, resolveStaticFile } from "../common/static-files.ts";
import { importLoginShellPath } from "../common/shell-env.ts";
import { activeIntercepts, describeIntercepts } from "../common/quit-intercepts.ts";
import { MIN_SIZE, placeWindow, readWindowState, writeWindowState } from "./window-state.ts";

const here = path.dirname(fileURLToPath(import.meta.url)); // out/main
const rendererDir = path.join(here, "..", "renderer");
const preloadPath = path.join(here, "..", "preload", "preload.cjs");
const SCHEME = "app";
const ORIGIN = `${SCHEME}://switchboard`;

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

// Must happen before `ready`: app:// behaves like a secure, standard origin (relative URLs, fetch).
protocol.registerSchemesAsPrivileged([{ scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

if (!app.requestSingleInstanceLock()) {
  // Another Switchboard is running: it gets focused (second-instance below) and this one leaves.
  app.quit();
} else {
  start().catch((error: unknown) => {
    console.error("switchboard: could not start:", error);
    app.exit(1);
  });
}

let core: Core | null = null;
let embedded: PlaygroundCoreOptions | null = null;
let mainWindow: BrowserWindow | null = null;

async function start() {
  app.on("second-instance", () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });

  // Before anything spawns (exec credential plugins, telepresence): GUI launches lack the shell's PATH.
  // The core is created only after this, so its first connection already sees the full PATH.
  await Promise.all([importLoginShellPath(process.env), app.whenReady()]);

  // No cluster configured, or --playground: the launcher (main/launch.ts) runs the simulated GKE
  // cluster beside this process and says where. It is never bundled here: its programs and scenario
  // files live beside its sources. Without a launcher (an installed app), the core's empty state says
  // how to add a cluster.
  const coordinates = coordinatesFromEnv();
  embedded = coordinates ? playgroundCoreOptions(coordinates) : null;
  if (!coordinates) {
    const why = playgroundReason(process.argv.includes("--playground"));
    if (why) console.error(`switchboard: no playground (${why}): it runs from a source checkout with \`npm start\``);
  }
  // The data dir (settings.json, the strategies' journal) is Electron's userData, beside window-state.json.
  core = createCore({ host: "electron", dataDir: app.getPath("userData"), ...embedded, telepresenceStopOnClose: Boolean(embedded?.telepresencePath) });
  // The OS says it woke up: re-check at once (the core also notices a sleep by itself, a little later).
  powerMonitor.on("resume", () => core?.systemResumed());
  const dispatch = createDispatcher(core);
  ipcMain.handle(INVOKE_CHANNEL, (event: IpcMainInvokeEvent, method: unknown, input: unknown) => {
    if (!isOurFrame(event)) {
      return {
        ok: false,
        error: new SwitchboardError("invalid-request", "This call did not come from Switchboard's own window.", "Nothing was done.").toValue(),
      };
    }
    return dispatch(method, input);
  });
  core.subscribe((events) => {
    for (const window of BrowserWindow.getAllWindows()) {
      if (!window.isDestroyed()) window.webContents.send(EVENTS_CHANNEL, events);
    }
  });

  protocol.handle(SCHEME, serveRendererFile);
  lockDownSessions();
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate()));
  mainWindow = createWindow();

  app.on("activate", () => {
    if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow();
  });
  app.on("window-all-closed", () => {
    if (process.platform !== "darwin") app.quit();
  });
  let quitDecided = false;
  app.on("before-quit", (event) => {
    // Active intercepts outlive the app (telepresence.md §2): ask before leaving them behind.
    if (!quitDecided && core) {
      event.preventDefault();
      void decideQuit(core).then((go) => {
        if (!go) return;
        quitDecided = true;
        app.quit();
      });
      return;
    }
    // The playground belongs to the launcher, which stops it when this process exits.
    void core?.close();
  });
}

/** Asks whether to leave this machine's intercepts; false: the user cancelled quitting. */
async function decideQuit(current: Core): Promise<boolean> {
  const active = await activeIntercepts(current);
  if (active.length === 0) return true;
  const options = {
    type: "question" as const,
    buttons: ["Leave them and quit", "Keep them and quit", "Cancel"],
    defaultId: 0,
    cancelId: 2,
    noLink: true,
    message: active.length === 1 ? "An intercept is still active" : `${active.length} intercepts are still active`,
    detail: `${describeIntercepts(active)}\n\nKept intercepts stay active in Telepresence: their traffic keeps going to this machine until you leave them (Switchboard shows them again when it starts).`,
  };
  const { response } = mainWindow && !mainWindow.isDestroyed() ? await dialog.showMessageBox(mainWindow, options) : await dialog.showMessageBox(options);
  if (response === 2) return false;
  if (response === 0) {
    try {
      await current["intercepts.leaveAll"]({});
    } catch (error) {
      const { response: again } = await dialog.showMessageBox({
        type: "error",
        buttons: ["Quit anyway", "Cancel"],
        defaultId: 1,
        cancelId: 1,
        message: "Switchboard could not end every intercept",
        detail: `${(error as Error).message}\n\nRun \`telepresence list -i\` and \`telepresence leave NAME\` in a terminal.`,
      });
      return again === 0;
    }
  }
  return true;
}

/** Only the top frame of our own page may call the core (not an iframe, not another origin). */
function isOurFrame(event: IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null) return false;
  return isOurs(frame.url);
}

async function serveRendererFile(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.host !== "switchboard") return new Response("Not found", { status: 404 });
  const file = resolveStaticFile(rendererDir, url.pathname);
  if (!file) return new Response("Not found", { status: 404 });
  try {
    const body = await readFile(file);
    return new Response(body, {
      headers: {
        "Content-Type": contentType(file),
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
      },
    });
  } catch {
    return new Response("Not found", { status: 404 });
  }
}

function lockDownSessions() {
  // Belt and braces: the protocol handler sets the CSP on our files; the session adds it to any
  // response from our origin that reaches the window another way.
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    if (!isOurs(details.url)) return callback({});
    callback({ responseHeaders: { ...details.responseHeaders, "Content-Security-Policy": [CSP] } });
  });
  // The page needs no camera, geolocation … — only notifications, for the app's own page (an
  // intercepted service turning unhealthy is worth an OS notification; Electron shows web
  // Notifications natively).
  session.defaultSession.setPermissionRequestHandler((contents, permission, callback) =>
    callback(permission === "notifications" && isOurs(contents.getURL())));
  // A custom scheme's origin can serialise as "null", so the page's URL decides too.
  session.defaultSession.setPermissionCheckHandler((contents, permission, requestingOrigin) =>
    permission === "notifications" && (isOurs(requestingOrigin) || (contents ? isOurs(contents.getURL()) : false)));

  app.on("web-contents-created", (_event, contents) => {
    contents.setWindowOpenHandler(({ url }) => {
      openExternally(url);
      return { action: "deny" };
    });
    contents.on("will-navigate", (event, url) => {
      if (isOurs(url)) return;
      event.preventDefault();
      openExternally(url);
    });
    contents.on("will-redirect", (event, url) => {
      if (!isOurs(url)) event.preventDefault();
    });
    contents.on("will-attach-webview", (event) => event.preventDefault());
  });
}

/**
 * Whether a URL is one of the app's own pages. Not via URL.origin: Node's URL gives "null" as the
 * origin of custom schemes such as app://.
 */
function isOurs(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${SCHEME}:` && parsed.host === "switchboard";
  } catch {
    return false;
  }
}

/** http(s) links go to the user's browser; anything else (file:, javascript:, custom schemes) nowhere. */
function openExternally(url: string) {
  try {
    const { protocol: scheme } = new URL(url);
    if (scheme === "https:" || scheme === "http:") void shell.openExternal(url);
  } catch {
    // not a URL: ignore
  }
}

function createWindow(): BrowserWindow {
  const stateFile = path.join(app.getPath("userData"), "window-state.json");
  const placement = placeWindow(
    readWindowState(stateFile),
    screen.getAllDisplays().map((d) => d.workArea),
  );
  const window = new BrowserWindow({
    ...placement.bounds,
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    title: "Switchboard",
    show: false,
    backgroundColor: nativeTheme.shouldUseDarkColors ? "#16181d" : "#f6f7f9",
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  });
  if (placement.maximized) window.maximize();
  window.once("ready-to-show", () => window.show());

  let saveTimer: NodeJS.Timeout | undefined;
  const save = () => {
    if (window.isDestroyed()) return;
    writeWindowState(stateFile, { bounds: window.getNormalBounds(), maximized: window.isMaximized() });
  };
  const saveSoon = () => {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(save, 500);
  };
  window.on("resize", saveSoon);
  window.on("move", saveSoon);
  window.on("close", () => {
    clearTimeout(saveTimer);
    save();
  });
  window.on("closed", () => {
    if (mainWindow === window) mainWindow = null;
  });

  void window.loadURL(`${ORIGIN}/index.html`);
  return window;
}

function menuTemplate(): MenuItemConstructorOptions[] {
  const isMac = process.platform === "darwin";
  return [
    ...(isMac
      ? [
          {
            label: app.name,
            submenu: [
              { role: "about" },
              { type: "separator" },
              { role: "services" },
              { type: "separator" },
              { role: "hide" },
              { role: "hideOthers" },
              { role: "unhide" },
              { type: "separator" },
              { role: "quit" },
            ],
          } satisfies MenuItemConstructorOptions,
        ]
      : []),
    { label: "File", submenu: [isMac ? { role: "close" } : { role: "quit" }] },
    {
      label: "Edit",
      submenu: [
        { role: "undo" },
        { role: "redo" },
        { type: "separator" },
        { role: "cut" },
        { role: "copy" },
        { role: "paste" },
        { role: "selectAll" },
      ],
    },
    {
      label: "View",
      submenu: [
        { role: "reload" },
        { role: "forceReload" },
        { role: "toggleDevTools" },
        { type: "separator" },
        { role: "resetZoom" },
        { role: "zoomIn" },
        { role: "zoomOut" },
        { type: "separator" },
        { role: "togglefullscreen" },
      ],
    },
    { role: "windowMenu" },
  ];
}
