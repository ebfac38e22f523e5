// A log text indexed for virtual rendering: line start offsets in a typed array (one pass of
// indexOf('\n'), ~2M lines for 100 MB), built incrementally as slices of the text arrive
// (append), line lookup by offset (binary search), and search that returns match positions
// without splitting the text into lines.
//
// The text is never made one string while it loads (nor after): it is kept as pieces cut at
// line ends (a slice's unfinished last line waits for the next slice), each with a lower-case
// copy for case-insensitive search, made when idle (prepareSearch) or by the first search. Growing one string instead (`text += slice`) makes V8 flatten the whole rope,
// copying everything read so far, on the next read of a line, and joining 100 MB at the end is
// a long task that freezes the page. Search runs piece by piece (a match never spans two lines,
// so never two pieces); `text` joins the pieces only for copy and save.

export interface LogMatch {
  /** line index (0-based) */
  readonly line: number;
  /** offsets within the line */
  readonly start: number;
  readonly end: number;
}

export class LogIndex {
  /** whole lines, each piece ending with '\n' (the last one may not, after finish) */
  private pieces: string[] = [];
  /** each piece in lower case (the piece itself where lower case would change its length); made lazily */
  private lows: Array<string | undefined> = [];
  /** pieces before this one have their lower-case copy */
  private lowered = 0;
  /** offset of each piece's first character */
  private pieceStarts: number[] = [];
  private piecesLength = 0;
  /** the last line, still without its '\n' */
  private tail = '';
  /** start offset of every line (the first `starts` entries of the array are used) */
  private startsArr = new Float64Array(1024);
  private nStarts = 1;

  constructor(text = '') {
    if (text) {
      this.append(text);
      this.finish();
    }
  }

  /** Adds text at the end (a log read in slices): only the new part is scanned for line ends. */
  append(chunk: string): void {
    if (!chunk) return;
    const base = this.length;
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
    const cut = chunk.lastIndexOf('\n');
    if (cut === -1) {
      this.tail += chunk;
      return;
    }
    this.pushPiece(this.tail + chunk.slice(0, cut + 1));
    this.tail = chunk.slice(cut + 1);
  }

  /** The whole text is in: its last line (if it has no '\n') becomes the last piece. */
  finish(): void {
    if (this.tail) this.pushPiece(this.tail);
    this.tail = '';
  }

  private pushPiece(piece: string): void {
    this.pieces.push(piece);
    this.lows.push(undefined);
    this.pieceStarts.push(this.piecesLength);
    this.piecesLength += piece.length;
  }

  private low(p: number): string {
    let low = this.lows[p];
    if (low === undefined) {
      const piece = this.pieces[p] ?? '';
      low = piece.toLowerCase();
      if (low.length !== piece.length) low = piece;
      this.lows[p] = low;
    }
    return low;
  }

  /**
   * Makes the lower-case copies a search needs, while `more()` says there is time (an idle
   * callback's deadline); true when all are made.
   */
  prepareSearch(more: () => boolean = () => true): boolean {
    while (this.lowered < this.pieces.length && more()) this.low(this.lowered++);
    return this.lowered === this.pieces.length;
  }

  /** The whole text so far as one string (copy, save): joins every piece, a full copy. */
  get text(): string {
    return this.pieces.join('') + this.tail;
  }

  /** Characters so far. */
  get length(): number {
    return this.piecesLength + this.tail.length;
  }

  get starts(): Float64Array {
    return this.startsArr.subarray(0, this.lineCount);
  }

  /** Lines so far; a trailing newline does not start a visible line. */
  get lineCount(): number {
    const len = this.length;
    if (len === 0) return 0;
    return this.startsArr[this.nStarts - 1] === len ? this.nStarts - 1 : this.nStarts;
  }

  line(i: number): string {
    const count = this.lineCount;
    const start = this.startsArr[i] ?? 0;
    let end = i + 1 < count ? (this.startsArr[i + 1] ?? this.length) - 1 : this.length;
    if (i + 1 < count) {
      if (end > start && this.charCodeAt(end - 1) === 13) end--; // drop \r of \r\n
    } else {
      while (end > start && (this.charCodeAt(end - 1) === 10 || this.charCodeAt(end - 1) === 13)) end--;
    }
    return this.slice(start, end);
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

  /** The piece holding offset `at` (pieces only: not the tail). */
  private pieceAt(at: number): number {
    let lo = 0;
    let hi = this.pieceStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.pieceStarts[mid] ?? 0) <= at) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private charCodeAt(at: number): number {
    if (at >= this.piecesLength) return this.tail.charCodeAt(at - this.piecesLength);
    const p = this.pieceAt(at);
    return (this.pieces[p] ?? '').charCodeAt(at - (this.pieceStarts[p] ?? 0));
  }

  /** Characters [from, to): within one piece, or the tail (a line never spans two pieces). */
  private slice(from: number, to: number): string {
    if (from >= this.piecesLength) return this.tail.slice(from - this.piecesLength, to - this.piecesLength);
    const p = this.pieceAt(from);
    const base = this.pieceStarts[p] ?? 0;
    return (this.pieces[p] ?? '').slice(from - base, to - base);
  }

  /** The pieces and the tail, each with its offset and lower-case copy. */
  private *segments(): Generator<{ base: number; text: string; low: () => string }> {
    for (let p = 0; p < this.pieces.length; p++) {
      yield { base: this.pieceStarts[p] ?? 0, text: this.pieces[p] ?? '', low: () => this.low(p) };
    }
    if (this.tail) {
      const tail = this.tail;
      const low = () => {
        const l = tail.toLowerCase();
        return l.length === tail.length ? l : tail;
      };
      yield { base: this.piecesLength, text: tail, low };
    }
  }

  /**
   * Every match of a plain (case-insensitive) or regex query, capped at `limit`.
   * Returns null for an invalid regex. A match does not span lines.
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
      for (const seg of this.segments()) {
        for (const m of seg.text.matchAll(re)) {
          push(seg.base + m.index, m[0].length);
          if (out.length >= limit) return out;
        }
      }
      return out;
    }
    // Plain text: in the lower-case copies only when the query has letters to fold.
    const hasCase = query.toLowerCase() !== query.toUpperCase();
    const needle = hasCase ? query.toLowerCase() : query;
    for (const seg of this.segments()) {
      const hay = hasCase ? seg.low() : seg.text;
      for (let i = hay.indexOf(needle); i !== -1; i = hay.indexOf(needle, i + needle.length)) {
        push(seg.base + i, needle.length);
        if (out.length >= limit) return out;
      }
    }
    return out;
  }
}

const ERROR_LINE = /\b(error|fatal|panic|exception|traceback|failed|failure)\b/;

/** First line that looks like an error (one regex pass over the text), or -1. */
export function firstErrorLine(index: LogIndex): number {
  return index.search(ERROR_LINE.source, true, 1)?.[0]?.line ?? -1;
}
