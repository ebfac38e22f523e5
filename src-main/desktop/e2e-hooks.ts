// Hooks for the Electron end-to-end tests (e2e/electron.spec.ts), installed on globalThis only
// when SPINCYCLE_E2E_HOOKS=1. They reach the real tray Menu, the notification click route and
// the deep-link route, which Playwright cannot click from outside (OS tray and notifications).
// Production code on purpose, not test support: it only maps what main already holds, and the
// global it sets is reachable only from code already running in the main process.

import type { Menu } from 'electron';
import type { RequestNotification } from '../shared/console-model';

export interface DesktopE2eHooks {
  /** The tray menu's items as shown (from the real Electron Menu). */
  trayMenu(): Array<{ id: string; label: string; type: string; enabled: boolean; checked: boolean }>;
  /** Clicks a tray menu item by id, through its real click handler. */
  clickTrayItem(id: string): boolean;
  /** Shows a notification as the core would, then clicks it (same handler as the OS click). */
  notifyAndClick(n: RequestNotification): boolean;
  /** Handles a link as a second instance or macOS open-url would. */
  openLink(url: string): string | null;
  /** Whether the console window is visible. */
  windowVisible(): boolean;
  /** The embedded engine's process id (to kill it and watch the restart). */
  enginePid(): number | undefined;
}

export const E2E_HOOKS_GLOBAL = '__spincycleDesktop';

export function installE2eHooks(
  env: Readonly<Record<string, string | undefined>>,
  parts: {
    trayMenu: () => Menu | null;
    notify: (n: RequestNotification) => boolean;
    clickLastNotification: () => boolean;
    openLink: (url: string) => string | null;
    windowVisible: () => boolean;
    enginePid: () => number | undefined;
  },
): void {
  if (env.SPINCYCLE_E2E_HOOKS !== '1') return;
  const hooks: DesktopE2eHooks = {
    trayMenu: () =>
      (parts.trayMenu()?.items ?? []).map((i) => ({
        id: i.id ?? '',
        label: i.label,
        type: i.type,
        enabled: i.enabled,
        checked: i.checked,
      })),
    clickTrayItem: (id) => {
      const item = parts.trayMenu()?.getMenuItemById(id);
      if (!item) return false;
      item.click();
      return true;
    },
    notifyAndClick: (n) => parts.notify(n) && parts.clickLastNotification(),
    openLink: parts.openLink,
    windowVisible: parts.windowVisible,
    enginePid: parts.enginePid,
  };
  (globalThis as Record<string, unknown>)[E2E_HOOKS_GLOBAL] = hooks;
}
