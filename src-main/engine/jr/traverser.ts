// Runs one job chain (runner.md §3-§7, with the upstream defects fixed): every job whose
// parents are all COMPLETE starts at once; each try leaves one job log; retries wait
// `retryWait` ms; a try longer than Job.args.timeout ms is aborted and logged TIMEOUT; stop
// aborts running tries (the whole process group for shell jobs), and a job that ignores it is
// abandoned after `abandonAfterMs`, so the chain ALWAYS finishes: COMPLETE when every job
// completed, else STOPPED when stopped, else FAIL.
//
// Hot path: dispatch works on the precomputed ChainPlan (index arrays, in-degree counters);
// finishing a job touches only its children, started in one tight loop; the done check is a
// counter of active jobs; live jobs sit in an array indexed by job. All jobs share the chain's
// stop AbortSignal; only jobs with a timeout get their own. The clock is read twice per try
// (run() called, run() returned: performance.now(), no bigint) and the readings serve the job
// log, J4's runtime and the dispatch latency alike.

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
import type { Job, JobFactory, JobReturn, RunContext } from '../jobs/job';
import type { Logger } from '../log';
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

/** The live part of a job that has started: running a try or waiting to retry. */
class LiveJob {
  try = 0;
  trySettled = true;
  timedOut = false;
  tryAbort: AbortController | null = null;
  unlinkTryAbort: (() => void) | null = null;
  timeoutTimer: NodeJS.Timeout | null = null;
  abandonTimer: NodeJS.Timeout | null = null;
  retryTimer: NodeJS.Timeout | null = null;
  constructor(
    readonly index: number,
    /** The Nth job started in this chain. */
    readonly n: number,
  ) {}

  clearTimers(): void {
    if (this.timeoutTimer) clearTimeout(this.timeoutTimer);
    if (this.abandonTimer) clearTimeout(this.abandonTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.timeoutTimer = this.abandonTimer = this.retryTimer = null;
    this.unlinkTryAbort?.();
    this.unlinkTryAbort = null;
    this.tryAbort = null;
  }
}

/** Job.args.timeout as milliseconds (a positive number or numeric string), else 0 = none. */
function timeoutOf(args: JsonObject | null): number {
  const v = args?.timeout;
  const ms = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
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
  private readonly states: Uint8Array;
  /** Parents of each job not yet COMPLETE. */
  private readonly waitingOn: Uint32Array;
  /**
   * performance.now() readings by job: its first try's run() called (when it was marked
   * RUNNING: J4's runtime, the dispatch figures) and its current try's. Typed arrays, so that
   * starting a job allocates no boxed numbers.
   */
  private readonly startedMs: Float64Array;
  private readonly tryStartedMs: Float64Array;
  private readonly data: (JsonObject | undefined)[];
  /** The live part of each started, unfinished job (by index), and how many there are. */
  private readonly live: (LiveJob | undefined)[];
  private liveCount = 0;
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
    this.startedMs = new Float64Array(n);
    this.tryStartedMs = new Float64Array(n);
    this.data = new Array<JsonObject | undefined>(n);
    this.live = new Array<LiveJob | undefined>(n);
    // Make every job up front (off the dispatch path); a failure is reported when the job is reached.
    for (let i = 0; i < n; i++) {
      const spec = plan.jobs[i]!;
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
    this.dispatch(this.plan.first, -1, -1);
  }

  /** Stops the chain: no job starts any more, running tries are aborted. Idempotent. */
  stop(): void {
    if (this.stopping || this.finalState !== null) return;
    this.stopping = true;
    this.stopSignal.abort(new Error('the request was stopped'));
    for (const live of this.liveJobs()) {
      if (live.retryTimer) {
        this.finishJob(live.index, STATE_STOPPED, -1);
        continue;
      }
      this.callJobStop(live);
      this.armAbandon(live, live.try);
    }
  }

  /** J3: one entry per job with a live runner (running or waiting to retry), sorted by job id. */
  jobChainStatus(): JobChainStatus {
    const list: JobStatus[] = [];
    for (const live of this.liveJobs()) {
      list.push({
        requestId: '',
        jobId: this.plan.ids[live.index]!,
        state: STATE_RUNNING,
        status: this.statusText(live.index),
        runtime: 0,
        n: 0,
      });
    }
    list.sort(JobStatuses);
    return { requestId: this.requestId, jobStatuses: list.length > 0 ? list : null };
  }

  /** J4 entries for this chain's running jobs, appended to `out`. */
  collectRunning(out: JobStatus[], nowMs: number): void {
    for (const live of this.liveJobs()) {
      out.push({
        requestId: this.requestId,
        jobId: this.plan.ids[live.index]!,
        state: STATE_RUNNING,
        status: '',
        runtime: (nowMs - this.startedMs[live.index]!) / 1000,
        n: live.n,
      });
    }
  }

  /** The live jobs, a snapshot (O(chain size): for status and stop, not the hot path). */
  private liveJobs(): LiveJob[] {
    const out: LiveJob[] = [];
    if (this.liveCount > 0) for (const live of this.live) if (live) out.push(live);
    return out;
  }

  // ---- traversal ------------------------------------------------------------------------------

  /**
   * Starts job i, made ready by a try that returned at `readyMs` (performance.now(); -1 for the
   * first job). `sinceMs` is when the dispatcher became free for it: readyMs, or the start of
   * the sibling dispatched just before it. Returns this job's start time (sinceMs if it could
   * not start).
   */
  private dispatch(i: number, readyMs: number, sinceMs: number): number {
    this.active++;
    const why = this.unusable[i];
    if (why !== null && why !== undefined) {
      this.syntheticLog(i, STATE_FAIL, why);
      this.finishJob(i, STATE_FAIL, -1);
      return sinceMs;
    }
    const parents = this.plan.parents[i]!;
    this.data[i] = parents.length === 1 && isEmpty(this.data[parents[0]!]) ? {} : mergeParentData(parents, this.data);
    this.states[i] = STATE_RUNNING;
    const live = new LiveJob(i, ++this.startedCount);
    this.live[i] = live;
    this.liveCount++;
    this.startTry(live);
    const startedMs = (this.startedMs[i] = this.tryStartedMs[i]!);
    if (readyMs >= 0) this.options.latency?.record(startedMs - readyMs, startedMs - sinceMs);
    return startedMs;
  }

  /** `returnedMs`: when the try that completed job i returned (its children's ready time). */
  private finishJob(i: number, state: State, returnedMs: number): void {
    const live = this.live[i];
    if (live) {
      live.clearTimers();
      this.live[i] = undefined;
      this.liveCount--;
    }
    this.states[i] = state;
    if (state === STATE_COMPLETE) {
      this.completeCount++;
      const children = this.plan.children[i]!;
      if (!this.stopping && children.length > 0) {
        const readyMs = returnedMs >= 0 ? returnedMs : performance.now();
        const waitingOn = this.waitingOn;
        let since = readyMs;
        for (let k = 0; k < children.length; k++) {
          const c = children[k]!;
          if (--waitingOn[c]! === 0) since = this.dispatch(c, readyMs, since);
        }
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

  private startTry(live: LiveJob): void {
    const i = live.index;
    const job = this.instances[i]!;
    const tryNo = ++live.try;
    live.trySettled = false;
    live.timedOut = false;
    let signal = this.stopSignal.signal;
    const timeout = this.timeoutMs[i]!;
    if (timeout > 0) {
      const tryAbort = new AbortController();
      const chainSignal = this.stopSignal.signal;
      const forward = (): void => tryAbort.abort(chainSignal.reason);
      chainSignal.addEventListener('abort', forward, { once: true });
      live.tryAbort = tryAbort;
      live.unlinkTryAbort = () => chainSignal.removeEventListener('abort', forward);
      live.timeoutTimer = setTimeout(() => this.onTimeout(live, tryNo), timeout);
      signal = tryAbort.signal;
    }
    const ctx: RunContext = { requestId: this.requestId, jobId: this.plan.ids[i]!, try: tryNo, signal };
    this.tryStartedMs[i] = performance.now();
    let result: Promise<JobReturn>;
    try {
      result = Promise.resolve(job.run(this.data[i]!, ctx));
    } catch (err) {
      result = Promise.reject(err);
    }
    result.then(
      (ret) => this.onTryReturned(live, tryNo, normalizeReturn(ret)),
      (err: unknown) => this.onTryReturned(live, tryNo, returnFromError(err)),
    );
  }

  private onTryReturned(live: LiveJob, tryNo: number, ret: JobReturn): void {
    const returnedMs = performance.now();
    if (live.try !== tryNo || live.trySettled) {
      this.options.logger.warn('a job returned after it was abandoned; its result is ignored', {
        requestId: this.requestId,
        jobId: this.plan.ids[live.index],
        try: tryNo,
      });
      return;
    }
    this.settleTry(live, ret, false, returnedMs);
  }

  private settleTry(live: LiveJob, ret: JobReturn, abandoned: boolean, returnedMs: number): void {
    const i = live.index;
    live.trySettled = true;
    const timedOut = live.timedOut && ret.state !== STATE_COMPLETE;
    live.clearTimers();
    const spec = this.plan.jobs[i]!;
    const state = timedOut ? STATE_TIMEOUT : ret.state;
    const error = timedOut ? `timeout after ${this.timeoutMs[i]}ms${abandoned ? `; ${ret.error}` : ''}` : ret.error;
    this.options.output.log({
      requestId: this.requestId,
      jobId: spec.id,
      try: live.try,
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
    if (live.try < 1 + spec.retry) {
      live.retryTimer = setTimeout(() => {
        live.retryTimer = null;
        this.startTry(live);
      }, spec.retryWait);
      return;
    }
    this.finishJob(i, STATE_FAIL, -1);
  }

  private onTimeout(live: LiveJob, tryNo: number): void {
    if (live.try !== tryNo || live.trySettled) return;
    live.timeoutTimer = null;
    live.timedOut = true;
    live.tryAbort?.abort(new Error(`timeout after ${this.timeoutMs[live.index]}ms`));
    this.armAbandon(live, tryNo);
  }

  private armAbandon(live: LiveJob, tryNo: number): void {
    if (live.abandonTimer || live.trySettled) return;
    live.abandonTimer = setTimeout(() => this.abandonTry(live, tryNo), this.options.abandonAfterMs);
  }

  /** The try did not return after stop/timeout: log it and move on without it. */
  private abandonTry(live: LiveJob, tryNo: number): void {
    live.abandonTimer = null;
    if (live.try !== tryNo || live.trySettled) return;
    const why = live.timedOut && !this.stopping ? 'timing out' : 'being stopped';
    const error = `the job did not return within ${this.options.abandonAfterMs}ms of ${why}; abandoned`;
    this.options.logger.warn('abandoning a job that does not return', {
      requestId: this.requestId,
      jobId: this.plan.ids[live.index],
      try: tryNo,
    });
    const state = this.stopping ? STATE_STOPPED : STATE_FAIL;
    this.settleTry(live, { state, exit: 1, error, stdout: '', stderr: '' }, true, performance.now());
  }

  private callJobStop(live: LiveJob): void {
    const warn = (err: unknown): void =>
      this.options.logger.warn('job stop failed', {
        requestId: this.requestId,
        jobId: this.plan.ids[live.index],
        error: errorText(err),
      });
    try {
      const r = this.instances[live.index]!.stop();
      if (r && typeof (r as Promise<void>).then === 'function') (r as Promise<void>).then(undefined, warn);
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
