// What the Request Manager (and its background work) needs of its database, whatever holds it:
// SQLite in one file (store.ts, the default: `spincycle server`, one `spincycle rm`) or
// MariaDB/MySQL shared by several RMs (mysql-store.ts). Both pass the same contract tests
// (store-contract.ts). Every method is async; the SQLite one does its work synchronously and
// returns a settled promise.
//
// A write that fails because the database is full or cannot be written throws a StorageError
// (507/503), remembered in `failure` until a write succeeds again; nothing half-written stays.
//
// Ownership (cluster): every request has a run record naming the Job Runner that runs its
// chain and an epoch, raised at every hand-over (create, a JR refusing, resume). A JR that says
// which epoch it runs (ours do) has its posts checked against it: a stale one is refused
// ('stale'), so a JR that comes back late can neither double-record nor finish.

import type { JobLog, State } from '../../shared/proto';

/** A request row. Times are Unix milliseconds. */
export interface StoredRequest {
  id: string;
  type: string;
  state: State;
  user: string;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  totalJobs: number;
  finishedJobs: number;
}

/** What `GET /api/v1/requests` asks for (rm/find-query.ts reads it from the query string). */
export interface FindFilter {
  type?: string;
  /** Any of these states (a name our RM never holds, like v2's SUSPENDED, matches nothing). */
  states?: number[];
  user?: string;
  /** Given args that must all have these values. */
  args: Array<[string, string]>;
  /** Finished after this (Unix ms, exclusive), or not finished. */
  finishedAfterMs?: number;
  /** Created before this (Unix ms, exclusive). */
  createdBeforeMs?: number;
  /** null: every one. */
  limit: number | null;
  offset: number;
}

/** A request row with the CreateRequestParams JSON it was made from. */
export type StoredRequestWithParams = StoredRequest & { params: string };

/** The last write failed, and no write has succeeded since. */
export interface StorageFailure {
  /** The disk or database is full. */
  full: boolean;
  /** The StorageError's text (names the database). */
  message: string;
  /** When writes started failing, and when one was last tried (Unix ms). */
  sinceMs: number;
  lastTryMs: number;
}

/** What inserting one job log did: 'stale' when its poster's epoch is no longer the request's. */
export type JobLogInsert = 'stored' | 'duplicate' | 'stale';

/** What finishing a request by its owner did. */
export type RunFinish = 'finished' | 'not-running' | 'stale';

/** Who runs a request's chain now. */
export interface StoredRun {
  requestId: string;
  /** Raised at every hand-over; 0 for a request stored before runs were recorded. */
  epoch: number;
  /** The JR given the chain (its base URL, or `in-process`); null while none has it. */
  jrUrl: string | null;
  /** The JR took the chain with an epoch (ours): it can be resumed elsewhere when that JR is lost. */
  resumable: boolean;
  /** The JR handed the chain back (shutting down): it waits to be resumed. */
  suspended: boolean;
  /** A stop was asked (on any RM). */
  stopRequested: boolean;
  /** When the current epoch began (Unix ms). */
  assignedAt: number;
}

/** The JR a new request is given to first. */
export interface RunAssignment {
  jrUrl: string;
  resumable: boolean;
}

export interface EngineStore {
  /** Where the data lives, for messages: a file path, or `mysql://user@host:port/db` (no password). */
  readonly where: string;

  // ---- requests ----------------------------------------------------------------------------

  /**
   * Inserts a request with the CreateRequestParams and JobChain it was made from (JSON text),
   * and its run record: epoch 1 on `run`'s JR, or epoch 0 with none.
   */
  insertRequest(request: StoredRequest, paramsJson: string, chainJson: string, run?: RunAssignment): Promise<void>;
  getRequest(id: string): Promise<StoredRequest | undefined>;
  /** Ids of the requests in `state`, oldest first. */
  requestIdsInState(state: State): Promise<string[]>;
  /** PENDING -> RUNNING with startedAt; false when the request is not PENDING (or absent). */
  markStarted(id: string, atMs: number): Promise<boolean>;
  /** RUNNING -> `state` with finishedAt; false when the request is not RUNNING (or absent). */
  markFinished(id: string, state: State, atMs: number): Promise<boolean>;
  /** The stored JobChain JSON, exactly as it was built. */
  chainJson(id: string): Promise<string | undefined>;
  /** The stored CreateRequestParams JSON. */
  paramsJson(id: string): Promise<string | undefined>;
  /** Requests matching `filter`, newest first, each with the params it was created with. */
  findRequests(filter: FindFilter): Promise<StoredRequestWithParams[]>;
  /** How many requests match `filter` (its limit and offset aside). */
  countRequests(filter: FindFilter): Promise<number>;
  /**
   * In one transaction, when the request is RUNNING: stores `log` (the RM's own, explaining why;
   * kept out if its slot is taken) and ends the request with `state`. False (nothing written)
   * when it is not RUNNING.
   */
  endRequest(id: string, state: State, atMs: number, log: JobLog): Promise<boolean>;

  // ---- job logs ----------------------------------------------------------------------------

  /**
   * Stores `logs` in one transaction. A log whose (request, job, try) exists is not written
   * ('duplicate'); one whose `epochs[i]` (the poster's, when it said) is not its request's
   * current epoch is refused ('stale'). A stored COMPLETE log adds one to its request's
   * finishedJobs unless another try of that job completed already (distinct jobs). The caller
   * has checked that each request exists.
   */
  insertJobLogs(logs: readonly JobLog[], epochs?: readonly (number | undefined)[]): Promise<JobLogInsert[]>;
  /** Every try of every job of a request, by job id (bytewise) then try. */
  jobLogs(requestId: string): Promise<JobLog[]>;
  /** The highest try of one job. */
  latestJobLog(requestId: string, jobId: string): Promise<JobLog | undefined>;
  /** One try of one job. */
  jobLog(requestId: string, jobId: string, tryN: number): Promise<JobLog | undefined>;
  /** Each logged job's state at its highest try. */
  latestJobStates(requestId: string): Promise<Map<string, State>>;
  /** The (job, try) pairs a request has logs for. */
  loggedTries(requestId: string): Promise<Array<{ jobId: string; try: number }>>;

  // ---- runs (who runs each chain) ------------------------------------------------------------

  getRun(id: string): Promise<StoredRun | undefined>;
  /** The run record of every RUNNING request (epoch 0 and no JR for one stored before runs were). */
  runningRuns(): Promise<StoredRun[]>;
  /**
   * Hands a request over, if its epoch is still `fromEpoch`: the epoch goes up by one, the run
   * names `jrUrl` (null: none yet) and is no longer suspended. Resolves with the new epoch, or
   * null when someone else moved it first (another RM resuming it, a stale caller).
   */
  claimRun(id: string, fromEpoch: number, to: RunAssignment | null, atMs: number): Promise<number | null>;
  /** The JR running epoch `epoch` hands the chain back; false when that epoch is not current. */
  suspendRun(id: string, epoch: number): Promise<boolean>;
  /** Records that a stop was asked (any RM's reaper then ends a lost chain STOPPED). */
  markStopRequested(id: string): Promise<void>;
  /** RUNNING -> `state` by the JR running epoch `epoch` (as markFinished, refused when stale). */
  finishRun(id: string, state: State, atMs: number, epoch: number): Promise<RunFinish>;

  // ---- leases (background work on one RM at a time) ------------------------------------------

  /**
   * Takes or renews the lease `name` for `holder` for `ttlMs` (the database's clock); true when
   * `holder` holds it now. A lease not renewed in time can be taken by anyone.
   */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up if `holder` holds it. */
  releaseLease(name: string, holder: string): Promise<void>;

  // ---- health ------------------------------------------------------------------------------

  /** Set while writes fail (disk full, I/O error, the server gone); null once one succeeds. */
  readonly failure: StorageFailure | null;
  /** Tries a tiny write: can we write again? (Updates `failure`.) */
  probe(): Promise<boolean>;
  close(): Promise<void>;
}
