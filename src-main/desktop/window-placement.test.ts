// Window placement from saved bounds against the connected displays, the close-to-tray
// decision, and the desktop preferences file (a real file in a temporary folder).

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { closeToTrayEnabled, DEFAULT_PREFS, loadPrefs, parsePrefs, PREFS_FILE, savePrefs } from './desktop-prefs';
import { DEFAULT_SIZE, MIN_SIZE, onCloseRequested, placeWindow } from './window-placement';

const laptop = { x: 0, y: 0, width: 1440, height: 875 };
const rightMonitor = { x: 1440, y: -200, width: 2560, height: 1410 };

describe('placeWindow', () => {
  it('uses the default size, centred by the platform, when nothing was saved', () => {
    expect(placeWindow(null, [laptop])).toEqual({ ...DEFAULT_SIZE, maximized: false });
    expect(placeWindow(null, [{ x: 0, y: 0, width: 800, height: 500 }])).toEqual({
      width: 800,
      height: 500,
      maximized: false,
    });
  });

  it('restores saved bounds on a connected display, including a second monitor', () => {
    const saved = { x: 1600, y: -100, width: 1200, height: 800, maximized: false };
    expect(placeWindow(saved, [laptop, rightMonitor])).toEqual(saved);
    expect(placeWindow({ ...saved, maximized: true }, [laptop, rightMonitor]).maximized).toBe(true);
  });

  it('falls back when the title bar is no longer on any display (monitor unplugged)', () => {
    const saved = { x: 1600, y: -100, width: 1200, height: 800, maximized: false };
    expect(placeWindow(saved, [laptop])).toEqual({ ...DEFAULT_SIZE, maximized: false });
    // Only a sliver of the title bar visible: not enough to grab it.
    expect(placeWindow({ ...saved, x: 1400, y: 10 }, [laptop])).toEqual({ ...DEFAULT_SIZE, maximized: false });
    // Title bar above the top edge.
    expect(placeWindow({ ...saved, x: 100, y: -50 }, [laptop])).toEqual({ ...DEFAULT_SIZE, maximized: false });
  });

  it('shrinks a window larger than its display and keeps it inside, never below the minimum', () => {
    const placed = placeWindow({ x: 300, y: 20, width: 3000, height: 2000, maximized: false }, [laptop]);
    expect(placed).toEqual({ x: 0, y: 0, width: 1440, height: 875, maximized: false });
    const tiny = placeWindow({ x: 10, y: 10, width: 100, height: 100, maximized: false }, [laptop]);
    expect(tiny).toMatchObject({ width: MIN_SIZE.width, height: MIN_SIZE.height });
  });
});

describe('onCloseRequested', () => {
  it('hides to the tray only when asked, when there is a tray, and when not quitting', () => {
    expect(onCloseRequested({ closeToTray: true, quitting: false, trayAvailable: true })).toBe('hide');
    expect(onCloseRequested({ closeToTray: false, quitting: false, trayAvailable: true })).toBe('close');
    expect(onCloseRequested({ closeToTray: true, quitting: true, trayAvailable: true })).toBe('close');
    expect(onCloseRequested({ closeToTray: true, quitting: false, trayAvailable: false })).toBe('close');
  });
});

describe('close to tray', () => {
  it('follows whether a tray icon shows until the operator chooses', () => {
    expect(closeToTrayEnabled(DEFAULT_PREFS, true)).toBe(true);
    // Stock GNOME: no tray icon, so closing the window quits.
    expect(closeToTrayEnabled(DEFAULT_PREFS, false)).toBe(false);
    expect(closeToTrayEnabled({ ...DEFAULT_PREFS, closeToTray: false }, true)).toBe(false);
    expect(closeToTrayEnabled({ ...DEFAULT_PREFS, closeToTray: true }, false)).toBe(true);
  });
});

describe('desktop preferences file', () => {
  it('round-trips; close to tray follows the platform until chosen', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sc-desktop-'));
    expect(loadPrefs(dir)).toEqual(DEFAULT_PREFS);
    expect(DEFAULT_PREFS).toEqual({ window: null, closeToTray: null, trayHintShown: false });
    const prefs = {
      window: { x: 5, y: 6, width: 900, height: 700, maximized: true },
      closeToTray: false,
      trayHintShown: true,
    };
    savePrefs(dir, prefs);
    expect(loadPrefs(dir)).toEqual(prefs);
    expect(JSON.parse(readFileSync(path.join(dir, PREFS_FILE), 'utf8'))).toEqual(prefs);
  });

  it('ignores damaged content field by field', () => {
    expect(parsePrefs('{not json')).toEqual(DEFAULT_PREFS);
    expect(parsePrefs('[1]')).toEqual(DEFAULT_PREFS);
    expect(parsePrefs('{"window":{"x":"1","y":0,"width":10,"height":10},"closeToTray":false}')).toEqual({
      window: null,
      closeToTray: false,
      trayHintShown: false,
    });
    expect(parsePrefs('{"window":{"x":1,"y":2,"width":-5,"height":10},"closeToTray":"yes"}')).toEqual(DEFAULT_PREFS);
    const dir = mkdtempSync(path.join(tmpdir(), 'sc-desktop-'));
    writeFileSync(path.join(dir, PREFS_FILE), '\u0000garbage');
    expect(loadPrefs(dir)).toEqual(DEFAULT_PREFS);
  });
});
