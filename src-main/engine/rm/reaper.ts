// The Request Manager's background work on RUNNING requests whose JR no longer runs them. With
// several RMs on one database it runs on whichever holds the lease `background` (renewed every
// sweep; another RM takes it over once it is not renewed for leaseTtlMs).
//
// Chains our JRs run (resumable runs) are resumed on another JR (RequestManager.resume) when
// - their JR has not answered its probes for deadAfterMs (hung, unreachable, or too busy to
//   answer: long enough that a loaded machine is not taken for a dead one), or its address has
//   refused connections for refusedAfterMs (killed: nothing listens there), or
// - it answers but no longer holds the chain at its epoch (it restarted) for graceMs, confirmed
//   by asking it (J3 404), or
// - it handed the chain back (suspended), or no JR took it the last time (no JR named).
// Probes are the JobRunnerPool's; a sweep every fastIntervalMs costs no call to a JR that
// answers.
//
// Chains an original JR runs (and `spincycle server`'s own) cannot be resumed. Every
// `intervalMs` the JR is asked about each (J3); one it answers 404 for, continuously for longer
// than `graceMs`, is ended by the RM: FAIL with the job log `job runner lost the chain` (STOPPED
// if a stop was asked). The grace covers a finish call still on its way; while job logs of the
// request keep arriving, the JR is still delivering (finish comes after the logs) and the clock
// does not start. A JR that cannot be reached is no answer: nothing is ended while it is down.
// A request that cannot be ended or resumed now (the database cannot be written: disk full) is
// tried again on the next sweep; nothing a sweep meets stops the timer or the process.

import type { StoredRun } from '../store/engine-store';
import { silentLogger, type Logger } from '../log';
import { isChainUnknown } from './errors';
import type { RequestManager } from './request-manager';

export interface ReaperOptions {
  /** Time between two checks of the chains an original JR runs (ms, default 5000). */
  intervalMs?: number;
  /** Time between two looks at the chains our JRs run (ms, default 500). */
  fastIntervalMs?: number;
  /** How long a JR must not know a request before it is ended or resumed (ms, default 10000). */
  graceMs?: number;
  /** How long one of our JRs may not answer before its chains are resumed elsewhere (ms, default 4000). */
  deadAfterMs?: number;
  /** How long its address may refuse connections before they are (ms, default 1000). */
  refusedAfterMs?: number;
  /** Work only while holding the database lease `background` as `holder` (several RMs). */
  lease?: { holder: string; ttlMs?: number };
  logger?: Logger;
  now?: () => number;
}

export const BACKGROUND_LEASE = 'background';

/** Chains looked at (and resumed) at once by a sweep. */
const RESUMES_AT_ONCE = 8;

/** Runs `tasks`, at most `limit` at a time; resolves when all have settled, a failure going to `onError`. */
async function inParallel(
  tasks: ReadonlyArray<() => Promise<void>>,
  limit: number,
  onError: (err: unknown) => void,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) await (tasks[next++] as () => Promise<void>)().catch(onError);
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}

export class RequestReaper {
  /** Original JRs' chains they answered 404 for, since when. */
  private readonly missingSince = new Map<string, number>();
  /** Our JRs' chains they no longer listed, since when. */
  private readonly unheldSince = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private lastSlowSweep = -Infinity;
  private holding = false;
  private readonly intervalMs: number;
  private readonly fastIntervalMs: number;
  private readonly graceMs: number;
  private readonly deadAfterMs: number;
  private readonly refusedAfterMs: number;
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(
    private readonly rm: RequestManager,
    private readonly opts: ReaperOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 5000;
    this.fastIntervalMs = Math.min(opts.fastIntervalMs ?? 500, this.intervalMs);
    this.graceMs = opts.graceMs ?? 10_000;
    this.deadAfterMs = opts.deadAfterMs ?? 4000;
    this.refusedAfterMs = opts.refusedAfterMs ?? Math.min(1000, this.deadAfterMs);
    this.log = opts.logger ?? silentLogger;
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    this.timer ??= setInterval(() => {
      const slow = this.now() - this.lastSlowSweep >= this.intervalMs - this.fastIntervalMs / 2;
      this.sweep(slow).catch((err: unknown) =>
        this.log.error('request reaper sweep failed', { error: errorText(err) }),
      );
    }, this.fastIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.sweeping;
    const lease = this.opts.lease;
    if (lease && this.holding) await this.rm.store.releaseLease(BACKGROUND_LEASE, lease.holder).catch(() => {});
  }

  /**
   * One pass over the RUNNING requests (sweeps never overlap); `withOriginals`: the chains of
   * original JRs too (the timer does so every intervalMs).
   */
  sweep(withOriginals = true): Promise<void> {
    this.sweeping ??= this.sweepOnce(withOriginals).finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async holdsLease(): Promise<boolean> {
    const lease = this.opts.lease;
    if (!lease) return true;
    const held = await this.rm.store.acquireLease(BACKGROUND_LEASE, lease.holder, lease.ttlMs ?? 3000);
    if (held !== this.holding) {
      this.log.info(
        held ? 'took the background lease (reaper, resumer)' : 'another request manager holds the background lease',
      );
      this.holding = held;
    }
    return held;
  }

  private async sweepOnce(withOriginals: boolean): Promise<void> {
    if (!(await this.holdsLease())) return;
    const runs = await this.rm.runningRuns();
    if (withOriginals) this.lastSlowSweep = this.now();
    const running = new Set(runs.map((r) => r.requestId));
    for (const id of this.unheldSince.keys()) if (!running.has(id)) this.unheldSince.delete(id);
    const originals: StoredRun[] = [];
    const ours: Array<() => Promise<void>> = [];
    for (const run of runs) {
      const jrUrl = run.jrUrl;
      if (run.suspended || (jrUrl === null && run.epoch > 0)) ours.push(() => this.rm.resume(run.requestId, null, run));
      else if (run.resumable && jrUrl !== null) ours.push(() => this.checkResumable(run, jrUrl));
      else originals.push(run);
    }
    // A lost JR's chains are resumed side by side: each takes a few round trips to the database.
    await inParallel(ours, RESUMES_AT_ONCE, (err) =>
      this.log.error('request reaper: a check failed', { error: errorText(err) }),
    );
    if (withOriginals) await this.checkOriginals(originals);
  }

  /** A chain of ours: resume it once its JR is dead or has lost it. */
  private async checkResumable(run: StoredRun, jrUrl: string): Promise<void> {
    const id = run.requestId;
    const pool = this.rm.jobRunners;
    // Nothing listening is a surer sign than no answer in time: a shorter wait.
    if (pool.downForMs(jrUrl) >= (pool.refused(jrUrl) ? this.refusedAfterMs : this.deadAfterMs)) {
      this.unheldSince.delete(id);
      return this.rm.resume(id, jrUrl, run);
    }
    const seen = pool.holds(jrUrl, id, run.epoch);
    // Not known yet, held, or told before the chain could have reached it.
    if (!seen || seen.held || seen.answeredAt < run.assignedAt + this.graceMs / 4) {
      this.unheldSince.delete(id);
      return;
    }
    const since = this.unheldSince.get(id) ?? this.now();
    this.unheldSince.set(id, since);
    if (this.now() - since < this.graceMs / 4) return;
    try {
      await pool.link(jrUrl).jobChainStatus(id);
      return; // it has the chain (at another epoch: its posts are refused, and it drops it)
    } catch (err) {
      if (!isChainUnknown(err)) return;
    }
    this.unheldSince.delete(id);
    await this.rm.resume(id, jrUrl, run);
  }

  /** Chains an original JR (or our in-process one) runs: end those it has not known for graceMs. */
  private async checkOriginals(runs: readonly StoredRun[]): Promise<void> {
    const stillRunning = new Set(runs.map((r) => r.requestId));
    for (const id of this.missingSince.keys()) if (!stillRunning.has(id)) this.missingSince.delete(id);
    const unended: string[] = [];
    let lastError = '';
    for (const run of runs) {
      const id = run.requestId;
      let known: boolean;
      try {
        await (await this.rm.jobRunnerOf(id, run)).jobChainStatus(id);
        known = true;
      } catch (err) {
        if (!isChainUnknown(err)) continue; // JR down or failing: no verdict this time
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
          if (await this.rm.endLostRequest(id)) this.log.warn('job runner lost a request', { request: id });
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
