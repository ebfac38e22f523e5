// The desktop shell's own preferences, kept in a small JSON file beside the cache
// (`desktop.json`): the window's size and position, whether closing the window keeps the app
// running in the tray, and whether the operator was told so. Reading is forgiving: a missing or
// damaged file gives the defaults.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SavedWindow } from './window-placement';

export const PREFS_FILE = 'desktop.json';

export interface DesktopPrefs {
  window: SavedWindow | null;
  /**
   * Closing the window hides it and the app stays in the tray. null (the default) follows
   * whether a tray icon shows here (tray-availability.ts); the tray menu's checkbox sets it.
   */
  closeToTray: boolean | null;
  /** The operator was told, the first time the window hid, that the app keeps running. */
  trayHintShown: boolean;
}

export const DEFAULT_PREFS: DesktopPrefs = { window: null, closeToTray: null, trayHintShown: false };

/** Whether closing the window hides it: the operator's choice, else whether a tray icon shows. */
export function closeToTrayEnabled(prefs: DesktopPrefs, trayShows: boolean): boolean {
  return prefs.closeToTray ?? trayShows;
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 1e6;

function readWindow(raw: unknown): SavedWindow | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const w = raw as Record<string, unknown>;
  if (!isInt(w.x) || !isInt(w.y) || !isInt(w.width) || !isInt(w.height)) return null;
  if (w.width <= 0 || w.height <= 0) return null;
  return { x: w.x, y: w.y, width: w.width, height: w.height, maximized: w.maximized === true };
}

/** Parses the file's text; anything unreadable falls back to the defaults, field by field. */
export function parsePrefs(text: string | null): DesktopPrefs {
  if (!text) return { ...DEFAULT_PREFS };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ...DEFAULT_PREFS };
  }
  if (typeof raw !== 'object' || raw === null) return { ...DEFAULT_PREFS };
  const r = raw as Record<string, unknown>;
  return {
    window: readWindow(r.window),
    closeToTray: typeof r.closeToTray === 'boolean' ? r.closeToTray : DEFAULT_PREFS.closeToTray,
    trayHintShown: r.trayHintShown === true,
  };
}

export function loadPrefs(dir: string): DesktopPrefs {
  try {
    return parsePrefs(readFileSync(path.join(dir, PREFS_FILE), 'utf8'));
  } catch {
    return { ...DEFAULT_PREFS };
  }
}

/** Writes atomically (temporary file, then rename) so a crash never leaves half a file. */
export function savePrefs(dir: string, prefs: DesktopPrefs): void {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, PREFS_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(prefs, null, 2)}\n`);
  renameSync(tmp, file);
}
