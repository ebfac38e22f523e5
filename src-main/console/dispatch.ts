// Routes one untrusted call (method name + arguments object, as received by a transport)
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
  // No arguments object at all means "no arguments"; anything else is checked by the handler.
  if (args !== undefined && (typeof args !== 'object' || args === null || Array.isArray(args))) {
    const got = args === null ? 'null' : Array.isArray(args) ? 'an array' : typeof args;
    return err('bad-request', `${method}(): the arguments must be one object of named fields, got ${got}`);
  }
  try {
    return await handlers[method](args ?? {});
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    return err('internal', `${method}() failed: ${message}`);
  }
}
