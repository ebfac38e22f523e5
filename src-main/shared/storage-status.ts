// GET /api/v1/status/storage: whether our Request Manager can write its database. An addition
// of ours (the 2017 RM answers 404 there); the 2017 messages are unchanged. The console asks
// for it with the running list and shows "disk full" in its status line.
//
//   {"ok":false,"full":true,"error":"cannot write the engine database /data/spincycle.db:
//    database or disk is full","since":"2026-05-01T10:00:00.000Z","heldJobLogs":3}

export interface StorageStatus {
  ok: boolean;
  /** The disk (or the database) is full. */
  full: boolean;
  /** What the failing write said, naming the file ('' when ok). */
  error: string;
  /** Since when writes fail (RFC 3339), null when ok. */
  since: string | null;
  /** Job logs the RM holds in memory until they can be written. */
  heldJobLogs: number;
}

export const STORAGE_STATUS_PATH = '/api/v1/status/storage';

export const STORAGE_OK: StorageStatus = { ok: true, full: false, error: '', since: null, heldJobLogs: 0 };

/** Reads an answer; throws on anything that is not one. */
export function decodeStorageStatus(v: unknown): StorageStatus {
  const o = v as Record<string, unknown> | null;
  if (
    o === null ||
    typeof o !== 'object' ||
    typeof o.ok !== 'boolean' ||
    typeof o.full !== 'boolean' ||
    typeof o.error !== 'string' ||
    !(o.since === null || typeof o.since === 'string') ||
    typeof o.heldJobLogs !== 'number'
  ) {
    throw new Error('not a storage status');
  }
  return { ok: o.ok, full: o.full, error: o.error, since: o.since, heldJobLogs: o.heldJobLogs };
}

/** The few words an operator reads in a status line: "disk full", "storage failing", or null. */
export function storageProblem(s: StorageStatus | null | undefined): string | null {
  if (!s || s.ok) return null;
  return s.full ? 'disk full' : 'storage failing';
}
