// The ranges the engine accepts for the values that make it wait or repeat. They are checked
// where values enter: spec load (the grapher), a job's args and bytes (create, deserialize),
// and every job chain the JR is given (check-chain.ts); so nothing out of range reaches a timer.

/** Longest wait anything in a chain may ask for: a try's timeout, a retry wait, a sleep (one year). */
export const MAX_WAIT_MS = 365 * 24 * 3600 * 1000;

/** Most retries of one job (so a failing job cannot log in a tight loop for ever). */
export const MAX_RETRY = 1000;

/** Why `ms` is not an acceptable wait (`what` names it), or null. */
export function waitProblem(what: string, ms: number): string | null {
  if (!Number.isFinite(ms) || ms < 0) return `${what} must be a non-negative number of milliseconds, got ${ms}`;
  if (ms > MAX_WAIT_MS) return `${what} ${ms} ms is longer than the longest wait allowed (${MAX_WAIT_MS} ms, one year)`;
  return null;
}

/** Why `n` is not an acceptable retry count, or null. */
export function retryProblem(n: number): string | null {
  if (!Number.isSafeInteger(n) || n < 0) return `retry must be a whole number from 0 to ${MAX_RETRY}, got ${n}`;
  if (n > MAX_RETRY) return `retry ${n} is more than the most retries allowed (${MAX_RETRY})`;
  return null;
}
