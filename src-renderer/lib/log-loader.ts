// Reads one stream of one try from console main in slices (jobLogText): a small first slice so
// the first lines paint at once, then the rest in large slices in the background, each appended
// to one LogIndex. The index is plain data (never made reactive); `onslice` tells the view.

import type { ConsoleApi } from '../../src-main/shared/ipc';
import { call } from './call';
import { LogIndex } from './log-index';

/** Characters in the first slice: a few thousand lines, enough for the first screens. */
export const FIRST_SLICE = 256 * 1024;
/** Characters per later slice (console main allows up to 8 MiB). */
export const SLICE = 8 * 1024 * 1024;

export interface LogRef {
  context: string;
  id: string;
  jobId: string;
  tryN: number;
  stream: 'stdout' | 'stderr';
}

export interface LogProgress {
  /** characters read so far, of `total` */
  loaded: number;
  total: number;
  done: boolean;
}

/** Starts reading; returns the index it fills and a function that stops reading. */
export function loadLog(
  api: ConsoleApi,
  ref: LogRef,
  onslice: (index: LogIndex, progress: LogProgress) => void,
  onerror: (e: unknown) => void,
): { index: LogIndex; cancel: () => void } {
  const index = new LogIndex();
  let cancelled = false;
  const read = (offset: number, length: number) =>
    call(api.jobLogText(ref.context, ref.id, ref.jobId, ref.tryN, ref.stream, offset, length));
  void (async () => {
    const t0 = performance.now();
    let offset = 0;
    let length = FIRST_SLICE;
    let slice = await read(offset, length);
    performance.measure('log:fetch', { start: t0, end: performance.now() });
    for (;;) {
      if (cancelled) return;
      const next = offset + length;
      const done = next >= slice.total || slice.text.length === 0;
      // Ask for the next slice before indexing this one: main reads while the page works.
      const pending = done ? null : read(next, SLICE);
      pending?.catch(() => undefined); // awaited below unless cancelled meanwhile
      index.append(slice.text);
      if (done) index.finish();
      onslice(index, { loaded: Math.min(next, slice.total), total: slice.total, done });
      if (!pending) return;
      offset = next;
      length = SLICE;
      slice = await pending;
    }
  })().catch((e: unknown) => {
    if (!cancelled) onerror(e);
  });
  return {
    index,
    cancel: () => {
      cancelled = true;
    },
  };
}
