// Joins a chain, its job statuses and its tries into one row per job (the Jobs table, the
// chain colours, the Logs job list). Pure functions, no state.

import type { ChainView, JobLogSummary } from '../../src-main/shared/console-model';
import { STATE_FAIL, STATE_RUNNING, STATE_TIMEOUT, type JobStatus, type State } from '../../src-main/shared/proto';
import { nsToMs } from './time';

/** A try without its texts. */
export type TrySummary = JobLogSummary;

export interface JobRow {
  readonly id: string;
  readonly type: string;
  readonly state: State;
  readonly retrying: boolean;
  readonly status: string;
  readonly runtime: number;
  readonly tries: number;
  readonly retry: number;
  readonly retryWait: number;
  readonly lastExit: number | null;
  readonly lastTryState: State | null;
  /** ms: runtime while running, else first start to last finish */
  readonly durationMs: number | null;
}

/** Tries grouped by job id, in try order. */
export function triesByJob(tries: readonly TrySummary[]): Map<string, TrySummary[]> {
  const map = new Map<string, TrySummary[]>();
  for (const t of tries) {
    if (t.try === 0) continue; // synthetic "never ran" entry
    let list = map.get(t.jobId);
    if (!list) map.set(t.jobId, (list = []));
    list.push(t);
  }
  for (const list of map.values()) list.sort((a, b) => a.try - b.try);
  return map;
}

/** One row per job of the chain, joined with its status and tries. */
export function jobRows(
  chain: ChainView | null,
  statuses: readonly JobStatus[],
  tries: readonly TrySummary[],
): JobRow[] {
  const byJob = triesByJob(tries);
  const statusOf = new Map(statuses.map((s) => [s.jobId, s]));
  const ids = chain ? chain.jobs.map((j) => j.id) : statuses.map((s) => s.jobId);
  const jobOf = new Map(chain?.jobs.map((j) => [j.id, j]) ?? []);
  return ids.map((id) => {
    const s = statusOf.get(id);
    const job = jobOf.get(id);
    const list = byJob.get(id) ?? [];
    const last = list[list.length - 1] ?? null;
    const state = s?.state ?? last?.state ?? 0;
    const failedBefore = list.some((t) => t.state === STATE_FAIL || t.state === STATE_TIMEOUT);
    const first = list[0] ? nsToMs(list[0].startedAt) : null;
    const end = last ? nsToMs(last.finishedAt) : null;
    return {
      id,
      type: job?.type ?? last?.type ?? '',
      state,
      retrying: state === STATE_RUNNING && failedBefore,
      status: s?.status ?? '',
      runtime: s?.runtime ?? 0,
      tries: list.length,
      retry: job?.retry ?? 0,
      retryWait: job?.retryWait ?? 0,
      lastExit: last ? last.exit : null,
      lastTryState: last ? last.state : null,
      durationMs:
        state === STATE_RUNNING ? (s?.runtime ?? 0) * 1000 : first !== null && end !== null ? end - first : null,
    };
  });
}
