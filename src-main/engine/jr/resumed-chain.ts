// Running a chain the RM resumes or retries (links.ts ResumedChain): the whole chain, its
// completed jobs marked done with the data they left (their children start with it), every
// other job's tries numbered on from those the RM logged (the traverser's TraverserResume).
// And the output filter of a chain a JR can hand back.

import type { JobLog } from '../../shared/proto';
import type { ResumedChain } from '../links';
import type { ChainOutput, TraverserResume } from './traverser';

/** What the traverser needs to run `r` where it was. */
export function traverserResume(r: ResumedChain): TraverserResume {
  const completed = new Map(r.completed.map((id) => [id, r.data?.[id] ?? {}]));
  const triesBefore: Record<string, number> = {};
  for (const [id, next] of Object.entries(r.nextTry)) triesBefore[id] = next - 1;
  return { completed, triesBefore };
}

/**
 * The output of a chain run by a JR that can hand chains back: drops the logs of held tries
 * (never run) and, once the chain is handed back, the stop's try-0 entries for jobs that never
 * started (they will run elsewhere).
 */
export function filteredOutput(
  out: ChainOutput,
  opts: { wasHeld: (jobId: string, tryNo: number) => boolean; handingBack: () => boolean },
): ChainOutput {
  return {
    log(log: JobLog): void {
      if (log.try === 0 ? opts.handingBack() : opts.wasHeld(log.jobId, log.try)) return;
      out.log(log);
    },
    finish: (state) => out.finish(state),
  };
}
