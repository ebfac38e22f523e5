// The body of our JR's retry call, POST /api/v1/job-chains/retry (docs/protocol/extensions.md):
// `{"jobChain": JobChain, "tries": {job id: highest try logged}}`. The chain is the request's,
// its completed jobs marked with state COMPLETE and the job data they left.

import { WireError, decodeJobChain, encodeJobChain } from '../shared/proto';
import type { RetryJobChain } from './links';

export const RETRY_CHAIN_PATH = '/api/v1/job-chains/retry';

export function encodeRetryJobChain(r: RetryJobChain): string {
  return `{"jobChain":${encodeJobChain(r.jobChain)},"tries":${JSON.stringify(r.tries)}}`;
}

export function decodeRetryJobChain(v: unknown): RetryJobChain {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new WireError('RetryJobChain', 'an object', v);
  const o = v as Record<string, unknown>;
  const tries = o.tries ?? {};
  if (tries === null || typeof tries !== 'object' || Array.isArray(tries)) {
    throw new WireError('RetryJobChain.tries', 'an object', tries);
  }
  const out: Record<string, number> = {};
  for (const [jobId, n] of Object.entries(tries)) {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 2 ** 31) {
      throw new WireError(`RetryJobChain.tries[${JSON.stringify(jobId)}]`, 'a whole number of tries', n);
    }
    if (jobId !== '__proto__') out[jobId] = n;
  }
  return { jobChain: decodeJobChain(o.jobChain, 'RetryJobChain.jobChain'), tries: out };
}
