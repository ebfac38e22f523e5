// A log text indexed once for virtual rendering: line start offsets in a typed array (one pass of
// indexOf('\n'), ~2M lines for 100 MB), line lookup by offset (binary search), and search that
// returns match positions without splitting the text into strings.

export interface LogMatch {
  /** line index (0-based) */
  readonly line: number;
  /** offsets within the line */
  readonly start: number;
  readonly end: number;
}

export class LogIndex {
  readonly text: string;
  /** start offset of every line */
  readonly starts: Uint32Array | Float64Array;
  readonly lineCount: number;

  constructor(text: string) {
    this.text = text;
    // Count first so the array is allocated once.
    let count = 1;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count++;
    // A trailing newline does not start a visible line.
    if (text.endsWith('\n')) count--;
    if (text.length === 0) count = 0;
    const starts = text.length < 0xffffffff ? new Uint32Array(count) : new Float64Array(count);
    let line = 0;
    let pos = 0;
    while (line < count) {
      starts[line++] = pos;
      const nl = text.indexOf('\n', pos);
      if (nl === -1) break;
      pos = nl + 1;
    }
    this.starts = starts;
    this.lineCount = count;
  }

  line(i: number): string {
    const start = this.starts[i] ?? 0;
    const next = i + 1 < this.lineCount ? (this.starts[i + 1] ?? this.text.length) - 1 : this.text.length;
    const end = this.text.charCodeAt(next - 1) === 13 ? next - 1 : next; // drop \r of \r\n
    return this.text.slice(start, Math.max(start, i + 1 < this.lineCount ? end : trimNl(this.text, end)));
  }

  /** The line holding a text offset. */
  lineAt(offset: number): number {
    let lo = 0;
    let hi = this.lineCount - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= offset) lo = mid;
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
      const ls = this.starts[line] ?? 0;
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
