// Test support: builds wire JobChains from a compact description, e.g.
//   chainOf('req1', { a: noop(), b: job('shell', { cmd: 'true' }) }, [['a', 'b']])

import {
  STATE_COMPLETE,
  type Job,
  type JobChain,
  type JobLog,
  type JsonObject,
} from '../../../../src-main/shared/proto';

export interface TestJob {
  type: string;
  bytes?: unknown;
  retry?: number;
  retryWait?: number;
  args?: JsonObject | null;
}

export const noop = (): TestJob => ({ type: 'noop' });

/** A job whose bytes are `body` as JSON (null: no bytes). */
export const job = (type: string, body: unknown = null, extra: Omit<TestJob, 'type' | 'bytes'> = {}): TestJob => ({
  type,
  bytes: body,
  ...extra,
});

export function chainOf(requestId: string, jobs: Record<string, TestJob>, edges: Array<[string, string]>): JobChain {
  const out: Record<string, Job> = {};
  for (const [id, j] of Object.entries(jobs)) {
    out[id] = {
      id,
      type: j.type,
      bytes: j.bytes === undefined || j.bytes === null ? null : new TextEncoder().encode(JSON.stringify(j.bytes)),
      state: 0,
      args: j.args ?? null,
      data: null,
      retry: j.retry ?? 0,
      retryWait: j.retryWait ?? 0,
    };
  }
  const adjacencyList: Record<string, string[]> = {};
  for (const [from, to] of edges) (adjacencyList[from] ??= []).push(to);
  return { requestId, jobs: out, adjacencyList, state: 1 };
}

/** start -> each of `middle` in parallel -> end. */
export function wideChain(requestId: string, middle: Record<string, TestJob>): JobChain {
  const ids = Object.keys(middle);
  return chainOf(
    requestId,
    { start: noop(), ...middle, 'zz-end': noop() },
    ids.flatMap((id): Array<[string, string]> => [
      ['start', id],
      [id, 'zz-end'],
    ]),
  );
}

/** The log of a noop try that completed (request `r`): what a delivery test sends. */
export const completedLog = (jobId: string, tryNo = 1): JobLog => ({
  requestId: 'r',
  jobId,
  try: tryNo,
  type: 'noop',
  startedAt: 1n,
  finishedAt: 2n,
  state: STATE_COMPLETE,
  exit: 0,
  error: '',
  stdout: '',
  stderr: '',
});
