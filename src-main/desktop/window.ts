// Creates the console window with a locked-down renderer: context isolation, sandbox,
// no Node, no navigation away from our page, no pop-ups, no permissions.

import { BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { pathToFileURL } from 'node:url';

export interface ConsoleWindow {
  readonly window: BrowserWindow;
  readonly isTrustedSender: (event: IpcMainInvokeEvent) => boolean;
}

export interface WindowOptions {
  readonly preloadPath: string;
  /** Built renderer's index.html, or a dev server URL (electron-vite dev). */
  readonly rendererFile: string;
  readonly devServerUrl?: string | undefined;
}

export function createConsoleWindow(options: WindowOptions): ConsoleWindow {
  const window = new BrowserWindow({
    width: 1100,
    height: 720,
    minWidth: 640,
    minHeight: 420,
    title: 'Spin Cycle',
    show: false,
    webPreferences: {
      preload: options.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });

  const pageUrl = options.devServerUrl ?? pathToFileURL(options.rendererFile).href;
  const isOurPage = (url: string): boolean => url.split(/[?#]/)[0] === pageUrl.split(/[?#]/)[0];

  const contents = window.webContents;
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event, url) => {
    if (!isOurPage(url)) event.preventDefault();
  });
  contents.session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  window.once('ready-to-show', () => window.show());

  if (options.devServerUrl) void window.loadURL(options.devServerUrl);
  else void window.loadFile(options.rendererFile);

  const isTrustedSender = (event: IpcMainInvokeEvent): boolean => {
    const frame = event.senderFrame;
    return (
      !window.isDestroyed() &&
      event.sender === contents &&
      frame !== null &&
      frame === contents.mainFrame &&
      isOurPage(frame.url)
    );
  };

  return { window, isTrustedSender };
}
