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

import { randomUUID } from 'node:crypto';
import {
  JobStatusByRuntime,
  STATE_COMPLETE,
  STATE_FAIL,
  STATE_PENDING,
  STATE_RUNNING,
  STATE_STOPPED,
  decodeJobChain,
  encodeCreateRequestParams,
  encodeJobChain,
  parseWire,
  stateName,
  type CreateRequestParams,
  type JobChain,
  type JobLog,
  type JobStatus,
  type Request,
  type RequestSpec,
  type RequestStatus,
  type RunningStatus,
  type State,
} from '../../shared/proto';
import type { JobOutput, OutputQuery } from '../../shared/live-output';
import { STORAGE_OK, type StorageStatus } from '../../shared/storage-status';
import type { JobRunnerLink } from '../links';
import { silentLogger, type Logger } from '../log';
import { JobLogWriter } from '../store/job-log-writer';
import type { EngineStore, StoredRequest } from '../store/store';
import { ChainFactsCache, type ChainFacts } from './chain-facts';
import type { ChainBuilder } from './chain-builder';
import {
  StartFailedError,
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
  logsNotStored,
  notInState,
  requestNotFound,
} from './errors';
import { readJobOutput } from './job-output';
import { chooseSyntheticJobId, syntheticJobLog } from './synthetic-log';
import { toWireRequest } from './wire-request';

export interface RequestManagerOptions {
  store: EngineStore;
  jobRunner: JobRunnerLink;
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
} as const;

const newRequestId = () => randomUUID().replace(/-/g, '');

/** The states a request can end in (the JR's finish call names one). */
const FINAL_STATES: ReadonlySet<State> = new Set([STATE_COMPLETE, STATE_FAIL, STATE_STOPPED]);

export class RequestManager {
  readonly store: EngineStore;
  private readonly jr: JobRunnerLink;
  private readonly builder: ChainBuilder;
  private readonly log: Logger;
  private readonly writer: JobLogWriter;
  private readonly chains: ChainFactsCache;
  private readonly now: () => number;
  private readonly defaultUser: string;
  private readonly stopSettleMs: number;
  /** Requests between "marked RUNNING" and "the JR answered J1". */
  private readonly starting = new Set<string>();
  /** Requests a user asked to stop (so a JR that drops them ends them STOPPED, not FAIL). */
  private readonly stopRequested = new Set<string>();
  /** When the last job log of each unfinished request arrived (a JR may still be delivering). */
  private readonly lastLogAt = new Map<string, number>();

  constructor(opts: RequestManagerOptions) {
    this.store = opts.store;
    this.jr = opts.jobRunner;
    this.builder = opts.builder;
    this.log = opts.logger ?? silentLogger;
    this.now = opts.now ?? Date.now;
    this.defaultUser = opts.defaultUser ?? 'admin';
    this.stopSettleMs = opts.stopSettleMs ?? 250;
    this.writer = new JobLogWriter(this.store);
    this.chains = new ChainFactsCache((id) => this.store.chainJson(id));
  }

  // ---- R1 create, R3 start ----------------------------------------------------------------------

  async createRequest(params: CreateRequestParams): Promise<Request> {
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
    this.store.insertRequest(row, encodeCreateRequestParams({ ...params, User: user }), encodeJobChain(chain));
    this.log.info('request created', { request: id, type: params.Type, user, jobs: row.totalJobs });
    await this.handOver(id, chain);
    return this.getRequest(id);
  }

  /** R3: start a PENDING request (one whose create stopped before starting it). */
  async startRequest(id: string): Promise<void> {
    const chainJson = this.store.chainJson(id);
    if (chainJson === undefined) throw requestNotFound();
    if (!this.store.markStarted(id, this.now())) throw this.stateError(id, STATE_PENDING);
    await this.handOver(id, decodeJobChain(parseWire(chainJson)));
  }

  /** Gives a RUNNING request's chain to the JR; one it does not take ends FAIL (502). */
  private async handOver(id: string, chain: JobChain): Promise<void> {
    this.starting.add(id);
    try {
      await this.jr.createJobChain(chain);
    } catch (err) {
      const why = `job runner did not accept the chain: ${linkErrorText(err)}`;
      this.endRequest(id, STATE_FAIL, why);
      // No answer at all: it may have taken the chain after all; make sure it does not run.
      if (isUnreachable(err)) this.jr.stopJobChain(id).catch(() => {});
      throw new StartFailedError(id, why);
    } finally {
      this.starting.delete(id);
    }
    this.log.info('request started', { request: id });
  }

  // ---- R2 get, R7 chain, R9/R10 logs, R11 list --------------------------------------------------

  getRequest(id: string): Request {
    const row = this.store.getRequest(id);
    if (!row) throw requestNotFound();
    return toWireRequest(row);
  }

  /** The stored JobChain, as the JSON text it was stored as. */
  jobChainJson(id: string): string {
    const json = this.store.chainJson(id);
    if (json === undefined) throw jobChainNotFound();
    return json;
  }

  /** Every try of every job, by job id then try (`[]` for an unknown request, as the original). */
  jobLogs(id: string): JobLog[] {
    this.writer.flush();
    return this.store.jobLogs(id);
  }

  /** The highest try of one job. */
  latestJobLog(id: string, jobId: string): JobLog {
    this.writer.flush();
    const log = this.store.latestJobLog(id, jobId);
    if (!log) throw jobLogNotFound();
    return log;
  }

  requestList(): RequestSpec[] {
    return this.builder.requestList();
  }

  // ---- R4 finish, R8 job log (the JR's calls) ---------------------------------------------------

  /** R4 from the JR running the request (in-process, or holding the peer secret): it ended the chain with `state`. */
  /**
   * R4: the JR ended the chain with `state`. Its logs are stored first: while some wait for
   * space (disk full) the finish is refused with 507 and the JR sends it again. A request
   * finished COMPLETE with logs missing ends FAIL, with a job log naming them.
   */
  finishRequest(id: string, state: State): void {
    this.checkFinish(id, state);
    this.writer.flush(); // logs sent before the finish are stored before the state changes
    const held = this.writer.holdError;
    if (held && this.writer.holds(id)) throw logsNotStored(id, held);
    const missing = state === STATE_COMPLETE ? this.missingLogs(id) : null;
    if (missing) {
      if (!this.endRequest(id, STATE_FAIL, missing)) throw this.stateError(id, STATE_RUNNING);
      return;
    }
    if (!this.store.markFinished(id, state, this.now())) throw this.stateError(id, STATE_RUNNING);
    this.forget(id);
    this.log.info('request finished', { request: id, state: stateName(state) });
  }

  /**
   * R4 from a caller that has not proven it is the JR (no peer secret, as the original's JR):
   * taken only when the JR says it holds the chain with none of its jobs running (a JR keeps a
   * finished chain until its finish call was answered), or when a stop was asked and the JR
   * has already forgotten the chain (the original's JR forgets a chain at stop).
   */
  async finishRequestUnverified(id: string, state: State): Promise<void> {
    this.checkFinish(id, state);
    let running: number;
    try {
      running = (await this.jr.jobChainStatus(id)).jobStatuses?.length ?? 0;
    } catch (err) {
      if (isChainUnknown(err) && this.stopRequested.has(id)) return this.finishRequest(id, state);
      if (isChainUnknown(err)) throw notFinishedByJobRunner(id, 'the job runner does not know it');
      throw jobRunnerFailed('cannot ask the job runner whether it finished the request', err);
    }
    if (running > 0) throw notFinishedByJobRunner(id, `the job runner is still running ${running} of its jobs`);
    this.finishRequest(id, state);
  }

  /** 404 for an unknown request, 400 for a state no request ends in, 400 when it is not RUNNING. */
  private checkFinish(id: string, state: State): void {
    const row = this.store.getRequest(id);
    if (!row) throw requestNotFound();
    if (!FINAL_STATES.has(state)) throw notFinalState(state);
    if (row.state !== STATE_RUNNING) throw notInState(STATE_RUNNING, row.state);
  }

  /** R8: store one try of one job. Resolves with the log as stored (type filled from the chain). */
  async createJobLog(id: string, log: JobLog): Promise<JobLog> {
    const stored = this.checkedJobLog(id, log);
    if ((await this.writer.write(stored)) === 'duplicate') throw duplicateJobLog(id, log.jobId, log.try);
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
  queueJobLog(id: string, log: JobLog): void {
    const stored = this.checkedJobLog(id, log);
    this.writer.queue(stored).then(
      (result) => {
        if (result === 'duplicate') this.log.warn(duplicateJobLog(id, log.jobId, log.try).message);
      },
      (err: unknown) => this.log.error('storing a job log failed', { request: id, job: log.jobId, error: String(err) }),
    );
  }

  private checkedJobLog(id: string, log: JobLog): JobLog {
    const facts = this.chains.get(id);
    if (!facts) throw requestNotFound();
    const type = facts.jobTypes.get(log.jobId);
    if (type === undefined) throw jobNotInChain(id, log.jobId);
    this.lastLogAt.set(id, this.now());
    return { ...log, requestId: id, type: log.type !== '' ? log.type : type };
  }

  // ---- R5 stop ----------------------------------------------------------------------------------

  async stopRequest(id: string): Promise<void> {
    const row = this.store.getRequest(id);
    if (!row) throw requestNotFound();
    if (row.state === STATE_COMPLETE) return;
    if (row.state !== STATE_RUNNING) throw notInState(STATE_RUNNING, row.state);
    this.stopRequested.add(id);
    this.log.info('stopping request', { request: id });
    try {
      await this.jr.stopJobChain(id);
    } catch (err) {
      if (isChainUnknown(err)) {
        await this.untilLogsQuiet(id, this.stopSettleMs, this.stopSettleMs * 20);
        this.endRequest(id, STATE_STOPPED, REASONS.stopJrUnknown);
      } else if (isUnreachable(err)) {
        this.endRequest(id, STATE_STOPPED, `${REASONS.stopJrUnreachable} (${(err as Error).message})`);
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
    if (!this.store.getRequest(id)) throw requestNotFound();
    const facts = this.chainFacts(id);
    let live: JobStatus[] | null = null;
    if (this.store.getRequest(id)?.state === STATE_RUNNING) {
      live = await this.jr.jobChainStatus(id).then(
        (s) => s.jobStatuses,
        () => null,
      );
    }
    this.writer.flush();
    const row = this.store.getRequest(id) as StoredRequest;
    const liveByJob = new Map(row.state === STATE_RUNNING ? (live ?? []).map((s) => [s.jobId, s]) : []);
    const logged = this.store.latestJobStates(id);
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

  /** Running jobs of every chain (longest-running first) and their requests; `{}` when idle. */
  async runningStatus(): Promise<RunningStatus> {
    let jobs: JobStatus[];
    try {
      jobs = await this.jr.runningStatus();
    } catch (err) {
      throw jobRunnerFailed('cannot get the running jobs from the job runner', err);
    }
    jobs = [...jobs].sort(JobStatusByRuntime);
    const requests: Record<string, Request> = {};
    for (const id of new Set(jobs.map((j) => j.requestId))) {
      const row = this.store.getRequest(id);
      if (row) requests[id] = toWireRequest(row);
    }
    return { jobs, requests };
  }

  // ---- live output (ours) -----------------------------------------------------------------------

  /** One job's output from the byte offsets asked for: the running try's, else its log's (job-output.ts). */
  async jobOutput(id: string, jobId: string, query: OutputQuery): Promise<JobOutput> {
    return readJobOutput(
      { store: this.store, jr: this.jr, chainFacts: (rid) => this.chainFacts(rid), flush: () => this.writer.flush() },
      id,
      jobId,
      query,
    );
  }

  // ---- ending requests the JR cannot end --------------------------------------------------------

  /** Ids of RUNNING requests, oldest first, without those still being handed to the JR. */
  runningRequestIds(): string[] {
    return this.store.requestIdsInState(STATE_RUNNING).filter((id) => !this.starting.has(id));
  }

  /** The JR no longer knows a RUNNING request: end it (STOPPED if a stop was asked, else FAIL). */
  endLostRequest(id: string): boolean {
    return this.stopRequested.has(id)
      ? this.endRequest(id, STATE_STOPPED, REASONS.stoppedAndDropped)
      : this.endRequest(id, STATE_FAIL, REASONS.jrLost);
  }

  /** At start-up with our own JR (`server` mode): RUNNING requests died with the last engine. */
  failInterruptedRequests(): number {
    const ids = this.store.requestIdsInState(STATE_RUNNING);
    for (const id of ids) this.endRequest(id, STATE_FAIL, REASONS.engineRestarted);
    return ids.length;
  }

  /**
   * Ends a RUNNING request with `state`, filing a synthetic job log whose error is `why`.
   * Returns false (and writes nothing) when the request is no longer RUNNING.
   */
  endRequest(id: string, state: State, why: string): boolean {
    this.writer.flush();
    const ended = this.store.transaction(() => {
      if (this.store.getRequest(id)?.state !== STATE_RUNNING) return false;
      const facts = this.chainFacts(id);
      const jobId = chooseSyntheticJobId(facts, this.store.latestJobStates(id), this.store.loggedTries(id));
      this.store.insertJobLogs([syntheticJobLog(id, jobId, facts.jobTypes.get(jobId) ?? '', state, why)]);
      return this.store.markFinished(id, state, this.now());
    });
    if (ended) {
      this.forget(id);
      this.log.warn('request ended by the request manager', { request: id, state: stateName(state), why });
    }
    return ended;
  }

  /** Writes queued job logs now (before shutting down); reports those that cannot be stored. */
  flush(): void {
    this.writer.flush();
  }

  /** Before closing the database: writes what is queued, gives up what cannot be stored. */
  close(): void {
    this.writer.flush();
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
   * Whether the database takes writes. While it does not, a one-page write is tried at most
   * once a second (from here: the console asks every few seconds), so freeing space shows.
   */
  storageStatus(): StorageStatus {
    this.writer.flush();
    let failure = this.store.failure;
    if (failure && this.writer.heldCount === 0 && this.now() - failure.lastTryMs >= 1000) {
      this.store.probe();
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

  // ---- helpers ----------------------------------------------------------------------------------

  /** Waits until no job log arrived for `quietMs` or the request ended, at most `maxMs`. */
  private async untilLogsQuiet(id: string, quietMs: number, maxMs: number): Promise<void> {
    const deadline = this.now() + maxMs;
    do {
      await new Promise((r) => setTimeout(r, quietMs));
    } while (
      this.msSinceLastLog(id) < quietMs &&
      this.now() < deadline &&
      this.store.getRequest(id)?.state === STATE_RUNNING
    );
  }

  /**
   * Why a request the JR finished COMPLETE cannot be COMPLETE: a job whose latest logged try
   * did not complete, or a try missing below it. Null when every log is there.
   */
  private missingLogs(id: string): string | null {
    const facts = this.chains.get(id);
    if (!facts) return null;
    const latest = this.store.latestJobStates(id);
    const tries = new Map<string, Set<number>>();
    for (const t of this.store.loggedTries(id)) {
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
  }

  private chainFacts(id: string): ChainFacts {
    const facts = this.chains.get(id);
    if (!facts) throw jobChainNotFound();
    return facts;
  }

  /** 404 when the request is absent, else 400 naming the state it is in. */
  private stateError(id: string, expected: State): Error {
    const row = this.store.getRequest(id);
    return row ? notInState(expected, row.state) : requestNotFound();
  }
}
