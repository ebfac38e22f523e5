// Opens the console's SQLite cache: WAL, migrations by user_version, and recovery. A file that
// is corrupt, not a database, or from a newer version of the console is moved aside (its name
// and the reason are reported) and a fresh cache is built, so the console always starts.

import { existsSync, renameSync } from 'node:fs';
import Database from 'better-sqlite3';
import { MIGRATIONS, SCHEMA_VERSION, type Migration } from './migrations';

export type Db = Database.Database;

export interface OpenCacheOptions {
  /** better-sqlite3's compiled addon for this runtime (Electron keeps its own build). */
  nativeBinding?: string;
}

export interface OpenedCache {
  db: Db;
  /** Set when the previous file could not be used and was moved aside. */
  recovered?: { movedTo: string; reason: string };
}

/** Applies the migrations the file has not seen yet, each in its own transaction: one that fails leaves the file as it was. */
export function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > migrations.length) {
    throw new NewerSchemaError(
      `the cache was written by a newer console (schema ${version}, this one knows ${migrations.length})`,
    );
  }
  for (let v = version; v < migrations.length; v++) {
    db.transaction(() => {
      const m = migrations[v] as Migration;
      if (typeof m === 'string') db.exec(m);
      else m(db);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

class NewerSchemaError extends Error {}

function openAndCheck(file: string, options: OpenCacheOptions): Db {
  const db = new Database(file, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {});
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`integrity check failed: ${String(check)}`);
    migrate(db);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Opens (or creates) the cache at `file`; `:memory:` for a throwaway one. */
export function openCache(file: string, options: OpenCacheOptions = {}): OpenedCache {
  try {
    return { db: openAndCheck(file, options) };
  } catch (err) {
    if (file === ':memory:') throw err;
    const reason = err instanceof Error ? err.message : String(err);
    const movedTo = `${file}.unreadable-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    for (const suffix of ['', '-wal', '-shm']) {
      if (existsSync(file + suffix)) renameSync(file + suffix, movedTo + suffix);
    }
    return { db: openAndCheck(file, options), recovered: { movedTo, reason } };
  }
}

export { SCHEMA_VERSION };
