// Issue 14 item 9: the JR accepted chains the RM would refuse. A real `spincycle rm` +
// `spincycle jr` pair: chains posted straight to the JR with values no spec can produce are
// refused whole with a 400 naming each problem (a shell job in the same chain never runs),
// and the JR keeps serving; the RM refuses the same values with the same rule.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EXAMPLE_SPECS, Tally, send, startPair, tempDir, until, type EngineProcess } from './harness';

// Real processes on 2 shared cores: starting one takes seconds.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const tally = new Tally('hostile chains');
const temp = tempDir();
let rm: EngineProcess;
let jr: EngineProcess;

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64');
/** A chain start -> job -> touch (the touch proves whether anything ran). */
function chain(id: string, job: Record<string, unknown>, extraJobs: Record<string, unknown> = {}): string {
  const touch = path.join(temp.dir, `ran-${id}`);
  return JSON.stringify({
    requestId: id,
    jobs: {
      'start@1': { id: 'start@1', type: 'noop' },
      'job@2': { id: 'job@2', type: 'noop', ...job },
      'touch@3': { id: 'touch@3', type: 'shell', bytes: b64({ cmd: `touch ${touch}` }) },
      ...extraJobs,
    },
    adjacencyList: { 'start@1': ['job@2'], 'job@2': ['touch@3'] },
    state: 1,
  });
}

beforeAll(async () => {
  ({ rm, jr } = await startPair(EXAMPLE_SPECS, path.join(temp.dir, 'rm')));
});

afterAll(async () => {
  await Promise.all([rm, jr].map((p) => p?.stop()));
  temp.remove();
  console.log(tally.line());
});

describe('J1 refuses what the RM would refuse', () => {
  const cases: Array<[string, string, RegExp]> = [
    [
      'retry 2^53-1',
      chain('c1', { retry: 2 ** 53 - 1 }),
      /retry 9007199254740991 is more than the most retries allowed \(1000\)/,
    ],
    ['retry 1001', chain('c2', { retry: 1001 }), /retry 1001 is more than the most retries allowed/],
    ['retryWait 1e12', chain('c3', { retryWait: 1e12 }), /retryWait 1000000000000 ms is longer than the longest wait/],
    ['sleep -1', chain('c4', { type: 'sleep', bytes: b64({ seconds: -1 }) }), /seconds must be a non-negative number/],
    [
      'sleep 1e300',
      chain('c5', { type: 'sleep', bytes: b64({ seconds: 1e300 }) }),
      /longer than the longest sleep allowed/,
    ],
    ['sleep without bytes', chain('c6', { type: 'sleep' }), /sleep job has no bytes to deserialize/],
    [
      'sleep "x"',
      chain('c7', { type: 'sleep', bytes: b64({ seconds: 'x' }) }),
      /seconds must be a non-negative number/,
    ],
    [
      'timeout 3e12',
      chain('c8', { args: { timeout: 3e12 } }),
      /timeout 3000000000000 ms is longer than the longest wait/,
    ],
    ['timeout "soon"', chain('c9', { args: { timeout: 'soon' } }), /timeout \(args.timeout\) must be a number/],
    ['timeout -5', chain('c10', { args: { timeout: -5 } }), /timeout must be a non-negative number of milliseconds/],
    ['unknown job type', chain('c11', { type: 'teleport' }), /job "job@2": unknown job type "teleport"/],
    ['empty job type', chain('c12', { type: '' }), /job "job@2": unknown job type ""/],
    ['shell without cmd', chain('c13', { type: 'shell', bytes: b64({ nope: 1 }) }), /cmd not set or not a string/],
    [
      '__proto__ as a job and adjacency key',
      // (a `__proto__` key in an object literal would set its prototype: the JSON text gets it)
      chain('c14', {})
        .replace('"jobs":{', '"jobs":{"__proto__":{"id":"__proto__","type":"noop"},')
        .replace('"start@1":["job@2"]', '"start@1":["__proto__"],"__proto__":["job@2"]'),
      /"__proto__" is not allowed as a job id/,
    ],
    [
      '1e400 in args',
      chain('c15', { args: { n: 1 } }).replace('"n":1', '"n":1e400'),
      /expected a finite number, got Infinity/,
    ],
    [
      'two problems at once',
      chain('c16', { type: 'teleport', retry: 5000 }),
      /unknown job type "teleport"; job "job@2": retry 5000/,
    ],
  ];

  it.each(cases)('%s: 400, nothing runs', async (_name, body, why) => {
    const a = await tally.call(jr.jrUrl, { method: 'POST', path: '/api/v1/job-chains', body });
    expect(a.status, a.text).toBe(400);
    expect(a.text).toMatch(why);
    const id = (JSON.parse(body.replace('1e400', '1')) as { requestId: string }).requestId;
    expect(existsSync(path.join(temp.dir, `ran-${id}`))).toBe(false);
    expect((await send(jr.jrUrl, { path: `/api/v1/job-chains/${id}/status` })).status).toBe(404);
    tally.crashed(jr);
  });

  it('500 bad jobs: one bounded answer naming 20 and counting the rest', async () => {
    const jobs: Record<string, unknown> = {};
    for (let i = 0; i < 500; i++) jobs[`bad@${i + 4}`] = { id: `bad@${i + 4}`, type: 'x'.repeat(1000) };
    const body = JSON.parse(chain('c17', {})) as {
      jobs: Record<string, unknown>;
      adjacencyList: Record<string, string[]>;
    };
    Object.assign(body.jobs, jobs);
    body.adjacencyList['start@1']!.push(...Object.keys(jobs));
    for (const k of Object.keys(jobs)) body.adjacencyList[k] = ['touch@3'];
    const a = await tally.call(jr.jrUrl, { method: 'POST', path: '/api/v1/job-chains', body: JSON.stringify(body) });
    expect(a.status).toBe(400);
    expect(a.text).toMatch(/; and 480 more$/);
    expect(a.text.length).toBeLessThan(4200);
  });

  it('deep nesting in args is taken, and the JR still runs chains', async () => {
    const deep = `${'['.repeat(50_000)}1${']'.repeat(50_000)}`;
    const body = chain('deep', { args: { n: 1 } }).replace('"n":1', `"n":${deep}`);
    const a = await tally.call(jr.jrUrl, { method: 'POST', path: '/api/v1/job-chains', body });
    expect(a.status).toBe(200);
    await until('the deep chain ran', () => existsSync(path.join(temp.dir, 'ran-deep')));
    tally.crashed(jr, rm);
  });
});

describe('the RM, with the same rule', () => {
  it('refuses the same values in request args (400) and creates nothing', async () => {
    for (const seconds of [-1, 1e300, 'x']) {
      const a = await tally.call(rm.rmUrl, {
        method: 'POST',
        path: '/api/v1/requests',
        body: JSON.stringify({ type: 'long-job', args: { seconds } }),
      });
      expect(a.status).toBe(400);
      expect(a.text).toMatch(/^Error creating 'sleep nap@\d+' job: seconds in job args/);
    }
    tally.crashed(rm, jr);
  });
});

describe('tally', () => {
  it('no crash, hang, 5xx or lost data', () => {
    expect(tally.result).toMatchObject({ crashes: 0, hangs: 0, serverErrors: 0, dataLost: 0 });
  });
});
