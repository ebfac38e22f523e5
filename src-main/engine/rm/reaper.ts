// Ends requests the job runner has lost. Every `intervalMs` it asks the JR about each RUNNING
// request (J3); one the JR answers 404 for, continuously for longer than `graceMs`, is ended by
// the RM: FAIL with the job log `job runner lost the chain` (STOPPED if a stop was asked). The
// grace covers a finish call still on its way; while job logs of the request keep arriving,
// the JR is still delivering (finish comes after the logs) and the clock does not start. A JR
// that cannot be reached is no answer: nothing is ended while it is down, its requests are
// checked again when it is back. So a JR restart or crash never leaves a request RUNNING for
// ever. A request that cannot be ended now (the database cannot be written: disk full) is
// tried again on the next sweep; nothing a sweep meets stops the timer or the process.

import type { JobRunnerLink } from '../links';
import { silentLogger, type Logger } from '../log';
import { isChainUnknown } from './errors';
import type { RequestManager } from './request-manager';

export interface ReaperOptions {
  /** Time between sweeps (ms, default 5000). */
  intervalMs?: number;
  /** How long the JR must not know a request before it is ended (ms, default 10000). */
  graceMs?: number;
  logger?: Logger;
  now?: () => number;
}

export class RequestReaper {
  private readonly missingSince = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private readonly intervalMs: number;
  private readonly graceMs: number;
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(
    private readonly rm: RequestManager,
    private readonly jr: JobRunnerLink,
    opts: ReaperOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 5000;
    this.graceMs = opts.graceMs ?? 10_000;
    this.log = opts.logger ?? silentLogger;
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    this.timer ??= setInterval(() => {
      this.sweep().catch((err: unknown) => this.log.error('request reaper sweep failed', { error: errorText(err) }));
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.sweeping;
  }

  /** One pass over the RUNNING requests (sweeps never overlap). */
  sweep(): Promise<void> {
    this.sweeping ??= this.sweepOnce().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async sweepOnce(): Promise<void> {
    const running = this.rm.runningRequestIds();
    const stillRunning = new Set(running);
    for (const id of this.missingSince.keys()) if (!stillRunning.has(id)) this.missingSince.delete(id);
    const unended: string[] = [];
    let lastError = '';
    for (const id of running) {
      let known: boolean;
      try {
        await this.jr.jobChainStatus(id);
        known = true;
      } catch (err) {
        if (!isChainUnknown(err)) return; // JR down or failing: no verdict this time
        known = false;
      }
      // A JR still delivering the chain's logs has finished it and will send finish after them.
      if (!known && this.rm.msSinceLastLog(id) < this.graceMs) known = true;
      if (known) {
        this.missingSince.delete(id);
        continue;
      }
      const since = this.missingSince.get(id) ?? this.now();
      this.missingSince.set(id, since);
      if (this.now() - since >= this.graceMs) {
        try {
          if (this.rm.endLostRequest(id)) this.log.warn('job runner lost a request', { request: id });
          this.missingSince.delete(id);
        } catch (err) {
          // Still RUNNING and still unknown to the JR: the next sweep tries again.
          unended.push(id);
          lastError = errorText(err);
        }
      }
    }
    if (unended.length > 0) {
      this.log.error('cannot end requests the job runner lost; will retry', {
        requests: unended.length,
        first: unended[0],
        error: lastError,
      });
    }
  }
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));
