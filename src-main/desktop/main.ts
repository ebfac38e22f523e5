// Electron main entry (built to out/main/index.js): starts console main's core, opens the
// console window, and carries the contract to it over IPC. The only other code importing
// 'electron' is in this folder.

import path from 'node:path';
import { app, BrowserWindow, ipcMain } from 'electron';
import { fileURLToPath } from 'node:url';
import { startConsoleCore, type ConsoleCore } from '../console/core';
import { describeRuntime } from '../console/runtime-info';
import { forwardEvents, wireContract } from './ipc-wiring';
import { createConsoleWindow } from './window';

const here = (relative: string): string => fileURLToPath(new URL(relative, import.meta.url));

let core: ConsoleCore | undefined;

function openWindow(current: ConsoleCore): void {
  const { window, isTrustedSender } = createConsoleWindow({
    preloadPath: here('../preload/preload.cjs'),
    rendererFile: here('../renderer/index.html'),
    devServerUrl: app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL,
  });
  const stopForwarding = forwardEvents(current, window.webContents);
  const unwire = wireContract({ ipcMain, core: current, isTrustedSender });
  window.on('closed', () => {
    stopForwarding();
    unwire();
  });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    const [window] = BrowserWindow.getAllWindows();
    if (window?.isMinimized()) window.restore();
    window?.focus();
  });

  void app.whenReady().then(() => {
    core = startConsoleCore({
      appVersion: app.getVersion(),
      runtime: describeRuntime(process.versions),
      dataDir: process.env.SPINCYCLE_DATA_DIR ?? app.getPath('userData'),
      embeddedEngine: {
        cliPath: path.join(app.getAppPath(), 'bin/spincycle.js'),
        specsDir: path.join(app.getAppPath(), 'resources/specs'),
      },
    });
    openWindow(core);
    app.on('activate', () => {
      if (core && BrowserWindow.getAllWindows().length === 0) openWindow(core);
    });
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  app.on('will-quit', () => {
    void core?.stop();
  });
}
