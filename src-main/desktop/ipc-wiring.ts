// Carries the contract over Electron IPC, generic over CONTRACT_METHODS: one
// ipcMain.handle channel per method (caller checked, then routed to dispatch) and
// every hub event forwarded to the window's renderer.

import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import type { ConsoleCore } from '../console/core';
import { dispatch } from '../console/dispatch';
import { CONTRACT_METHODS, eventChannel, methodChannel } from '../shared/ipc';
import { err } from '../shared/result';

export interface WiringOptions {
  readonly ipcMain: IpcMain;
  readonly core: ConsoleCore;
  /** True only for calls from our own window's top frame showing our own page. */
  readonly isTrustedSender: (event: IpcMainInvokeEvent) => boolean;
}

/** Registers one handler per contract method; returns a function removing them. */
export function wireContract({ ipcMain, core, isTrustedSender }: WiringOptions): () => void {
  for (const method of CONTRACT_METHODS) {
    ipcMain.handle(methodChannel(method), (event, ...args: unknown[]) => {
      if (!isTrustedSender(event)) {
        return err('forbidden', `${method}(): caller is not the console window`);
      }
      return dispatch(core.handlers, method, args);
    });
  }
  return () => {
    for (const method of CONTRACT_METHODS) ipcMain.removeHandler(methodChannel(method));
  };
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
