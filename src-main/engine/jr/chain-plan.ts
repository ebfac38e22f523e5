// Checks a posted job chain (docs/protocol/runner.md §2, the original's texts, in its order)
// and turns it into the index form the traverser runs on: job ids sorted, parents/children as
// index lists, in-degrees, computed once per chain so that dispatch never scans the chain.
// The original crashed on any invalid chain (fixtures 180/181); here it is a 400 with the text.

import type { Job as ProtoJob, JobChain } from '../../shared/proto';

export class InvalidChainError extends Error {
  override name = 'InvalidChainError';
}

export interface ChainPlan {
  requestId: string;
  /** Job ids sorted ascending (code-unit order); a job's index is its position here. */
  ids: string[];
  jobs: ProtoJob[];
  /** Parent indices of each job, ascending (= sorted by job id). */
  parents: number[][];
  /** Child indices of each job, in adjacency-list order. */
  children: number[][];
  inDegree: Uint32Array;
  first: number;
  last: number;
}

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Go's `%v` of a []string: `[a b c]`. */
const goList = (ids: string[]): string => `[${ids.join(' ')}]`;

export function planChain(chain: JobChain): ChainPlan {
  if (chain.requestId === '') throw new InvalidChainError('chain has no requestId');
  const ids = Object.keys(chain.jobs).sort(byCodeUnits);
  if (ids.length === 0) throw new InvalidChainError('chain has no jobs');
  const index = new Map<string, number>();
  const jobs: ProtoJob[] = [];
  for (const id of ids) {
    const job = chain.jobs[id] as ProtoJob;
    if (job.id !== '' && job.id !== id) {
      throw new InvalidChainError(
        `job ${JSON.stringify(id)} has a different id in its body: ${JSON.stringify(job.id)}`,
      );
    }
    index.set(id, jobs.length);
    jobs.push(job.id === id ? job : { ...job, id });
  }

  const n = ids.length;
  const children: number[][] = Array.from({ length: n }, () => []);
  const parents: number[][] = Array.from({ length: n }, () => []);
  const inDegree = new Uint32Array(n);
  // lastEdgeFrom[c] = 1 + the parent whose edge to c was seen last: repeated edges count once, in O(1).
  const lastEdgeFrom = new Int32Array(n);
  for (const [from, targets] of Object.entries(chain.adjacencyList)) {
    const f = index.get(from);
    if (f === undefined || targets.some((t) => !index.has(t))) {
      throw new InvalidChainError('invalid adjacency list: some jobs exist in chain.AdjacencyList but not chain.Jobs');
    }
    const kids = children[f] as number[];
    for (const t of targets) {
      const c = index.get(t) as number;
      if (lastEdgeFrom[c] === f + 1) continue; // a repeated edge is one edge
      lastEdgeFrom[c] = f + 1;
      kids.push(c);
      (parents[c] as number[]).push(f);
      inDegree[c]!++;
    }
  }
  for (const p of parents) p.sort((a, b) => a - b);

  const firsts = ids.filter((_, i) => inDegree[i] === 0);
  if (firsts.length !== 1) {
    throw new InvalidChainError(
      `chain has ${firsts.length} first job(s), should have one (first job(s) = ${goList(firsts)})`,
    );
  }
  const lasts = ids.filter((_, i) => (children[i] as number[]).length === 0);
  if (lasts.length !== 1) {
    throw new InvalidChainError(
      `chain has ${lasts.length} last job(s), should have one (last job(s) = ${goList(lasts)})`,
    );
  }
  if (isCyclic(n, children, inDegree)) throw new InvalidChainError('chain is cyclic');

  return {
    requestId: chain.requestId,
    ids,
    jobs,
    parents,
    children,
    inDegree,
    first: index.get(firsts[0] as string) as number,
    last: index.get(lasts[0] as string) as number,
  };
}

/** Kahn's algorithm: a cycle leaves some job that never reaches in-degree 0. */
function isCyclic(n: number, children: number[][], inDegree: Uint32Array): boolean {
  const remaining = inDegree.slice();
  const ready: number[] = [];
  for (let i = 0; i < n; i++) if (remaining[i] === 0) ready.push(i);
  let seen = 0;
  while (ready.length > 0) {
    const j = ready.pop() as number;
    seen++;
    for (const c of children[j] as number[]) if (--remaining[c]! === 0) ready.push(c);
  }
  return seen !== n;
}
