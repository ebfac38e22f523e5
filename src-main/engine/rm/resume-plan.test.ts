// planResume: what a lost or handed-back chain's job logs say to do.

import { describe, expect, it } from 'vitest';
import {
  STATE_COMPLETE,
  STATE_FAIL,
  STATE_STOPPED,
  STATE_TIMEOUT,
  decodeJobLog,
  type JobLog,
} from '../../shared/proto';
import { INTERRUPTED_TRY } from '../jobs/try-keeper';
import { chainOf, noop } from '../../../test/support/engine/jr/test-chains';
import { interruptedError, planResume } from './resume-plan';

// a -> (b, c) -> d; c has 2 retries, 1 s apart.
const chain = chainOf('r', { a: noop(), b: noop(), c: { type: 'noop', retry: 2, retryWait: 1000 }, d: noop() }, [
  ['a', 'b'],
  ['a', 'c'],
  ['b', 'd'],
  ['c', 'd'],
]);
const NOW = 1_800_000_000_000;
const at = (ms: number) => BigInt(ms) * 1_000_000n;
/** Try `tryN` of `jobId` ended in `state` 4 s ago. */
const log = (jobId: string, tryN: number, state: number, over: Partial<JobLog> = {}): JobLog => ({
  ...decodeJobLog({ requestId: 'r', jobId, try: tryN, type: 'noop', state, exit: state === STATE_COMPLETE ? 0 : 1 }),
  startedAt: at(NOW - 5000),
  finishedAt: at(NOW - 4000),
  ...over,
});

describe('planResume', () => {
  it('every job completed: the request is complete', () => {
    const logs = ['a', 'b', 'c', 'd'].map((id) => log(id, 1, STATE_COMPLETE));
    expect(planResume(chain, logs, 'http://jr1', NOW)).toEqual({ kind: 'complete' });
  });

  it('a lost JR: completed jobs stay done, the running ones get an interrupted try and run again', () => {
    const plan = planResume(chain, [log('a', 1, STATE_COMPLETE)], 'http://jr1', NOW);
    expect(plan.kind).toBe('resume');
    if (plan.kind !== 'resume') return;
    expect(plan.resumed.completed).toEqual(['a']);
    expect(plan.interrupted.map((l) => [l.jobId, l.try, l.state, l.exit, l.error])).toEqual([
      ['b', 1, STATE_FAIL, -1, interruptedError('http://jr1')],
      ['c', 1, STATE_FAIL, -1, interruptedError('http://jr1')],
    ]);
    expect(plan.resumed.nextTry).toEqual({ b: 2, c: 2 });
    // Interrupted tries do not count against retries.
    expect(plan.resumed.chain.jobs.c?.retry).toBe(2);
  });

  it('a job waiting between tries is not interrupted; its failed tries count', () => {
    const logs = [
      log('a', 1, STATE_COMPLETE),
      log('b', 1, STATE_COMPLETE),
      log('c', 1, STATE_TIMEOUT, { finishedAt: at(NOW - 200) }), // waits until NOW + 800
    ];
    const plan = planResume(chain, logs, 'http://jr1', NOW);
    if (plan.kind !== 'resume') throw new Error(plan.kind);
    expect(plan.interrupted).toEqual([]);
    expect(plan.resumed.nextTry).toEqual({ c: 2 });
    expect(plan.resumed.chain.jobs.c?.retry).toBe(1);
    // Its wait is over: it was running its next try.
    const later = planResume(chain, logs, 'http://jr1', NOW + 900);
    if (later.kind !== 'resume') throw new Error(later.kind);
    expect(later.interrupted.map((l) => [l.jobId, l.try])).toEqual([['c', 2]]);
  });

  it('a job out of retries: the request fails', () => {
    const logs = [log('a', 1, STATE_COMPLETE), ...[1, 2, 3].map((n) => log('c', n, STATE_FAIL))];
    expect(planResume(chain, logs, 'http://jr1', NOW)).toEqual({ kind: 'failed', jobId: 'c' });
  });

  it('handed back: nothing is supposed to have run; stopped tries do not count', () => {
    const logs = [log('a', 1, STATE_COMPLETE), log('b', 1, STATE_STOPPED), log('c', 1, STATE_FAIL)];
    const plan = planResume(chain, logs, null, NOW);
    if (plan.kind !== 'resume') throw new Error(plan.kind);
    expect(plan.interrupted).toEqual([]);
    expect(plan.resumed.nextTry).toEqual({ b: 2, c: 2 });
    expect([plan.resumed.chain.jobs.b?.retry, plan.resumed.chain.jobs.c?.retry]).toEqual([0, 1]);
  });

  it("a JR that restarted sent its spool's record of the interrupted try: not logged twice", () => {
    const logs = [log('a', 1, STATE_COMPLETE), log('b', 1, STATE_FAIL, { exit: -1, error: INTERRUPTED_TRY })];
    const plan = planResume(chain, logs, 'http://jr1', NOW);
    if (plan.kind !== 'resume') throw new Error(plan.kind);
    expect(plan.interrupted.map((l) => l.jobId)).toEqual(['c']);
    expect(plan.resumed.nextTry).toEqual({ b: 2, c: 2 });
  });
});
