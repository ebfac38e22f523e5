// The `each:` value of every job a fan-out made: `web2` for restart@14 of a rolling restart over
// ["web1", …, "web6"]. The grapher wraps a fan-out between `repeat_<node>_start` (v2:
// `_begin`) and `repeat_<node>_end` noops; each child of the start begins one iteration. An iteration's value
// is what its jobs' args (the chain's Job.args) agree on within the iteration and differ on between
// iterations: the item `each: hosts:host` put in `host`. Chains without job args (the original
// RM sends null) or without fan-outs give no values.

import type { ChainView, ChainJob } from '../../src-main/shared/console-model';
import type { JsonValue } from '../../src-main/shared/proto';
import { isRepeatEnd, repeatStart } from './job-names';

/** Longest text shown for one value. */
const MAX_TEXT = 40;

function show(value: JsonValue): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

/** job id -> its each value(s), e.g. "web2" (nested fan-outs: "web2 · disk1"). */
export function eachValues(chain: ChainView | null): Map<string, string> {
  const out = new Map<string, string>();
  if (!chain) return out;
  const jobOf = new Map<string, ChainJob>(chain.jobs.map((j) => [j.id, j]));
  // Outer fan-outs first (nearer the chain's start), so nested values append in order.
  const depth = depths(chain);
  const starts = chain.jobs
    .filter((j) => repeatStart(j) !== null)
    .sort((a, b) => (depth.get(a.id) ?? 0) - (depth.get(b.id) ?? 0));
  for (const start of starts) {
    const node = repeatStart(start) as string;
    const isEnd = (id: string) => {
      const job = jobOf.get(id);
      return job !== undefined && isRepeatEnd(job, node);
    };
    const iterations = (chain.adjacencyList[start.id] ?? []).map((entry) =>
      iterationJobs(entry, isEnd, chain.adjacencyList),
    );
    if (iterations.length < 2) continue;
    const values = iterationValues(iterations.map((ids) => ids.map((id) => jobOf.get(id)?.args ?? null)));
    iterations.forEach((ids, i) => {
      const value = values[i];
      if (!value) return;
      for (const id of ids) {
        const before = out.get(id);
        out.set(id, before ? `${before} · ${value}` : value);
      }
    });
  }
  return out;
}

/** The jobs of one iteration: reachable from its first job without passing the fan-out's end. */
function iterationJobs(entry: string, isEnd: (id: string) => boolean, adjacency: Record<string, string[]>): string[] {
  const seen = new Set<string>([entry]);
  const queue = [entry];
  for (let i = 0; i < queue.length; i++) {
    for (const next of adjacency[queue[i] as string] ?? []) {
      if (seen.has(next) || isEnd(next)) continue;
      seen.add(next);
      queue.push(next);
    }
  }
  return queue;
}

/**
 * One text per iteration: the arg values that are the same for every job of the iteration that
 * has the arg, and differ between iterations ("" when none do).
 */
function iterationValues(iterations: Array<Array<Record<string, JsonValue> | null>>): string[] {
  // key -> the one value of each iteration (undefined: absent or not one value there)
  const perKey = new Map<string, Array<string | undefined>>();
  iterations.forEach((argsList, i) => {
    const mine = new Map<string, string | null>(); // null: two different values in this iteration
    for (const args of argsList) {
      for (const [key, value] of Object.entries(args ?? {})) {
        const text = JSON.stringify(value);
        const had = mine.get(key);
        mine.set(key, had === undefined || had === text ? text : null);
      }
    }
    for (const [key, text] of mine) {
      let list = perKey.get(key);
      if (!list) perKey.set(key, (list = new Array<string | undefined>(iterations.length).fill(undefined)));
      list[i] = text ?? undefined;
    }
  });
  const keys = [...perKey].filter(([, list]) => list.every((v) => v !== undefined) && new Set(list).size > 1);
  return iterations.map((_, i) => keys.map(([, list]) => show(JSON.parse(list[i] as string) as JsonValue)).join(' · '));
}

/** Each job's distance from the chain's first jobs (the longest path to it). */
function depths(chain: ChainView): Map<string, number> {
  const inDegree = new Map<string, number>(chain.jobs.map((j) => [j.id, 0]));
  for (const tos of Object.values(chain.adjacencyList))
    for (const to of tos) inDegree.set(to, (inDegree.get(to) ?? 0) + 1);
  const depth = new Map<string, number>();
  const queue = chain.jobs.filter((j) => (inDegree.get(j.id) ?? 0) === 0).map((j) => j.id);
  for (const id of queue) depth.set(id, 0);
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i] as string;
    for (const next of chain.adjacencyList[id] ?? []) {
      depth.set(next, Math.max(depth.get(next) ?? 0, (depth.get(id) ?? 0) + 1));
      const left = (inDegree.get(next) ?? 0) - 1;
      inDegree.set(next, left);
      if (left === 0) queue.push(next);
    }
  }
  return depth;
}
