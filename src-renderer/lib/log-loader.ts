// Reads one stream of one try from console main in slices (jobLogText): a small first slice so
// the first lines paint at once, then the rest in the background, each appended to one
// LogIndex. The index is plain data (never made reactive); `onslice` tells the view.
//
// Later slices are small (512 K characters): receiving and indexing one is a short task for the
// page, so the log keeps scrolling while it loads (the page's cost is per character, so bigger
// slices only make longer tasks, not a faster load). The next slice is asked for before this one
// is indexed, so main reads while the page works; asking further ahead gains nothing.
// While the operator scrolls, reading waits for a pause (scroll-activity.ts) unless the view is
// near the end of what has been read: each slice's arrival costs the scrolling page a slow frame,
// and console main's reading competes with the page for the CPU.

import type { ConsoleApi } from '../../src-main/shared/ipc';
import type { JobLogText } from '../../src-main/shared/console-model';
import { call } from './call';
import { LogIndex } from './log-index';
import { afterScrolling } from './scroll-activity';

/** Characters in the first slice: a few thousand lines, enough for the first screens. */
export const FIRST_SLICE = 256 * 1024;
/** Characters per later slice (console main allows up to 8 MiB). */
export const SLICE = 512 * 1024;
/** Slices asked for ahead of the one being indexed. */
export const AHEAD = 1;

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

/** Starts reading; returns the index it fills and a function that stops reading.
 * `nearEnd` says the view shows lines close to the end of what has been read: reading then
 * goes on even while the operator scrolls. */
export function loadLog(
  api: ConsoleApi,
  ref: LogRef,
  onslice: (index: LogIndex, progress: LogProgress) => void,
  onerror: (e: unknown) => void,
  nearEnd: () => boolean = () => false,
): { index: LogIndex; cancel: () => void } {
  const index = new LogIndex();
  let cancelled = false;
  /** One slice; each read is a `log:slice` measure and each append a `log:append` one (benches read them). */
  const read = (offset: number, length: number) => readSlice(api, ref, offset, length, 'log:slice');
  void (async () => {
    const t0 = performance.now();
    const first = await read(0, FIRST_SLICE);
    performance.measure('log:fetch', { start: t0, end: performance.now() });
    if (cancelled) return;
    const total = first.total;
    let loaded = Math.min(total, FIRST_SLICE);
    let next = FIRST_SLICE;
    const add = (text: string, done: boolean) => {
      const t1 = performance.now();
      index.append(text);
      if (done) index.finish();
      performance.measure('log:append', { start: t1, end: performance.now() });
      onslice(index, { loaded, total, done });
    };
    const ahead: Array<Promise<JobLogText>> = [];
    const askAhead = (last: JobLogText) => {
      while (ahead.length < AHEAD && next < total && last.text.length > 0) {
        const pending = read(next, SLICE);
        pending.catch(() => undefined); // awaited below unless cancelled meanwhile
        ahead.push(pending);
        next += SLICE;
      }
    };
    const more = next < total && first.text.length > 0;
    add(first.text, !more);
    if (!more) return;
    // The first lines paint before the next slice can arrive and hold up that frame.
    await afterPaint();
    if (cancelled) return;
    askAhead(first);
    for (let pending = ahead.shift(); pending; pending = ahead.shift()) {
      const slice = await pending;
      if (cancelled) return;
      // While the operator scrolls, one slice per pause (or per MAX_WAIT_MS) unless the view needs it.
      await afterScrolling(nearEnd);
      if (cancelled) return;
      // Ask for the next slice before indexing this one: main reads while the page works.
      askAhead(slice);
      loaded = Math.min(total, loaded + SLICE);
      add(slice.text, ahead.length === 0);
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

/** Characters [offset, offset + length) of a log's stream (jobLogText), timed as the measure `measure`. */
export async function readSlice(
  api: ConsoleApi,
  ref: LogRef,
  offset: number,
  length: number,
  measure: string,
): Promise<JobLogText> {
  const t0 = performance.now();
  const slice = await call(
    api.call('jobLogText', {
      context: ref.context,
      id: ref.id,
      jobId: ref.jobId,
      try: ref.tryN,
      stream: ref.stream,
      offset,
      length,
    }),
  );
  performance.measure(measure, { start: t0, end: performance.now() });
  return slice;
}

/** Resolves once a frame has been produced (or after 100 ms: no frames in a hidden page). */
function afterPaint(): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 100);
    requestAnimationFrame(() =>
      setTimeout(() => {
        clearTimeout(timer);
        resolve();
      }, 0),
    );
  });
}
