// Full-text search over every cached log (stdout, stderr, error). Log text is indexed in batches
// (indexPending) rather than per row: storing stays fast, and a search first indexes whatever
// is pending, so it always sees every log. The index's high-water mark is fts_progress.

import type { LogSearchHit } from '../../shared/console-model';
import type { Db } from './open-cache';
import type { Stream } from './job-log-store';

interface HitRow {
  seq: number;
  context: string;
  request_id: string;
  request_type: string;
  job_id: string;
  try: number;
  error: string;
  long: 0 | 1;
  s0: string | null;
  s1: string | null;
  s2: string | null;
}

type HitStream = LogSearchHit['stream'];
/** A hit as the cache's logs know it (the job's name is in its chain: service.ts adds it). */
export type CachedLogHit = Omit<LogSearchHit, 'jobName'>;

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

/** Where snippet() marks a match. */
const MARK_START = '\u0001';

export class SearchStore {
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = {
      indexRange: db.prepare<[number, number]>(
        `INSERT INTO job_logs_text (rowid, stdout, stderr, error)
         SELECT seq, stdout, stderr, error FROM job_logs WHERE seq > ? AND seq <= ?`,
      ),
      indexedSeq: db.prepare<[], number>('SELECT indexed_seq FROM fts_progress WHERE id = 1').pluck(),
      maxSeq: db.prepare<[], number>('SELECT COALESCE(MAX(seq), 0) FROM job_log_rows').pluck(),
      setIndexedSeq: db.prepare<[number]>('UPDATE fts_progress SET indexed_seq = ? WHERE id = 1'),
      // snippet() reads the whole log and tokenizes it again (seconds for 100 MB, minutes when a
      // word occurs a million times): logs with chunks get a snippet made in JS (longSnippet).
      search: db.prepare<[string, number, number], HitRow>(
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
        stdout: db.prepare<[number], string>('SELECT stdout FROM job_log_rows WHERE seq = ?').pluck(),
        stderr: db.prepare<[number], string>('SELECT stderr FROM job_log_rows WHERE seq = ?').pluck(),
      },
      streamChunks: db
        .prepare<[number, Stream], string>(
          'SELECT text FROM job_log_chunks WHERE seq = ? AND stream = ? ORDER BY start',
        )
        .pluck(),
    };
  }

  /** Job logs stored but not yet in the full-text index. */
  pendingCount(): number {
    return (this.s.maxSeq.get() ?? 0) - (this.s.indexedSeq.get() ?? 0);
  }

  /** Adds up to `max` stored-but-unindexed logs to the full-text index; returns how many. */
  indexPending(max = Number.MAX_SAFE_INTEGER): number {
    return this.db.transaction(() => {
      const from = this.s.indexedSeq.get() ?? 0;
      const to = Math.min(this.s.maxSeq.get() ?? 0, from + max);
      if (to <= from) return 0;
      this.s.indexRange.run(from, to);
      this.s.setIndexedSeq.run(to);
      return to - from;
    })();
  }

  /** Full-text search over every cached log (stdout, stderr, error), newest first. */
  search(text: string, offset = 0, limit = 50): CachedLogHit[] {
    const query = ftsQuery(text);
    if (!query) return [];
    this.indexPending();
    const words = queryWords(text);
    return this.s.search.all(query, limit, offset).map((r) => {
      const [stream, snippet] = r.long ? this.longSnippet(r.seq, r.error, words) : shortSnippet(r);
      return {
        context: r.context,
        requestId: r.request_id,
        requestType: r.request_type,
        jobId: r.job_id,
        try: r.try,
        stream,
        snippet,
      };
    });
  }

  /**
   * A snippet of a log with chunks, made here: the first place one of the words starts a word
   * (case-insensitive), stdout then stderr then error, read a piece at a time up to the match,
   * with every word marked \u0001 … \u0002 as snippet() does. FTS5 folds diacritics and this
   * does not: where no word is found, the start of the log, unmarked.
   */
  private longSnippet(seq: number, error: string, words: readonly string[]): readonly [HitStream, string] {
    const escaped = words.map((w) => w.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')).join('|');
    const quick = new RegExp(escaped, 'i'); // a cheap scan first: most pieces have no match
    const find = new RegExp(`(?<![\\p{L}\\p{N}_])(?:${escaped})`, 'iu');
    const first = (text: string) => (quick.test(text) ? find.exec(text) : null);
    const mark = new RegExp(`(?<![\\p{L}\\p{N}_])(?:${escaped})[\\p{L}\\p{N}_]*`, 'giu');
    const excerpt = (text: string, at: number) => {
      const from = Math.max(0, at - SNIPPET_SIDE);
      const to = Math.min(text.length, at + SNIPPET_SIDE);
      const cut = text.slice(from, to).replace(mark, (w) => `${MARK_START}${w}\u0002`);
      return `${from > 0 ? '…' : ''}${cut}${to < text.length ? '…' : ''}`;
    };
    let start: string | null = null;
    for (const stream of ['stdout', 'stderr'] as const) {
      const head = this.s.streamHead[stream].get(seq) ?? '';
      start ??= head || null;
      const m = first(head);
      if (m) return [stream, excerpt(head, m.index)];
      for (const chunk of this.s.streamChunks.iterate(seq, stream)) {
        const c = first(chunk);
        if (c) return [stream, excerpt(chunk, c.index)];
      }
    }
    const e = first(error);
    if (e) return ['error', excerpt(error, e.index)];
    return ['stdout', excerpt(start ?? '', 0)];
  }
}

/** The snippet FTS5 made: the first column with a marked match. */
function shortSnippet(r: HitRow): readonly [HitStream, string] {
  const streams = [
    ['stdout', r.s0 ?? ''],
    ['stderr', r.s1 ?? ''],
    ['error', r.s2 ?? ''],
  ] as const;
  return streams.find(([, s]) => s.includes(MARK_START)) ?? streams[0];
}
