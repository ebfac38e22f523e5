// A log text indexed for virtual rendering: line start offsets in a typed array (one pass of
// indexOf('\n'), ~2M lines for 100 MB), built incrementally as slices of the text arrive
// (append), line lookup by offset (binary search), and search that returns match positions
// without splitting the text into strings.

export interface LogMatch {
  /** line index (0-based) */
  readonly line: number;
  /** offsets within the line */
  readonly start: number;
  readonly end: number;
}

export class LogIndex {
  /** the text so far (grows with append) */
  text = '';
  /** start offset of every line (the first `starts` entries of the array are used) */
  private startsArr = new Float64Array(1024);
  private nStarts = 1;

  constructor(text = '') {
    if (text) this.append(text);
  }

  /** Adds text at the end (a log read in slices): only the new part is scanned for line ends. */
  append(chunk: string): void {
    if (!chunk) return;
    const base = this.text.length;
    let arr = this.startsArr;
    let n = this.nStarts;
    for (let i = chunk.indexOf('\n'); i !== -1; i = chunk.indexOf('\n', i + 1)) {
      if (n === arr.length) {
        const bigger = new Float64Array(arr.length * 2);
        bigger.set(arr);
        arr = bigger;
      }
      arr[n++] = base + i + 1;
    }
    this.startsArr = arr;
    this.nStarts = n;
    this.text += chunk;
    // Keep the lower-case copy growing with the text (a slice at a time, while it loads).
    if (this.loweredText !== null || this.text.length === chunk.length) {
      const low = chunk.toLowerCase();
      this.loweredText =
        low.length === chunk.length && (this.loweredText ?? '').length === base ? (this.loweredText ?? '') + low : null;
    }
  }

  get starts(): Float64Array {
    return this.startsArr.subarray(0, this.lineCount);
  }

  /** Lines so far; a trailing newline does not start a visible line. */
  get lineCount(): number {
    if (this.text.length === 0) return 0;
    return this.startsArr[this.nStarts - 1] === this.text.length ? this.nStarts - 1 : this.nStarts;
  }

  line(i: number): string {
    const start = this.startsArr[i] ?? 0;
    const next = i + 1 < this.lineCount ? (this.startsArr[i + 1] ?? this.text.length) - 1 : this.text.length;
    const end = this.text.charCodeAt(next - 1) === 13 ? next - 1 : next; // drop \r of \r\n
    return this.text.slice(start, Math.max(start, i + 1 < this.lineCount ? end : trimNl(this.text, end)));
  }

  /** The line holding a text offset. */
  lineAt(offset: number): number {
    let lo = 0;
    let hi = this.lineCount - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.startsArr[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * Every match of a plain (case-insensitive) or regex query, capped at `limit`.
   * Returns null for an invalid regex.
   */
  search(query: string, regex: boolean, limit = 200_000): LogMatch[] | null {
    if (!query) return [];
    const out: LogMatch[] = [];
    const push = (offset: number, length: number) => {
      const line = this.lineAt(offset);
      const ls = this.startsArr[line] ?? 0;
      out.push({ line, start: offset - ls, end: offset - ls + Math.max(length, 1) });
    };
    if (regex) {
      let re: RegExp;
      try {
        re = new RegExp(query, 'gim');
      } catch {
        return null;
      }
      for (const m of this.text.matchAll(re)) {
        if (m[0].length === 0 && m.index === undefined) break;
        push(m.index, m[0].length);
        if (out.length >= limit) break;
      }
      return out;
    }
    // Plain text: lower-case once only when the query has letters to fold.
    const hasCase = query.toLowerCase() !== query.toUpperCase();
    const hay = hasCase ? this.lowered() : this.text;
    const needle = hasCase ? query.toLowerCase() : query;
    for (let i = hay.indexOf(needle); i !== -1; i = hay.indexOf(needle, i + needle.length)) {
      push(i, needle.length);
      if (out.length >= limit) break;
    }
    return out;
  }

  /**
   * The whole text is in: joins the pieces appended (V8 keeps `a + b` as a rope and would join
   * it on the first search) and readies the lower-case copy, so searches only search.
   */
  finish(): void {
    this.text.indexOf('\u0000');
    this.lowered().indexOf('\u0000');
  }

  /** Prepares case-insensitive search ahead of time (call when idle). */
  prepareSearch(): void {
    this.lowered();
  }

  private loweredText: string | null = null;
  private lowered(): string {
    // toLowerCase keeps offsets for the texts logs hold (ASCII and most of Unicode).
    if (this.loweredText === null) this.loweredText = this.text.toLowerCase();
    return this.loweredText.length === this.text.length ? this.loweredText : this.text;
  }
}

function trimNl(text: string, end: number): number {
  let e = end;
  while (e > 0 && (text.charCodeAt(e - 1) === 10 || text.charCodeAt(e - 1) === 13)) e--;
  return e;
}

const ERROR_LINE = /\b(error|fatal|panic|exception|traceback|failed|failure)\b/i;

/** First line that looks like an error (one regex pass over the text), or -1. */
export function firstErrorLine(index: LogIndex): number {
  const m = ERROR_LINE.exec(index.text);
  return m ? index.lineAt(m.index) : -1;
}
