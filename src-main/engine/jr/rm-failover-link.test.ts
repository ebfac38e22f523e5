// A JR with several RMs (`--rm-url A,B`): logs and finish go to the first that answers, in list
// order, and stay with it; with none answering, the chain runs to its end on the JR and what it
// holds is delivered once an RM is back: every log once, finish last. Real HTTP RMs on loopback.

import { afterEach, describe, expect, it } from 'vitest';
import { STATE_COMPLETE } from '../../shared/proto';
import { builtinJobTypes } from '../jobs/builtins';
import { JobFactory } from '../jobs/job';
import { createLogger, silentLogger } from '../log';
import { JobRunner } from './job-runner';
import { FailoverRequestManagerLink } from './rm-failover-link';
import { RequestManagerHttpLink } from './rm-http-link';
import { RecordingRm } from '../../../test/support/engine/jr/recording-rm';
import { noop, wideChain } from '../../../test/support/engine/jr/test-chains';

const fast = { baseDelayMs: 20, maxDelayMs: 100, window: 32 };
let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function setUp() {
  const [a, b] = [await new RecordingRm().start(), await new RecordingRm().start()];
  const lines: string[] = [];
  const link = new FailoverRequestManagerLink(
    [new RequestManagerHttpLink(a.url), new RequestManagerHttpLink(b.url)],
    createLogger('jr', (l) => lines.push(l)),
  );
  const jr = new JobRunner({
    factory: new JobFactory(builtinJobTypes()),
    rm: link,
    logger: silentLogger,
    delivery: fast,
  });
  cleanup.push(
    () => a.close(),
    () => b.close(),
    async () => link.close(),
    () => jr.close({ drainMs: 100 }),
  );
  return { a, b, jr, lines };
}

const middle = (n: number) =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`job${String(i).padStart(2, '0')}`, noop()]));

describe('FailoverRequestManagerLink', () => {
  it('sends to the first RM that answers, in order, and stays with it', async () => {
    const { a, b, jr, lines } = await setUp();
    await a.down();
    await jr.createJobChain(wideChain('r1', middle(20)));
    expect(await b.waitForFinish('r1')).toBe(STATE_COMPLETE);
    expect(b.logsOf('r1')).toHaveLength(22);
    expect(a.calls).toEqual([]);
    expect(lines.filter((l) => l.includes('request manager does not answer; using another'))).toHaveLength(1);

    // B goes away, A is back: the next chain goes to A.
    await b.down();
    await a.start();
    await jr.createJobChain(wideChain('r2', middle(5)));
    expect(await a.waitForFinish('r2')).toBe(STATE_COMPLETE);
    expect(a.logsOf('r2')).toHaveLength(7);
  });

  it('with no RM answering the chain runs on; what it holds is delivered once one is back, once', async () => {
    const { a, b, jr } = await setUp();
    await a.down();
    await b.down();
    await jr.createJobChain(wideChain('r1', middle(30)));
    await new Promise((r) => setTimeout(r, 300));
    expect(jr.activeChains()).toEqual([]); // every job ran; delivery waits
    await b.start();
    expect(await b.waitForFinish('r1')).toBe(STATE_COMPLETE);
    const keys = b.logsOf('r1').map((l) => `${l.jobId}/${l.try}`);
    expect(keys).toHaveLength(32);
    expect(new Set(keys).size).toBe(32);
    expect(b.calls.at(-1)).toBe('PUT /api/v1/requests/r1/finish');
  });
});
