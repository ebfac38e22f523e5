// The Request Manager's logic behind its twelve endpoints (docs/protocol/wire.md §4),
// independent of HTTP: routes.ts maps requests onto these methods, in-process-link.ts lets a JR
// in the same process call createJobLog/finishRequest directly. Errors are HttpErrors with the
// statuses and texts the routes answer.
//
// Decisions (docs/compatibility.md):
// - create = build + store (RUNNING, in one write) + hand the chain to the JR; the answer is the
//   request as it is after the JR took the chain (RUNNING, startedAt set; or already finished
//   for a fast chain). If the JR does not take it, the request ends FAIL with a synthetic job
//   log and create answers 502.
// - User: the body's User when non-empty, else "admin" (the original forced "admin").
// - stop: COMPLETE -> 200 no-op and other non-RUNNING -> 400, as the original. RUNNING: the
//   JR is asked to stop; it ends the chain and finishes the request STOPPED. If the JR does
//   not know the chain (404) or cannot be reached, the RM ends the request STOPPED itself.
// - a request the RM ends itself always gets a job log saying why (synthetic-log.ts).
//
// Several RMs and JRs (docs/deploy.md): any RM answers any call for any request; everything it
// needs is in the database. Each new chain goes to the least loaded JR that takes it
// (JobRunnerPool), recorded with an epoch in the request's run (engine-store.ts); stop, status
// and the JR's own calls go by that record, and posts of a JR whose epoch is stale are refused
// (410). A chain whose JR was lost or handed it back is resumed on another JR from the job logs
// (resume(), resume-plan.ts).
//
// Our extensions for day-2 operations (docs/protocol/extensions.md): a request's history (its
// attempts, re-run links); the retry of what failed, in place (retry-plan.ts: the jobs that did
// not complete run again, their tries numbered on, every job with its full tries; the chain is
// handed over as a resume is, with a new epoch, to a JR of ours the pool chooses, the completed
// jobs' data going to their children); the re-run of a request (a new one, same type and args).

import { randomUUID } from 'node:crypto';
import {
  JobStatusByRuntime,
  STATE_COMPLETE,
  STATE_FAIL,
  STATE_PENDING,
  STATE_RUNNING,
  STATE_STOPPED,
  STATE_TIMEOUT,
  decodeCreateRequestParams,
  decodeJobChain,
  encodeCreateRequestParams,
  encodeJobChain,
  parseWire,
  stateName,
  type CreateRequestParams,
  type JobChain,
  type JobLog,
  type JobStatus,
  type JsonObject,
  type Request,
  type RequestSpec,
  type RequestStatus,
  type RunningStatus,
  type State,
} from '../../shared/proto';
import type { JobOutput, OutputQuery } from '../../shared/live-output';
import type { RequestHistory, RetryPlan, RetryStarted } from '../../shared/rm-extensions';
import { STORAGE_OK, type StorageStatus } from '../../shared/storage-status';
import { LinkError, type JobRunnerLink, type ResumedChain } from '../links';
import { silentLogger, type Logger } from '../log';
import { staleOwner } from '../ownership';
import type { EngineStore, FindFilter, StoredRequest, StoredRun } from '../store/engine-store';
import { JobLogWriter } from '../store/job-log-writer';
import { firstAttempt } from '../store/rows';
import type { V2RequestArg } from '../../shared/proto-v2';
import { ChainFactsCache, chainFactsOf, type ChainFacts } from './chain-facts';
import type { ChainBuilder } from './chain-builder';
import {
  StartFailedError,
  cannotRetryInState,
  duplicateJobLog,
  invalidRequestType,
  isChainUnknown,
  isUnreachable,
  jobChainNotFound,
  jobLogNotFound,
  jobNotInChain,
  jobRunnerFailed,
  linkErrorText,
  notFinalState,
  notFinishedByJobRunner,
  notHandedBack,
  logsNotStored,
  notInState,
  nothingToRetry,
  requestNotFound,
  retryNotSupported,
  specChanged,
} from './errors';
import { readJobOutput } from './job-output';
import type { JobRunnerPool } from './job-runner-pool';
import { planResume } from './resume-plan';
import { requestArgs } from './request-args';
import { chainChanges, highestTries, retryJobs, type RetryJobs } from './retry-plan';
import { chooseSyntheticJobId, syntheticJobLog } from './synthetic-log';
import { toWireRequest, wireTime } from './wire-request';

export interface RequestManagerOptions {
  store: EngineStore;
  /** The JRs chains go to (one for `server`: its own, in process). */
  jobRunners: JobRunnerPool;
  builder: ChainBuilder;
  logger?: Logger;
  /** Default user when a create body has none. */
  defaultUser?: string;
  /**
   * When the JR no longer knows a chain being stopped, its finish call may still be on the way
   * (behind queued job logs): stop waits until no log arrived for this long (ms, default 250),
   * at most 20 times as long, before ending the request itself.
   */
  stopSettleMs?: number;
  /** Clock (Unix ms), for tests. */
  now?: () => number;
}

/** Why the RM ended a request itself (the synthetic job log's error text). */
export const REASONS = {
  jrLost: 'job runner lost the chain',
  engineRestarted: 'engine restarted while the request was running',
  stopJrUnknown: 'stopped by the request manager: the job runner does not know the chain',
  stopJrUnreachable: 'stopped by the request manager: the job runner is unreachable',
  stoppedAndDropped: 'stopped: the job runner dropped the chain without finishing it',
  logsMissing: 'the job runner finished the request COMPLETE, but job logs never arrived',
  stopUnplaced: 'stopped by the request manager: no job runner had the chain',
  lostAfterFailure: 'job runner lost the chain after a job had failed with no retry left',
} as const;

const newRequestId = () => randomUUID().replace(/-/g, '');

/** The states a request can end in (the JR's finish call names one). */
const FINAL_STATES: ReadonlySet<State> = new Set([STATE_COMPLETE, STATE_FAIL, STATE_STOPPED]);

/** The states a request can be retried from. */
const RETRYABLE: ReadonlySet<State> = new Set([STATE_FAIL, STATE_TIMEOUT, STATE_STOPPED]);

export class RequestManager {
  readonly store: EngineStore;
  readonly jobRunners: JobRunnerPool;
  private readonly builder: ChainBuilder;
  private readonly log: Logger;
  private readonly writer: JobLogWriter;
  private readonly chains: ChainFactsCache;
  private readonly now: () => number;
  private readonly defaultUser: string;
  private readonly stopSettleMs: number;
  /** Requests between "stored RUNNING" and "a JR took the chain", on this RM. */
  private readonly starting = new Set<string>();
  /** Requests a user asked to stop on this RM (the database has it for every RM). */
  private readonly stopRequested = new Set<string>();
  /** When the last job log of each unfinished request arrived (a JR may still be delivering). */
  private readonly lastLogAt = new Map<string, number>();
  /** Resumes under way on this RM. */
  private readonly resuming = new Map<string, Promise<void>>();
  /**
   * The running retry of RUNNING requests: the jobs it runs again and the try each had logged
   * before (null: the request runs its first attempt). Read from the store on first need.
   */
  private readonly runningRetries = new Map<string, Record<string, number> | null>();
  /** Request types by name, read once (the specs do not change while the RM runs). */
  private specs: Map<string, RequestSpec> | undefined;

  constructor(opts: RequestManagerOptions) {
    this.store = opts.store;
    this.jobRunners = opts.jobRunners;
    this.builder = opts.builder;
    this.log = opts.logger ?? silentLogger;
    this.now = opts.now ?? Date.now;
    this.defaultUser = opts.defaultUser ?? 'admin';
    this.stopSettleMs = opts.stopSettleMs ?? 250;
    this.writer = new JobLogWriter(this.store);
    this.chains = new ChainFactsCache((id) => this.store.chainJson(id));
  }

  // ---- R1 create, R3 start ----------------------------------------------------------------------

  /** R1; with `rerunOf`, a re-run of that request (recorded with it). */
  async createRequest(params: CreateRequestParams, rerunOf?: string): Promise<Request> {
    if (params.Type === '') throw invalidRequestType();
    const id = newRequestId();
    const chain = await this.builder.buildChain(params.Type, params.Args ?? {}, id);
    chain.requestId = id;
    const user = params.User !== '' ? params.User : this.defaultUser;
    const now = this.now();
    // Stored RUNNING in one write: a create that cannot be stored (disk full) leaves nothing.
    const row: StoredRequest = {
      id,
      type: params.Type,
      state: STATE_RUNNING,
      user,
      createdAt: now,
      startedAt: now,
      finishedAt: null,
      totalJobs: Object.keys(chain.jobs).length,
      finishedJobs: 0,
    };
    const first = this.jobRunners.candidates()[0] as string;
    const run = { jrUrl: first, resumable: this.jobRunners.isOurs(first) };
    const chainJson = encodeJobChain(chain);
    this.starting.add(id);
    try {
      await this.store.insertRequest(
        row,
        encodeCreateRequestParams({ ...params, User: user }),
        chainJson,
        run,
        rerunOf,
      );
      // The JR's job logs start arriving at once: their checks need the chain's facts.
      this.chains.remember(id, chainFactsOf(chain));
      this.log.info('request created', {
        request: id,
        type: params.Type,
        user,
        jobs: row.totalJobs,
        ...(rerunOf === undefined ? {} : { rerunOf }),
      });
      await this.handOver(id, chain, { epoch: 1, jrUrl: first }, chainJson);
    } finally {
      this.starting.delete(id);
    }
    return this.getRequest(id);
  }

  /** R3: start a PENDING request (one whose create stopped before starting it). */
  async startRequest(id: string): Promise<void> {
    const chainJson = await this.store.chainJson(id);
    if (chainJson === undefined) throw requestNotFound();
    if (!(await this.store.markStarted(id, this.now()))) throw await this.stateError(id, STATE_PENDING);
    const epoch = (await this.store.getRun(id))?.epoch ?? 0;
    this.starting.add(id);
    try {
      await this.handOver(id, decodeJobChain(parseWire(chainJson)), { epoch, jrUrl: null });
    } finally {
      this.starting.delete(id);
    }
  }

  /**
   * Gives a RUNNING request's chain to a JR (`chainJson`: the chain encoded, when at hand); one no
   * JR takes ends FAIL (502).
   */
  private async handOver(
    id: string,
    chain: JobChain,
    from: { epoch: number; jrUrl: string | null },
    chainJson?: string,
  ): Promise<void> {
    let placed: { jrUrl: string };
    try {
      placed = await this.place(id, from, (link, epoch) => link.createJobChain(chain, epoch, chainJson));
    } catch (err) {
      const why = `job runner did not accept the chain: ${linkErrorText(err)}`;
      await this.endRequest(id, STATE_FAIL, why);
      throw new StartFailedError(id, why);
    }
    this.log.info('request started', { request: id, jr: placed.jrUrl });
  }

  /**
   * Offers the chain to JRs, best first, until one takes it: each offer is a hand-over (a new
   * epoch naming that JR) unless `from` already names the JR to try first. A JR that does not
   * answer, or answers 5xx (shutting down), is passed over (one that did not answer is told to
   * stop the chain, in case it took it after all); any other refusal is thrown. Throws the last
   * refusal when none takes it, and a LinkError 409 when another RM moved the run meanwhile.
   */
  private async place(
    id: string,
    from: { epoch: number; jrUrl: string | null },
    send: (link: JobRunnerLink, epoch: number) => Promise<void>,
    only: (url: string) => boolean = () => true,
  ): Promise<{ jrUrl: string; epoch: number }> {
    const tried = new Set<string>();
    let { epoch, jrUrl } = from;
    let lastError: unknown = new LinkError('no job runner to give the chain to', 503);
    for (;;) {
      if (jrUrl === null) {
        const next = this.jobRunners.candidates(tried).find(only);
        if (next === undefined) throw lastError;
        const claimed = await this.store.claimRun(
          id,
          epoch,
          { jrUrl: next, resumable: this.jobRunners.isOurs(next) },
          this.now(),
        );
        if (claimed === null) throw new LinkError(`request ${id} was handed over by another request manager`, 409);
        [epoch, jrUrl] = [claimed, next];
      }
      tried.add(jrUrl);
      const link = this.jobRunners.link(jrUrl);
      try {
        await send(link, epoch);
        this.jobRunners.noteAssigned(jrUrl);
        return { jrUrl, epoch };
      } catch (err) {
        const passOver = err instanceof LinkError && (err.status === undefined || err.status >= 500);
        if (!passOver) throw err;
        if (isUnreachable(err)) link.stopJobChain(id).catch(() => {});
        this.log.warn('job runner did not take the chain', { request: id, jr: jrUrl, error: linkErrorText(err) });
        lastError = err;
        jrUrl = null;
      }
    }
  }

  // ---- R2 get, R7 chain, R9/R10 logs, R11 list --------------------------------------------------

  async getRequest(id: string): Promise<Request> {
    const row = await this.store.getRequest(id);
    if (!row) throw requestNotFound();
    return toWireRequest(row);
  }

  /** The stored JobChain, as the JSON text it was stored as. */
  async jobChainJson(id: string): Promise<string> {
    const json = await this.store.chainJson(id);
    if (json === undefined) throw jobChainNotFound();
    return json;
  }

  /** Every try of every job, by job id then try (`[]` for an unknown request, as the original). */
  async jobLogs(id: string): Promise<JobLog[]> {
    await this.writer.flush();
    return this.store.jobLogs(id);
  }

  /** The highest try of one job. */
  async latestJobLog(id: string, jobId: string): Promise<JobLog> {
    await this.writer.flush();
    const log = await this.store.latestJobLog(id, jobId);
    if (!log) throw jobLogNotFound();
    return log;
  }

  requestList(): RequestSpec[] {
    return this.builder.requestList();
  }

  /** A request's args in v2's shape, with the values it ran with (the additive `args` key). */
  async requestArgs(id: string): Promise<V2RequestArg[]> {
    const [row, params] = await Promise.all([this.store.getRequest(id), this.store.paramsJson(id)]);
    if (!row || params === undefined) throw requestNotFound();
    return this.argsOf(row.type, params);
  }

  /** `GET /api/v1/requests`: requests matching `filter`, newest first, with their args. */
  async findRequests(filter: FindFilter): Promise<Array<{ request: Request; args: V2RequestArg[] }>> {
    return (await this.store.findRequests(filter)).map((row) => ({
      request: toWireRequest(row),
      args: this.argsOf(row.type, row.params),
    }));
  }

  /** How many requests match `filter` in all. */
  countRequests(filter: FindFilter): Promise<number> {
    return this.store.countRequests(filter);
  }

  private argsOf(type: string, paramsJson: string): V2RequestArg[] {
    this.specs ??= new Map(this.builder.requestList().map((s) => [s.Name, s]));
    return requestArgs(this.specs.get(type), decodeCreateRequestParams(parseWire(paramsJson)));
  }

  // ---- R4 finish, R8 job log, suspend (the JR's calls) ------------------------------------------

  /**
   * R4: the JR ended the chain with `state` (`epoch`: the run it holds, when it says). Its logs
   * are stored first: while some wait for space (disk full) the finish is refused with 507 and
   * the JR sends it again. A request finished COMPLETE with logs missing ends FAIL, with a job
   * log naming them. A JR whose epoch is stale is refused (410) before anything else.
   */
  async finishRequest(id: string, state: State, epoch?: number): Promise<void> {
    await this.checkOwner(id, epoch);
    await this.checkFinish(id, state);
    await this.writer.flush(); // logs sent before the finish are stored before the state changes
    const held = this.writer.holdError;
    if (held && this.writer.holds(id)) throw logsNotStored(id, held);
    const missing = state === STATE_COMPLETE ? await this.missingLogs(id) : null;
    if (missing) {
      if (!(await this.endRequest(id, STATE_FAIL, missing))) throw await this.stateError(id, STATE_RUNNING);
      return;
    }
    if (epoch === undefined) {
      if (!(await this.store.markFinished(id, state, this.now()))) throw await this.stateError(id, STATE_RUNNING);
    } else {
      const done = await this.store.finishRun(id, state, this.now(), epoch);
      if (done === 'stale') throw staleOwner(id, epoch);
      if (done === 'not-running') throw await this.stateError(id, STATE_RUNNING);
    }
    this.forget(id);
    this.log.info('request finished', { request: id, state: stateName(state) });
  }

  /**
   * R4 from a caller that has not proven it is the JR (no peer secret, as the original's JR):
   * taken only when the JR running the request says it holds the chain with none of its jobs
   * running (a JR keeps a finished chain until its finish call was answered), or when a stop was
   * asked and the JR has already forgotten the chain (the original's JR forgets a chain at stop).
   */
  async finishRequestUnverified(id: string, state: State, epoch?: number): Promise<void> {
    await this.checkOwner(id, epoch);
    await this.checkFinish(id, state);
    let running: number;
    try {
      running = (await (await this.jobRunnerOf(id)).jobChainStatus(id)).jobStatuses?.length ?? 0;
    } catch (err) {
      if (isChainUnknown(err) && (await this.wasStopRequested(id))) return this.finishRequest(id, state, epoch);
      if (isChainUnknown(err)) throw notFinishedByJobRunner(id, 'the job runner does not know it');
      throw jobRunnerFailed('cannot ask the job runner whether it finished the request', err);
    }
    if (running > 0) throw notFinishedByJobRunner(id, `the job runner is still running ${running} of its jobs`);
    await this.finishRequest(id, state, epoch);
  }

  /** 404 for an unknown request, 400 for a state no request ends in, 400 when it is not RUNNING. */
  private async checkFinish(id: string, state: State): Promise<void> {
    const row = await this.store.getRequest(id);
    if (!row) throw requestNotFound();
    if (!FINAL_STATES.has(state)) throw notFinalState(state);
    if (row.state !== STATE_RUNNING) throw notInState(STATE_RUNNING, row.state);
  }

  /**
   * 410 when `epoch` is not the request's current run (404 for an unknown request). Without an
   * epoch (an original JR, or ours sending what its spool kept from before a crash), 410 once a
   * chain our JR ran was handed over: only the JR running it now may post.
   */
  private async checkOwner(id: string, epoch: number | undefined): Promise<void> {
    const run = await this.store.getRun(id);
    if (!run) {
      if (!(await this.store.getRequest(id))) throw requestNotFound();
      return;
    }
    if (epoch === undefined ? run.resumable && run.epoch > 1 : run.epoch !== epoch) throw staleOwner(id, epoch ?? 0);
  }

  /** R8: store one try of one job. Resolves with the log as stored (type filled from the chain). */
  async createJobLog(id: string, log: JobLog, epoch?: number): Promise<JobLog> {
    const stored = await this.checkedJobLog(id, log);
    if (epoch === undefined) await this.checkOwner(id, undefined);
    return this.storeJobLog(id, stored, epoch);
  }

  /**
   * Several R8s of one request at once (ours, `POST …/logs`): each log's outcome in order, the
   * log as stored or what R8 would have thrown for it alone. Their writes share a transaction.
   */
  async createJobLogs(id: string, logs: readonly JobLog[], epoch?: number): Promise<Array<JobLog | Error>> {
    const outcome = (err: unknown) => (err instanceof Error ? err : new Error(String(err)));
    let facts: ChainFacts | undefined;
    try {
      // What concerns the request is checked once, not once per log.
      facts = await this.chains.get(id);
      if (!facts) throw requestNotFound();
      if (epoch === undefined) await this.checkOwner(id, undefined);
    } catch (err) {
      return logs.map(() => outcome(err));
    }
    const known = facts;
    return Promise.all(
      logs.map(async (log) => {
        try {
          return await this.storeJobLog(id, this.checkJobLog(id, log, known), epoch);
        } catch (err) {
          return outcome(err);
        }
      }),
    );
  }

  private async storeJobLog(id: string, stored: JobLog, epoch: number | undefined): Promise<JobLog> {
    const result = await this.writer.write(stored, epoch);
    if (result === 'duplicate') throw duplicateJobLog(id, stored.jobId, stored.try);
    if (result === 'stale') throw staleOwner(id, epoch as number);
    return stored;
  }

  /**
   * R8 for a JR in the same process: checks the log (404/400 thrown at once) and queues it
   * without waiting for the commit, so a JR delivering logs one after the other still fills
   * one transaction per event-loop turn. Everything that reads logs or changes the request
   * (status, log reads, finish) writes the queue first, so nobody sees a log missing; a crash
   * loses at most the last turn's logs, of a chain that died with the process anyway. A
   * duplicate (which our JR never sends) is logged and dropped, as the JR drops a 409. Logs
   * that cannot be written are held and retried (JobLogWriter); while some are held, this
   * throws the StorageError (507) and the JR keeps the log and sends it again.
   */
  queueJobLog(id: string, log: JobLog): void | Promise<void> {
    // The chain's facts are cached while it runs: checked and queued synchronously.
    if (this.chains.peek(id)) return this.queueChecked(id, this.checkJobLog(id, log));
    return this.checkedJobLog(id, log).then((stored) => this.queueChecked(id, stored));
  }

  private queueChecked(id: string, stored: JobLog): void {
    this.writer.queue(stored).then(
      (result) => {
        if (result === 'duplicate') this.log.warn(duplicateJobLog(id, stored.jobId, stored.try).message);
      },
      (err: unknown) =>
        this.log.error('storing a job log failed', { request: id, job: stored.jobId, error: String(err) }),
    );
  }

  /**
   * The JR running `epoch` shuts down and hands the chain back, its job logs delivered: it is
   * resumed on another JR (in the background: the JR is not kept waiting). `verify`: the caller
   * has not proven it is the JR (no peer secret), so the JR must say it is shutting down.
   */
  async suspendRequest(id: string, epoch: number, verify = false): Promise<void> {
    await this.checkOwner(id, epoch);
    if (verify) {
      const info = await (await this.jobRunnerOf(id)).describe?.().catch(() => undefined);
      if (!info?.draining || !info.chains.some((c) => c.requestId === id && c.epoch === epoch)) {
        throw notHandedBack(id);
      }
    }
    await this.writer.flush();
    if (!(await this.store.suspendRun(id, epoch))) throw staleOwner(id, epoch);
    this.log.info('job runner handed the chain back', { request: id, epoch });
    void this.resume(id, null);
  }

  private async checkedJobLog(id: string, log: JobLog): Promise<JobLog> {
    const facts = await this.chains.get(id);
    if (!facts) throw requestNotFound();
    return this.checkJobLog(id, log, facts);
  }

  /** checkedJobLog for a request whose chain facts are cached. */
  private checkJobLog(id: string, log: JobLog, facts = this.chains.peek(id) as ChainFacts): JobLog {
    const type = facts.jobTypes.get(log.jobId);
    if (type === undefined) throw jobNotInChain(id, log.jobId);
    this.lastLogAt.set(id, this.now());
    return { ...log, requestId: id, type: log.type !== '' ? log.type : type };
  }

  // ---- R5 stop ----------------------------------------------------------------------------------

  async stopRequest(id: string): Promise<void> {
    const row = await this.store.getRequest(id);
    if (!row) throw requestNotFound();
    if (row.state === STATE_COMPLETE) return;
    if (row.state !== STATE_RUNNING) throw notInState(STATE_RUNNING, row.state);
    this.stopRequested.add(id);
    await this.store.markStopRequested(id);
    this.log.info('stopping request', { request: id });
    const run = await this.store.getRun(id);
    if (run && (run.jrUrl === null || run.suspended)) {
      await this.endRequest(id, STATE_STOPPED, REASONS.stopUnplaced);
      return;
    }
    try {
      await (await this.jobRunnerOf(id, run)).stopJobChain(id);
    } catch (err) {
      if (isChainUnknown(err)) {
        await this.untilLogsQuiet(id, this.stopSettleMs, this.stopSettleMs * 20);
        await this.endRequest(id, STATE_STOPPED, REASONS.stopJrUnknown);
      } else if (isUnreachable(err)) {
        await this.endRequest(id, STATE_STOPPED, `${REASONS.stopJrUnreachable} (${(err as Error).message})`);
      } else {
        throw jobRunnerFailed('job runner could not stop the chain', err);
      }
    }
  }

  // ---- R6 request status, R12 running status ----------------------------------------------------

  /**
   * Every job of the chain, sorted by id: the JR's live entry while it has one (running, or
   * waiting between tries), else the state of its latest logged try, else PENDING. A JR that is
   * down or does not know the chain leaves only what the database knows.
   */
  async requestStatus(id: string): Promise<RequestStatus> {
    const before = await this.store.getRequest(id);
    if (!before) throw requestNotFound();
    const facts = await this.chainFacts(id);
    let live: JobStatus[] | null = null;
    if (before.state === STATE_RUNNING) {
      live = await this.jobRunnerOf(id)
        .then(
          (jr) => jr.jobChainStatus(id).then((s) => s.jobStatuses),
          () => null,
        )
        .catch(() => null);
    }
    await this.writer.flush();
    const row = (await this.store.getRequest(id)) as StoredRequest;
    const liveByJob = new Map(row.state === STATE_RUNNING ? (live ?? []).map((s) => [s.jobId, s]) : []);
    const logged = await this.store.latestJobStates(id);
    if (row.state === STATE_RUNNING) await this.hideEarlierAttempts(id, logged);
    const jobStatuses = facts.sortedJobIds.map(
      (jobId): JobStatus =>
        liveByJob.get(jobId) ?? {
          requestId: '',
          jobId,
          state: logged.get(jobId) ?? STATE_PENDING,
          status: '',
          runtime: 0,
          n: 0,
        },
    );
    return { request: toWireRequest(row), jobChainStatus: { requestId: id, jobStatuses } };
  }

  /** Running jobs of every chain on every JR (longest-running first) and their requests; `{}` when idle. */
  async runningStatus(): Promise<RunningStatus> {
    let jobs: JobStatus[];
    try {
      jobs = await this.jobRunners.runningStatus();
    } catch (err) {
      throw jobRunnerFailed('cannot get the running jobs from the job runner', err);
    }
    jobs = [...jobs].sort(JobStatusByRuntime);
    const requests: Record<string, Request> = {};
    for (const id of new Set(jobs.map((j) => j.requestId))) {
      const row = await this.store.getRequest(id);
      if (row) requests[id] = toWireRequest(row);
    }
    return { jobs, requests };
  }

  // ---- live output (ours) -----------------------------------------------------------------------

  /** One job's output from the byte offsets asked for: the running try's from the JR that runs it, else its log's (job-output.ts). */
  async jobOutput(id: string, jobId: string, query: OutputQuery): Promise<JobOutput> {
    return readJobOutput(
      {
        store: this.store,
        jobRunnerOf: (rid) => this.jobRunnerOf(rid),
        chainFacts: (rid) => this.chainFacts(rid),
        flush: () => this.writer.flush(),
      },
      id,
      jobId,
      query,
    );
  }

  // ---- requests whose JR is lost ----------------------------------------------------------------

  /** The runs of RUNNING requests, oldest first, without those this RM is still handing over. */
  async runningRuns(): Promise<StoredRun[]> {
    return (await this.store.runningRuns()).filter((r) => !this.starting.has(r.requestId));
  }

  /** The link to the JR that runs the request (by its run record; the first JR for one stored before runs were). */
  async jobRunnerOf(id: string, known?: StoredRun): Promise<JobRunnerLink> {
    const run = known ?? (await this.store.getRun(id));
    return this.jobRunners.link(run?.jrUrl ?? (this.jobRunners.urls[0] as string));
  }

  /** The JR no longer knows a RUNNING request: end it (STOPPED if a stop was asked, else FAIL). */
  async endLostRequest(id: string): Promise<boolean> {
    return (await this.wasStopRequested(id))
      ? this.endRequest(id, STATE_STOPPED, REASONS.stoppedAndDropped)
      : this.endRequest(id, STATE_FAIL, REASONS.jrLost);
  }

  /**
   * Runs the chain of a RUNNING request again on another JR of ours: its JR was lost (`lostJr`:
   * killed, unreachable, restarted without it), or handed it back or never got it (null). The
   * lost JR is fenced off first (a new epoch: its late posts are refused), then the job logs
   * decide (resume-plan.ts). While no JR of ours that answers could take it, nothing is done
   * (the lost JR may come back with it); the reaper tries again. If the JRs offered all refuse,
   * the run is left with none named, and the reaper tries again. One resume at a time per
   * request on this RM; another RM's is fenced by the epoch.
   */
  resume(id: string, lostJr: string | null, known?: StoredRun): Promise<void> {
    const running = this.resuming.get(id);
    if (running) return running;
    const work = this.resumeOnce(id, lostJr, known)
      .catch((err: unknown) =>
        this.log.error('cannot resume the request now; will retry', {
          request: id,
          error: err instanceof Error ? err.message : String(err),
        }),
      )
      .finally(() => this.resuming.delete(id));
    this.resuming.set(id, work);
    return work;
  }

  /** `known`: the run as the caller just read it among the RUNNING requests' (saves two reads). */
  private async resumeOnce(id: string, lostJr: string | null, known?: StoredRun): Promise<void> {
    const canTake = (url: string) => this.jobRunners.canResume(url);
    if (!this.jobRunners.urls.some(canTake)) return;
    const run = known ?? (await this.store.getRun(id));
    if (!run || (!known && (await this.store.getRequest(id))?.state !== STATE_RUNNING)) return;
    // One write fences the lost JR off and names the JR to offer the chain to first.
    const first = this.jobRunners.candidates().find(canTake) as string;
    const fenced = await this.store.claimRun(id, run.epoch, { jrUrl: first, resumable: true }, this.now());
    if (fenced === null) return; // another RM moved it first
    if (lostJr !== null) this.log.warn('job runner lost; resuming its chain', { request: id, jr: lostJr });
    if (run.stopRequested || this.stopRequested.has(id)) {
      await this.endRequest(id, STATE_STOPPED, REASONS.stoppedAndDropped);
      return;
    }
    await this.writer.flush();
    const chain = decodeJobChain(parseWire(await this.jobChainJson(id)));
    const attempt = (await this.store.attempts(id)).at(-1);
    const triesBefore = attempt?.kind === 'retry' ? attempt.jobs : {};
    const plan = planResume(chain, await this.store.jobLogs(id), lostJr, this.now(), triesBefore);
    if (plan.kind === 'complete') {
      if ((await this.store.finishRun(id, STATE_COMPLETE, this.now(), fenced)) === 'finished') {
        this.forget(id);
        this.log.info('request finished', {
          request: id,
          state: 'COMPLETE',
          by: 'request manager: every job had completed',
        });
      }
      return;
    }
    if (plan.kind === 'failed') {
      await this.endRequest(id, STATE_FAIL, `${REASONS.lostAfterFailure} (${plan.jobId})`);
      return;
    }
    if (plan.interrupted.length > 0) await this.store.insertJobLogs(plan.interrupted);
    const data = await this.completedJobData(id, plan.resumed.completed);
    let last = fenced;
    const placed = await this.place(
      id,
      { epoch: fenced, jrUrl: first },
      (link, epoch) => {
        last = epoch;
        if (!link.resumeJobChain) throw new LinkError('this job runner cannot resume chains', 501);
        return link.resumeJobChain({ ...plan.resumed, epoch, data });
      },
      canTake,
    ).catch(async (err: unknown) => {
      // Name no JR: the reaper offers it again (without supposing anything ran meanwhile).
      await this.store.claimRun(id, last, null, this.now());
      this.log.warn('no job runner took the resumed chain; will retry', { request: id, error: linkErrorText(err) });
      return null;
    });
    if (!placed) return;
    this.log.info('chain resumed', {
      request: id,
      jr: placed.jrUrl,
      epoch: placed.epoch,
      completed: plan.resumed.completed.length,
      interrupted: plan.interrupted.length,
    });
    // A stop asked on another RM while this one placed the chain: pass it on.
    if ((await this.store.getRun(id))?.stopRequested) await this.jobRunners.link(placed.jrUrl).stopJobChain(id);
  }

  /** At start-up with our own JR (`server` mode): RUNNING requests died with the last engine. */
  async failInterruptedRequests(): Promise<number> {
    const ids = await this.store.requestIdsInState(STATE_RUNNING);
    for (const id of ids) await this.endRequest(id, STATE_FAIL, REASONS.engineRestarted);
    return ids.length;
  }

  /**
   * Ends a RUNNING request with `state`, filing a synthetic job log whose error is `why`.
   * Returns false (and writes nothing) when the request is no longer RUNNING.
   */
  async endRequest(id: string, state: State, why: string): Promise<boolean> {
    await this.writer.flush();
    if ((await this.store.getRequest(id))?.state !== STATE_RUNNING) return false;
    const facts = await this.chainFacts(id);
    const jobId = chooseSyntheticJobId(facts, await this.store.latestJobStates(id), await this.store.loggedTries(id));
    const log = syntheticJobLog(id, jobId, facts.jobTypes.get(jobId) ?? '', state, why);
    const ended = await this.store.endRequest(id, state, this.now(), log);
    if (ended) {
      this.forget(id);
      this.log.warn('request ended by the request manager', { request: id, state: stateName(state), why });
    }
    return ended;
  }

  /** Writes queued job logs now (before shutting down); reports those that cannot be stored. */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  /** Before closing the database: writes what is queued, gives up what cannot be stored. */
  async close(): Promise<void> {
    await Promise.all(this.resuming.values());
    await this.writer.flush();
    const held = this.writer.holdError;
    const dropped = this.writer.close();
    if (dropped > 0) {
      this.log.error('job logs could not be stored before shutting down; their requests end FAIL at the next start', {
        logs: dropped,
        error: held?.message,
      });
    }
  }

  /**
   * Whether the database takes writes. While it does not, a tiny write is tried at most
   * once a second (from here: the console asks every few seconds), so freeing space shows.
   */
  async storageStatus(): Promise<StorageStatus> {
    await this.writer.flush();
    let failure = this.store.failure;
    if (failure && this.writer.heldCount === 0 && this.now() - failure.lastTryMs >= 1000) {
      await this.store.probe();
      failure = this.store.failure;
    }
    if (!failure) return STORAGE_OK;
    const since = new Date(failure.sinceMs).toISOString();
    return { ok: false, full: failure.full, error: failure.message, since, heldJobLogs: this.writer.heldCount };
  }

  /** Milliseconds since the request's last job log arrived (Infinity if none since start-up). */
  msSinceLastLog(id: string): number {
    const at = this.lastLogAt.get(id);
    return at === undefined ? Infinity : this.now() - at;
  }

  // ---- extensions: history, retry, re-run (docs/protocol/extensions.md) -------------------------

  /** The request's attempts (its start, then each retry) and re-run links. */
  async history(id: string): Promise<RequestHistory> {
    const row = await this.store.getRequest(id);
    if (!row) throw requestNotFound();
    const [stored, rerunOf, reruns] = await Promise.all([
      this.store.attempts(id),
      this.store.rerunOf(id),
      this.store.reruns(id),
    ]);
    const attempts = stored.length > 0 ? stored : [firstAttempt(row)];
    const last = attempts.at(-1) as (typeof attempts)[number];
    // The last attempt ends when the request does.
    if (last.finishedAt === null && row.finishedAt !== null && row.state !== STATE_RUNNING) {
      attempts[attempts.length - 1] = { ...last, finishedAt: row.finishedAt, state: row.state };
    }
    return {
      requestId: id,
      type: row.type,
      rerunOf,
      reruns,
      attempts: attempts.map((a) => ({
        attempt: a.attempt,
        kind: a.kind,
        user: a.user,
        startedAt: row.startedAt === null && a.attempt === 1 ? null : wireTime(a.startedAt),
        finishedAt: a.finishedAt === null ? null : wireTime(a.finishedAt),
        state: a.state,
        jobs: Object.keys(a.jobs).sort(),
        triesBefore: a.jobs,
      })),
    };
  }

  /** What a retry would run again; the same refusals as retryRequest (404, 409, 422). */
  async retryPlan(id: string): Promise<RetryPlan> {
    const { plan } = await this.planRetry(id);
    return { requestId: id, jobs: plan.jobs };
  }

  /**
   * Retries a request that ended FAIL, TIMEOUT or STOPPED, in place: it is RUNNING again and
   * the jobs that did not complete run again, their tries numbered on. The chain is a new
   * hand-over (a new epoch) to the JR of ours the pool offers first, as a resume is. Refused:
   * an unknown request (404), one that has not ended or completed (409), one whose spec no
   * longer builds its chain (422), no JR of ours to run it (501), no JR took it (502); a refusal
   * leaves the request as it was.
   */
  async retryRequest(id: string, user: string): Promise<RetryStarted> {
    const { row, chain, plan } = await this.planRetry(id);
    const who = user !== '' ? user : this.defaultUser;
    // Not an original (it cannot run a chain where it was): ours, `server`'s own, or one not asked yet.
    const takes = (url: string) => !this.jobRunners.isOriginal(url);
    const first = this.jobRunners.candidates().find(takes);
    if (first === undefined) throw retryNotSupported();
    const started = await this.store.startRetry(
      id,
      row.state,
      { user: who, atMs: this.now(), jobs: plan.bases },
      { jrUrl: first, resumable: this.jobRunners.isOurs(first) },
    );
    if (started === null) throw cannotRetryInState(id, (await this.store.getRequest(id))?.state ?? row.state);
    this.forget(id);
    this.runningRetries.set(id, plan.bases);
    const rerun = new Set(plan.jobs);
    const completed = Object.keys(chain.jobs)
      .filter((jobId) => !rerun.has(jobId))
      .sort();
    const resumed: Omit<ResumedChain, 'epoch'> = {
      chain,
      completed,
      nextTry: plan.nextTry,
      data: await this.completedJobData(id, completed),
    };
    this.starting.add(id);
    try {
      const placed = await this.place(
        id,
        { epoch: started.epoch, jrUrl: first },
        (link, epoch) => {
          if (!link.resumeJobChain) throw new LinkError('this job runner cannot run a chain where it was', 501);
          return link.resumeJobChain({ ...resumed, epoch });
        },
        takes,
      );
      this.log.info('request retried', {
        request: id,
        attempt: started.attempt,
        user: who,
        jobs: plan.jobs.length,
        jr: placed.jrUrl,
      });
    } catch (err) {
      await this.store.undoRetry(row, started.attempt);
      this.forget(id);
      const status = (err as { status?: number }).status;
      if (status === 404 || status === 405 || status === 501) throw retryNotSupported();
      throw jobRunnerFailed('job runner did not take the retry', err);
    } finally {
      this.starting.delete(id);
    }
    return { request: await this.getRequest(id), attempt: started.attempt, jobs: plan.jobs };
  }

  /** A new request of the same type with the same args as `id`, linked to it (R1's answers). */
  async rerunRequest(id: string, user: string): Promise<Request> {
    const paramsJson = await this.store.paramsJson(id);
    if (paramsJson === undefined) throw requestNotFound();
    const params = decodeCreateRequestParams(parseWire(paramsJson));
    return this.createRequest({ Type: params.Type, Args: params.Args, User: user }, id);
  }

  /**
   * The request as a retry finds it: one that ended FAIL, TIMEOUT or STOPPED, whose spec still
   * builds the chain it ran, and the jobs to run again.
   */
  private async planRetry(id: string): Promise<{ row: StoredRequest; chain: JobChain; plan: RetryJobs }> {
    const row = await this.store.getRequest(id);
    if (!row) throw requestNotFound();
    if (!RETRYABLE.has(row.state)) throw cannotRetryInState(id, row.state);
    const [chainJson, paramsJson] = await Promise.all([this.store.chainJson(id), this.store.paramsJson(id)]);
    if (chainJson === undefined || paramsJson === undefined) throw jobChainNotFound();
    const chain = decodeJobChain(parseWire(chainJson));
    const params = decodeCreateRequestParams(parseWire(paramsJson));
    let rebuilt: JobChain;
    try {
      rebuilt = await this.builder.buildChain(params.Type, params.Args ?? {}, id);
    } catch (err) {
      throw specChanged(id, row.type, `it is refused now: ${(err as Error).message}`);
    }
    rebuilt.requestId = id;
    const changes = chainChanges(chain, rebuilt);
    if (changes !== null) throw specChanged(id, row.type, changes);
    await this.writer.flush();
    const [facts, latest, tries] = await Promise.all([
      this.chainFacts(id),
      this.store.latestJobStates(id),
      this.store.loggedTries(id),
    ]);
    const plan = retryJobs(facts.sortedJobIds, latest, tries);
    if (plan.jobs.length === 0) throw nothingToRetry(id);
    return { row, chain, plan };
  }

  /** The job data the completed jobs `ids` left (those that left some). */
  private async completedJobData(id: string, ids: readonly string[]): Promise<Record<string, JsonObject>> {
    const all = await this.store.jobData(id);
    const data: Record<string, JsonObject> = {};
    for (const jobId of ids) {
      const d = all.get(jobId);
      if (d) data[jobId] = d;
    }
    return data;
  }

  /**
   * While a retry runs, a job it runs again whose latest log is from before (its try is not
   * higher than the one it had) has not started yet in this attempt: it reads PENDING, not the
   * outcome of the attempt before.
   */
  private async hideEarlierAttempts(id: string, latest: Map<string, State>): Promise<void> {
    let bases = this.runningRetries.get(id);
    if (bases === undefined) {
      const last = (await this.store.attempts(id)).at(-1);
      bases = last?.kind === 'retry' && last.finishedAt === null ? last.jobs : null;
      this.runningRetries.set(id, bases);
    }
    if (bases === null) return;
    const highest = highestTries(await this.store.loggedTries(id));
    for (const [jobId, base] of Object.entries(bases)) {
      if ((highest.get(jobId) ?? 0) <= base) latest.delete(jobId);
    }
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private async wasStopRequested(id: string): Promise<boolean> {
    return this.stopRequested.has(id) || ((await this.store.getRun(id))?.stopRequested ?? false);
  }

  /** Waits until no job log arrived for `quietMs` or the request ended, at most `maxMs`. */
  private async untilLogsQuiet(id: string, quietMs: number, maxMs: number): Promise<void> {
    const deadline = this.now() + maxMs;
    do {
      await new Promise((r) => setTimeout(r, quietMs));
    } while (
      this.msSinceLastLog(id) < quietMs &&
      this.now() < deadline &&
      (await this.store.getRequest(id))?.state === STATE_RUNNING
    );
  }

  /**
   * Why a request the JR finished COMPLETE cannot be COMPLETE: a job whose latest logged try
   * did not complete, or a try missing below it (an interrupted JR's tries are logged by the RM,
   * so a resumed chain has none missing). Null when every log is there.
   */
  private async missingLogs(id: string): Promise<string | null> {
    const facts = await this.chains.get(id);
    if (!facts) return null;
    const latest = await this.store.latestJobStates(id);
    const tries = new Map<string, Set<number>>();
    for (const t of await this.store.loggedTries(id)) {
      const set = tries.get(t.jobId) ?? new Set<number>();
      set.add(t.try);
      tries.set(t.jobId, set);
    }
    const missing = facts.sortedJobIds.filter((jobId) => {
      if (latest.get(jobId) !== STATE_COMPLETE) return true;
      const logged = tries.get(jobId) as Set<number>;
      for (let n = 1; n < Math.max(...logged); n++) if (!logged.has(n)) return true;
      return false;
    });
    if (missing.length === 0) return null;
    const shown = missing.slice(0, 5).join(', ') + (missing.length > 5 ? `, … (${missing.length - 5} more)` : '');
    return `${REASONS.logsMissing}: ${missing.length} of ${facts.sortedJobIds.length} jobs (${shown})`;
  }

  private forget(id: string): void {
    this.stopRequested.delete(id);
    this.lastLogAt.delete(id);
    this.runningRetries.delete(id);
  }

  private async chainFacts(id: string): Promise<ChainFacts> {
    const facts = await this.chains.get(id);
    if (!facts) throw jobChainNotFound();
    return facts;
  }

  /** 404 when the request is absent, else 400 naming the state it is in. */
  private async stateError(id: string, expected: State): Promise<Error> {
    const row = await this.store.getRequest(id);
    return row ? notInState(expected, row.state) : requestNotFound();
  }
}
