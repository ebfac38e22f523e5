// Electron IPC wiring, exercised under plain Node with fakes for ipcMain and WebContents
// (only types come from 'electron'): the one call channel, the sender check, argument
// validation, and event forwarding with replay after each page load.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsoleCore, type ConsoleCore } from '../console/core';
import { CALL_CHANNEL, eventChannel } from '../shared/bridge';
import { forwardEvents, wireContract } from './ipc-wiring';

type Handler = (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown;

function fakeIpcMain(): { ipcMain: IpcMain; handlers: Map<string, Handler> } {
  const handlers = new Map<string, Handler>();
  const ipcMain = {
    handle: (channel: string, handler: Handler) => handlers.set(channel, handler),
    removeHandler: (channel: string) => handlers.delete(channel),
  } as unknown as IpcMain;
  return { ipcMain, handlers };
}

const trusted = { id: 'trusted' } as unknown as IpcMainInvokeEvent;
const stranger = { id: 'stranger' } as unknown as IpcMainInvokeEvent;

describe('wireContract', () => {
  let core: ConsoleCore;
  beforeAll(async () => {
    core = await startConsoleCore({
      appVersion: '1.0.0',
      runtime: 'electron test',
      heartbeatMs: 0,
      dataDir: mkdtempSync(path.join(tmpdir(), 'sc-core-')),
      embeddedEngine: null,
    });
  });
  afterAll(() => core.stop());

  it('registers the call channel alone and removes it', () => {
    const { ipcMain, handlers } = fakeIpcMain();
    const unwire = wireContract({ ipcMain, core, isTrustedSender: () => true });
    expect([...handlers.keys()]).toEqual([CALL_CHANNEL]);
    unwire();
    expect(handlers.size).toBe(0);
  });

  it('routes trusted calls, checks their method and arguments, and refuses other senders', async () => {
    const { ipcMain, handlers } = fakeIpcMain();
    wireContract({ ipcMain, core, isTrustedSender: (event) => event === trusted });
    const call = handlers.get(CALL_CHANNEL) as Handler;
    expect(await call(trusted, 'version', {})).toMatchObject({
      ok: true,
      value: { app: '1.0.0', runtime: 'electron test' },
    });
    expect(await call(trusted, 'version')).toMatchObject({ ok: true });
    expect(await call(trusted, 'version', { extra: 1 })).toEqual({
      ok: false,
      error: { code: 'bad-request', message: 'version(): unknown field: extra' },
    });
    expect(await call(trusted, 'version', {}, 'extra')).toEqual({
      ok: false,
      error: { code: 'bad-request', message: 'version(): takes one arguments object, got 2 arguments' },
    });
    expect(await call(trusted, 'removeContext', 'local')).toEqual({
      ok: false,
      error: {
        code: 'bad-request',
        message: 'removeContext(): the arguments must be one object of named fields, got string',
      },
    });
    expect(await call(trusted, 'openDevTools', {})).toEqual({
      ok: false,
      error: { code: 'bad-request', message: "unknown method 'openDevTools'" },
    });
    expect(await call(stranger, 'version', {})).toEqual({
      ok: false,
      error: { code: 'forbidden', message: 'version(): caller is not the console window' },
    });
  });
});

describe('forwardEvents', () => {
  it('sends events to the renderer and replays the retained ones after each load', async () => {
    const core = await startConsoleCore({
      appVersion: '1.0.0',
      runtime: 'test',
      heartbeatMs: 0,
      dataDir: mkdtempSync(path.join(tmpdir(), 'sc-core-')),
      embeddedEngine: null,
    });
    const sent: [string, unknown][] = [];
    const loadListeners: (() => void)[] = [];
    const contents = {
      isDestroyed: () => false,
      send: (channel: string, payload: unknown) => sent.push([channel, payload]),
      on: (name: string, listener: () => void) => name === 'did-finish-load' && loadListeners.push(listener),
      off: (_name: string, listener: () => void) => loadListeners.splice(loadListeners.indexOf(listener), 1),
    } as unknown as WebContents;

    const stop = forwardEvents(core, contents);
    expect(sent).toEqual([]); // nothing until the page has loaded
    loadListeners.forEach((l) => l());
    // The retained state events (status, tray) are replayed once the page has loaded.
    expect(sent.map(([channel]) => channel).sort()).toEqual([eventChannel('status'), eventChannel('tray')].sort());
    expect(sent.find(([c]) => c === eventChannel('status'))?.[1]).toMatchObject({ embeddedEngine: 'not-started' });

    core.status.setEmbeddedEngine('running');
    expect(sent.at(-1)?.[1]).toMatchObject({ embeddedEngine: 'running' });

    const before = sent.length;
    stop();
    core.status.setEmbeddedEngine('stopped');
    expect(sent).toHaveLength(before);
    expect(loadListeners).toHaveLength(0);
    await core.stop();
  });
});
