// The last line a running command printed, on stdout or stderr (whichever printed last): a shell
// job's status text (Job.status(), the protocol's live `status`), so that any client of the
// status calls sees a long job's progress. A line ends at '\n' or '\r' (progress bars rewrite
// their line with '\r'); blank lines are skipped. A line still being printed counts once nothing
// more came for a while (a prompt, a "waiting for…" without newline), not while it arrives in
// pieces. Only the first bytes of a line are kept, and nothing is decoded until status is asked.

import stripAnsi from 'strip-ansi';

/** Bytes kept of one line. */
const LINE_BYTES = 1024;
/** Characters of the status text. */
const STATUS_CHARS = 200;
/** A line without its end yet becomes the status after this long. */
const PENDING_LINE_MS = 1000;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

const LF = 0x0a;
const CR = 0x0d;

/** Index of the last '\n' or '\r' at or before `at`, or -1. */
function lastBreak(buf: Buffer, at: number): number {
  if (at < 0) return -1;
  return Math.max(buf.lastIndexOf(LF, at), buf.lastIndexOf(CR, at));
}

function isBlank(buf: Buffer): boolean {
  for (let i = 0; i < buf.length; i++) if ((buf[i] as number) > 0x20) return false;
  return true;
}

export class LastLine {
  /** The last complete, non-blank line (its first LINE_BYTES). */
  private line: Buffer | null = null;
  /** The line being printed (its first LINE_BYTES), and since when. */
  private pending: Buffer = Buffer.alloc(0);
  private pendingSinceMs = 0;

  constructor(private readonly now: () => number = () => performance.now()) {}

  see(chunk: Buffer): void {
    const end = lastBreak(chunk, chunk.length - 1);
    if (end === -1) return this.extendPending(chunk);
    // The last non-blank line that ends in this chunk, looking back from its last break.
    for (let stop = end; ;) {
      const start = lastBreak(chunk, stop - 1) + 1;
      const piece = chunk.subarray(start, stop);
      if (start === 0) {
        // It began before this chunk: the pending line continues into it.
        const whole = this.pending.length > 0 ? Buffer.concat([this.pending, piece]) : piece;
        if (!isBlank(whole)) this.line = Buffer.from(whole.subarray(0, LINE_BYTES));
        break;
      }
      if (!isBlank(piece)) {
        this.line = Buffer.from(piece.subarray(0, LINE_BYTES));
        break;
      }
      stop = start - 1;
    }
    this.pending = Buffer.alloc(0);
    this.extendPending(chunk.subarray(end + 1));
  }

  private extendPending(piece: Buffer): void {
    if (piece.length === 0) return;
    if (this.pending.length === 0) this.pendingSinceMs = this.now();
    if (this.pending.length >= LINE_BYTES) return;
    this.pending = Buffer.concat([this.pending, piece.subarray(0, LINE_BYTES - this.pending.length)]);
  }

  /** The last line as plain text (no escapes or control characters, cut), or '' before any. */
  text(): string {
    const pendingShown =
      this.pending.length > 0 &&
      !isBlank(this.pending) &&
      (this.line === null || this.now() - this.pendingSinceMs >= PENDING_LINE_MS);
    const bytes = pendingShown ? this.pending : this.line;
    if (!bytes) return '';
    const plain = stripAnsi(bytes.toString('utf8')).replace(CONTROL, ' ').trim();
    const chars = [...plain];
    return chars.length > STATUS_CHARS ? `${chars.slice(0, STATUS_CHARS - 1).join('')}…` : plain;
  }
}
