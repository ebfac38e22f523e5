// A chain resumed on a JR (JobRunner.resumeJobChain): completed jobs do not run again, their
// children start with the data they left, tries are numbered on from the RM's; every post
// carries the epoch. Real HTTP RM on loopback.

import { afterEach, describe, expect, it } from 'vitest';
import { STATE_COMPLETE, parseWire } from '../../shared/proto';
import { builtinJobTypes } from '../jobs/builtins';
import { JobFactory } from '../jobs/job';
import { silentLogger } from '../log';
import { JobRunner } from './job-runner';
import { decodeResumedChain, encodeResumedChain } from './cluster-wire';
import { traverserResume } from './resumed-chain';
import { RequestManagerHttpLink } from './rm-http-link';
import { RecordingRm } from '../../../test/support/engine/jr/recording-rm';
import { chainOf, noop } from '../../../test/support/engine/jr/test-chains';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

// a -> (b, c) -> d -> e
const chain = chainOf('r1', { a: noop(), b: noop(), c: noop(), d: noop(), e: noop() }, [
  ['a', 'b'],
  ['a', 'c'],
  ['b', 'd'],
  ['c', 'd'],
  ['d', 'e'],
]);

describe('traverserResume and the wire', () => {
  it('marks the completed jobs with their data (none: empty) and counts tries on from those logged', () => {
    const resumed = { chain, epoch: 3, completed: ['a', 'b'], nextTry: { c: 3, d: 1 }, data: { a: { host: 'web1' } } };
    expect(traverserResume(resumed)).toEqual({
      completed: new Map([
        ['a', { host: 'web1' }],
        ['b', {}],
      ]),
      triesBefore: { c: 2, d: 0 },
    });
    // What the RM sends our JR reads back the same, data and all; a chain without data sends none.
    expect(decodeResumedChain(parseWire(encodeResumedChain(resumed)))).toEqual(resumed);
    const bare = { chain, epoch: 3, completed: [], nextTry: {} };
    expect(encodeResumedChain(bare)).toMatch(/"nextTry":\{\}\}$/);
    expect(decodeResumedChain(parseWire(encodeResumedChain(bare)))).toEqual(bare);
    expect(() => decodeResumedChain({ ...JSON.parse(encodeResumedChain(bare)), data: { a: [1] } })).toThrow(
      /ResumedChain.data.a/,
    );
  });
});

describe('JobRunner.resumeJobChain', () => {
  it('runs only what is left, tries numbered on, children given the data completed jobs left, the epoch on every post', async () => {
    const rm = await new RecordingRm().start();
    const epochs: Array<string | undefined> = [];
    const jr = new JobRunner({
      factory: new JobFactory(builtinJobTypes()),
      rm: new RequestManagerHttpLink(rm.url),
      logger: silentLogger,
      handBack: true,
    });
    cleanup.push(
      () => rm.close(),
      () => jr.close({ drainMs: 100 }),
    );
    rm.onCall = (headers) => epochs.push(headers['x-spincycle-epoch'] as string | undefined);
    const data = { a: { from: 'a' }, b: { from: 'b', b: true } };
    await jr.resumeJobChain({ chain, epoch: 4, completed: ['a', 'b'], nextTry: { c: 3 }, data });
    expect(await jr.describe()).toEqual({ chains: [{ requestId: 'r1', epoch: 4 }], draining: false });
    expect(await rm.waitForFinish('r1')).toBe(STATE_COMPLETE);
    expect(
      rm
        .logsOf('r1')
        .map((l) => [l.jobId, l.try, l.state])
        .sort(),
    ).toEqual([
      ['c', 3, STATE_COMPLETE],
      ['d', 1, STATE_COMPLETE],
      ['e', 1, STATE_COMPLETE],
    ]);
    // c's parent is a; d's are b and c (merged in job-id order: c's value of a shared key wins).
    const dataOf = (job: string) => rm.logsOf('r1').find((l) => l.jobId === job)?.data;
    expect(dataOf('c')).toEqual({ from: 'a' });
    expect(dataOf('d')).toEqual({ from: 'a', b: true });
    expect(epochs.length).toBe(4);
    expect(new Set(epochs)).toEqual(new Set(['4']));
  });
});
