// The sandboxed preload, run under Node with 'electron' replaced by a fake (the real module
// must never load under Node): it exposes the contract's carrier alone, and nothing Electron
// leaks.

import { beforeAll, describe, expect, it, vi } from 'vitest';
import { CALL_CHANNEL, PRELOAD_GLOBAL, eventChannel } from '../shared/bridge';
import { CONTRACT_EVENTS } from '../shared/ipc';

const exposed = new Map<string, Record<string, unknown>>();
const listeners = new Map<string, Set<(event: unknown, payload: unknown) => void>>();
const invoke = vi.fn<(channel: string, ...args: unknown[]) => Promise<unknown>>();

vi.mock('electron', () => ({
  contextBridge: {
    exposeInMainWorld: (key: string, api: Record<string, unknown>) => exposed.set(key, api),
  },
  ipcRenderer: {
    invoke: (channel: string, ...args: unknown[]) => invoke(channel, ...args),
    on: (channel: string, l: (event: unknown, payload: unknown) => void) => {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)?.add(l);
    },
    removeListener: (channel: string, l: (event: unknown, payload: unknown) => void) =>
      listeners.get(channel)?.delete(l),
  },
}));

interface Api {
  call: (method: string, args?: unknown) => Promise<unknown>;
  on: (event: string, listener: unknown) => () => void;
}
let api: Api;

beforeAll(async () => {
  await import('./preload');
  api = exposed.get(PRELOAD_GLOBAL) as unknown as Api;
});

describe('preload', () => {
  it('exposes call() and on(), nothing else', () => {
    expect([...exposed.keys()]).toEqual([PRELOAD_GLOBAL]);
    expect(Object.keys(api).sort()).toEqual(['call', 'on']);
  });

  it('invokes the call channel with the method and its arguments, and passes the Result through', async () => {
    invoke.mockResolvedValueOnce({ ok: true, value: { app: 'x', protocol: 'p', runtime: 'r' } });
    expect(await api.call('version', {})).toEqual({ ok: true, value: { app: 'x', protocol: 'p', runtime: 'r' } });
    expect(invoke).toHaveBeenLastCalledWith(CALL_CHANNEL, 'version', {});
    invoke.mockResolvedValueOnce({ ok: true, value: null });
    await api.call('getRequest', { context: 'local', id: 'r1' });
    expect(invoke).toHaveBeenLastCalledWith(CALL_CHANNEL, 'getRequest', { context: 'local', id: 'r1' });
  });

  it('turns a rejected invoke or a malformed reply into an error Result', async () => {
    invoke.mockRejectedValueOnce(new Error('No handler registered'));
    expect(await api.call('version', {})).toEqual({
      ok: false,
      error: { code: 'disconnected', message: 'version(): No handler registered' },
    });
    invoke.mockResolvedValueOnce('garbage');
    expect(await api.call('version', {})).toMatchObject({ ok: false, error: { code: 'internal' } });
  });

  it('delivers only the payload of known events, and unsubscribes', () => {
    const seen: unknown[] = [];
    const off = api.on('status', (payload: unknown) => seen.push(payload));
    const channel = eventChannel('status');
    listeners.get(channel)?.forEach((l) => l({ sender: 'ipc internals' }, { embeddedEngine: 'running', time: 't' }));
    expect(seen).toEqual([{ embeddedEngine: 'running', time: 't' }]);
    off();
    expect(listeners.get(channel)?.size).toBe(0);
    for (const bad of ['', 'status:x', '../call', 'x'.repeat(65), 42]) {
      expect(() => api.on(bad as string, () => {})).toThrow(/^not an event name/);
    }
    expect(() => api.on('status', 'not a function')).toThrow('listener must be a function');
  });

  it('accepts every contract event, the desktop-only `navigate` included', () => {
    expect(CONTRACT_EVENTS).toContain('navigate');
    for (const event of CONTRACT_EVENTS) {
      const seen: unknown[] = [];
      const off = api.on(event, (payload: unknown) => seen.push(payload));
      listeners.get(eventChannel(event))?.forEach((l) => l({}, { event }));
      expect(seen).toEqual([{ event }]);
      off();
    }
  });
});
