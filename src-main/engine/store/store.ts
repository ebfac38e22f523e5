// The engine's persistent state (better-sqlite3): requests with their params and job chains,
// and every try of every job (job logs). One file in WAL mode with synchronous=NORMAL (a
// crash of the OS may lose the last commits, never corrupt the file), or ':memory:' for tests.
// Statements are prepared once. All methods are synchronous; callers group writes that arrive
// together (job-log-writer.ts) so one transaction carries many logs.
// A write that fails because the disk is full or unwritable throws a StorageError (507/503)
// and is remembered (`failure`) until a write succeeds again; nothing half-written stays.

import Database from 'better-sqlite3';
import { STATE_COMPLETE, STATE_PENDING, STATE_RUNNING, type JobLog, type State } from '../../shared/proto';
import { migrate } from './schema';
import { DamagedDatabaseError, StorageError, isDamage, isStorageFailure } from './storage-error';

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

/** The last write failed, and no write has succeeded since. */
export interface StorageFailure {
  /** The disk or database is full. */
  full: boolean;
  /** The StorageError's text (names the file). */
  message: string;
  /** When writes started failing, and when one was last tried (Unix ms). */
  sinceMs: number;
  lastTryMs: number;
}

/** What inserting one job log did. */
export type JobLogInsert = 'stored' | 'duplicate';

interface RequestRowDb {
  id: string;
  type: string;
  state: number;
  user: string;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  total_jobs: number;
  finished_jobs: number;
}

interface JobLogRowDb {
  request_id: string;
  job_id: string;
  try: bigint;
  type: string;
  started_at: bigint;
  finished_at: bigint;
  state: bigint;
  exit: bigint;
  error: string;
  stdout: string;
  stderr: string;
}

const REQUEST_COLUMNS = 'id, type, state, user, created_at, started_at, finished_at, total_jobs, finished_jobs';
const JOB_LOG_COLUMNS = 'request_id, job_id, try, type, started_at, finished_at, state, exit, error, stdout, stderr';

export class EngineStore {
  private readonly db: Database.Database;
  private readonly stmt;
  private failed: StorageFailure | null = null;
  /** Nesting depth of write() (a transaction's statements run inside it). */
  private writing = 0;

  /**
   * Opens (creating if needed) the database file at `file`, or an in-memory one for ':memory:'.
   * A file whose integrity check fails, or that is not a database, throws DamagedDatabaseError;
   * every other failure names the file too (see open-store.ts for what start-up does then).
   */
  constructor(readonly file: string) {
    this.db = openDatabase(file);
    const db = this.db;
    this.stmt = {
      insertRequest: db.prepare(
        `INSERT INTO requests (${REQUEST_COLUMNS}) VALUES (@id, @type, @state, @user, @createdAt, @startedAt, @finishedAt, @totalJobs, @finishedJobs)`,
      ),
      insertRaw: db.prepare('INSERT INTO raw_requests (request_id, params, job_chain) VALUES (?, ?, ?)'),
      getRequest: db.prepare<[string], RequestRowDb>(`SELECT ${REQUEST_COLUMNS} FROM requests WHERE id = ?`),
      idsInState: db.prepare<[number], { id: string }>('SELECT id FROM requests WHERE state = ? ORDER BY created_at'),
      markStarted: db.prepare('UPDATE requests SET state = ?, started_at = ? WHERE id = ? AND state = ?'),
      markFinished: db.prepare('UPDATE requests SET state = ?, finished_at = ? WHERE id = ? AND state = ?'),
      addFinishedJobs: db.prepare('UPDATE requests SET finished_jobs = finished_jobs + ? WHERE id = ?'),
      completedOtherTry: db.prepare<[string, string, number, number], { one: number }>(
        'SELECT 1 AS one FROM job_logs WHERE request_id = ? AND job_id = ? AND state = ? AND try <> ? LIMIT 1',
      ),
      chain: db.prepare<[string], { job_chain: string }>('SELECT job_chain FROM raw_requests WHERE request_id = ?'),
      params: db.prepare<[string], { params: string }>('SELECT params FROM raw_requests WHERE request_id = ?'),
      insertJobLog: db.prepare(
        `INSERT INTO job_logs (${JOB_LOG_COLUMNS}) VALUES (@requestId, @jobId, @try, @type, @startedAt, @finishedAt, @state, @exit, @error, @stdout, @stderr)
         ON CONFLICT (request_id, job_id, try) DO NOTHING`,
      ),
      jobLogs: db
        .prepare<[string], JobLogRowDb>(
          `SELECT ${JOB_LOG_COLUMNS} FROM job_logs WHERE request_id = ? ORDER BY job_id, try`,
        )
        .safeIntegers(true),
      latestJobLog: db
        .prepare<[string, string], JobLogRowDb>(
          `SELECT ${JOB_LOG_COLUMNS} FROM job_logs WHERE request_id = ? AND job_id = ? ORDER BY try DESC LIMIT 1`,
        )
        .safeIntegers(true),
      jobLog: db
        .prepare<[string, string, number], JobLogRowDb>(
          `SELECT ${JOB_LOG_COLUMNS} FROM job_logs WHERE request_id = ? AND job_id = ? AND try = ?`,
        )
        .safeIntegers(true),
      // SQLite returns the bare columns of the row holding max(try).
      latestStates: db.prepare<[string], { job_id: string; state: number; try: number }>(
        'SELECT job_id, state, max(try) AS try FROM job_logs WHERE request_id = ? GROUP BY job_id',
      ),
      loggedTries: db.prepare<[string], { job_id: string; try: number }>(
        'SELECT job_id, try FROM job_logs WHERE request_id = ?',
      ),
    };
  }

  /** Runs `fn` in one transaction (nested calls become savepoints). */
  transaction<T>(fn: () => T): T {
    return this.write(() => this.db.transaction(fn)());
  }

  /** Set while writes fail (disk full, I/O error); null once one succeeds. */
  get failure(): StorageFailure | null {
    return this.failed;
  }

  /** Tries a one-page write (the header's user_version, rewritten as it is): can we write again? */
  probe(): boolean {
    try {
      this.write(() => this.db.pragma(`user_version = ${this.db.pragma('user_version', { simple: true }) as number}`));
      return true;
    } catch {
      return false;
    }
  }

  /** Runs a write: a storage failure becomes a StorageError and is remembered; a success clears it. */
  private write<T>(fn: () => T): T {
    this.writing++;
    try {
      const result = fn();
      if (this.writing === 1) this.failed = null;
      return result;
    } catch (err) {
      if (!(err instanceof StorageError) && !isStorageFailure(err)) throw err;
      const failure = StorageError.from(err, this.file);
      const now = Date.now();
      this.failed = {
        full: failure.full,
        message: failure.message,
        sinceMs: this.failed?.sinceMs ?? now,
        lastTryMs: now,
      };
      throw failure;
    } finally {
      this.writing--;
    }
  }

  // ---- requests --------------------------------------------------------------------------------

  /** Inserts a request with the CreateRequestParams and JobChain it was made from (JSON text). */
  insertRequest(request: StoredRequest, paramsJson: string, chainJson: string): void {
    this.transaction(() => {
      this.stmt.insertRequest.run(request);
      this.stmt.insertRaw.run(request.id, paramsJson, chainJson);
    });
  }

  getRequest(id: string): StoredRequest | undefined {
    const row = this.stmt.getRequest.get(id);
    return row && toStoredRequest(row);
  }

  requestIdsInState(state: State): string[] {
    return this.stmt.idsInState.all(state).map((r) => r.id);
  }

  /** PENDING -> RUNNING with startedAt; false when the request is not PENDING (or absent). */
  markStarted(id: string, atMs: number): boolean {
    return this.write(() => this.stmt.markStarted.run(STATE_RUNNING, atMs, id, STATE_PENDING).changes === 1);
  }

  /** RUNNING -> `state` with finishedAt; false when the request is not RUNNING (or absent). */
  markFinished(id: string, state: State, atMs: number): boolean {
    return this.write(() => this.stmt.markFinished.run(state, atMs, id, STATE_RUNNING).changes === 1);
  }

  /** The stored JobChain JSON, exactly as it was built. */
  chainJson(id: string): string | undefined {
    return this.stmt.chain.get(id)?.job_chain;
  }

  /** The stored CreateRequestParams JSON. */
  paramsJson(id: string): string | undefined {
    return this.stmt.params.get(id)?.params;
  }

  // ---- job logs --------------------------------------------------------------------------------

  /**
   * Stores `logs` in one transaction. A log whose (request, job, try) exists is not written
   * ('duplicate'). A stored log with state COMPLETE adds one to its request's finishedJobs,
   * unless another try of that job completed already: finishedJobs counts distinct jobs.
   * The caller has checked that each request exists.
   */
  insertJobLogs(logs: readonly JobLog[]): JobLogInsert[] {
    return this.transaction(() => {
      const completed = new Map<string, number>();
      const results = logs.map((log): JobLogInsert => {
        if (this.stmt.insertJobLog.run(log).changes === 0) return 'duplicate';
        if (
          log.state === STATE_COMPLETE &&
          this.stmt.completedOtherTry.get(log.requestId, log.jobId, STATE_COMPLETE, log.try) === undefined
        ) {
          completed.set(log.requestId, (completed.get(log.requestId) ?? 0) + 1);
        }
        return 'stored';
      });
      for (const [id, n] of completed) this.stmt.addFinishedJobs.run(n, id);
      return results;
    });
  }

  /** Every try of every job of a request, by job id (bytewise) then try. */
  jobLogs(requestId: string): JobLog[] {
    return this.stmt.jobLogs.all(requestId).map(toJobLog);
  }

  /** The highest try of one job. */
  latestJobLog(requestId: string, jobId: string): JobLog | undefined {
    const row = this.stmt.latestJobLog.get(requestId, jobId);
    return row && toJobLog(row);
  }

  /** One try of one job. */
  jobLog(requestId: string, jobId: string, tryN: number): JobLog | undefined {
    const row = this.stmt.jobLog.get(requestId, jobId, tryN);
    return row && toJobLog(row);
  }

  /** Each logged job's state at its highest try. */
  latestJobStates(requestId: string): Map<string, State> {
    return new Map(this.stmt.latestStates.all(requestId).map((r) => [r.job_id, r.state]));
  }

  /** The (job, try) pairs a request has logs for. */
  loggedTries(requestId: string): Array<{ jobId: string; try: number }> {
    return this.stmt.loggedTries.all(requestId).map((r) => ({ jobId: r.job_id, try: r.try }));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** Opens, sets the pragmas, checks integrity (PRAGMA quick_check) and migrates. */
function openDatabase(file: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(file);
    if (file !== ':memory:') db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    if (file !== ':memory:') {
      const problems = db.pragma('quick_check', { simple: false }) as Array<{ quick_check: string }>;
      const first = problems[0]?.quick_check ?? 'ok';
      if (first !== 'ok') {
        const more = problems.length > 1 ? ` (and ${problems.length - 1} more problems)` : '';
        throw new DamagedDatabaseError(file, `integrity check failed: ${first}${more}`);
      }
    }
    migrate(db);
    return db;
  } catch (err) {
    db?.close();
    if (err instanceof DamagedDatabaseError) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    if (isDamage(err)) throw new DamagedDatabaseError(file, reason);
    if (isStorageFailure(err)) throw StorageError.from(err, file);
    throw new Error(`cannot open the engine database ${file}: ${reason}`, { cause: err });
  }
}

function toStoredRequest(r: RequestRowDb): StoredRequest {
  return {
    id: r.id,
    type: r.type,
    state: r.state,
    user: r.user,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    totalJobs: r.total_jobs,
    finishedJobs: r.finished_jobs,
  };
}

function toJobLog(r: JobLogRowDb): JobLog {
  return {
    requestId: r.request_id,
    jobId: r.job_id,
    try: Number(r.try),
    type: r.type,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    state: Number(r.state),
    exit: Number(r.exit),
    error: r.error,
    stdout: r.stdout,
    stderr: r.stderr,
  };
}
