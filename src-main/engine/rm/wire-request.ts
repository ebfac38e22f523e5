// A stored request row as the wire's Request (times RFC 3339, ms precision, UTC `Z`).

import { formatTime, type Request } from '../../shared/proto';
import type { StoredRequest } from '../store/store';

const time = (ms: number | null) => (ms === null ? null : formatTime(new Date(ms)));

/** Unix ms as a wire time. */
export const wireTime = (ms: number): string => formatTime(new Date(ms));

export function toWireRequest(r: StoredRequest): Request {
  return {
    id: r.id,
    type: r.type,
    state: r.state,
    user: r.user,
    createdAt: time(r.createdAt) as string,
    startedAt: time(r.startedAt),
    finishedAt: time(r.finishedAt),
    totalJobs: r.totalJobs,
    finishedJobs: r.finishedJobs,
  };
}
