// One validation for every job chain, wherever it comes from: the RM runs it on each chain it
// builds (a chain its JR would refuse is a 400 at create), the JR on each chain it is given
// (J1: a 400 with the text). First the structure (chain-plan.ts, the original's texts, in its
// order), then every job: an id that is a plain key, a job type the factory knows and whose
// bytes it accepts (deserialize), and retry, retryWait and timeout within limits.ts.

import { clip } from '../shared/clip';
import type { Job as ProtoJob, JobChain, JsonObject } from '../shared/proto';
import type { JobFactory } from './jobs/job';
import { InvalidChainError, planChain, type ChainPlan } from './jr/chain-plan';
import { retryProblem, waitProblem } from './limits';

/** Most problems listed in one error (the rest are counted). */
const MAX_LISTED = 20;

/** Job.args.timeout in ms (a number or numeric string); 0 when absent or 0 (no timeout); NaN when unusable. */
export function timeoutOf(args: JsonObject | null): number {
  const v = args?.timeout;
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') return Number(v);
  return NaN;
}

function jobProblems(id: string, job: ProtoJob, factory: JobFactory): string[] {
  const where = `job ${JSON.stringify(clip(id, 100))}`;
  const problems: string[] = [];
  if (id === '__proto__') problems.push(`${where}: "__proto__" is not allowed as a job id`);
  if (!factory.has(job.type)) {
    problems.push(`${where}: unknown job type ${JSON.stringify(clip(job.type, 100))}`);
  } else {
    try {
      factory.make(job.type, id).deserialize(job.bytes);
    } catch (err) {
      problems.push(`${where} (${job.type}): ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const retry = retryProblem(job.retry);
  if (retry) problems.push(`${where}: ${retry}`);
  const wait = waitProblem('retryWait', job.retryWait);
  if (wait) problems.push(`${where}: ${wait}`);
  const timeout = timeoutOf(job.args);
  const timeoutBad = Number.isNaN(timeout)
    ? 'timeout (args.timeout) must be a number of milliseconds'
    : waitProblem('timeout', timeout);
  if (timeoutBad) problems.push(`${where}: ${timeoutBad}`);
  return problems;
}

/** Checks `chain` for a JR whose job types are `factory`'s; its run plan, or InvalidChainError listing every problem. */
export function checkChain(chain: JobChain, factory: JobFactory): ChainPlan {
  const plan = planChain(chain);
  const problems = plan.ids.flatMap((id, i) => jobProblems(id, plan.jobs[i] as ProtoJob, factory));
  if (problems.length > 0) {
    const more = problems.length > MAX_LISTED ? `; and ${problems.length - MAX_LISTED} more` : '';
    throw new InvalidChainError(`${problems.slice(0, MAX_LISTED).join('; ')}${more}`);
  }
  return plan;
}
