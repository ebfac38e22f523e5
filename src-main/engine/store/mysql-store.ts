// The engine's state on MariaDB (>= 10.6) or MySQL 8 through mysql2, for several Request
// Managers sharing one database: the same EngineStore as the SQLite one (store.ts), the same
// tables (mysql-schema.ts), passing the same contract tests.
// - A pool of connections (and one of its own for the lease, so that a busy RM keeps it); every
//   write is one transaction, retried when InnoDB chose it as a
//   deadlock victim or another RM inserted the same job log first.
// - Job logs go in multi-row INSERTs (a group of a few MB per statement); which of them exist
//   already, and which jobs completed before, is read first in the same transaction.
// - Ownership checks read the run's epoch with a shared lock: a hand-over (which raises it)
//   waits for the logs being stored, and logs wait for a hand-over being made.
// - Times of leases are the database's clock, the one clock every RM shares.
// - A write that fails because the server is gone, read-only or full is a StorageError (503 or
//   507) remembered in `failure`; a read that cannot reach the server is a 503 too.

import mysql, { type Pool, type PoolConnection, type RowDataPacket } from 'mysql2/promise';
import { STATE_COMPLETE, STATE_PENDING, STATE_RUNNING, type JobLog, type State } from '../../shared/proto';
import { HttpError } from '../http/server';
import type { Logger } from '../log';
import type { DatabaseLocation } from './database-url';
import type {
  EngineStore,
  FindFilter,
  JobLogInsert,
  RunAssignment,
  RunFinish,
  StorageFailure,
  StoredRequest,
  StoredRequestWithParams,
  StoredRun,
} from './engine-store';
import { findSql } from './find-sql';
import { migrateMysql } from './mysql-schema';
import { columns, fromRow, type JobLogRow, type RequestRow, type RunRow } from './rows';
import { FailureRecord, StorageError } from './storage-error';

type MysqlLocation = Extract<DatabaseLocation, { kind: 'mysql' }>;

/** Smallest max_allowed_packet that takes the largest job log (10 MiB per stream, in UTF-8). */
export const MIN_PACKET_BYTES = 64 * 1024 * 1024;

/** Bytes of SQL text per multi-row INSERT of job logs (well under max_allowed_packet). */
const INSERT_BYTES = 4 * 1024 * 1024;

const ER_DUP_ENTRY = 1062;
const ER_LOCK_DEADLOCK = 1213;
const ER_LOCK_WAIT_TIMEOUT = 1205;
/** Disk full, table full, out of space for a temp table. */
const FULL_ERRNOS = new Set([1021, 1114, 1041]);
/** The server is read-only, or refuses connections. */
const UNAVAILABLE_ERRNOS = new Set([1290, 1040, 1053, 1836, 1792]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
]);

interface DbError {
  errno?: number;
  code?: string;
  fatal?: boolean;
  message?: string;
}

const dbError = (err: unknown): DbError => (typeof err === 'object' && err !== null ? (err as DbError) : {});

/** The server cannot be reached or does not take writes: a retry may cure it. */
function isUnavailable(err: unknown): boolean {
  const e = dbError(err);
  return (
    e.fatal === true ||
    NETWORK_CODES.has(e.code ?? '') ||
    UNAVAILABLE_ERRNOS.has(e.errno ?? 0) ||
    FULL_ERRNOS.has(e.errno ?? 0) ||
    /Got error 28 /.test(e.message ?? '')
  );
}

const isFull = (err: unknown) => {
  const e = dbError(err);
  return FULL_ERRNOS.has(e.errno ?? 0) || /Got error 28 /.test(e.message ?? '');
};

/** Retried at once: InnoDB rolled back a deadlock victim, or a row another RM inserted first. */
const isRetryable = (err: unknown) =>
  [ER_LOCK_DEADLOCK, ER_LOCK_WAIT_TIMEOUT, ER_DUP_ENTRY].includes(dbError(err).errno ?? 0);

const errorText = (err: unknown) => dbError(err).message ?? String(err);

interface RequestPacket extends RowDataPacket, RequestRow {}
interface JobLogPacket extends RowDataPacket, JobLogRow {}
interface RunPacket extends RowDataPacket, RunRow {}

export class MysqlStore implements EngineStore {
  private readonly failures = new FailureRecord();

  private constructor(
    private readonly pool: Pool,
    /** The lease's own connection: a busy pool must not make the lease lapse. */
    private readonly leasePool: Pool,
    readonly where: string,
  ) {}

  /**
   * Connects, checks the server, and migrates the schema (safe when several RMs start at once).
   * Throws an Error naming the database (never its password) when it cannot.
   */
  static async open(location: MysqlLocation, logger: Logger): Promise<MysqlStore> {
    const pool = poolOf(location, 16);
    const leasePool = poolOf(location, 1);
    try {
      const conn = await pool.getConnection();
      try {
        const [[server]] = (await conn.query(
          'SELECT VERSION() AS version, @@max_allowed_packet AS packet',
        )) as unknown as [Array<{ version: string; packet: number | string }>];
        if (Number(server?.packet ?? 0) < MIN_PACKET_BYTES) {
          logger.warn(
            'the database server takes statements of at most max_allowed_packet bytes: a job log that big is refused',
            {
              db: location.where,
              maxAllowedPacket: Number(server?.packet ?? 0),
              advice: `set max_allowed_packet to at least ${MIN_PACKET_BYTES} (64M) on the server`,
            },
          );
        }
        await migrateMysql(conn);
      } finally {
        conn.release();
      }
    } catch (err) {
      await Promise.all([pool.end().catch(() => {}), leasePool.end().catch(() => {})]);
      throw new Error(`cannot open the engine database ${location.where}: ${errorText(err)}`, { cause: err });
    }
    return new MysqlStore(pool, leasePool, location.where);
  }

  get failure(): StorageFailure | null {
    return this.failures.current;
  }

  async probe(): Promise<boolean> {
    try {
      await this.write(async (c) => {
        await c.query('SELECT 1 FROM spincycle_schema FOR UPDATE');
      });
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.end(), this.leasePool.end()]);
  }

  // ---- plumbing ----------------------------------------------------------------------------

  /** One read query; a server that cannot be reached is a 503 naming the database. */
  private async read<T extends RowDataPacket>(sql: string, values: unknown[]): Promise<T[]> {
    try {
      const [rows] = await this.pool.query<T[]>(sql, values);
      return rows;
    } catch (err) {
      if (isUnavailable(err))
        throw new HttpError(503, `cannot read the engine database ${this.where}: ${errorText(err)}`);
      throw err;
    }
  }

  /**
   * Runs `fn` in one transaction on one connection, again (a few times) when InnoDB picked it as
   * a deadlock victim or a row it inserts was inserted by another RM first.
   */
  private async write<T>(fn: (conn: PoolConnection) => Promise<T>, pool = this.pool): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let conn: PoolConnection | undefined;
      try {
        conn = await pool.getConnection();
        await conn.beginTransaction();
        const result = await fn(conn);
        await conn.commit();
        this.failures.succeeded();
        return result;
      } catch (err) {
        await conn?.rollback().catch(() => {});
        if (isRetryable(err) && attempt < 5) continue;
        if (!isUnavailable(err)) throw err;
        throw this.failures.record(new StorageError(errorText(err), this.where, isFull(err)));
      } finally {
        conn?.release();
      }
    }
  }

  // ---- requests ----------------------------------------------------------------------------

  async insertRequest(request: StoredRequest, paramsJson: string, chainJson: string, run?: RunAssignment) {
    await this.write(async (c) => {
      await c.query(`INSERT INTO requests (${columns.request}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
        request.id,
        request.type,
        request.state,
        request.user,
        request.createdAt,
        request.startedAt,
        request.finishedAt,
        request.totalJobs,
        request.finishedJobs,
      ]);
      await c.query('INSERT INTO raw_requests (request_id, params, job_chain) VALUES (?, ?, ?)', [
        request.id,
        paramsJson,
        chainJson,
      ]);
      await c.query(`INSERT INTO request_runs (${columns.run}) VALUES (?, ?, ?, ?, 0, 0, ?)`, [
        request.id,
        run ? 1 : 0,
        run?.jrUrl ?? null,
        run?.resumable ? 1 : 0,
        request.createdAt,
      ]);
    });
  }

  async getRequest(id: string): Promise<StoredRequest | undefined> {
    const [row] = await this.read<RequestPacket>(`SELECT ${columns.request} FROM requests WHERE id = ?`, [id]);
    return row && fromRow.request(row);
  }

  async requestIdsInState(state: State): Promise<string[]> {
    const rows = await this.read<RequestPacket>('SELECT id FROM requests WHERE state = ? ORDER BY created_at, id', [
      state,
    ]);
    return rows.map((r) => r.id);
  }

  async markStarted(id: string, atMs: number): Promise<boolean> {
    return this.write(async (c) =>
      changed(
        await c.query('UPDATE requests SET state = ?, started_at = ? WHERE id = ? AND state = ?', [
          STATE_RUNNING,
          atMs,
          id,
          STATE_PENDING,
        ]),
      ),
    );
  }

  async markFinished(id: string, state: State, atMs: number): Promise<boolean> {
    return this.write((c) => finish(c, id, state, atMs));
  }

  async chainJson(id: string): Promise<string | undefined> {
    const [row] = await this.read<RowDataPacket>('SELECT job_chain FROM raw_requests WHERE request_id = ?', [id]);
    return row?.job_chain as string | undefined;
  }

  async paramsJson(id: string): Promise<string | undefined> {
    const [row] = await this.read<RowDataPacket>('SELECT params FROM raw_requests WHERE request_id = ?', [id]);
    return row?.params as string | undefined;
  }

  async findRequests(filter: FindFilter): Promise<StoredRequestWithParams[]> {
    const { sql, values } = findSql(filter, 'mysql').page;
    const rows = await this.read<RequestPacket & { params: string }>(sql, values);
    return rows.map((row) => ({ ...fromRow.request(row), params: row.params }));
  }

  async countRequests(filter: FindFilter): Promise<number> {
    const { sql, values } = findSql(filter, 'mysql').count;
    const [row] = await this.read<RowDataPacket>(sql, values);
    return Number(row?.n ?? 0);
  }

  async endRequest(id: string, state: State, atMs: number, log: JobLog): Promise<boolean> {
    return this.write(async (c) => {
      const [rows] = await c.query<RequestPacket[]>('SELECT state FROM requests WHERE id = ? FOR UPDATE', [id]);
      if (rows[0]?.state !== STATE_RUNNING) return false;
      await insertLogs(c, [log], undefined);
      return finish(c, id, state, atMs);
    });
  }

  // ---- job logs ----------------------------------------------------------------------------

  async insertJobLogs(logs: readonly JobLog[], epochs?: readonly (number | undefined)[]): Promise<JobLogInsert[]> {
    if (logs.length === 0) return [];
    return this.write((c) => insertLogs(c, logs, epochs));
  }

  async jobLogs(requestId: string): Promise<JobLog[]> {
    const rows = await this.read<JobLogPacket>(
      `SELECT ${columns.jobLog} FROM job_logs WHERE request_id = ? ORDER BY job_id, \`try\``,
      [requestId],
    );
    return rows.map(fromRow.jobLog);
  }

  async latestJobLog(requestId: string, jobId: string): Promise<JobLog | undefined> {
    const [row] = await this.read<JobLogPacket>(
      `SELECT ${columns.jobLog} FROM job_logs WHERE request_id = ? AND job_id = ? ORDER BY \`try\` DESC LIMIT 1`,
      [requestId, jobId],
    );
    return row && fromRow.jobLog(row);
  }

  async jobLog(requestId: string, jobId: string, tryN: number): Promise<JobLog | undefined> {
    const [row] = await this.read<JobLogPacket>(
      `SELECT ${columns.jobLog} FROM job_logs WHERE request_id = ? AND job_id = ? AND \`try\` = ?`,
      [requestId, jobId, tryN],
    );
    return row && fromRow.jobLog(row);
  }

  async latestJobStates(requestId: string): Promise<Map<string, State>> {
    const rows = await this.read<RowDataPacket>(
      'SELECT job_id, state, `try` FROM job_logs WHERE request_id = ? ORDER BY job_id, `try`',
      [requestId],
    );
    // Ordered by try: the last row of each job is its highest try.
    return new Map(rows.map((r) => [r.job_id as string, r.state as State]));
  }

  async loggedTries(requestId: string): Promise<Array<{ jobId: string; try: number }>> {
    const rows = await this.read<RowDataPacket>('SELECT job_id, `try` FROM job_logs WHERE request_id = ?', [requestId]);
    return rows.map((r) => ({ jobId: r.job_id as string, try: r.try as number }));
  }

  // ---- runs --------------------------------------------------------------------------------

  async getRun(id: string): Promise<StoredRun | undefined> {
    const [row] = await this.read<RunPacket>(`SELECT ${columns.run} FROM request_runs WHERE request_id = ?`, [id]);
    return row && fromRow.run(row);
  }

  async runningRuns(): Promise<StoredRun[]> {
    const rows = await this.read<RunPacket>(
      `SELECT r.id AS request_id, u.epoch, u.jr_url, u.resumable, u.suspended, u.stop_requested, u.assigned_at
       FROM requests r LEFT JOIN request_runs u ON u.request_id = r.id WHERE r.state = ? ORDER BY r.created_at, r.id`,
      [STATE_RUNNING],
    );
    return rows.map(fromRow.run);
  }

  async claimRun(id: string, fromEpoch: number, to: RunAssignment | null, atMs: number): Promise<number | null> {
    return this.write(async (c) => {
      const [runs] = await c.query<RunPacket[]>('SELECT epoch FROM request_runs WHERE request_id = ? FOR UPDATE', [id]);
      const current = runs[0] ? Number(runs[0].epoch) : undefined;
      if (current === undefined) {
        // Stored before runs were recorded: its first claim makes the record.
        const [reqs] = await c.query<RequestPacket[]>('SELECT id FROM requests WHERE id = ?', [id]);
        if (fromEpoch !== 0 || reqs.length === 0) return null;
        await c.query(`INSERT INTO request_runs (${columns.run}) VALUES (?, 0, NULL, 0, 0, 0, ?)`, [id, atMs]);
      } else if (current !== fromEpoch) {
        return null;
      }
      await c.query(
        'UPDATE request_runs SET epoch = ?, jr_url = ?, resumable = ?, suspended = 0, assigned_at = ? WHERE request_id = ?',
        [fromEpoch + 1, to?.jrUrl ?? null, to?.resumable ? 1 : 0, atMs, id],
      );
      return fromEpoch + 1;
    });
  }

  async suspendRun(id: string, epoch: number): Promise<boolean> {
    return this.write(async (c) =>
      changed(await c.query('UPDATE request_runs SET suspended = 1 WHERE request_id = ? AND epoch = ?', [id, epoch])),
    );
  }

  async markStopRequested(id: string): Promise<void> {
    await this.write((c) => c.query('UPDATE request_runs SET stop_requested = 1 WHERE request_id = ?', [id]));
  }

  async finishRun(id: string, state: State, atMs: number, epoch: number): Promise<RunFinish> {
    return this.write(async (c) => {
      const [runs] = await c.query<RunPacket[]>(
        'SELECT epoch FROM request_runs WHERE request_id = ? LOCK IN SHARE MODE',
        [id],
      );
      if (Number(runs[0]?.epoch) !== epoch) return 'stale';
      return (await finish(c, id, state, atMs)) ? 'finished' : 'not-running';
    });
  }

  // ---- leases ------------------------------------------------------------------------------

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    return this.write(async (c) => {
      const [[clock]] = (await c.query('SELECT CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED) AS now')) as unknown as [
        Array<{ now: number | string }>,
      ];
      const now = Number(clock?.now);
      const [leases] = await c.query<RowDataPacket[]>(
        'SELECT holder, expires_at FROM leases WHERE name = ? FOR UPDATE',
        [name],
      );
      const lease = leases[0];
      if (!lease) {
        await c.query('INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)', [name, holder, now + ttlMs]);
        return true;
      }
      if (lease.holder !== holder && Number(lease.expires_at) > now) return false;
      await c.query('UPDATE leases SET holder = ?, expires_at = ? WHERE name = ?', [holder, now + ttlMs, name]);
      return true;
    }, this.leasePool);
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.write(
      (c) => c.query('DELETE FROM leases WHERE name = ? AND holder = ?', [name, holder]),
      this.leasePool,
    );
  }
}

function poolOf(location: MysqlLocation, connections: number): Pool {
  const pool = mysql.createPool({
    host: location.host,
    port: location.port,
    user: location.user,
    ...(location.password === undefined ? {} : { password: location.password }),
    database: location.database,
    charset: 'utf8mb4',
    supportBigNumbers: true,
    bigNumberStrings: false,
    connectionLimit: connections,
    connectTimeout: 10_000,
    enableKeepAlive: true,
  });
  // A connection the server dropped is replaced by the pool; its error is the query's.
  pool.on('connection', (conn) => conn.on('error', () => {}));
  return pool;
}

// ---- statements inside a transaction -------------------------------------------------------

/** Rows an UPDATE matched (mysql2 reports found rows). */
const changed = (result: unknown): boolean => ((result as [{ affectedRows?: number }])[0]?.affectedRows ?? 0) > 0;

/** RUNNING -> `state` with finishedAt; false when not RUNNING. */
async function finish(c: PoolConnection, id: string, state: State, atMs: number): Promise<boolean> {
  return changed(
    await c.query('UPDATE requests SET state = ?, finished_at = ? WHERE id = ? AND state = ?', [
      state,
      atMs,
      id,
      STATE_RUNNING,
    ]),
  );
}

async function insertLogs(
  c: PoolConnection,
  logs: readonly JobLog[],
  epochs: readonly (number | undefined)[] | undefined,
): Promise<JobLogInsert[]> {
  const requestIds = [...new Set(logs.map((l) => l.requestId))].sort();
  // The epochs first, under a shared lock: a hand-over waits for this transaction.
  const current = new Map<string, number>();
  if (epochs?.some((e) => e !== undefined)) {
    const [runs] = await c.query<RunPacket[]>(
      'SELECT request_id, epoch FROM request_runs WHERE request_id IN (?) LOCK IN SHARE MODE',
      [requestIds],
    );
    for (const r of runs) current.set(r.request_id, Number(r.epoch ?? 0));
  }
  // What is there already: the tries of these jobs, and which of them completed.
  const existing = new Set<string>();
  const completedBefore = new Set<string>();
  for (const requestId of requestIds) {
    const jobIds = [...new Set(logs.filter((l) => l.requestId === requestId).map((l) => l.jobId))];
    const [rows] = await c.query<RowDataPacket[]>(
      'SELECT job_id, `try`, state FROM job_logs WHERE request_id = ? AND job_id IN (?)',
      [requestId, jobIds],
    );
    for (const r of rows) {
      existing.add(key(requestId, r.job_id as string, r.try as number));
      if (r.state === STATE_COMPLETE) completedBefore.add(key(requestId, r.job_id as string, 0));
    }
  }
  const results: JobLogInsert[] = [];
  const fresh: JobLog[] = [];
  const completedNow = new Map<string, number>();
  logs.forEach((log, i) => {
    const epoch = epochs?.[i];
    if (epoch !== undefined && current.get(log.requestId) !== epoch) return results.push('stale');
    const k = key(log.requestId, log.jobId, log.try);
    if (existing.has(k)) return results.push('duplicate');
    existing.add(k);
    fresh.push(log);
    const job = key(log.requestId, log.jobId, 0);
    if (log.state === STATE_COMPLETE && !completedBefore.has(job)) {
      completedBefore.add(job);
      completedNow.set(log.requestId, (completedNow.get(log.requestId) ?? 0) + 1);
    }
    return results.push('stored');
  });
  for (const group of byBytes(fresh)) {
    const rows = group.map((l) => [
      l.requestId,
      l.jobId,
      l.try,
      l.type,
      mysql.raw(l.startedAt.toString()),
      mysql.raw(l.finishedAt.toString()),
      l.state,
      l.exit,
      l.error,
      l.stdout,
      l.stderr,
    ]);
    await c.query(`INSERT INTO job_logs (${columns.jobLog}) VALUES ?`, [rows]);
  }
  for (const [id, n] of [...completedNow].sort(([a], [b]) => (a < b ? -1 : 1))) {
    await c.query('UPDATE requests SET finished_jobs = finished_jobs + ? WHERE id = ?', [n, id]);
  }
  return results;
}

const key = (requestId: string, jobId: string, tryN: number) => `${tryN}\u0000${requestId}\u0000${jobId}`;

/** Logs in groups of about INSERT_BYTES of text each (a bigger log alone). */
function* byBytes(logs: readonly JobLog[]): Generator<JobLog[]> {
  let group: JobLog[] = [];
  let bytes = 0;
  for (const l of logs) {
    const size = 256 + l.jobId.length + l.error.length + l.stdout.length + l.stderr.length;
    if (group.length > 0 && bytes + size > INSERT_BYTES) {
      yield group;
      group = [];
      bytes = 0;
    }
    group.push(l);
    bytes += size;
  }
  if (group.length > 0) yield group;
}
