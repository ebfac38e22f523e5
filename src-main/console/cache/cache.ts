// The console's cache: every request, chain, job status and job log (every try) the console
// has seen, per context, in one SQLite file, with a full-text index over log text. This is what
// makes offline review work. Statements are prepared once; writes of many rows are batched in
// one transaction. Log text is indexed in batches (indexPending) rather than per row: storing
// stays fast, and a search first indexes whatever is pending, so it always sees every log.
// A stream longer than one piece (CHUNK_UNITS) is stored in chunks (migration 3): its first piece
// in the log's row, the rest in job_log_chunks, so jobLogText reads only the pieces a slice
// covers; the job_logs view gives whole texts (full records, the full-text index).

import type Database from 'better-sqlite3';
import type {
  Context,
  FailureSummary,
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
import { LiveOutputs } from './live-output';
import { RequestFacts } from './request-facts';
import { CHUNK_UNITS, charCount, sliceChars, splitText } from './text-chunks';

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
  failure: r.failure ? (JSON.parse(r.failure as string) as FailureSummary) : null,
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

/** A stream's size in bytes: its first piece plus its chunks (octet_length reads no text). */
const streamBytesSql = (stream: 'stdout' | 'stderr') =>
  `octet_length(r.${stream}) + COALESCE((SELECT SUM(octet_length(c.text)) FROM job_log_chunks c
                                        WHERE c.seq = r.seq AND c.stream = '${stream}'), 0)`;

/** One stream's first piece (the whole text when it has no chunks). Stream names are a fixed list. */
const logHeadSql = (stream: 'stdout' | 'stderr') =>
  `SELECT seq, ${stream} AS head FROM job_log_rows WHERE context = ? AND request_id = ? AND job_id = ? AND try = ?`;

/** The words of a plain-text query (what FTS5 matches). */
const queryWords = (text: string): string[] => text.match(/[\p{L}\p{N}_]+/gu) ?? [];

/** An FTS5 query for plain text: each word must appear (prefix match on the last one). */
export function ftsQuery(text: string): string | null {
  const words = queryWords(text);
  if (words.length === 0) return null;
  return words.map((w, i) => `"${w}"${i === words.length - 1 ? '*' : ''}`).join(' ');
}

/** Characters either side of the first match in a snippet made here (a long log's). */
const SNIPPET_SIDE = 100;

/** Rows per multi-row INSERT when storing job logs: ~1.25x the rate of one row per statement. */
const LOG_ROWS_PER_INSERT = 25;

function insertLogs(rows: number): string {
  const one = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
  return `INSERT OR IGNORE INTO job_log_rows (context, request_id, job_id, try, type, started_at, finished_at, state, exit,
                                         error, stdout, stderr)
          VALUES ${Array.from({ length: rows }, () => one).join(', ')}`;
}

/** A row's parameters; `stdout` and `stderr` given are what the row holds (a long stream's first piece). */
const logParams = (context: string, l: JobLog, stdout = l.stdout, stderr = l.stderr) => [
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
  stdout,
  stderr,
];

const isLong = (l: JobLog) => l.stdout.length > CHUNK_UNITS || l.stderr.length > CHUNK_UNITS;

export interface RequestUpdate {
  /** The request's state before this update, or null if it was not cached. */
  previousState: number | null;
  changed: boolean;
}

export class Cache {
  readonly db: Database.Database;
  readonly recovered: OpenedCache['recovered'];
  /** Job starts from the running list, and why failed requests failed. */
  readonly facts: RequestFacts;
  /** Live output of the running tries the console followed. */
  readonly live: LiveOutputs;
  private readonly s;

  constructor(file: string, options: OpenCacheOptions = {}) {
    const opened = openCache(file, options);
    this.db = opened.db;
    this.recovered = opened.recovered;
    const db = this.db;
    this.facts = new RequestFacts(db);
    this.live = new LiveOutputs(db);
    this.s = {
      contexts: db.prepare('SELECT * FROM contexts ORDER BY position, name'),
      putContext: db.prepare(
        `INSERT INTO contexts (name, url, env_label, env_color, embedded, position)
         VALUES (@name, @url, @envLabel, @envColor, @embedded, COALESCE((SELECT MAX(position) + 1 FROM contexts), 0))
         ON CONFLICT (name) DO UPDATE SET url = @url, env_label = @envLabel, env_color = @envColor, embedded = @embedded,
           last_ok_ms = CASE WHEN url = @url THEN last_ok_ms END`,
      ),
      lastContact: db.prepare('SELECT last_ok_ms FROM contexts WHERE name = ?').pluck(),
      putLastContact: db.prepare('UPDATE contexts SET last_ok_ms = ? WHERE name = ?'),
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
      putChunk: db.prepare('INSERT INTO job_log_chunks (seq, stream, start, chars, text) VALUES (?, ?, ?, ?, ?)'),
      loggedTries: db.prepare('SELECT job_id, try FROM job_log_rows WHERE context = ? AND request_id = ?'),
      logs: db
        .prepare(`SELECT * FROM job_logs WHERE context = ? AND request_id = ? ORDER BY job_id, try LIMIT ? OFFSET ?`)
        .safeIntegers(true),
      logsOfJob: db
        .prepare(`SELECT * FROM job_logs WHERE context = ? AND request_id = ? AND job_id = ? ORDER BY try`)
        .safeIntegers(true),
      logSummaries: db
        .prepare(
          `SELECT r.request_id, r.job_id, r.try, r.type, r.started_at, r.finished_at, r.state, r.exit, r.error,
                  ${streamBytesSql('stdout')} AS stdout_bytes, ${streamBytesSql('stderr')} AS stderr_bytes
           FROM job_log_rows r WHERE r.context = ? AND r.request_id = ? ORDER BY r.job_id, r.try LIMIT ? OFFSET ?`,
        )
        .safeIntegers(true),
      logHead: { stdout: db.prepare(logHeadSql('stdout')), stderr: db.prepare(logHeadSql('stderr')) },
      // Chunks overlapping characters [a, b): a chunk holds at most CHUNK_UNITS characters, so
      // one starting at or before a - CHUNK_UNITS ends by a. An index range, no text read twice.
      chunksIn: db.prepare(
        `SELECT start, chars, text FROM job_log_chunks
         WHERE seq = ? AND stream = ? AND start > ? AND start < ? ORDER BY start`,
      ),
      streamEnd: db
        .prepare('SELECT start + chars FROM job_log_chunks WHERE seq = ? AND stream = ? ORDER BY start DESC LIMIT 1')
        .pluck(),
      logCount: db.prepare('SELECT COUNT(*) AS n FROM job_log_rows WHERE context = ? AND request_id = ?'),
      pendingIndex: db.prepare(
        `INSERT INTO job_logs_text (rowid, stdout, stderr, error)
         SELECT seq, stdout, stderr, error FROM job_logs WHERE seq > ? AND seq <= ?`,
      ),
      indexedSeq: db.prepare('SELECT indexed_seq FROM fts_progress WHERE id = 1').pluck(),
      maxSeq: db.prepare('SELECT COALESCE(MAX(seq), 0) FROM job_log_rows').pluck(),
      setIndexedSeq: db.prepare('UPDATE fts_progress SET indexed_seq = ? WHERE id = 1'),
      // snippet() reads the whole log and tokenizes it again (seconds for 100 MB, minutes when a
      // word occurs a million times): logs with chunks get a snippet made in JS (longSnippet).
      search: db.prepare(
        `SELECT l.seq, l.context, l.request_id, COALESCE(r.type, '') AS request_type, l.job_id, l.try, l.error,
                c.seq IS NOT NULL AS long,
                CASE WHEN c.seq IS NULL THEN snippet(job_logs_text, 0, char(1), char(2), '…', 24) END AS s0,
                CASE WHEN c.seq IS NULL THEN snippet(job_logs_text, 1, char(1), char(2), '…', 24) END AS s1,
                CASE WHEN c.seq IS NULL THEN snippet(job_logs_text, 2, char(1), char(2), '…', 24) END AS s2
         FROM job_logs_text
         JOIN job_log_rows l ON l.seq = job_logs_text.rowid
         LEFT JOIN (SELECT DISTINCT seq FROM job_log_chunks) c ON c.seq = l.seq
         LEFT JOIN requests r ON r.context = l.context AND r.id = l.request_id
         WHERE job_logs_text MATCH ?
         ORDER BY job_logs_text.rowid DESC
         LIMIT ? OFFSET ?`,
      ),
      streamHead: {
        stdout: db.prepare(`SELECT stdout FROM job_log_rows WHERE seq = ?`).pluck(),
        stderr: db.prepare(`SELECT stderr FROM job_log_rows WHERE seq = ?`).pluck(),
      },
      streamChunks: db.prepare('SELECT text FROM job_log_chunks WHERE seq = ? AND stream = ? ORDER BY start').pluck(),
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
  /** listRequests' last total: its filter, the database's write version then, the count. */
  private requestCount: { key: string; version: string; n: number } | null = null;

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
      let carried: number | null = null;
      if (previousName && previousName !== ctx.name) {
        // The last contact goes along only if the context still points at the same RM.
        const old = this.db.prepare('SELECT url, last_ok_ms FROM contexts WHERE name = ?').get(previousName) as
          { url: string; last_ok_ms: number | null } | undefined;
        carried = old?.url === ctx.url ? old.last_ok_ms : null;
        this.s.removeContext.run(previousName);
        this.s.renameRequests.run({ from: previousName, to: ctx.name });
        this.db.prepare('UPDATE chains SET context = ? WHERE context = ?').run(ctx.name, previousName);
        this.db.prepare('UPDATE job_statuses SET context = ? WHERE context = ?').run(ctx.name, previousName);
        this.db.prepare('UPDATE job_log_rows SET context = ? WHERE context = ?').run(ctx.name, previousName);
        this.db.prepare('UPDATE job_starts SET context = ? WHERE context = ?').run(ctx.name, previousName);
        this.db.prepare('UPDATE live_tries SET context = ? WHERE context = ?').run(ctx.name, previousName);
        this.db.prepare('UPDATE live_text SET context = ? WHERE context = ?').run(ctx.name, previousName);
      }
      this.s.putContext.run({ ...ctx, embedded: ctx.embedded ? 1 : 0 });
      if (carried !== null) this.s.putLastContact.run(carried, ctx.name);
    })();
  }

  /** When the context's Request Manager last answered (ms since epoch), or null if never at its URL. */
  lastContact(name: string): number | null {
    return (this.s.lastContact.get(name) as number | null | undefined) ?? null;
  }

  putLastContact(name: string, ms: number): void {
    this.s.putLastContact.run(ms, name);
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
    if (filter.states?.includes(STATE_TIMEOUT)) {
      // A job that timed out fails its request (state FAIL): such requests count as TIMEOUT too.
      where[where.length - 1] = `(${where.at(-1)} OR (state = ${STATE_FAIL} AND EXISTS (
        SELECT 1 FROM job_statuses s WHERE s.context = requests.context AND s.request_id = requests.id
          AND s.state = ${STATE_TIMEOUT})))`;
    }
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
    // The total is counted once per filter while nothing was written (a list pages through one
    // filter, and COUNT over 100,000 rows is most of a page's cost); any write counts again.
    const { limit: _limit, offset: _offset, ...filterParams } = params;
    const countKey = `${clause}\n${JSON.stringify(filterParams)}`;
    const version = this.statement("SELECT total_changes() || ':' || data_version FROM pragma_data_version")
      .pluck()
      .get() as string;
    let total: number;
    if (this.requestCount?.key === countKey && this.requestCount.version === version) total = this.requestCount.n;
    else {
      total = (this.statement(`SELECT COUNT(*) AS n FROM requests WHERE ${clause}`).get(params) as { n: number }).n;
      this.requestCount = { key: countKey, version, n: total };
    }
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

  /**
   * Stores job logs (every try); ones already cached are skipped. Returns how many were new.
   * Logs are stored in the order given (a log's seq orders search hits newest first).
   */
  putJobLogs(context: string, logs: readonly JobLog[]): number {
    let added = 0;
    const putShort = (from: number, to: number) => {
      let i = from;
      for (; i + LOG_ROWS_PER_INSERT <= to; i += LOG_ROWS_PER_INSERT) {
        const params = logs.slice(i, i + LOG_ROWS_PER_INSERT).flatMap((l) => logParams(context, l));
        added += this.s.putLogs.run(params).changes;
      }
      for (; i < to; i++) added += this.s.putLog.run(logParams(context, logs[i] as JobLog)).changes;
    };
    this.db.transaction(() => {
      let from = 0;
      for (let i = 0; i < logs.length; i++) {
        const l = logs[i] as JobLog;
        if (!isLong(l)) continue;
        putShort(from, i);
        from = i + 1;
        added += this.putLongLog(context, l);
      }
      putShort(from, logs.length);
    })();
    return added;
  }

  /** One log with a stream longer than a piece: its row holds the first pieces, the rest go in chunks. */
  private putLongLog(context: string, l: JobLog): number {
    const [stdoutHead, ...stdoutRest] = splitText(l.stdout);
    const [stderrHead, ...stderrRest] = splitText(l.stderr);
    const put = this.s.putLog.run(logParams(context, l, stdoutHead?.text ?? '', stderrHead?.text ?? ''));
    if (put.changes === 0) return 0;
    const seq = put.lastInsertRowid;
    for (const c of stdoutRest) this.s.putChunk.run(seq, 'stdout', c.start, c.chars, c.text);
    for (const c of stderrRest) this.s.putChunk.run(seq, 'stderr', c.start, c.chars, c.text);
    return 1;
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
    const row = this.s.logHead[stream].get(context, requestId, jobId, tryN) as
      { seq: number; head: string } | undefined;
    if (!row) return null;
    const end = offset + length;
    const headChars = charCount(row.head);
    const pieces: string[] = [];
    if (offset < headChars) pieces.push(sliceChars(row.head, offset, end));
    if (end > headChars) {
      const chunks = this.s.chunksIn.all(row.seq, stream, offset - CHUNK_UNITS, end) as Array<{
        start: number;
        chars: number;
        text: string;
      }>;
      for (const c of chunks) {
        if (c.start + c.chars > offset) pieces.push(sliceChars(c.text, offset - c.start, end - c.start));
      }
    }
    const total = (this.s.streamEnd.get(row.seq, stream) as number | undefined) ?? headChars;
    return { text: pieces.join(''), total };
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
      const [stream, snippet] = r.long
        ? this.longSnippet(r.seq as number, r.error as string, queryWords(text))
        : (streams.find(([, s]) => String(s).includes('\u0001')) ?? streams[0]);
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

  /**
   * A snippet of a log with chunks, made here: the first place one of the words starts a word
   * (case-insensitive), stdout then stderr then error, read a piece at a time up to the match,
   * with every word marked \u0001 … \u0002 as snippet() does. FTS5 folds diacritics and this
   * does not: where no word is found, the start of the log, unmarked.
   */
  private longSnippet(
    seq: number,
    error: string,
    words: readonly string[],
  ): readonly ['stdout' | 'stderr' | 'error', string] {
    const escaped = words.map((w) => w.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')).join('|');
    const quick = new RegExp(escaped, 'i'); // a cheap scan first: most pieces have no match
    const find = new RegExp(`(?<![\\p{L}\\p{N}_])(?:${escaped})`, 'iu');
    const first = (text: string) => (quick.test(text) ? find.exec(text) : null);
    const mark = new RegExp(`(?<![\\p{L}\\p{N}_])(?:${escaped})[\\p{L}\\p{N}_]*`, 'giu');
    const excerpt = (text: string, at: number) => {
      const from = Math.max(0, at - SNIPPET_SIDE);
      const to = Math.min(text.length, at + SNIPPET_SIDE);
      const cut = text.slice(from, to).replace(mark, (w) => `\u0001${w}\u0002`);
      return `${from > 0 ? '…' : ''}${cut}${to < text.length ? '…' : ''}`;
    };
    let start: string | null = null;
    for (const stream of ['stdout', 'stderr'] as const) {
      const head = this.s.streamHead[stream].get(seq) as string;
      start ??= head || null;
      const m = first(head);
      if (m) return [stream, excerpt(head, m.index)];
      for (const chunk of this.s.streamChunks.iterate(seq, stream) as IterableIterator<string>) {
        const c = first(chunk);
        if (c) return [stream, excerpt(chunk, c.index)];
      }
    }
    const e = first(error);
    if (e) return ['error', excerpt(error, e.index)];
    return ['stdout', excerpt(start ?? '', 0)];
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
