// The engine's persistent state in SQLite (better-sqlite3), the EngineStore of `spincycle
// server` and of a single `spincycle rm`: requests with their params and job chains, every try
// of every job (job logs), who runs each chain, leases. One file in WAL mode with
// synchronous=NORMAL (a crash of the OS may lose the last commits, never corrupt the file), or
// ':memory:' for tests. Statements are prepared once. The work is synchronous (one process owns
// the file); the methods return settled promises. Callers group writes that arrive together
// (job-log-writer.ts) so one transaction carries many logs.
// A write that fails because the disk is full or unwritable throws a StorageError (507/503)
// and is remembered (`failure`) until a write succeeds again; nothing half-written stays.

import Database from 'better-sqlite3';
import {
  STATE_COMPLETE,
  STATE_PENDING,
  STATE_RUNNING,
  type JobLog,
  type JsonObject,
  type State,
} from '../../shared/proto';
import type {
  EngineStore,
  FindFilter,
  JobLogInsert,
  RetryStart,
  RunAssignment,
  RunFinish,
  StoredAttempt,
  StoredRequest,
  StoredRequestWithParams,
} from './engine-store';
import { findSql } from './find-sql';
import { columns, firstAttempt, fromRow, type AttemptRow, type JobLogRow, type RequestRow, type RunRow } from './rows';
import { migrate } from './schema';
import { DamagedDatabaseError, FailureRecord, StorageError, isDamage, isStorageFailure } from './storage-error';

export type { JobLogInsert, StorageFailure, StoredRequest } from './engine-store';

export class SqliteStore implements EngineStore {
  private readonly db: Database.Database;
  private readonly stmt;
  /** Find statements by their SQL (one per combination of filters). */
  private readonly findStatements = new Map<string, Database.Statement<unknown[], unknown>>();
  private readonly failures = new FailureRecord();
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
        `INSERT INTO requests (${columns.request}) VALUES (@id, @type, @state, @user, @createdAt, @startedAt, @finishedAt, @totalJobs, @finishedJobs)`,
      ),
      insertRaw: db.prepare('INSERT INTO raw_requests (request_id, params, job_chain) VALUES (?, ?, ?)'),
      getRequest: db.prepare<[string], RequestRow>(`SELECT ${columns.request} FROM requests WHERE id = ?`),
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
        `INSERT INTO job_logs (${columns.jobLog}) VALUES (@requestId, @jobId, @try, @type, @startedAt, @finishedAt, @state, @exit, @error, @stdout, @stderr)
         ON CONFLICT (request_id, job_id, try) DO NOTHING`,
      ),
      jobLogs: db
        .prepare<[string], JobLogRow>(
          `SELECT ${columns.jobLog} FROM job_logs WHERE request_id = ? ORDER BY job_id, try`,
        )
        .safeIntegers(true),
      latestJobLog: db
        .prepare<[string, string], JobLogRow>(
          `SELECT ${columns.jobLog} FROM job_logs WHERE request_id = ? AND job_id = ? ORDER BY try DESC LIMIT 1`,
        )
        .safeIntegers(true),
      jobLog: db
        .prepare<[string, string, number], JobLogRow>(
          `SELECT ${columns.jobLog} FROM job_logs WHERE request_id = ? AND job_id = ? AND try = ?`,
        )
        .safeIntegers(true),
      // SQLite returns the bare columns of the row holding max(try).
      latestStates: db.prepare<[string], { job_id: string; state: number; try: number }>(
        'SELECT job_id, state, max(try) AS try FROM job_logs WHERE request_id = ? GROUP BY job_id',
      ),
      loggedTries: db.prepare<[string], { job_id: string; try: number }>(
        'SELECT job_id, try FROM job_logs WHERE request_id = ?',
      ),
      insertRun: db.prepare(
        `INSERT INTO request_runs (${columns.run}) VALUES (@requestId, @epoch, @jrUrl, @resumable, 0, 0, @assignedAt)`,
      ),
      getRun: db.prepare<[string], RunRow>(`SELECT ${columns.run} FROM request_runs WHERE request_id = ?`),
      runEpoch: db.prepare<[string], { epoch: number }>('SELECT epoch FROM request_runs WHERE request_id = ?'),
      runningRuns: db.prepare<[number], RunRow>(
        `SELECT r.id AS request_id, u.epoch, u.jr_url, u.resumable, u.suspended, u.stop_requested, u.assigned_at
         FROM requests r LEFT JOIN request_runs u ON u.request_id = r.id WHERE r.state = ? ORDER BY r.created_at`,
      ),
      claimRun: db.prepare(
        `UPDATE request_runs SET epoch = epoch + 1, jr_url = @jrUrl, resumable = @resumable, suspended = 0, assigned_at = @atMs
         WHERE request_id = @id AND epoch = @fromEpoch`,
      ),
      suspendRun: db.prepare('UPDATE request_runs SET suspended = 1 WHERE request_id = ? AND epoch = ?'),
      markStopRequested: db.prepare('UPDATE request_runs SET stop_requested = 1 WHERE request_id = ?'),
      getLease: db.prepare<[string], { holder: string; expires_at: number }>(
        'SELECT holder, expires_at FROM leases WHERE name = ?',
      ),
      putLease: db.prepare(
        `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at`,
      ),
      releaseLease: db.prepare('DELETE FROM leases WHERE name = ? AND holder = ?'),
      // retry and re-run (migration 4)
      insertJobData: db.prepare(
        'INSERT INTO job_data (request_id, job_id, try, data) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
      ),
      jobData: db.prepare<[string], { job_id: string; data: string }>(
        'SELECT job_id, data FROM job_data WHERE request_id = ? ORDER BY job_id, try',
      ),
      attempts: db.prepare<[string], AttemptRow>(
        `SELECT ${columns.attempt} FROM request_attempts WHERE request_id = ? ORDER BY attempt`,
      ),
      insertAttempt: db.prepare(
        `INSERT INTO request_attempts (request_id, ${columns.attempt})
         VALUES (@requestId, @attempt, @kind, @user, @startedAt, @finishedAt, @state, @jobs)`,
      ),
      endAttempt: db.prepare(
        'UPDATE request_attempts SET finished_at = ?, state = ? WHERE request_id = ? AND attempt = ?',
      ),
      deleteAttempt: db.prepare('DELETE FROM request_attempts WHERE request_id = ? AND attempt = ?'),
      reopen: db.prepare(
        'UPDATE requests SET state = ?, started_at = ?, finished_at = NULL WHERE id = ? AND state = ?',
      ),
      restore: db.prepare('UPDATE requests SET state = ?, started_at = ?, finished_at = ? WHERE id = ? AND state = ?'),
      retryRun: db.prepare(
        `UPDATE request_runs SET epoch = epoch + 1, jr_url = @jrUrl, resumable = @resumable, suspended = 0,
         stop_requested = 0, assigned_at = @atMs WHERE request_id = @id`,
      ),
      fenceRun: db.prepare('UPDATE request_runs SET epoch = epoch + 1, jr_url = NULL WHERE request_id = ?'),
      insertRerun: db.prepare('INSERT INTO request_reruns (request_id, rerun_of) VALUES (?, ?)'),
      rerunOf: db.prepare<[string], { rerun_of: string }>('SELECT rerun_of FROM request_reruns WHERE request_id = ?'),
      reruns: db.prepare<[string], { id: string }>(
        `SELECT r.id FROM request_reruns x JOIN requests r ON r.id = x.request_id
         WHERE x.rerun_of = ? ORDER BY r.created_at, r.id`,
      ),
    };
  }

  get where(): string {
    return this.file;
  }

  /** Set while writes fail (disk full, I/O error); null once one succeeds. */
  get failure() {
    return this.failures.current;
  }

  /** Tries a one-page write (the header's user_version, rewritten as it is): can we write again? */
  async probe(): Promise<boolean> {
    try {
      this.write(() => this.db.pragma(`user_version = ${this.db.pragma('user_version', { simple: true }) as number}`));
      return true;
    } catch {
      return false;
    }
  }

  /** Runs `fn` in one transaction (nested calls become savepoints), as a write. */
  private transaction<T>(fn: () => T): T {
    return this.write(() => this.db.transaction(fn)());
  }

  /** Runs a write: a storage failure becomes a StorageError and is remembered; a success clears it. */
  private write<T>(fn: () => T): T {
    this.writing++;
    try {
      const result = fn();
      if (this.writing === 1) this.failures.succeeded();
      return result;
    } catch (err) {
      if (!(err instanceof StorageError) && !isStorageFailure(err)) throw err;
      throw this.failures.record(StorageError.from(err, this.file));
    } finally {
      this.writing--;
    }
  }

  // ---- requests --------------------------------------------------------------------------------

  async insertRequest(
    request: StoredRequest,
    paramsJson: string,
    chainJson: string,
    run?: RunAssignment,
    rerunOf?: string,
  ) {
    this.transaction(() => {
      this.stmt.insertRequest.run(request);
      this.stmt.insertRaw.run(request.id, paramsJson, chainJson);
      this.stmt.insertRun.run({
        requestId: request.id,
        epoch: run ? 1 : 0,
        jrUrl: run?.jrUrl ?? null,
        resumable: run?.resumable ? 1 : 0,
        assignedAt: request.createdAt,
      });
      if (rerunOf !== undefined) this.stmt.insertRerun.run(request.id, rerunOf);
    });
  }

  async getRequest(id: string): Promise<StoredRequest | undefined> {
    const row = this.stmt.getRequest.get(id);
    return row && fromRow.request(row);
  }

  async findRequests(filter: FindFilter): Promise<StoredRequestWithParams[]> {
    const { sql, values } = findSql(filter, 'sqlite').page;
    const rows = this.findStatement<RequestRow & { params: string }>(sql).all(...values);
    return rows.map((row) => ({ ...fromRow.request(row), params: row.params }));
  }

  async countRequests(filter: FindFilter): Promise<number> {
    const { sql, values } = findSql(filter, 'sqlite').count;
    return Number(this.findStatement<{ n: number }>(sql).get(...values)?.n ?? 0);
  }

  /** A find's statement, prepared once for each combination of filters. */
  private findStatement<R>(sql: string): Database.Statement<unknown[], R> {
    let statement = this.findStatements.get(sql);
    if (!statement) {
      statement = this.db.prepare<unknown[], unknown>(sql);
      this.findStatements.set(sql, statement);
    }
    return statement as Database.Statement<unknown[], R>;
  }

  async requestIdsInState(state: State): Promise<string[]> {
    return this.stmt.idsInState.all(state).map((r) => r.id);
  }

  async markStarted(id: string, atMs: number): Promise<boolean> {
    return this.write(() => this.stmt.markStarted.run(STATE_RUNNING, atMs, id, STATE_PENDING).changes === 1);
  }

  async markFinished(id: string, state: State, atMs: number): Promise<boolean> {
    return this.write(() => this.stmt.markFinished.run(state, atMs, id, STATE_RUNNING).changes === 1);
  }

  async chainJson(id: string): Promise<string | undefined> {
    return this.stmt.chain.get(id)?.job_chain;
  }

  async paramsJson(id: string): Promise<string | undefined> {
    return this.stmt.params.get(id)?.params;
  }

  async endRequest(id: string, state: State, atMs: number, log: JobLog): Promise<boolean> {
    return this.transaction(() => {
      if (this.stmt.getRequest.get(id)?.state !== STATE_RUNNING) return false;
      this.insertLogs([log], undefined);
      return this.stmt.markFinished.run(state, atMs, id, STATE_RUNNING).changes === 1;
    });
  }

  // ---- job logs --------------------------------------------------------------------------------

  async insertJobLogs(logs: readonly JobLog[], epochs?: readonly (number | undefined)[]): Promise<JobLogInsert[]> {
    return this.transaction(() => this.insertLogs(logs, epochs));
  }

  private insertLogs(logs: readonly JobLog[], epochs: readonly (number | undefined)[] | undefined): JobLogInsert[] {
    const completed = new Map<string, number>();
    // Each request's current epoch, read once: it cannot change within this transaction.
    const current = new Map<string, number | undefined>();
    const currentEpoch = (id: string) => {
      if (!current.has(id)) current.set(id, this.stmt.runEpoch.get(id)?.epoch);
      return current.get(id);
    };
    const results = logs.map((log, i): JobLogInsert => {
      const epoch = epochs?.[i];
      if (epoch !== undefined && currentEpoch(log.requestId) !== epoch) return 'stale';
      if (this.stmt.insertJobLog.run(log).changes === 0) return 'duplicate';
      if (log.state !== STATE_COMPLETE) return 'stored';
      if (log.data) this.stmt.insertJobData.run(log.requestId, log.jobId, log.try, JSON.stringify(log.data));
      if (this.stmt.completedOtherTry.get(log.requestId, log.jobId, STATE_COMPLETE, log.try) === undefined) {
        completed.set(log.requestId, (completed.get(log.requestId) ?? 0) + 1);
      }
      return 'stored';
    });
    for (const [id, n] of completed) this.stmt.addFinishedJobs.run(n, id);
    return results;
  }

  async jobLogs(requestId: string): Promise<JobLog[]> {
    return this.stmt.jobLogs.all(requestId).map(fromRow.jobLog);
  }

  async latestJobLog(requestId: string, jobId: string): Promise<JobLog | undefined> {
    const row = this.stmt.latestJobLog.get(requestId, jobId);
    return row && fromRow.jobLog(row);
  }

  async jobLog(requestId: string, jobId: string, tryN: number): Promise<JobLog | undefined> {
    const row = this.stmt.jobLog.get(requestId, jobId, tryN);
    return row && fromRow.jobLog(row);
  }

  async latestJobStates(requestId: string): Promise<Map<string, State>> {
    return new Map(this.stmt.latestStates.all(requestId).map((r) => [r.job_id, r.state]));
  }

  async loggedTries(requestId: string): Promise<Array<{ jobId: string; try: number }>> {
    return this.stmt.loggedTries.all(requestId).map((r) => ({ jobId: r.job_id, try: r.try }));
  }

  async jobData(requestId: string): Promise<Map<string, JsonObject>> {
    return new Map(this.stmt.jobData.all(requestId).map((r) => [r.job_id, JSON.parse(r.data) as JsonObject]));
  }

  // ---- retry and re-run ------------------------------------------------------------------------

  async attempts(requestId: string): Promise<StoredAttempt[]> {
    return this.stmt.attempts.all(requestId).map(fromRow.attempt);
  }

  async startRetry(id: string, from: State, retry: RetryStart, run: RunAssignment) {
    return this.transaction(() => {
      const row = this.stmt.getRequest.get(id);
      if (!row || Number(row.state) !== from) return null;
      const before = fromRow.request(row);
      const last = this.stmt.attempts.all(id).at(-1);
      if (last) this.stmt.endAttempt.run(before.finishedAt, before.state, id, last.attempt);
      else this.stmt.insertAttempt.run({ requestId: id, ...firstAttempt(before), jobs: '{}' });
      const attempt = (last ? Number(last.attempt) : 1) + 1;
      this.stmt.insertAttempt.run({
        requestId: id,
        attempt,
        kind: 'retry',
        user: retry.user,
        startedAt: retry.atMs,
        finishedAt: null,
        state: STATE_RUNNING,
        jobs: JSON.stringify(retry.jobs),
      });
      this.stmt.reopen.run(STATE_RUNNING, retry.atMs, id, from);
      if (!this.stmt.getRun.get(id)) {
        this.stmt.insertRun.run({ requestId: id, epoch: 0, jrUrl: null, resumable: 0, assignedAt: retry.atMs });
      }
      this.stmt.retryRun.run({ id, jrUrl: run.jrUrl, resumable: run.resumable ? 1 : 0, atMs: retry.atMs });
      return { attempt, epoch: this.stmt.runEpoch.get(id)?.epoch as number };
    });
  }

  async undoRetry(before: StoredRequest, attempt: number): Promise<void> {
    this.transaction(() => {
      this.stmt.deleteAttempt.run(before.id, attempt);
      this.stmt.restore.run(before.state, before.startedAt, before.finishedAt, before.id, STATE_RUNNING);
      this.stmt.fenceRun.run(before.id);
    });
  }

  async rerunOf(id: string): Promise<string | null> {
    return this.stmt.rerunOf.get(id)?.rerun_of ?? null;
  }

  async reruns(id: string): Promise<string[]> {
    return this.stmt.reruns.all(id).map((r) => r.id);
  }

  // ---- runs ------------------------------------------------------------------------------------

  async getRun(id: string) {
    const row = this.stmt.getRun.get(id);
    return row && fromRow.run(row);
  }

  async runningRuns() {
    return this.stmt.runningRuns.all(STATE_RUNNING).map(fromRow.run);
  }

  async claimRun(id: string, fromEpoch: number, to: RunAssignment | null, atMs: number): Promise<number | null> {
    return this.transaction(() => {
      if (!this.stmt.getRun.get(id)) {
        // Stored before runs were recorded: its first claim makes the record.
        if (fromEpoch !== 0 || !this.stmt.getRequest.get(id)) return null;
        this.stmt.insertRun.run({ requestId: id, epoch: 0, jrUrl: null, resumable: 0, assignedAt: atMs });
      }
      const params = { id, fromEpoch, jrUrl: to?.jrUrl ?? null, resumable: to?.resumable ? 1 : 0, atMs };
      return this.stmt.claimRun.run(params).changes === 1 ? fromEpoch + 1 : null;
    });
  }

  async suspendRun(id: string, epoch: number): Promise<boolean> {
    return this.write(() => this.stmt.suspendRun.run(id, epoch).changes === 1);
  }

  async markStopRequested(id: string): Promise<void> {
    this.write(() => this.stmt.markStopRequested.run(id));
  }

  async finishRun(id: string, state: State, atMs: number, epoch: number): Promise<RunFinish> {
    return this.transaction(() => {
      if (this.stmt.runEpoch.get(id)?.epoch !== epoch) return 'stale';
      return this.stmt.markFinished.run(state, atMs, id, STATE_RUNNING).changes === 1 ? 'finished' : 'not-running';
    });
  }

  // ---- leases ----------------------------------------------------------------------------------

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    return this.transaction(() => {
      const now = Date.now();
      const lease = this.stmt.getLease.get(name);
      if (lease && lease.holder !== holder && lease.expires_at > now) return false;
      this.stmt.putLease.run(name, holder, now + ttlMs);
      return true;
    });
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    this.write(() => this.stmt.releaseLease.run(name, holder));
  }

  async close(): Promise<void> {
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
