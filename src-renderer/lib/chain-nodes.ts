// What a chain node says besides its name: its `each:` value and try badge (drawn on the node),
// and its hover tooltip (name, each value, state, try, runtime, exit). Pure functions over the
// job rows (lib/job-rows.ts) and each values (lib/each-values.ts).

import { STATE_RUNNING } from '../../src-main/shared/proto';
import { jobRuntime, type JobRow } from './job-rows';
import { RETRYING, stateLook, type StateKey } from './states';
import { formatDuration } from './time';

export interface NodeDetail {
  /** second line: the job's each: value */
  readonly sub: string | null;
  /** e.g. "try 2/3", when the job is past its first try */
  readonly badge: string | null;
}

/** The try a job is on (running) or ended on: 0 before its first. */
export function currentTry(row: JobRow): number {
  return row.state === STATE_RUNNING ? row.tries + 1 : row.tries;
}

export function jobDetail(row: JobRow | undefined, each: string | undefined): NodeDetail {
  const n = row ? currentTry(row) : 0;
  return { sub: each ?? null, badge: row && n > 1 ? `try ${n}/${row.retry + 1}` : null };
}

/** `asOf`: the time a running job's runtime is counted to (now, or the RM's last answer). */
export function jobTooltip(id: string, row: JobRow | undefined, each: string | undefined, asOf: number): string[] {
  const lines = [each ? `${id} · ${each}` : id];
  if (!row) return [...lines, 'not started'];
  const look = row.retrying ? RETRYING : stateLook(row.state);
  const n = currentTry(row);
  lines.push(`${look.label} · ${n === 0 ? 'not tried yet' : `try ${n} of ${row.retry + 1}`}`);
  const running = row.state === STATE_RUNNING;
  // No figure rather than a wrong one: a running job's runtime is known only once the RM says when
  // it started.
  const runtime = jobRuntime(row, asOf);
  const facts = runtime === null ? [] : [`${running ? 'running for' : 'runtime'} ${formatDuration(runtime)}`];
  if (row.lastExit !== null && !running) facts.push(`exit ${row.lastExit}`);
  if (facts.length) lines.push(facts.join(' · '));
  if (row.type) lines.push(`type ${row.type}`);
  return lines;
}

/** A folded fan-out: its label and how many of its jobs are in each state. */
export function groupTooltip(label: string, counts: ReadonlyArray<readonly [StateKey, number]>): string[] {
  return [label, counts.map(([key, c]) => `${c} ${key}`).join(' · '), 'click to unfold'];
}
