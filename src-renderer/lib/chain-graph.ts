// The chain as drawn: jobs, plus "groups" that fold a repeated fan-out (e.g. one restart-host
// sub-sequence per host) into one lane of aggregate nodes with per-state counts, the way
// Argo folds siblings and Prefect users ask for. A group expands on click. The noops the
// grapher wraps sequences and fan-outs in (`sequence_<name>_start@n`, `repeat_<name>_end@n`…
// on 2017 chains; `demo_begin`, `repeat_<name>_end`… on v2 ones) can be left out: their edges
// are joined through them.

import type { ChainJob, ChainView } from '../../src-main/shared/console-model';
import { isStructureNoop, jobName } from './job-names';

/** Fold a fan-out when at least this many sibling branches have the same shape (fewer fit on screen). */
export const GROUP_MIN_BRANCHES = 12;

export interface GraphNode {
  /** job id, or `group:<parent>:<signature>#<depth>` for an aggregate */
  readonly id: string;
  readonly label: string;
  /** job ids this node stands for (one for a plain job) */
  readonly jobs: readonly string[];
  /** group this node belongs to (aggregates only) */
  readonly group: string | null;
}

export interface Graph {
  readonly nodes: GraphNode[];
  /** index-based edges: [from, to] */
  readonly edges: Array<[number, number]>;
  readonly groups: ReadonlyMap<string, number>; // group id -> branch count
}

interface Branch {
  readonly jobs: string[];
  readonly signature: string;
  readonly exits: string; // successors of the last job, sorted, joined
}

/**
 * Builds the drawable graph; groups listed in `expanded` stay unfolded; `hideStructure` leaves out
 * the grapher's sequence/repeat noops.
 */
export function buildGraph(
  chain: ChainView,
  expanded: ReadonlySet<string> | 'all',
  { hideStructure = false }: { hideStructure?: boolean } = {},
): Graph {
  const { jobs, adjacency } = hideStructure
    ? withoutStructure(chain)
    : { jobs: chain.jobs, adjacency: chain.adjacencyList };
  const children = new Map<string, string[]>();
  const parents = new Map<string, string[]>();
  const type = new Map<string, string>();
  const name = new Map<string, string>();
  for (const j of jobs) {
    children.set(j.id, []);
    parents.set(j.id, []);
    type.set(j.id, j.type);
    name.set(j.id, jobName(j));
  }
  for (const [from, tos] of Object.entries(adjacency)) {
    if (!children.has(from)) continue;
    for (const to of tos) {
      if (!parents.has(to)) continue;
      children.get(from)?.push(to);
      parents.get(to)?.push(from);
    }
  }

  // Find foldable fan-outs.
  const folded = new Map<string, string>(); // job -> aggregate node id
  const aggregates = new Map<string, { label: string; jobs: string[]; group: string }>();
  const groupSizes = new Map<string, number>();
  if (expanded !== 'all') {
    for (const [p, kids] of children) {
      if (kids.length < GROUP_MIN_BRANCHES) continue;
      const bySig = new Map<string, Branch[]>();
      for (const c of kids) {
        const b = branchOf(c, children, parents, type, name);
        if (!b) continue;
        const key = `${b.signature}|${b.exits}`;
        let list = bySig.get(key);
        if (!list) bySig.set(key, (list = []));
        list.push(b);
      }
      for (const [key, branches] of bySig) {
        if (branches.length < GROUP_MIN_BRANCHES) continue;
        const group = `group:${p}:${key}`;
        groupSizes.set(group, branches.length);
        if (expanded.has(group)) continue;
        const depth = branches[0]?.jobs.length ?? 0;
        for (let d = 0; d < depth; d++) {
          const aggId = `${group}#${d}`;
          const jobs = branches.map((b) => b.jobs[d] as string);
          aggregates.set(aggId, { label: `${name.get(jobs[0] ?? '') ?? ''} ×${branches.length}`, jobs, group });
          for (const j of jobs) folded.set(j, aggId);
        }
      }
    }
  }

  const nodes: GraphNode[] = [];
  const index = new Map<string, number>();
  for (const j of jobs) {
    const agg = folded.get(j.id);
    if (agg) {
      if (!index.has(agg)) {
        const a = aggregates.get(agg);
        if (!a) continue;
        index.set(agg, nodes.length);
        nodes.push({ id: agg, label: a.label, jobs: a.jobs, group: a.group });
      }
    } else {
      index.set(j.id, nodes.length);
      nodes.push({ id: j.id, label: j.name ?? j.id, jobs: [j.id], group: null });
    }
  }
  const seen = new Set<string>();
  const edges: Array<[number, number]> = [];
  for (const [from, tos] of children) {
    const a = index.get(folded.get(from) ?? from);
    if (a === undefined) continue;
    for (const to of tos) {
      const b = index.get(folded.get(to) ?? to);
      if (b === undefined || a === b) continue;
      const key = `${a}>${b}`;
      if (seen.has(key)) continue;
      seen.add(key);
      edges.push([a, b]);
    }
  }
  return { nodes, edges, groups: groupSizes };
}

/**
 * The chain without its structure noops: an edge into one leads on to the first jobs after it.
 * A noop that joins many jobs to many others stays (joining through it would draw every pair).
 */
function withoutStructure(chain: ChainView): { jobs: ChainJob[]; adjacency: Record<string, string[]> } {
  const inDegree = new Map<string, number>();
  for (const tos of Object.values(chain.adjacencyList))
    for (const to of tos) inDegree.set(to, (inDegree.get(to) ?? 0) + 1);
  const structure = new Set(chain.jobs.filter(isStructureNoop).map((j) => j.id));
  if (structure.size === 0 || structure.size === chain.jobs.length)
    return { jobs: chain.jobs, adjacency: chain.adjacencyList };

  // For a noop: the jobs drawn after it, in order (itself when it stays).
  const frontier = new Map<string, string[]>();
  const kept = new Set<string>();
  const through = (id: string): string[] => {
    if (!structure.has(id)) return [id];
    const known = frontier.get(id);
    if (known) return known;
    frontier.set(id, [id]); // a cycle (never in a valid chain) stops here
    const out = new Set<string>();
    for (const next of chain.adjacencyList[id] ?? []) for (const v of through(next)) out.add(v);
    const fanIn = inDegree.get(id) ?? 0;
    const list = fanIn > 1 && fanIn * out.size > Math.max(16, fanIn + out.size) ? [id] : [...out];
    if (list.length === 1 && list[0] === id) kept.add(id);
    frontier.set(id, list);
    return list;
  };
  for (const j of chain.jobs) through(j.id);

  const adjacency: Record<string, string[]> = {};
  const drawn = (id: string) => !structure.has(id) || kept.has(id);
  for (const [from, tos] of Object.entries(chain.adjacencyList)) {
    if (!drawn(from)) continue;
    const out = new Set<string>();
    for (const to of tos) for (const v of through(to)) out.add(v);
    adjacency[from] = [...out];
  }
  return { jobs: chain.jobs.filter((j) => drawn(j.id)), adjacency };
}

/** A straight run from `start`: each job has one parent and at most one child. */
function branchOf(
  start: string,
  children: Map<string, string[]>,
  parents: Map<string, string[]>,
  type: Map<string, string>,
  name: Map<string, string>,
): Branch | null {
  const jobs: string[] = [];
  let cur: string | undefined = start;
  while (cur !== undefined && jobs.length < 64) {
    if ((parents.get(cur)?.length ?? 0) !== 1) break;
    jobs.push(cur);
    const kids: string[] = children.get(cur) ?? [];
    if (kids.length !== 1) break;
    const next: string = kids[0] as string;
    if ((parents.get(next)?.length ?? 0) !== 1) break;
    cur = next;
  }
  if (jobs.length === 0) return null;
  const last = jobs[jobs.length - 1] as string;
  return {
    jobs,
    signature: jobs.map((j) => `${type.get(j)}:${name.get(j)}`).join('>'),
    exits: [...(children.get(last) ?? [])].sort().join(','),
  };
}
