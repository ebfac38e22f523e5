// Creates the console window with a locked-down renderer: context isolation, sandbox, no Node,
// the page from app://console with its Content-Security-Policy header (renderer-protocol.ts),
// no navigation away from it (web links open in the system browser), no pop-ups, no permission
// but the clipboard. Placement comes from window-placement.ts.

import { BrowserWindow, shell, type IpcMainInvokeEvent } from 'electron';
import { decideNavigation, decideNewWindow } from './navigation-policy';
import { permissionGranted } from './permission-policy';
import { isConsolePage, PAGE_URL } from './renderer-origin';
import { secureWebPreferences } from './web-preferences';
import { MIN_SIZE, type Placement } from './window-placement';

export interface ConsoleWindow {
  readonly window: BrowserWindow;
  readonly isTrustedSender: (event: IpcMainInvokeEvent) => boolean;
}

export interface WindowOptions {
  readonly preloadPath: string;
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

  const contents = window.webContents;
  contents.session.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(permissionGranted(permission, details.requestingUrl)),
  );
  contents.session.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
    permissionGranted(permission, requestingOrigin),
  );
  contents.setWindowOpenHandler(({ url }) => {
    if (decideNewWindow(url) === 'open-external') openExternal(url);
    return { action: 'deny' };
  });
  const guard = (event: { preventDefault(): void }, url: string): void => {
    const decision = decideNavigation(url);
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
  void window.loadURL(PAGE_URL);

  const isTrustedSender = (event: IpcMainInvokeEvent): boolean => {
    const frame = event.senderFrame;
    return (
      !window.isDestroyed() &&
      event.sender === contents &&
      frame !== null &&
      frame === contents.mainFrame &&
      isConsolePage(frame.url)
    );
  };

  return { window, isTrustedSender };
}
