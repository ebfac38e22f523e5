// Why a request failed, in a few lines an operator reads without opening a log: its failed jobs
// (job state FAIL or TIMEOUT), each with its last try's exit code and the last lines of what
// says why (stderr; the error field for a try that timed out or wrote nothing to stderr; else
// the end of stdout). ANSI escapes are removed: these lines are shown as plain text (the list,
// the request header, notifications).

import stripAnsi from 'strip-ansi';
import type { FailedJob, FailureSummary, JobStatusRecord } from '../shared/console-model';
import { JobStatuses, STATE_FAIL, STATE_TIMEOUT, type JobLog } from '../shared/proto';

/** What the summary reads of a job status (any protocol's; a v2 job has a name beside its id). */
type JobStatus = Pick<JobStatusRecord, 'jobId' | 'state'> & { name?: string | null };

/** The fields of a try the summary reads (a wire JobLog and a cached JobLogRecord both have them). */
export type TryText = Pick<JobLog, 'try' | 'state' | 'exit' | 'error' | 'stdout' | 'stderr'>;

/** Failed jobs described in full (their last tries are read); the rest are counted. */
export const DETAILED_JOBS = 3;
/** Lines kept per failed job. */
const LINES = 3;
/** A longer line is cut here, with an ellipsis. */
const LINE_CHARS = 300;

const isFailed = (s: JobStatus) => s.state === STATE_FAIL || s.state === STATE_TIMEOUT;

/** The ids of the failed jobs, by job id. */
export function failedJobIds(statuses: readonly JobStatus[]): string[] {
  return statuses
    .filter(isFailed)
    .sort(JobStatuses)
    .map((s) => s.jobId);
}

/** The last `n` non-empty lines of a text, without ANSI escapes, each cut to LINE_CHARS. */
export function lastLines(text: string, n = LINES): string[] {
  const out: string[] = [];
  // Only the end of a long text is read.
  const tail = text.length > 64 * 1024 ? text.slice(-64 * 1024) : text;
  const lines = stripAnsi(tail).split(/\r?\n/);
  for (let i = lines.length - 1; i >= 0 && out.length < n; i--) {
    const line = (lines[i] ?? '').trimEnd();
    if (line.trim() === '') continue;
    out.unshift(line.length > LINE_CHARS ? `${line.slice(0, LINE_CHARS - 1)}…` : line);
  }
  return out;
}

function describeJob(status: JobStatus, last: TryText | null): FailedJob {
  const job = { jobId: status.jobId, name: status.name ?? null, state: status.state };
  if (!last) return { ...job, try: 0, tryState: null, exit: null, source: null, lines: [] };
  const stderr = lastLines(last.stderr);
  const error = lastLines(last.error);
  const [source, lines]: [FailedJob['source'], string[]] =
    last.state === STATE_TIMEOUT && error.length > 0
      ? ['error', error]
      : stderr.length > 0
        ? ['stderr', stderr]
        : error.length > 0
          ? ['error', error]
          : ['stdout', lastLines(last.stdout)];
  return {
    ...job,
    try: last.try,
    tryState: last.state,
    exit: last.exit,
    source: lines.length > 0 ? source : null,
    lines,
  };
}

/**
 * The failure summary of a request from its job statuses and, for the first DETAILED_JOBS
 * failed jobs, their last tries (`lastTry` returns null for a job whose tries are not known).
 */
export function summarizeFailure(
  statuses: readonly JobStatus[],
  lastTry: (jobId: string) => TryText | null,
): FailureSummary {
  const failed = statuses.filter(isFailed).sort(JobStatuses);
  return {
    jobs: failed.slice(0, DETAILED_JOBS).map((s) => describeJob(s, lastTry(s.jobId))),
    count: failed.length,
    timedOut: failed.some((s) => s.state === STATE_TIMEOUT),
  };
}
