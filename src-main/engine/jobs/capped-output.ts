// Collects a stream's bytes up to a limit, keeping the head, and says how much it dropped:
// a command that prints gigabytes must not take the Job Runner's memory with it.

export const DEFAULT_MAX_OUTPUT_BYTES = 10 * 1024 * 1024;

/** The line appended to output that was cut. */
export function truncationMarker(droppedBytes: number): string {
  return `\n[spincycle: output truncated, ${droppedBytes} more bytes not kept]\n`;
}

export class CappedOutput {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private dropped = 0;

  constructor(private readonly limit: number = DEFAULT_MAX_OUTPUT_BYTES) {}

  write(chunk: Buffer): void {
    const room = this.limit - this.kept;
    if (chunk.length <= room) {
      this.chunks.push(chunk);
      this.kept += chunk.length;
      return;
    }
    if (room > 0) {
      this.chunks.push(chunk.subarray(0, room));
      this.kept += room;
    }
    this.dropped += chunk.length - Math.max(room, 0);
  }

  get droppedBytes(): number {
    return this.dropped;
  }

  /** The kept text (UTF-8), plus the truncation marker when bytes were dropped. */
  text(): string {
    const all = Buffer.concat(this.chunks, this.kept);
    if (this.dropped === 0) return all.toString('utf8');
    const end = utf8BoundaryAtOrBefore(all, all.length);
    return all.subarray(0, end).toString('utf8') + truncationMarker(this.dropped + (all.length - end));
  }
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
