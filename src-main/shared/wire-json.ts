// Go-compatible JSON reading and writing for the Spin Cycle wire format.
//
// Reading: JSON.parse, except that integers beyond 2^53 under the job-log time keys
// (startedAt/finishedAt, Unix nanoseconds) come back as exact bigints. JSON.parse cannot
// see a number's source text on Node 20, so the exact digits are taken from the text by a
// scan and handed to a reviver in document order. Pure-JS lossless parsers (lossless-json,
// json-bigint) do this too but walk every character in JS: on the 100 MB log bodies the
// console fetches that costs seconds, while the native parser stays at memory speed.
//
// Writing: what Go's encoding/json emits: struct fields in declaration order (the caller
// writes them), map keys sorted by bytes, `<`, `>`, `&`, U+2028 and U+2029 escaped, invalid
// UTF-16 replaced by U+FFFD, []byte as standard base64, bigints as plain digits.

export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Keys whose integer values are read as exact bigints when they exceed 2^53. */
const BIG_INT_KEYS = new Set(['startedat', 'finishedat']);
const BIG_INT_SCAN = /"(startedAt|finishedAt)"\s*:\s*(-?\d+)(?=\s*[,}])/gi;

/** Thrown for text that is not JSON. The message names where it broke. */
export class WireSyntaxError extends Error {
  override name = 'WireSyntaxError';
}

/** Parses JSON text; job-log nanosecond times keep every digit (as bigint when unsafe). */
export function parseWire(text: string): unknown {
  const digits: string[] = [];
  for (const m of text.matchAll(BIG_INT_SCAN)) digits.push(m[2] as string);
  try {
    if (digits.length === 0) return JSON.parse(text);
    let next = 0;
    return JSON.parse(text, function (key, value: unknown) {
      if (typeof value !== 'number' || !BIG_INT_KEYS.has(key.toLowerCase())) return value;
      const exact = digits[next];
      if (exact === undefined || Number(exact) !== value) return value;
      next++;
      return Number.isSafeInteger(value) ? value : BigInt(exact);
    });
  } catch (err) {
    // The reviver walks the document recursively: JSON nested tens of thousands deep exhausts the stack.
    if (err instanceof RangeError && /call stack/i.test(err.message))
      throw new WireSyntaxError('JSON nested too deep to read');
    const why = err instanceof Error ? err.message : String(err);
    throw new WireSyntaxError(text.trim() === '' ? 'empty body: expected JSON' : `malformed JSON: ${why}`);
  }
}

const GO_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/** Text that Go writes between quotes as it is: printable ASCII but `"`, `\`, `<`, `>` and `&`. */
const PLAIN_TEXT = /^[ !#-%'-;=?-[\]-~]*$/;

/** A JSON string literal exactly as Go's encoding/json writes it. */
export function goString(s: string): string {
  if (PLAIN_TEXT.test(s)) return `"${s}"`;
  const wellFormed = s.isWellFormed() ? s : s.toWellFormed();
  return JSON.stringify(wellFormed).replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c] as string);
}

/** Go sorts map keys by their UTF-8 bytes; for ASCII that is plain code-unit order. */
export function compareBytes(a: string, b: string): number {
  if (a === b) return 0;
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(a) && /^[\x00-\x7f]*$/.test(b)) return a < b ? -1 : 1;
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  for (let i = 0; i < Math.min(ea.length, eb.length); i++) {
    if (ea[i] !== eb[i]) return (ea[i] as number) - (eb[i] as number);
  }
  return ea.length - eb.length;
}

/** A number as Go's encoding/json writes a float64 (JavaScript's shortest form matches it). */
export function goNumber(n: number | bigint): string {
  if (typeof n === 'bigint') return n.toString();
  if (!Number.isFinite(n)) throw new TypeError(`cannot encode ${n} as JSON`);
  return Object.is(n, -0) ? '0' : String(n);
}

/** Any JSON value as Go writes an interface{}: objects are maps, so their keys are sorted. */
export function goAny(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string':
      return goString(v);
    case 'number':
    case 'bigint':
      return goNumber(v);
    case 'boolean':
      return v ? 'true' : 'false';
  }
  if (Array.isArray(v)) return `[${v.map(goAny).join(',')}]`;
  if (v instanceof Uint8Array) return goBytes(v);
  return goMap(v as Record<string, unknown>, goAny);
}

// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/;

/** A map with its keys sorted by bytes, each value written by `write`. */
export function goMap<T>(m: Record<string, T>, write: (value: T) => string): string {
  const keys = Object.keys(m);
  // ASCII keys sort by bytes in code-unit order, the default sort's.
  if (keys.every((k) => ASCII.test(k))) keys.sort();
  else keys.sort(compareBytes);
  return `{${keys.map((k) => `${goString(k)}:${write(m[k] as T)}`).join(',')}}`;
}

/** A slice: `null` when nil (undefined/null), else `[...]`. */
export function goSlice<T>(items: readonly T[] | null | undefined, write: (item: T) => string): string {
  return items == null ? 'null' : `[${items.map(write).join(',')}]`;
}

/** []byte as standard padded base64, or null. */
export function goBytes(bytes: Uint8Array | null): string {
  return bytes === null ? 'null' : `"${bytesToBase64(bytes)}"`;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let bin = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) {
    bin += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(bin);
}

/** Standard base64 (padding required, as Go's StdEncoding) to bytes; null when invalid. */
export function base64ToBytes(text: string): Uint8Array | null {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** An object literal from [key, already-encoded value] pairs, in the given (struct) order. */
export function goStruct(fields: ReadonlyArray<readonly [string, string]>): string {
  return `{${fields.map(([k, v]) => `${goString(k)}:${v}`).join(',')}}`;
}
