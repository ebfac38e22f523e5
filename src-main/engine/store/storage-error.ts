// A write to the engine database failed: the disk (or the database's size limit) is full, or
// the file cannot be written. The HTTP API answers 507 Insufficient Storage for a full disk and
// 503 for other write failures, with a text naming the file, instead of a bare 500.

import { HttpError } from '../http/server';

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

export class StorageError extends HttpError {
  override name = 'StorageError';
  /** The disk or database is full (as opposed to another write failure). */
  readonly full: boolean;

  constructor(
    /** What SQLite said, e.g. `database or disk is full`. */
    readonly reason: string,
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
