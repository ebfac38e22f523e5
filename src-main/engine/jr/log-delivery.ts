// Delivers one chain's job logs, then its finish call, to the Request Manager without ever
// blocking dispatch: the traverser only pushes onto a queue, sending starts in a microtask
// (after the dispatch loop that produced the logs; an in-process RM link does its work then).
//
// - Logs go several to a call when the link can (our RM's batch route, log-batch-wire.ts): at
//   most `batchWindow` calls of the chain in flight, each carrying up to `maxBatch` logs, so the
//   logs that finish while a call is out go together in the next one. Otherwise (an original
//   RM, which answers the batch route 404, or a batch the RM refused whole as too large or
//   unreadable: 413, 400) one log per call, up to `window` of them in flight
//   (the RM groups the logs that arrive together into one transaction, and an HTTP round trip
//   per log one after the other would cap a chain at a few thousand jobs a second). Logs may
//   reach the RM in any order, as with the original, whose every job posted its own log.
// - A log that fails is retried with exponential backoff, so an RM that is down for a while
//   loses nothing. While failing, the chain sends one call at a time (the oldest undelivered
//   log alone) instead of hammering the RM with its whole window; the first answer reopens
//   the window. A batch answered with some logs failed counts as failing too.
// - No duplicates: a log is sent again only after its previous attempt failed, and a 409
//   `job log already exists` answer to it (the RM stored an attempt whose answer was lost) counts
//   as delivered.
// - finishRequest is sent only after every log of the chain was acknowledged (or dropped); for
//   a chain handed back (the JR shuts down), a suspend call instead (ours: our RM resumes it on
//   another JR).
// - With an epoch (the RM that gave the chain is ours, ownership.ts) every call names it; a
//   410 answer means another JR runs the chain now: nothing more is sent and `onStale` tells the
//   JR to drop it.
// - Dropped, loudly: answers that can never succeed (4xx other than 408/429) and, when a
//   policy sets one, items still undelivered `giveUpAfterMs` after their first attempt. By
//   default nothing is given up: a JR that reaches no RM keeps what it holds until one answers.

import type { JobLog, State } from '../../shared/proto';
import { LinkError, type RequestManagerLink } from '../links';
import type { Logger } from '../log';
import { isStale } from '../ownership';
import { errorText } from './job-return';

export interface DeliveryPolicy {
  /** First retry delay; doubles on every failure up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** An item still undelivered this long after its first attempt is dropped (logged as an error). */
  giveUpAfterMs: number;
  /** Most job logs of one chain in flight at once, one per call. */
  window: number;
  /** Most calls of one chain in flight at once when they carry several logs. */
  batchWindow: number;
  /** Most logs in one call (fewer when their text passes MAX_BATCH_BYTES). */
  maxBatch: number;
}

export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = {
  baseDelayMs: 100,
  maxDelayMs: 5000,
  giveUpAfterMs: Infinity,
  window: 32,
  batchWindow: 2,
  maxBatch: 1000,
};

/** A call stops taking logs once their text passes this (UTF-16 code units counted as bytes). */
export const MAX_BATCH_BYTES = 4 * 1024 * 1024;
const logBytes = (log: JobLog) => 256 + log.stdout.length + log.stderr.length + log.error.length;

/** A job log that has been sent at least once. */
interface Sent {
  log: JobLog;
  /** Queue order: failed logs are retried oldest first. */
  seq: number;
  firstAttempt: number;
  attempts: number;
}

/** The logs one call carries (one, unless the link takes several). */
type Call = Sent[];

/** The RM already stored this log (an earlier attempt got through, its answer did not). */
export function isAlreadyStored(err: unknown): boolean {
  return err instanceof LinkError && err.status === 409 && err.message.includes('job log already exists');
}

/** The RM refused a call's body as a whole (too large, or not readable): nothing of it was stored. */
const isUnreadable = (err: unknown): boolean => err instanceof LinkError && (err.status === 400 || err.status === 413);

/** Errors that retrying cannot fix: the RM understood and refused. */
export function isPermanent(err: unknown): boolean {
  if (!(err instanceof LinkError) || err.status === undefined) return false;
  return err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429;
}

const FINISH = 'finish';

export class ChainDelivery {
  /** Logs never sent yet, from `head` on. */
  private fresh: (JobLog | undefined)[] = [];
  private head = 0;
  private nextSeq = 0;
  /** Logs whose last attempt failed, oldest first. */
  private readonly failed: Sent[] = [];
  /** Calls carrying logs in flight, and the logs they carry. */
  private inFlight = 0;
  private inFlightLogs = 0;
  /** Logs go several to a call (the link can, and the RM has not said it cannot). */
  private batching: boolean;

  private finishState: State | null = null;
  /** The chain is handed back: the last call is suspend, not finish. */
  private suspending = false;
  private finishInFlight = false;
  private finishFirstAttempt = 0;
  private finishAttempts = 0;
  private finishSettled = false;

  /** Set by a retryable failure: one call at a time (the probe), after a backoff, until an answer. */
  private failing = false;
  private probe: Call | typeof FINISH | null = null;
  private probeFailures = 0;
  private delay: number;
  private timer: NodeJS.Timeout | null = null;
  private cancelled = false;
  private pumpQueued = false;

  private resolveFinished!: (delivered: boolean) => void;
  /** Resolves once the finish call was delivered (true) or given up (false). */
  readonly finished: Promise<boolean>;

  constructor(
    readonly requestId: string,
    private readonly rm: RequestManagerLink,
    private readonly logger: Logger,
    private readonly policy: DeliveryPolicy = DEFAULT_DELIVERY_POLICY,
    /** The run this JR holds, named on every call (undefined: the RM gave none). */
    readonly epoch?: number,
    /** The RM answered 410: another JR runs the chain now. */
    private readonly onStale: () => void = () => {},
  ) {
    this.delay = policy.baseDelayMs;
    this.batching = rm.createJobLogs !== undefined;
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
  }

  /** Queues a log; it is sent once the caller's synchronous work (e.g. a dispatch loop) is done. */
  log(log: JobLog): void {
    this.fresh.push(log);
    this.pumpSoon();
  }

  /** Queues the finish call; it goes out once every log queued before it was delivered. */
  finish(state: State): void {
    if (this.finishState !== null) return;
    this.finishState = state;
    this.pumpSoon();
  }

  /**
   * The chain is handed back (needs an epoch): the finish call, queued or to come, becomes a
   * suspend call. Call before the chain finishes.
   */
  handBack(): void {
    this.suspending = true;
  }

  private get window(): number {
    return this.batching ? this.policy.batchWindow : this.policy.window;
  }

  private pumpSoon(): void {
    if (this.pumpQueued || this.failing || this.cancelled || this.inFlight >= this.window) return;
    this.pumpQueued = true;
    queueMicrotask(this.queuedPump);
  }

  private readonly queuedPump = (): void => {
    this.pumpQueued = false;
    if (!this.failing && !this.cancelled) this.pump();
  };

  /** Number of items (logs and the finish call) not yet delivered. */
  get pending(): number {
    const finish = this.finishState !== null && !this.finishSettled ? 1 : 0;
    return this.fresh.length - this.head + this.failed.length + this.inFlightLogs + finish;
  }

  /** Stops retrying (shutdown): what is still queued is dropped and logged. */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending > 0) {
      this.logger.error('job runner shutting down: undelivered job logs dropped', {
        requestId: this.requestId,
        items: this.pending,
      });
    }
    this.resolveFinished(false);
  }

  // ---- sending --------------------------------------------------------------------------------

  /** Fills the window (not while failing); sends finish once nothing else is left. */
  private pump(): void {
    while (this.inFlight < this.window) {
      const call = this.takeCall(this.batching ? this.policy.maxBatch : 1);
      if (call.length === 0) break;
      this.sendLogs(call);
    }
    if (this.readyToFinish()) this.sendFinish();
  }

  /** The next logs to send, oldest failed first: at most `max`, and MAX_BATCH_BYTES of text once past the first. */
  private takeCall(max: number): Call {
    const call: Call = [];
    let bytes = 0;
    while (call.length < max && bytes < MAX_BATCH_BYTES) {
      const next = this.takeNext();
      if (next === null) break;
      call.push(next);
      bytes += logBytes(next.log);
    }
    return call;
  }

  private takeNext(): Sent | null {
    if (this.failed.length > 0) return this.failed.shift() as Sent;
    if (this.head === this.fresh.length) return null;
    const log = this.fresh[this.head] as JobLog;
    this.fresh[this.head++] = undefined;
    if (this.head === this.fresh.length) {
      this.fresh = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.fresh.length) {
      this.fresh.splice(0, this.head);
      this.head = 0;
    }
    return { log, seq: this.nextSeq++, firstAttempt: Date.now(), attempts: 0 };
  }

  private readyToFinish(): boolean {
    return (
      this.finishState !== null &&
      !this.finishSettled &&
      !this.finishInFlight &&
      this.inFlight === 0 &&
      this.failed.length === 0 &&
      this.head === this.fresh.length
    );
  }

  private sendLogs(call: Call): void {
    this.inFlight++;
    this.inFlightLogs += call.length;
    for (const item of call) item.attempts++;
    let sent: Promise<Array<unknown> | null>;
    try {
      sent =
        this.batching && this.rm.createJobLogs
          ? this.rm.createJobLogs(
              this.requestId,
              call.map((item) => item.log),
              this.epoch,
            )
          : this.rm.createJobLog(this.requestId, (call[0] as Sent).log, this.epoch).then(() => [null]);
    } catch (err) {
      sent = Promise.reject(err);
    }
    sent.then(
      (outcomes) => (outcomes === null ? this.oneByOne(call) : this.callAnswered(call, outcomes)),
      (err: unknown) =>
        call.length > 1 && isUnreadable(err)
          ? this.oneByOne(call)
          : this.callAnswered(call, null, err ?? new LinkError('the call failed')),
    );
  }

  /**
   * The RM stored nothing of the call and will not take logs several to a call: it has no batch
   * route, or could not read this batch as a whole (too large for it). The call's logs go again,
   * one per call, each to get its own answer.
   */
  private oneByOne(call: Call): void {
    this.inFlight--;
    this.inFlightLogs -= call.length;
    this.batching = false;
    for (const item of call) item.attempts--;
    this.requeue(call);
    if (this.cancelled) return;
    if (this.probe === call) {
      this.probe = null;
      this.sendProbe();
    } else if (!this.failing) this.pump();
  }

  private sendFinish(): void {
    this.finishInFlight = true;
    if (this.finishAttempts++ === 0) this.finishFirstAttempt = Date.now();
    let sent: Promise<void>;
    try {
      sent =
        this.suspending && this.rm.suspendRequest && this.epoch !== undefined
          ? this.rm.suspendRequest(this.requestId, this.epoch)
          : this.rm.finishRequest(this.requestId, this.finishState as State, this.epoch);
    } catch (err) {
      sent = Promise.reject(err);
    }
    sent.then(
      () => this.finishDone(true),
      (err: unknown) => this.finishFailed(err),
    );
  }

  // ---- answers --------------------------------------------------------------------------------

  /**
   * A call's answer: each log's outcome (null: stored), or `err` for all of them when the call
   * failed as a whole. Logs that may still get through go back in line; then the call counts as
   * failing (a retry after the backoff) if any did, else as answered.
   */
  private callAnswered(call: Call, outcomes: Array<unknown> | null, err?: unknown): void {
    this.inFlight--;
    this.inFlightLogs -= call.length;
    if (this.cancelled) return;
    let retryable: unknown = null;
    const retry: Sent[] = [];
    for (const [i, item] of call.entries()) {
      const outcome = outcomes === null ? err : outcomes[i];
      if (outcome === null || outcome === undefined) {
        if (item.attempts > 1) {
          this.logger.info('delivered to the request manager after retrying', {
            ...this.describeLog(item),
            attempt: item.attempts,
          });
        }
      } else if (isStale(outcome)) {
        return this.lostChain(outcome);
      } else if (isAlreadyStored(outcome)) {
        this.logger.info('the request manager already had this job log; delivered', {
          ...this.describeLog(item),
          attempt: item.attempts,
        });
      } else if (isPermanent(outcome)) {
        this.logger.error('the request manager refused; dropped', {
          ...this.describeLog(item),
          error: errorText(outcome),
        });
      } else {
        retryable ??= outcome;
        if (Date.now() - item.firstAttempt < this.policy.giveUpAfterMs) retry.push(item);
        else {
          this.logger.error('cannot reach the request manager; giving up, dropped', {
            ...this.describeLog(item),
            attempts: item.attempts,
            error: errorText(outcome),
          });
        }
      }
    }
    if (retryable === null) return this.answered(call);
    this.requeue(retry);
    this.retryLater(call, retryable);
  }

  /** Logs back in line, oldest first. */
  private requeue(items: Sent[]): void {
    for (const item of items) {
      let at = this.failed.length;
      while (at > 0 && (this.failed[at - 1] as Sent).seq > item.seq) at--;
      this.failed.splice(at, 0, item);
    }
  }

  private finishDone(delivered: boolean): void {
    this.finishInFlight = false;
    if (this.cancelled) return;
    if (delivered && this.finishAttempts > 1) {
      this.logger.info('delivered to the request manager after retrying', {
        ...this.describe(FINISH),
        attempt: this.finishAttempts,
      });
    }
    this.finishSettled = true;
    this.resolveFinished(delivered);
    this.answered(FINISH);
  }

  private finishFailed(err: unknown): void {
    if (this.cancelled) {
      this.finishInFlight = false;
      return;
    }
    if (isStale(err)) {
      this.finishInFlight = false;
      return this.lostChain(err);
    }
    if (isPermanent(err)) {
      this.logger.error('the request manager refused; dropped', { ...this.describe(FINISH), error: errorText(err) });
      return this.finishDone(false);
    }
    if (Date.now() - this.finishFirstAttempt >= this.policy.giveUpAfterMs) {
      this.logger.error('cannot reach the request manager; giving up, dropped', {
        ...this.describe(FINISH),
        attempts: this.finishAttempts,
        error: errorText(err),
      });
      return this.finishDone(false);
    }
    this.finishInFlight = false;
    this.retryLater(FINISH, err);
  }

  /** Another JR runs the chain now: send nothing more, and tell the JR. */
  private lostChain(err: unknown): void {
    this.logger.warn('the request manager gave the chain to another job runner; dropping it', {
      requestId: this.requestId,
      epoch: this.epoch,
      error: errorText(err),
    });
    this.cancelled = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.resolveFinished(false);
    this.onStale();
  }

  /** The RM answered (or the item was settled): leave the failing mode, refill the window. */
  private answered(item: Call | typeof FINISH): void {
    if (this.probe === item) this.probe = null;
    if (this.failing) {
      this.failing = false;
      this.probeFailures = 0;
      this.delay = this.policy.baseDelayMs;
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
    }
    this.pump();
  }

  /** A retryable failure: (keep) failing, probe again after the backoff. */
  private retryLater(item: Call | typeof FINISH, err: unknown): void {
    const wasProbe = this.probe === item;
    if (wasProbe) this.probe = null;
    if (!this.failing) {
      this.failing = true;
      this.delay = this.policy.baseDelayMs;
      this.warn(item, err, 1);
    } else if (wasProbe) {
      this.probeFailures++;
      this.delay = Math.min(this.delay * 2, this.policy.maxDelayMs);
      // Loud on the first failure, then on every power of two.
      const attempt = this.probeFailures + 1;
      if ((attempt & (attempt - 1)) === 0) this.warn(item, err, attempt);
    }
    if (this.probe === null && this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.sendProbe();
      }, this.delay);
    }
  }

  /** While failing: one call, the oldest undelivered log alone (or finish once nothing else is left). */
  private sendProbe(): void {
    if (this.cancelled || !this.failing || this.probe !== null) return;
    const next = this.takeCall(1);
    if (next.length > 0) {
      this.probe = next;
      return this.sendLogs(next);
    }
    if (this.readyToFinish()) {
      this.probe = FINISH;
      return this.sendFinish();
    }
    // Everything left is in flight: its answers decide (an answer ends the failing mode, a
    // failure schedules the next probe).
    if (this.inFlight === 0 && !this.finishInFlight) this.answered(FINISH);
  }

  private warn(item: Call | typeof FINISH, err: unknown, attempt: number): void {
    this.logger.warn('cannot deliver to the request manager; will retry', {
      ...this.describe(item),
      attempt,
      retryInMs: this.delay,
      error: errorText(err),
    });
  }

  private describe(item: Call | typeof FINISH): Record<string, string | number> {
    if (item === FINISH) {
      return {
        requestId: this.requestId,
        what: this.suspending ? 'hand back' : 'finish request',
        state: this.finishState ?? 0,
      };
    }
    const first = this.describeLog(item[0] as Sent);
    // Several: the first one's job and try name the call.
    return item.length === 1 ? first : { ...first, what: `${item.length} job logs` };
  }

  private describeLog(item: Sent): Record<string, string | number> {
    return { requestId: this.requestId, what: 'job log', jobId: item.log.jobId, try: item.log.try };
  }
}
