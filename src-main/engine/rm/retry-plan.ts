// What a retry of a request runs again (docs/protocol/extensions.md), worked out from its stored
// chain and job logs: every job whose latest try did not complete (failed, timed out, stopped,
// never started), each numbering its tries on from the highest it logged. And whether the chain
// its spec builds today is still the one it ran (a retry of a chain its spec no longer makes
// would mix two versions of a request).

import { STATE_COMPLETE, encodeJob, type JobChain, type State } from '../../shared/proto';

export interface RetryJobs {
  /** The jobs to run again, sorted. */
  jobs: string[];
  /** Each of them -> the highest try it logged (0 when it has no log, or only a never-ran entry). */
  bases: Record<string, number>;
  /** The next try of each of them that has a log (ResumedChain.nextTry). */
  nextTry: Record<string, number>;
}

/** The highest try each job has logged. */
export function highestTries(loggedTries: ReadonlyArray<{ jobId: string; try: number }>): Map<string, number> {
  const highest = new Map<string, number>();
  for (const t of loggedTries) highest.set(t.jobId, Math.max(highest.get(t.jobId) ?? 0, t.try));
  return highest;
}

export function retryJobs(
  sortedJobIds: readonly string[],
  latest: ReadonlyMap<string, State>,
  loggedTries: ReadonlyArray<{ jobId: string; try: number }>,
): RetryJobs {
  const highest = highestTries(loggedTries);
  const jobs = sortedJobIds.filter((id) => latest.get(id) !== STATE_COMPLETE);
  const bases: Record<string, number> = {};
  const nextTry: Record<string, number> = {};
  for (const id of jobs) {
    bases[id] = highest.get(id) ?? 0;
    if (highest.has(id)) nextTry[id] = bases[id] + 1;
  }
  return { jobs, bases, nextTry };
}

const MAX_NAMED = 5;

/**
 * How the chain the spec builds today differs from the stored one, in a few words (jobs
 * added, gone or changed, and whether the order between them changed); null when they match.
 */
export function chainChanges(stored: JobChain, rebuilt: JobChain): string | null {
  const ids = new Set([...Object.keys(stored.jobs), ...Object.keys(rebuilt.jobs)]);
  const added: string[] = [];
  const gone: string[] = [];
  const changed: string[] = [];
  for (const id of [...ids].sort()) {
    const was = stored.jobs[id];
    const now = rebuilt.jobs[id];
    if (!was) added.push(id);
    else if (!now) gone.push(id);
    else if (encodeJob({ ...was, state: 0, data: null }) !== encodeJob({ ...now, state: 0, data: null }))
      changed.push(id);
  }
  const edges = (c: JobChain) =>
    Object.entries(c.adjacencyList)
      .flatMap(([from, tos]) => tos.map((to) => `${from}>${to}`))
      .sort()
      .join(' ');
  const parts: string[] = [];
  const name = (what: string, list: string[]) => {
    if (list.length === 0) return;
    const shown =
      list.slice(0, MAX_NAMED).join(', ') + (list.length > MAX_NAMED ? ` (+${list.length - MAX_NAMED} more)` : '');
    parts.push(`${what}: ${shown}`);
  };
  name('changed', changed);
  name('new', added);
  name('gone', gone);
  if (parts.length === 0 && edges(stored) !== edges(rebuilt)) parts.push('the order of its jobs changed');
  return parts.length === 0 ? null : parts.join('; ');
}
