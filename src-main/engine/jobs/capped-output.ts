// Collects a stream's bytes up to a limit, keeping the head, and says how much it dropped:
// a command that prints gigabytes must not take the Job Runner's memory with it. What is kept
// may also go to a sink as it arrives (the try's spool file, try-spool.ts), under the same cap,
// and can be read back from any byte offset while the command runs (live output).
//
// What is kept is always valid UTF-8: a chunk with invalid bytes is kept as its decoded text
// (each invalid sequence one U+FFFD), and a character split by a chunk's end waits for the next
// chunk. So the kept bytes are exactly the UTF-8 of the text the job log stores, and an offset
// into what was read live is an offset into the log's text too.

import { isUtf8 } from 'node:buffer';

export const DEFAULT_MAX_OUTPUT_BYTES = 10 * 1024 * 1024;

/** The line appended to output that was cut. */
export function truncationMarker(droppedBytes: number): string {
  return `\n[spincycle: output truncated, ${droppedBytes} more bytes not kept]\n`;
}

/** Where kept bytes go as they arrive, and the running count of dropped ones. */
export interface OutputSink {
  kept(chunk: Buffer): void;
  dropped(totalBytes: number): void;
}

/** What a running try printed on one stream so far, readable from any offset. */
export interface OutputReader {
  /** Bytes kept so far. */
  readonly size: number;
  /** Bytes printed past the cap so far. */
  readonly droppedBytes: number;
  /** Kept bytes [offset, offset + max), never ending inside a character. */
  read(offset: number, max: number): Buffer;
}

export class CappedOutput implements OutputReader {
  private readonly chunks: Buffer[] = [];
  /** Offset of each chunk's first byte. */
  private readonly starts: number[] = [];
  private kept = 0;
  private dropped = 0;
  /** The first bytes of a character the last chunk ended inside (at most 3). */
  private carry: Buffer | null = null;

  constructor(
    private readonly limit: number = DEFAULT_MAX_OUTPUT_BYTES,
    private readonly sink: OutputSink | null = null,
  ) {}

  write(chunk: Buffer): void {
    if (this.kept >= this.limit) return this.drop(chunk.length + this.takeCarry());
    let data = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = null;
    const whole = utf8BoundaryAtOrBefore(data, data.length);
    if (whole < data.length) {
      this.carry = Buffer.from(data.subarray(whole));
      data = data.subarray(0, whole);
    }
    if (!isUtf8(data)) data = Buffer.from(data.toString('utf8'));
    this.keep(data);
  }

  private keep(data: Buffer): void {
    if (data.length === 0) return;
    const room = this.limit - this.kept;
    const keep = data.length <= room ? data : room > 0 ? data.subarray(0, room) : null;
    if (keep) {
      this.chunks.push(keep);
      this.starts.push(this.kept);
      this.kept += keep.length;
      this.sink?.kept(keep);
    }
    if (keep !== data) this.drop(data.length - (keep?.length ?? 0));
  }

  private drop(bytes: number): void {
    if (bytes === 0) return;
    this.dropped += bytes;
    this.sink?.dropped(this.dropped);
  }

  private takeCarry(): number {
    const n = this.carry?.length ?? 0;
    this.carry = null;
    return n;
  }

  /** The stream has ended: a character it ended inside is kept as U+FFFD. */
  end(): void {
    const carry = this.carry;
    this.carry = null;
    if (carry) this.keep(Buffer.from(carry.toString('utf8')));
  }

  get size(): number {
    return this.kept;
  }

  get droppedBytes(): number {
    return this.dropped;
  }

  read(offset: number, max: number): Buffer {
    const from = Math.max(0, Math.min(offset, this.kept));
    const to = Math.min(this.kept, from + Math.max(0, max));
    if (to <= from) return Buffer.alloc(0);
    const parts: Buffer[] = [];
    for (let c = chunkAt(this.starts, from); c < this.chunks.length; c++) {
      const start = this.starts[c] as number;
      if (start >= to) break;
      const chunk = this.chunks[c] as Buffer;
      parts.push(chunk.subarray(Math.max(0, from - start), Math.min(chunk.length, to - start)));
    }
    const bytes = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
    return bytes.subarray(0, utf8BoundaryAtOrBefore(bytes, bytes.length));
  }

  /** The kept text (UTF-8), plus the truncation marker when bytes were dropped. */
  text(): string {
    this.end();
    return cappedText(Buffer.concat(this.chunks, this.kept), this.dropped);
  }
}

/** The index of the chunk holding byte `offset` (the last one starting at or before it). */
function chunkAt(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] as number) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Kept bytes as text; when `dropped` > 0, cut at a character boundary and marked. */
export function cappedText(kept: Buffer, dropped: number): string {
  if (dropped === 0) return kept.toString('utf8');
  const end = utf8BoundaryAtOrBefore(kept, kept.length);
  return kept.subarray(0, end).toString('utf8') + truncationMarker(dropped + (kept.length - end));
}

/** The largest index <= `end` that does not split a UTF-8 sequence. */
export function utf8BoundaryAtOrBefore(buf: Buffer, end: number): number {
  let i = end;
  // Step back over continuation bytes (at most 3) to the lead byte of the last sequence.
  while (i > 0 && end - i < 4 && ((buf[i - 1] as number) & 0xc0) === 0x80) i--;
  if (i === 0) return end;
  const lead = buf[i - 1] as number;
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return end - (i - 1) >= need ? end : i - 1;
}

/** What a reader holds so far as text, marked when bytes were dropped (a job log's stream). */
export function readerText(reader: OutputReader): string {
  const kept = reader.read(0, reader.size);
  return cappedText(kept, reader.droppedBytes + (reader.size - kept.length));
}
