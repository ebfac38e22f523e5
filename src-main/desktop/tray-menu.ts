// What the tray shows, decided from the core's TrayModel: the icon (idle, running, something
// failed), the tooltip, and the menu as plain data with an action per clickable item. tray.ts
// turns this into Electron's Tray and Menu; the decisions live here, tested under Node.

import type { TrayModel } from '../shared/console-model';
import type { NavigateEvent } from '../shared/ipc';
import { stateName } from '../shared/proto';

export type TrayIconVariant = 'idle' | 'running' | 'failed';

export type TrayAction =
  | { kind: 'open-request'; target: NavigateEvent }
  | { kind: 'toggle-window' }
  | { kind: 'toggle-close-to-tray' }
  | { kind: 'quit' };

export type TrayMenuItem =
  | { type: 'separator' }
  | { type: 'label'; label: string }
  | { type: 'action'; id: string; label: string; action: TrayAction }
  | { type: 'checkbox'; id: string; label: string; checked: boolean; action: TrayAction };

export interface TrayView {
  iconVariant: TrayIconVariant;
  tooltip: string;
  menu: TrayMenuItem[];
}

export interface TrayUiState {
  windowVisible: boolean;
  closeToTray: boolean;
}

/** How many recent requests the menu lists. */
export const TRAY_RECENT_LIMIT = 8;

export function trayIconVariant(model: TrayModel): TrayIconVariant {
  if (model.failed > 0) return 'failed';
  if (model.running > 0) return 'running';
  return 'idle';
}

export function trayTooltip(model: TrayModel): string {
  const parts = [`${model.running} running`];
  if (model.failed > 0) parts.push(`${model.failed} failed in the last 24 h`);
  return `Spin Cycle — ${parts.join(', ')}`;
}

/** The label of one recent request: "rolling-restart · RUNNING · local/4f1c2a9b". */
export function recentLabel(r: TrayModel['recent'][number]): string {
  return `${r.type} · ${stateName(r.state)} · ${r.context}/${r.id.slice(0, 8)}`;
}

export function trayView(model: TrayModel, ui: TrayUiState): TrayView {
  const recent = model.recent.slice(0, TRAY_RECENT_LIMIT);
  const menu: TrayMenuItem[] = [
    { type: 'label', label: `${model.running} running` },
    { type: 'label', label: `${model.failed} failed in the last 24 h` },
    { type: 'separator' },
  ];
  if (recent.length === 0) {
    menu.push({ type: 'label', label: 'No recent requests' });
  } else {
    menu.push({ type: 'label', label: 'Recent requests' });
    for (const r of recent) {
      menu.push({
        type: 'action',
        id: `open:${r.context}/${r.id}`,
        label: recentLabel(r),
        action: { kind: 'open-request', target: { context: r.context, requestId: r.id } },
      });
    }
  }
  menu.push(
    { type: 'separator' },
    {
      type: 'action',
      id: 'toggle-window',
      label: ui.windowVisible ? 'Hide window' : 'Show window',
      action: { kind: 'toggle-window' },
    },
    {
      type: 'checkbox',
      id: 'close-to-tray',
      label: 'Keep running in the tray when the window closes',
      checked: ui.closeToTray,
      action: { kind: 'toggle-close-to-tray' },
    },
    { type: 'separator' },
    { type: 'action', id: 'quit', label: 'Quit Spin Cycle', action: { kind: 'quit' } },
  );
  return { iconVariant: trayIconVariant(model), tooltip: trayTooltip(model), menu };
}

/**
 * Whether a plain click on the icon shows the window. On macOS a click opens the icon's menu (and
 * Electron emits `click` too): showing the window there would pop it up on every attempt to use
 * the menu, and leave the menu's Show/Hide label stale.
 */
export function trayClickShowsWindow(platform: NodeJS.Platform): boolean {
  return platform !== 'darwin';
}

/** Told once, the first time closing the window only hid it. */
export function trayHint(platform: NodeJS.Platform): { title: string; body: string } {
  const where = platform === 'darwin' ? 'menu bar' : 'tray';
  return {
    title: 'Spin Cycle is still running',
    body:
      `Closing the window keeps Spin Cycle in the ${where}, watching your requests. ` +
      `Quit from its ${where} menu, or untick "Keep running in the tray when the window closes" there.`,
  };
}
