// A chain node's badge and tooltip say only what is known: the try it is on, its runtime and
// exit once it has them, never a 0 ms runtime for a job that is running.

import { describe, expect, it } from 'vitest';
import { STATE_COMPLETE, STATE_FAIL, STATE_RUNNING } from '../../src-main/shared/proto';
import { jobDetail, jobTooltip } from './chain-nodes';
import type { JobRow } from './job-rows';

const NOW = 1_000_000;
const row = (over: Partial<JobRow>): JobRow => ({
  id: 'restart@14',
  name: null,
  type: 'shell',
  state: STATE_COMPLETE,
  retrying: false,
  status: '',
  args: null,
  startedMs: null,
  lastTryMs: 1234,
  tries: 1,
  retry: 2,
  retryWait: 500,
  lastExit: 0,
  lastTryState: STATE_COMPLETE,
  durationMs: 1234,
  ...over,
});

describe('chain node texts', () => {
  it('a finished job: each value, state, try, runtime and exit', () => {
    expect(jobTooltip('restart@14', row({}), 'web2', NOW)).toEqual([
      'restart@14 · web2',
      'COMPLETE · try 1 of 3',
      'runtime 1.2s · exit 0',
      'type shell',
    ]);
    expect(jobDetail(row({}), 'web2')).toEqual({ sub: 'web2', badge: null });
    expect(jobDetail(row({ state: STATE_FAIL, tries: 3, lastExit: 1 }), undefined)).toEqual({
      sub: null,
      badge: 'try 3/3',
    });
  });

  it('a job retrying: the try it is on, and no runtime until one is known', () => {
    const retrying = row({ state: STATE_RUNNING, retrying: true, tries: 1, durationMs: null, lastExit: 1 });
    expect(jobDetail(retrying, 'web2').badge).toBe('try 2/3');
    expect(jobTooltip('restart@14', retrying, 'web2', NOW)).toEqual([
      'restart@14 · web2',
      'RETRYING · try 2 of 3',
      'type shell',
    ]);
    expect(jobTooltip('restart@14', { ...retrying, startedMs: NOW - 65_000 }, undefined, NOW)[2]).toBe(
      'running for 1m 05s',
    );
  });

  it('a job not started', () => {
    expect(jobTooltip('report@38', undefined, undefined, NOW)).toEqual(['report@38', 'not started']);
  });
});
