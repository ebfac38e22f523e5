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
//
// Ours beyond the 2017 protocol (links.ts, docs/deploy.md): a chain given with an epoch names it
// on every post, and is dropped when the RM answers that another JR runs it now; describe()
// lists the chains; resumeJobChain() runs what is left of a chain (resumed-chain.ts); with
// `handBack`, drain() shuts down by handing chains back instead of stopping them (job-gate.ts).

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
import type { ResumedChain, RunnerInfo } from '../links';
import { checkChain } from '../check-chain';
import { InvalidChainError, type ChainPlan } from './chain-plan';
import type { DispatchLatencyRecorder } from './dispatch-latency';
import { GatedJobFactory, JobGate } from './job-gate';
import { ChainDelivery, DEFAULT_DELIVERY_POLICY, type DeliveryPolicy } from './log-delivery';
import { filteredOutput, resumeRun, type ResumeRun } from './resumed-chain';
import { Traverser, type ChainOutput } from './traverser';

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
  /**
   * A stand-alone JR: chains given with an epoch can be handed back at shutdown (drain) and
   * resumed here. Each job of such a chain is wrapped (job-gate.ts).
   */
  handBack?: boolean;
}

export const DEFAULT_ABANDON_AFTER_MS = 10_000;
export const TRAVERSER_NOT_FOUND = 'traverser not found';
export const TRAVERSER_ALREADY_EXISTS = 'traverser already exists';

export interface CloseOptions {
  /** How long to keep delivering queued logs to the RM after every chain stopped (default 5 s). */
  drainMs?: number;
}

export interface DrainOptions {
  /** How long running tries may go on before they are stopped (ms). */
  graceMs: number;
  /** How long to keep delivering the chains' logs and hand-backs after that (ms, default 60 s). */
  deliverMs?: number;
}

/** One chain this JR runs. */
interface Held {
  traverser: Traverser;
  delivery: ChainDelivery;
  epoch: number | undefined;
  /** Its jobs are gated (handBack): it can be handed back. */
  factory: GatedJobFactory | null;
  handingBack: boolean;
}

export class JobRunner implements JobRunnerLink {
  private readonly chains = new Map<string, Held>();
  private readonly deliveries = new Set<ChainDelivery>();
  private readonly settled = new Map<string, Promise<State>>();
  private readonly logger: Logger;
  private readonly policy: DeliveryPolicy;
  private readonly gate = new JobGate();
  private closing = false;

  constructor(private readonly options: JobRunnerOptions) {
    this.logger = options.logger ?? createLogger('jr');
    this.policy = { ...DEFAULT_DELIVERY_POLICY, ...options.delivery };
  }

  /** J1. Validates, registers and starts the chain; resolves once it is running. */
  async createJobChain(chain: JobChain, epoch?: number): Promise<void> {
    this.start(this.checked(chain), epoch, null);
  }

  /** Runs what is left of a chain another JR ran (ours: the RM gives it with the epoch). */
  async resumeJobChain(resumed: ResumedChain): Promise<void> {
    this.checked(resumed.chain); // the chain as a whole, with the same texts as J1
    const run = resumeRun(resumed);
    this.start(this.checked(run.chain), resumed.epoch, run);
    this.logger.info('job chain resumed', {
      requestId: run.chain.requestId,
      epoch: resumed.epoch,
      completed: resumed.completed.length,
    });
  }

  /** The chains held, with their epochs (GET /api/v1/job-runner). */
  async describe(): Promise<RunnerInfo> {
    const chains = [...this.chains].map(([requestId, c]) => ({ requestId, epoch: c.epoch ?? 0 }));
    return { chains, draining: this.closing };
  }

  private checked(chain: JobChain): ChainPlan {
    if (this.closing) throw new LinkError('job runner is shutting down', 503);
    let plan: ChainPlan;
    try {
      plan = checkChain(chain, this.options.factory);
    } catch (err) {
      if (err instanceof InvalidChainError) throw new LinkError(err.message, 400);
      throw err;
    }
    if (this.chains.has(plan.requestId)) throw new LinkError(TRAVERSER_ALREADY_EXISTS, 400);
    return plan;
  }

  private start(plan: ChainPlan, epoch: number | undefined, resumed: ResumeRun | null): void {
    const requestId = plan.requestId;
    const gated = this.options.handBack === true && epoch !== undefined;
    const factory = gated ? new GatedJobFactory(this.options.factory, this.gate, resumed?.tryOffsets) : null;
    const delivery = new ChainDelivery(requestId, this.options.rm, this.logger, this.policy, epoch, () =>
      this.drop(requestId, held),
    );
    let output: ChainOutput = delivery;
    if (factory || resumed) {
      output = filteredOutput(delivery, {
        wasHeld: (jobId, tryNo) => factory?.wasHeld(jobId, tryNo) ?? false,
        handingBack: () => held.handingBack,
        ...(resumed ? { root: resumed.root, tryOffsets: resumed.tryOffsets } : {}),
      });
    }
    const traverser = new Traverser(plan, {
      factory: factory ?? this.options.factory,
      output,
      logger: this.logger,
      abandonAfterMs: this.options.abandonAfterMs ?? DEFAULT_ABANDON_AFTER_MS,
      ...(this.options.dispatchLatency ? { latency: this.options.dispatchLatency } : {}),
      onDone: (state) => this.logger.info('job chain finished', { requestId, state }),
    });
    const held: Held = { traverser, delivery, epoch, factory, handingBack: false };
    this.chains.set(requestId, held);
    this.deliveries.add(delivery);
    const settled = traverser.done.then(async (state) => {
      await delivery.finished;
      // Known (J3: no running job) until the finish call was answered, as the original's JR:
      // an RM that cannot tell its JR by a peer secret asks J3 before it takes a finish.
      if (this.chains.get(requestId) === held) this.chains.delete(requestId);
      this.deliveries.delete(delivery);
      if (this.settled.get(requestId) === settled) this.settled.delete(requestId);
      return state;
    });
    this.settled.set(requestId, settled);
    this.logger.info('job chain started', { requestId, jobs: plan.ids.length, ...(epoch ? { epoch } : {}) });
    traverser.start();
  }

  /** The RM gave the chain to another JR: stop it here, sending nothing more. */
  private drop(requestId: string, held: Held): void {
    if (this.chains.get(requestId) === held) this.chains.delete(requestId);
    held.traverser.stop();
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
    for (const c of this.chains.values()) c.traverser.collectRunning(out, now);
    return out.sort(JobStatusByRuntime);
  }

  /**
   * Live output: the running try of one job, from the byte offsets asked for; null when the
   * chain is unknown or the job runs no try now (or not the try asked for).
   */
  async jobOutput(requestId: string, jobId: string, query: OutputQuery): Promise<JobOutput | null> {
    const running = this.chains.get(requestId)?.traverser.runningTry(jobId);
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
    return [...this.chains]
      .filter(([, c]) => !c.traverser.isDone)
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
    const traversers = [...this.chains.values()].map((c) => c.traverser);
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

  /**
   * Shuts down handing chains back (SIGTERM of a stand-alone JR): takes no new chain, starts no
   * new job, lets running tries go on for `graceMs`, then stops them. Each chain the RM gave with
   * an epoch is handed back once its logs are delivered (the RM resumes it on another JR, from
   * what completed); one given without (an original RM) is stopped at once and finishes
   * STOPPED, as close() does.
   * Chains that finish within the grace finish as usual. Then waits for delivery, at most
   * `deliverMs`.
   */
  async drain(options: DrainOptions): Promise<void> {
    this.closing = true;
    this.gate.close();
    // Chains that cannot be handed back (given by an original RM) stop at once, as close() does.
    for (const c of this.chains.values()) if (!c.factory) c.traverser.stop();
    let timer: NodeJS.Timeout | undefined;
    const running = [...this.chains.values()].filter((c) => !c.traverser.isDone).length;
    if (running > 0)
      this.logger.info('shutting down: no new job starts', { chains: running, graceMs: options.graceMs });
    await Promise.race([
      this.gate.whenIdle(),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, options.graceMs))),
    ]);
    clearTimeout(timer);
    const held = [...this.chains.values()];
    for (const c of held) {
      if (c.factory && !c.traverser.isDone) {
        c.handingBack = true;
        c.delivery.handBack();
      }
      c.traverser.stop();
    }
    this.gate.releaseHeld();
    await Promise.all(held.map((c) => c.traverser.done));
    await this.close({ drainMs: options.deliverMs ?? 60_000 });
  }

  private find(requestId: string): Traverser {
    const c = this.chains.get(requestId);
    if (!c) throw new LinkError(TRAVERSER_NOT_FOUND, 404);
    return c.traverser;
  }
}
