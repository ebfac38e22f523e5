// A request's job chain (as the RM's wire text, exact job bytes included) and the latest job
// statuses the RM reported for it.

import { chainView, type ChainView } from '../../shared/console-model';
import { decodeJobChain, encodeJobChain, parseWire, type JobChain, type JobStatus } from '../../shared/proto';
import type { Db } from './open-cache';

interface StatusRow {
  job_id: string;
  state: number;
  status: string;
  runtime: number;
  n: number;
}

const toStatus = (requestId: string, r: StatusRow): JobStatus => ({
  requestId,
  jobId: r.job_id,
  state: r.state,
  status: r.status,
  runtime: r.runtime,
  n: r.n,
});

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
      putStatus: db.prepare<[string, string, string, number, string, number, number]>(
        `INSERT OR REPLACE INTO job_statuses (context, request_id, job_id, state, status, runtime, n)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      statuses: db.prepare<[string, string], StatusRow>(
        'SELECT job_id, state, status, runtime, n FROM job_statuses WHERE context = ? AND request_id = ? ORDER BY job_id',
      ),
    };
  }

  /** Stores the chain of request `requestId` (what was asked for, whatever the chain says), as wire text. */
  putChain(context: string, requestId: string, chain: JobChain): void {
    this.s.putChain.run(context, requestId, encodeJobChain(chain));
  }

  /** The chain's wire text, as the RM sent it (exports carry it as it is). */
  chainText(context: string, requestId: string): string | null {
    return this.s.chainText.get(context, requestId) ?? null;
  }

  hasChain(context: string, requestId: string): boolean {
    return this.s.hasChain.get(context, requestId) !== undefined;
  }

  /** The chain as the renderer shows it, or null if it is not cached. */
  chainView(context: string, requestId: string): ChainView | null {
    const text = this.chainText(context, requestId);
    return text === null ? null : chainView(decodeJobChain(parseWire(text)));
  }

  /** Replaces the cached job statuses of a request. */
  putStatuses(context: string, requestId: string, statuses: readonly JobStatus[]): void {
    this.db.transaction(() => {
      this.s.clearStatuses.run(context, requestId);
      for (const s of statuses) this.s.putStatus.run(context, requestId, s.jobId, s.state, s.status, s.runtime, s.n);
    })();
  }

  statuses(context: string, requestId: string): JobStatus[] {
    return this.s.statuses.all(context, requestId).map((r) => toStatus(requestId, r));
  }
}
