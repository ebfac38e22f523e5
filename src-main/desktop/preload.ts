// Sandboxed preload: exposes exactly the contract (one function per method in
// CONTRACT_METHODS, plus `on` for CONTRACT_EVENTS) as `window.spincycle`. No generic
// invoke, no ipcRenderer, no Electron event objects ever reach the page.
// Built as a single CommonJS file (sandboxed preloads can only require 'electron').

import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  CONTRACT_METHODS,
  PRELOAD_GLOBAL,
  eventChannel,
  isEventName,
  methodChannel,
  type ConsoleApi,
  type MethodName,
} from '../shared/ipc';
import { err, isResult, type Result } from '../shared/result';

async function invoke(method: MethodName, args: unknown[]): Promise<Result<unknown>> {
  try {
    const result: unknown = await ipcRenderer.invoke(methodChannel(method), ...args);
    return isResult(result) ? result : err('internal', `${method}(): malformed reply from console main`);
  } catch (cause) {
    return err('disconnected', `${method}(): ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

const methods = Object.fromEntries(CONTRACT_METHODS.map((m) => [m, (...args: unknown[]) => invoke(m, args)]));

const api: ConsoleApi = {
  ...(methods as Omit<ConsoleApi, 'on'>),
  on(event, listener) {
    if (!isEventName(event)) throw new TypeError(`unknown event '${String(event)}'`);
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
