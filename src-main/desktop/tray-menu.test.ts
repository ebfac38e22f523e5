// The tray's decisions under Node: icon variant, tooltip, menu items and their actions. The
// Electron Tray/Menu adapter (tray.ts) only renders this; it runs in e2e/electron.spec.ts.

import { describe, expect, it } from 'vitest';
import type { TrayModel } from '../shared/console-model';
import { STATE_COMPLETE, STATE_FAIL, STATE_RUNNING } from '../shared/proto';
import { TRAY_RECENT_LIMIT, trayClickShowsWindow, trayHint, trayView, type TrayMenuItem } from './tray-menu';

const recent = (n: number, state = STATE_RUNNING): TrayModel['recent'] =>
  Array.from({ length: n }, (_, i) => ({
    context: 'local',
    id: `req${i}abcdefghijkl`,
    type: 'rolling-restart',
    state,
    createdAt: '2025-01-01T00:00:00Z',
  }));

const labels = (items: TrayMenuItem[]) => items.map((i) => (i.type === 'separator' ? '---' : i.label));

describe('trayView', () => {
  it('is idle with nothing running or failed, and says there is nothing recent', () => {
    const view = trayView({ running: 0, failed: 0, recent: [] }, { windowVisible: true, closeToTray: true });
    expect(view.iconVariant).toBe('idle');
    expect(view.tooltip).toBe('Spin Cycle — 0 running');
    expect(labels(view.menu)).toEqual([
      '0 running',
      '0 failed in the last 24 h',
      '---',
      'No recent requests',
      '---',
      'Hide window',
      'Keep running in the tray when the window closes',
      '---',
      'Quit Spin Cycle',
    ]);
  });

  it('shows running, and failed over running', () => {
    expect(
      trayView({ running: 2, failed: 0, recent: [] }, { windowVisible: true, closeToTray: true }).iconVariant,
    ).toBe('running');
    const failed = trayView({ running: 2, failed: 1, recent: [] }, { windowVisible: false, closeToTray: false });
    expect(failed.iconVariant).toBe('failed');
    expect(failed.tooltip).toBe('Spin Cycle — 2 running, 1 failed in the last 24 h');
    expect(labels(failed.menu)).toContain('Show window');
    expect(failed.menu.find((i) => i.type === 'checkbox')).toMatchObject({ checked: false });
  });

  it('lists recent requests (at most the limit), each opening its request', () => {
    const model: TrayModel = {
      running: 1,
      failed: 1,
      recent: [
        { context: 'prod', id: '4f1c2a9b77e0aa', type: 'deploy', state: STATE_FAIL, createdAt: 't' },
        { context: 'local', id: 'c0ffee00', type: 'hello', state: STATE_COMPLETE, createdAt: 't' },
      ],
    };
    const view = trayView(model, { windowVisible: true, closeToTray: true });
    const actions = view.menu.filter((i) => i.type === 'action' && i.action.kind === 'open-request');
    expect(actions).toEqual([
      {
        type: 'action',
        id: 'open:prod/4f1c2a9b77e0aa',
        label: 'deploy · FAIL · prod/4f1c2a9b',
        action: { kind: 'open-request', target: { context: 'prod', requestId: '4f1c2a9b77e0aa' } },
      },
      {
        type: 'action',
        id: 'open:local/c0ffee00',
        label: 'hello · COMPLETE · local/c0ffee00',
        action: { kind: 'open-request', target: { context: 'local', requestId: 'c0ffee00' } },
      },
    ]);
    const many = trayView({ running: 20, failed: 0, recent: recent(20) }, { windowVisible: true, closeToTray: true });
    expect(many.menu.filter((i) => i.type === 'action' && i.id.startsWith('open:'))).toHaveLength(TRAY_RECENT_LIMIT);
  });

  it('gives every clickable item a unique id and an action', () => {
    const view = trayView({ running: 3, failed: 2, recent: recent(5) }, { windowVisible: true, closeToTray: true });
    const ids = view.menu.flatMap((i) => (i.type === 'action' || i.type === 'checkbox' ? [i.id] : []));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(['toggle-window', 'close-to-tray', 'quit']));
  });
});

describe('tray clicks and the first-hide hint', () => {
  it('a click shows the window on Windows and Linux; on macOS it only opens the menu', () => {
    expect(trayClickShowsWindow('win32')).toBe(true);
    expect(trayClickShowsWindow('linux')).toBe(true);
    expect(trayClickShowsWindow('darwin')).toBe(false);
  });

  it("says where the app went, in the platform's words, and how to quit or turn it off", () => {
    expect(trayHint('darwin').body).toMatch(/in the menu bar.*Quit from its menu bar menu/);
    expect(trayHint('win32').body).toMatch(/in the tray.*Keep running in the tray when the window closes/);
  });
});
