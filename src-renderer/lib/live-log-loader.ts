// Reads a followed try's stream as it grows (jobLogText: `live` while the try's log is not
// cached) into one LogIndex: what is there now, then more each time console main says the try
// moved on (`poke`), or every second in case a word was missed. Once the try's log is cached the
// same call reads on from the log: the rest, then the index is finished. Offsets count
// characters (code points), as main's do.

import type { ConsoleApi } from '../../src-main/shared/ipc';
import { LogIndex } from './log-index';
import { readSlice, SLICE, type LogRef } from './log-loader';

/** A read when nothing was said for this long. */
const IDLE_READ_MS = 1000;

export interface LiveProgress {
  /** characters read so far */
  loaded: number;
  /** the try is over and everything of it was read */
  done: boolean;
}

/** Code points in a text (what main's offsets count). */
export function codePoints(text: string): number {
  let pairs = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) pairs++;
  }
  return text.length - pairs;
}

export function followLog(
  api: ConsoleApi,
  ref: LogRef,
  onslice: (index: LogIndex, progress: LiveProgress) => void,
  onerror: (e: unknown) => void,
): { index: LogIndex; poke: () => void; cancel: () => void } {
  const index = new LogIndex();
  let offset = 0;
  let cancelled = false;
  let reading = false;
  let again = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const read = async (): Promise<void> => {
    if (cancelled) return;
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    clearTimeout(timer);
    try {
      for (;;) {
        again = false;
        const slice = await readSlice(api, ref, offset, SLICE, 'log:live-slice');
        if (cancelled) return;
        offset += codePoints(slice.text);
        index.append(slice.text);
        const done = !slice.live && offset >= slice.total;
        if (done) index.finish();
        if (slice.text !== '' || done) onslice(index, { loaded: offset, done });
        if (done) return;
        if (offset < slice.total || again) continue;
        break;
      }
      timer = setTimeout(() => void read(), IDLE_READ_MS);
    } catch (e) {
      if (!cancelled) onerror(e);
    } finally {
      reading = false;
    }
  };
  void read();
  return {
    index,
    poke: () => void read(),
    cancel: () => {
      cancelled = true;
      clearTimeout(timer);
    },
  };
}
