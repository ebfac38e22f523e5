// Slices of a job's output for the live-output answers (shared/live-output.ts): from a running
// try's capture (the JR), or from a stored job log's text once the try is over (the RM). Both
// count offsets in bytes of UTF-8 and never cut a character, so a follower that read the
// running try and then the log gets the log's text exactly.

import type { OutputSlice } from '../shared/live-output';
import { utf8BoundaryAtOrBefore, type OutputReader } from './jobs/capped-output';

/** Up to `max` bytes of a stream from `offset` (clamped to what there is). */
export function outputSlice(reader: OutputReader, offset: number, max: number): OutputSlice {
  const size = reader.size;
  const from = Math.min(offset, size);
  const bytes = reader.read(from, max);
  return { offset: from, next: from + bytes.length, text: bytes.toString('utf8'), size, dropped: reader.droppedBytes };
}

/** An empty slice at `offset`: nothing known past what the follower has. */
export const noOutput = (offset: number): OutputSlice => ({ offset, next: offset, text: '', size: offset, dropped: 0 });

const TRUNCATED = /\n\[spincycle: output truncated, (\d+) more bytes not kept\]\n$/;

/** A stored log's stream as a reader; `droppedBytes` is read from its truncation marker. */
export function storedText(text: string): OutputReader {
  const size = Buffer.byteLength(text, 'utf8');
  const dropped = Number(TRUNCATED.exec(text.slice(-120))?.[1] ?? 0);
  return {
    size,
    droppedBytes: dropped,
    read(offset, max) {
      const from = Math.max(0, Math.min(offset, size));
      const to = Math.min(size, from + max);
      if (to <= from) return Buffer.alloc(0);
      const bytes = Buffer.from(text, 'utf8');
      return bytes.subarray(from, utf8BoundaryAtOrBefore(bytes, to));
    },
  };
}
