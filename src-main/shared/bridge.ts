// How the contract (ipc.ts) is carried between the renderer and console main, by name: one
// call entry taking a method name and its arguments object (ConsoleApi.call), and one
// subscription per event. Console main checks every call against the contract
// (console/dispatch.ts), so neither the preload nor the renderer needs the list of methods at run
// time, nor zod. Runtime-neutral and free of zod: the preload, the renderer and its worker load it.

import type { ConsoleApi, ContractEvents, EventName } from './ipc';
import type { Result } from './result';

/**
 * ConsoleApi['call'] as a transport implements it: any method name, any arguments object (or
 * none); never rejects, errors are Results.
 */
export type AnyCall = (method: string, args?: object) => Promise<Result<unknown>>;

/** A transport's `call`, given the contract's types. */
export const typedCall = (call: AnyCall): ConsoleApi['call'] => call as ConsoleApi['call'];

/** Name of the global the Electron preload defines in the renderer's main world (a ConsoleApi). */
export const PRELOAD_GLOBAL = 'spincycle';

/** What an event name looks like (the preload subscribes to nothing else). */
export const EVENT_NAME = /^[A-Za-z]{1,64}$/;

// ---- Electron IPC channels ------------------------------------------------------------

/** The one channel calls go through: (method, args) in, a Result out. */
export const CALL_CHANNEL = 'spincycle:call';

export function eventChannel(event: EventName): string {
  return `spincycle:event:${event}`;
}

// ---- Web bridge frames (JSON over WebSocket) ------------------------------------------

/** Path of the WebSocket endpoint on the web bridge's HTTP server. */
export const WEB_SOCKET_PATH = '/ws';
/** Query parameter carrying the per-run token (page URL and WebSocket URL). */
export const WEB_TOKEN_PARAM = 'token';

export type CallId = number | string;

/** Renderer -> main: a method's arguments object (`{}`, or absent, for none). */
export interface CallFrame {
  readonly id: CallId;
  readonly method: string;
  readonly args: object;
}

/** Main -> renderer, answering one call. `id` is null when the frame could not be read. */
export interface ReplyFrame {
  readonly id: CallId | null;
  readonly result: Result<unknown>;
}

/** Main -> renderer, unsolicited. */
export interface EventFrame<E extends EventName = EventName> {
  readonly event: E;
  readonly payload: ContractEvents[E];
}

/** Any one event frame, discriminated by `event`. */
export type AnyEventFrame = { [E in EventName]: EventFrame<E> }[EventName];
