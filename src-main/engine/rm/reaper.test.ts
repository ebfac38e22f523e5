// RequestReaper: a RUNNING request the JR does not know is ended after the grace (FAIL, or
// STOPPED when a stop was asked); known ones, ones still receiving logs, and everything while
// the JR is unreachable are left alone.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STATE_FAIL, STATE_RUNNING, STATE_STOPPED } from '../../shared/proto';
import { LinkError } from '../links';
import { EngineStore } from '../store/store';
import { RequestReaper } from './reaper';
import { REASONS, RequestManager } from './request-manager';
import { FakeChainBuilder, FakeJobRunner, unreachable } from './test-doubles';

let now = 1_000_000;
let store: EngineStore;
let jr: FakeJobRunner;
let rm: RequestManager;
let reaper: RequestReaper;

beforeEach(() => {
  store = new EngineStore(':memory:');
  jr = new FakeJobRunner();
  rm = new RequestManager({ store, jobRunner: jr, builder: new FakeChainBuilder(), now: () => now, stopSettleMs: 1 });
  reaper = new RequestReaper(rm, jr, { graceMs: 10_000, now: () => now });
});
afterEach(() => store.close());

const create = async () => (await rm.createRequest({ Type: 'hello', Args: {}, User: '' })).id;
const forgetChain = (id: string) => jr.chains.delete(id);

describe('RequestReaper', () => {
  it('ends a request the JR does not know once the grace has passed', async () => {
    const known = await create();
    const lost = await create();
    forgetChain(lost);
    await reaper.sweep();
    now += 9_999;
    await reaper.sweep();
    expect(rm.getRequest(lost).state).toBe(STATE_RUNNING);
    now += 1;
    await reaper.sweep();
    expect(rm.getRequest(lost).state).toBe(STATE_FAIL);
    expect(rm.jobLogs(lost)).toEqual([expect.objectContaining({ try: 0, state: STATE_FAIL, error: REASONS.jrLost })]);
    expect(rm.getRequest(known).state).toBe(STATE_RUNNING);
  });

  it('ends a lost request STOPPED when a stop was asked', async () => {
    const id = await create();
    jr.failStop = undefined;
    await rm.stopRequest(id); // the fake JR forgets the chain without finishing it
    await reaper.sweep();
    now += 10_000;
    await reaper.sweep();
    expect(rm.getRequest(id).state).toBe(STATE_STOPPED);
    expect(rm.jobLogs(id)[0]?.error).toBe(REASONS.stoppedAndDropped);
  });

  it('waits while job logs keep arriving', async () => {
    const id = await create();
    forgetChain(id);
    await reaper.sweep();
    now += 9_000;
    await rm.createJobLog(id, {
      requestId: id,
      jobId: 'hello@3',
      try: 1,
      type: '',
      startedAt: 1n,
      finishedAt: 2n,
      state: 3,
      exit: 0,
      error: '',
      stdout: '',
      stderr: '',
    });
    now += 2_000;
    await reaper.sweep();
    expect(rm.getRequest(id).state).toBe(STATE_RUNNING);
    now += 10_000;
    await reaper.sweep();
    now += 10_000;
    await reaper.sweep();
    expect(rm.getRequest(id).state).toBe(STATE_FAIL);
  });

  it('does nothing while the JR is unreachable or failing', async () => {
    const id = await create();
    for (const failure of [unreachable(), new LinkError('unsuccessful status code: 500 (response body: x)', 500)]) {
      jr.failStatus = failure;
      await reaper.sweep();
      now += 60_000;
      await reaper.sweep();
      expect(rm.getRequest(id).state).toBe(STATE_RUNNING);
    }
  });

  it('runs on a timer until stopped', async () => {
    const timed = new RequestReaper(rm, jr, { intervalMs: 5, graceMs: 0 });
    const id = await create();
    forgetChain(id);
    timed.start();
    await new Promise((r) => setTimeout(r, 50));
    await timed.stop();
    expect(rm.getRequest(id).state).toBe(STATE_FAIL);
  });
});
