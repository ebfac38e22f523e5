// The console cache on a real SQLite file: migrations, recovery from a bad file, requests
// with filters and paging, exact job-log times, long log text in chunks, full-text search.

import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { STATE_COMPLETE, STATE_FAIL, STATE_RUNNING, STATE_TIMEOUT } from '../../shared/proto';
import { exportRequests, importRequests, parseExport } from '../export-import';
import { Cache } from './cache';
import { ftsQuery } from './search-store';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations';
import { migrate } from './open-cache';
import { CHUNK_UNITS } from './text-chunks';
import { wireJobLog as log, wireJobStatus, wireRequest as request } from '../../../test/support/wire-records';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'sc-cache-'));
});

/** About `chars` characters of numbered lines, with accents and emoji (two UTF-16 units each), and `word` near the end. */
function bigText(chars: number, word: string): string {
  const lines: string[] = [];
  let n = 0;
  for (let i = 0; n < chars - 40; i++) {
    const line = `line ${i} café ${i % 97 === 0 ? '🦜 ' : ''}ok\n`;
    lines.push(line);
    n += [...line].length;
  }
  lines.push(`then ${word} at the end\n`);
  return lines.join('');
}

/** A stream read back through logs.text() in slices of `size` characters. */
function readAll(
  cache: Cache,
  requestId: string,
  stream: 'stdout' | 'stderr',
  size: number,
  context = 'local',
): string {
  let out = '';
  for (let o = 0; ; o += size) {
    const slice = cache.logs.text(context, requestId, 'a@1', 1, stream, o, size);
    if (!slice) throw new Error('no such try');
    out += slice.text;
    if (o + size >= slice.total) return out;
  }
}

describe('opening the cache', () => {
  it('creates a new file at the current schema version', () => {
    const file = path.join(dir, 'cache.db');
    const cache = new Cache(file);
    expect(cache.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(cache.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(cache.recovered).toBeUndefined();
    cache.close();
  });

  it('applies each migration once, from every earlier version', () => {
    for (let from = 0; from < MIGRATIONS.length; from++) {
      const db = new Database(':memory:');
      migrate(db, MIGRATIONS.slice(0, from));
      expect(db.pragma('user_version', { simple: true })).toBe(from);
      migrate(db);
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      migrate(db); // idempotent
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')").pluck().all();
      expect(tables).toEqual(
        expect.arrayContaining(['contexts', 'requests', 'chains', 'job_statuses', 'job_logs', 'job_log_chunks']),
      );
      db.close();
    }
  });

  it('migration 2 keeps logs indexed under version 1 searchable and indexes new ones in batches', () => {
    const file = path.join(dir, 'v1.db');
    const v1 = new Database(file);
    migrate(v1, MIGRATIONS.slice(0, 1));
    v1.prepare(
      `INSERT INTO job_logs (context, request_id, job_id, try, type, started_at, finished_at, state, exit, error, stdout, stderr)
       VALUES ('local', 'old', 'a@1', 1, 'shell', 1, 2, 3, 0, '', 'written by version one', '')`,
    ).run();
    v1.close();
    const cache = new Cache(file);
    expect(cache.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(cache.search.pendingCount()).toBe(0);
    cache.logs.put('local', [log('new', 'b@1', 1, { stdout: 'written by version two' })]);
    expect(cache.search.pendingCount()).toBe(1);
    expect(cache.search.search('written').map((h) => h.requestId)).toEqual(['new', 'old']);
    expect(cache.search.pendingCount()).toBe(0);
    cache.logs.put('local', [log('n2', 'c@1', 1), log('n3', 'd@1', 1)]);
    expect(cache.search.indexPending(1)).toBe(1);
    expect(cache.search.indexPending()).toBe(1);
    expect(cache.search.indexPending()).toBe(0);
    cache.close();
  });

  it('migration 3 moves long streams into chunks and keeps the full-text index valid without indexing again', () => {
    const file = path.join(dir, 'v2.db');
    const v2 = new Database(file);
    migrate(v2, MIGRATIONS.slice(0, 2));
    const insert = v2.prepare(
      `INSERT INTO job_logs (context, request_id, job_id, try, type, started_at, finished_at, state, exit, error, stdout, stderr)
       VALUES ('local', ?, 'a@1', 1, 'shell', 1, 2, 3, 0, '', ?, ?)`,
    );
    const long = bigText(700_000, 'zebrafinch');
    const longErr = bigText(300_000, 'kingfisher');
    insert.run('short', 'a short log about herons', '');
    insert.run('long', long, longErr);
    // what version 2 indexed (indexPending then)
    v2.exec(`INSERT INTO job_logs_text (rowid, stdout, stderr, error) SELECT seq, stdout, stderr, error FROM job_logs;
             UPDATE fts_progress SET indexed_seq = (SELECT MAX(seq) FROM job_logs);`);
    insert.run('pending', '', bigText(CHUNK_UNITS + 10, 'sandpiper'));
    v2.close();

    const cache = new Cache(file);
    expect(cache.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    // Each row keeps its streams' first pieces (a piece ends before an emoji that would not fit).
    const heads = cache.db.prepare('SELECT request_id, stdout, stderr FROM job_log_rows ORDER BY seq').all() as Array<{
      request_id: string;
      stdout: string;
      stderr: string;
    }>;
    expect(heads.map((h) => [h.request_id, h.stdout.length, h.stderr.length])).toEqual([
      ['short', 24, 0],
      ['long', expect.closeTo(CHUNK_UNITS, 0), expect.closeTo(CHUNK_UNITS, 0)],
      ['pending', 0, expect.closeTo(CHUNK_UNITS, 0)],
    ]);
    expect(long.startsWith(heads[1]!.stdout) && longErr.startsWith(heads[1]!.stderr)).toBe(true);
    expect(cache.db.prepare('SELECT stream, COUNT(*) AS n FROM job_log_chunks GROUP BY seq, stream').all()).toEqual([
      { stream: 'stderr', n: 1 }, // longErr: 300,000 characters, two pieces
      { stream: 'stdout', n: 2 }, // long: 700,000 characters, three pieces
      { stream: 'stderr', n: 1 },
    ]);
    // Whole texts and slices read back as they were.
    expect(cache.logs.page('local', 'long').items[0]).toMatchObject({ stdout: long, stderr: longErr });
    expect(readAll(cache, 'long', 'stdout', 100_003)).toBe(long);
    // Only the log stored after version 2's indexing is indexed now; then FTS5 compares every
    // content row (the job_logs view's whole texts) with the index: what version 2 indexed
    // still matches, without having been indexed again.
    expect(cache.search.pendingCount()).toBe(1);
    expect(cache.search.indexPending()).toBe(1);
    expect(() =>
      cache.db.prepare("INSERT INTO job_logs_text (job_logs_text, rank) VALUES ('integrity-check', 1)").run(),
    ).not.toThrow();
    expect(cache.search.search('zebrafinch')).toMatchObject([{ requestId: 'long', stream: 'stdout' }]);
    expect(cache.search.search('zebrafinch')[0]?.snippet).toContain('\u0001zebrafinch\u0002');
    expect(cache.search.search('kingfisher')).toMatchObject([{ requestId: 'long', stream: 'stderr' }]);
    expect(cache.search.search('sandpiper')).toMatchObject([{ requestId: 'pending', stream: 'stderr' }]);
    expect(cache.search.search('herons')).toMatchObject([{ requestId: 'short' }]);
    cache.close();
  });

  it('a migration that fails leaves the file as it was', () => {
    const file = path.join(dir, 'v2.db');
    const v2 = new Database(file);
    migrate(v2, MIGRATIONS.slice(0, 2));
    const long = bigText(600_000, 'zebrafinch');
    v2.prepare(
      `INSERT INTO job_logs (context, request_id, job_id, try, type, started_at, finished_at, state, exit, error, stdout, stderr)
       VALUES ('local', 'long', 'a@1', 1, 'shell', 1, 2, 3, 0, '', ?, '')`,
    ).run(long);
    v2.exec('CREATE TABLE job_log_chunks (x)'); // in the way of migration 3
    expect(() => migrate(v2)).toThrow(/job_log_chunks already exists/);
    expect(v2.pragma('user_version', { simple: true })).toBe(2);
    expect(v2.prepare("SELECT type FROM sqlite_master WHERE name = 'job_logs'").pluck().get()).toBe('table');
    expect(v2.prepare('SELECT stdout FROM job_logs').pluck().get()).toBe(long);
    v2.close();
  });

  it('moves a corrupt file aside with the reason and starts fresh', () => {
    const file = path.join(dir, 'cache.db');
    writeFileSync(file, 'this is not a database, it is a shopping list\n'.repeat(200));
    const cache = new Cache(file);
    expect(cache.recovered?.reason).toMatch(/not a database/);
    expect(path.basename(cache.recovered?.movedTo ?? '')).toMatch(/^cache\.db\.unreadable-/);
    expect(readdirSync(dir).some((f) => f.startsWith('cache.db.unreadable-'))).toBe(true);
    cache.requests.put('local', request('a'));
    expect(cache.requests.get('local', 'a')?.type).toBe('deploy');
    cache.close();
  });

  it('moves aside a cache written by a newer console instead of damaging it', () => {
    const file = path.join(dir, 'cache.db');
    const newer = new Database(file);
    newer.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    newer.close();
    const cache = new Cache(file);
    expect(cache.recovered?.reason).toMatch(/newer console/);
    cache.close();
  });
});

describe('requests', () => {
  it('reports state changes and keeps args, origin and watch flags across updates', () => {
    const cache = new Cache(':memory:');
    const first = cache.requests.put('local', request('a'), { args: { msg: 'hi' }, origin: 'console', watched: true });
    expect(first).toEqual({ previousState: null, changed: true });
    const same = cache.requests.put('local', request('a'));
    expect(same).toEqual({ previousState: STATE_RUNNING, changed: false });
    const done = cache.requests.put('local', request('a', { state: STATE_FAIL, finishedAt: '2026-11-27T10:01:00Z' }));
    expect(done).toEqual({ previousState: STATE_RUNNING, changed: true });
    expect(cache.requests.get('local', 'a')).toMatchObject({
      state: STATE_FAIL,
      args: { msg: 'hi' },
      origin: 'console',
      watched: true,
    });
  });

  it('lists newest first with state, type, user, time and text filters and paging', () => {
    const cache = new Cache(':memory:');
    for (let i = 0; i < 30; i++) {
      cache.requests.put(
        'local',
        request(`r${String(i).padStart(2, '0')}`, {
          state: i % 3 === 0 ? STATE_FAIL : STATE_COMPLETE,
          type: i % 2 ? 'restart' : 'backup',
          user: i < 10 ? 'bob' : 'alice',
          createdAt: new Date(Date.UTC(2026, 10, 1, 0, i)).toISOString(),
        }),
      );
    }
    cache.requests.put('other', request('elsewhere'));
    const all = cache.requests.list({ context: 'local' }, 0, 10);
    expect(all.total).toBe(30);
    expect(all.items.map((r) => r.id).slice(0, 3)).toEqual(['r29', 'r28', 'r27']);
    const failed = cache.requests.list({ context: 'local', states: [STATE_FAIL] });
    expect(failed.total).toBe(10);
    expect(failed.items.every((r) => r.state === STATE_FAIL)).toBe(true);
    expect(cache.requests.list({ context: 'local', types: ['restart'], users: ['bob'] }).total).toBe(5);
    const since = Date.UTC(2026, 10, 1, 0, 25);
    expect(cache.requests.list({ context: 'local', since }).total).toBe(5);
    expect(cache.requests.list({ context: 'local', text: 'r1' }).total).toBe(10);
    expect(cache.requests.list({ context: 'local', text: '100%_' }).total).toBe(0);
    const page2 = cache.requests.list({ context: 'local' }, 10, 10);
    expect(page2.items[0]?.id).toBe('r19');
  });
});

describe('job logs', () => {
  it('keeps nanosecond times exact and skips tries already cached', () => {
    const cache = new Cache(':memory:');
    expect(cache.logs.put('local', [log('a', 'j@1', 1), log('a', 'j@1', 2)])).toBe(2);
    expect(cache.logs.put('local', [log('a', 'j@1', 2), log('a', 'k@2', 1)])).toBe(1);
    expect([...cache.logs.tries('local', 'a')].sort()).toEqual(['j@1#1', 'j@1#2', 'k@2#1']);
    const page = cache.logs.page('local', 'a');
    expect(page.total).toBe(3);
    expect(page.items[0]).toMatchObject({ jobId: 'j@1', try: 1, startedAt: '1795816285172551555' });
  });

  it('stores large batches (many rows per statement) and still skips the duplicates among them', () => {
    const cache = new Cache(':memory:');
    const batch = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => log('big', `j@${from + i}`, 1, { stdout: `line ${from + i}` }));
    expect(cache.logs.put('local', batch(0, 10))).toBe(10);
    expect(cache.logs.put('local', batch(0, 63))).toBe(53);
    const page = cache.logs.page('local', 'big', 0, 100);
    expect(page.total).toBe(63);
    expect(new Set(page.items.map((l) => l.stdout)).size).toBe(63);
  });

  it("summarizes tries without their texts, giving each stream's size in bytes", () => {
    const cache = new Cache(':memory:');
    cache.logs.put('local', [
      log('a', 'j@1', 1, { stdout: 'héllo\n', stderr: '' }),
      log('a', 'j@1', 2, { stdout: '', stderr: 'boom' }),
      log('a', 'k@2', 1, { stdout: 'x'.repeat(1000) }),
    ]);
    const page = cache.logs.summaries('local', 'a', 0, 2);
    expect(page.total).toBe(3);
    expect(page.items).toHaveLength(2);
    expect(page.items[0]).toMatchObject({ jobId: 'j@1', try: 1, startedAt: '1795816285172551555', stdoutBytes: 7 });
    expect(page.items[1]).toMatchObject({ jobId: 'j@1', try: 2, stdoutBytes: 0, stderrBytes: 4 });
    expect(page.items[0]).not.toHaveProperty('stdout');
    expect(cache.logs.summaries('local', 'a', 2, 10).items.map((l) => [l.jobId, l.stdoutBytes])).toEqual([
      ['k@2', 1000],
    ]);
  });

  it("reads a slice of one stream by character offset, with the stream's length", () => {
    const cache = new Cache(':memory:');
    const text = Array.from({ length: 5000 }, (_, i) => `line ${i} é\n`).join('');
    cache.logs.put('local', [log('a', 'j@1', 1, { stdout: text, stderr: 'err' })]);
    const first = cache.logs.text('local', 'a', 'j@1', 1, 'stdout', 0, 10);
    expect(first).toEqual({ text: text.slice(0, 10), total: text.length });
    // chunks put together give the whole text back (multi-byte characters counted as one)
    let joined = '';
    for (let o = 0; o < text.length; o += 777)
      joined += cache.logs.text('local', 'a', 'j@1', 1, 'stdout', o, 777)?.text;
    expect(joined).toBe(text);
    expect(cache.logs.text('local', 'a', 'j@1', 1, 'stdout', text.length + 5, 10)).toEqual({
      text: '',
      total: text.length,
    });
    expect(cache.logs.text('local', 'a', 'j@1', 1, 'stderr', 1, 100)).toEqual({ text: 'rr', total: 3 });
    expect(cache.logs.text('local', 'a', 'j@1', 2, 'stdout', 0, 10)).toBeNull();
  });

  it('stores a long stream in chunks and reads any slice of it by characters', () => {
    const cache = new Cache(':memory:');
    const text = bigText(3 * CHUNK_UNITS + 1234, 'zebrafinch');
    const chars = [...text];
    const stderr = 'e'.repeat(CHUNK_UNITS); // exactly one piece: no chunks
    expect(cache.logs.put('local', [log('a', 'a@1', 1, { stdout: text, stderr })])).toBe(1);
    expect(cache.logs.put('local', [log('a', 'a@1', 1, { stdout: text })])).toBe(0); // already cached
    const chunks = cache.db.prepare('SELECT stream, start, chars FROM job_log_chunks ORDER BY start').all() as Array<{
      stream: string;
      start: number;
      chars: number;
    }>;
    expect(chunks.length).toBe(3);
    expect(chunks.every((c) => c.stream === 'stdout')).toBe(true);
    expect(chunks.at(-1)!.start + chunks.at(-1)!.chars).toBe(chars.length);
    // Slices of odd sizes and offsets, across chunk ends, count characters (an emoji is one).
    expect(readAll(cache, 'a', 'stdout', 77_777)).toBe(text);
    for (const [o, n] of [
      [0, 10],
      [CHUNK_UNITS - 5, 10],
      [chunks[1]!.start - 3, 2 * CHUNK_UNITS + 7],
      [chars.length - 4, 100],
    ] as const) {
      expect(cache.logs.text('local', 'a', 'a@1', 1, 'stdout', o, n)).toEqual({
        text: chars.slice(o, o + n).join(''),
        total: chars.length,
      });
    }
    expect(cache.logs.text('local', 'a', 'a@1', 1, 'stdout', chars.length + 5, 10)).toEqual({
      text: '',
      total: chars.length,
    });
    expect(cache.logs.text('local', 'a', 'a@1', 1, 'stderr', CHUNK_UNITS - 2, 10)).toEqual({
      text: 'ee',
      total: CHUNK_UNITS,
    });
    expect(cache.logs.page('local', 'a').items[0]).toMatchObject({ stdout: text, stderr });
    expect(cache.logs.ofJob('local', 'a', 'a@1')[0]?.stdout).toBe(text);
    expect(cache.logs.summaries('local', 'a').items[0]).toMatchObject({
      stdoutBytes: Buffer.byteLength(text),
      stderrBytes: CHUNK_UNITS,
    });
    // A long log's snippet is made from its chunks (snippet() would tokenize all of it again).
    const [hit] = cache.search.search('zebrafinch');
    expect(hit).toMatchObject({ requestId: 'a', stream: 'stdout' });
    expect(hit?.snippet.startsWith('…')).toBe(true);
    expect(hit?.snippet.endsWith('then \u0001zebrafinch\u0002 at the end\n')).toBe(true);
    expect(cache.search.search('line 1 café')[0]?.snippet.startsWith('\u0001line\u0002 0 \u0001café\u0002 ')).toBe(
      true,
    );
    // FTS5 folds diacritics ("cafe" finds "café"), the snippet maker does not: the log's start.
    expect(cache.search.search('cafe')[0]?.snippet).toMatch(/^line 0 café/);
    expect(() =>
      cache.db.prepare("INSERT INTO job_logs_text (job_logs_text, rank) VALUES ('integrity-check', 1)").run(),
    ).not.toThrow();
    // A deleted log takes its chunks and its index entry with it.
    cache.db.prepare('DELETE FROM job_log_rows').run();
    expect(cache.db.prepare('SELECT COUNT(*) FROM job_log_chunks').pluck().get()).toBe(0);
    expect(cache.search.search('zebrafinch')).toEqual([]);
  });

  it('exports a long log whole and imports it back into chunks', () => {
    const from = new Cache(':memory:');
    const text = bigText(2 * CHUNK_UNITS + 99, 'zebrafinch');
    from.requests.put('local', request('a', { state: STATE_COMPLETE }));
    from.logs.put('local', [log('a', 'a@1', 1, { stdout: text, stderr: 'warning\n' })]);
    const file = exportRequests(from, [{ context: 'local', id: 'a' }], 'build-7');
    expect(parseExport(file).requests[0]?.logs[0]).toMatchObject({ stdout: text, stderr: 'warning\n' }); // the format is unchanged
    const to = new Cache(':memory:');
    const context = 'local (imported from build-7)';
    expect(importRequests(to, file)).toEqual({ imported: [{ context, id: 'a' }], skipped: 0 });
    expect(to.db.prepare('SELECT COUNT(*) FROM job_log_chunks').pluck().get()).toBe(2);
    expect(readAll(to, 'a', 'stdout', 300_001, context)).toBe(text);
    expect(to.search.search('zebrafinch')).toMatchObject([{ requestId: 'a' }]);
  });

  it('keeps the order logs were given in when long and short ones are mixed', () => {
    const cache = new Cache(':memory:');
    const logs = Array.from({ length: 60 }, (_, i) =>
      log('m', `j@${String(i).padStart(2, '0')}`, 1, {
        stdout: i % 20 === 7 ? bigText(CHUNK_UNITS + 100, `word${i}`) : `word${i}`,
      }),
    );
    expect(cache.logs.put('local', logs)).toBe(60);
    const order = cache.db.prepare('SELECT job_id FROM job_log_rows ORDER BY seq').pluck().all();
    expect(order).toEqual(logs.map((l) => l.jobId));
    expect(cache.search.search('word27')).toMatchObject([{ jobId: 'j@27' }]);
  });

  it('finds text across every cached log, newest first, naming the stream', () => {
    const cache = new Cache(':memory:');
    cache.requests.put('local', request('a', { type: 'restart' }));
    cache.logs.put('local', [
      log('a', 'drain@3', 1, { stdout: 'draining web1\nconnection refused by upstream\n' }),
      log('a', 'check@4', 1, { stderr: 'fatal: Connection refused (port 443)' }),
      log('b', 'noise@1', 1, { stdout: 'all good' }),
    ]);
    const hits = cache.search.search('connection refused');
    expect(hits.map((h) => [h.jobId, h.stream])).toEqual([
      ['check@4', 'stderr'],
      ['drain@3', 'stdout'],
    ]);
    expect(hits[1]?.requestType).toBe('restart');
    expect(hits[1]?.snippet).toContain('\u0001connection\u0002');
    expect(cache.search.search('refus').length).toBe(2); // prefix on the last word
    expect(cache.search.search('"); DROP TABLE job_logs; --')).toEqual([]);
    expect(cache.search.search('   ')).toEqual([]);
  });

  it('turns any text into a safe FTS5 query', () => {
    expect(ftsQuery('exit "3" OR')).toBe('"exit" "3" "OR"*');
    expect(ftsQuery('***')).toBeNull();
  });
});

describe('contexts and settings', () => {
  it('keeps contexts in order, renames them with their cache, and removes them', () => {
    const cache = new Cache(':memory:');
    cache.contexts.put({ name: 'local', url: 'http://127.0.0.1:8888', envLabel: null, envColor: null, embedded: true });
    cache.contexts.put({
      name: 'prod',
      url: 'https://rm.prod',
      envLabel: 'production',
      envColor: '#d32f2f',
      embedded: false,
    });
    cache.requests.put('prod', request('p1'));
    cache.contexts.put(
      { name: 'prod-east', url: 'https://rm.prod', envLabel: 'production', envColor: '#d32f2f', embedded: false },
      'prod',
    );
    expect(cache.contexts.list().map((c) => c.name)).toEqual(['local', 'prod-east']);
    expect(cache.requests.get('prod-east', 'p1')).not.toBeNull();
    expect(cache.contexts.remove('prod-east')).toBe(true);
    expect(cache.requests.get('prod-east', 'p1')).not.toBeNull(); // still readable offline
    cache.settings.put('pollMs', { viewed: 1000 });
    expect(cache.settings.get('pollMs')).toEqual({ viewed: 1000 });
  });
});

describe('request facts', () => {
  it('keeps job starts steady within the slack, moves them past it, and carries them through a rename', () => {
    const cache = new Cache(':memory:');
    const prod = { name: 'prod', url: 'https://rm.prod', envLabel: null, envColor: null, embedded: false };
    cache.contexts.put(prod);
    cache.requests.put('prod', request('r1'));
    expect(cache.facts.putJobStarts('prod', [{ requestId: 'r1', jobId: 'a@1', startedMs: 10_000 }])).toEqual(['r1']);
    // Read again a little later: the same start, said again, moves nothing.
    expect(cache.facts.putJobStarts('prod', [{ requestId: 'r1', jobId: 'a@1', startedMs: 11_500 }])).toEqual([]);
    expect(cache.facts.putJobStarts('prod', [{ requestId: 'r1', jobId: 'a@1', startedMs: 20_000 }])).toEqual(['r1']);
    cache.contexts.put({ ...prod, name: 'prod-east' }, 'prod');
    expect(cache.facts.jobStarts('prod-east', 'r1')).toEqual({ 'a@1': 20_000 });
    expect(cache.facts.jobStarts('prod', 'r1')).toEqual({});
    cache.facts.clearJobStarts('prod-east', 'r1');
    expect(cache.facts.jobStarts('prod-east', 'r1')).toEqual({});
  });

  it('reads a failure with its request, in a record and in a list; TIMEOUT lists FAIL requests with a timed-out job', () => {
    const cache = new Cache(':memory:');
    cache.requests.put('local', request('timed', { state: STATE_FAIL }));
    cache.requests.put('local', request('failed', { state: STATE_FAIL, createdAt: '2026-11-27T09:00:00Z' }));
    cache.requests.put('local', request('old', { state: STATE_TIMEOUT, createdAt: '2026-11-27T08:00:00Z' }));
    cache.chains.putStatuses('local', 'timed', [wireJobStatus('timed', 'a@1', { state: STATE_TIMEOUT })]);
    cache.chains.putStatuses('local', 'failed', [wireJobStatus('failed', 'a@1', { state: STATE_FAIL })]);
    const failure = { jobs: [], count: 1, timedOut: true };
    expect(cache.facts.setFailure('local', 'timed', failure)).toBe(true);
    expect(cache.facts.setFailure('local', 'unknown', failure)).toBe(false);
    expect(cache.requests.get('local', 'timed')?.failure).toEqual(failure);
    expect(cache.requests.get('local', 'failed')?.failure).toBeNull();
    const listed = (states: number[]) => cache.requests.list({ context: 'local', states });
    expect(listed([STATE_TIMEOUT]).items.map((r) => [r.id, r.failure])).toEqual([
      ['timed', failure],
      ['old', null],
    ]);
    expect(listed([STATE_TIMEOUT]).total).toBe(2);
    expect(listed([STATE_FAIL]).items.map((r) => r.id)).toEqual(['timed', 'failed']);
  });
});

describe('last contact', () => {
  it('is kept per context, follows a rename, and is forgotten when the URL changes', () => {
    const cache = new Cache(':memory:');
    const prod = { name: 'prod', url: 'https://rm.prod', envLabel: 'production', envColor: null, embedded: false };
    cache.contexts.put(prod);
    expect(cache.contexts.lastContact('prod')).toBeNull();
    cache.contexts.putLastContact('prod', 1_700_000_000_000);
    cache.contexts.put({ ...prod, envLabel: 'prod' }); // a new label: same RM
    expect(cache.contexts.lastContact('prod')).toBe(1_700_000_000_000);
    cache.contexts.put({ ...prod, name: 'prod-east' }, 'prod');
    expect(cache.contexts.lastContact('prod-east')).toBe(1_700_000_000_000);
    cache.contexts.put({ ...prod, name: 'prod-west', url: 'https://rm.west' }, 'prod-east');
    expect(cache.contexts.lastContact('prod-west')).toBeNull(); // another RM: its cache age is unknown
    cache.contexts.putLastContact('prod-west', 1_800_000_000_000);
    cache.contexts.put({ ...prod, name: 'prod-west', url: 'https://rm.other' });
    expect(cache.contexts.lastContact('prod-west')).toBeNull();
  });
});

describe('servers of any protocol generation (migration 6)', () => {
  it('keeps what a server speaks and a context auth with the context, and follows a rename only at the same URL', () => {
    const cache = new Cache(':memory:');
    const auth = { headers: ['Authorization'], caFile: '/etc/ca.pem', certFile: null, keyFile: null };
    const prod = { name: 'prod', url: 'https://rm.prod', envLabel: null, envColor: null, embedded: false, auth };
    cache.contexts.put(prod);
    expect(cache.contexts.serverInfo('prod')).toBeNull();
    cache.contexts.putServerInfo('prod', { generation: 'v2', version: '2.1.1', canFind: true });
    expect(cache.contexts.list()).toEqual([prod]);
    cache.contexts.put({ ...prod, name: 'prod-east' }, 'prod');
    expect(cache.contexts.serverInfo('prod-east')).toEqual({ generation: 'v2', version: '2.1.1', canFind: true });
    cache.contexts.put({ ...prod, name: 'prod-east', url: 'https://rm.other', auth: null });
    expect(cache.contexts.serverInfo('prod-east')).toBeNull(); // another server: not known what it speaks
    expect(cache.contexts.list()[0]?.auth).toBeNull();
  });

  it('keeps v2 job names and tries, and reads a chain cached before it as the console model', () => {
    const file = path.join(dir, 'cache.db');
    const v5 = new Database(file);
    migrate(v5, MIGRATIONS.slice(0, 5));
    v5.prepare(
      `INSERT INTO chains (context, request_id, chain) VALUES ('local', 'r1',
       '{"requestId":"r1","jobs":{"a@1":{"id":"a@1","type":"shell","bytes":null,"state":1,"args":null,"data":null,"retry":1,"retryWait":500}},"adjacencyList":{},"state":1}')`,
    ).run();
    v5.close();
    const cache = new Cache(file);
    expect(cache.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(cache.chains.chainView('local', 'r1')).toEqual({
      requestId: 'r1',
      jobs: [{ id: 'a@1', name: null, type: 'shell', retry: 1, retryWait: 500, args: null }],
      adjacencyList: {},
    });
    const view = {
      requestId: 'r2',
      jobs: [{ id: 'y3dr', name: 'nap', type: 'sleep', retry: 0, retryWait: 0, args: { seconds: '6' } }],
      adjacencyList: {},
    };
    cache.chains.putChain('local', 'r2', view);
    expect(cache.chains.chainView('local', 'r2')).toEqual(view);
    cache.chains.putStatuses('local', 'r2', [
      { jobId: 'y3dr', name: 'nap', state: STATE_RUNNING, status: 'sleeping', try: 2 },
    ]);
    expect(cache.chains.statuses('local', 'r2')).toEqual([
      { requestId: 'r2', jobId: 'y3dr', name: 'nap', state: STATE_RUNNING, status: 'sleeping', try: 2, runtime: 0 },
    ]);
    cache.close();
  });

  it('follows a SUSPENDED request as unfinished, and puts a page of requests in one go', () => {
    const cache = new Cache(':memory:');
    cache.requests.putMany('prod', [request('s1', { state: 7 }), request('c1', { state: STATE_COMPLETE })]);
    expect(cache.requests.unfinishedIds('prod')).toEqual(['s1']);
    expect(cache.requests.getMany('prod', ['c1', 'nope', 's1']).map((r) => r?.id ?? null)).toEqual(['c1', null, 's1']);
  });

  it('exports v2 names and tries (format 2) and still imports a format 1 file', () => {
    const from = new Cache(':memory:');
    from.requests.put('prod', request('v2req', { state: 7 }), { args: { seconds: '6' } });
    from.chains.putChain('prod', 'v2req', {
      requestId: 'v2req',
      jobs: [{ id: 'eZeg', name: 'nap', type: 'sleep', retry: 0, retryWait: 0, args: null }],
      adjacencyList: {},
    });
    from.chains.putStatuses('prod', 'v2req', [
      { jobId: 'eZeg', name: 'nap', state: STATE_COMPLETE, status: '', try: 1 },
    ]);
    const text = exportRequests(from, [{ context: 'prod', id: 'v2req' }], 'build-7');
    expect(JSON.parse(text)).toMatchObject({ version: 2 });
    const to = new Cache(':memory:');
    const into = 'prod (imported from build-7)';
    expect(importRequests(to, text).imported).toEqual([{ context: into, id: 'v2req' }]);
    expect(to.requests.get(into, 'v2req')).toMatchObject({ state: 7, origin: 'imported', args: { seconds: '6' } });
    expect(to.chains.statuses(into, 'v2req')[0]).toMatchObject({ name: 'nap', try: 1 });
    expect(to.chains.chainView(into, 'v2req')?.jobs[0]?.name).toBe('nap');

    const v1 = {
      format: 'spincycle-console-export',
      version: 1,
      requests: [
        {
          context: 'old',
          request: request('r1', { state: STATE_COMPLETE }),
          args: null,
          chain: {
            requestId: 'r1',
            jobs: {
              'a@1': {
                id: 'a@1',
                type: 'shell',
                bytes: null,
                state: 3,
                args: null,
                data: null,
                retry: 0,
                retryWait: 0,
              },
            },
            adjacencyList: {},
            state: 3,
          },
          statuses: [{ requestId: 'r1', jobId: 'a@1', state: 3, status: '', runtime: 1.5, n: 1 }],
          logs: [],
        },
      ],
    };
    importRequests(to, JSON.stringify(v1));
    expect(to.chains.statuses('old (imported)', 'r1')).toEqual([
      { requestId: 'r1', jobId: 'a@1', name: null, state: 3, status: '', try: null, runtime: 1.5 },
    ]);
    expect(to.chains.chainView('old (imported)', 'r1')?.jobs[0]).toMatchObject({ id: 'a@1', name: null });
    expect(() => parseExport(JSON.stringify({ ...v1, version: 3 }))).toThrow(
      'unsupported export version 3 (this console reads 1 and 2)',
    );
    // A chain of the model's shape is checked field by field, as a wire chain is.
    const bad = { ...v1, version: 2 };
    bad.requests[0]!.chain = { requestId: 'r1', jobs: [{ id: 'a@1', name: 7 }], adjacencyList: {} } as never;
    expect(() => parseExport(JSON.stringify(bad))).toThrow(/requests\[0\]\.chain\.jobs\[0\]\.name/);
  });
});
