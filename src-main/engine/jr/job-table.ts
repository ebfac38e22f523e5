// The per-job state of one chain, laid out for speed: one typed array per field, indexed by the
// job's index in the ChainPlan, rather than an object per job. Each job instance, its data object
// and its first try's RunContext are made with the table, off the dispatch path, so that starting
// a job allocates next to nothing and a 10,000-child fan-out leaves nothing for the garbage
// collector in the middle of its loop. The traverser (traverser.ts) gives the fields their
// meaning; the table only holds them.

import type { JsonObject } from '../../shared/proto';
import { timeoutOf } from '../check-chain';
import type { Job, JobFactory, RunContext } from '../jobs/job';
import type { ChainPlan } from './chain-plan';
import { mergeParentData } from './job-data';
import { errorText } from './job-return';
import { TryTimers } from './try-timers';

/** No own or inherited enumerable key (for...in: no keys array allocated). */
function isEmpty(data: JsonObject | undefined): boolean {
  for (const _ in data) return false;
  return true;
}

export class JobTable {
  /** Each job's phase in its life cycle (Phase in traverser.ts); 0 for all at first. */
  readonly phase: Uint8Array;
  /** Parents of each job not COMPLETE yet. */
  readonly waitingOn: Uint32Array;
  /** The current try (1-based; 0 = not started). */
  readonly tryNo: Uint32Array;
  /** The job was the Nth of the chain to start (J4's n). */
  readonly startN: Uint32Array;
  /** performance.now() when the first try's run() was called: J4's runtime, the dispatch figures. */
  readonly startedMs: Float64Array;
  /** performance.now() when the current try's run() was called: the job log's startedAt. */
  readonly tryStartedMs: Float64Array;
  /** Job.args.timeout in ms; 0 = none. */
  readonly timeoutMs: Float64Array;
  /** Each job, or null when it cannot be made (see `unusable`). */
  readonly instances: (Job | null)[];
  /** Why a job cannot run (the factory's make or deserialize threw), else null. */
  readonly unusable: (string | null)[];
  /** Each job's data: a fresh object, replaced by the merge of its parents' data if any has keys. */
  private readonly data: JsonObject[];
  private readonly firstTryContext: RunContext[];
  private readonly timers: (TryTimers | undefined)[];

  constructor(
    private readonly plan: ChainPlan,
    factory: JobFactory,
    stopSignal: AbortSignal,
  ) {
    const n = plan.ids.length;
    this.phase = new Uint8Array(n);
    this.waitingOn = plan.inDegree.slice();
    this.tryNo = new Uint32Array(n);
    this.startN = new Uint32Array(n);
    this.startedMs = new Float64Array(n);
    this.tryStartedMs = new Float64Array(n);
    this.timeoutMs = new Float64Array(n);
    this.instances = new Array<Job | null>(n).fill(null);
    this.unusable = new Array<string | null>(n).fill(null);
    this.data = new Array<JsonObject>(n);
    this.firstTryContext = new Array<RunContext>(n);
    this.timers = new Array<TryTimers | undefined>(n);
    for (let i = 0; i < n; i++) {
      const spec = plan.jobs[i]!;
      this.data[i] = {};
      this.firstTryContext[i] = { requestId: plan.requestId, jobId: spec.id, try: 1, signal: stopSignal };
      try {
        const job = factory.make(spec.type, spec.id);
        job.deserialize(spec.bytes);
        this.instances[i] = job;
      } catch (err) {
        this.unusable[i] = errorText(err) || 'job could not be made';
      }
      this.timeoutMs[i] = timeoutOf(spec.args);
    }
  }

  get size(): number {
    return this.phase.length;
  }

  /** Job i's data: what its tries read and change. */
  dataOf(i: number): JsonObject {
    return this.data[i]!;
  }

  /** Gives job i, about to start, the merge of its parents' final data (job-data.ts). */
  inheritData(i: number): void {
    const parents = this.plan.parents[i]!;
    if (parents.length > 1 || (parents.length === 1 && !isEmpty(this.data[parents[0]!]))) {
      this.data[i] = mergeParentData(parents, this.data);
    }
  }

  /** The RunContext of try `tryNo` of job i (the first try's was made with the table). */
  contextOf(i: number, tryNo: number, signal: AbortSignal): RunContext {
    if (tryNo === 1) {
      const ctx = this.firstTryContext[i]!;
      ctx.signal = signal;
      return ctx;
    }
    return { requestId: this.plan.requestId, jobId: this.plan.ids[i]!, try: tryNo, signal };
  }

  /** Job i's timers, made on first use. */
  timersOf(i: number): TryTimers {
    return (this.timers[i] ??= new TryTimers());
  }

  /** Cancels job i's timers, if it has any. */
  clearTimers(i: number): void {
    this.timers[i]?.clear();
  }
}
