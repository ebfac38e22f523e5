// Job logs and finish calls reach the RM even when it is down or failing for a while: retried
// with backoff, several logs of a chain in flight at once (a bounded window), nothing lost,
// nothing duplicated (a 409 `job log already exists` to a retry counts as delivered); finish
// goes out only after every log was acknowledged.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { STATE_COMPLETE, STATE_FAIL } from '../../shared/proto';
import { builtinJobTypes } from '../jobs/builtins';
import { JobFactory } from '../jobs/job';
import { LinkError, type RequestManagerLink } from '../links';
import { silentLogger } from '../log';
import { JobRunner } from './job-runner';
import { ChainDelivery } from './log-delivery';
import { RecordingRm } from '../../../test/support/engine/jr/recording-rm';
import { RequestManagerHttpLink } from './rm-http-link';
import { chainOf, job, noop, completedLog } from '../../../test/support/engine/jr/test-chains';

const fast = { baseDelayMs: 20, maxDelayMs: 100, giveUpAfterMs: 60_000, window: 32, batchWindow: 2, maxBatch: 1000 };
let cleanup: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

const log = completedLog;

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
    // The chain is done while the RM is still down: its logs wait in the JR.
    await vi.waitUntil(() => jr.activeChains().length === 0, { timeout: 15_000, interval: 10 });
    expect(rm.logs).toEqual([]);
    await rm.start();
    expect(await rm.waitForFinish('down-1')).toBe(STATE_COMPLETE);
    const ids = rm.logs.map((l) => `${l.jobId}#${l.try}`);
    expect(ids).toHaveLength(22);
    expect(new Set(ids).size).toBe(22);
    // While the RM is failing one call at a time probes it, the oldest log first.
    expect(ids[0]).toBe('start#1');
    expect(ids).toContain('zz-end#1');
    expect(rm.calls.at(-1)).toBe('PUT /api/v1/requests/down-1/finish');
    expect(rm.calls.filter((c) => c.startsWith('PUT'))).toHaveLength(1);
    expect(rm.finishesWithLogsInFlight).toBe(0);
  });

  it('many logs in flight per chain, bounded by the window; finish only after every log', async () => {
    const rm = await new RecordingRm().start();
    cleanup.push(() => rm.close());
    const jr = new JobRunner({
      factory: new JobFactory(builtinJobTypes()),
      rm: new RequestManagerHttpLink(rm.url),
      logger: silentLogger,
      delivery: { ...fast, window: 8 },
    });
    cleanup.push(() => jr.close({ drainMs: 100 }));
    const middle = Object.fromEntries(
      Array.from({ length: 200 }, (_, i) => [`job${String(i).padStart(3, '0')}`, noop()]),
    );
    await jr.createJobChain(
      chainOf(
        'window-1',
        { start: noop(), ...middle, 'zz-end': noop() },
        Object.keys(middle).flatMap((id): Array<[string, string]> => [
          ['start', id],
          [id, 'zz-end'],
        ]),
      ),
    );
    expect(await rm.waitForFinish('window-1')).toBe(STATE_COMPLETE);
    expect(rm.logs).toHaveLength(202);
    expect(new Set(rm.logs.map((l) => l.jobId)).size).toBe(202);
    expect(rm.maxConcurrentLogs).toBeGreaterThan(1);
    expect(rm.maxConcurrentLogs).toBeLessThanOrEqual(8);
    expect(rm.finishesWithLogsInFlight).toBe(0);
    expect(rm.calls.at(-1)).toBe('PUT /api/v1/requests/window-1/finish');
  });

  it('an answer lost after the RM stored the log: the retry gets 409, counted as delivered, no duplicate', async () => {
    const rm = await new RecordingRm().start();
    cleanup.push(() => rm.close());
    rm.hangAfterStoringNext = 2;
    const lines: string[] = [];
    const logger = { info() {}, warn() {}, error: (m: string) => lines.push(m) };
    const jr = new JobRunner({
      factory: new JobFactory(builtinJobTypes()),
      rm: new RequestManagerHttpLink(rm.url, { timeoutMs: 100 }),
      logger,
      delivery: fast,
    });
    cleanup.push(() => jr.close({ drainMs: 100 }));
    await jr.createJobChain(
      chainOf('lost-1', { a: noop(), b: noop(), c: noop() }, [
        ['a', 'b'],
        ['b', 'c'],
      ]),
    );
    expect(await rm.waitForFinish('lost-1')).toBe(STATE_COMPLETE);
    expect(rm.logs.map((l) => l.jobId).sort()).toEqual(['a', 'b', 'c']);
    expect(rm.calls.filter((c) => c.startsWith('POST')).length).toBeGreaterThan(3);
    expect(lines).toEqual([]);
    expect(await jr.whenSettled('lost-1')).toBe(STATE_COMPLETE);
  });

  it('100 chains at once over HTTP: every log stored exactly once, each finish after its logs', async () => {
    const rm = await new RecordingRm().start();
    cleanup.push(() => rm.close());
    const jr = new JobRunner({
      factory: new JobFactory(builtinJobTypes()),
      rm: new RequestManagerHttpLink(rm.url, { maxSockets: 16 }),
      logger: silentLogger,
      delivery: fast,
    });
    cleanup.push(() => jr.close({ drainMs: 100 }));
    const middle = Object.fromEntries(
      Array.from({ length: 30 }, (_, i) => [`job${String(i).padStart(2, '0')}`, noop()]),
    );
    const edges = Object.keys(middle).flatMap((id): Array<[string, string]> => [
      ['start', id],
      [id, 'zz-end'],
    ]);
    const ids = Array.from({ length: 100 }, (_, i) => `many-${i}`);
    for (const id of ids) await jr.createJobChain(chainOf(id, { start: noop(), ...middle, 'zz-end': noop() }, edges));
    for (const id of ids) expect(await rm.waitForFinish(id)).toBe(STATE_COMPLETE);
    expect(rm.logs).toHaveLength(100 * 32);
    expect(new Set(rm.logs.map((l) => `${l.requestId} ${l.jobId} ${l.try}`)).size).toBe(100 * 32);
    expect(rm.finishes).toHaveLength(100);
    for (const id of ids) {
      const last = rm.calls.lastIndexOf(`POST /api/v1/requests/${id}/log`);
      expect(rm.calls.indexOf(`PUT /api/v1/requests/${id}/finish`)).toBeGreaterThan(last);
    }
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

  it('an RM that does not answer: a LinkError without status after the timeout', async () => {
    const rm = await new RecordingRm().start();
    cleanup.push(() => rm.close());
    rm.hangAfterStoringNext = 1;
    const err = await new RequestManagerHttpLink(rm.url, { timeoutMs: 50 })
      .createJobLog('r', log('a'))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LinkError);
    expect((err as LinkError).status).toBeUndefined();
    expect((err as LinkError).message).toMatch(/no answer within 50ms/);
  });

  it('a 409 keeps the exact original error text', async () => {
    const rm = await new RecordingRm().start();
    cleanup.push(() => rm.close());
    const link = new RequestManagerHttpLink(rm.url);
    await link.createJobLog('r', log('a'));
    await expect(link.createJobLog('r', log('a'))).rejects.toEqual(
      new LinkError(
        'unsuccessful status code: 409 (response body: job log already exists (request r, job a, try 1))',
        409,
      ),
    );
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

  it('keeps at most `window` logs in flight, one probe at a time while failing, finish last', async () => {
    const events: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    let failing = true;
    const attempts = new Map<string, number>();
    const rm: RequestManagerLink = {
      async createJobLog(_r, l) {
        attempts.set(l.jobId, (attempts.get(l.jobId) ?? 0) + 1);
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await new Promise((r) => setTimeout(r, 1));
        inFlight--;
        if (failing) throw new LinkError('connect ECONNREFUSED');
        events.push(l.jobId);
      },
      async finishRequest() {
        events.push(`finish (in flight: ${inFlight})`);
      },
    };
    const d = new ChainDelivery('r', rm, silentLogger, { ...fast, window: 4 });
    for (let i = 0; i < 20; i++) d.log(log(`j${String(i).padStart(2, '0')}`));
    d.finish(STATE_COMPLETE);
    await vi.waitUntil(() => (attempts.get('j00') ?? 0) >= 4, { timeout: 15_000, interval: 5 });
    expect(maxInFlight).toBe(4);
    // The first window failed; since then only j00 was retried, one call at a time.
    expect([...attempts.keys()]).toEqual(['j00', 'j01', 'j02', 'j03']);
    expect(attempts.get('j00')).toBeGreaterThan(2);
    expect(attempts.get('j01')).toBe(1);
    maxInFlight = 0;
    failing = false;
    expect(await d.finished).toBe(true);
    expect(maxInFlight).toBeLessThanOrEqual(4);
    expect(events[0]).toBe('j00');
    expect(events.at(-1)).toBe('finish (in flight: 0)');
    expect(new Set(events.slice(0, -1)).size).toBe(20);
    expect(events).toHaveLength(21);
    expect(d.pending).toBe(0);
  });

  it('a 409 `job log already exists` counts as delivered, other 4xx are dropped', async () => {
    const lines: string[] = [];
    const logger = { info() {}, warn() {}, error: (m: string) => lines.push(m) };
    const rm: RequestManagerLink = {
      async createJobLog(_r, l) {
        if (l.jobId === 'dup')
          throw new LinkError('unsuccessful status code: 409 (response body: job log already exists (x))', 409);
      },
      async finishRequest() {},
    };
    const d = new ChainDelivery('r', rm, logger, fast);
    d.log(log('dup'));
    d.finish(STATE_COMPLETE);
    expect(await d.finished).toBe(true);
    expect(lines).toEqual([]);
  });

  it('gives up after giveUpAfterMs, loudly', async () => {
    const lines: string[] = [];
    const logger = { info() {}, warn() {}, error: (m: string) => lines.push(m) };
    const rm: RequestManagerLink = {
      createJobLog: () => Promise.reject(new LinkError('down')),
      finishRequest: () => Promise.reject(new LinkError('down')),
    };
    const d = new ChainDelivery('r', rm, logger, { ...fast, baseDelayMs: 10, maxDelayMs: 10, giveUpAfterMs: 50 });
    d.log(log('a'));
    d.finish(STATE_COMPLETE);
    expect(await d.finished).toBe(false);
    expect(lines).toEqual([
      'cannot reach the request manager; giving up, dropped',
      'cannot reach the request manager; giving up, dropped',
    ]);
  });
});
