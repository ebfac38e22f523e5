// What can go wrong with the engine database file, as errors that name it:
// - StorageError: a write failed: the disk is full, the file cannot be written, the database
//   server is gone. The HTTP API answers 507 Insufficient Storage for a full disk or database
//   and 503 for other write failures.
// - DamagedDatabaseError: the file is not a usable database (corrupt pages, a bad header, empty).

import { HttpError } from '../http/server';
import type { StorageFailure } from './engine-store';

/** better-sqlite3's SqliteError carries the extended result code, e.g. SQLITE_FULL, SQLITE_IOERR_WRITE. */
function sqliteCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** True for the errors a retry may cure once space or the disk is back. */
export function isStorageFailure(err: unknown): boolean {
  const code = sqliteCode(err);
  return code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR') || code === 'SQLITE_READONLY';
}

/** SQLite's verdict that the file is not a (whole) database. */
export function isDamage(err: unknown): boolean {
  const code = sqliteCode(err);
  return code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB';
}

export class DamagedDatabaseError extends Error {
  override name = 'DamagedDatabaseError';
  constructor(
    readonly file: string,
    /** What is wrong, e.g. `database disk image is malformed`. */
    readonly reason: string,
  ) {
    super(`the engine database ${file} is damaged: ${reason}`);
  }
}

export class StorageError extends HttpError {
  override name = 'StorageError';
  /** The disk or database is full (as opposed to another write failure). */
  readonly full: boolean;

  constructor(
    /** What the database said, e.g. `database or disk is full`. */
    readonly reason: string,
    /** The database: a file path or mysql://user@host:port/db. */
    readonly file: string,
    full: boolean,
  ) {
    super(full ? 507 : 503, `cannot write the engine database ${file}: ${reason}`);
    this.full = full;
  }

  static from(err: unknown, file: string): StorageError {
    if (err instanceof StorageError) return err;
    return new StorageError(err instanceof Error ? err.message : String(err), file, sqliteCode(err) === 'SQLITE_FULL');
  }
}

/** A store's memory of failing writes: set by the first failure, cleared by the next success. */
export class FailureRecord {
  private failed: StorageFailure | null = null;

  get current(): StorageFailure | null {
    return this.failed;
  }

  succeeded(): void {
    this.failed = null;
  }

  /** Records `failure` (keeping when the failing began) and returns it, to be thrown. */
  record(failure: StorageError): StorageError {
    const now = Date.now();
    this.failed = {
      full: failure.full,
      message: failure.message,
      sinceMs: this.failed?.sinceMs ?? now,
      lastTryMs: now,
    };
    return failure;
  }
}
