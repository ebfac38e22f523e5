// Log text in chunks, counted in characters (Unicode code points, as SQLite counts them and as
// jobLogText offsets are given): splitting a stream into pieces of at most CHUNK_UNITS UTF-16
// units (never between the two halves of a surrogate pair), and measuring and slicing a piece
// by characters. Texts read back from SQLite hold no lone surrogates; a JS text given to SQLite
// with one stores U+FFFD, still one character, so the counts below match in both directions.

/** Most UTF-16 units in one stored piece (so at most this many characters too). */
export const CHUNK_UNITS = 256 * 1024;

export interface TextChunk {
  /** offset of the piece's first character in the whole text */
  start: number;
  /** characters in the piece */
  chars: number;
  text: string;
}

const HIGH_SURROGATE = /[\uD800-\uDBFF]/;

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/** Characters (code points) in a text. */
export function charCount(text: string): number {
  if (!HIGH_SURROGATE.test(text)) return text.length;
  let n = 0;
  for (let i = 0; i < text.length; i++, n++) {
    if (isHigh(text.charCodeAt(i)) && isLow(text.charCodeAt(i + 1))) i++;
  }
  return n;
}

/** Characters [from, to) of a text (clamped to it). */
export function sliceChars(text: string, start: number, end: number): string {
  const from = Math.max(0, start);
  const to = Math.max(from, end);
  if (!HIGH_SURROGATE.test(text)) return text.slice(from, to);
  let unitFrom = text.length;
  let unitTo = text.length;
  for (let i = 0, n = 0; i < text.length; i++, n++) {
    if (n === from) unitFrom = i;
    if (n === to) {
      unitTo = i;
      break;
    }
    if (isHigh(text.charCodeAt(i)) && isLow(text.charCodeAt(i + 1))) i++;
  }
  return unitFrom < unitTo ? text.slice(unitFrom, unitTo) : '';
}

/** Splits a text into pieces of at most `size` UTF-16 units, in order; '' gives no pieces. */
export function splitText(text: string, size = CHUNK_UNITS): TextChunk[] {
  if (size < 2) throw new Error(`chunk size must be at least 2 units, got ${size}`);
  const out: TextChunk[] = [];
  let start = 0;
  for (let i = 0; i < text.length;) {
    let end = Math.min(text.length, i + size);
    // Keep a surrogate pair together: end between its halves moves back by one.
    if (end < text.length && isHigh(text.charCodeAt(end - 1)) && isLow(text.charCodeAt(end))) end--;
    const piece = text.slice(i, end);
    const chars = charCount(piece);
    out.push({ start, chars, text: piece });
    start += chars;
    i = end;
  }
  return out;
}
