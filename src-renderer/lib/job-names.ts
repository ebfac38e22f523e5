// What a job is called. A 2017 server's job id carries its name (`restart@14`); a v2 server's
// id is 4 random characters with the name beside it (`y3dr`, `nap`). The grapher's structure
// noops are told apart the same way: by id on 2017 chains, by type and name on v2 ones.

import type { ChainJob } from '../../src-main/shared/console-model';

type Named = Pick<ChainJob, 'id' | 'name'>;

/** The node's name: `name` (v2), else the name part of a `<name>@<n>` id (2017). */
export function jobName(job: Named): string {
  if (job.name !== null) return job.name;
  const at = job.id.lastIndexOf('@');
  return at > 0 ? job.id.slice(0, at) : job.id;
}

/** How a job reads where one line must tell it apart: `nap · y3dr` (v2), or its id (2017). */
export function jobLabel(job: Named): string {
  return job.name !== null ? `${job.name} · ${job.id}` : job.id;
}

const STRUCTURE_2017 = /^(sequence|repeat)_.+_(start|end)@\d+$/;
/** v2's generated noops: `request_<type>_begin`, `<sequence>_end`, `repeat_<node>_begin`… */
const STRUCTURE_V2 = /_(begin|end)$/;

/** A noop the grapher added around a sequence or a fan-out (not a node of the spec). */
export function isStructureNoop(job: Pick<ChainJob, 'id' | 'name' | 'type'>): boolean {
  if (job.type !== 'noop') return false;
  return job.name !== null ? STRUCTURE_V2.test(job.name) : STRUCTURE_2017.test(job.id);
}

/** The fan-out a `repeat_<node>_start` (2017) / `repeat_<node>_begin` (v2) noop opens, or null. */
export function repeatStart(job: Named): string | null {
  return /^repeat_(.+)_(start|begin)$/.exec(jobName(job))?.[1] ?? null;
}

/** The noop that closes the fan-out `node` opened. */
export function isRepeatEnd(job: Named, node: string): boolean {
  return jobName(job) === `repeat_${node}_end`;
}
