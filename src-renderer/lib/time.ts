// Time helpers: wire times (RFC 3339), job-log times (Unix ns as decimal strings, parsed with
// BigInt so no digit is lost before dividing down to ms), durations and relative times.

import type { Time } from '../../src-main/shared/proto';

/** Unix-ns decimal string -> ms since epoch (fractional ms kept); null for "0" (never ran). */
export function nsToMs(ns: string): number | null {
  if (!ns || ns === '0') return null;
  try {
    const big = BigInt(ns);
    if (big <= 0n) return null;
    return Number(big / 1000n) / 1000;
  } catch {
    return null;
  }
}

/** Wire time -> ms, or null for missing/zero times. */
export function timeMs(time: Time | null | undefined): number | null {
  if (!time || time.startsWith('0001-')) return null;
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * A compact duration: 850ms, 4.2s, 12s, 4m 05s, 2h 03m, 3d 4h. Like a stopwatch, each figure is
 * what has fully passed (59.9 s reads 59s, never 60s); no figure ('—') for an unknown, negative
 * or non-finite one.
 */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.floor(ms)}ms`;
  if (ms < 10_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** "12s ago", "5m ago", "3h ago", "2d ago" (whole units passed); future times read "in …". */
export function formatRelative(ms: number | null, now: number): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  const d = now - ms;
  const abs = Math.abs(d);
  let text: string;
  if (abs < 5_000) return 'just now';
  if (abs < 60_000) text = `${Math.floor(abs / 1000)}s`;
  else if (abs < 3_600_000) text = `${Math.floor(abs / 60_000)}m`;
  else if (abs < 86_400_000) text = `${Math.floor(abs / 3_600_000)}h`;
  else text = `${Math.floor(abs / 86_400_000)}d`;
  return d >= 0 ? `${text} ago` : `in ${text}`;
}

/** Absolute local time with date, for tooltips: 2026-11-27 22:55:31.692 */
export function formatAbsolute(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
  );
}

/** Duration of something that started and maybe finished (running: until now). */
export function elapsed(start: number | null, end: number | null, now: number): number | null {
  if (start === null) return null;
  return (end ?? now) - start;
}
