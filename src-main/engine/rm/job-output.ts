// The RM's live-output answer for one job of one of its requests (docs/protocol/extensions.md):
// - while the request runs, the answer for the running try of the JR that runs the request
//   (its run record names it; our JR's endpoint);
// - else the try's stored job log (done: what a follower reads from it completes the text
//   exactly), or, for a try whose log has not arrived yet, an answer with nothing new;
// - with a JR that has no such endpoint (the original), the job's status text from J3, and
//   `live: false`: its output comes with the job log.

import { STATE_PENDING, STATE_RUNNING, type JobLog, type State } from '../../shared/proto';
import type { JobOutput, OutputQuery } from '../../shared/live-output';
import { LinkError, type JobRunnerLink } from '../links';
import { noOutput, outputSlice, storedText } from '../live-output';
import type { EngineStore } from '../store/engine-store';
import type { ChainFacts } from './chain-facts';
import { jobNotInChain, jobRunnerFailed, requestNotFound } from './errors';

export interface JobOutputSources {
  store: EngineStore;
  /** The link to the JR that runs the request now. */
  jobRunnerOf(id: string): Promise<JobRunnerLink>;
  /** The request's chain facts (throws for an unknown chain). */
  chainFacts(id: string): Promise<ChainFacts>;
  /** Writes queued job logs, so a try that just ended is found. */
  flush(): Promise<void>;
}

/** A JR without the endpoint answers an unknown route: 404 `Not Found` or 405. */
const isMissingEndpoint = (err: unknown) => err instanceof LinkError && (err.status === 404 || err.status === 405);

export async function readJobOutput(
  from: JobOutputSources,
  id: string,
  jobId: string,
  query: OutputQuery,
): Promise<JobOutput> {
  const row = await from.store.getRequest(id);
  if (!row) throw requestNotFound();
  if (!(await from.chainFacts(id)).jobTypes.has(jobId)) throw jobNotInChain(id, jobId);
  let live = true;
  let jrFailure: unknown = null;
  let jr: JobRunnerLink | null = null;
  if (row.state === STATE_RUNNING) {
    try {
      jr = await from.jobRunnerOf(id);
      if (!jr.jobOutput) live = false;
      else {
        const running = await jr.jobOutput(id, jobId, query);
        if (running) return running;
      }
    } catch (err) {
      if (isMissingEndpoint(err)) live = false;
      else jrFailure = err;
    }
  }
  await from.flush();
  const log = await (query.try === undefined
    ? from.store.latestJobLog(id, jobId)
    : from.store.jobLog(id, jobId, query.try));
  const running = (await from.store.getRequest(id))?.state === STATE_RUNNING;
  const answer = (tryN: number, state: State, status: string): JobOutput => ({
    requestId: id,
    jobId,
    try: tryN,
    state,
    exit: null,
    done: !running,
    live,
    status,
    stdout: noOutput(query.stdout),
    stderr: noOutput(query.stderr),
  });
  if (!live && jr && running && (query.try === undefined || !log)) {
    const status = await jr.jobChainStatus(id).then(
      (s) => s.jobStatuses?.find((j) => j.jobId === jobId) ?? null,
      () => null,
    );
    // The original's J3 has no try numbers: the running try follows the last one logged.
    const latest = (await from.store.latestJobLog(id, jobId))?.try ?? 0;
    if (status) return answer(query.try ?? latest + 1, STATE_RUNNING, status.status);
  }
  if (log) return fromLog(log, live, query);
  if (jrFailure !== null && running) {
    throw jobRunnerFailed("cannot read the running job's output from the job runner", jrFailure);
  }
  // No log of that try: while the request runs, the try is running (its log on the way) or the
  // job has not started; after, it never ran.
  const tryRuns = running && query.try !== undefined;
  return answer(query.try ?? 0, tryRuns ? STATE_RUNNING : STATE_PENDING, '');
}

/** A finished try: its stored text from the offsets asked for. */
function fromLog(log: JobLog, live: boolean, query: OutputQuery): JobOutput {
  return {
    requestId: log.requestId,
    jobId: log.jobId,
    try: log.try,
    state: log.state,
    exit: log.exit,
    done: true,
    live,
    status: '',
    stdout: outputSlice(storedText(log.stdout), query.stdout, query.max),
    stderr: outputSlice(storedText(log.stderr), query.stderr, query.max),
  };
}
