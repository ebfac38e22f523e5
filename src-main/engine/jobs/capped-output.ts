// Collects a stream's bytes up to a limit, keeping the head, and says how much it dropped:
// a command that prints gigabytes must not take the Job Runner's memory with it. What is kept
// may also go to a sink as it arrives (the try's spool file, try-spool.ts), under the same cap.

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

export class CappedOutput {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private dropped = 0;

  constructor(
    private readonly limit: number = DEFAULT_MAX_OUTPUT_BYTES,
    private readonly sink: OutputSink | null = null,
  ) {}

  write(chunk: Buffer): void {
    const room = this.limit - this.kept;
    const keep = chunk.length <= room ? chunk : room > 0 ? chunk.subarray(0, room) : null;
    if (keep) {
      this.chunks.push(keep);
      this.kept += keep.length;
      this.sink?.kept(keep);
    }
    if (keep !== chunk) {
      this.dropped += chunk.length - (keep?.length ?? 0);
      this.sink?.dropped(this.dropped);
    }
  }

  get droppedBytes(): number {
    return this.dropped;
  }

  /** The kept text (UTF-8), plus the truncation marker when bytes were dropped. */
  text(): string {
    return cappedText(Buffer.concat(this.chunks, this.kept), this.dropped);
  }
}

/** Kept bytes as text; when `dropped` > 0, cut at a character boundary and marked. */
export function cappedText(kept: Buffer, dropped: number): string {
  if (dropped === 0) return kept.toString('utf8');
  const end = utf8BoundaryAtOrBefore(kept, kept.length);
  return kept.subarray(0, end).toString('utf8') + truncationMarker(dropped + (kept.length - end));
}

/** The largest index <= `end` that does not split a UTF-8 sequence. */
function utf8BoundaryAtOrBefore(buf: Buffer, end: number): number {
  let i = end;
  // Step back over continuation bytes (at most 3) to the lead byte of the last sequence.
  while (i > 0 && end - i < 4 && ((buf[i - 1] as number) & 0xc0) === 0x80) i--;
  if (i === 0) return end;
  const lead = buf[i - 1] as number;
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return end - (i - 1) >= need ? end : i - 1;
}
