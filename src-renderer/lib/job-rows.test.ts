// A job's runtime as shown and the "longest-running first" order: running jobs by the time since
// they started (never the 0 their statuses carry), then finished ones by their last try.

import { describe, expect, it } from 'vitest';
import type { ChainView, JobStatusRecord } from '../../src-main/shared/console-model';
import { STATE_COMPLETE, STATE_FAIL, STATE_PENDING, STATE_RUNNING } from '../../src-main/shared/proto';
import { byRuntime, jobRows, jobRuntime, triesMade, type TrySummary } from './job-rows';

const NOW = 1_800_000_000_000;
const ns = (ms: number) => String(BigInt(ms) * 1_000_000n);
const chain: ChainView = {
  requestId: 'r',
  adjacencyList: {},
  jobs: ['a@1', 'b@2', 'c@3', 'd@4', 'e@5'].map((id) => ({
    id,
    name: null,
    type: 'shell',
    retry: 1,
    retryWait: 0,
    args: null,
  })),
};
const status = (jobId: string, state: number): JobStatusRecord => ({
  requestId: 'r',
  jobId,
  name: null,
  state,
  status: '',
  try: null,
  runtime: 0,
});
const tryOf = (jobId: string, n: number, start: number, end: number, state = STATE_COMPLETE): TrySummary => ({
  requestId: 'r',
  jobId,
  try: n,
  type: 'shell',
  startedAt: ns(start),
  finishedAt: ns(end),
  state,
  exit: state === STATE_COMPLETE ? 0 : 1,
  error: '',
  stdoutBytes: 0,
  stderrBytes: 0,
});

describe('job runtimes', () => {
  const rows = jobRows(
    chain,
    [
      status('a@1', STATE_COMPLETE),
      status('b@2', STATE_RUNNING),
      status('c@3', STATE_RUNNING),
      status('d@4', STATE_FAIL),
      status('e@5', STATE_PENDING),
    ],
    [
      tryOf('a@1', 1, NOW - 60_000, NOW - 10_000), // 50 s
      tryOf('d@4', 1, NOW - 9000, NOW - 8000, STATE_FAIL), // 1 s, then a retry wait
      tryOf('d@4', 2, NOW - 5000, NOW - 3000, STATE_FAIL), // 2 s
    ],
    { 'b@2': NOW - 4000, 'a@1': NOW - 99_000 }, // a@1's start is stale: it is not running
  );
  const byId = (id: string) => rows.find((r) => r.id === id)!;

  it('a running job runs from its start; a finished one took its last try; unknown is null, never 0', () => {
    expect(jobRuntime(byId('b@2'), NOW)).toBe(4000);
    expect(jobRuntime(byId('c@3'), NOW)).toBeNull();
    expect(jobRuntime(byId('a@1'), NOW)).toBe(50_000);
    expect(jobRuntime(byId('d@4'), NOW)).toBe(2000);
    expect(byId('d@4').durationMs).toBe(6000);
    expect(jobRuntime(byId('e@5'), NOW)).toBeNull();
  });

  it('a job a retry ran again: its duration is its latest run, not the time between the two', () => {
    const retried = jobRows(
      chain,
      [status('d@4', STATE_COMPLETE)],
      [
        tryOf('d@4', 1, NOW - 3_600_000, NOW - 3_590_000, STATE_FAIL), // an hour ago
        tryOf('d@4', 2, NOW - 9000, NOW - 8000, STATE_FAIL), // the retry: 1 s, a retry wait,
        tryOf('d@4', 3, NOW - 5000, NOW - 3000), // then 2 s
      ],
      {},
      { 'd@4': 1 },
    ).find((r) => r.id === 'd@4')!;
    expect(retried).toMatchObject({ tries: 3, runTries: 2, durationMs: 6000, lastTryMs: 2000 });
  });

  it('counts a running job’s current try among the tries made: never 0 for a job that runs', () => {
    expect(triesMade(byId('b@2'))).toBe(1);
    expect(triesMade(byId('a@1'))).toBe(1);
    expect(triesMade(byId('d@4'))).toBe(2);
    expect(triesMade(byId('e@5'))).toBe(0);
    const third = jobRows(
      chain,
      [status('d@4', STATE_RUNNING)],
      [tryOf('d@4', 1, NOW - 9000, NOW - 8000, STATE_FAIL), tryOf('d@4', 2, NOW - 5000, NOW - 3000, STATE_FAIL)],
    ).find((r) => r.id === 'd@4')!;
    expect(triesMade(third)).toBe(3);
  });

  it('sorts running jobs first by live runtime, then finished by last try, then those that never ran', () => {
    expect([...rows].sort(byRuntime(NOW)).map((r) => r.id)).toEqual(['b@2', 'c@3', 'a@1', 'd@4', 'e@5']);
  });
});
