// Creates the console window with a locked-down renderer: context isolation, sandbox, no Node,
// a Content-Security-Policy header, no navigation away from our page (web links open in the
// system browser), no pop-ups, no permissions. Placement comes from window-placement.ts.

import { BrowserWindow, shell, type IpcMainInvokeEvent } from 'electron';
import { pathToFileURL } from 'node:url';
import { withContentSecurityPolicy } from './csp';
import { secureWebPreferences } from './web-preferences';
import { decideNavigation, decideNewWindow, isSamePage } from './navigation-policy';
import { MIN_SIZE, type Placement } from './window-placement';

export interface ConsoleWindow {
  readonly window: BrowserWindow;
  readonly isTrustedSender: (event: IpcMainInvokeEvent) => boolean;
}

export interface WindowOptions {
  readonly preloadPath: string;
  /** Built renderer's index.html, or a dev server URL (electron-vite dev). */
  readonly rendererFile: string;
  readonly devServerUrl?: string | undefined;
  readonly placement: Placement;
  readonly iconPath: string;
}

function openExternal(url: string): void {
  void shell.openExternal(url).catch(() => undefined);
}

export function createConsoleWindow(options: WindowOptions): ConsoleWindow {
  const { placement } = options;
  const window = new BrowserWindow({
    ...(placement.x !== undefined && placement.y !== undefined ? { x: placement.x, y: placement.y } : {}),
    width: placement.width,
    height: placement.height,
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    title: 'Spin Cycle',
    icon: options.iconPath,
    show: false,
    webPreferences: secureWebPreferences(options.preloadPath),
  });

  const pageUrl = options.devServerUrl ?? pathToFileURL(options.rendererFile).href;
  const contents = window.webContents;

  contents.session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: withContentSecurityPolicy(details.responseHeaders) });
  });
  contents.session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  contents.setWindowOpenHandler(({ url }) => {
    if (decideNewWindow(url) === 'open-external') openExternal(url);
    return { action: 'deny' };
  });
  const guard = (event: { preventDefault(): void }, url: string): void => {
    const decision = decideNavigation(url, pageUrl);
    if (decision === 'allow') return;
    event.preventDefault();
    if (decision === 'open-external') openExternal(url);
  };
  contents.on('will-navigate', (event, url) => guard(event, url));
  contents.on('will-redirect', (event, url) => guard(event, url));
  contents.on('will-attach-webview', (event) => event.preventDefault());

  window.once('ready-to-show', () => {
    if (placement.maximized) window.maximize();
    window.show();
  });

  if (options.devServerUrl) void window.loadURL(options.devServerUrl);
  else void window.loadFile(options.rendererFile);

  const isTrustedSender = (event: IpcMainInvokeEvent): boolean => {
    const frame = event.senderFrame;
    return (
      !window.isDestroyed() &&
      event.sender === contents &&
      frame !== null &&
      frame === contents.mainFrame &&
      isSamePage(frame.url, pageUrl)
    );
  };

  return { window, isTrustedSender };
}
