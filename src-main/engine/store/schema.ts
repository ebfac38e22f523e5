// The SQLite engine database's schema, as an ordered list of migrations (mysql-schema.ts holds
// the same for MariaDB/MySQL, with the same numbers). PRAGMA user_version holds how many have
// been applied; opening a database applies the rest, each in a transaction.
// Times of requests are Unix milliseconds (the wire shows them as RFC 3339 with ms precision);
// job-log times are the JR's exact Unix nanoseconds (int64, read back as bigint).

import type Database from 'better-sqlite3';

const MIGRATIONS: readonly string[] = [
  // 1: requests, their params and chains (no size limit on the chain text), job logs.
  `
  CREATE TABLE requests (
    id            TEXT PRIMARY KEY,
    type          TEXT NOT NULL,
    state         INTEGER NOT NULL,
    user          TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    started_at    INTEGER,
    finished_at   INTEGER,
    total_jobs    INTEGER NOT NULL,
    finished_jobs INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX requests_by_state ON requests (state);
  CREATE TABLE raw_requests (
    request_id TEXT PRIMARY KEY REFERENCES requests (id),
    params     TEXT NOT NULL,
    job_chain  TEXT NOT NULL
  );
  CREATE TABLE job_logs (
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
    PRIMARY KEY (request_id, job_id, try)
  );
  `,
  // 2: who runs each request's chain (the JR, an epoch raised at every hand-over), and leases
  // for background work done by one Request Manager at a time (engine-store.ts).
  `
  CREATE TABLE request_runs (
    request_id     TEXT PRIMARY KEY REFERENCES requests (id),
    epoch          INTEGER NOT NULL,
    jr_url         TEXT,
    resumable      INTEGER NOT NULL DEFAULT 0,
    suspended      INTEGER NOT NULL DEFAULT 0,
    stop_requested INTEGER NOT NULL DEFAULT 0,
    assigned_at    INTEGER NOT NULL
  );
  CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );
  `,
  // 3: finding requests newest first (GET /api/v1/requests) without sorting the whole table,
  //    whole or of one type, state or user.
  `
  CREATE INDEX requests_by_created ON requests (created_at DESC, id DESC);
  CREATE INDEX requests_by_type_created ON requests (type, created_at DESC, id DESC);
  CREATE INDEX requests_by_state_created ON requests (state, created_at DESC, id DESC);
  CREATE INDEX requests_by_user_created ON requests (user, created_at DESC, id DESC);
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Applies the migrations `db` has not seen yet. Refuses a database from a newer engine. */
export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `database schema version ${current} is newer than this engine's (${MIGRATIONS.length}); use a newer spincycle`,
    );
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version] as string);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
