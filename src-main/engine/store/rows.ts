// The engine's rows as both databases return them (snake_case columns; integers as numbers,
// bigints or, from MySQL beyond 2^53, strings) and the records the stores hand out.

import type { JobLog } from '../../shared/proto';
import type { StoredRequest, StoredRun } from './engine-store';

type Int = number | bigint | string;

export interface RequestRow {
  id: string;
  type: string;
  state: Int;
  user: string;
  created_at: Int;
  started_at: Int | null;
  finished_at: Int | null;
  total_jobs: Int;
  finished_jobs: Int;
}

export interface JobLogRow {
  request_id: string;
  job_id: string;
  try: Int;
  type: string;
  started_at: Int;
  finished_at: Int;
  state: Int;
  exit: Int;
  error: string;
  stdout: string;
  stderr: string;
}

/** A run; every column but the id is null for a request stored before runs were recorded. */
export interface RunRow {
  request_id: string;
  epoch: Int | null;
  jr_url: string | null;
  resumable: Int | null;
  suspended: Int | null;
  stop_requested: Int | null;
  assigned_at: Int | null;
}

/** Each table's columns, in the order both stores write and read them. */
export const columns = {
  request: 'id, type, state, `user`, created_at, started_at, finished_at, total_jobs, finished_jobs',
  jobLog: 'request_id, job_id, `try`, type, started_at, finished_at, state, `exit`, error, stdout, stderr',
  run: 'request_id, epoch, jr_url, resumable, suspended, stop_requested, assigned_at',
} as const;

const orNull = (v: Int | null) => (v === null ? null : Number(v));

function toStoredRequest(r: RequestRow): StoredRequest {
  return {
    id: r.id,
    type: r.type,
    state: Number(r.state),
    user: r.user,
    createdAt: Number(r.created_at),
    startedAt: orNull(r.started_at),
    finishedAt: orNull(r.finished_at),
    totalJobs: Number(r.total_jobs),
    finishedJobs: Number(r.finished_jobs),
  };
}

function toStoredRun(r: RunRow): StoredRun {
  return {
    requestId: r.request_id,
    epoch: Number(r.epoch ?? 0),
    jrUrl: r.jr_url ?? null,
    resumable: Number(r.resumable) === 1,
    suspended: Number(r.suspended) === 1,
    stopRequested: Number(r.stop_requested) === 1,
    assignedAt: Number(r.assigned_at ?? 0),
  };
}

function toJobLog(r: JobLogRow): JobLog {
  const { request_id: requestId, job_id: jobId, type, error, stdout, stderr } = r;
  const [startedAt, finishedAt] = [BigInt(r.started_at), BigInt(r.finished_at)];
  return {
    requestId,
    jobId,
    try: Number(r.try),
    type,
    startedAt,
    finishedAt,
    state: Number(r.state),
    exit: Number(r.exit),
    error,
    stdout,
    stderr,
  };
}

/** The records of rows: `fromRow.request(row)`, … */
export const fromRow = { request: toStoredRequest, run: toStoredRun, jobLog: toJobLog } as const;
