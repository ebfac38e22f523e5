// Electron main entry (built to out/main/index.js): one instance per data folder; starts console
// main's core (cache, sync, the embedded engine in its own process), opens the console window,
// and wires the tray, notifications and spincycle:// links to the "open request" intent.
// Decisions live in the Node-tested modules beside this file; this only connects Electron.

import { accessSync, constants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, dialog, ipcMain, screen, type BrowserWindow } from 'electron';
import { defaultDataDir, startConsoleCore, type ConsoleCore } from '../console/core';
import { nodeLauncher } from '../console/embedded-engine';
import { describeRuntime } from '../console/runtime-info';
import type { TrayModel } from '../shared/console-model';
import type { NavigateEvent } from '../shared/ipc';
import { findDeepLinkArg, parseDeepLink, PROTOCOL } from './deep-link';
import { loadPrefs, savePrefs, type DesktopPrefs } from './desktop-prefs';
import { installE2eHooks } from './e2e-hooks';
import { utilityLauncher } from './engine-launcher';
import { chooseEngineRuntime, engineEntry } from './engine-runtime';
import { appIconFile } from './icons';
import { forwardEvents, wireContract } from './ipc-wiring';
import { NotificationCenter } from './notification-routing';
import { electronNotificationPorts } from './notifications';
import { RequestOpener } from './request-opener';
import { electronSqliteBinding } from './sqlite-binding';
import { createTray, type TrayController } from './tray';
import type { TrayAction } from './tray-menu';
import { createConsoleWindow } from './window';
import { routeCoreEvents } from './core-events';
import { rememberBounds } from './window-memory';
import { onCloseRequested, placeWindow } from './window-placement';

const here = (relative: string): string => fileURLToPath(new URL(relative, import.meta.url));
const log = (line: string): void => void process.stderr.write(`${line}\n`);

// Same folder as the web mode and the CLI (so `spincycle --context` sees the same contexts).
const dataDir = defaultDataDir();
// With an explicit data folder (tests, several consoles side by side) Chromium's profile and
// the single-instance lock live there too.
if (process.env.SPINCYCLE_DATA_DIR) app.setPath('userData', path.join(dataDir, 'electron'));

/** Where the engine's files are on disk (a packaged app keeps them outside app.asar). */
const filesRoot = app.isPackaged ? app.getAppPath().replace(/app\.asar$/, 'app.asar.unpacked') : app.getAppPath();
const iconsDir = path.join(filesRoot, 'resources/icons');

let core: ConsoleCore | undefined;
let window: BrowserWindow | undefined;
let tray: TrayController | undefined;
let prefs: DesktopPrefs = loadPrefs(dataDir);
let quitting = false;
let lastTray: TrayModel = { running: 0, failed: 0, recent: [] };
let lastNotificationClick: (() => void) | undefined;
const linksBeforeReady: string[] = [];

const opener = new RequestOpener({
  showWindow: () => showWindow(),
  navigate: (target: NavigateEvent) => core?.events.emit('navigate', target),
});

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function updatePrefs(patch: Partial<DesktopPrefs>): void {
  prefs = { ...prefs, ...patch };
  try {
    savePrefs(dataDir, prefs);
  } catch (e) {
    log(`desktop: could not save preferences: ${(e as Error).message}`);
  }
}

function refreshTray(): void {
  tray?.update(lastTray, {
    windowVisible: !!window && !window.isDestroyed() && window.isVisible(),
    closeToTray: prefs.closeToTray,
  });
}

function openWindow(current: ConsoleCore): BrowserWindow {
  const workAreas = screen.getAllDisplays().map((d) => d.workArea);
  const { window: win, isTrustedSender } = createConsoleWindow({
    preloadPath: here('../preload/preload.cjs'),
    rendererFile: here('../renderer/index.html'),
    devServerUrl: app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL,
    placement: placeWindow(prefs.window, workAreas),
    iconPath: appIconFile(iconsDir),
  });
  const stopForwarding = forwardEvents(current, win.webContents);
  const unwire = wireContract({ ipcMain, core: current, isTrustedSender });
  rememberBounds(win, (saved) => updatePrefs({ window: saved }));
  win.webContents.on('did-start-loading', () => opener.rendererGone());
  win.webContents.on('did-finish-load', () => opener.rendererReady());
  win.webContents.on('render-process-gone', (_event, details) => {
    opener.rendererGone();
    log(`desktop: the window's renderer ended (${details.reason}); reloading`);
    if (details.reason !== 'clean-exit' && !win.isDestroyed()) win.reload();
  });
  win.on('close', (event) => {
    if (onCloseRequested({ closeToTray: prefs.closeToTray, quitting, trayAvailable: !!tray }) === 'hide') {
      event.preventDefault();
      win.hide();
    }
  });
  win.on('show', refreshTray);
  win.on('hide', refreshTray);
  win.on('closed', () => {
    opener.rendererGone();
    stopForwarding();
    unwire();
    if (window === win) window = undefined;
    refreshTray();
  });
  return win;
}

function showWindow(): void {
  if (!core || !app.isReady()) return;
  if (!window || window.isDestroyed()) window = openWindow(core);
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}

/** A spincycle:// link from argv, a second instance or macOS open-url. */
function handleLink(raw: string): string | null {
  if (!core) {
    linksBeforeReady.push(raw);
    return null;
  }
  const link = parseDeepLink(raw);
  if (!link.ok) {
    log(`desktop: ignored link ${JSON.stringify(raw.slice(0, 200))}: ${link.reason}`);
    showWindow();
    return link.reason;
  }
  opener.open({ context: link.context, requestId: link.requestId });
  return null;
}

function onTrayAction(action: TrayAction): void {
  switch (action.kind) {
    case 'open-request':
      opener.open(action.target);
      break;
    case 'toggle-window':
      if (window && !window.isDestroyed() && window.isVisible()) window.hide();
      else showWindow();
      break;
    case 'toggle-close-to-tray':
      updatePrefs({ closeToTray: !prefs.closeToTray });
      refreshTray();
      break;
    case 'quit':
      app.quit();
      break;
  }
}

function registerProtocol(): void {
  // A development build registers itself only when asked: it would take the scheme over from
  // an installed app. Installers also declare the scheme (electron-builder "protocols").
  if (app.isPackaged) app.setAsDefaultProtocolClient(PROTOCOL);
  else if (process.env.SPINCYCLE_REGISTER_PROTOCOL === '1' && process.argv[1]) {
    app.setAsDefaultProtocolClient(PROTOCOL, process.execPath, [path.resolve(process.argv[1])]);
  }
}

async function start(): Promise<void> {
  const binding = electronSqliteBinding({
    isPackaged: app.isPackaged,
    appPath: app.getAppPath(),
    env: process.env,
    exists: existsSync,
  });
  if (!binding.ok) {
    dialog.showErrorBox('Spin Cycle cannot start', binding.reason);
    app.exit(1);
    return;
  }
  const runtime =
    process.env.SPINCYCLE_NO_ENGINE === '1'
      ? null
      : chooseEngineRuntime({ isPackaged: app.isPackaged, env: process.env, platform: process.platform, isExecutable });
  if (runtime) log(`desktop: embedded engine runtime: ${runtime.why}`);
  const launcher =
    runtime?.kind === 'node' ? nodeLauncher(runtime.nodePath) : runtime?.kind === 'utility' ? utilityLauncher() : null;
  let started: ConsoleCore;
  try {
    started = await startConsoleCore({
      appVersion: app.getVersion(),
      runtime: describeRuntime(process.versions),
      dataDir,
      ...(binding.nativeBinding ? { nativeBinding: binding.nativeBinding } : {}),
      embeddedEngine: launcher
        ? {
            cliPath: engineEntry(filesRoot),
            specsDir: path.join(filesRoot, 'resources/specs'),
            launcher,
          }
        : null,
    });
  } catch (e) {
    dialog.showErrorBox('Spin Cycle cannot start', (e as Error).message);
    app.exit(1);
    return;
  }
  core = started;

  if (runtime?.kind === 'none') started.status.setEmbeddedEngine('failed');

  // The last click handler is kept for the e2e hooks (they cannot click an OS notification).
  const ports = electronNotificationPorts({ iconPath: appIconFile(iconsDir), open: (t) => opener.open(t) });
  const center = new NotificationCenter({
    ...ports,
    show: (notice, handlers) => {
      lastNotificationClick = handlers.onClick;
      return ports.show(notice, handlers);
    },
  });
  try {
    tray = createTray({ iconsDir, platform: process.platform, onAction: onTrayAction, onClick: showWindow });
  } catch (e) {
    log(`desktop: no tray icon (${(e as Error).message}); closing the window quits`);
  }
  routeCoreEvents(started.events, {
    tray: (model) => {
      lastTray = model;
      refreshTray();
    },
    notification: (n) => center.notify(n),
  });

  window = openWindow(started);
  installE2eHooks(process.env, {
    trayMenu: () => tray?.menu ?? null,
    notify: (n) => center.notify(n),
    clickLastNotification: () => {
      lastNotificationClick?.();
      return lastNotificationClick !== undefined;
    },
    openLink: handleLink,
    windowVisible: () => !!window && !window.isDestroyed() && window.isVisible(),
    enginePid: () => core?.engine?.pid,
  });

  const atLaunch = findDeepLinkArg(process.argv);
  for (const link of [...linksBeforeReady.splice(0), ...(atLaunch ? [atLaunch] : [])]) handleLink(link);
}

if (!app.requestSingleInstanceLock()) {
  // The running instance gets our argv (and any link in it) through 'second-instance'.
  app.quit();
} else {
  registerProtocol();
  app.on('second-instance', (_event, argv) => {
    const link = findDeepLinkArg(argv);
    if (link) handleLink(link);
    else showWindow();
  });
  // macOS delivers links this way, possibly before 'ready'.
  app.on('open-url', (event, url) => {
    event.preventDefault();
    handleLink(url);
  });
  app.on('before-quit', () => {
    quitting = true;
  });
  app.on('activate', () => showWindow());
  app.on('window-all-closed', () => {
    // Only reached when the window really closed (close-to-tray hides it instead).
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', (event) => {
    if (!core) return;
    // Stop the engine and close the cache before leaving.
    event.preventDefault();
    const current = core;
    core = undefined;
    tray?.destroy();
    void current.stop().finally(() => app.quit());
  });
  void app.whenReady().then(start);
}
