// The application menu: the platform's usual File, Edit (copy and paste need it on macOS), View,
// Window menus, and Help with "Open log folder" (the desktop log, desktop-log.ts) and "Open data
// folder". View → "Reload console" loads the console page again, also from the error page shown
// after repeated renderer crashes. Plain data (Electron's template type only), tested under Node.

import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  openLogFolder(): void;
  openDataFolder(): void;
  reloadConsole(): void;
}

export function appMenuTemplate(platform: NodeJS.Platform, actions: MenuActions): MenuItemConstructorOptions[] {
  return [
    ...(platform === 'darwin' ? [{ role: 'appMenu' } as const] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { id: 'reload-console', label: 'Reload console', accelerator: 'CmdOrCtrl+R', click: actions.reloadConsole },
        { role: 'toggleDevTools' },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [
        { id: 'open-log-folder', label: 'Open log folder', click: actions.openLogFolder },
        { id: 'open-data-folder', label: 'Open data folder', click: actions.openDataFolder },
      ],
    },
  ];
}
