// Event hub and status source: frames reach subscribers, the last frame of each event is
// replayed to late subscribers, and a throwing subscriber does not starve the others.

import { describe, expect, it, vi } from 'vitest';
import type { AnyEventFrame } from '../shared/bridge';
import { EventHub } from './events';
import { StatusSource } from './status';

const at = (iso: string) => () => new Date(iso);

describe('EventHub', () => {
  it('delivers, retains and replays', () => {
    const hub = new EventHub();
    const early: AnyEventFrame[] = [];
    hub.subscribe((f) => early.push(f));
    hub.emit('status', { embeddedEngine: 'not-started', engineDetail: null, time: 't1' });
    hub.emit('status', { embeddedEngine: 'running', engineDetail: null, time: 't2' });
    expect(early).toHaveLength(2);

    const late: AnyEventFrame[] = [];
    hub.subscribe((f) => late.push(f), { replay: true });
    expect(late).toEqual([{ event: 'status', payload: { embeddedEngine: 'running', engineDetail: null, time: 't2' } }]);
  });

  it('isolates a throwing subscriber and supports unsubscribe', () => {
    const hub = new EventHub();
    const good = vi.fn();
    hub.subscribe(() => {
      throw new Error('socket gone');
    });
    const off = hub.subscribe(good);
    hub.emit('status', { embeddedEngine: 'not-started', engineDetail: null, time: 't' });
    off();
    hub.emit('status', { embeddedEngine: 'not-started', engineDetail: null, time: 't' });
    expect(good).toHaveBeenCalledTimes(1);
  });
});

describe('StatusSource', () => {
  it('publishes on start and on change, not on a repeated state', () => {
    const hub = new EventHub();
    const seen: AnyEventFrame[] = [];
    hub.subscribe((f) => seen.push(f));
    const status = new StatusSource(hub, { heartbeatMs: 0, now: at('2024-01-02T03:04:05.000Z') });
    expect(hub.retained()).toEqual([
      {
        event: 'status',
        payload: { embeddedEngine: 'not-started', engineDetail: null, time: '2024-01-02T03:04:05.000Z' },
      },
    ]);
    status.setEmbeddedEngine('starting');
    status.setEmbeddedEngine('starting');
    expect(seen.map((f) => (f.event === 'status' ? f.payload.embeddedEngine : f.event))).toEqual([
      'not-started',
      'starting',
    ]);
    status.stop();
  });

  it('carries why the engine failed, and publishes when only the reason changes', () => {
    const hub = new EventHub();
    const seen: AnyEventFrame[] = [];
    hub.subscribe((f) => seen.push(f));
    const status = new StatusSource(hub, { heartbeatMs: 0 });
    status.setEmbeddedEngine('failed', 'exited with code 1; restarting in 0.5 s');
    status.setEmbeddedEngine('failed', 'stopped restarting after 3 identical failures: exited with code 1');
    status.setEmbeddedEngine('running', 'http://127.0.0.1:1234');
    expect(seen.map((f) => (f.event === 'status' ? [f.payload.embeddedEngine, f.payload.engineDetail] : []))).toEqual([
      ['not-started', null],
      ['failed', 'exited with code 1; restarting in 0.5 s'],
      ['failed', 'stopped restarting after 3 identical failures: exited with code 1'],
      ['running', null],
    ]);
    status.stop();
  });

  it('beats on its heartbeat', () => {
    vi.useFakeTimers();
    try {
      const hub = new EventHub();
      const beat = vi.fn();
      hub.subscribe(beat);
      const status = new StatusSource(hub, { heartbeatMs: 1000 });
      vi.advanceTimersByTime(3500);
      expect(beat).toHaveBeenCalledTimes(4); // one on start + three beats
      status.stop();
      vi.advanceTimersByTime(5000);
      expect(beat).toHaveBeenCalledTimes(4); // one on start + three beats
    } finally {
      vi.useRealTimers();
    }
  });
});
