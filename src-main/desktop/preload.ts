// Sandboxed preload: exposes the contract's API (shared/ipc.ts ConsoleApi) as `window.spincycle`:
// `call(method, args)`, which goes through the one call channel to console main, where the
// method and its arguments object are checked against the contract, and `on(event, listener)`
// for the contract's events. No ipcRenderer, no other channel and no Electron event object
// ever reaches the page.
// Built as a single CommonJS file (sandboxed preloads can only require 'electron').

import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { CALL_CHANNEL, EVENT_NAME, PRELOAD_GLOBAL, eventChannel, typedCall } from '../shared/bridge';
import type { ConsoleApi } from '../shared/ipc';
import { err, isResult } from '../shared/result';

const api: ConsoleApi = {
  call: typedCall(async (method, args = {}) => {
    try {
      const result: unknown = await ipcRenderer.invoke(CALL_CHANNEL, method, args);
      return isResult(result) ? result : err('internal', `${method}(): malformed reply from console main`);
    } catch (cause) {
      return err('disconnected', `${method}(): ${cause instanceof Error ? cause.message : String(cause)}`);
    }
  }),
  on(event, listener) {
    if (typeof event !== 'string' || !EVENT_NAME.test(event)) {
      throw new TypeError(`not an event name: '${String(event).slice(0, 64)}'`);
    }
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    const channel = eventChannel(event);
    const forward = (_event: IpcRendererEvent, payload: unknown): void => {
      (listener as (p: unknown) => void)(payload);
    };
    ipcRenderer.on(channel, forward);
    return () => {
      ipcRenderer.removeListener(channel, forward);
    };
  },
};

contextBridge.exposeInMainWorld(PRELOAD_GLOBAL, api);
