// Job logs and finish calls reach the RM even when it is down or failing for a while: retried
// with backoff, in order, nothing lost, nothing duplicated; finish goes out after the logs.
import { afterEach, describe, expect, it } from 'vitest';
import { STATE_COMPLETE, STATE_FAIL, type JobLog } from '../../shared/proto';
import { builtinJobTypes } from '../jobs/builtins';
import { JobFactory } from '../jobs/job';
import { LinkError, type RequestManagerLink } from '../links';
import { silentLogger } from '../log';
import { JobRunner } from './job-runner';
import { ChainDelivery } from './log-delivery';
import { RecordingRm } from './recording-rm';
import { RequestManagerHttpLink } from './rm-http-link';
import { chainOf, job, noop } from './test-chains';

const fast = { baseDelayMs: 20, maxDelayMs: 100, giveUpAfterMs: 60_000 };
let cleanup: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

const log = (jobId: string, tryNo = 1): JobLog => ({
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

describe('delivery to a real HTTP RM', () => {
  it('RM down: logs are retried and delivered once it is up, no loss, no duplicates, finish last', async () => {
    const rm = await new RecordingRm().start();
    cleanup.push(() => rm.close());
    await rm.down();
    const jr = new JobRunner({
      factory: new JobFactory(builtinJobTypes()),
      rm: new RequestManagerHttpLink(rm.url),
      logger: silentLogger,
      delivery: fast,
    });
    cleanup.push(() => jr.close({ drainMs: 100 }));
    const middle = Object.fromEntries(
      Array.from({ length: 20 }, (_, i) => [`job${String(i).padStart(2, '0')}`, noop()]),
    );
    await jr.createJobChain(
      chainOf(
        'down-1',
        { start: noop(), ...middle, 'zz-end': noop() },
        Object.keys(middle).flatMap((id): Array<[string, string]> => [
          ['start', id],
          [id, 'zz-end'],
        ]),
      ),
    );
    await new Promise((r) => setTimeout(r, 300)); // the chain is done; the RM still down
    expect(jr.activeChains()).toEqual([]);
    expect(rm.logs).toEqual([]);
    await rm.start();
    expect(await rm.waitForFinish('down-1')).toBe(STATE_COMPLETE);
    const ids = rm.logs.map((l) => `${l.jobId}#${l.try}`);
    expect(ids).toHaveLength(22);
    expect(new Set(ids).size).toBe(22);
    expect(ids[0]).toBe('start#1');
    expect(ids[21]).toBe('zz-end#1');
    expect(rm.calls.at(-1)).toBe('PUT /api/v1/requests/down-1/finish');
  });

  it('RM answering 500 for a while: retried until accepted', async () => {
    const rm = await new RecordingRm().start();
    cleanup.push(() => rm.close());
    rm.failNext = 3;
    const jr = new JobRunner({
      factory: new JobFactory(builtinJobTypes()),
      rm: new RequestManagerHttpLink(rm.url),
      logger: silentLogger,
      delivery: fast,
    });
    cleanup.push(() => jr.close({ drainMs: 100 }));
    await jr.createJobChain(chainOf('fail-500', { a: noop(), b: job('shell', { cmd: 'exit 2' }) }, [['a', 'b']]));
    expect(await rm.waitForFinish('fail-500')).toBe(STATE_FAIL);
    expect(rm.logs.map((l) => `${l.jobId}#${l.try}:${l.exit}`)).toEqual(['a#1:0', 'b#1:2']);
    expect(rm.calls.length).toBe(3 + 3);
  });
});

describe('RequestManagerHttpLink', () => {
  it('reports a refused call with the original client text and the status', async () => {
    const rm = await new RecordingRm().start();
    cleanup.push(() => rm.close());
    rm.failNext = 1;
    const link = new RequestManagerHttpLink(rm.url);
    await expect(link.createJobLog('r', log('a'))).rejects.toEqual(
      new LinkError('unsuccessful status code: 500 (response body: simulated failure)', 500),
    );
    await link.createJobLog('r', log('a'));
    await link.finishRequest('r', STATE_COMPLETE);
    expect(rm.finishes).toEqual([{ requestId: 'r', state: STATE_COMPLETE }]);
  });

  it('an unreachable RM is a LinkError without status', async () => {
    const rm = await new RecordingRm().start();
    await rm.close();
    const err = await new RequestManagerHttpLink(rm.url).finishRequest('r', 3).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LinkError);
    expect((err as LinkError).status).toBeUndefined();
    expect((err as LinkError).message).toMatch(/ECONNREFUSED/);
  });
});

describe('ChainDelivery', () => {
  it('drops what the RM refuses for good (4xx) and moves on', async () => {
    const seen: string[] = [];
    const rm: RequestManagerLink = {
      async createJobLog(_r, l) {
        seen.push(l.jobId);
        if (l.jobId === 'bad') throw new LinkError('unsuccessful status code: 400 (response body: nope)', 400);
      },
      async finishRequest() {
        seen.push('finish');
      },
    };
    const d = new ChainDelivery('r', rm, silentLogger, fast);
    d.log(log('a'));
    d.log(log('bad'));
    d.log(log('c'));
    d.finish(STATE_COMPLETE);
    expect(await d.finished).toBe(true);
    expect(seen).toEqual(['a', 'bad', 'c', 'finish']);
  });

  it('gives up after giveUpAfterMs, loudly', async () => {
    const lines: string[] = [];
    const logger = { info() {}, warn() {}, error: (m: string) => lines.push(m) };
    const rm: RequestManagerLink = {
      createJobLog: () => Promise.reject(new LinkError('down')),
      finishRequest: () => Promise.reject(new LinkError('down')),
    };
    const d = new ChainDelivery('r', rm, logger, { baseDelayMs: 10, maxDelayMs: 10, giveUpAfterMs: 50 });
    d.log(log('a'));
    d.finish(STATE_COMPLETE);
    expect(await d.finished).toBe(false);
    expect(lines).toEqual([
      'cannot reach the request manager; giving up, dropped',
      'cannot reach the request manager; giving up, dropped',
    ]);
  });
});
