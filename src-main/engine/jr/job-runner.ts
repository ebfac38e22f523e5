// The Job Runner: accepts job chains, runs each with a Traverser, answers stop and status, and
// delivers every chain's job logs and final state to the Request Manager (ChainDelivery).
// Implements JobRunnerLink, so `spincycle server` can wire the RM to it in-process; the HTTP
// API (http-api.ts) is a thin layer over the same methods. Errors are LinkErrors carrying the
// status and text the original answered with (400 `traverser already exists`, 404
// `traverser not found`, 400 with the chain validation text). jobOutput (live output) is ours.
//
// Unlike the original, a stopped chain stays registered until it has finished, so stop is
// idempotent and J3 keeps answering while jobs wind down. Like the original, a finished chain
// stays registered until its finish call to the RM was answered.

import type { JobOutput, OutputQuery } from '../../shared/live-output';
import {
  JobStatusByRuntime,
  STATE_RUNNING,
  type JobChain,
  type JobChainStatus,
  type JobStatus,
  type State,
} from '../../shared/proto';
import type { OutputReader } from '../jobs/capped-output';
import type { JobFactory } from '../jobs/job';
import { LinkError, type JobRunnerLink, type RequestManagerLink } from '../links';
import { noOutput, outputSlice } from '../live-output';
import { createLogger, type Logger } from '../log';
import { checkChain } from '../check-chain';
import { InvalidChainError, type ChainPlan } from './chain-plan';
import type { DispatchLatencyRecorder } from './dispatch-latency';
import { ChainDelivery, DEFAULT_DELIVERY_POLICY, type DeliveryPolicy } from './log-delivery';
import { Traverser } from './traverser';

export interface JobRunnerOptions {
  factory: JobFactory;
  rm: RequestManagerLink;
  logger?: Logger;
  /**
   * A job still running this long after stop (or after its timeout) is abandoned: its try is
   * logged STOPPED (or TIMEOUT) and the chain moves on. Default 10 s: longer than the shell
   * job's SIGTERM->SIGKILL grace (5 s), so commands normally die before being abandoned.
   */
  abandonAfterMs?: number;
  /** Retry policy and in-flight window for job logs and finish calls to the RM. */
  delivery?: Partial<DeliveryPolicy>;
  /**
   * When set, every dispatch is recorded: latency (the try that made the job ready returned ->
   * its run() called) and the per-dispatch overhead (dispatch-latency.ts).
   */
  dispatchLatency?: DispatchLatencyRecorder;
}

export const DEFAULT_ABANDON_AFTER_MS = 10_000;
export const TRAVERSER_NOT_FOUND = 'traverser not found';
export const TRAVERSER_ALREADY_EXISTS = 'traverser already exists';

export interface CloseOptions {
  /** How long to keep delivering queued logs to the RM after every chain stopped (default 5 s). */
  drainMs?: number;
}

export class JobRunner implements JobRunnerLink {
  private readonly traversers = new Map<string, Traverser>();
  private readonly deliveries = new Set<ChainDelivery>();
  private readonly settled = new Map<string, Promise<State>>();
  private readonly logger: Logger;
  private readonly policy: DeliveryPolicy;
  private closing = false;

  constructor(private readonly options: JobRunnerOptions) {
    this.logger = options.logger ?? createLogger('jr');
    this.policy = { ...DEFAULT_DELIVERY_POLICY, ...options.delivery };
  }

  /** J1. Validates, registers and starts the chain; resolves once it is running. */
  async createJobChain(chain: JobChain): Promise<void> {
    if (this.closing) throw new LinkError('job runner is shutting down', 503);
    let plan: ChainPlan;
    try {
      plan = checkChain(chain, this.options.factory);
    } catch (err) {
      if (err instanceof InvalidChainError) throw new LinkError(err.message, 400);
      throw err;
    }
    const requestId = plan.requestId;
    if (this.traversers.has(requestId)) throw new LinkError(TRAVERSER_ALREADY_EXISTS, 400);

    const delivery = new ChainDelivery(requestId, this.options.rm, this.logger, this.policy);
    const traverser = new Traverser(plan, {
      factory: this.options.factory,
      output: delivery,
      logger: this.logger,
      abandonAfterMs: this.options.abandonAfterMs ?? DEFAULT_ABANDON_AFTER_MS,
      ...(this.options.dispatchLatency ? { latency: this.options.dispatchLatency } : {}),
      onDone: (state) => this.logger.info('job chain finished', { requestId, state }),
    });
    this.traversers.set(requestId, traverser);
    this.deliveries.add(delivery);
    const settled = traverser.done.then(async (state) => {
      await delivery.finished;
      // Known (J3: no running job) until the finish call was answered, as the original's JR:
      // an RM that cannot tell its JR by a peer secret asks J3 before it takes a finish.
      if (this.traversers.get(requestId) === traverser) this.traversers.delete(requestId);
      this.deliveries.delete(delivery);
      if (this.settled.get(requestId) === settled) this.settled.delete(requestId);
      return state;
    });
    this.settled.set(requestId, settled);
    this.logger.info('job chain started', { requestId, jobs: plan.ids.length });
    traverser.start();
  }

  /** J2. Idempotent until the chain has finished; 404 `traverser not found` after. */
  async stopJobChain(requestId: string): Promise<void> {
    const traverser = this.find(requestId);
    if (!traverser.isStopping) this.logger.info('stopping job chain', { requestId });
    traverser.stop();
  }

  /** J3. */
  async jobChainStatus(requestId: string): Promise<JobChainStatus> {
    return this.find(requestId).jobChainStatus();
  }

  /** J4: every running job of every chain, longest-running first. */
  async runningStatus(): Promise<JobStatus[]> {
    const now = performance.now();
    const out: JobStatus[] = [];
    for (const t of this.traversers.values()) t.collectRunning(out, now);
    return out.sort(JobStatusByRuntime);
  }

  /**
   * Live output: the running try of one job, from the byte offsets asked for; null when the
   * chain is unknown or the job runs no try now (or not the try asked for).
   */
  async jobOutput(requestId: string, jobId: string, query: OutputQuery): Promise<JobOutput | null> {
    const running = this.traversers.get(requestId)?.runningTry(jobId);
    if (!running || (query.try !== undefined && query.try !== running.try)) return null;
    const slice = (reader: OutputReader | undefined, offset: number) =>
      reader ? outputSlice(reader, offset, query.max) : noOutput(0);
    return {
      requestId,
      jobId,
      try: running.try,
      state: STATE_RUNNING,
      exit: null,
      done: false,
      live: true,
      status: running.status,
      stdout: slice(running.output?.stdout, query.stdout),
      stderr: slice(running.output?.stderr, query.stderr),
    };
  }

  /** Request ids of the chains still running (including those being stopped). */
  activeChains(): string[] {
    return [...this.traversers]
      .filter(([, t]) => !t.isDone)
      .map(([id]) => id)
      .sort();
  }

  /**
   * Resolves with the chain's final state once it has finished AND its finish call was
   * delivered to the RM (or given up). Undefined for an unknown or already settled chain.
   */
  whenSettled(requestId: string): Promise<State> | undefined {
    return this.settled.get(requestId);
  }

  /** Stops every chain, waits for them to finish, then for log delivery (bounded by drainMs). */
  async close(options: CloseOptions = {}): Promise<void> {
    this.closing = true;
    const traversers = [...this.traversers.values()];
    for (const t of traversers) t.stop();
    await Promise.all(traversers.map((t) => t.done));
    const deliveries = [...this.deliveries];
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(deliveries.map((d) => d.finished)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, options.drainMs ?? 5000))),
    ]);
    clearTimeout(timer);
    for (const d of deliveries) d.cancel();
  }

  private find(requestId: string): Traverser {
    const t = this.traversers.get(requestId);
    if (!t) throw new LinkError(TRAVERSER_NOT_FOUND, 404);
    return t;
  }
}
