// Electron main entry (built to out/main/index.js): one instance per data folder; starts console
// main's core (cache, sync, the embedded engine in its own process), opens the console window,
// and wires the tray, notifications and spincycle:// links to the "open request" intent.
// Decisions live in the Node-tested modules beside this file; this only connects Electron.

import { accessSync, constants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, dialog, ipcMain, Menu, safeStorage, screen, shell, type BrowserWindow } from 'electron';
import { defaultDataDir, startConsoleCore, type ConsoleCore } from '../console/core';
import { nodeLauncher } from '../console/embedded-engine';
import { describeRuntime } from '../console/runtime-info';
import { credentialsFile } from '../console/credentials';
import type { TrayModel } from '../shared/console-model';
import type { NavigateEvent } from '../shared/ipc';
import { appMenuTemplate } from './app-menu';
import { appUserModelId } from './app-identity';
import { findDeepLinkArg, parseDeepLink, PROTOCOL } from './deep-link';
import { openDesktopLog } from './desktop-log';
import { closeToTrayEnabled, loadPrefs, savePrefs, type DesktopPrefs } from './desktop-prefs';
import { e2eHooksOn, installE2eHooks } from './e2e-hooks';
import { utilityLauncher } from './engine-launcher';
import { chooseEngineRuntime, engineEntry } from './engine-runtime';
import { appIconFile } from './icons';
import { forwardEvents, wireContract } from './ipc-wiring';
import { desktopSecretStore } from './keychain-secrets';
import { NotificationCenter } from './notification-routing';
import { electronNotificationPorts, showPlainNotification } from './notifications';
import { planProtocolRegistration, registerDevDesktopEntry } from './protocol-registration';
import { isConsolePage, PAGE_URL, rendererGoneUrl } from './renderer-origin';
import { registerRendererScheme, serveRenderer } from './renderer-protocol';
import { RendererRecovery } from './renderer-recovery';
import { RequestOpener } from './request-opener';
import { electronSqliteBinding } from './sqlite-binding';
import { checkWritableFolder, guardStartup, type StartupFailurePorts } from './startup-failure';
import { createTray, type TrayController } from './tray';
import { detectTrayAvailability, type TrayAvailability } from './tray-availability';
import { trayHint, type TrayAction } from './tray-menu';
import { createConsoleWindow } from './window';
import { routeCoreEvents } from './core-events';
import { rememberBounds } from './window-memory';
import { onCloseRequested, placeWindow } from './window-placement';

const here = (relative: string): string => fileURLToPath(new URL(relative, import.meta.url));
const hooksOn = e2eHooksOn(process.env);

// Same folder as the web mode and the CLI (so `spincycle --context` sees the same contexts).
const dataDir = defaultDataDir();
// With an explicit data folder (tests, several consoles side by side) Chromium's profile and
// the single-instance lock live there too.
if (process.env.SPINCYCLE_DATA_DIR) app.setPath('userData', path.join(dataDir, 'electron'));

// Everything the shell and the engine report, also when started without a terminal.
const desktopLog = openDesktopLog(dataDir);
const log = (line: string): void => desktopLog.write(line);

/** Where the engine's files are on disk (a packaged app keeps them outside app.asar). */
const filesRoot = app.isPackaged ? app.getAppPath().replace(/app\.asar$/, 'app.asar.unpacked') : app.getAppPath();
const iconsDir = path.join(filesRoot, 'resources/icons');

let core: ConsoleCore | undefined;
let window: BrowserWindow | undefined;
let tray: TrayController | undefined;
let trayAvailable: TrayAvailability | null = null;
let prefs: DesktopPrefs = loadPrefs(dataDir);
let quitting = false;
let lastTray: TrayModel = { running: 0, failed: 0, recent: [] };
let lastNotification: { onClick(): void; onClose(reason?: string): void } | undefined;
let trayHints = 0;
const openedFolders: string[] = [];
const linksBeforeReady: string[] = [];
const rendererRecovery = new RendererRecovery();

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

const closeToTray = (): boolean => !!tray && closeToTrayEnabled(prefs, trayAvailable?.shows ?? false);

function refreshTray(): void {
  tray?.update(lastTray, {
    windowVisible: !!window && !window.isDestroyed() && window.isVisible(),
    closeToTray: closeToTray(),
  });
}

function openFolder(folder: string): void {
  if (hooksOn) {
    openedFolders.push(folder);
    return;
  }
  void shell.openPath(folder).then((problem) => {
    if (problem) log(`desktop: could not open ${folder}: ${problem}`);
  });
}

/** The first time closing the window only hid it: say where the app went. */
function tellAboutTrayOnce(): void {
  if (prefs.trayHintShown) return;
  updatePrefs({ trayHintShown: true });
  trayHints++;
  const hint = trayHint(process.platform);
  if (!showPlainNotification(hint.title, hint.body, appIconFile(iconsDir))) {
    void dialog.showMessageBox({ type: 'info', title: hint.title, message: hint.title, detail: hint.body });
  }
}

function openWindow(current: ConsoleCore): BrowserWindow {
  const workAreas = screen.getAllDisplays().map((d) => d.workArea);
  const { window: win, isTrustedSender } = createConsoleWindow({
    preloadPath: here('../preload/preload.cjs'),
    placement: placeWindow(prefs.window, workAreas),
    iconPath: appIconFile(iconsDir),
  });
  const stopForwarding = forwardEvents(current, win.webContents);
  const unwire = wireContract({ ipcMain, core: current, isTrustedSender });
  rememberBounds(win, (saved) => updatePrefs({ window: saved }));
  win.webContents.on('did-start-loading', () => opener.rendererGone());
  win.webContents.on('did-finish-load', () => {
    // The error page (renderer-recovery.ts) has no renderer to navigate.
    if (isConsolePage(win.webContents.getURL())) opener.rendererReady();
  });
  win.webContents.on('render-process-gone', (_event, details) => {
    opener.rendererGone();
    const action = rendererRecovery.gone(details.reason, Date.now());
    if (action === 'ignore' || win.isDestroyed()) return;
    const times = rendererRecovery.recentDeaths;
    if (action === 'reload') {
      log(`desktop: the window's renderer ended (${details.reason}, ${times} recently); reloading`);
      void win.loadURL(PAGE_URL);
    } else {
      log(`desktop: the window's renderer ended (${details.reason}) ${times} times recently; showing the error page`);
      void win.loadURL(rendererGoneUrl(details.reason, times));
    }
  });
  win.on('close', (event) => {
    if (onCloseRequested({ closeToTray: closeToTray(), quitting, trayAvailable: !!tray }) === 'hide') {
      event.preventDefault();
      win.hide();
      tellAboutTrayOnce();
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

function reloadConsole(): void {
  if (window && !window.isDestroyed()) void window.loadURL(PAGE_URL);
  else showWindow();
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
      updatePrefs({ closeToTray: !closeToTray() });
      refreshTray();
      break;
    case 'quit':
      app.quit();
      break;
  }
}

function registerProtocol(): void {
  const plan = planProtocolRegistration({
    platform: process.platform,
    isPackaged: app.isPackaged,
    env: process.env,
    execPath: process.execPath,
    appPath: app.getAppPath(),
  });
  log(`desktop: spincycle:// links: ${plan.why}`);
  if (plan.kind === 'default-client') {
    const ok =
      plan.args.length === 0
        ? app.setAsDefaultProtocolClient(PROTOCOL)
        : app.setAsDefaultProtocolClient(PROTOCOL, plan.args[0], plan.args[1]);
    if (!ok) log('desktop: could not become the default handler of spincycle:// links');
  } else if (plan.kind === 'desktop-entry') {
    void registerDevDesktopEntry({ execPath: process.execPath, appPath: app.getAppPath(), env: process.env }).then(
      (result) => log(result.ok ? `desktop: registered ${result.file}` : `desktop: ${result.reason}`),
    );
  }
}

function startTray(): void {
  try {
    tray = createTray({ iconsDir, platform: process.platform, onAction: onTrayAction, onClick: showWindow });
  } catch (e) {
    log(`desktop: no tray icon (${(e as Error).message}); closing the window quits`);
    return;
  }
  void detectTrayAvailability(process.platform).then((decided) => {
    trayAvailable = decided;
    log(
      `desktop: tray icon ${trayAvailable.shows ? 'shows' : 'may not show'} (${trayAvailable.why}); ` +
        `closing the window ${closeToTray() ? 'keeps Spin Cycle in the tray' : 'quits'}`,
    );
    refreshTray();
  });
}

async function start(): Promise<void> {
  serveRenderer(here('../renderer'), () => desktopLog.folder);
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      appMenuTemplate(process.platform, {
        openLogFolder: () => openFolder(desktopLog.folder),
        openDataFolder: () => openFolder(dataDir),
        reloadConsole,
      }),
    ),
  );
  const binding = electronSqliteBinding({
    isPackaged: app.isPackaged,
    appPath: app.getAppPath(),
    env: process.env,
    exists: existsSync,
  });
  if (!binding.ok) throw new Error(binding.reason);
  const runtime =
    process.env.SPINCYCLE_NO_ENGINE === '1'
      ? null
      : chooseEngineRuntime({ isPackaged: app.isPackaged, env: process.env, platform: process.platform, isExecutable });
  if (runtime) log(`desktop: embedded engine runtime: ${runtime.why}`);
  const launcher =
    runtime?.kind === 'node' ? nodeLauncher(runtime.nodePath) : runtime?.kind === 'utility' ? utilityLauncher() : null;
  // A core that cannot start (its cache cannot be opened even afresh) fails the startup: guardStartup.
  const started = await startConsoleCore({
    appVersion: app.getVersion(),
    runtime: describeRuntime(process.versions),
    dataDir,
    log,
    // Contexts' header values: the OS keychain, or the owner-only file the CLI reads when there is none.
    secrets: desktopSecretStore(dataDir, safeStorage, credentialsFile()),
    ...(binding.nativeBinding ? { nativeBinding: binding.nativeBinding } : {}),
    embeddedEngine: launcher
      ? {
          cliPath: engineEntry(filesRoot),
          specsDir: path.join(filesRoot, 'resources/specs'),
          launcher,
        }
      : null,
  });
  core = started;
  if (runtime?.kind === 'none') started.status.setEmbeddedEngine('failed', runtime.why);

  const ports = electronNotificationPorts({ iconPath: appIconFile(iconsDir), open: (t) => opener.open(t) });
  const center = new NotificationCenter({
    ...ports,
    show: (notice, handlers) => {
      // The last one's handlers are kept for the e2e hooks (they cannot click an OS notification).
      lastNotification = handlers;
      return ports.show(notice, handlers);
    },
  });
  startTray();
  routeCoreEvents(started.events, {
    tray: (model) => {
      lastTray = model;
      refreshTray();
    },
    notification: (n) => center.notify(n),
  });

  window = openWindow(started);
  installE2eHooks(process.env, {
    trayMenuObject: () => tray?.menu ?? null,
    clickTrayIcon: () => tray?.emitClick(),
    trayAvailability: () => trayAvailable,
    closeToTray,
    trayHints: () => trayHints,
    notify: (n) => center.notify(n),
    lastNotification: () => lastNotification,
    openLink: handleLink,
    windowVisible: () => !!window && !window.isDestroyed() && window.isVisible(),
    enginePid: () => core?.engine?.pid,
    logFile: () => desktopLog.file,
    openedFolders: () => [...openedFolders],
  });

  const atLaunch = findDeepLinkArg(process.argv);
  for (const link of [...linksBeforeReady.splice(0), ...(atLaunch ? [atLaunch] : [])]) handleLink(link);
  log(`desktop: started (data folder ${dataDir}, log ${desktopLog.file ?? 'stderr only'})`);
}

/** What a failed start-up needs from Electron (startup-failure.ts decides the rest). */
function failurePorts(holdsLock: boolean): StartupFailurePorts {
  return {
    logFile: desktopLog.file,
    log,
    // A modal dialog would block the e2e tests' process: they read stderr instead.
    showError: (title, message) =>
      hooksOn ? log(`desktop: dialog: ${title}: ${message}`) : dialog.showErrorBox(title, message),
    stopStarted: async () => {
      tray?.destroy();
      const current = core;
      core = undefined;
      await current?.stop();
    },
    releaseLock: () => {
      if (holdsLock) app.releaseSingleInstanceLock();
    },
    exit: (code) => {
      desktopLog.close();
      app.exit(code);
    },
  };
}

// Checked before the lock, which lives in the profile folder: a lock that cannot be taken would
// look like another instance running and quit without a word.
let unwritable: unknown = null;
try {
  checkWritableFolder(dataDir);
  checkWritableFolder(app.getPath('userData'));
} catch (e) {
  unwritable = e;
}

registerRendererScheme();
if (process.platform === 'win32') {
  app.setAppUserModelId(appUserModelId({ isPackaged: app.isPackaged, execPath: process.execPath }));
}

if (unwritable) {
  void app.whenReady().then(() => guardStartup(() => Promise.reject(unwritable), failurePorts(false)));
} else if (!app.requestSingleInstanceLock()) {
  // The running instance gets our argv (and any link in it) through 'second-instance'.
  log('desktop: another Spin Cycle runs on this data folder; handing over to it');
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
    void current.stop().finally(() => {
      desktopLog.close();
      app.quit();
    });
  });
  void app.whenReady().then(() => guardStartup(start, failurePorts(true)));
}
