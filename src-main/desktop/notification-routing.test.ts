// Notifications and the "open request" intent under Node, through the same interfaces main.ts
// wires to Electron. The ports are small recording stand-ins, used only because Electron's
// Notification and BrowserWindow cannot run here; the event hub is the real one.

import { describe, expect, it } from 'vitest';
import { EventHub } from '../console/events';
import type { RequestNotification } from '../shared/console-model';
import type { AnyEventFrame } from '../shared/bridge';
import type { NavigateEvent } from '../shared/ipc';
import { STATE_COMPLETE, STATE_FAIL, STATE_RUNNING } from '../shared/proto';
import { routeCoreEvents } from './core-events';
import {
  clickableAfterClose,
  MAX_LIVE_NOTICES,
  NotificationCenter,
  noticeFor,
  type DesktopNotice,
  type NotificationPorts,
} from './notification-routing';
import { RequestOpener } from './request-opener';

const change = (to: number, requestId = 'b9uvdi8tk9kahl8ppvbg'): RequestNotification => ({
  context: 'local',
  requestId,
  type: 'rolling-restart',
  from: STATE_RUNNING,
  to,
  failedJobs: to === STATE_FAIL ? ['restart-web2'] : [],
  title: `rolling-restart ${to === STATE_FAIL ? 'FAIL' : 'COMPLETE'}`,
  body: 'RUNNING → FAIL · 2/3 jobs',
});

/** Recording stand-in for Electron's Notification (the real one needs a running Electron). */
function recordingPorts(supported = true) {
  const shown: Array<{ notice: DesktopNotice; click(): void; dismiss(reason?: string): void; closed: boolean }> = [];
  const opened: NavigateEvent[] = [];
  const ports: NotificationPorts = {
    supported: () => supported,
    show(notice, handlers) {
      const entry = { notice, click: handlers.onClick, dismiss: handlers.onClose, closed: false };
      shown.push(entry);
      return { close: () => void (entry.closed = true) };
    },
    open: (target) => opened.push(target),
  };
  return { ports, shown, opened };
}

describe('noticeFor', () => {
  it('keeps the core text, marks failures critical and targets the request', () => {
    expect(noticeFor(change(STATE_FAIL))).toEqual({
      title: 'rolling-restart FAIL',
      body: 'RUNNING → FAIL · 2/3 jobs',
      urgency: 'critical',
      target: { context: 'local', requestId: 'b9uvdi8tk9kahl8ppvbg' },
    });
    expect(noticeFor(change(STATE_COMPLETE)).urgency).toBe('normal');
  });
});

describe('NotificationCenter', () => {
  it('shows one notification per core event and opens the request on click', () => {
    const { ports, shown, opened } = recordingPorts();
    const center = new NotificationCenter(ports);
    expect(center.notify(change(STATE_FAIL))).toBe(true);
    expect(shown).toHaveLength(1);
    expect(center.liveCount).toBe(1);
    shown[0]?.click();
    expect(opened).toEqual([{ context: 'local', requestId: 'b9uvdi8tk9kahl8ppvbg' }]);
    expect(center.liveCount).toBe(0);
  });

  it('shows nothing where the platform has no notifications', () => {
    const { ports, shown } = recordingPorts(false);
    expect(new NotificationCenter(ports).notify(change(STATE_FAIL))).toBe(false);
    expect(shown).toHaveLength(0);
  });

  it('keeps a bounded number alive, closing the oldest', () => {
    const { ports, shown } = recordingPorts();
    const center = new NotificationCenter(ports, 'linux');
    for (let i = 0; i < MAX_LIVE_NOTICES + 2; i++) center.notify(change(STATE_COMPLETE, `r${i}`));
    expect(center.liveCount).toBe(MAX_LIVE_NOTICES);
    expect(shown.map((s) => s.closed)).toEqual([true, true, ...Array<boolean>(MAX_LIVE_NOTICES).fill(false)]);
    shown.at(-1)?.dismiss('userCanceled');
    expect(center.liveCount).toBe(MAX_LIVE_NOTICES - 1);
  });

  it('Windows: a toast that timed out into the Action Center still opens its request when clicked', () => {
    const { ports, shown, opened } = recordingPorts();
    const center = new NotificationCenter(ports, 'win32');
    center.notify(change(STATE_FAIL));
    shown[0]?.dismiss('timedOut');
    expect(center.liveCount).toBe(1);
    shown[0]?.click();
    expect(opened).toEqual([{ context: 'local', requestId: 'b9uvdi8tk9kahl8ppvbg' }]);
    // Dismissed by the operator: let go.
    center.notify(change(STATE_FAIL, 'r2'));
    shown[1]?.dismiss('userCanceled');
    expect(center.liveCount).toBe(0);
  });

  it('decides per platform and reason whether a closed notification stays clickable', () => {
    expect(clickableAfterClose('timedOut', 'win32')).toBe(true);
    expect(clickableAfterClose(undefined, 'win32')).toBe(true);
    expect(clickableAfterClose('userCanceled', 'win32')).toBe(false);
    expect(clickableAfterClose('applicationHidden', 'win32')).toBe(false);
    expect(clickableAfterClose(undefined, 'linux')).toBe(false);
    expect(clickableAfterClose(undefined, 'darwin')).toBe(false);
  });
});

describe('RequestOpener', () => {
  it('shows the window and holds the navigation until the page has loaded', () => {
    const calls: string[] = [];
    const opener = new RequestOpener({
      showWindow: () => calls.push('show'),
      navigate: (t) => calls.push(`navigate ${t.context}/${t.requestId}`),
    });
    opener.open({ context: 'local', requestId: 'a' });
    opener.open({ context: 'local', requestId: 'b' }); // the latest wins while loading
    expect(calls).toEqual(['show', 'show']);
    opener.rendererReady();
    expect(calls).toEqual(['show', 'show', 'navigate local/b']);
    opener.open({ context: 'prod', requestId: 'c' });
    expect(calls.slice(-2)).toEqual(['show', 'navigate prod/c']);
    opener.rendererGone();
    opener.open({ context: 'prod', requestId: 'd' });
    expect(calls.at(-1)).toBe('show');
  });
});

describe('core events -> notification click -> navigate event', () => {
  it('routes a core notification to a click that emits `navigate` on the hub', () => {
    const hub = new EventHub();
    const frames: AnyEventFrame[] = [];
    hub.subscribe((f) => frames.push(f));
    const opener = new RequestOpener({ showWindow: () => undefined, navigate: (t) => hub.emit('navigate', t) });
    opener.rendererReady();
    const { ports, shown } = recordingPorts();
    const center = new NotificationCenter({ ...ports, open: (t) => opener.open(t) });
    const trays: unknown[] = [];
    hub.emit('tray', { running: 1, failed: 0, recent: [] }); // retained: replayed on subscribe
    routeCoreEvents(hub, { tray: (m) => trays.push(m), notification: (n) => center.notify(n) });
    expect(trays).toEqual([{ running: 1, failed: 0, recent: [] }]);

    hub.emit('notification', change(STATE_FAIL));
    expect(shown).toHaveLength(1);
    shown[0]?.click();
    expect(frames.at(-1)).toEqual({
      event: 'navigate',
      payload: { context: 'local', requestId: 'b9uvdi8tk9kahl8ppvbg' },
    });
    // `navigate` is transient: a renderer connecting later is not sent old navigations.
    expect(hub.retained().map((f) => f.event)).not.toContain('navigate');
  });
});
