// Issue 14 item 8: durations over 2^31 ms fired at once (Node timers overflow). A real
// `spincycle server`: a sleep of 2,200,000 s keeps sleeping, a 3,000,000,000 ms timeout does
// not end a 1 s job, a 3,000,000,000 ms retry wait holds the retry; values past the engine's
// ranges are refused where they enter (request args, spec load).

import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Tally, runSpincycle, send, startServer, tempDir, until, type EngineProcess } from './harness';

// Real processes on 2 shared cores: starting one takes seconds.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const tally = new Tally('durations');
const SPECS = `noop-node: {category: job, type: noop}
sequences:
  nap:
    args:
      required: [{name: seconds, desc: how long}]
    nodes:
      nap:
        type: sleep
        args: [{expected: seconds, given: seconds}]
  long-timeout:
    nodes:
      nap:
        type: sleep
        timeout: 3000000000
        args: [{expected: seconds, value: 1}]
  long-retry-wait:
    nodes:
      fail:
        type: shell
        retry: 2
        retryWait: 3000000000
        args: [{expected: cmd, value: exit 1}]
`;
const specs = tempDir({ 'durations.yaml': SPECS });
const data = tempDir();
let engine: EngineProcess;

interface Req {
  id: string;
  state: number;
}
interface Log {
  jobId: string;
  try: number;
  state: number;
  error: string;
}
const get = async (id: string) =>
  JSON.parse((await send(engine.rmUrl, { path: `/api/v1/requests/${id}` })).text) as Req;
const logs = async (id: string) =>
  JSON.parse((await send(engine.rmUrl, { path: `/api/v1/requests/${id}/log` })).text) as Log[];
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function create(type: string, args: Record<string, unknown> = {}) {
  return tally.call(engine.rmUrl, { method: 'POST', path: '/api/v1/requests', body: JSON.stringify({ type, args }) });
}
async function created(type: string, args: Record<string, unknown> = {}): Promise<Req> {
  const a = await create(type, args);
  expect(a.status, a.text).toBe(201);
  return JSON.parse(a.text) as Req;
}
async function stop(id: string): Promise<void> {
  expect((await tally.call(engine.rmUrl, { method: 'PUT', path: `/api/v1/requests/${id}/stop` })).status).toBe(200);
  await until('STOPPED', async () => (await get(id)).state === 6);
}

beforeAll(async () => {
  engine = await startServer(specs.dir, data.dir);
});

afterAll(async () => {
  await engine?.stop();
  specs.remove();
  data.remove();
  console.log(tally.line());
});

describe('long waits wait', () => {
  it('a sleep of 2,200,000 s keeps sleeping until stopped (it completed in 3 ms)', async () => {
    const r = await created('nap', { seconds: 2_200_000 });
    await until('sleeping', async () =>
      (await send(engine.jrUrl, { path: `/api/v1/job-chains/${r.id}/status` })).text.includes('sleeping 2200000s'),
    );
    await pause(500); // an overflowing timer fires after 1 ms
    expect((await get(r.id)).state).toBe(2);
    await stop(r.id);
    expect((await logs(r.id)).find((l) => l.jobId.startsWith('nap@'))).toMatchObject({
      try: 1,
      state: 6,
      error: expect.stringMatching(/^sleep stopped after \d+\.\ds of 2200000s$/),
    });
    tally.crashed(engine);
  });

  it('a 3,000,000,000 ms timeout lets a 1 s job complete (it fired after 62 ms)', async () => {
    const r = await created('long-timeout');
    await until('finished', async () => (await get(r.id)).state !== 2);
    expect((await get(r.id)).state).toBe(3);
    expect((await logs(r.id)).find((l) => l.jobId.startsWith('nap@'))).toMatchObject({ try: 1, state: 3 });
  });

  it('a 3,000,000,000 ms retry wait holds the retry (it gave 3 tries in 60 ms)', async () => {
    const r = await created('long-retry-wait');
    await until('the first try logged', async () => (await logs(r.id)).some((l) => l.jobId.startsWith('fail@')));
    await pause(500);
    expect((await logs(r.id)).filter((l) => l.jobId.startsWith('fail@')).map((l) => [l.try, l.state])).toEqual([
      [1, 4],
    ]);
    expect((await get(r.id)).state).toBe(2);
    await stop(r.id);
  });
});

describe('values out of range are refused where they enter', () => {
  it('request args: a clear 400, nothing created', async () => {
    for (const [seconds, why] of [
      [1e300, 'seconds 1e+300 is longer than the longest sleep allowed (31536000 s)'],
      [40_000_000, 'seconds 40000000 is longer than the longest sleep allowed (31536000 s)'],
      ['Infinity', 'seconds in job args must be a non-negative number, got "Infinity"'],
      [-1, 'seconds in job args must be a non-negative number, got -1'],
      ['1e999', 'seconds in job args must be a non-negative number, got "1e999"'],
    ] as const) {
      const a = await create('nap', { seconds });
      expect({ seconds, status: a.status }).toEqual({ seconds, status: 400 });
      expect(a.text).toContain(why);
    }
    tally.crashed(engine);
  });

  it('spec load: every out-of-range value named, exit 2', async () => {
    const bad = tempDir({
      'bad.yaml': SPECS.replace('timeout: 3000000000', 'timeout: 40000000000')
        .replace('retryWait: 3000000000', 'retryWait: 1e12')
        .replace('retry: 2', 'retry: 9007199254740991'),
    });
    try {
      const r = await runSpincycle(['server', '--specs', bad.dir, '--data', path.join(bad.dir, 'data')]);
      tally.count();
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('timeout (ms) must be a whole number from 1 to 31536000000, got 40000000000');
      expect(r.stderr).toContain('retryWait (ms) must be a whole number from 0 to 31536000000, got 1000000000000');
      expect(r.stderr).toContain('retry must be a whole number from 0 to 1000, got 9007199254740991');
    } finally {
      bad.remove();
    }
  });
});

describe('tally', () => {
  it('no crash, hang, 5xx or lost data', () => {
    expect(tally.result).toMatchObject({ crashes: 0, hangs: 0, serverErrors: 0, dataLost: 0 });
  });
});
