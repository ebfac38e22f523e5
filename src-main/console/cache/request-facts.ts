// What the console learns about a request beyond the RM's record of it (migration 5): when each
// running job was marked running, as the RM's running list told it (a request's own job statuses
// carry runtime 0 in the 2017 protocol), and why a failed request failed (a FailureSummary, in
// the requests table's `failure` column, which the request store reads with the rest of a row).

import type { FailureSummary } from '../../shared/console-model';
import type { Db } from './open-cache';

export interface JobStart {
  requestId: string;
  jobId: string;
  /** ms since epoch, console main's clock */
  startedMs: number;
}

interface JobStartRow {
  job_id: string;
  started_ms: number;
}

/**
 * A start read again moves only by more than this: each read of the running list counts the
 * runtime back from a slightly different moment (the answer's latency), and a figure that
 * ticks on screen must not jitter.
 */
const START_SLACK_MS = 2000;

export class RequestFacts {
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = {
      putStart: db.prepare<[string, string, string, number]>(
        `INSERT INTO job_starts (context, request_id, job_id, started_ms) VALUES (?, ?, ?, ?)
         ON CONFLICT (context, request_id, job_id) DO UPDATE SET started_ms = excluded.started_ms
         WHERE abs(job_starts.started_ms - excluded.started_ms) > ${START_SLACK_MS}`,
      ),
      starts: db.prepare<[string, string], JobStartRow>(
        'SELECT job_id, started_ms FROM job_starts WHERE context = ? AND request_id = ?',
      ),
      clearStarts: db.prepare<[string, string]>('DELETE FROM job_starts WHERE context = ? AND request_id = ?'),
      setFailure: db.prepare<[string | null, string, string]>(
        'UPDATE requests SET failure = ? WHERE context = ? AND id = ?',
      ),
    };
  }

  /**
   * Records when running jobs started (from one read of the running list); returns the ids of
   * the requests whose starts were new or moved.
   */
  putJobStarts(context: string, starts: readonly JobStart[]): string[] {
    const moved = new Set<string>();
    if (starts.length === 0) return [];
    this.db.transaction(() => {
      for (const s of starts) {
        if (this.s.putStart.run(context, s.requestId, s.jobId, s.startedMs).changes > 0) moved.add(s.requestId);
      }
    })();
    return [...moved];
  }

  /** When each job of a request that was seen running started, by job id. */
  jobStarts(context: string, requestId: string): Record<string, number> {
    return Object.fromEntries(this.s.starts.all(context, requestId).map((r) => [r.job_id, r.started_ms]));
  }

  /** Forgets a request's job starts (it has ended: none of its jobs runs any more). */
  clearJobStarts(context: string, requestId: string): void {
    this.s.clearStarts.run(context, requestId);
  }

  /** Stores why a request failed; false if the request is not cached. */
  setFailure(context: string, id: string, failure: FailureSummary | null): boolean {
    return this.s.setFailure.run(failure ? JSON.stringify(failure) : null, context, id).changes > 0;
  }
}
