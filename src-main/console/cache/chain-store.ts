// A request's job chain (the console model's ChainView as JSON, whatever protocol its server
// speaks; chain-text.ts reads the 2017 wire chains cached before) and the latest job statuses its
// RM reported for it (with a v2 job's name and try, migration 6).

import type { ChainView, JobStatusRecord } from '../../shared/console-model';
import { chainFromText, chainText } from './chain-text';
import type { Db } from './open-cache';

interface StatusRow {
  job_id: string;
  name: string | null;
  state: number;
  status: string;
  try: number | null;
  runtime: number;
}

const toStatus = (requestId: string, r: StatusRow): JobStatusRecord => ({
  requestId,
  jobId: r.job_id,
  name: r.name,
  state: r.state,
  status: r.status,
  try: r.try,
  runtime: r.runtime,
});

/** A job status to cache: what any protocol tells (name and try where the server says them). */
export type StatusToCache = Pick<JobStatusRecord, 'jobId' | 'state' | 'status'> &
  Partial<Pick<JobStatusRecord, 'name' | 'try' | 'runtime'>>;

export class ChainStore {
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = {
      putChain: db.prepare<[string, string, string]>(
        'INSERT OR REPLACE INTO chains (context, request_id, chain) VALUES (?, ?, ?)',
      ),
      chainText: db
        .prepare<[string, string], string>('SELECT chain FROM chains WHERE context = ? AND request_id = ?')
        .pluck(),
      hasChain: db
        .prepare<[string, string], number>('SELECT 1 FROM chains WHERE context = ? AND request_id = ?')
        .pluck(),
      clearStatuses: db.prepare<[string, string]>('DELETE FROM job_statuses WHERE context = ? AND request_id = ?'),
      putStatus: db.prepare<[string, string, string, number, string, number, string | null, number | null]>(
        `INSERT OR REPLACE INTO job_statuses (context, request_id, job_id, state, status, runtime, n, name, try)
         VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)`,
      ),
      statuses: db.prepare<[string, string], StatusRow>(
        `SELECT job_id, name, state, status, try, runtime FROM job_statuses WHERE context = ? AND request_id = ?
         ORDER BY job_id`,
      ),
    };
  }

  /** Stores the chain of request `requestId` (what was asked for, whatever the chain says). */
  putChain(context: string, requestId: string, chain: ChainView): void {
    this.s.putChain.run(context, requestId, chainText(chain));
  }

  /** The chain's text as cached (exports carry it as it is). */
  chainText(context: string, requestId: string): string | null {
    return this.s.chainText.get(context, requestId) ?? null;
  }

  hasChain(context: string, requestId: string): boolean {
    return this.s.hasChain.get(context, requestId) !== undefined;
  }

  /** The chain as the renderer shows it, or null if it is not cached. */
  chainView(context: string, requestId: string): ChainView | null {
    const text = this.chainText(context, requestId);
    return text === null ? null : chainFromText(text);
  }

  /** Replaces the cached job statuses of a request. */
  putStatuses(context: string, requestId: string, statuses: readonly StatusToCache[]): void {
    this.db.transaction(() => {
      this.s.clearStatuses.run(context, requestId);
      for (const s of statuses) {
        this.s.putStatus.run(
          context,
          requestId,
          s.jobId,
          s.state,
          s.status,
          s.runtime ?? 0,
          s.name ?? null,
          s.try ?? null,
        );
      }
    })();
  }

  statuses(context: string, requestId: string): JobStatusRecord[] {
    return this.s.statuses.all(context, requestId).map((r) => toStatus(requestId, r));
  }
}
