// Making spincycle:// links open this app. Installed apps are registered by their installer:
// the NSIS installer writes the scheme (and its uninstaller removes it, resources/installer.nsh),
// the macOS bundle's Info.plist and the Linux .desktop entry declare it; at launch macOS and Linux
// packages also ask to be the default handler. A development build registers only when asked
// (SPINCYCLE_REGISTER_PROTOCOL=1), since it would take the scheme from an installed app:
// - Windows: the Electron executable with the app's folder as its argument;
// - Linux: a hidden .desktop entry running the same, made the scheme's default with xdg-mime;
// - macOS: not possible (LaunchServices opens links only in an app bundle, and a development run
//   is Electron's own bundle): use a packaged build.

import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROTOCOL } from './deep-link';

export type ProtocolPlan =
  | { kind: 'none'; why: string }
  | { kind: 'default-client'; args: [] | [execPath: string, args: string[]]; why: string }
  | { kind: 'desktop-entry'; why: string };

export interface ProtocolFacts {
  platform: NodeJS.Platform;
  isPackaged: boolean;
  env: Readonly<Record<string, string | undefined>>;
  execPath: string;
  /** The app's folder (development: the project root). */
  appPath: string;
}

export function planProtocolRegistration(f: ProtocolFacts): ProtocolPlan {
  if (f.isPackaged) {
    if (f.platform === 'win32') {
      return { kind: 'none', why: 'the installer registered spincycle:// (the uninstaller removes it)' };
    }
    return { kind: 'default-client', args: [], why: 'packaged app: default handler for spincycle://' };
  }
  if (f.env.SPINCYCLE_REGISTER_PROTOCOL !== '1') {
    return { kind: 'none', why: 'development build: set SPINCYCLE_REGISTER_PROTOCOL=1 to handle spincycle:// links' };
  }
  switch (f.platform) {
    case 'win32':
      return { kind: 'default-client', args: [f.execPath, [f.appPath]], why: 'development build, as asked' };
    case 'darwin':
      return {
        kind: 'none',
        why: 'macOS opens links only in an app bundle: spincycle:// needs a packaged build (npm run package)',
      };
    default:
      return { kind: 'desktop-entry', why: 'development build, as asked: a .desktop entry and xdg-mime' };
  }
}

/** The development entry's file name. */
export const DEV_DESKTOP_FILE = 'spincycle-console-dev.desktop';

/** One Exec argument, quoted as the Desktop Entry spec asks (then escaped as a string value). */
function execArg(arg: string): string {
  const quoted = /^[\w/.,:=@+-]+$/.test(arg) ? arg : `"${arg.replace(/(["`$\\])/g, '\\$1')}"`;
  return quoted.replace(/\\/g, '\\\\').replace(/%/g, '%%');
}

/** A hidden .desktop entry that runs this development build with the link. */
export function devDesktopEntry(f: { execPath: string; appPath: string; dataDir?: string | undefined }): string {
  const env = f.dataDir ? ['env', `SPINCYCLE_DATA_DIR=${f.dataDir}`] : [];
  const exec = [...env, f.execPath, f.appPath].map(execArg).join(' ');
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Spin Cycle (development)',
    `Exec=${exec} %u`,
    'Terminal=false',
    'NoDisplay=true',
    `MimeType=x-scheme-handler/${PROTOCOL};`,
    '',
  ].join('\n');
}

/** Writes the entry to $XDG_DATA_HOME/applications and makes it the scheme's default. */
export function registerDevDesktopEntry(
  f: { execPath: string; appPath: string; env: Readonly<Record<string, string | undefined>> },
  xdgMime = 'xdg-mime',
): Promise<{ ok: true; file: string } | { ok: false; reason: string }> {
  const dataHome = f.env.XDG_DATA_HOME || path.join(os.homedir(), '.local/share');
  const file = path.join(dataHome, 'applications', DEV_DESKTOP_FILE);
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, devDesktopEntry({ ...f, dataDir: f.env.SPINCYCLE_DATA_DIR }));
  } catch (e) {
    return Promise.resolve({ ok: false, reason: `cannot write ${file}: ${(e as Error).message}` });
  }
  return new Promise((resolve) => {
    execFile(
      xdgMime,
      ['default', DEV_DESKTOP_FILE, `x-scheme-handler/${PROTOCOL}`],
      { env: { ...process.env, ...f.env }, timeout: 10_000 },
      (error, _stdout, stderr) =>
        resolve(
          error ? { ok: false, reason: `xdg-mime failed: ${stderr.trim() || error.message}` } : { ok: true, file },
        ),
    );
  });
}
