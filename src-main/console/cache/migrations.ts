// The cache schema, as numbered migrations applied in order by PRAGMA user_version
// (migration i brings the file from version i to i + 1). Never edit a released migration:
// append a new one.

export const MIGRATIONS: readonly string[] = [
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

  // 2: log text is indexed in batches off the ingest path (one INSERT ... SELECT per batch is
  // ~7x faster than a per-row trigger); the index's high-water mark is kept in fts_progress.
  // Everything stored under version 1 was indexed by the trigger.
  `
  DROP TRIGGER job_logs_text_insert;
  CREATE TABLE fts_progress (id INTEGER PRIMARY KEY CHECK (id = 1), indexed_seq INTEGER NOT NULL);
  INSERT INTO fts_progress (id, indexed_seq) SELECT 1, COALESCE(MAX(seq), 0) FROM job_logs;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
