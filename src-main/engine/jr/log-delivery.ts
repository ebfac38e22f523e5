// Delivers one chain's job logs, then its finish call, to the Request Manager, in order,
// without ever blocking dispatch: the traverser only pushes onto a queue. A failed call is
// retried with exponential backoff (the original logged and dropped failed posts), so an RM
// that is down for a while loses nothing; finishRequest is sent only after every log of the
// chain was delivered. Only answers that can never succeed (4xx other than 408/429) and items
// older than `giveUpAfterMs` are dropped, loudly.

import type { JobLog, State } from '../../shared/proto';
import { LinkError, type RequestManagerLink } from '../links';
import type { Logger } from '../log';

export interface DeliveryPolicy {
  /** First retry delay; doubles on every failure up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** An item still undelivered this long after its first attempt is dropped (logged as an error). */
  giveUpAfterMs: number;
}

export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = {
  baseDelayMs: 100,
  maxDelayMs: 5000,
  giveUpAfterMs: 60 * 60 * 1000,
};

type Item = { kind: 'log'; log: JobLog } | { kind: 'finish'; state: State };

/** Errors that retrying cannot fix: the RM understood and refused. */
function isPermanent(err: unknown): boolean {
  if (!(err instanceof LinkError) || err.status === undefined) return false;
  return err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429;
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class ChainDelivery {
  private readonly queue: (Item | undefined)[] = [];
  private head = 0;
  private pumping = false;
  private cancelled = false;
  private wakeFromBackoff: (() => void) | null = null;
  private resolveFinished!: (delivered: boolean) => void;
  /** Resolves once the finish call was delivered (true) or given up (false). */
  readonly finished: Promise<boolean>;

  constructor(
    readonly requestId: string,
    private readonly rm: RequestManagerLink,
    private readonly logger: Logger,
    private readonly policy: DeliveryPolicy = DEFAULT_DELIVERY_POLICY,
  ) {
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
  }

  log(log: JobLog): void {
    this.push({ kind: 'log', log });
  }

  /** Queues the finish call; it goes out after every log queued before it. */
  finish(state: State): void {
    this.push({ kind: 'finish', state });
  }

  /** Number of items not yet delivered. */
  get pending(): number {
    return this.queue.length - this.head;
  }

  /** Stops retrying (shutdown): what is still queued is dropped and logged. */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.wakeFromBackoff?.();
    if (this.pending > 0) {
      this.logger.error('job runner shutting down: undelivered job logs dropped', {
        requestId: this.requestId,
        items: this.pending,
      });
    }
    this.resolveFinished(false);
  }

  private push(item: Item): void {
    this.queue.push(item);
    if (!this.pumping && !this.cancelled) void this.pump();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.head < this.queue.length && !this.cancelled) {
        const item = this.queue[this.head] as Item;
        const delivered = await this.deliver(item);
        if (this.cancelled) return;
        this.queue[this.head++] = undefined;
        if (item.kind === 'finish') this.resolveFinished(delivered);
        if (this.head > 1024 && this.head * 2 > this.queue.length) {
          this.queue.splice(0, this.head);
          this.head = 0;
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private send(item: Item): Promise<void> {
    return item.kind === 'log'
      ? this.rm.createJobLog(this.requestId, item.log)
      : this.rm.finishRequest(this.requestId, item.state);
  }

  private describe(item: Item): Record<string, string | number> {
    return item.kind === 'log'
      ? { requestId: this.requestId, what: 'job log', jobId: item.log.jobId, try: item.log.try }
      : { requestId: this.requestId, what: 'finish request', state: item.state };
  }

  /** Tries until delivered (true) or given up (false). */
  private async deliver(item: Item): Promise<boolean> {
    const firstAttempt = Date.now();
    let delay = this.policy.baseDelayMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.send(item);
        if (attempt > 1)
          this.logger.info('delivered to the request manager after retrying', { ...this.describe(item), attempt });
        return true;
      } catch (err) {
        if (this.cancelled) return false;
        if (isPermanent(err)) {
          this.logger.error('the request manager refused; dropped', { ...this.describe(item), error: errorText(err) });
          return false;
        }
        if (Date.now() - firstAttempt >= this.policy.giveUpAfterMs) {
          this.logger.error('cannot reach the request manager; giving up, dropped', {
            ...this.describe(item),
            attempts: attempt,
            error: errorText(err),
          });
          return false;
        }
        // Loud on the first failure, then on every power of two.
        if ((attempt & (attempt - 1)) === 0) {
          this.logger.warn('cannot deliver to the request manager; will retry', {
            ...this.describe(item),
            attempt,
            retryInMs: delay,
            error: errorText(err),
          });
        }
        await this.backoff(delay);
        if (this.cancelled) return false;
        delay = Math.min(delay * 2, this.policy.maxDelayMs);
      }
    }
  }

  private backoff(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeFromBackoff = () => {
        this.wakeFromBackoff = null;
        done();
      };
    });
  }
}
