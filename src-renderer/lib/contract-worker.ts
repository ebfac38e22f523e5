// The worker behind off-main-calls.ts: makes the contract calls the page hands it over a web
// transport of its own (same bridge, same token) and posts back each answer, parsed.

import { createWebTransport } from './web-transport';
import type { AnyCall } from '../../src-main/shared/bridge';
import type { ConsoleApi } from '../../src-main/shared/ipc';
import { err } from '../../src-main/shared/result';
import type { WorkerAnswer, WorkerMessage } from './off-main-calls';

/** The parts of a dedicated worker's global scope used here (the renderer's types are the DOM's). */
interface WorkerScope {
  postMessage(message: WorkerAnswer): void;
  addEventListener(type: 'message', listener: (e: MessageEvent<WorkerMessage>) => void): void;
}

const scope = globalThis as unknown as WorkerScope;
let api: ConsoleApi | null = null;

scope.addEventListener('message', ({ data }) => {
  if ('origin' in data) {
    api ??= createWebTransport(data);
    return;
  }
  const call = api?.call as AnyCall | undefined;
  // Every call gets an answer: the page would otherwise wait for it forever.
  const answer = call
    ? call(data.method, data.args)
    : Promise.resolve(err('internal', `${data.method}(): the contract worker has no connection yet`));
  void answer.then((result) => scope.postMessage({ id: data.id, result }));
});
