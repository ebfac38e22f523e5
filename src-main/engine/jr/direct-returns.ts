// Tries whose run() returned its result directly (noop does) rather than a promise. They are
// queued by job index and settled in order once the start loop that started them is over, not
// through a promise each: a 10,000-child fan-out starts its children back to back with no
// promise, reaction or closure per child, and does not recurse into the next level of the chain
// from inside the loop.
//
// The clock is shared with the start loop: a direct return's return time is the next clock
// reading (the next job's start, or stamp() once the loop is over), so a start loop reads the
// clock once per job, not twice. That reading comes after the return it stamps by at most one
// dispatch's bookkeeping (well under 1 µs).

import type { JobReturn } from '../jobs/job';

/** What settles a queued try: job index, its result, when it returned (performance.now()). */
export type SettleTry = (i: number, ret: JobReturn, returnedMs: number) => void;

export class DirectReturns {
  /** Job indices, a FIFO: [head, tail) are waiting to be settled. */
  private queue = new Uint32Array(64);
  private head = 0;
  private tail = 0;
  private readonly results: (JobReturn | undefined)[];
  private readonly returnedMs: Float64Array;
  /** The job whose direct return has no return time yet, else -1. */
  private unstamped = -1;
  private draining = false;

  constructor(
    jobs: number,
    private readonly settle: SettleTry,
  ) {
    this.results = new Array<JobReturn | undefined>(jobs);
    this.returnedMs = new Float64Array(jobs);
  }

  /** performance.now(), which is also the return time of a direct return not stamped yet. */
  now(): number {
    const now = performance.now();
    if (this.unstamped >= 0) {
      this.returnedMs[this.unstamped] = now;
      this.unstamped = -1;
    }
    return now;
  }

  /** Reads the clock if a direct return is waiting for its return time. */
  stamp(): void {
    if (this.unstamped >= 0) this.now();
  }

  /** Job i's try returned `ret` directly; its return time is the next clock reading. */
  add(i: number, ret: JobReturn): void {
    this.unstamped = i;
    this.results[i] = ret;
    if (this.tail === this.queue.length) this.makeRoom();
    this.queue[this.tail++] = i;
  }

  /** Settles the queued tries in order (settling may start jobs and queue more) until none is left. */
  drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.head < this.tail) {
        this.stamp();
        const i = this.queue[this.head++]!;
        const ret = this.results[i]!;
        this.results[i] = undefined;
        this.settle(i, ret, this.returnedMs[i]!);
      }
      this.head = this.tail = 0;
    } finally {
      this.draining = false;
    }
  }

  /** Moves the waiting entries to the front, doubling the buffer when they fill half of it. */
  private makeRoom(): void {
    const waiting = this.tail - this.head;
    if (waiting * 2 > this.queue.length) {
      const bigger = new Uint32Array(this.queue.length * 2);
      bigger.set(this.queue.subarray(this.head, this.tail));
      this.queue = bigger;
    } else {
      this.queue.copyWithin(0, this.head, this.tail);
    }
    this.head = 0;
    this.tail = waiting;
  }
}
