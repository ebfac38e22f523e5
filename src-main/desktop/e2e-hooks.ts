// Hooks for the Electron end-to-end tests (e2e/electron.spec.ts), installed on globalThis only
// when SPINCYCLE_E2E_HOOKS=1. They reach what Playwright cannot click from outside: the real tray
// Menu and icon, the notification's own click and close handlers, the deep-link route, the
// first-hide hint and the folders the Help menu opens (recorded instead of opened).
// Production code on purpose, not test support: it only maps what main already holds, and the
// global it sets is reachable only from code already running in the main process.

import type { Menu } from 'electron';
import type { RequestNotification } from '../shared/console-model';

export interface DesktopE2eHooks {
  /** The tray menu's items as shown (from the real Electron Menu). */
  trayMenu(): Array<{ id: string; label: string; type: string; enabled: boolean; checked: boolean }>;
  /** Clicks a tray menu item by id, through its real click handler. */
  clickTrayItem(id: string): boolean;
  /** Emits a click on the tray icon, as the OS does. */
  clickTrayIcon(): void;
  /** Whether a tray icon is known to show here, and why (tray-availability.ts). */
  trayAvailability(): { shows: boolean; why: string } | null;
  /** Whether closing the window hides it (the preference, or the platform's default). */
  closeToTray(): boolean;
  /** How many times the "still running in the tray" hint was shown. */
  trayHints(): number;
  /** Shows a notification as the core would, then clicks it (same handler as the OS click). */
  notifyAndClick(n: RequestNotification): boolean;
  /** Shows one, has the OS close it with `reason` (Windows: 'timedOut'), then clicks it. */
  notifyCloseAndClick(n: RequestNotification, reason: string): boolean;
  /** Handles a link as a second instance or macOS open-url would. */
  openLink(url: string): string | null;
  /** Whether the console window is visible. */
  windowVisible(): boolean;
  /** The embedded engine's process id (to kill it and watch the restart). */
  enginePid(): number | undefined;
  /** The desktop log file, if one could be opened. */
  logFile(): string | null;
  /** Folders the Help menu asked the OS to open, in order. */
  openedFolders(): string[];
}

export const E2E_HOOKS_GLOBAL = '__spincycleDesktop';

export function e2eHooksOn(env: Readonly<Record<string, string | undefined>>): boolean {
  return env.SPINCYCLE_E2E_HOOKS === '1';
}

export function installE2eHooks(
  env: Readonly<Record<string, string | undefined>>,
  parts: Omit<DesktopE2eHooks, 'trayMenu' | 'clickTrayItem' | 'notifyAndClick' | 'notifyCloseAndClick'> & {
    trayMenuObject: () => Menu | null;
    notify: (n: RequestNotification) => boolean;
    lastNotification: () => { onClick(): void; onClose(reason?: string): void } | undefined;
  },
): void {
  if (!e2eHooksOn(env)) return;
  const { trayMenuObject, notify, lastNotification, ...rest } = parts;
  const hooks: DesktopE2eHooks = {
    ...rest,
    trayMenu: () =>
      (trayMenuObject()?.items ?? []).map((i) => ({
        id: i.id ?? '',
        label: i.label,
        type: i.type,
        enabled: i.enabled,
        checked: i.checked,
      })),
    clickTrayItem: (id) => {
      const item = trayMenuObject()?.getMenuItemById(id);
      if (!item) return false;
      item.click();
      return true;
    },
    notifyAndClick: (n) => {
      if (!notify(n)) return false;
      lastNotification()?.onClick();
      return true;
    },
    notifyCloseAndClick: (n, reason) => {
      if (!notify(n)) return false;
      const shown = lastNotification();
      shown?.onClose(reason);
      shown?.onClick();
      return true;
    },
  };
  (globalThis as Record<string, unknown>)[E2E_HOOKS_GLOBAL] = hooks;
}
