// The JSON of our own JR routes beyond the 2017 protocol (links.ts):
// - POST /api/v1/job-chains/resume: {"jobChain": JobChain, "epoch": n, "completed": [job id],
//   "nextTry": {job id: n}}; the JobChain as J1 has it.
// - GET /api/v1/job-runner: {"chains": [{"requestId", "epoch"}], "draining": bool}.
// A value of the wrong shape is a WireError naming the field (the HTTP layer's 400).

import { WireError, decodeJobChain, encodeJobChain } from '../../shared/proto';
import type { ResumedChain, RunnerInfo } from '../links';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function count(v: unknown, field: string, min: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw new WireError(field, `a whole number >= ${min}`, v);
  }
  return v;
}

function object(v: unknown, field: string): Record<string, unknown> {
  if (!isObject(v)) throw new WireError(field, 'an object', v);
  return v;
}

export function encodeResumedChain(r: ResumedChain): string {
  return `{"jobChain":${encodeJobChain(r.chain)},"epoch":${r.epoch},"completed":${JSON.stringify(r.completed)},"nextTry":${JSON.stringify(r.nextTry)}}`;
}

export function decodeResumedChain(v: unknown): ResumedChain {
  const o = object(v, 'ResumedChain');
  const completed = o.completed ?? [];
  if (!Array.isArray(completed) || completed.some((id) => typeof id !== 'string')) {
    throw new WireError('ResumedChain.completed', 'a list of job ids', completed);
  }
  const nextTry: Record<string, number> = {};
  for (const [id, n] of Object.entries(object(o.nextTry ?? {}, 'ResumedChain.nextTry'))) {
    nextTry[id] = count(n, `ResumedChain.nextTry.${id}`, 1);
  }
  return {
    chain: decodeJobChain(o.jobChain, 'ResumedChain.jobChain'),
    epoch: count(o.epoch, 'ResumedChain.epoch', 1),
    completed: completed as string[],
    nextTry,
  };
}

export function encodeRunnerInfo(info: RunnerInfo): string {
  return JSON.stringify(info);
}

export function decodeRunnerInfo(v: unknown): RunnerInfo {
  const o = object(v, 'RunnerInfo');
  if (!Array.isArray(o.chains)) throw new WireError('RunnerInfo.chains', 'a list', o.chains);
  return {
    chains: o.chains.map((c: unknown, i) => {
      const chain = object(c, `RunnerInfo.chains[${i}]`);
      if (typeof chain.requestId !== 'string') {
        throw new WireError(`RunnerInfo.chains[${i}].requestId`, 'a string', chain.requestId);
      }
      return { requestId: chain.requestId, epoch: count(chain.epoch, `RunnerInfo.chains[${i}].epoch`, 0) };
    }),
    draining: o.draining === true,
  };
}
