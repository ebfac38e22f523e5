// Delivers the job logs of tries a dead engine left in the spool (jobs/try-keeper.ts recover())
// to the Request Manager, and removes each try's spool folder once its log is stored. A log the
// RM already has (409) or refuses for good (4xx: the request is unknown there) is removed too;
// one that cannot be delivered now (RM down, disk full) stays in the spool and is tried again,
// with a pause doubling up to a minute, until it is stored or the job runner closes (the next
// start tries again).

import type { RequestManagerLink } from '../links';
import type { Logger } from '../log';
import type { RecoveredTry } from '../jobs/try-keeper';
import { isAlreadyStored, isPermanent } from './log-delivery';
import { errorText } from './job-return';

export class RecoveredTryDelivery {
  private pending: RecoveredTry[];
  private timer: NodeJS.Timeout | null = null;
  private delayMs = 1000;
  private cancelled = false;

  constructor(
    tries: RecoveredTry[],
    private readonly rm: RequestManagerLink,
    private readonly logger: Logger,
  ) {
    this.pending = tries;
  }

  /** Tries every log once; resolves then (what failed is retried in the background). */
  async start(): Promise<void> {
    await this.pass();
  }

  cancel(): void {
    this.cancelled = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async pass(): Promise<void> {
    const failed: RecoveredTry[] = [];
    let lastError = '';
    for (const t of this.pending) {
      if (this.cancelled) return;
      try {
        await this.rm.createJobLog(t.log.requestId, t.log);
        t.remove();
      } catch (err) {
        if (isAlreadyStored(err)) t.remove();
        else if (isPermanent(err)) {
          this.logger.warn('the request manager refused a recovered job log; dropped', {
            requestId: t.log.requestId,
            jobId: t.log.jobId,
            try: t.log.try,
            error: errorText(err),
          });
          t.remove();
        } else {
          failed.push(t);
          lastError = errorText(err);
        }
      }
    }
    this.pending = failed;
    if (failed.length === 0 || this.cancelled) return;
    this.logger.warn('cannot deliver recovered job logs yet; will retry', {
      logs: failed.length,
      retryInMs: this.delayMs,
      error: lastError,
    });
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pass().catch((err: unknown) =>
        this.logger.error('delivering recovered job logs failed', { error: errorText(err) }),
      );
    }, this.delayMs);
    this.timer.unref();
    this.delayMs = Math.min(this.delayMs * 2, 60_000);
  }
}
