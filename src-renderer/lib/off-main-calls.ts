// In web mode, contract calls whose answers are big text (jobLogText: a slice of up to 1 MB of
// log) are made by a worker over a WebSocket of its own (contract-worker.ts), not by the page.
// Receiving such a frame (WebSocket receipt and JSON.parse) is a long task for the thread that
// owns the socket, which drops frames while a log loads under a scrolling view; the worker hands
// the page the parsed answer, which the page takes in at once.
// Should the worker fail to start, its calls fall back to the page's own transport.

import { typedCall, type AnyCall, type CallFrame, type ReplyFrame } from '../../src-main/shared/bridge';
import type { ConsoleApi, MethodName } from '../../src-main/shared/ipc';
import type { Result } from '../../src-main/shared/result';
import type { WebTransportOptions } from './web-transport';

/** Methods made in the worker. */
const OFF_MAIN_METHODS: ReadonlySet<string> = new Set<MethodName>(['jobLogText']);

/** Page -> worker: first the bridge's address and token, then calls (the bridge's call frames). */
export type WorkerMessage = WebTransportOptions | WorkerCall;
export interface WorkerCall extends CallFrame {
  readonly id: number;
}
/** Worker -> page: the answer to call `id` (the bridge's reply frame). */
export interface WorkerAnswer extends ReplyFrame {
  readonly id: number;
}

/** `api` with OFF_MAIN_METHODS made by a worker (when workers can run here). */
export function withOffMainCalls(api: ConsoleApi, options: WebTransportOptions): ConsoleApi {
  if (typeof Worker === 'undefined' || !options.token) return api;
  let worker: Worker | null;
  try {
    worker = new Worker(new URL('./contract-worker.ts', import.meta.url), { type: 'module', name: 'contract' });
  } catch {
    return api;
  }
  const onMain: AnyCall = api.call as AnyCall;
  const pending = new Map<number, WorkerCall & { resolve: (r: Promise<Result<unknown>> | Result<unknown>) => void }>();
  let nextId = 1;
  const fallBack = () => {
    worker?.terminate();
    worker = null;
    for (const call of pending.values()) call.resolve(onMain(call.method, call.args));
    pending.clear();
  };
  worker.addEventListener('error', (e) => {
    e.preventDefault();
    fallBack();
  });
  worker.addEventListener('message', ({ data }: MessageEvent<WorkerAnswer>) => {
    const call = pending.get(data.id);
    pending.delete(data.id);
    call?.resolve(data.result);
  });
  worker.postMessage({ origin: options.origin, token: options.token } satisfies WorkerMessage);

  const call: AnyCall = (method, args = {}) => {
    if (!worker || !OFF_MAIN_METHODS.has(method)) return onMain(method, args);
    const w = worker;
    return new Promise<Result<unknown>>((resolve) => {
      const id = nextId++;
      pending.set(id, { id, method, args, resolve });
      w.postMessage({ id, method, args } satisfies WorkerMessage);
    });
  };
  return { call: typedCall(call), on: api.on };
}
