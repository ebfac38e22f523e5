// Routes one untrusted call (method name + argument array, as received by a transport)
// to the contract handlers. Never throws: unknown methods and bad shapes become
// 'bad-request' results, handler failures become 'internal' results.

import { clip } from '../shared/clip';
import { isMethodName } from '../shared/ipc';
import { err, type Result } from '../shared/result';
import type { ContractHandlers } from './handlers';

/** Longest method name echoed back in an error message. */
const MAX_ECHO = 64;

function echo(value: unknown): string {
  return clip(typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value)), MAX_ECHO);
}

export async function dispatch(handlers: ContractHandlers, method: unknown, args: unknown): Promise<Result<unknown>> {
  if (typeof method !== 'string') {
    return err('bad-request', `method must be a string, got ${method === null ? 'null' : typeof method}`);
  }
  if (!isMethodName(method)) {
    return err('bad-request', `unknown method '${echo(method)}'`);
  }
  if (!Array.isArray(args)) {
    return err('bad-request', `${method}(): args must be an array, got ${args === null ? 'null' : typeof args}`);
  }
  try {
    return await handlers[method](args);
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    return err('internal', `${method}() failed: ${message}`);
  }
}
