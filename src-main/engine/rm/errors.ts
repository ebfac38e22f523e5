// The Request Manager's error answers: the original's texts (docs/protocol/wire.md §4.3) where
// it had one, and ours for the cases it got wrong (409 duplicate log, 404 log for an unknown
// request, 400 for a job that is not in the chain, 502 when the job runner fails us; listed in
// docs/compatibility.md).

import { HttpError } from '../http/server';
import { LinkError } from '../links';
import { StorageError } from '../store/storage-error';
import { stateName, type State } from '../../shared/proto';

export const requestNotFound = () => new HttpError(404, 'request not found');
export const jobChainNotFound = () => new HttpError(404, 'job chain not found');
export const jobLogNotFound = () => new HttpError(404, 'job log not found');
export const invalidRequestType = () => new HttpError(400, 'invalid request type and/or arguments');

export const notInState = (expected: State, actual: State) =>
  new HttpError(400, `request not in ${stateName(expected)} state (state = ${stateName(actual)})`);

/** R4 names a state a request cannot end in. */
export const notFinalState = (state: State) =>
  new HttpError(400, `a request finishes COMPLETE, FAIL or STOPPED, not ${stateName(state)}`);

/** R4 from a caller that is not the JR running the request (what the JR said about it). */
export const notFinishedByJobRunner = (requestId: string, why: string) =>
  new HttpError(409, `only the job runner running request ${requestId} may finish it, once it is done: ${why}`);

/** Suspend from a caller that is not the JR running the request, shutting down. */
export const notHandedBack = (requestId: string) =>
  new HttpError(409, `only the job runner running request ${requestId} may hand it back, while it shuts down`);

export const duplicateJobLog = (requestId: string, jobId: string, tryN: number) =>
  new HttpError(409, `job log already exists (request ${requestId}, job ${jobId}, try ${tryN})`);

export const jobNotInChain = (requestId: string, jobId: string) =>
  new HttpError(400, `job ${JSON.stringify(jobId)} is not in the job chain of request ${requestId}`);

/** Finish must wait: logs of the request are held, not stored yet (507/503, as the failure). */
export const logsNotStored = (requestId: string, cause: StorageError) =>
  new StorageError(`job logs of request ${requestId} are not stored yet: ${cause.reason}`, cause.file, cause.full);

/** The job runner failed a call the RM needed: 502 with what it said (or why it was unreachable). */
export const jobRunnerFailed = (what: string, err: unknown) => new HttpError(502, `${what}: ${linkErrorText(err)}`);

/** What went wrong talking to the job runner, in one line. */
export function linkErrorText(err: unknown): string {
  if (err instanceof LinkError && err.status === undefined) return `job runner unreachable: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

/** The JR answered 404: it does not know the chain. */
export const isChainUnknown = (err: unknown) => err instanceof LinkError && err.status === 404;

/** The JR could not be reached at all (no HTTP answer). */
export const isUnreachable = (err: unknown) => err instanceof LinkError && err.status === undefined;

/** R1 could not hand the chain to the JR: the request ended FAIL; 502 with its Location. */
export class StartFailedError extends HttpError {
  override name = 'StartFailedError';
  constructor(
    readonly requestId: string,
    message: string,
  ) {
    super(502, message);
  }
}
