// Runs one job chain (docs/protocol/runner.md §3-§7, with the upstream defects fixed): every job whose
// parents are all COMPLETE starts at once; each try leaves one job log; retries wait
// `retryWait` ms; a try longer than Job.args.timeout ms is aborted and logged TIMEOUT; stop
// aborts running tries (the whole process group for shell jobs), and a job that ignores it is
// abandoned after `abandonAfterMs`, so the chain ALWAYS finishes: COMPLETE when every job
// completed, else STOPPED when stopped, else FAIL.
//
// Hot path: dispatch works on the precomputed ChainPlan (index arrays, in-degree counters);
// finishing a job touches only its children, started in one tight loop; the done check is a
// counter of active jobs. Per-job state lives in typed arrays indexed by job (try number, flags,
// clock readings), and each job's data object and first RunContext are made with the chain, so
// starting a job allocates next to nothing. Timers and per-try AbortControllers exist only for
// jobs that need them (timeout, retry wait, abandon). A try that returns its result directly
// (noop) is queued by index and settled after the start loop, not through a promise: a
// 10,000-child fan-out starts its children back to back with no promise, reaction or closure
// per child, leaving next to nothing for the garbage collector to collect in the middle of the
// loop (dispatch figures: docs/benchmarks.md). All jobs share the chain's stop
// AbortSignal. The clock (performance.now(), no bigint) is read when run() is called and when
// it returns, once per job in a start loop (see `unstamped`); the readings serve the job log,
// J4's runtime and the dispatch latency alike.
// Live output: runningTry() finds a job's running try and what it printed so far (Job.output),
// off the hot path; a try abandoned after stop or timeout is logged with what it printed.

import { setMaxListeners } from 'node:events';
import {
  JobStatuses,
  STATE_COMPLETE,
  STATE_FAIL,
  STATE_PENDING,
  STATE_RUNNING,
  STATE_STOPPED,
  STATE_TIMEOUT,
  type JobChainStatus,
  type JobLog,
  type JobStatus,
  type JsonObject,
  type State,
} from '../../shared/proto';
import { timeoutOf } from '../check-chain';
import { readerText } from '../jobs/capped-output';
import type { Job, JobFactory, JobReturn, RunContext, TryOutput } from '../jobs/job';
import type { Logger } from '../log';
import { setLongTimeout, type LongTimeout } from '../long-timeout';
import type { ChainPlan } from './chain-plan';
import { unixNanosAt } from './clock';
import type { DispatchLatencyRecorder } from './dispatch-latency';
import { mergeParentData } from './job-data';
import { normalizeReturn, returnFromError } from './job-return';

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

/** A job's running try, for live output. */
export interface RunningTry {
  try: number;
  status: string;
  output: TryOutput | null;
}

/** Timers and the try's own AbortController: only for jobs with a timeout, a retry or an abandon. */
class TryTimers {
  tryAbort: AbortController | null = null;
  unlinkTryAbort: (() => void) | null = null;
  timeoutTimer: LongTimeout | null = null;
  abandonTimer: LongTimeout | null = null;
  retryTimer: LongTimeout | null = null;

  clear(): void {
    this.timeoutTimer?.cancel();
    this.abandonTimer?.cancel();
    this.retryTimer?.cancel();
    this.timeoutTimer = this.abandonTimer = this.retryTimer = null;
    this.unlinkTryAbort?.();
    this.unlinkTryAbort = null;
    this.tryAbort = null;
  }
}

/** flags[i] bits, for the current try of job i. */
const TRY_SETTLED = 1;
const TRY_TIMED_OUT = 2;

/** A job's run() result is a promise (or another thenable) rather than the result itself. */
function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function';
}

/** No own or inherited enumerable key (for...in: no keys array allocated). */
function isEmpty(data: JsonObject | undefined): boolean {
  for (const _ in data) return false;
  return true;
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class Traverser {
  readonly requestId: string;
  /** Resolves with the final state once every job has finished. */
  readonly done: Promise<State>;
  private resolveDone!: (state: State) => void;

  private readonly instances: (Job | null)[];
  /** Why a job cannot run (factory make or deserialize failed), else null. */
  private readonly unusable: (string | null)[];
  private readonly timeoutMs: Float64Array;
  /** PENDING until started; RUNNING while a try runs or waits to retry; then its final state. */
  private readonly states: Uint8Array;
  /** Parents of each job not yet COMPLETE. */
  private readonly waitingOn: Uint32Array;
  /** The current try number (1-based; 0 = not started), TRY_* flags, and the Nth job started. */
  private readonly tries: Uint32Array;
  private readonly flags: Uint8Array;
  private readonly startN: Uint32Array;
  /**
   * performance.now() readings by job: its first try's run() called (when it was marked
   * RUNNING: J4's runtime, the dispatch figures), its current try's, and when its current try
   * returned (for tries settled from the queue).
   */
  private readonly startedMs: Float64Array;
  private readonly tryStartedMs: Float64Array;
  private readonly returnedMs: Float64Array;
  /** Each job's data: a fresh object made up front, replaced by the merge of its parents' data if any has keys. */
  private readonly data: JsonObject[];
  /** The RunContext of each job's first try, made up front (later tries get a new one). */
  private readonly firstTryContext: RunContext[];
  private readonly timers: (TryTimers | undefined)[];
  /** Jobs started and not finished (RUNNING). */
  private liveCount = 0;
  /** Tries that returned a plain result, by job index, settled in order by drain(). */
  private returned = new Uint32Array(64);
  private returnedHead = 0;
  private returnedTail = 0;
  private readonly returnedResult: (JobReturn | undefined)[];
  private draining = false;
  /**
   * A job whose try returned its result directly and whose return time is not read yet: the
   * next clock reading (the next job's start, or stampReturn() once a start loop ends) is its
   * return time. So a start loop reads the clock once per job, not twice; the reading comes
   * after the return it stamps, by at most one dispatch's bookkeeping (well under 1 µs).
   */
  private unstamped = -1;
  private readonly stopSignal = new AbortController();
  private startedCount = 0;
  private completeCount = 0;
  private active = 0;
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
    const n = plan.ids.length;
    this.instances = new Array<Job | null>(n).fill(null);
    this.unusable = new Array<string | null>(n).fill(null);
    this.timeoutMs = new Float64Array(n);
    this.states = new Uint8Array(n).fill(STATE_PENDING);
    this.waitingOn = plan.inDegree.slice();
    this.tries = new Uint32Array(n);
    this.flags = new Uint8Array(n);
    this.startN = new Uint32Array(n);
    this.startedMs = new Float64Array(n);
    this.tryStartedMs = new Float64Array(n);
    this.returnedMs = new Float64Array(n);
    this.data = new Array<JsonObject>(n);
    this.firstTryContext = new Array<RunContext>(n);
    this.timers = new Array<TryTimers | undefined>(n);
    this.returnedResult = new Array<JobReturn | undefined>(n);
    // Make every job, its data and its first RunContext up front (off the dispatch path, so that
    // starting a job allocates nothing); a failure is reported when the job is reached.
    for (let i = 0; i < n; i++) {
      const spec = plan.jobs[i]!;
      this.data[i] = {};
      this.firstTryContext[i] = { requestId: this.requestId, jobId: spec.id, try: 1, signal: this.stopSignal.signal };
      try {
        const job = options.factory.make(spec.type, spec.id);
        job.deserialize(spec.bytes);
        this.instances[i] = job;
      } catch (err) {
        this.unusable[i] = errorText(err) || 'job could not be made';
      }
      this.timeoutMs[i] = timeoutOf(spec.args);
    }
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  get isDone(): boolean {
    return this.finalState !== null;
  }

  start(): void {
    this.dispatch(this.plan.first);
    this.stampReturn();
    this.drain();
  }

  /** Stops the chain: no job starts any more, running tries are aborted. Idempotent. */
  stop(): void {
    if (this.stopping || this.finalState !== null) return;
    this.stopping = true;
    this.stopSignal.abort(new Error('the request was stopped'));
    for (const i of this.liveJobs()) {
      if (this.timers[i]?.retryTimer) {
        this.finishJob(i, STATE_STOPPED, -1);
        continue;
      }
      this.callJobStop(i);
      this.armAbandon(i, this.tries[i]!);
    }
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
        runtime: (nowMs - this.startedMs[i]!) / 1000,
        n: this.startN[i]!,
      });
    }
  }

  /**
   * The try job `jobId` is running now, its status and what it printed so far (null for job
   * types that do not capture output); null when the job runs no try (not started, waiting to
   * retry, finished, or not in the chain).
   */
  runningTry(jobId: string): RunningTry | null {
    const i = this.indexOf(jobId);
    if (i < 0 || this.states[i] !== STATE_RUNNING || this.flags[i]! & TRY_SETTLED || this.timers[i]?.retryTimer) {
      return null;
    }
    return { try: this.tries[i]!, status: this.statusText(i), output: this.outputOf(i) };
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
      return this.instances[i]!.output?.() ?? null;
    } catch {
      return null;
    }
  }

  /** Indices of the live (RUNNING) jobs, a snapshot (O(chain size): for status and stop, not the hot path). */
  private liveJobs(): number[] {
    const out: number[] = [];
    if (this.liveCount > 0) {
      const states = this.states;
      for (let i = 0; i < states.length; i++) if (states[i] === STATE_RUNNING) out.push(i);
    }
    return out;
  }

  private timersOf(i: number): TryTimers {
    return (this.timers[i] ??= new TryTimers());
  }

  // ---- traversal ------------------------------------------------------------------------------

  /** Starts job i (all its parents are COMPLETE); returns whether it started (else it failed unrun). */
  private dispatch(i: number): boolean {
    this.active++;
    const why = this.unusable[i];
    if (why !== null && why !== undefined) {
      this.stampReturn();
      this.syntheticLog(i, STATE_FAIL, why);
      this.finishJob(i, STATE_FAIL, -1);
      return false;
    }
    const parents = this.plan.parents[i]!;
    if (parents.length > 1 || (parents.length === 1 && !isEmpty(this.data[parents[0]!]))) {
      this.data[i] = mergeParentData(parents, this.data);
    }
    this.states[i] = STATE_RUNNING;
    this.startN[i] = ++this.startedCount;
    this.liveCount++;
    this.startTry(i);
    this.startedMs[i] = this.tryStartedMs[i]!;
    return true;
  }

  /** `returnedMs`: when the try that completed job i returned (its children's ready time). */
  private finishJob(i: number, state: State, returnedMs: number): void {
    if (this.states[i] === STATE_RUNNING) this.liveCount--;
    this.timers[i]?.clear();
    this.states[i] = state;
    if (state === STATE_COMPLETE) {
      this.completeCount++;
      const children = this.plan.children[i]!;
      if (!this.stopping && children.length > 0) {
        // Dispatch figures (dispatch-latency.ts): ready = when this try returned; `since` = when
        // the loop was free for the child: ready, or the previous sibling's start.
        const readyMs = returnedMs >= 0 ? returnedMs : performance.now();
        const { waitingOn, startedMs } = this;
        const latency = this.options.latency;
        let since = readyMs;
        for (let k = 0; k < children.length; k++) {
          const c = children[k]!;
          if (--waitingOn[c]! !== 0 || !this.dispatch(c)) continue;
          const started = startedMs[c]!;
          latency?.record(started - readyMs, started - since);
          since = started;
        }
        this.stampReturn();
      }
    }
    // This job counted as active while its children were dispatched, so a child finishing
    // synchronously (a synthetic FAIL) cannot end the chain before its siblings started.
    if (--this.active === 0) this.complete();
  }

  private complete(): void {
    if (this.finalState !== null) return;
    const state =
      this.completeCount === this.plan.ids.length ? STATE_COMPLETE : this.stopping ? STATE_STOPPED : STATE_FAIL;
    if (this.stopping) {
      // Every job of a stopped chain gets a log: those that never started say why.
      for (let i = 0; i < this.states.length; i++) {
        if (this.states[i] !== STATE_PENDING) continue;
        this.states[i] = STATE_STOPPED;
        this.syntheticLog(i, STATE_STOPPED, NOT_STARTED_AFTER_STOP);
      }
    }
    this.finalState = state;
    this.options.onDone?.(state);
    this.options.output.finish(state);
    this.resolveDone(state);
  }

  // ---- tries ----------------------------------------------------------------------------------

  private startTry(i: number): void {
    const job = this.instances[i]!;
    const tryNo = ++this.tries[i]!;
    this.flags[i] = 0;
    let signal = this.stopSignal.signal;
    const timeout = this.timeoutMs[i]!;
    if (timeout > 0) {
      const timers = this.timersOf(i);
      const tryAbort = new AbortController();
      const chainSignal = this.stopSignal.signal;
      const forward = (): void => tryAbort.abort(chainSignal.reason);
      chainSignal.addEventListener('abort', forward, { once: true });
      timers.tryAbort = tryAbort;
      timers.unlinkTryAbort = () => chainSignal.removeEventListener('abort', forward);
      timers.timeoutTimer = setLongTimeout(() => this.onTimeout(i, tryNo), timeout);
      signal = tryAbort.signal;
    }
    let ctx = this.firstTryContext[i]!;
    if (tryNo === 1) ctx.signal = signal;
    else ctx = { requestId: this.requestId, jobId: this.plan.ids[i]!, try: tryNo, signal };
    this.tryStartedMs[i] = this.readClock();
    let ret: unknown;
    try {
      ret = job.run(this.data[i]!, ctx);
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
    // A plain result: its return time is the next clock reading; it is settled after the
    // current start loop (drain), in order.
    this.unstamped = i;
    this.returnedResult[i] = normalizeReturn(ret);
    if (this.returnedTail === this.returned.length) this.growReturned();
    this.returned[this.returnedTail++] = i;
  }

  /** performance.now(), which is also the return time of a direct return not stamped yet. */
  private readClock(): number {
    const now = performance.now();
    if (this.unstamped >= 0) {
      this.returnedMs[this.unstamped] = now;
      this.unstamped = -1;
    }
    return now;
  }

  /** Reads the clock if a direct return is waiting for its return time. */
  private stampReturn(): void {
    if (this.unstamped >= 0) this.readClock();
  }

  /** Moves the unsettled entries to the front, doubling the buffer when they fill half of it. */
  private growReturned(): void {
    const pending = this.returnedTail - this.returnedHead;
    if (pending * 2 > this.returned.length) {
      const bigger = new Uint32Array(this.returned.length * 2);
      bigger.set(this.returned.subarray(this.returnedHead, this.returnedTail));
      this.returned = bigger;
    } else {
      this.returned.copyWithin(0, this.returnedHead, this.returnedTail);
    }
    this.returnedHead = 0;
    this.returnedTail = pending;
  }

  /** Settles the queued plain results (which may start and queue more jobs) until none is left. */
  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.returnedHead < this.returnedTail) {
        this.stampReturn();
        const i = this.returned[this.returnedHead++]!;
        const ret = this.returnedResult[i]!;
        this.returnedResult[i] = undefined;
        this.settleTry(i, ret, false, this.returnedMs[i]!);
      }
      this.returnedHead = this.returnedTail = 0;
    } finally {
      this.draining = false;
    }
  }

  private onTryReturned(i: number, tryNo: number, ret: JobReturn, returnedMs: number): void {
    if (this.tries[i] !== tryNo || this.flags[i]! & TRY_SETTLED) {
      this.options.logger.warn('a job returned after it was abandoned; its result is ignored', {
        requestId: this.requestId,
        jobId: this.plan.ids[i],
        try: tryNo,
      });
      return;
    }
    this.settleTry(i, ret, false, returnedMs);
    this.drain();
  }

  private settleTry(i: number, ret: JobReturn, abandoned: boolean, returnedMs: number): void {
    const timedOut = (this.flags[i]! & TRY_TIMED_OUT) !== 0 && ret.state !== STATE_COMPLETE;
    this.flags[i] = TRY_SETTLED;
    this.timers[i]?.clear();
    const spec = this.plan.jobs[i]!;
    const state = timedOut ? STATE_TIMEOUT : ret.state;
    const error = timedOut ? `timeout after ${this.timeoutMs[i]}ms${abandoned ? `; ${ret.error}` : ''}` : ret.error;
    const tryNo = this.tries[i]!;
    this.options.output.log({
      requestId: this.requestId,
      jobId: spec.id,
      try: tryNo,
      type: spec.type,
      startedAt: unixNanosAt(this.tryStartedMs[i]!),
      finishedAt: unixNanosAt(returnedMs),
      state,
      exit: ret.exit,
      error,
      stdout: ret.stdout,
      stderr: ret.stderr,
    });
    if (state === STATE_COMPLETE) return this.finishJob(i, STATE_COMPLETE, returnedMs);
    if (this.stopping) return this.finishJob(i, STATE_STOPPED, -1);
    if (tryNo < 1 + spec.retry) {
      const timers = this.timersOf(i);
      timers.retryTimer = setLongTimeout(() => {
        timers.retryTimer = null;
        this.startTry(i);
        this.stampReturn();
        this.drain();
      }, spec.retryWait);
      return;
    }
    this.finishJob(i, STATE_FAIL, -1);
  }

  private onTimeout(i: number, tryNo: number): void {
    if (this.tries[i] !== tryNo || this.flags[i]! & TRY_SETTLED) return;
    const timers = this.timersOf(i);
    timers.timeoutTimer = null;
    this.flags[i]! |= TRY_TIMED_OUT;
    timers.tryAbort?.abort(new Error(`timeout after ${this.timeoutMs[i]}ms`));
    this.armAbandon(i, tryNo);
  }

  private armAbandon(i: number, tryNo: number): void {
    const timers = this.timersOf(i);
    if (timers.abandonTimer || this.flags[i]! & TRY_SETTLED) return;
    timers.abandonTimer = setLongTimeout(() => this.abandonTry(i, tryNo), this.options.abandonAfterMs);
  }

  /** The try did not return after stop/timeout: log it and move on without it. */
  private abandonTry(i: number, tryNo: number): void {
    this.timersOf(i).abandonTimer = null;
    if (this.tries[i] !== tryNo || this.flags[i]! & TRY_SETTLED) return;
    const timedOut = (this.flags[i]! & TRY_TIMED_OUT) !== 0;
    const why = timedOut && !this.stopping ? 'timing out' : 'being stopped';
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
    this.settleTry(i, { state, exit: 1, error, stdout, stderr }, true, performance.now());
    this.drain();
  }

  private callJobStop(i: number): void {
    const warn = (err: unknown): void =>
      this.options.logger.warn('job stop failed', {
        requestId: this.requestId,
        jobId: this.plan.ids[i],
        error: errorText(err),
      });
    try {
      const r = this.instances[i]!.stop();
      if (isThenable(r)) r.then(undefined, warn);
    } catch (err) {
      warn(err);
    }
  }

  private statusText(i: number): string {
    try {
      return String(this.instances[i]!.status());
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
