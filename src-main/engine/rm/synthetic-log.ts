// The job log the RM writes itself when it ends a request the JR cannot end (it refused the
// chain, lost it, died with the engine, or does not know it on stop). Like the JR's entries for
// jobs that never ran (docs/protocol/runner.md §6) it has try 0, times 0 and exit 1; `error`
// says why.
// It is filed under the job that was most likely about to run or running: the first (by id)
// job without any log whose parents all completed; else the first job without a log; else the
// first whose try-0 slot is free; else the pseudo job id `request-manager` (which cannot
// happen in a valid chain, kept so the reason is never lost).

import { STATE_COMPLETE, type JobLog, type State } from '../../shared/proto';
import type { ChainFacts } from './chain-facts';

export const PSEUDO_JOB_ID = 'request-manager';

export function chooseSyntheticJobId(
  facts: ChainFacts,
  latestStates: ReadonlyMap<string, State>,
  loggedTries: ReadonlyArray<{ jobId: string; try: number }>,
): string {
  const order = [...facts.sourceJobIds, ...facts.sortedJobIds.filter((id) => !facts.sourceJobIds.includes(id))];
  const unlogged = order.filter((id) => !latestStates.has(id));
  const ready = unlogged.find((id) =>
    (facts.parents.get(id) ?? []).every((p) => latestStates.get(p) === STATE_COMPLETE),
  );
  if (ready !== undefined) return ready;
  if (unlogged[0] !== undefined) return unlogged[0];
  const tryZeroTaken = new Set(loggedTries.filter((t) => t.try === 0).map((t) => t.jobId));
  return order.find((id) => !tryZeroTaken.has(id)) ?? PSEUDO_JOB_ID;
}

export function syntheticJobLog(requestId: string, jobId: string, type: string, state: State, why: string): JobLog {
  return {
    requestId,
    jobId,
    try: 0,
    type,
    startedAt: 0n,
    finishedAt: 0n,
    state,
    exit: 1,
    error: why,
    stdout: '',
    stderr: '',
  };
}
