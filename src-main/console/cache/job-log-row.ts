// A job log as a row of its fields, in the order of job_log_rows' columns after `context`: the
// parameters of the row's INSERT, and how a batch of logs crosses to the cache worker (arrays
// clone in about half the time objects take).

import type { JobLog } from '../../shared/proto';

export type JobLogRow = [
  requestId: string,
  jobId: string,
  tryN: number,
  type: string,
  startedAt: bigint,
  finishedAt: bigint,
  state: number,
  exit: number,
  error: string,
  stdout: string,
  stderr: string,
];

export const toJobLogRow = (l: JobLog): JobLogRow => [
  l.requestId,
  l.jobId,
  l.try,
  l.type,
  l.startedAt,
  l.finishedAt,
  l.state,
  l.exit,
  l.error,
  l.stdout,
  l.stderr,
];

export const fromJobLogRow = (row: JobLogRow): JobLog => ({
  requestId: row[0],
  jobId: row[1],
  try: row[2],
  type: row[3],
  startedAt: row[4],
  finishedAt: row[5],
  state: row[6],
  exit: row[7],
  error: row[8],
  stdout: row[9],
  stderr: row[10],
});
