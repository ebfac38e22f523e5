// A re-run's args when nobody recorded the request's create args (an original RM, a request this
// console did not create): each arg of its type as the chain's jobs were given it, the first job
// by id that has it. Only a guess (a job sees an arg after defaults and `sets`, and an `each`
// hands its jobs one item, not the list): the Start form shows it for the operator to check.

import type { JsonObject } from '../shared/proto';

/** `names`: the args a caller sets; `chainJobs`: the chain's jobs, in any order. */
export function argsFromChain(
  names: readonly string[],
  chainJobs: ReadonlyArray<{ id: string; args: JsonObject | null }>,
): JsonObject {
  const jobs = [...chainJobs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const out: JsonObject = {};
  for (const Name of names) {
    const job = jobs.find((j) => j.args !== null && Object.hasOwn(j.args, Name));
    const value = job?.args?.[Name];
    if (value !== undefined) out[Name] = value;
  }
  return out;
}
