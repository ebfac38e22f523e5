// Where the console window opens: the saved bounds when their title bar is still on a
// connected display (work area), shrunk to fit it; otherwise the default size, centred by the
// window manager. Displays come in as plain rectangles, so this runs under Node.

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface SavedWindow extends Rect {
  maximized: boolean;
}

export interface Placement {
  /** Absent: let the platform centre the window. */
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

export const DEFAULT_SIZE = { width: 1100, height: 720 } as const;
export const MIN_SIZE = { width: 640, height: 420 } as const;
/** How much of the title bar must be on a display for the saved position to be used. */
const GRAB = { width: 100, height: 30 } as const;

function overlap(a: Rect, b: Rect): { width: number; height: number } {
  return {
    width: Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x),
    height: Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y),
  };
}

/** The display whose work area holds enough of the window's title bar to grab it, if any. */
export function displayHoldingTitleBar(bounds: Rect, workAreas: readonly Rect[]): Rect | null {
  const titleBar = { x: bounds.x, y: bounds.y, width: bounds.width, height: GRAB.height };
  const need = Math.min(GRAB.width, bounds.width);
  return (
    workAreas.find((area) => {
      const o = overlap(titleBar, area);
      return o.width >= need && o.height >= GRAB.height;
    }) ?? null
  );
}

export function placeWindow(saved: SavedWindow | null, workAreas: readonly Rect[]): Placement {
  const fallback = (maximized: boolean): Placement => {
    const area = workAreas[0];
    return {
      width: area ? Math.max(MIN_SIZE.width, Math.min(DEFAULT_SIZE.width, area.width)) : DEFAULT_SIZE.width,
      height: area ? Math.max(MIN_SIZE.height, Math.min(DEFAULT_SIZE.height, area.height)) : DEFAULT_SIZE.height,
      maximized,
    };
  };
  if (!saved) return fallback(false);
  const area = displayHoldingTitleBar(saved, workAreas);
  if (!area) return fallback(saved.maximized);
  const width = Math.max(MIN_SIZE.width, Math.min(saved.width, area.width));
  const height = Math.max(MIN_SIZE.height, Math.min(saved.height, area.height));
  // Keep the whole window inside the work area it was found on (it may have shrunk).
  const x = Math.min(Math.max(saved.x, area.x), area.x + Math.max(0, area.width - width));
  const y = Math.min(Math.max(saved.y, area.y), area.y + Math.max(0, area.height - height));
  return { x, y, width, height, maximized: saved.maximized };
}

/** What to do when the operator closes the window. */
export function onCloseRequested(state: {
  closeToTray: boolean;
  quitting: boolean;
  trayAvailable: boolean;
}): 'hide' | 'close' {
  return state.closeToTray && state.trayAvailable && !state.quitting ? 'hide' : 'close';
}
