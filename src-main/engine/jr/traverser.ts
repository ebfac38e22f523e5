// Runs one job chain (docs/protocol/runner.md §3-§7, with the upstream defects fixed): every job
// whose parents are all COMPLETE starts at once; each try leaves one job log; retries wait
// `retryWait` ms; a try longer than Job.args.timeout ms is aborted and logged TIMEOUT; stop
// aborts running tries (the whole process group for shell jobs), and a job that ignores it is
// abandoned after `abandonAfterMs`, so the chain ALWAYS finishes: COMPLETE when every job
// completed, else STOPPED when stopped, else FAIL.
//
// Every job goes through this life cycle. Each event has one handler below (the on* methods; a
// direct return is settled like a returned promise; endChain for the chain's end), and nothing
// else changes a job's phase:
//
//   phase        event                      next phase
//   PENDING      ready (parents COMPLETE)   RUNNING (try 1); FAILED unrun if the job cannot be made
//   PENDING      a stopped chain ends       STOPPED, logged as never started
//   RUNNING      timeout                    TIMED_OUT: the try is aborted, its abandon armed
//   RUNNING      stop                       STOPPING: the try is aborted, job.stop(), abandon armed
//   STOPPING     timeout                    TIMED_OUT
//   TIMED_OUT    stop                       TIMED_OUT, job.stop()
//   in flight    the try returned,          the try is logged (TIMEOUT if TIMED_OUT and it did not
//   (RUNNING,    or abandon                 return COMPLETE), then: COMPLETE if it returned COMPLETE
//   TIMED_OUT,                              (its children get `ready` unless the chain is stopping),
//   STOPPING)                               else STOPPED if the chain is stopping, else RETRY_WAIT
//                                           while a try is left, else FAILED
//   RETRY_WAIT   wait over                  RUNNING (the next try)
//   RETRY_WAIT   stop                       STOPPED
//
// Stop and timeout are events; the chain ends when no job is in flight or waiting any more.
//
// The speed lives in three helpers, so this file reads as the state machine: the per-job state
// is a JobTable of typed arrays (job-table.ts), tries that return their result directly are
// batched by DirectReturns (direct-returns.ts), and timers exist only for jobs that need them
// (try-timers.ts). Dispatch works on the precomputed ChainPlan: finishing a job touches only its
// children, started in one tight loop; the done check is a counter of active jobs. All jobs
// share the chain's stop AbortSignal. The clock (performance.now(), no bigint) is read when
// run() is called and when it returns; the readings serve the job log, J4's runtime and the
// dispatch latency alike.
// Live output: runningTry() finds a job's try in flight and what it printed so far (Job.output),
// off the hot path; a try abandoned after stop or timeout is logged with what it printed.

import { setMaxListeners } from 'node:events';
import {
  JobStatuses,
  STATE_COMPLETE,
  STATE_FAIL,
  STATE_RUNNING,
  STATE_STOPPED,
  STATE_TIMEOUT,
  type JobChainStatus,
  type JobLog,
  type JobStatus,
  type State,
} from '../../shared/proto';
import { readerText } from '../jobs/capped-output';
import type { JobFactory, JobReturn, TryOutput } from '../jobs/job';
import type { Logger } from '../log';
import { setLongTimeout } from '../long-timeout';
import type { ChainPlan } from './chain-plan';
import { unixNanosAt } from './clock';
import type { DispatchLatencyRecorder } from './dispatch-latency';
import { DirectReturns } from './direct-returns';
import { JobTable } from './job-table';
import { errorText, normalizeReturn, returnFromError } from './job-return';

/** Where a traverser's job logs and final state go (a ChainDelivery in the JR). */
export interface ChainOutput {
  log(log: JobLog): void;
  finish(state: State): void;
}

export interface TraverserOptions {
  factory: JobFactory;
  output: ChainOutput;
  logger: Logger;
  /** A job still running this long after stop (or its timeout) is abandoned. */
  abandonAfterMs: number;
  /**
   * Records every dispatch: from the moment the try that made a job ready returned to the
   * moment the job's run() is called (see dispatch-latency.ts).
   */
  latency?: DispatchLatencyRecorder;
  /** Called synchronously when the chain has finished (before output.finish is delivered). */
  onDone?: (state: State) => void;
}

export const NOT_STARTED_AFTER_STOP = 'not starting job because the request was stopped';

/** A job's phase in its life cycle (the table above), as stored in JobTable.phase. */
const Phase = {
  Pending: 0,
  Running: 1,
  TimedOut: 2,
  Stopping: 3,
  RetryWait: 4,
  Complete: 5,
  Failed: 6,
  Stopped: 7,
} as const;
type FinalPhase = typeof Phase.Complete | typeof Phase.Failed | typeof Phase.Stopped;

/** A try of the job is running (it may have been aborted): Running, TimedOut or Stopping. */
const inFlight = (p: number): boolean => p >= Phase.Running && p <= Phase.Stopping;
/** The job has started and not finished: in flight or waiting to retry (J3 and J4 list it). */
const isLive = (p: number): boolean => p >= Phase.Running && p <= Phase.RetryWait;

/** A job's run() result is a promise (or another thenable) rather than the result itself. */
function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function';
}

/** A job's try in flight, for live output. */
export interface RunningTry {
  try: number;
  status: string;
  output: TryOutput | null;
}

export class Traverser {
  readonly requestId: string;
  /** Resolves with the final state once every job has finished. */
  readonly done: Promise<State>;
  private resolveDone!: (state: State) => void;

  private readonly jobs: JobTable;
  private readonly returns: DirectReturns;
  private readonly stopSignal = new AbortController();
  /** Jobs started (or failed unrun) and not finished; a job finishing counts until its children started. */
  private active = 0;
  private startedCount = 0;
  private completeCount = 0;
  private stopping = false;
  private finalState: State | null = null;

  constructor(
    private readonly plan: ChainPlan,
    private readonly options: TraverserOptions,
  ) {
    this.requestId = plan.requestId;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    // Every job of the chain may listen to this one signal.
    setMaxListeners(Infinity, this.stopSignal.signal);
    // Every job is made up front; one that cannot be made fails when it is reached.
    this.jobs = new JobTable(plan, options.factory, this.stopSignal.signal);
    this.returns = new DirectReturns(plan.ids.length, (i, ret, returnedMs) => this.endTry(i, ret, returnedMs, false));
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  get isDone(): boolean {
    return this.finalState !== null;
  }

  start(): void {
    this.onReady(this.plan.first);
    this.returns.stamp();
    this.returns.drain();
  }

  /** Stops the chain: no job starts any more, running tries are aborted. Idempotent. */
  stop(): void {
    if (this.stopping || this.finalState !== null) return;
    this.stopping = true;
    this.stopSignal.abort(new Error('the request was stopped'));
    for (const i of this.liveJobs()) this.onStop(i);
  }

  /** J3: one entry per job with a live runner (running or waiting to retry), sorted by job id. */
  jobChainStatus(): JobChainStatus {
    const list: JobStatus[] = [];
    for (const i of this.liveJobs()) {
      list.push({
        requestId: '',
        jobId: this.plan.ids[i]!,
        state: STATE_RUNNING,
        status: this.statusText(i),
        runtime: 0,
        n: 0,
      });
    }
    list.sort(JobStatuses);
    return { requestId: this.requestId, jobStatuses: list.length > 0 ? list : null };
  }

  /** J4 entries for this chain's running jobs, appended to `out` (with their status text: ours only). */
  collectRunning(out: JobStatus[], nowMs: number): void {
    for (const i of this.liveJobs()) {
      out.push({
        requestId: this.requestId,
        jobId: this.plan.ids[i]!,
        state: STATE_RUNNING,
        status: this.statusText(i),
        runtime: (nowMs - this.jobs.startedMs[i]!) / 1000,
        n: this.jobs.startN[i]!,
      });
    }
  }

  /**
   * The try job `jobId` has in flight, its status and what it printed so far (null for job types
   * that do not capture output); null when it has none (not started, waiting to retry, finished,
   * or not in the chain).
   */
  runningTry(jobId: string): RunningTry | null {
    const i = this.indexOf(jobId);
    if (i < 0 || !inFlight(this.jobs.phase[i]!)) return null;
    return { try: this.jobs.tryNo[i]!, status: this.statusText(i), output: this.outputOf(i) };
  }

  /** The index of a job id (ids are sorted), or -1. */
  private indexOf(jobId: string): number {
    const ids = this.plan.ids;
    let lo = 0;
    let hi = ids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const id = ids[mid]!;
      if (id === jobId) return mid;
      if (id < jobId) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  private outputOf(i: number): TryOutput | null {
    try {
      return this.jobs.instances[i]?.output?.() ?? null;
    } catch {
      return null;
    }
  }

  /** Indices of the live jobs, a snapshot (O(chain size): for status and stop, not the hot path). */
  private liveJobs(): number[] {
    const out: number[] = [];
    if (this.active === 0) return out;
    const phase = this.jobs.phase;
    for (let i = 0; i < phase.length; i++) if (isLive(phase[i]!)) out.push(i);
    return out;
  }

  /** Whether try `tryNo` of job i is the job's current try and still in flight. */
  private isCurrentTry(i: number, tryNo: number): boolean {
    return this.jobs.tryNo[i] === tryNo && inFlight(this.jobs.phase[i]!);
  }

  // ---- events ---------------------------------------------------------------------------------

  /** PENDING, every parent COMPLETE: the first try starts. Returns whether it started (else FAILED unrun). */
  private onReady(i: number): boolean {
    const jobs = this.jobs;
    this.active++;
    const why = jobs.unusable[i];
    if (why !== null && why !== undefined) {
      this.returns.stamp();
      this.syntheticLog(i, STATE_FAIL, why);
      this.finish(i, Phase.Failed, -1);
      return false;
    }
    jobs.inheritData(i);
    jobs.startN[i] = ++this.startedCount;
    this.startTry(i);
    jobs.startedMs[i] = jobs.tryStartedMs[i]!;
    return true;
  }

  /** Chain stop, for one live job. */
  private onStop(i: number): void {
    switch (this.jobs.phase[i]) {
      case Phase.RetryWait:
        this.finish(i, Phase.Stopped, -1);
        return;
      case Phase.Running:
        this.jobs.phase[i] = Phase.Stopping;
        this.callJobStop(i);
        this.armAbandon(i, this.jobs.tryNo[i]!);
        return;
      case Phase.TimedOut: // its abandon was armed at the timeout
        this.callJobStop(i);
        return;
    }
  }

  /** The try's timeout fired (RUNNING or STOPPING). */
  private onTimeout(i: number, tryNo: number): void {
    if (!this.isCurrentTry(i, tryNo)) return;
    const timers = this.jobs.timersOf(i);
    timers.timeout = null;
    const wasRunning = this.jobs.phase[i] === Phase.Running;
    this.jobs.phase[i] = Phase.TimedOut;
    timers.abortTry(new Error(`timeout after ${this.jobs.timeoutMs[i]}ms`));
    if (wasRunning) this.armAbandon(i, tryNo); // a stopping try's abandon was armed at the stop
  }

  /** The try's run() promise settled. */
  private onTryReturned(i: number, tryNo: number, ret: JobReturn, returnedMs: number): void {
    if (!this.isCurrentTry(i, tryNo)) {
      this.options.logger.warn('a job returned after it was abandoned; its result is ignored', {
        requestId: this.requestId,
        jobId: this.plan.ids[i],
        try: tryNo,
      });
      return;
    }
    this.endTry(i, ret, returnedMs, false);
    this.returns.drain();
  }

  /** The try did not return within abandonAfterMs of its stop or timeout: log it and move on without it. */
  private onAbandon(i: number, tryNo: number): void {
    this.jobs.timersOf(i).abandon = null;
    if (!this.isCurrentTry(i, tryNo)) return;
    const why = this.jobs.phase[i] === Phase.TimedOut && !this.stopping ? 'timing out' : 'being stopped';
    const error = `the job did not return within ${this.options.abandonAfterMs}ms of ${why}; abandoned`;
    this.options.logger.warn('abandoning a job that does not return', {
      requestId: this.requestId,
      jobId: this.plan.ids[i],
      try: tryNo,
    });
    const state = this.stopping ? STATE_STOPPED : STATE_FAIL;
    // Its log keeps what it printed until now: what a follower of its live output has read.
    const output = this.outputOf(i);
    const stdout = output ? readerText(output.stdout) : '';
    const stderr = output ? readerText(output.stderr) : '';
    this.endTry(i, { state, exit: 1, error, stdout, stderr }, performance.now(), true);
    this.returns.drain();
  }

  /** RETRY_WAIT is over: the next try starts. */
  private onRetryWaitOver(i: number): void {
    this.jobs.timersOf(i).retry = null;
    this.startTry(i);
    this.returns.stamp();
    this.returns.drain();
  }

  // ---- transitions ----------------------------------------------------------------------------

  /** Starts the next try of job i: RUNNING. */
  private startTry(i: number): void {
    const jobs = this.jobs;
    const tryNo = ++jobs.tryNo[i]!;
    jobs.phase[i] = Phase.Running;
    let signal = this.stopSignal.signal;
    const timeout = jobs.timeoutMs[i]!;
    if (timeout > 0) {
      const timers = jobs.timersOf(i);
      signal = timers.trySignal(this.stopSignal.signal);
      timers.timeout = setLongTimeout(() => this.onTimeout(i, tryNo), timeout);
    }
    const ctx = jobs.contextOf(i, tryNo, signal);
    jobs.tryStartedMs[i] = this.returns.now();
    let ret: unknown;
    try {
      ret = jobs.instances[i]!.run(jobs.dataOf(i), ctx);
    } catch (err) {
      ret = returnFromError(err);
    }
    if (isThenable(ret)) {
      ret.then(
        (value) => this.onTryReturned(i, tryNo, normalizeReturn(value), performance.now()),
        (err: unknown) => this.onTryReturned(i, tryNo, returnFromError(err), performance.now()),
      );
      return;
    }
    // A plain result: settled after the current start loop (DirectReturns), in order.
    this.returns.add(i, normalizeReturn(ret));
  }

  /** The current try of job i is over (returned or abandoned): log it, then COMPLETE, STOPPED, RETRY_WAIT or FAILED. */
  private endTry(i: number, ret: JobReturn, returnedMs: number, abandoned: boolean): void {
    const jobs = this.jobs;
    const timedOut = jobs.phase[i] === Phase.TimedOut && ret.state !== STATE_COMPLETE;
    jobs.clearTimers(i);
    const spec = this.plan.jobs[i]!;
    const state = timedOut ? STATE_TIMEOUT : ret.state;
    const error = timedOut ? `timeout after ${jobs.timeoutMs[i]}ms${abandoned ? `; ${ret.error}` : ''}` : ret.error;
    const tryNo = jobs.tryNo[i]!;
    this.options.output.log({
      requestId: this.requestId,
      jobId: spec.id,
      try: tryNo,
      type: spec.type,
      startedAt: unixNanosAt(jobs.tryStartedMs[i]!),
      finishedAt: unixNanosAt(returnedMs),
      state,
      exit: ret.exit,
      error,
      stdout: ret.stdout,
      stderr: ret.stderr,
    });
    if (state === STATE_COMPLETE) return this.finish(i, Phase.Complete, returnedMs);
    if (this.stopping) return this.finish(i, Phase.Stopped, -1);
    if (tryNo < 1 + spec.retry) {
      jobs.phase[i] = Phase.RetryWait;
      jobs.timersOf(i).retry = setLongTimeout(() => this.onRetryWaitOver(i), spec.retryWait);
      return;
    }
    this.finish(i, Phase.Failed, -1);
  }

  /**
   * Job i reaches a final phase. COMPLETE makes its children ready (unless the chain is
   * stopping); `returnedMs` is when the try that completed it returned: its children's ready time.
   */
  private finish(i: number, phase: FinalPhase, returnedMs: number): void {
    const jobs = this.jobs;
    jobs.clearTimers(i);
    jobs.phase[i] = phase;
    if (phase === Phase.Complete) {
      this.completeCount++;
      const children = this.plan.children[i]!;
      if (!this.stopping && children.length > 0) {
        // Dispatch figures (dispatch-latency.ts): ready = when this try returned; `since` = when
        // the loop was free for the child: ready, or the previous sibling's start.
        const readyMs = returnedMs >= 0 ? returnedMs : performance.now();
        const { waitingOn, startedMs } = jobs;
        const latency = this.options.latency;
        let since = readyMs;
        for (let k = 0; k < children.length; k++) {
          const c = children[k]!;
          if (--waitingOn[c]! !== 0 || !this.onReady(c)) continue;
          const started = startedMs[c]!;
          latency?.record(started - readyMs, started - since);
          since = started;
        }
        this.returns.stamp();
      }
    }
    // This job counted as active while its children were dispatched, so a child finishing
    // synchronously (FAILED unrun) cannot end the chain before its siblings started.
    if (--this.active === 0) this.endChain();
  }

  /** No job in flight or waiting: the chain's final state, and a log for each job a stop kept from starting. */
  private endChain(): void {
    if (this.finalState !== null) return;
    const state =
      this.completeCount === this.plan.ids.length ? STATE_COMPLETE : this.stopping ? STATE_STOPPED : STATE_FAIL;
    if (this.stopping) {
      const phase = this.jobs.phase;
      for (let i = 0; i < phase.length; i++) {
        if (phase[i] !== Phase.Pending) continue;
        phase[i] = Phase.Stopped;
        this.syntheticLog(i, STATE_STOPPED, NOT_STARTED_AFTER_STOP);
      }
    }
    this.finalState = state;
    this.options.onDone?.(state);
    this.options.output.finish(state);
    this.resolveDone(state);
  }

  // ---- helpers --------------------------------------------------------------------------------

  private armAbandon(i: number, tryNo: number): void {
    this.jobs.timersOf(i).abandon = setLongTimeout(() => this.onAbandon(i, tryNo), this.options.abandonAfterMs);
  }

  private callJobStop(i: number): void {
    const warn = (err: unknown): void =>
      this.options.logger.warn('job stop failed', {
        requestId: this.requestId,
        jobId: this.plan.ids[i],
        error: errorText(err),
      });
    try {
      const r = this.jobs.instances[i]!.stop();
      if (isThenable(r)) r.then(undefined, warn);
    } catch (err) {
      warn(err);
    }
  }

  private statusText(i: number): string {
    try {
      return String(this.jobs.instances[i]!.status());
    } catch (err) {
      return `status unavailable: ${errorText(err)}`;
    }
  }

  private syntheticLog(i: number, state: State, error: string): void {
    const spec = this.plan.jobs[i]!;
    this.options.output.log({
      requestId: this.requestId,
      jobId: spec.id,
      try: 0,
      type: spec.type,
      startedAt: 0n,
      finishedAt: 0n,
      state,
      exit: 1,
      error,
      stdout: '',
      stderr: '',
    });
  }
}
