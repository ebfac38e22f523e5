// Decides whether the Electron desktop app can start here, without loading the `electron`
// package (its index.js tries to download the binary when missing). Used by start.js and
// by the Electron e2e spec.

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/**
 * Path of the Electron executable, or a reason why there is none.
 * @returns {{ ok: true, path: string } | { ok: false, reason: string }}
 */
export function findElectronBinary() {
  let pkgDir;
  try {
    pkgDir = dirname(require.resolve('electron/package.json'));
  } catch {
    return { ok: false, reason: 'Electron is not installed (no node_modules/electron)' };
  }
  const pathFile = join(pkgDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const candidate = join(override, relative || 'electron');
    return existsSync(candidate)
      ? { ok: true, path: candidate }
      : { ok: false, reason: `Electron runtime not found at ELECTRON_OVERRIDE_DIST_PATH (${candidate})` };
  }
  if (!relative) {
    return { ok: false, reason: 'Electron runtime not installed (no binary in node_modules/electron/dist)' };
  }
  const binary = join(pkgDir, 'dist', relative);
  return existsSync(binary)
    ? { ok: true, path: binary }
    : { ok: false, reason: `Electron runtime not installed (${binary} is missing)` };
}

/**
 * Whether a window can be shown: always on macOS and Windows, needs X11 or Wayland elsewhere.
 * @returns {{ ok: true } | { ok: false, reason: string }}
 */
export function findDisplay() {
  if (process.platform === 'darwin' || process.platform === 'win32') return { ok: true };
  if (process.env.DISPLAY || process.env.WAYLAND_DISPLAY) return { ok: true };
  return { ok: false, reason: 'no display for the Electron window (neither DISPLAY nor WAYLAND_DISPLAY is set)' };
}

/**
 * Both checks together: can `npm start` open the desktop app?
 * @returns {{ ok: true, path: string } | { ok: false, reason: string }}
 */
export function canStartElectron() {
  const binary = findElectronBinary();
  if (!binary.ok) return binary;
  const display = findDisplay();
  if (!display.ok) return display;
  return binary;
}
