// Remembers the window's size and position (Electron adapter): saves its normal bounds and
// whether it is maximized to the desktop preferences, shortly after each move or resize and
// when it closes.

import type { BrowserWindow } from 'electron';
import type { SavedWindow } from './window-placement';

export function rememberBounds(window: BrowserWindow, save: (saved: SavedWindow) => void): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const snapshot = (): void => {
    clearTimeout(timer);
    timer = undefined;
    if (window.isDestroyed() || window.isMinimized()) return;
    const b = window.getNormalBounds();
    save({ x: b.x, y: b.y, width: b.width, height: b.height, maximized: window.isMaximized() });
  };
  const later = (): void => {
    clearTimeout(timer);
    timer = setTimeout(snapshot, 500);
  };
  window.on('resize', later);
  window.on('move', later);
  window.on('maximize', later);
  window.on('unmaximize', later);
  window.on('close', snapshot);
}
