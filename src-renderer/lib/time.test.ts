// The times and durations an operator reads. A duration reads like a stopwatch: each unit is
// counted down to what has fully passed, so a figure never runs ahead of the truth nor shows a
// carry such as "1000ms", "10.0s" or "60s"; a figure that cannot be true (unknown, negative, not
// a number) reads "—".

import { describe, expect, it } from 'vitest';
import { elapsed, formatAbsolute, formatDuration, formatRelative, nsToMs, timeMs } from './time';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [0.4, '0ms'],
    [0.6, '0ms'],
    [850, '850ms'],
    [999, '999ms'],
    [999.4, '999ms'],
    [999.9, '999ms'],
    [1000, '1.0s'],
    [1049, '1.0s'],
    [4250, '4.2s'],
    [9949, '9.9s'],
    [9999, '9.9s'],
    [10_000, '10s'],
    [12_345, '12s'],
    [59_499, '59s'],
    [59_900, '59s'],
    [59_999, '59s'],
    [MINUTE, '1m 00s'],
    [4 * MINUTE + 5.9 * SECOND, '4m 05s'],
    [HOUR - 1, '59m 59s'],
    [HOUR, '1h 00m'],
    [2 * HOUR + 3 * MINUTE + 59 * SECOND, '2h 03m'],
    [DAY - 1, '23h 59m'],
    [DAY, '1d 0h'],
    [3 * DAY + 4 * HOUR + 59 * MINUTE, '3d 4h'],
    [400 * DAY, '400d 0h'],
  ])('%d ms reads %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each([null, -1, -0.5, -DAY, NaN, Infinity, -Infinity])('%s has no figure: —', (ms) => {
    expect(formatDuration(ms)).toBe('—');
  });
});

describe('formatRelative', () => {
  const NOW = Date.UTC(2026, 10, 27, 22, 0, 0);

  it.each([
    [0, 'just now'],
    [4999, 'just now'],
    [-4999, 'just now'],
    [5000, '5s ago'],
    [59_999, '59s ago'],
    [MINUTE, '1m ago'],
    [HOUR - 1, '59m ago'],
    [HOUR, '1h ago'],
    [DAY - 1, '23h ago'],
    [DAY, '1d ago'],
    [45 * DAY, '45d ago'],
    [-90 * SECOND, 'in 1m'],
    [-3 * HOUR, 'in 3h'],
  ])('%d ms before now reads %s', (before, text) => {
    expect(formatRelative(NOW - before, NOW)).toBe(text);
  });

  it.each([null, NaN, Infinity, -Infinity])('%s has no figure: —', (ms) => {
    expect(formatRelative(ms, NOW)).toBe('—');
  });
});

describe('formatAbsolute', () => {
  it('is the local date and time to the millisecond', () => {
    expect(formatAbsolute(new Date(2026, 10, 7, 2, 5, 3, 9).getTime())).toBe('2026-11-07 02:05:03.009');
    expect(formatAbsolute(new Date(2026, 0, 31, 23, 59, 59, 999).getTime())).toBe('2026-01-31 23:59:59.999');
  });

  it.each([null, NaN, Infinity])('%s has no figure: —', (ms) => {
    expect(formatAbsolute(ms)).toBe('—');
  });
});

describe('nsToMs', () => {
  it('keeps every digit of a Unix-ns string down to the microsecond', () => {
    expect(nsToMs('1700000000123456789')).toBe(1_700_000_000_123.456);
    expect(nsToMs('1000000')).toBe(1);
    expect(nsToMs('999')).toBe(0);
  });

  it.each(['0', '', '-5', 'abc', '1.5e9', ' '])('%j is never ran / unknown: null', (ns) => {
    expect(nsToMs(ns)).toBeNull();
  });
});

describe('timeMs', () => {
  it('parses wire times, with fractions and offsets', () => {
    expect(timeMs('2026-11-27T21:53:04Z')).toBe(Date.UTC(2026, 10, 27, 21, 53, 4));
    expect(timeMs('2026-11-27T21:53:04.25Z')).toBe(Date.UTC(2026, 10, 27, 21, 53, 4, 250));
    expect(timeMs('2026-11-27T23:53:04+02:00')).toBe(Date.UTC(2026, 10, 27, 21, 53, 4));
  });

  it.each([null, undefined, '', '0001-01-01T00:00:00Z', 'yesterday'])('%j is no time: null', (t) => {
    expect(timeMs(t)).toBeNull();
  });
});

describe('elapsed', () => {
  it('runs until now while unfinished, and is unknown without a start', () => {
    expect(elapsed(1000, 4000, 9000)).toBe(3000);
    expect(elapsed(1000, null, 9000)).toBe(8000);
    expect(elapsed(null, 4000, 9000)).toBeNull();
    // A start after now (clocks apart) is no figure the operator should read.
    expect(formatDuration(elapsed(9500, null, 9000))).toBe('—');
  });
});
