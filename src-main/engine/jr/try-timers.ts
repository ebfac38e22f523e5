// The timers of one job, for the jobs that need them: a timeout (Job.args.timeout), a retry wait,
// an abandon (a try still running after stop or its timeout). A job with a timeout also gets its
// own AbortController per try, aborted by the timeout or, through a forwarding listener, by the
// chain's stop. Made on first use (JobTable.timersOf), so a chain of plain jobs has none and
// shares the chain's one stop signal.

import type { LongTimeout } from '../long-timeout';

export class TryTimers {
  timeout: LongTimeout | null = null;
  abandon: LongTimeout | null = null;
  retry: LongTimeout | null = null;
  private tryAbort: AbortController | null = null;
  private unlinkTryAbort: (() => void) | null = null;

  /** A signal of the try about to start: aborted by abortTry() or when `chain` aborts. */
  trySignal(chain: AbortSignal): AbortSignal {
    const tryAbort = new AbortController();
    const forward = (): void => tryAbort.abort(chain.reason);
    chain.addEventListener('abort', forward, { once: true });
    this.tryAbort = tryAbort;
    this.unlinkTryAbort = () => chain.removeEventListener('abort', forward);
    return tryAbort.signal;
  }

  /** Aborts the current try's signal (a no-op without one, or once it was aborted). */
  abortTry(reason: Error): void {
    this.tryAbort?.abort(reason);
  }

  /** Cancels every timer and forgets the try's signal. */
  clear(): void {
    this.timeout?.cancel();
    this.abandon?.cancel();
    this.retry?.cancel();
    this.timeout = this.abandon = this.retry = null;
    this.unlinkTryAbort?.();
    this.unlinkTryAbort = null;
    this.tryAbort = null;
  }
}
