// Carries the contract over Electron IPC: one ipcMain.handle channel for every call (the
// caller checked, then its method name and arguments object routed to dispatch, which checks
// them against the contract), and every hub event forwarded to the window's renderer.

import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import type { ConsoleCore } from '../console/core';
import { dispatch } from '../console/dispatch';
import { CALL_CHANNEL, eventChannel } from '../shared/bridge';
import { err } from '../shared/result';

export interface WiringOptions {
  readonly ipcMain: IpcMain;
  readonly core: ConsoleCore;
  /** True only for calls from our own window's top frame showing our own page. */
  readonly isTrustedSender: (event: IpcMainInvokeEvent) => boolean;
}

/** Registers the call channel; returns a function removing it. */
export function wireContract({ ipcMain, core, isTrustedSender }: WiringOptions): () => void {
  ipcMain.handle(CALL_CHANNEL, (event, method: unknown, args: unknown, ...rest: unknown[]) => {
    const name = typeof method === 'string' ? method.slice(0, 64) : 'call';
    if (!isTrustedSender(event)) return err('forbidden', `${name}(): caller is not the console window`);
    if (rest.length > 0) {
      return err('bad-request', `${name}(): takes one arguments object, got ${rest.length + 1} arguments`);
    }
    return dispatch(core.handlers, method, args);
  });
  return () => ipcMain.removeHandler(CALL_CHANNEL);
}

/** Forwards hub events to one renderer, replaying retained ones after each page load. */
export function forwardEvents(core: ConsoleCore, contents: WebContents): () => void {
  const send = (frame: { event: Parameters<typeof eventChannel>[0]; payload: unknown }): void => {
    if (!contents.isDestroyed()) contents.send(eventChannel(frame.event), frame.payload);
  };
  const replay = (): void => core.events.retained().forEach(send);
  contents.on('did-finish-load', replay);
  const unsubscribe = core.events.subscribe(send);
  return () => {
    unsubscribe();
    if (!contents.isDestroyed()) contents.off('did-finish-load', replay);
  };
}
