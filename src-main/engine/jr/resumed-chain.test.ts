// A chain resumed on a JR (JobRunner.resumeJobChain): completed jobs do not run again, the jobs
// left run from the first whose parents completed, tries are numbered on from the RM's, the
// resume root is never logged; every post carries the epoch. Real HTTP RM on loopback.

import { afterEach, describe, expect, it } from 'vitest';
import { STATE_COMPLETE } from '../../shared/proto';
import { builtinJobTypes } from '../jobs/builtins';
import { JobFactory } from '../jobs/job';
import { silentLogger } from '../log';
import { JobRunner } from './job-runner';
import { resumeRun } from './resumed-chain';
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

describe('resumeRun', () => {
  it('keeps the jobs left under a root whose children are those whose parents completed', () => {
    const run = resumeRun({ chain, epoch: 3, completed: ['a', 'b'], nextTry: { c: 3 } });
    expect(run.root).toBe('resume@3');
    expect(Object.keys(run.chain.jobs).sort()).toEqual(['c', 'd', 'e', 'resume@3']);
    expect(run.chain.adjacencyList).toEqual({ c: ['d'], d: ['e'], 'resume@3': ['c'] });
    expect(run.tryOffsets).toEqual({ c: 2 });
  });
});

describe('JobRunner.resumeJobChain', () => {
  it('runs only what is left, tries numbered on, no root log, the epoch on every post', async () => {
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
    await jr.resumeJobChain({ chain, epoch: 4, completed: ['a', 'b'], nextTry: { c: 3 } });
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
    expect(epochs.length).toBe(4);
    expect(new Set(epochs)).toEqual(new Set(['4']));
  });
});
