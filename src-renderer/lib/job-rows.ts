// Joins a chain, its job statuses and its tries into one row per job (the Jobs table, the
// chain colours, the Logs job list), and a job's runtime as an operator reads it. Pure
// functions, no state.

import type { ChainView, JobLogSummary, JobStatusRecord } from '../../src-main/shared/console-model';
import { STATE_FAIL, STATE_RUNNING, STATE_TIMEOUT, type JsonObject, type State } from '../../src-main/shared/proto';
import { nsToMs } from './time';

/** A try without its texts. */
export type TrySummary = JobLogSummary;

export interface JobRow {
  readonly id: string;
  /** The spec's node name (v2 servers); null where the id is the only name (2017). */
  readonly name: string | null;
  readonly type: string;
  readonly state: State;
  readonly retrying: boolean;
  readonly status: string;
  /** Finished tries: those with a job log (a RUNNING job's current try is not among them). */
  readonly tries: number;
  readonly retry: number;
  readonly retryWait: number;
  /** The args the job was created with (from the chain), when the RM recorded them. */
  readonly args: JsonObject | null;
  readonly lastExit: number | null;
  readonly lastTryState: State | null;
  /** ms since epoch: when a RUNNING job was marked running (the RM's running list), else null */
  readonly startedMs: number | null;
  /** ms: how long its last finished try took */
  readonly lastTryMs: number | null;
  /**
   * ms: first start to last finish, over every try and retry wait of its latest run (a retry
   * of the request starts a new run: the time between the two is not the job's); null while
   * running
   */
  readonly durationMs: number | null;
  /** How many finished tries that run had. */
  readonly runTries: number;
}

/** Tries made so far, as an operator counts them: the finished ones and the one running. */
export function triesMade(row: Pick<JobRow, 'tries' | 'state'>): number {
  return row.tries + (row.state === STATE_RUNNING ? 1 : 0);
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

/** How long a try took, in ms (null if it never ran). */
export function tryMs(t: Pick<TrySummary, 'startedAt' | 'finishedAt'>): number | null {
  const start = nsToMs(t.startedAt);
  const end = nsToMs(t.finishedAt);
  return start === null || end === null ? null : Math.max(0, end - start);
}

/**
 * One row per job of the chain, joined with its status, its tries and, for a running job, when
 * it started (`runningSince`, by job id, from RequestDetail). `triesBefore`: the jobs the
 * request's latest retry ran again, each with the highest try it had before (its latest run's
 * tries are above it).
 */
export function jobRows(
  chain: ChainView | null,
  statuses: readonly Pick<JobStatusRecord, 'jobId' | 'name' | 'state' | 'status'>[],
  tries: readonly TrySummary[],
  runningSince: Readonly<Record<string, number>> = {},
  triesBefore: Readonly<Record<string, number>> = {},
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
    const running = state === STATE_RUNNING;
    const failedBefore = list.some((t) => t.state === STATE_FAIL || t.state === STATE_TIMEOUT);
    const run = list.filter((t) => t.try > (triesBefore[id] ?? 0));
    const first = run[0] ? nsToMs(run[0].startedAt) : null;
    const end = run.length > 0 && last ? nsToMs(last.finishedAt) : null;
    return {
      id,
      name: job?.name ?? s?.name ?? null,
      type: job?.type ?? last?.type ?? '',
      state,
      retrying: running && failedBefore,
      status: s?.status ?? '',
      tries: list.length,
      retry: job?.retry ?? 0,
      retryWait: job?.retryWait ?? 0,
      args: job?.args ?? null,
      lastExit: last ? last.exit : null,
      lastTryState: last ? last.state : null,
      startedMs: running ? (runningSince[id] ?? null) : null,
      lastTryMs: last ? tryMs(last) : null,
      durationMs: !running && first !== null && end !== null ? end - first : null,
      runTries: run.length,
    };
  });
}

/**
 * A job's runtime as shown: a running job's time since it started, as of `asOf` (now while
 * its RM answers, the last contact while it does not); a finished job's last try's duration;
 * null when not known (a running job not yet seen in the running list, a job that never ran).
 */
export function jobRuntime(row: JobRow, asOf: number): number | null {
  if (row.state === STATE_RUNNING) return row.startedMs === null ? null : Math.max(0, asOf - row.startedMs);
  return row.lastTryMs;
}

/**
 * Longest-running first: running jobs before the rest, by runtime as of `asOf` (unknown ones
 * last among them); then finished jobs by their last try's duration; then jobs that never ran.
 * Ties by job id.
 */
export function byRuntime(asOf: number): (a: JobRow, b: JobRow) => number {
  const rank = (r: JobRow) => (r.state === STATE_RUNNING ? 0 : r.lastTryMs !== null ? 1 : 2);
  return (a, b) =>
    rank(a) - rank(b) ||
    (jobRuntime(b, asOf) ?? -1) - (jobRuntime(a, asOf) ?? -1) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
