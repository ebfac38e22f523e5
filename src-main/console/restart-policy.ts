// When the embedded engine's supervisor starts a failed engine again, and when it stops trying.
// Pure: the supervisor reports each failure (what happened, and how long the process ran) and
// gets back the pause before the next start, or the reason it gives up. A run that lasted
// `healthyAfterMs` was healthy: the failures before it are forgotten.

export interface RestartPolicyOptions {
  /** Give up after this many failures in a row that all say the same thing (default 3). */
  readonly identicalFailures?: number;
  /** Give up after this many short-lived failures in a row, whatever they say (default 10). */
  readonly maxFailures?: number;
  /** A run at least this long counts as healthy (default 60 s). */
  readonly healthyAfterMs?: number;
  /** Pause before the n-th start in a row (n ≥ 1): default 0.5 s, doubling up to 30 s. */
  readonly pauseMs?: (n: number) => number;
}

export type RestartDecision = { action: 'restart'; pauseMs: number } | { action: 'give-up'; reason: string };

const ISO_TIME = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?\s*/g;

/** What makes two failures "the same": their text without timestamps and extra spaces. */
export function failureSignature(reason: string): string {
  return reason.replace(ISO_TIME, '').replace(/\s+/g, ' ').trim();
}

const defaultPause = (n: number): number => Math.min(500 * 2 ** Math.min(n - 1, 6), 30_000);

export class RestartPolicy {
  readonly #identical: number;
  readonly #max: number;
  readonly #healthyAfterMs: number;
  readonly #pauseMs: (n: number) => number;
  #streak: string[] = [];

  constructor(options: RestartPolicyOptions = {}) {
    this.#identical = options.identicalFailures ?? 3;
    this.#max = options.maxFailures ?? 10;
    this.#healthyAfterMs = options.healthyAfterMs ?? 60_000;
    this.#pauseMs = options.pauseMs ?? defaultPause;
  }

  /** One failure: `reason` says what happened, `ranMs` how long the process had run. */
  failed(reason: string, ranMs: number): RestartDecision {
    if (ranMs >= this.#healthyAfterMs) this.#streak = [];
    this.#streak.push(failureSignature(reason));
    const recent = this.#streak.slice(-this.#identical);
    if (recent.length === this.#identical && recent.every((s) => s === recent[0])) {
      return { action: 'give-up', reason: `stopped restarting after ${this.#identical} identical failures: ${reason}` };
    }
    if (this.#streak.length >= this.#max) {
      return {
        action: 'give-up',
        reason: `stopped restarting after ${this.#max} failures in a row; the last: ${reason}`,
      };
    }
    return { action: 'restart', pauseMs: this.#pauseMs(this.#streak.length) };
  }

  /** Forget past failures (a fresh start asked for by the console). */
  reset(): void {
    this.#streak = [];
  }
}
