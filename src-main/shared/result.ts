// Errors cross process boundaries as data: every contract call resolves to a Result,
// never a thrown exception. Runtime-neutral (no node:*, no electron, no DOM).

/** Machine-readable error codes shared by main and renderer. */
export type ErrorCode =
  | 'bad-request' // unknown method, malformed frame, arguments failing validation
  | 'forbidden' // caller not allowed (wrong sender, missing token)
  | 'disconnected' // the transport is gone (renderer side)
  | 'internal' // a handler failed unexpectedly
  | 'not-found' // no such context, request or job
  | 'read-only' // an imported request: nothing can be sent about it
  | 'unreachable' // the context's Request Manager does not answer
  | 'rm-error'; // the Request Manager refused (its own message follows)

export interface ResultError {
  readonly code: ErrorCode;
  readonly message: string;
}

export type Ok<T> = { readonly ok: true; readonly value: T };
export type Err = { readonly ok: false; readonly error: ResultError };
export type Result<T> = Ok<T> | Err;

export function ok<T>(value: T): Ok<T> {
  return { ok: true, value };
}

export function err(code: ErrorCode, message: string): Err {
  return { ok: false, error: { code, message } };
}

const ERROR_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'bad-request',
  'forbidden',
  'disconnected',
  'internal',
  'not-found',
  'read-only',
  'unreachable',
  'rm-error',
]);

/** Structural check for values that arrived over a transport (JSON, structured clone). */
export function isResult(value: unknown): value is Result<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { ok?: unknown; value?: unknown; error?: unknown };
  if (v.ok === true) return 'value' in v;
  if (v.ok !== false || typeof v.error !== 'object' || v.error === null) return false;
  const e = v.error as { code?: unknown; message?: unknown };
  return typeof e.code === 'string' && ERROR_CODES.has(e.code) && typeof e.message === 'string';
}
