// setLongTimeout under vitest's fake clock: a delay past what one Node timer holds fires when
// it is due, not at once (Node fires an overflowing setTimeout after 1 ms).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_TIMER_MS, setLongTimeout } from './long-timeout';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('setLongTimeout', () => {
  it.each([3_000_000_000, 2_200_000_000, MAX_TIMER_MS + 1, 3 * MAX_TIMER_MS])('waits the whole %i ms', (ms) => {
    const fired = vi.fn();
    setLongTimeout(fired, ms);
    vi.advanceTimersByTime(ms - 1);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(10 * MAX_TIMER_MS);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('fires short delays as setTimeout does, and never once cancelled (in any step)', () => {
    const short = vi.fn();
    setLongTimeout(short, 0);
    vi.advanceTimersByTime(0);
    expect(short).toHaveBeenCalledTimes(1);
    const long = vi.fn();
    const t = setLongTimeout(long, 3 * MAX_TIMER_MS);
    vi.advanceTimersByTime(MAX_TIMER_MS + 5);
    t.cancel();
    vi.advanceTimersByTime(5 * MAX_TIMER_MS);
    expect(long).not.toHaveBeenCalled();
  });

  it('refuses a delay that is not a finite number >= 0', () => {
    for (const ms of [-1, NaN, Infinity]) expect(() => setLongTimeout(() => {}, ms)).toThrow(RangeError);
  });
});
