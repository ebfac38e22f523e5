// How our JR delivers job logs several to a call (`POST …/logs`, log-batch-wire.ts): to our RM
// over real HTTP, far fewer calls than logs; to the original (its recordings replayed on
// loopback) the batch route's 404 is found once and remembered, and every log goes to R8 alone
// as before; and each log of a batch is settled by its own outcome (stored, already stored,
// refused, or retried alone after a backoff), the finish call only after all of them.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { STATE_COMPLETE, STATE_FAIL, decodeJobLog, parseWire } from '../../shared/proto';
import { builtinJobTypes } from '../jobs/builtins';
import { JobFactory } from '../jobs/job';
import { LinkError, type RequestManagerLink } from '../links';
import { silentLogger, type Logger } from '../log';
import { JobRunner } from './job-runner';
import { ChainDelivery, DEFAULT_DELIVERY_POLICY } from './log-delivery';
import { RequestManagerHttpLink } from './rm-http-link';
import { readExchange } from '../../../test/support/http-fixtures';
import { replayOriginal } from '../../../test/support/original-world';
import { chainOf, noop, completedLog } from '../../../test/support/engine/jr/test-chains';
import { RM_TEST_SPECS, startRig } from '../../../test/support/engine/rm/test-rig';
import { tempDir } from '../../../test/support/engine/integration/test-engine';

let cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

const fast = { ...DEFAULT_DELIVERY_POLICY, baseDelayMs: 20, maxDelayMs: 100 };

/** start -> n noop jobs -> zz-end */
function wideChain(requestId: string, n: number) {
  const middle = Object.fromEntries(Array.from({ length: n }, (_, i) => [`job${String(i).padStart(3, '0')}`, noop()]));
  return chainOf(
    requestId,
    { start: noop(), ...middle, 'zz-end': noop() },
    Object.keys(middle).flatMap((id): Array<[string, string]> => [
      ['start', id],
      [id, 'zz-end'],
    ]),
  );
}

const log = completedLog;

/** The RM tests' specs plus `wide`: one noop job per element of `items`. */
function wideSpecs() {
  const specs = tempDir({
    'rm-test.yaml': RM_TEST_SPECS,
    'wide.yaml': `sequences:
  wide:
    args:
      required:
        - {name: items, desc: one noop per element}
    nodes:
      work: {category: job, type: noop, each: 'items:item'}
`,
  });
  cleanup.push(() => specs.remove());
  return specs;
}

describe('to our RM over HTTP', () => {
  it('a chain of 202 jobs: its logs go several to a call, each stored once, finish last', async () => {
    const specs = wideSpecs();
    const calls: string[] = [];
    const rig = await startRig({ specsDir: specs.dir, onCall: (method, path) => calls.push(`${method} ${path}`) });
    cleanup.push(() => rig.close());
    const r = await rig.client.create('wide', { items: Array.from({ length: 198 }, (_, i) => `i${i}`) });
    expect(r.totalJobs).toBe(202);
    expect(await rig.client.waitDone(r.id)).toMatchObject({ state: STATE_COMPLETE, finishedJobs: 202 });
    expect(await rig.client.logs(r.id)).toHaveLength(202);
    // The JR's calls (the test's own are GETs).
    const ofRequest = calls.filter((c) => c.includes(r.id) && !c.startsWith('GET'));
    const batches = ofRequest.filter((c) => c === `POST /api/v1/requests/${r.id}/logs`);
    expect(ofRequest.filter((c) => c === `POST /api/v1/requests/${r.id}/log`)).toEqual([]);
    expect(batches.length).toBeGreaterThanOrEqual(1);
    expect(batches.length).toBeLessThan(202 / 4);
    expect(ofRequest.at(-1)).toBe(`PUT /api/v1/requests/${r.id}/finish`);
  });

  it("a batch over the RM's body limit (413) is sent again one log per call: nothing dropped", async () => {
    const specs = wideSpecs();
    const calls: string[] = [];
    const rig = await startRig({
      specsDir: specs.dir,
      maxBodyBytes: 2048,
      onCall: (method, path) => calls.push(`${method} ${path}`),
    });
    cleanup.push(() => rig.close());
    const r = await rig.client.create('wide', { items: Array.from({ length: 60 }, (_, i) => `i${i}`) });
    expect(await rig.client.waitDone(r.id)).toMatchObject({ state: STATE_COMPLETE, finishedJobs: 64 });
    expect(await rig.client.logs(r.id)).toHaveLength(64);
    const posts = calls.filter((c) => c.startsWith(`POST /api/v1/requests/${r.id}/`));
    expect(posts.filter((c) => c.endsWith('/logs')).length).toBeGreaterThanOrEqual(1);
    expect(posts.filter((c) => c.endsWith('/log')).length).toBeGreaterThan(32);
  });
});

describe('to the original RM (its recordings replayed)', () => {
  it('the batch route is a 404: found once, remembered, every log posted alone to R8', async () => {
    // The recorded R8 and R4 answers are for this request id; anything else is the original
    // router's 404 `Not Found` (fixture 098).
    const id = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa04';
    const original = await replayOriginal([
      readExchange('140-rm-create-job-log.txt'),
      readExchange('151-rm-finish-request.txt'),
    ]);
    cleanup.push(() => original.close());
    const infos: string[] = [];
    const logger: Logger = { ...silentLogger, info: (m: string) => infos.push(m) };
    const jr = new JobRunner({
      factory: new JobFactory(builtinJobTypes()),
      rm: new RequestManagerHttpLink(original.url, { logger }),
      logger: silentLogger,
      delivery: fast,
    });
    cleanup.push(() => jr.close({ drainMs: 100 }));
    const finishes = () => original.received.filter((c) => c.method === 'PUT').length;
    for (const round of [1, 2]) {
      await jr.createJobChain(wideChain(id, 30));
      await vi.waitUntil(() => finishes() === round, { timeout: 15_000, interval: 10 });
      // The JR forgets the chain once its finish was answered.
      await vi.waitUntil(async () => (await jr.describe()).chains.length === 0, { timeout: 15_000, interval: 10 });
    }
    const received = original.received.map((c) => `${c.method} ${c.path}`);
    // One try of the batch route in all: the second chain's logs go straight to R8.
    expect(received.filter((c) => c.endsWith('/logs'))).toEqual([`POST /api/v1/requests/${id}/logs`]);
    expect(received.indexOf(`POST /api/v1/requests/${id}/logs`)).toBe(0);
    const singles = original.received.filter((c) => c.method === 'POST' && c.path.endsWith('/log'));
    expect(singles).toHaveLength(64);
    const jobIds = singles.map((c) => decodeJobLog(parseWire(c.body)).jobId);
    expect(new Set(jobIds.slice(0, 32)).size).toBe(32);
    expect(new Set(jobIds.slice(32)).size).toBe(32);
    expect(singles.every((c) => c.headers['content-type'] === 'application/json')).toBe(true);
    // Each finish came after the logs of its chain.
    expect(received.filter((c) => c.startsWith('PUT'))).toEqual([
      `PUT /api/v1/requests/${id}/finish`,
      `PUT /api/v1/requests/${id}/finish`,
    ]);
    expect(received[33]).toBe(`PUT /api/v1/requests/${id}/finish`);
    expect(received.at(-1)).toBe(`PUT /api/v1/requests/${id}/finish`);
    expect(infos.filter((m) => m.includes('no job-log batch route'))).toHaveLength(1);
  });
});

describe('ChainDelivery with a link that takes several logs a call', () => {
  it('settles each log of a batch by its own outcome: stored, already there, refused, or retried alone', async () => {
    const calls: string[][] = [];
    const errors: string[] = [];
    let transientLeft = 2;
    const rm: RequestManagerLink = {
      createJobLog: () => Promise.reject(new Error('not used: the link takes batches')),
      async createJobLogs(_r, logs) {
        calls.push(logs.map((l) => l.jobId));
        return logs.map((l) => {
          if (l.jobId === 'dup')
            return new LinkError('unsuccessful status code: 409 (response body: job log already exists (x))', 409);
          if (l.jobId === 'bad')
            return new LinkError(
              'unsuccessful status code: 400 (response body: job "bad" is not in the job chain)',
              400,
            );
          if (l.jobId === 'full' && transientLeft-- > 0)
            return new LinkError('unsuccessful status code: 507 (response body: disk full)', 507);
          return null;
        });
      },
      async finishRequest() {
        calls.push(['finish']);
      },
    };
    const logger: Logger = { ...silentLogger, error: (m: string) => errors.push(m) };
    const d = new ChainDelivery('r', rm, logger, fast);
    for (const id of ['a', 'dup', 'bad', 'full', 'b']) d.log(log(id));
    d.finish(STATE_FAIL);
    expect(await d.finished).toBe(true);
    // One call for all five, then the disk-full log alone until it is stored, then finish.
    expect(calls).toEqual([['a', 'dup', 'bad', 'full', 'b'], ['full'], ['full'], ['finish']]);
    expect(errors).toEqual(['the request manager refused; dropped']);
    expect(d.pending).toBe(0);
  });

  it('a batch that is not answered: the oldest log alone probes the RM, then the window reopens; each log stored once', async () => {
    const stored: string[] = [];
    const sizes: number[] = [];
    let down = true;
    let inFlight = 0;
    let maxInFlight = 0;
    const rm: RequestManagerLink = {
      createJobLog: () => Promise.reject(new Error('not used')),
      async createJobLogs(_r, logs) {
        sizes.push(logs.length);
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await new Promise((r) => setTimeout(r, 2));
        inFlight--;
        if (down) throw new LinkError('connect ECONNREFUSED');
        stored.push(...logs.map((l) => l.jobId));
        return logs.map(() => null);
      },
      async finishRequest() {
        stored.push('finish');
      },
    };
    const d = new ChainDelivery('r', rm, silentLogger, { ...fast, batchWindow: 2, maxBatch: 50 });
    const ids = Array.from({ length: 300 }, (_, i) => `j${String(i).padStart(3, '0')}`);
    for (const id of ids.slice(0, 120)) d.log(log(id));
    await vi.waitUntil(() => sizes.length >= 5, { timeout: 15_000, interval: 5 });
    // The first calls carried up to 50 logs, two at a time; since they failed, one log a call.
    expect(sizes.slice(0, 2)).toEqual([50, 50]);
    expect(sizes.slice(2).every((n) => n === 1)).toBe(true);
    for (const id of ids.slice(120)) d.log(log(id));
    down = false;
    d.finish(STATE_COMPLETE);
    expect(await d.finished).toBe(true);
    expect(maxInFlight).toBeLessThanOrEqual(2);
    expect(stored[0]).toBe('j000');
    expect(stored.at(-1)).toBe('finish');
    expect(stored.slice(0, -1).sort()).toEqual(ids);
    expect(Math.max(...sizes)).toBe(50);
  });

  it('the RM has no batch route (null): the logs go again one per call, up to `window` at once', async () => {
    const singles: string[] = [];
    let batchCalls = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    const rm: RequestManagerLink = {
      async createJobLog(_r, l) {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await new Promise((r) => setTimeout(r, 1));
        inFlight--;
        singles.push(l.jobId);
      },
      async createJobLogs() {
        batchCalls++;
        return null;
      },
      async finishRequest() {
        singles.push('finish');
      },
    };
    const d = new ChainDelivery('r', rm, silentLogger, { ...fast, window: 4 });
    const ids = Array.from({ length: 40 }, (_, i) => `j${String(i).padStart(2, '0')}`);
    for (const id of ids) d.log(log(id));
    d.finish(STATE_COMPLETE);
    expect(await d.finished).toBe(true);
    expect(batchCalls).toBe(1);
    expect(maxInFlight).toBe(4);
    expect(singles.slice(0, -1).sort()).toEqual(ids);
    expect(singles.at(-1)).toBe('finish');
  });
});
