// The moment running jobs' runtimes are shown as of: now while their RM answers (they tick),
// its last answer while it does not (a cached figure, which must say so and stand still).

import type { ContextStatus } from '../../src-main/shared/console-model';

export interface RuntimeClock {
  /** ms since epoch */
  readonly asOf: number;
  /** The RM does not answer: figures are as of its last answer. */
  readonly cached: boolean;
}

export function runtimeClock(now: number, status: ContextStatus | null | undefined): RuntimeClock {
  if (status?.online === false) return { asOf: status.lastOkMs ?? now, cached: true };
  return { asOf: now, cached: false };
}
