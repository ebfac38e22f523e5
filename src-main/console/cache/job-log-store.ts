// Job logs: every try of every job, with its text. A stream longer than one piece (CHUNK_UNITS)
// is stored in chunks (migration 3): its first piece in the log's row, the rest in
// job_log_chunks, so text() reads only the pieces a slice covers; the job_logs view gives whole
// texts (full records, the full-text index). Writes of many rows are batched in one transaction.
// Rows are read with safeIntegers: nanosecond times do not fit a double.

import type { JobLogRecord, JobLogSummary, JobLogText, Page } from '../../shared/console-model';
import type { JobLog } from '../../shared/proto';
import type { Db } from './open-cache';
import { toJobLogRow } from './job-log-row';
import type { LiveOutputs } from './live-output';
import { CHUNK_UNITS, charCount, sliceChars, splitText } from './text-chunks';

/** The columns a log's row and its summary share. */
interface LogFieldsRow {
  request_id: string;
  job_id: string;
  try: bigint;
  type: string;
  started_at: bigint;
  finished_at: bigint;
  state: bigint;
  exit: bigint;
  error: string;
}

type LogRow = LogFieldsRow & { stdout: string; stderr: string };
type SummaryRow = LogFieldsRow & { stdout_bytes: bigint; stderr_bytes: bigint };

const logFields = (r: LogFieldsRow) => ({
  requestId: r.request_id,
  jobId: r.job_id,
  try: Number(r.try),
  type: r.type,
  startedAt: String(r.started_at),
  finishedAt: String(r.finished_at),
  state: Number(r.state),
  exit: Number(r.exit),
  error: r.error,
});

const toLogRecord = (r: LogRow): JobLogRecord => ({ ...logFields(r), stdout: r.stdout, stderr: r.stderr });

const toLogSummary = (r: SummaryRow): JobLogSummary => ({
  ...logFields(r),
  stdoutBytes: Number(r.stdout_bytes),
  stderrBytes: Number(r.stderr_bytes),
});

export type Stream = 'stdout' | 'stderr';

interface ChunkRow {
  start: number;
  chars: number;
  text: string;
}

/** A stream's size in bytes: its first piece plus its chunks (octet_length reads no text). */
const streamBytesSql = (stream: Stream) =>
  `octet_length(r.${stream}) + COALESCE((SELECT SUM(octet_length(c.text)) FROM job_log_chunks c
                                        WHERE c.seq = r.seq AND c.stream = '${stream}'), 0)`;

/** One stream's first piece (the whole text when it has no chunks). Stream names are a fixed list. */
const logHeadSql = (stream: Stream) =>
  `SELECT seq, ${stream} AS head FROM job_log_rows WHERE context = ? AND request_id = ? AND job_id = ? AND try = ?`;

/** Rows per multi-row INSERT when storing job logs: ~1.25x the rate of one row per statement. */
const LOG_ROWS_PER_INSERT = 25;

/** context, then the fields of a JobLogRow */
const LOG_COLUMNS = 12;

function insertLogs(rows: number): string {
  const one = `(${Array.from({ length: LOG_COLUMNS }, () => '?').join(', ')})`;
  return `INSERT OR IGNORE INTO job_log_rows (context, request_id, job_id, try, type, started_at, finished_at, state, exit,
                                         error, stdout, stderr)
          VALUES ${Array.from({ length: rows }, () => one).join(', ')}`;
}

type LogParam = string | number | bigint;

/** A row's parameters: its context, then the log's fields (JobLogRow). */
const logParams = (context: string, l: JobLog): LogParam[] => [context, ...toJobLogRow(l)];

const isLong = (l: JobLog) => l.stdout.length > CHUNK_UNITS || l.stderr.length > CHUNK_UNITS;

export class JobLogStore {
  private readonly s;

  /** `live`: the followed tries' live output, forgotten as their logs are stored. */
  constructor(
    private readonly db: Db,
    private readonly live: LiveOutputs,
  ) {
    this.s = {
      putOne: db.prepare<LogParam[]>(insertLogs(1)),
      putMany: db.prepare<LogParam[]>(insertLogs(LOG_ROWS_PER_INSERT)),
      putChunk: db.prepare<[number | bigint, Stream, number, number, string]>(
        'INSERT INTO job_log_chunks (seq, stream, start, chars, text) VALUES (?, ?, ?, ?, ?)',
      ),
      tries: db.prepare<[string, string], { job_id: string; try: number }>(
        'SELECT job_id, try FROM job_log_rows WHERE context = ? AND request_id = ?',
      ),
      count: db
        .prepare<[string, string], number>('SELECT COUNT(*) FROM job_log_rows WHERE context = ? AND request_id = ?')
        .pluck(),
      page: db
        .prepare<[string, string, number, number], LogRow>(
          'SELECT * FROM job_logs WHERE context = ? AND request_id = ? ORDER BY job_id, try LIMIT ? OFFSET ?',
        )
        .safeIntegers(true),
      ofJob: db
        .prepare<[string, string, string], LogRow>(
          'SELECT * FROM job_logs WHERE context = ? AND request_id = ? AND job_id = ? ORDER BY try',
        )
        .safeIntegers(true),
      lastTry: db
        .prepare<[string, string, string], LogRow>(
          'SELECT * FROM job_logs WHERE context = ? AND request_id = ? AND job_id = ? ORDER BY try DESC LIMIT 1',
        )
        .safeIntegers(true),
      summaries: db
        .prepare<[string, string, number, number], SummaryRow>(
          `SELECT r.request_id, r.job_id, r.try, r.type, r.started_at, r.finished_at, r.state, r.exit, r.error,
                  ${streamBytesSql('stdout')} AS stdout_bytes, ${streamBytesSql('stderr')} AS stderr_bytes
           FROM job_log_rows r WHERE r.context = ? AND r.request_id = ? ORDER BY r.job_id, r.try LIMIT ? OFFSET ?`,
        )
        .safeIntegers(true),
      head: {
        stdout: db.prepare<[string, string, string, number], { seq: number; head: string }>(logHeadSql('stdout')),
        stderr: db.prepare<[string, string, string, number], { seq: number; head: string }>(logHeadSql('stderr')),
      },
      // Chunks overlapping characters [a, b): a chunk holds at most CHUNK_UNITS characters, so
      // one starting at or before a - CHUNK_UNITS ends by a. An index range, no text read twice.
      chunksIn: db.prepare<[number, Stream, number, number], ChunkRow>(
        `SELECT start, chars, text FROM job_log_chunks
         WHERE seq = ? AND stream = ? AND start > ? AND start < ? ORDER BY start`,
      ),
      streamEnd: db
        .prepare<[number, Stream], number>(
          'SELECT start + chars FROM job_log_chunks WHERE seq = ? AND stream = ? ORDER BY start DESC LIMIT 1',
        )
        .pluck(),
    };
  }

  /**
   * Stores job logs (every try) of a context; ones already cached are skipped. Returns how many
   * were new. Logs are stored in the order given (a log's seq orders search hits newest first).
   */
  put(context: string, logs: readonly JobLog[]): number {
    let added = 0;
    const putShort = (from: number, to: number) => {
      let i = from;
      for (; i + LOG_ROWS_PER_INSERT <= to; i += LOG_ROWS_PER_INSERT) {
        const params = logs.slice(i, i + LOG_ROWS_PER_INSERT).flatMap((l) => logParams(context, l));
        added += this.s.putMany.run(...params).changes;
      }
      for (const l of logs.slice(i, to)) added += this.s.putOne.run(...logParams(context, l)).changes;
    };
    this.db.transaction(() => {
      let from = 0;
      logs.forEach((l, i) => {
        if (!isLong(l)) return;
        putShort(from, i);
        from = i + 1;
        added += this.putLong(context, l);
      });
      putShort(from, logs.length);
      this.live.forgetLogged(context, logs);
    })();
    return added;
  }

  /** One log with a stream longer than a piece: its row holds the first pieces, the rest go in chunks. */
  private putLong(context: string, l: JobLog): number {
    const [stdoutHead, ...stdoutRest] = splitText(l.stdout);
    const [stderrHead, ...stderrRest] = splitText(l.stderr);
    const head = { ...l, stdout: stdoutHead?.text ?? '', stderr: stderrHead?.text ?? '' };
    const put = this.s.putOne.run(...logParams(context, head));
    if (put.changes === 0) return 0;
    const seq = put.lastInsertRowid;
    for (const c of stdoutRest) this.s.putChunk.run(seq, 'stdout', c.start, c.chars, c.text);
    for (const c of stderrRest) this.s.putChunk.run(seq, 'stderr', c.start, c.chars, c.text);
    return 1;
  }

  /** The `jobId#try` keys already cached for a request. */
  tries(context: string, requestId: string): Set<string> {
    return new Set(this.s.tries.all(context, requestId).map((r) => `${r.job_id}#${r.try}`));
  }

  /** A page of a request's logs with their whole texts, by job then try. */
  page(context: string, requestId: string, offset = 0, limit = 500): Page<JobLogRecord> {
    const total = this.s.count.get(context, requestId) ?? 0;
    return { items: this.s.page.all(context, requestId, limit, offset).map(toLogRecord), total, offset };
  }

  /** Like page() without the texts: their sizes in bytes instead. */
  summaries(context: string, requestId: string, offset = 0, limit = 500): Page<JobLogSummary> {
    const total = this.s.count.get(context, requestId) ?? 0;
    return { items: this.s.summaries.all(context, requestId, limit, offset).map(toLogSummary), total, offset };
  }

  /** Every try of one job, with texts. */
  ofJob(context: string, requestId: string, jobId: string): JobLogRecord[] {
    return this.s.ofJob.all(context, requestId, jobId).map(toLogRecord);
  }

  /** One job's last try, with its texts; null if none is cached. */
  lastTry(context: string, requestId: string, jobId: string): JobLogRecord | null {
    const row = this.s.lastTry.get(context, requestId, jobId);
    return row ? toLogRecord(row) : null;
  }

  /** Characters [offset, offset + length) of one stream of one try, and its length; null if no such try. */
  text(
    context: string,
    requestId: string,
    jobId: string,
    tryN: number,
    stream: Stream,
    offset: number,
    length: number,
  ): JobLogText | null {
    const row = this.s.head[stream].get(context, requestId, jobId, tryN);
    if (!row) return null;
    const end = offset + length;
    const headChars = charCount(row.head);
    const pieces: string[] = [];
    if (offset < headChars) pieces.push(sliceChars(row.head, offset, end));
    if (end > headChars) {
      for (const c of this.s.chunksIn.all(row.seq, stream, offset - CHUNK_UNITS, end)) {
        if (c.start + c.chars > offset) pieces.push(sliceChars(c.text, offset - c.start, end - c.start));
      }
    }
    const total = this.s.streamEnd.get(row.seq, stream) ?? headChars;
    return { text: pieces.join(''), total };
  }
}
