// The console's cache: every request, chain, job status and job log (every try) the console
// has seen, per context, in one SQLite file, with a full-text index over log text. This is what
// makes offline review work. Statements are prepared once; writes of many rows are batched in
// one transaction. Log text is indexed in batches (indexPending) rather than per row: storing
// stays fast, and a search first indexes whatever is pending, so it always sees every log.

import type Database from 'better-sqlite3';
import type {
  Context,
  JobLogRecord,
  JobLogSummary,
  JobLogText,
  LogSearchHit,
  Page,
  RequestFilter,
  RequestOrigin,
  RequestRecord,
  TrayModel,
} from '../../shared/console-model';
import {
  STATE_FAIL,
  STATE_PENDING,
  STATE_RUNNING,
  STATE_TIMEOUT,
  type JobChain,
  type JobLog,
  type JobStatus,
  type JsonObject,
  type Request,
} from '../../shared/proto';
import { openCache, type OpenCacheOptions, type OpenedCache } from './open-cache';

type Row = Record<string, unknown>;

const toRecord = (r: Row): RequestRecord => ({
  context: r.context as string,
  id: r.id as string,
  type: r.type as string,
  state: r.state as number,
  user: r.user as string,
  createdAt: r.created_at as string,
  startedAt: (r.started_at as string | null) ?? null,
  finishedAt: (r.finished_at as string | null) ?? null,
  totalJobs: r.total_jobs as number,
  finishedJobs: r.finished_jobs as number,
  args: r.args ? (JSON.parse(r.args as string) as JsonObject) : null,
  watched: r.watched === 1,
  origin: r.origin as RequestOrigin,
  syncedMs: r.synced_ms as number,
});

/** The fields a job-log row and its summary share. Rows are read with safeIntegers (bigints). */
const logFields = (r: Row) => ({
  requestId: r.request_id as string,
  jobId: r.job_id as string,
  try: Number(r.try),
  type: r.type as string,
  startedAt: String(r.started_at),
  finishedAt: String(r.finished_at),
  state: Number(r.state),
  exit: Number(r.exit),
  error: r.error as string,
});

const toLogRecord = (r: Row): JobLogRecord => ({
  ...logFields(r),
  stdout: r.stdout as string,
  stderr: r.stderr as string,
});

/** A summary row: the texts' sizes instead of the texts (octet_length reads no text). */
const toLogSummary = (r: Row): JobLogSummary => ({
  ...logFields(r),
  stdoutBytes: Number(r.stdout_bytes),
  stderrBytes: Number(r.stderr_bytes),
});

/** One stream's slice: substr() and length() count characters. Stream names are a fixed list. */
const logTextSql = (stream: 'stdout' | 'stderr') =>
  `SELECT substr(${stream}, ? + 1, ?) AS text, length(${stream}) AS total FROM job_logs
   WHERE context = ? AND request_id = ? AND job_id = ? AND try = ?`;

/** An FTS5 query for plain text: each word must appear (prefix match on the last one). */
export function ftsQuery(text: string): string | null {
  const words = text.match(/[\p{L}\p{N}_]+/gu);
  if (!words) return null;
  return words.map((w, i) => `"${w}"${i === words.length - 1 ? '*' : ''}`).join(' ');
}

/** Rows per multi-row INSERT when storing job logs: ~1.25x the rate of one row per statement. */
const LOG_ROWS_PER_INSERT = 25;

function insertLogs(rows: number): string {
  const one = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
  return `INSERT OR IGNORE INTO job_logs (context, request_id, job_id, try, type, started_at, finished_at, state, exit,
                                         error, stdout, stderr)
          VALUES ${Array.from({ length: rows }, () => one).join(', ')}`;
}

const logParams = (context: string, l: JobLog) => [
  context,
  l.requestId,
  l.jobId,
  l.try,
  l.type,
  l.startedAt,
  l.finishedAt,
  l.state,
  l.exit,
  l.error,
  l.stdout,
  l.stderr,
];

export interface RequestUpdate {
  /** The request's state before this update, or null if it was not cached. */
  previousState: number | null;
  changed: boolean;
}

export class Cache {
  readonly db: Database.Database;
  readonly recovered: OpenedCache['recovered'];
  private readonly s;

  constructor(file: string, options: OpenCacheOptions = {}) {
    const opened = openCache(file, options);
    this.db = opened.db;
    this.recovered = opened.recovered;
    const db = this.db;
    this.s = {
      contexts: db.prepare('SELECT * FROM contexts ORDER BY position, name'),
      putContext: db.prepare(
        `INSERT INTO contexts (name, url, env_label, env_color, embedded, position)
         VALUES (@name, @url, @envLabel, @envColor, @embedded, COALESCE((SELECT MAX(position) + 1 FROM contexts), 0))
         ON CONFLICT (name) DO UPDATE SET url = @url, env_label = @envLabel, env_color = @envColor, embedded = @embedded`,
      ),
      removeContext: db.prepare('DELETE FROM contexts WHERE name = ?'),
      renameRequests: db.prepare('UPDATE requests SET context = @to WHERE context = @from'),
      stateOf: db.prepare('SELECT state, finished_jobs FROM requests WHERE context = ? AND id = ?'),
      putRequest: db.prepare(
        `INSERT INTO requests (context, id, type, state, user, created_at, started_at, finished_at, created_ms,
                               total_jobs, finished_jobs, args, origin, watched, synced_ms)
         VALUES (@context, @id, @type, @state, @user, @createdAt, @startedAt, @finishedAt, @createdMs,
                 @totalJobs, @finishedJobs, @args, @origin, @watched, @syncedMs)
         ON CONFLICT (context, id) DO UPDATE SET
           state = @state, started_at = @startedAt, finished_at = @finishedAt, total_jobs = @totalJobs,
           finished_jobs = @finishedJobs, synced_ms = @syncedMs,
           args = COALESCE(requests.args, @args),
           watched = MAX(requests.watched, @watched),
           origin = CASE WHEN requests.origin = 'seen' THEN @origin ELSE requests.origin END`,
      ),
      getRequest: db.prepare('SELECT * FROM requests WHERE context = ? AND id = ?'),
      setWatched: db.prepare('UPDATE requests SET watched = ? WHERE context = ? AND id = ?'),
      watched: db.prepare('SELECT * FROM requests WHERE context = ? AND watched = 1'),
      putChain: db.prepare('INSERT OR REPLACE INTO chains (context, request_id, chain) VALUES (?, ?, ?)'),
      getChain: db.prepare('SELECT chain FROM chains WHERE context = ? AND request_id = ?'),
      clearStatuses: db.prepare('DELETE FROM job_statuses WHERE context = ? AND request_id = ?'),
      putStatus: db.prepare(
        `INSERT OR REPLACE INTO job_statuses (context, request_id, job_id, state, status, runtime, n)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      getStatuses: db.prepare('SELECT * FROM job_statuses WHERE context = ? AND request_id = ? ORDER BY job_id'),
      putLog: db.prepare(insertLogs(1)),
      putLogs: db.prepare(insertLogs(LOG_ROWS_PER_INSERT)),
      loggedTries: db.prepare('SELECT job_id, try FROM job_logs WHERE context = ? AND request_id = ?'),
      logs: db
        .prepare(`SELECT * FROM job_logs WHERE context = ? AND request_id = ? ORDER BY job_id, try LIMIT ? OFFSET ?`)
        .safeIntegers(true),
      logsOfJob: db
        .prepare(`SELECT * FROM job_logs WHERE context = ? AND request_id = ? AND job_id = ? ORDER BY try`)
        .safeIntegers(true),
      logSummaries: db
        .prepare(
          `SELECT request_id, job_id, try, type, started_at, finished_at, state, exit, error,
                  octet_length(stdout) AS stdout_bytes, octet_length(stderr) AS stderr_bytes
           FROM job_logs WHERE context = ? AND request_id = ? ORDER BY job_id, try LIMIT ? OFFSET ?`,
        )
        .safeIntegers(true),
      logText: { stdout: db.prepare(logTextSql('stdout')), stderr: db.prepare(logTextSql('stderr')) },
      logCount: db.prepare('SELECT COUNT(*) AS n FROM job_logs WHERE context = ? AND request_id = ?'),
      pendingIndex: db.prepare(
        `INSERT INTO job_logs_text (rowid, stdout, stderr, error)
         SELECT seq, stdout, stderr, error FROM job_logs WHERE seq > ? AND seq <= ?`,
      ),
      indexedSeq: db.prepare('SELECT indexed_seq FROM fts_progress WHERE id = 1').pluck(),
      maxSeq: db.prepare('SELECT COALESCE(MAX(seq), 0) FROM job_logs').pluck(),
      setIndexedSeq: db.prepare('UPDATE fts_progress SET indexed_seq = ? WHERE id = 1'),
      search: db.prepare(
        `SELECT l.context, l.request_id, COALESCE(r.type, '') AS request_type, l.job_id, l.try,
                snippet(job_logs_text, 0, char(1), char(2), '…', 24) AS s0,
                snippet(job_logs_text, 1, char(1), char(2), '…', 24) AS s1,
                snippet(job_logs_text, 2, char(1), char(2), '…', 24) AS s2
         FROM job_logs_text
         JOIN job_logs l ON l.seq = job_logs_text.rowid
         LEFT JOIN requests r ON r.context = l.context AND r.id = l.request_id
         WHERE job_logs_text MATCH ?
         ORDER BY job_logs_text.rowid DESC
         LIMIT ? OFFSET ?`,
      ),
      unfinished: db.prepare(
        `SELECT id FROM requests WHERE context = ? AND state IN (${STATE_PENDING}, ${STATE_RUNNING})
         ORDER BY created_ms DESC LIMIT ?`,
      ),
      runningCount: db.prepare(`SELECT COUNT(*) AS n FROM requests WHERE state = ${STATE_RUNNING}`),
      failedCount: db.prepare(
        `SELECT COUNT(*) AS n FROM requests WHERE watched = 1 AND state IN (${STATE_FAIL}, ${STATE_TIMEOUT})
         AND created_ms >= ?`,
      ),
      recentWatched: db.prepare(
        'SELECT context, id, type, state, created_at FROM requests WHERE watched = 1 ORDER BY created_ms DESC LIMIT ?',
      ),
      getSetting: db.prepare('SELECT value FROM settings WHERE key = ?'),
      putSetting: db.prepare('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)'),
    };
  }

  close(): void {
    this.db.close();
  }

  private readonly statements = new Map<string, Database.Statement>();

  /** A statement for SQL built at run time (filters), prepared once per distinct text. */
  private statement(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  // ---- contexts ----

  listContexts(): Context[] {
    return (this.s.contexts.all() as Row[]).map((r) => ({
      name: r.name as string,
      url: r.url as string,
      envLabel: (r.env_label as string | null) ?? null,
      envColor: (r.env_color as string | null) ?? null,
      embedded: r.embedded === 1,
    }));
  }

  /** Adds or updates a context; renaming (`previousName`) carries its cached requests along. */
  putContext(ctx: Context, previousName?: string): void {
    this.db.transaction(() => {
      if (previousName && previousName !== ctx.name) {
        this.s.removeContext.run(previousName);
        this.s.renameRequests.run({ from: previousName, to: ctx.name });
        this.db.prepare('UPDATE chains SET context = ? WHERE context = ?').run(ctx.name, previousName);
        this.db.prepare('UPDATE job_statuses SET context = ? WHERE context = ?').run(ctx.name, previousName);
        this.db.prepare('UPDATE job_logs SET context = ? WHERE context = ?').run(ctx.name, previousName);
      }
      this.s.putContext.run({ ...ctx, embedded: ctx.embedded ? 1 : 0 });
    })();
  }

  /** Removes a context from the list; what was cached from it stays readable. */
  removeContext(name: string): boolean {
    return this.s.removeContext.run(name).changes > 0;
  }

  // ---- requests ----

  /** Stores what the RM said of a request; tells whether its state or progress changed. */
  putRequest(
    context: string,
    r: Request,
    extra: { args?: JsonObject | null; origin?: RequestOrigin; watched?: boolean; syncedMs?: number } = {},
  ): RequestUpdate {
    const before = this.s.stateOf.get(context, r.id) as { state: number; finished_jobs: number } | undefined;
    this.s.putRequest.run({
      context,
      id: r.id,
      type: r.type,
      state: r.state,
      user: r.user,
      createdAt: r.createdAt,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
      createdMs: Date.parse(r.createdAt) || 0,
      totalJobs: r.totalJobs,
      finishedJobs: r.finishedJobs,
      args: extra.args ? JSON.stringify(extra.args) : null,
      origin: extra.origin ?? 'seen',
      watched: extra.watched ? 1 : 0,
      syncedMs: extra.syncedMs ?? Date.now(),
    });
    return {
      previousState: before?.state ?? null,
      changed: !before || before.state !== r.state || before.finished_jobs !== r.finishedJobs,
    };
  }

  getRequest(context: string, id: string): RequestRecord | null {
    const row = this.s.getRequest.get(context, id) as Row | undefined;
    return row ? toRecord(row) : null;
  }

  setWatched(context: string, id: string, watched: boolean): boolean {
    return this.s.setWatched.run(watched ? 1 : 0, context, id).changes > 0;
  }

  watchedRequests(context: string): RequestRecord[] {
    return (this.s.watched.all(context) as Row[]).map(toRecord);
  }

  /** A page of cached requests, newest first. */
  listRequests(filter: RequestFilter, offset = 0, limit = 100): Page<RequestRecord> {
    const where = ['context = @context'];
    const params: Record<string, unknown> = { context: filter.context, limit, offset };
    const inList = (column: string, name: string, values: readonly unknown[] | undefined) => {
      if (!values || values.length === 0) return;
      where.push(`${column} IN (${values.map((_, i) => `@${name}${i}`).join(', ')})`);
      values.forEach((v, i) => (params[`${name}${i}`] = v));
    };
    inList('state', 'state', filter.states);
    inList('type', 'type', filter.types);
    inList('user', 'user', filter.users);
    if (filter.since !== undefined) {
      where.push('created_ms >= @since');
      params.since = filter.since;
    }
    if (filter.until !== undefined) {
      where.push('created_ms < @until');
      params.until = filter.until;
    }
    if (filter.text?.trim()) {
      where.push(`(id LIKE @text ESCAPE '\\' OR type LIKE @text ESCAPE '\\' OR user LIKE @text ESCAPE '\\'
                   OR args LIKE @text ESCAPE '\\')`);
      params.text = `%${filter.text.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    }
    const clause = where.join(' AND ');
    const total = (this.statement(`SELECT COUNT(*) AS n FROM requests WHERE ${clause}`).get(params) as { n: number }).n;
    // Paging runs on the index alone (the inner select needs no row lookups), then reads just
    // the rows of the page: a deep OFFSET stays cheap.
    const rows = this.statement(
      `SELECT r.* FROM (SELECT context, id, created_ms FROM requests WHERE ${clause}
                        ORDER BY created_ms DESC, id LIMIT @limit OFFSET @offset) AS p
       JOIN requests r ON r.context = p.context AND r.id = p.id
       ORDER BY p.created_ms DESC, p.id`,
    ).all(params) as Row[];
    return { items: rows.map(toRecord), total, offset };
  }

  /** Ids of cached requests still PENDING or RUNNING, newest first. */
  unfinishedIds(context: string, limit = 200): string[] {
    return this.s.unfinished.pluck().all(context, limit) as string[];
  }

  /** The tray's counts and recent watched requests. */
  trayModel(nowMs = Date.now(), recent = 8): TrayModel {
    const rows = this.s.recentWatched.all(recent) as Row[];
    return {
      running: (this.s.runningCount.get() as { n: number }).n,
      failed: (this.s.failedCount.get(nowMs - 24 * 3600_000) as { n: number }).n,
      recent: rows.map((r) => ({
        context: r.context as string,
        id: r.id as string,
        type: r.type as string,
        state: r.state as number,
        createdAt: r.created_at as string,
      })),
    };
  }

  // ---- chains and statuses ----

  putChain(context: string, chain: JobChain, encode: (c: JobChain) => string): void {
    this.s.putChain.run(context, chain.requestId, encode(chain));
  }

  getChainText(context: string, requestId: string): string | null {
    const row = this.s.getChain.get(context, requestId) as { chain: string } | undefined;
    return row?.chain ?? null;
  }

  /** Replaces the cached job statuses of a request. */
  putStatuses(context: string, requestId: string, statuses: readonly JobStatus[]): void {
    this.db.transaction(() => {
      this.s.clearStatuses.run(context, requestId);
      for (const s of statuses) {
        this.s.putStatus.run(context, requestId, s.jobId, s.state, s.status, s.runtime, s.n);
      }
    })();
  }

  getStatuses(context: string, requestId: string): JobStatus[] {
    return (this.s.getStatuses.all(context, requestId) as Row[]).map((r) => ({
      requestId,
      jobId: r.job_id as string,
      state: r.state as number,
      status: r.status as string,
      runtime: r.runtime as number,
      n: r.n as number,
    }));
  }

  // ---- job logs ----

  /** Stores job logs (every try); ones already cached are skipped. Returns how many were new. */
  putJobLogs(context: string, logs: readonly JobLog[]): number {
    let added = 0;
    this.db.transaction(() => {
      let i = 0;
      for (; i + LOG_ROWS_PER_INSERT <= logs.length; i += LOG_ROWS_PER_INSERT) {
        const params = logs.slice(i, i + LOG_ROWS_PER_INSERT).flatMap((l) => logParams(context, l));
        added += this.s.putLogs.run(params).changes;
      }
      for (; i < logs.length; i++) added += this.s.putLog.run(logParams(context, logs[i] as JobLog)).changes;
    })();
    return added;
  }

  /** The `jobId#try` keys already cached for a request. */
  loggedTries(context: string, requestId: string): Set<string> {
    const rows = this.s.loggedTries.all(context, requestId) as Array<{ job_id: string; try: number }>;
    return new Set(rows.map((r) => `${r.job_id}#${r.try}`));
  }

  jobLogs(context: string, requestId: string, offset = 0, limit = 500): Page<JobLogRecord> {
    const total = (this.s.logCount.get(context, requestId) as { n: number }).n;
    const rows = this.s.logs.all(context, requestId, limit, offset) as Row[];
    return { items: rows.map(toLogRecord), total, offset };
  }

  /** Like jobLogs without the texts: their sizes in bytes instead. */
  jobLogSummaries(context: string, requestId: string, offset = 0, limit = 500): Page<JobLogSummary> {
    const total = (this.s.logCount.get(context, requestId) as { n: number }).n;
    const rows = this.s.logSummaries.all(context, requestId, limit, offset) as Row[];
    return { items: rows.map(toLogSummary), total, offset };
  }

  /** Characters [offset, offset + length) of one stream of one try, and its length; null if no such try. */
  jobLogText(
    context: string,
    requestId: string,
    jobId: string,
    tryN: number,
    stream: 'stdout' | 'stderr',
    offset: number,
    length: number,
  ): JobLogText | null {
    const row = this.s.logText[stream].get(offset, length, context, requestId, jobId, tryN) as
      { text: string | null; total: number | null } | undefined;
    return row ? { text: row.text ?? '', total: row.total ?? 0 } : null;
  }

  jobLogsOfJob(context: string, requestId: string, jobId: string): JobLogRecord[] {
    return (this.s.logsOfJob.all(context, requestId, jobId) as Row[]).map(toLogRecord);
  }

  /** Job logs stored but not yet in the full-text index. */
  pendingIndexCount(): number {
    return (this.s.maxSeq.get() as number) - (this.s.indexedSeq.get() as number);
  }

  /** Adds up to `max` stored-but-unindexed logs to the full-text index; returns how many. */
  indexPending(max = Number.MAX_SAFE_INTEGER): number {
    return this.db.transaction(() => {
      const from = this.s.indexedSeq.get() as number;
      const to = Math.min(this.s.maxSeq.get() as number, from + max);
      if (to <= from) return 0;
      this.s.pendingIndex.run(from, to);
      this.s.setIndexedSeq.run(to);
      return to - from;
    })();
  }

  /** Full-text search over every cached log (stdout, stderr, error), newest first. */
  searchLogs(text: string, offset = 0, limit = 50): LogSearchHit[] {
    const query = ftsQuery(text);
    if (!query) return [];
    this.indexPending();
    const rows = this.s.search.all(query, limit, offset) as Row[];
    return rows.map((r) => {
      const streams = [
        ['stdout', r.s0],
        ['stderr', r.s1],
        ['error', r.s2],
      ] as const;
      const [stream, snippet] = streams.find(([, s]) => String(s).includes('\u0001')) ?? streams[0];
      return {
        context: r.context as string,
        requestId: r.request_id as string,
        requestType: r.request_type as string,
        jobId: r.job_id as string,
        try: r.try as number,
        stream,
        snippet: String(snippet),
      };
    });
  }

  // ---- settings ----

  getSetting<T>(key: string): T | undefined {
    const row = this.s.getSetting.get(key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  putSetting(key: string, value: unknown): void {
    this.s.putSetting.run(key, JSON.stringify(value));
  }
}
