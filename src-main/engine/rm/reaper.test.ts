// RequestReaper: a RUNNING request the JR does not know is ended after the grace (FAIL, or
// STOPPED when a stop was asked); known ones, ones still receiving logs, and everything while
// the JR is unreachable are left alone. A real RM and JR over loopback HTTP; the RM's and the
// reaper's clock is `now`, moved by the tests. A JR that "loses" a chain is one restarted on
// the same port: the fresh JR answers 404 for the chains of the one before.

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { STATE_COMPLETE, STATE_FAIL, STATE_RUNNING, STATE_STOPPED } from '../../shared/proto';
import { RequestReaper } from './reaper';
import { REASONS } from './request-manager';
import { rmTestSpecs, startRig, type Rig } from '../../../test/support/engine/rm/test-rig';

let specs: ReturnType<typeof rmTestSpecs>;
let now = 1_000_000;
let rig: Rig;
let reaper: RequestReaper;

beforeAll(() => {
  specs = rmTestSpecs();
});
afterAll(() => specs.remove());
beforeEach(async () => {
  rig = await startRig({ specsDir: specs.dir, now: () => now, stopSettleMs: 1 });
  reaper = new RequestReaper(rig.rm, { graceMs: 10_000, now: () => now });
});
afterEach(() => rig.close());

/** A `nap` request whose start job the JR has reported (it then sleeps, sending nothing). */
const create = async () => {
  const { id } = await rig.rm.createRequest({ Type: 'nap', Args: {}, User: '' });
  await rig.until('settled', async () => (await rig.rm.getRequest(id)).finishedJobs === 1);
  // The start job's log arrived at `now`; step past the grace so that only the JR's answers count.
  now += 10_000;
  return id;
};
const jrKnows = async (id: string) => (await rig.jrGet(`/api/v1/job-chains/${id}/status`)).status === 200;

describe('RequestReaper', () => {
  it('ends a request the JR does not know once the grace has passed', async () => {
    const lost = await create();
    await rig.restartJobRunner();
    const known = await create();
    expect([await jrKnows(lost), await jrKnows(known)]).toEqual([false, true]);
    await reaper.sweep();
    now += 9_999;
    await reaper.sweep();
    expect((await rig.rm.getRequest(lost)).state).toBe(STATE_RUNNING);
    now += 1;
    await reaper.sweep();
    expect((await rig.rm.getRequest(lost)).state).toBe(STATE_FAIL);
    expect(await rig.rm.jobLogs(lost)).toEqual([
      expect.objectContaining({ jobId: 'nap@3', try: 0, state: STATE_FAIL, error: REASONS.jrLost }),
      expect.objectContaining({ jobId: 'sequence_nap_start@1', try: 1, state: STATE_COMPLETE }),
    ]);
    expect((await rig.rm.getRequest(known)).state).toBe(STATE_RUNNING);
  });

  it('ends a lost request STOPPED when a stop was asked', async () => {
    const id = await create();
    // The JR takes the stop and ends the chain, but its finish call cannot reach the RM; then
    // the JR restarts, and the chain is lost with it.
    await rig.rmDown();
    await rig.rm.stopRequest(id);
    await rig.restartJobRunner();
    expect(await jrKnows(id)).toBe(false);
    await reaper.sweep();
    now += 10_000;
    await reaper.sweep();
    expect((await rig.rm.getRequest(id)).state).toBe(STATE_STOPPED);
    expect((await rig.rm.jobLogs(id))[0]).toMatchObject({ jobId: 'nap@3', try: 0, error: REASONS.stoppedAndDropped });
  });

  it('waits while job logs keep arriving', async () => {
    const id = await create();
    await rig.restartJobRunner();
    await reaper.sweep();
    now += 9_000;
    const posted = await rig.client.call(
      'POST',
      `/api/v1/requests/${id}/log`,
      '{"jobId":"nap@3","try":1,"type":"","startedAt":1,"finishedAt":2,"state":3,"exit":0}',
    );
    expect(posted.status).toBe(201);
    now += 2_000;
    await reaper.sweep();
    expect((await rig.rm.getRequest(id)).state).toBe(STATE_RUNNING);
    now += 10_000;
    await reaper.sweep();
    now += 10_000;
    await reaper.sweep();
    expect((await rig.rm.getRequest(id)).state).toBe(STATE_FAIL);
  });

  it('does nothing while the JR is unreachable or failing', async () => {
    const id = await create();
    for (const failure of ['down', 'failing'] as const) {
      if (failure === 'down') await rig.jobRunnerDown();
      // No real JR answers 500 to a status: a peer on the JR's port does.
      else await rig.replaceJobRunner((_req, res) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end('x'));
      await reaper.sweep();
      now += 60_000;
      await reaper.sweep();
      expect((await rig.rm.getRequest(id)).state, failure).toBe(STATE_RUNNING);
    }
  });

  it('runs on a timer until stopped', async () => {
    const timed = new RequestReaper(rig.rm, { intervalMs: 5, graceMs: 0 });
    const id = await create();
    await rig.restartJobRunner();
    timed.start();
    try {
      await rig.until('ended by the timed reaper', async () => (await rig.rm.getRequest(id)).state === STATE_FAIL);
    } finally {
      await timed.stop();
    }
    expect((await rig.rm.jobLogs(id))[0]).toMatchObject({ try: 0, error: REASONS.jrLost });
  });
});
