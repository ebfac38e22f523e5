// Whether a tray icon will actually be seen. Electron's `new Tray()` succeeds everywhere, but on
// Linux the icon shows only where a StatusNotifier host runs (KDE, Xfce, Cinnamon, Ubuntu's
// GNOME with its AppIndicator extension...): stock GNOME has none, so a window "closed to the
// tray" there could never be brought back. Closing to the tray is therefore the default only
// where the icon is known to show: macOS, Windows, and Linux sessions whose D-Bus has a
// StatusNotifierWatcher with a host registered. Decided here; the probe asks D-Bus (dbus-send).

import { execFile } from 'node:child_process';

/** What the session's D-Bus says about StatusNotifier hosts. */
export type TrayHost = 'registered' | 'none' | 'unknown';

export interface TrayAvailability {
  readonly shows: boolean;
  readonly why: string;
}

export function trayAvailability(platform: NodeJS.Platform, host: TrayHost): TrayAvailability {
  if (platform === 'darwin') return { shows: true, why: 'macOS menu bar' };
  if (platform === 'win32') return { shows: true, why: 'Windows notification area' };
  switch (host) {
    case 'registered':
      return { shows: true, why: 'a StatusNotifier host is registered on the session bus' };
    case 'none':
      return {
        shows: false,
        why: 'no StatusNotifier host on the session bus (stock GNOME shows no tray icons without an AppIndicator extension)',
      };
    case 'unknown':
      return { shows: false, why: 'could not ask the session bus whether a tray icon would show' };
  }
}

/** Reads dbus-send's answer to Get(IsStatusNotifierHostRegistered). */
export function parseHostRegistered(output: string): TrayHost {
  const value = /variant\s+boolean\s+(true|false)/.exec(output)?.[1];
  if (value === 'true') return 'registered';
  if (value === 'false') return 'none';
  return 'unknown';
}

const QUERY = [
  '--session',
  '--print-reply',
  '--reply-timeout=2000',
  '--dest=org.kde.StatusNotifierWatcher',
  '/StatusNotifierWatcher',
  'org.freedesktop.DBus.Properties.Get',
  'string:org.kde.StatusNotifierWatcher',
  'string:IsStatusNotifierHostRegistered',
];

/** The decision for this platform, asking the session bus only where it matters. */
export async function detectTrayAvailability(
  platform: NodeJS.Platform,
  probe: () => Promise<TrayHost> = probeTrayHost,
): Promise<TrayAvailability> {
  const host = platform === 'darwin' || platform === 'win32' ? 'unknown' : await probe();
  return trayAvailability(platform, host);
}

/** Asks the session bus (Linux and other D-Bus desktops); never rejects. */
export function probeTrayHost(env: NodeJS.ProcessEnv = process.env, command = 'dbus-send'): Promise<TrayHost> {
  return new Promise((resolve) => {
    execFile(command, QUERY, { env, timeout: 3000, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (!error) return resolve(parseHostRegistered(stdout));
      // The bus answered that nobody owns the watcher's name: no host at all.
      resolve(/ServiceUnknown|NameHasNoOwner/.test(stderr) ? 'none' : 'unknown');
    });
  });
}
