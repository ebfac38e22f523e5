// The contract over the web bridge: JSON frames on one WebSocket to console main.
// Calls made before the socket opens are queued; if the socket is refused or drops,
// pending and later calls resolve to a 'disconnected' error instead of hanging.

import { typedCall, WEB_SOCKET_PATH, WEB_TOKEN_PARAM, type CallFrame } from '../../src-main/shared/bridge';
import type { ConsoleApi, ContractEvents, EventName } from '../../src-main/shared/ipc';
import { err, isResult, type Result } from '../../src-main/shared/result';

type AnyListener = (payload: ContractEvents[EventName]) => void;

export interface WebTransportOptions {
  /** Origin of the web bridge, e.g. "http://127.0.0.1:4321" (the page's own origin). */
  readonly origin: string;
  /** The per-run token; null means none was given. */
  readonly token: string | null;
}

export function createWebTransport(options: WebTransportOptions): ConsoleApi {
  const listeners = new Map<EventName, Set<AnyListener>>();
  const pending = new Map<number, (result: Result<unknown>) => void>();
  const queue: string[] = [];
  let nextId = 1;
  let closedReason: string | null = options.token
    ? null
    : 'No access token: open the console with the URL printed by `npm start` (it ends in ?token=…).';

  let socket: WebSocket | null = null;
  if (options.token) {
    const url = new URL(WEB_SOCKET_PATH, options.origin.replace(/^http/, 'ws'));
    url.searchParams.set(WEB_TOKEN_PARAM, options.token);
    socket = new WebSocket(url);
    socket.addEventListener('open', () => {
      for (const text of queue.splice(0)) socket?.send(text);
    });
    socket.addEventListener('message', (message) => onFrame(message.data));
    socket.addEventListener('close', (event) => {
      closedReason =
        event.code === 1006 && !event.wasClean
          ? 'Cannot reach console main (connection refused or token no longer valid): reopen the URL printed by `npm start`.'
          : `Connection to console main closed (${event.code}${event.reason ? `: ${event.reason}` : ''}).`;
      for (const resolve of pending.values()) resolve(err('disconnected', closedReason));
      pending.clear();
      queue.length = 0;
    });
  }

  function onFrame(data: unknown): void {
    if (typeof data !== 'string') return;
    let frame: unknown;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    if (typeof frame !== 'object' || frame === null) return;
    const f = frame as { id?: unknown; result?: unknown; event?: unknown; payload?: unknown };
    if (typeof f.id === 'number' && isResult(f.result)) {
      pending.get(f.id)?.(f.result);
      pending.delete(f.id);
    } else if (typeof f.event === 'string') {
      for (const listener of listeners.get(f.event as EventName) ?? [])
        listener(f.payload as ContractEvents[EventName]);
    }
  }

  function call(method: string, args: object = {}): Promise<Result<unknown>> {
    if (closedReason !== null || socket === null)
      return Promise.resolve(err('disconnected', closedReason ?? 'not connected'));
    const id = nextId++;
    const frame: CallFrame = { id, method, args };
    let text: string;
    try {
      text = JSON.stringify(frame);
    } catch (cause) {
      return Promise.resolve(err('bad-request', `${method}(): arguments not sendable: ${(cause as Error).message}`));
    }
    return new Promise((resolve) => {
      pending.set(id, resolve);
      if (socket?.readyState === WebSocket.OPEN) socket.send(text);
      else queue.push(text);
    });
  }

  return {
    call: typedCall(call),
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const l = listener as AnyListener;
      set.add(l);
      return () => set.delete(l);
    },
  };
}
