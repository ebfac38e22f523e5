// Helpers job types share: reading args given to create() with the original's error texts
// (job/errors.go: `<arg> not set in job args`, `<arg> in job args is type <T>, expected type <U>`),
// and JSON in the bytes a job serializes to.

import type { JsonObject, JsonValue } from '../../shared/proto';

/** The JSON-ish type name used in error texts. */
export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

export function argNotSet(name: string): Error {
  return new Error(`${name} not set in job args`);
}

export function argWrongType(name: string, got: unknown, expected: string): Error {
  return new Error(`${name} in job args is type ${typeName(got)}, expected type ${expected}`);
}

/** A required string arg. */
export function requireStringArg(args: JsonObject, name: string): string {
  const v = args[name];
  if (v === undefined || v === null) throw argNotSet(name);
  if (typeof v !== 'string') throw argWrongType(name, v, 'string');
  return v;
}

/** A required non-negative number arg; numeric strings ("6", "0.5") are accepted too. */
export function requireNumberArg(args: JsonObject, name: string): number {
  const v = args[name];
  if (v === undefined || v === null || v === '') throw argNotSet(name);
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v.trim()) : NaN;
  if (typeof v !== 'number' && typeof v !== 'string') throw argWrongType(name, v, 'number');
  if (!Number.isFinite(n) || n < 0)
    throw new Error(`${name} in job args must be a non-negative number, got ${JSON.stringify(v)}`);
  return n;
}

/** An arg value as text: strings as they are, anything else JSON-encoded. */
export function argText(v: JsonValue): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
}

export function jsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

/** Parses serialized job bytes as a JSON object; `what` names the job type in errors. */
export function parseJsonBytes(bytes: Uint8Array | null, what: string): Record<string, unknown> {
  if (bytes === null) throw new Error(`${what} job has no bytes to deserialize`);
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw new Error(`${what} job bytes are not JSON: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new Error(`${what} job bytes must be a JSON object, got ${typeName(v)}`);
  }
  return v as Record<string, unknown>;
}

/** Seconds with one decimal, e.g. `3.2s`. */
export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
