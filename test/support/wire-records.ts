// What an RM says of a request, as the console's tests build it: a request, a job status and a
// try's job log (wire types), every field set, so that a test names only what it is about.

import { STATE_COMPLETE, STATE_RUNNING, type JobLog, type JobStatus, type Request } from '../../src-main/shared/proto';

/** A request of type `deploy`, RUNNING since 2026-11-27T10:00:00Z, one job, none finished. */
export const wireRequest = (id: string, over: Partial<Request> = {}): Request => ({
  id,
  type: 'deploy',
  state: STATE_RUNNING,
  user: 'alice',
  createdAt: '2026-11-27T10:00:00Z',
  startedAt: '2026-11-27T10:00:00Z',
  finishedAt: null,
  totalJobs: 1,
  finishedJobs: 0,
  ...over,
});

/** A COMPLETE job's status. */
export const wireJobStatus = (requestId: string, jobId: string, over: Partial<JobStatus> = {}): JobStatus => ({
  requestId,
  jobId,
  state: STATE_COMPLETE,
  status: '',
  runtime: 0,
  n: 1,
  ...over,
});

/** Try `tryN` of a shell job, COMPLETE with exit 0 and nothing printed; its times exact nanoseconds. */
export const wireJobLog = (requestId: string, jobId: string, tryN = 1, over: Partial<JobLog> = {}): JobLog => ({
  requestId,
  jobId,
  try: tryN,
  type: 'shell',
  startedAt: 1795816285172551555n,
  finishedAt: 1795816285172554769n,
  state: STATE_COMPLETE,
  exit: 0,
  error: '',
  stdout: '',
  stderr: '',
  ...over,
});
