// JobRunner.drain (SIGTERM of `spincycle jr`) for chains an original RM gave (no epoch): they
// cannot be handed back, so they are stopped at once and finish STOPPED, as before, without
// waiting for the grace that chains of our RM get. (Hand-backs to our RM:
// src-main/engine/integration/cluster.test.ts.)

import { afterEach, describe, expect, it } from 'vitest';
import { STATE_STOPPED } from '../../shared/proto';
import { builtinJobTypes } from '../jobs/builtins';
import { JobFactory } from '../jobs/job';
import { silentLogger } from '../log';
import { JobRunner } from './job-runner';
import { RequestManagerHttpLink } from './rm-http-link';
import { RecordingRm } from '../../../test/support/engine/jr/recording-rm';
import { chainOf, job, noop } from '../../../test/support/engine/jr/test-chains';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe('JobRunner.drain', () => {
  it('stops a chain given without an epoch at once: STOPPED, while the grace of the others runs', async () => {
    const rm = await new RecordingRm().start();
    const jr = new JobRunner({
      factory: new JobFactory(builtinJobTypes()),
      rm: new RequestManagerHttpLink(rm.url),
      logger: silentLogger,
      handBack: true,
    });
    cleanup.push(() => rm.close());
    await jr.createJobChain(
      chainOf('r1', { a: noop(), nap: job('sleep', { seconds: 300 }), z: noop() }, [
        ['a', 'nap'],
        ['nap', 'z'],
      ]),
    );
    // A chain of our RM (with an epoch) whose running job keeps the grace going.
    await jr.createJobChain(chainOf('r2', { nap: job('sleep', { seconds: 300 }) }, []), 1);
    await new Promise((r) => setTimeout(r, 100));
    const draining = jr.drain({ graceMs: 5000, deliverMs: 1000 });
    expect(await rm.waitForFinish('r1')).toBe(STATE_STOPPED);
    // ...while the other chain's job still runs in its grace.
    expect((await jr.runningStatus()).map((j) => [j.requestId, j.jobId])).toEqual([['r2', 'nap']]);
    await draining;
    expect(rm.logsOf('r1').find((l) => l.jobId === 'nap')).toMatchObject({ try: 1, state: STATE_STOPPED });
  });
});
