// Several job logs of one request in one call, our RM's addition to R8 (docs/protocol/extensions.md
// §10, X10): `POST /api/v1/requests/:id/logs`, a JSON array of R8 bodies in, 200 with one outcome per
// log out, in the same order: `[{"status":201},{"status":409,"error":"job log already exists …"}]`.
// Each status is the one R8 would have answered for that log alone. Any other answer concerns
// the whole call and nothing of it was stored; an RM without the route (the original, or ours
// before it) answers 404 or 405, and the JR then posts each log to R8.

import { WireError, decodeJobLog, encodeJobLog, type JobLog } from '../shared/proto';

export const jobLogBatchPath = (requestId: string) => `/api/v1/requests/${encodeURIComponent(requestId)}/logs`;

/** What became of one log of a batch: R8's status for it, and the error text unless 201. */
export interface LogOutcome {
  status: number;
  error?: string;
}

export const STORED: LogOutcome = { status: 201 };

export function encodeJobLogBatch(logs: readonly JobLog[]): string {
  return `[${logs.map(encodeJobLog).join(',')}]`;
}

/**
 * The logs of a batch body; an entry that is not a JobLog is its WireError, so that the others
 * are still stored (only a body that is not a list is refused whole).
 */
export function decodeJobLogBatch(v: unknown): Array<JobLog | WireError> {
  if (!Array.isArray(v)) throw new WireError('job logs', 'a list of job logs', v);
  return v.map((entry: unknown, i) => {
    try {
      return decodeJobLog(entry, `job logs[${i}]`);
    } catch (err) {
      if (err instanceof WireError) return err;
      throw err;
    }
  });
}

export function encodeLogOutcomes(outcomes: readonly LogOutcome[]): string {
  return JSON.stringify(
    outcomes.map((o) => (o.status === 201 ? { status: 201 } : { status: o.status, error: o.error ?? '' })),
  );
}

/** The outcomes of a batch of `count` logs; a WireError when the answer does not say what became of each. */
export function decodeLogOutcomes(v: unknown, count: number): LogOutcome[] {
  if (!Array.isArray(v) || v.length !== count) {
    throw new WireError('job log outcomes', `a list of ${count} outcomes`, v);
  }
  return v.map((o: unknown, i) => {
    const { status, error } = (typeof o === 'object' && o !== null ? o : {}) as Record<string, unknown>;
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
      throw new WireError(`job log outcomes[${i}].status`, 'an HTTP status', status);
    }
    if (status === 201) return STORED;
    return { status, error: typeof error === 'string' ? error : '' };
  });
}
