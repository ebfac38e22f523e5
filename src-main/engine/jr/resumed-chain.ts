// Running a chain the RM resumes (links.ts ResumedChain) with an ordinary traverser: the chain
// it runs holds only the jobs that did not complete, under one added noop job, the resume root,
// whose children are the jobs whose parents all completed. Every job that did not complete
// leads only to jobs that did not complete either (a job runs only after its parents), so the
// chain keeps one last job. The root's log is dropped, and each job's tries are numbered on
// from those the RM logged (nextTry), so no try is logged twice.

import { STATE_PENDING, type JobChain, type JobLog } from '../../shared/proto';
import type { ResumedChain } from '../links';
import type { ChainOutput } from './traverser';

/** The id of the resume root: one no job of the chain has. */
function rootId(chain: JobChain, epoch: number): string {
  let id = `resume@${epoch}`;
  while (id in chain.jobs) id = `${id}'`;
  return id;
}

export interface ResumeRun {
  /** The chain to run: the jobs left, under the root. */
  chain: JobChain;
  root: string;
  /** Each job's try offset (its traverser try n is logged as n + offset). */
  tryOffsets: Record<string, number>;
}

export function resumeRun(r: ResumedChain): ResumeRun {
  const done = new Set(r.completed);
  const root = rootId(r.chain, r.epoch);
  const left = Object.keys(r.chain.jobs).filter((id) => !done.has(id));
  const waiting = new Set<string>();
  const adjacencyList: Record<string, string[]> = {};
  for (const [from, tos] of Object.entries(r.chain.adjacencyList)) {
    if (done.has(from)) continue;
    const kept = tos.filter((to) => !done.has(to));
    for (const to of kept) waiting.add(to);
    if (kept.length > 0) adjacencyList[from] = kept;
  }
  adjacencyList[root] = left.filter((id) => !waiting.has(id));
  const jobs: JobChain['jobs'] = {
    [root]: {
      id: root,
      type: 'noop',
      bytes: null,
      state: STATE_PENDING,
      args: null,
      data: null,
      retry: 0,
      retryWait: 0,
    },
  };
  for (const id of left) jobs[id] = r.chain.jobs[id] as JobChain['jobs'][string];
  const tryOffsets: Record<string, number> = {};
  for (const [id, next] of Object.entries(r.nextTry)) if (next > 1) tryOffsets[id] = next - 1;
  return { chain: { ...r.chain, jobs, adjacencyList }, root, tryOffsets };
}

/**
 * The output of a chain run by a JR that can hand chains back: drops the logs of held tries
 * (never run), the resume root's, and, once the chain is handed back, the stop's try-0 entries
 * for jobs that never started (they will run elsewhere); numbers resumed tries on.
 */
export function filteredOutput(
  out: ChainOutput,
  opts: {
    wasHeld: (jobId: string, tryNo: number) => boolean;
    handingBack: () => boolean;
    root?: string;
    tryOffsets?: Readonly<Record<string, number>>;
  },
): ChainOutput {
  const offsets = opts.tryOffsets ?? {};
  return {
    log(log: JobLog): void {
      if (log.jobId === opts.root) return;
      if (log.try === 0 ? opts.handingBack() : opts.wasHeld(log.jobId, log.try)) return;
      const offset = log.try === 0 ? 0 : (offsets[log.jobId] ?? 0);
      out.log(offset === 0 ? log : { ...log, try: log.try + offset });
    },
    finish: (state) => out.finish(state),
  };
}
