// The cache schema, as numbered migrations applied in order by PRAGMA user_version
// (migration i brings the file from version i to i + 1), each in one transaction: SQL text, or
// a function where rows must be rewritten in JS. Never edit a released migration: append a new one.

import type Database from 'better-sqlite3';
import { CHUNK_UNITS, splitText } from './text-chunks';

export type Migration = string | ((db: Database.Database) => void);

export const MIGRATIONS: readonly Migration[] = [
  // 1: contexts, requests, chains, job statuses, job logs with a full-text index, settings.
  `
  CREATE TABLE contexts (
    name       TEXT PRIMARY KEY,
    url        TEXT NOT NULL,
    env_label  TEXT,
    env_color  TEXT,
    embedded   INTEGER NOT NULL DEFAULT 0,
    position   INTEGER NOT NULL DEFAULT 0
  );

  CREATE TABLE requests (
    context       TEXT NOT NULL,
    id            TEXT NOT NULL,
    type          TEXT NOT NULL,
    state         INTEGER NOT NULL,
    user          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    started_at    TEXT,
    finished_at   TEXT,
    created_ms    INTEGER NOT NULL,
    total_jobs    INTEGER NOT NULL,
    finished_jobs INTEGER NOT NULL,
    args          TEXT,
    watched       INTEGER NOT NULL DEFAULT 0,
    origin        TEXT NOT NULL DEFAULT 'seen',
    synced_ms     INTEGER NOT NULL,
    PRIMARY KEY (context, id)
  ) WITHOUT ROWID;
  CREATE INDEX requests_by_created ON requests (context, created_ms DESC);
  CREATE INDEX requests_by_state ON requests (context, state, created_ms DESC);

  CREATE TABLE chains (
    context    TEXT NOT NULL,
    request_id TEXT NOT NULL,
    chain      TEXT NOT NULL,
    PRIMARY KEY (context, request_id)
  ) WITHOUT ROWID;

  CREATE TABLE job_statuses (
    context    TEXT NOT NULL,
    request_id TEXT NOT NULL,
    job_id     TEXT NOT NULL,
    state      INTEGER NOT NULL,
    status     TEXT NOT NULL,
    runtime    REAL NOT NULL,
    n          INTEGER NOT NULL,
    PRIMARY KEY (context, request_id, job_id)
  ) WITHOUT ROWID;

  CREATE TABLE job_logs (
    seq         INTEGER PRIMARY KEY,
    context     TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    job_id      TEXT NOT NULL,
    try         INTEGER NOT NULL,
    type        TEXT NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    state       INTEGER NOT NULL,
    exit        INTEGER NOT NULL,
    error       TEXT NOT NULL,
    stdout      TEXT NOT NULL,
    stderr      TEXT NOT NULL,
    UNIQUE (context, request_id, job_id, try)
  );

  CREATE VIRTUAL TABLE job_logs_text USING fts5 (
    stdout, stderr, error,
    content = 'job_logs', content_rowid = 'seq',
    tokenize = 'unicode61'
  );
  CREATE TRIGGER job_logs_text_insert AFTER INSERT ON job_logs BEGIN
    INSERT INTO job_logs_text (rowid, stdout, stderr, error) VALUES (new.seq, new.stdout, new.stderr, new.error);
  END;
  CREATE TRIGGER job_logs_text_delete AFTER DELETE ON job_logs BEGIN
    INSERT INTO job_logs_text (job_logs_text, rowid, stdout, stderr, error)
      VALUES ('delete', old.seq, old.stdout, old.stderr, old.error);
  END;

  CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) WITHOUT ROWID;
  `,

  // 2: log text is indexed in batches off the ingest path (one INSERT ... SELECT per batch
  // instead of a per-row trigger); the index's high-water mark is kept in fts_progress.
  // Everything stored under version 1 was indexed by the trigger.
  `
  DROP TRIGGER job_logs_text_insert;
  CREATE TABLE fts_progress (id INTEGER PRIMARY KEY CHECK (id = 1), indexed_seq INTEGER NOT NULL);
  INSERT INTO fts_progress (id, indexed_seq) SELECT 1, COALESCE(MAX(seq), 0) FROM job_logs;
  `,

  // 3: log text in chunks, so reading a slice of a 100 MB stream reads only the pieces it
  // covers (substr() on one big value loads all of it). See chunkLogText.
  (db) => chunkLogText(db),

  // 4: when each context's Request Manager last answered, so an offline console still says how
  // old its cache is after a restart.
  `ALTER TABLE contexts ADD COLUMN last_ok_ms INTEGER;`,

  // 5: why a request failed (a FailureSummary as JSON), and when each running job was marked
  // running as the RM's running list told it (a request's own job statuses carry no runtime).
  `
  ALTER TABLE requests ADD COLUMN failure TEXT;
  CREATE TABLE job_starts (
    context    TEXT NOT NULL,
    request_id TEXT NOT NULL,
    job_id     TEXT NOT NULL,
    started_ms REAL NOT NULL,
    PRIMARY KEY (context, request_id, job_id)
  ) WITHOUT ROWID;
  `,

  // 6: servers of any protocol generation. A context's auth (ContextAuth as JSON: header names
  // and TLS file paths, never a secret) and what its server was found to speak (ServerInfo as
  // JSON); a job status's node name and try (v2 servers tell them). Chains are kept as the console
  // model's ChainView from now on; rows written before hold the 2017 wire JobChain and are read
  // as such (chain-text.ts).
  `
  ALTER TABLE contexts ADD COLUMN auth TEXT;
  ALTER TABLE contexts ADD COLUMN server TEXT;
  ALTER TABLE job_statuses ADD COLUMN name TEXT;
  ALTER TABLE job_statuses ADD COLUMN try INTEGER;
  `,

  // 7: live output of running tries as the console followed it (live-output.ts): each try's
  // last answer, and its text in the pieces that came, by character offset. A try's rows go
  // once its job log is cached: the log holds the same text, and the rest.
  `
  CREATE TABLE live_tries (
    context     TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    job_id      TEXT NOT NULL,
    try         INTEGER NOT NULL,
    state       INTEGER NOT NULL,
    status      TEXT NOT NULL,
    live        INTEGER NOT NULL,
    done        INTEGER NOT NULL,
    exit        INTEGER,
    stdout_next INTEGER NOT NULL,
    stderr_next INTEGER NOT NULL,
    stdout_chars INTEGER NOT NULL,
    stderr_chars INTEGER NOT NULL,
    stdout_dropped INTEGER NOT NULL,
    stderr_dropped INTEGER NOT NULL,
    seen_ms     INTEGER NOT NULL,
    PRIMARY KEY (context, request_id, job_id, try)
  ) WITHOUT ROWID;

  CREATE TABLE live_text (
    context    TEXT NOT NULL,
    request_id TEXT NOT NULL,
    job_id     TEXT NOT NULL,
    try        INTEGER NOT NULL,
    stream     TEXT NOT NULL CHECK (stream IN ('stdout', 'stderr')),
    start      INTEGER NOT NULL,
    chars      INTEGER NOT NULL,
    text       TEXT NOT NULL,
    PRIMARY KEY (context, request_id, job_id, try, stream, start)
  ) WITHOUT ROWID;

  CREATE TRIGGER live_output_logged AFTER INSERT ON job_log_rows BEGIN
    DELETE FROM live_text
      WHERE context = new.context AND request_id = new.request_id AND job_id = new.job_id AND try = new.try;
    DELETE FROM live_tries
      WHERE context = new.context AND request_id = new.request_id AND job_id = new.job_id AND try = new.try;
  END;
  `,

  // 8: re-run and retry (request-history.ts): a request's history as its RM answered it (ours:
  // attempts, re-run links), and the re-runs this console made on a server that records none.
  `
  CREATE TABLE request_history (
    context    TEXT NOT NULL,
    request_id TEXT NOT NULL,
    history    TEXT NOT NULL,
    PRIMARY KEY (context, request_id)
  ) WITHOUT ROWID;
  CREATE TABLE console_reruns (
    context    TEXT NOT NULL,
    request_id TEXT NOT NULL,
    rerun_of   TEXT NOT NULL,
    PRIMARY KEY (context, request_id)
  ) WITHOUT ROWID;
  CREATE INDEX console_reruns_by_source ON console_reruns (context, rerun_of);
  `,

  // 9: a followed try's live rows go when its log is stored, from the log store itself
  // (LiveOutputs.forgetLogged: once per batch, and only while some try is followed) rather than
  // from a trigger run for every log row inserted.
  `
  DROP TRIGGER live_output_logged;
  `,
];

/**
 * Migration 3. A stream's text is its first piece, kept in the log's row (`job_log_rows`, the
 * table that was `job_logs`), then the rest in `job_log_chunks`, one row per piece of at most
 * CHUNK_UNITS UTF-16 units, keyed by the character offset of its first character (`start`).
 * Streams that fit in one piece (nearly all) have no chunk rows, so storing them costs what it
 * did. `job_logs` becomes a view giving every log with its whole text: the full-text index
 * reads its content from it by name, so everything indexed before stays valid (the view gives
 * back the same text for each row) and nothing has to be indexed again. Streams longer than one
 * piece are split here.
 */
function chunkLogText(db: Database.Database): void {
  db.exec(`
  DROP TRIGGER job_logs_text_delete;
  ALTER TABLE job_logs RENAME TO job_log_rows;

  CREATE TABLE job_log_chunks (
    seq    INTEGER NOT NULL REFERENCES job_log_rows (seq) ON DELETE CASCADE,
    stream TEXT NOT NULL CHECK (stream IN ('stdout', 'stderr')),
    start  INTEGER NOT NULL,
    chars  INTEGER NOT NULL,
    text   TEXT NOT NULL,
    PRIMARY KEY (seq, stream, start)
  );

  CREATE VIEW job_logs AS
  SELECT r.seq, r.context, r.request_id, r.job_id, r.try, r.type, r.started_at, r.finished_at, r.state, r.exit,
         r.error,
         r.stdout || COALESCE((SELECT group_concat(c.text, '' ORDER BY c.start) FROM job_log_chunks c
                               WHERE c.seq = r.seq AND c.stream = 'stdout'), '') AS stdout,
         r.stderr || COALESCE((SELECT group_concat(c.text, '' ORDER BY c.start) FROM job_log_chunks c
                               WHERE c.seq = r.seq AND c.stream = 'stderr'), '') AS stderr
  FROM job_log_rows r;

  -- A deleted log leaves the full-text index (with the text it was indexed with: read before
  -- its chunks go) if it had been indexed; its chunks go with it (ON DELETE CASCADE).
  CREATE TRIGGER job_logs_text_delete BEFORE DELETE ON job_log_rows
  WHEN old.seq <= (SELECT indexed_seq FROM fts_progress WHERE id = 1)
  BEGIN
    INSERT INTO job_logs_text (job_logs_text, rowid, stdout, stderr, error)
      SELECT 'delete', seq, stdout, stderr, error FROM job_logs WHERE seq = old.seq;
  END;
  `);
  // octet_length() reads no text: only rows with a stream longer than one piece are loaded.
  const long = db
    .prepare(`SELECT seq FROM job_log_rows WHERE octet_length(stdout) > ? OR octet_length(stderr) > ?`)
    .pluck()
    .all(CHUNK_UNITS, CHUNK_UNITS) as number[];
  const read = db.prepare('SELECT stdout, stderr FROM job_log_rows WHERE seq = ?');
  const setHeads = db.prepare('UPDATE job_log_rows SET stdout = ?, stderr = ? WHERE seq = ?');
  const putChunk = db.prepare('INSERT INTO job_log_chunks (seq, stream, start, chars, text) VALUES (?, ?, ?, ?, ?)');
  for (const seq of long) {
    const row = read.get(seq) as { stdout: string; stderr: string };
    const heads = (['stdout', 'stderr'] as const).map((stream) => {
      const [head, ...rest] = splitText(row[stream]);
      for (const c of rest) putChunk.run(seq, stream, c.start, c.chars, c.text);
      return head?.text ?? '';
    });
    setHeads.run(heads[0], heads[1], seq);
  }
}

export const SCHEMA_VERSION = MIGRATIONS.length;
