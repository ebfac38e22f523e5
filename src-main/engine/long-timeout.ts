// setTimeout for any delay. Node's timers hold at most 2^31 - 1 ms (~24.8 days): a longer delay
// fires after 1 ms, with only a warning. Every wait of the engine whose length comes from a
// spec, a chain or a job's args (timeouts, retry waits, sleeps) goes through here, which waits
// in steps no longer than that.

/** The longest delay one Node timer holds. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface LongTimeout {
  /** Stops the timer; `fn` will not be called. Idempotent. */
  cancel(): void;
}

/** Calls `fn` once after `ms` milliseconds (a finite number >= 0). */
export function setLongTimeout(fn: () => void, ms: number): LongTimeout {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`a delay must be a finite number of ms >= 0, got ${ms}`);
  let left = ms;
  let timer: NodeJS.Timeout;
  const arm = (): void => {
    const step = Math.min(left, MAX_TIMER_MS);
    timer = setTimeout(() => {
      left -= step;
      if (left > 0) arm();
      else fn();
    }, step);
  };
  arm();
  return { cancel: () => clearTimeout(timer) };
}
