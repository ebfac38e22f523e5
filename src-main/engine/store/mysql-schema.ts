// The engine database's schema on MariaDB (>= 10.6) or MySQL (8), the same tables and numbers
// as the SQLite one (schema.ts). Table `spincycle_schema` holds how many migrations were
// applied. Several RMs may start at once on one database: migrate() runs under the named lock
// `spincycle_schema` (GET_LOCK), so one applies what is missing and the others then find it done.
// Each statement is idempotent (IF NOT EXISTS, or an index found made already: MySQL commits
// DDL at once, so a migration cut short is finished by the next start).
// Texts are utf8mb4 with binary collation (ids compare bytewise, as in SQLite); chains, params
// and log output are LONGTEXT (no 64 KB limit); job-log times are BIGINT Unix nanoseconds.

import type { Connection } from 'mysql2/promise';

const TABLE = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin';
const ID = 'VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL';

const MIGRATIONS: readonly (readonly string[])[] = [
  // 1: requests, their params and chains, job logs.
  [
    `CREATE TABLE IF NOT EXISTS requests (
      id            ${ID} PRIMARY KEY,
      type          TEXT NOT NULL,
      state         TINYINT UNSIGNED NOT NULL,
      \`user\`      TEXT NOT NULL,
      created_at    BIGINT NOT NULL,
      started_at    BIGINT NULL,
      finished_at   BIGINT NULL,
      total_jobs    INT NOT NULL,
      finished_jobs INT NOT NULL DEFAULT 0,
      KEY requests_by_state (state, created_at)
    ) ${TABLE}`,
    `CREATE TABLE IF NOT EXISTS raw_requests (
      request_id ${ID} PRIMARY KEY,
      params     LONGTEXT NOT NULL,
      job_chain  LONGTEXT NOT NULL,
      CONSTRAINT raw_requests_request FOREIGN KEY (request_id) REFERENCES requests (id)
    ) ${TABLE}`,
    `CREATE TABLE IF NOT EXISTS job_logs (
      request_id  ${ID},
      job_id      VARCHAR(512) NOT NULL,
      \`try\`     INT NOT NULL,
      type        TEXT NOT NULL,
      started_at  BIGINT NOT NULL,
      finished_at BIGINT NOT NULL,
      state       TINYINT UNSIGNED NOT NULL,
      \`exit\`    BIGINT NOT NULL,
      error       LONGTEXT NOT NULL,
      stdout      LONGTEXT NOT NULL,
      stderr      LONGTEXT NOT NULL,
      PRIMARY KEY (request_id, job_id, \`try\`)
    ) ${TABLE}`,
  ],
  // 2: who runs each request's chain, and leases (engine-store.ts).
  [
    `CREATE TABLE IF NOT EXISTS request_runs (
      request_id     ${ID} PRIMARY KEY,
      epoch          INT NOT NULL,
      jr_url         TEXT NULL,
      resumable      TINYINT NOT NULL DEFAULT 0,
      suspended      TINYINT NOT NULL DEFAULT 0,
      stop_requested TINYINT NOT NULL DEFAULT 0,
      assigned_at    BIGINT NOT NULL,
      CONSTRAINT request_runs_request FOREIGN KEY (request_id) REFERENCES requests (id)
    ) ${TABLE}`,
    `CREATE TABLE IF NOT EXISTS leases (
      name       VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
      holder     TEXT NOT NULL,
      expires_at BIGINT NOT NULL
    ) ${TABLE}`,
  ],
  // 3: finding requests newest first (GET /api/v1/requests), whole or of one type or user
  // (requests_by_state serves one state). TEXT columns are indexed by a prefix.
  [
    'CREATE INDEX requests_by_created ON requests (created_at, id)',
    'CREATE INDEX requests_by_type_created ON requests (type(100), created_at)',
    'CREATE INDEX requests_by_user_created ON requests (`user`(100), created_at)',
  ],
];

export const MYSQL_SCHEMA_VERSION = MIGRATIONS.length;

const LOCK = 'spincycle_schema';
const LOCK_WAIT_S = 120;

/** Applies the migrations the database has not seen yet, under the named lock. */
export async function migrateMysql(conn: Connection): Promise<void> {
  const [[got]] = (await conn.query('SELECT GET_LOCK(?, ?) AS got', [LOCK, LOCK_WAIT_S])) as unknown as [
    Array<{ got: number | null }>,
  ];
  if (got?.got !== 1) {
    throw new Error(`another request manager has held the schema lock for ${LOCK_WAIT_S} s; is one stuck migrating?`);
  }
  try {
    await conn.query(`CREATE TABLE IF NOT EXISTS spincycle_schema (version INT NOT NULL) ${TABLE}`);
    const [rows] = (await conn.query('SELECT version FROM spincycle_schema')) as unknown as [
      Array<{ version: number }>,
    ];
    let current = rows[0]?.version;
    if (current === undefined) {
      await conn.query('INSERT INTO spincycle_schema (version) VALUES (0)');
      current = 0;
    }
    if (current > MIGRATIONS.length) {
      throw new Error(
        `database schema version ${current} is newer than this engine's (${MIGRATIONS.length}); use a newer spincycle`,
      );
    }
    for (let version = current; version < MIGRATIONS.length; version++) {
      for (const statement of MIGRATIONS[version] as readonly string[]) await idempotent(conn, statement);
      await conn.query('UPDATE spincycle_schema SET version = ?', [version + 1]);
    }
  } finally {
    await conn.query('SELECT RELEASE_LOCK(?)', [LOCK]);
  }
}

const ER_DUP_KEYNAME = 1061;

/** Runs a migration statement; an index that exists already (made by a run cut short) is done. */
async function idempotent(conn: Connection, statement: string): Promise<void> {
  try {
    await conn.query(statement);
  } catch (err) {
    if ((err as { errno?: number }).errno !== ER_DUP_KEYNAME) throw err;
  }
}
