// Opening the engine database at start-up, and what to do with one that is damaged: corrupt
// pages, a bad or truncated header, or an empty (0-byte) file where a database was (SQLite
// would take that as a new, empty database and say nothing).
// - 'move-aside' (default): the file and its -wal/-shm are renamed to
//   `<file>.damaged-<time>`, a warning names both paths, and the engine starts on a new, empty
//   database. The moved file is kept for recovery (`sqlite3 <moved> .recover`).
// - 'refuse': start-up fails with DamagedDatabaseError, whose message names the file and says
//   what to do; the text is the same on every attempt, so a supervisor can tell a repeated
//   failure.

import { existsSync, renameSync, statSync } from 'node:fs';
import type { Logger } from '../log';
import { SqliteStore } from './store';
import { DamagedDatabaseError } from './storage-error';

export const DAMAGED_DB_POLICIES = ['move-aside', 'refuse'] as const;
export type DamagedDbPolicy = (typeof DAMAGED_DB_POLICIES)[number];

const SIDE_FILES = ['', '-wal', '-shm'] as const;

/** A 0-byte main file with no write-ahead log: what a database looks like after losing its content. */
function isEmptyLeftover(file: string): boolean {
  const size = (f: string) => (existsSync(f) ? statSync(f).size : -1);
  return size(file) === 0 && size(`${file}-wal`) <= 0;
}

/** The name a damaged file is moved to: `<file>.damaged-2026-05-01T10-00-00-000Z`. */
export function damagedName(file: string, at: Date): string {
  return `${file}.damaged-${at.toISOString().replace(/[:.]/g, '-')}`;
}

/** Opens the database at `file` (not ':memory:'), applying `policy` to a damaged one. */
export function openEngineStore(file: string, policy: DamagedDbPolicy, logger: Logger): SqliteStore {
  let damage: DamagedDatabaseError;
  try {
    if (isEmptyLeftover(file)) throw new DamagedDatabaseError(file, 'the file is empty (0 bytes), not a database');
    return new SqliteStore(file);
  } catch (err) {
    if (!(err instanceof DamagedDatabaseError)) throw err;
    damage = err;
  }
  if (policy === 'refuse') {
    throw new DamagedDatabaseError(
      file,
      `${damage.reason}. Not starting (--on-damaged-db refuse): restore a backup or move the file away; ` +
        'with --on-damaged-db move-aside the engine moves it aside and starts on an empty database',
    );
  }
  const movedTo = damagedName(file, new Date());
  try {
    for (const suffix of SIDE_FILES) {
      if (existsSync(file + suffix)) renameSync(file + suffix, movedTo + suffix);
    }
  } catch (err) {
    throw new DamagedDatabaseError(
      file,
      `${damage.reason}; it cannot be moved aside to ${movedTo}: ${(err as Error).message}`,
    );
  }
  logger.warn('the engine database was damaged: moved it aside, starting on an empty database', {
    file,
    movedTo,
    reason: damage.reason,
  });
  return new SqliteStore(file);
}
