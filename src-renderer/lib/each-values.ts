// The `each:` value of every job a fan-out made: `web2` for restart@14 of a rolling restart over
// ["web1", …, "web6"]. The grapher wraps a fan-out between `repeat_<node>_start` and
// `repeat_<node>_end` noops; each child of the start begins one iteration. An iteration's value
// is what its jobs' args (the chain's Job.args) agree on within the iteration and differ on between
// iterations: the item `each: hosts:host` put in `host`. Chains without job args (the original
// RM sends null) or without fan-outs give no values.

import type { ChainView, ChainJob } from '../../src-main/shared/console-model';
import type { JsonValue } from '../../src-main/shared/proto';

/** Longest text shown for one value. */
const MAX_TEXT = 40;

const REPEAT_START = /^repeat_(.+)_start@\d+$/;

function show(value: JsonValue): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

/** job id -> its each value(s), e.g. "web2" (nested fan-outs: "web2 · disk1"). */
export function eachValues(chain: ChainView | null): Map<string, string> {
  const out = new Map<string, string>();
  if (!chain) return out;
  const jobOf = new Map<string, ChainJob>(chain.jobs.map((j) => [j.id, j]));
  // Outer fan-outs first (lower ids are built first), so nested values append in order.
  const starts = chain.jobs.filter((j) => REPEAT_START.test(j.id)).sort((a, b) => idNumber(a.id) - idNumber(b.id));
  for (const start of starts) {
    const node = REPEAT_START.exec(start.id)?.[1] ?? '';
    const endPrefix = `repeat_${node}_end@`;
    const iterations = (chain.adjacencyList[start.id] ?? []).map((entry) =>
      iterationJobs(entry, endPrefix, chain.adjacencyList),
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
function iterationJobs(entry: string, endPrefix: string, adjacency: Record<string, string[]>): string[] {
  const seen = new Set<string>([entry]);
  const queue = [entry];
  for (let i = 0; i < queue.length; i++) {
    for (const next of adjacency[queue[i] as string] ?? []) {
      if (seen.has(next) || next.startsWith(endPrefix)) continue;
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

function idNumber(id: string): number {
  return Number(id.slice(id.lastIndexOf('@') + 1)) || 0;
}
