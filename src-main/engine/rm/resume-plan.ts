// What to do with a RUNNING request whose JR is gone (killed, unreachable, restarted without the
// chain) or handed the chain back (shutting down), decided from the job logs the database
// holds alone:
// - every job completed: the request is COMPLETE (the JR died before its finish call);
// - a job failed for good (its last try failed with no retry left): the request ends FAIL, as
//   the chain would have;
// - else it is resumed on another JR: completed jobs are not run again; every other job runs
//   with the tries it has left. A try that was interrupted (a lost JR's running try, a try the
//   JR stopped when handing back) does not count against the job's retries.
// A lost JR's running tries were never logged. Those are the jobs ready to run (every parent
// completed, not completed themselves) that were not waiting between tries: each gets a FAIL
// log for the try it was running, saying it was interrupted, and runs again with the next try.
// Not so a job whose last try is the lost JR's own record of its interruption (it restarted and
// sent what its spool held, try-keeper.ts): that try is logged already. A JR that handed the
// chain back logged its stopped tries itself (STOPPED).

import { STATE_COMPLETE, STATE_FAIL, STATE_TIMEOUT, type JobChain, type JobLog } from '../../shared/proto';
import { INTERRUPTED_TRY } from '../jobs/try-keeper';
import type { ResumedChain } from '../links';

/** Every interrupted try's error starts so (ours here, and the JR's spool recovery, try-keeper.ts). */
export const INTERRUPTED = 'interrupted:';

export const interruptedError = (jrUrl: string) =>
  `${INTERRUPTED} job runner ${jrUrl} was lost while this try was running or about to start; ` +
  'the request was resumed on another job runner';

export type ResumePlan =
  | { kind: 'complete' }
  | { kind: 'failed'; jobId: string }
  | { kind: 'resume'; resumed: Omit<ResumedChain, 'epoch'>; interrupted: JobLog[] };

/** A try that failed on its own (not interrupted, not stopped): it counts against the job's retries. */
const isRealFailure = (l: JobLog) =>
  (l.state === STATE_FAIL || l.state === STATE_TIMEOUT) && !l.error.startsWith(INTERRUPTED);

/**
 * `lostJr`: the URL of the JR that was lost (its running tries get interrupted logs), or null
 * when the JR handed the chain back. `nowMs` decides whether a job was still waiting to retry.
 */
export function planResume(chain: JobChain, logs: readonly JobLog[], lostJr: string | null, nowMs: number): ResumePlan {
  const ids = Object.keys(chain.jobs);
  const tries = new Map<string, JobLog[]>();
  for (const l of logs) {
    if (l.try <= 0) continue; // the RM's and the stop's try-0 entries are not tries
    const list = tries.get(l.jobId);
    if (list) list.push(l);
    else tries.set(l.jobId, [l]);
  }
  const completed = new Set(ids.filter((id) => tries.get(id)?.some((l) => l.state === STATE_COMPLETE)));
  if (completed.size === ids.length) return { kind: 'complete' };

  const parents = new Map<string, string[]>();
  for (const [from, tos] of Object.entries(chain.adjacencyList)) {
    for (const to of tos) parents.set(to, [...(parents.get(to) ?? []), from]);
  }
  const latest = (id: string): JobLog | undefined => tries.get(id)?.reduce((a, b) => (b.try > a.try ? b : a));

  const jobs: JobChain['jobs'] = {};
  for (const id of ids) {
    const job = chain.jobs[id] as JobChain['jobs'][string];
    if (completed.has(id)) {
      jobs[id] = job;
      continue;
    }
    const failures = tries.get(id)?.filter(isRealFailure).length ?? 0;
    const last = latest(id);
    if (last && isRealFailure(last) && failures >= 1 + job.retry) return { kind: 'failed', jobId: id };
    jobs[id] = { ...job, retry: Math.max(0, job.retry - failures) };
  }

  const interrupted: JobLog[] = [];
  if (lostJr !== null) {
    for (const id of ids) {
      if (completed.has(id) || !(parents.get(id) ?? []).every((p) => completed.has(p))) continue;
      const last = latest(id);
      const waitingToRetry =
        last !== undefined &&
        isRealFailure(last) &&
        nowMs - Number(last.finishedAt / 1_000_000n) < (chain.jobs[id] as JobChain['jobs'][string]).retryWait;
      if (waitingToRetry || last?.error === INTERRUPTED_TRY) continue;
      interrupted.push({
        requestId: chain.requestId,
        jobId: id,
        try: (last?.try ?? 0) + 1,
        type: (chain.jobs[id] as JobChain['jobs'][string]).type,
        startedAt: 0n,
        finishedAt: 0n,
        state: STATE_FAIL,
        exit: -1,
        error: interruptedError(lostJr),
        stdout: '',
        stderr: '',
      });
    }
  }

  const nextTry: Record<string, number> = {};
  for (const id of ids) {
    if (completed.has(id)) continue;
    const highest = Math.max(latest(id)?.try ?? 0, ...interrupted.filter((l) => l.jobId === id).map((l) => l.try));
    if (highest > 0) nextTry[id] = highest + 1;
  }
  return {
    kind: 'resume',
    resumed: { chain: { ...chain, jobs }, completed: [...completed].sort(), nextTry },
    interrupted,
  };
}
