// Issue 14 item 6: PUT /finish from anyone, with any state; extra COMPLETE tries. Real
// `spincycle rm` + `spincycle jr` processes without a secret (the original's shape: the RM
// cannot tell its JR from anyone else, so it asks the JR) and a `spincycle server` (the JR is
// in-process: nothing over HTTP may finish or log).

import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EXAMPLE_SPECS, Tally, send, startPair, startServer, tempDir, until, type EngineProcess } from './harness';

// Real processes on 2 shared cores: starting one takes seconds.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const tally = new Tally('finish abuse');
const temp = tempDir();
let rm: EngineProcess;
let jr: EngineProcess;
let server: EngineProcess;

interface Req {
  id: string;
  state: number;
  totalJobs: number;
  finishedJobs: number;
}
const get = async (base: string, id: string) =>
  JSON.parse((await send(base, { path: `/api/v1/requests/${id}` })).text) as Req;
const logs = async (base: string, id: string) =>
  JSON.parse((await send(base, { path: `/api/v1/requests/${id}/log` })).text) as Array<{
    jobId: string;
    try: number;
    state: number;
  }>;

async function create(base: string, type: string, args: Record<string, string> = {}): Promise<Req> {
  const a = await tally.call(base, { method: 'POST', path: '/api/v1/requests', body: JSON.stringify({ type, args }) });
  expect(a.status, a.text).toBe(201);
  return JSON.parse(a.text) as Req;
}

beforeAll(async () => {
  [{ rm, jr }, server] = await Promise.all([
    startPair(EXAMPLE_SPECS, path.join(temp.dir, 'rm')),
    startServer(EXAMPLE_SPECS, path.join(temp.dir, 'server')),
  ]);
});

afterAll(async () => {
  await Promise.all([rm, jr, server].map((p) => p?.stop()));
  temp.remove();
  console.log(tally.line());
});

describe('finish over HTTP, no peer secret (the original’s JR)', () => {
  it('refuses states no request ends in, and any finish while the JR runs the chain', async () => {
    const r = await create(rm.rmUrl, 'long-job', { seconds: '300' });
    await until('the nap running', async () => {
      const s = await send(jr.jrUrl, { path: `/api/v1/job-chains/${r.id}/status` });
      return s.text.includes('nap@');
    });
    const before = await get(rm.rmUrl, r.id);
    const finish = (body: string) =>
      tally.call(rm.rmUrl, { method: 'PUT', path: `/api/v1/requests/${r.id}/finish`, body });
    for (const [body, status] of [
      ['{"State":0}', 400],
      ['{"State":1}', 400],
      ['{"State":2}', 400],
      ['{"State":5}', 400],
      ['{"State":255}', 400],
      ['{"State":256}', 400],
      ['{"State":-1}', 400],
      ['{"State":3.5}', 400],
      ['{"State":"3"}', 400],
      ['{"State":1e400}', 400],
      ['[3]', 400],
      ['{"State":3}', 409],
      ['{"state":4}', 409],
      ['{"STATE":6}', 409],
    ] as const) {
      const a = await finish(body);
      expect({ body, status: a.status }).toEqual({ body, status });
    }
    expect(await get(rm.rmUrl, r.id)).toEqual(before);
    // PENDING was refused, so start cannot run the chain a second time.
    expect((await tally.call(rm.rmUrl, { method: 'PUT', path: `/api/v1/requests/${r.id}/start` })).status).toBe(400);
    // Stop still works, and every job has its log.
    expect((await tally.call(rm.rmUrl, { method: 'PUT', path: `/api/v1/requests/${r.id}/stop` })).status).toBe(200);
    await until('STOPPED', async () => (await get(rm.rmUrl, r.id)).state === 6);
    const jobs = new Set((await logs(rm.rmUrl, r.id)).map((l) => l.jobId.split('@')[0]));
    const missing = ['say-start', 'nap', 'say-done'].filter((j) => !jobs.has(j));
    tally.lost(missing.length);
    expect(missing).toEqual([]);
    expect((await finish('{"State":3}')).status).toBe(400);
    expect((await get(rm.rmUrl, r.id)).state).toBe(6);
    tally.crashed(rm, jr);
  });

  it('extra COMPLETE tries posted to /log never push finishedJobs past totalJobs', async () => {
    const r = await create(rm.rmUrl, 'hello');
    await until('COMPLETE', async () => (await get(rm.rmUrl, r.id)).state === 3);
    const done = await get(rm.rmUrl, r.id);
    expect(done.finishedJobs).toBe(done.totalJobs);
    const jobIds = [...new Set((await logs(rm.rmUrl, r.id)).map((l) => l.jobId))];
    for (const jobId of jobIds) {
      for (let t = 2; t <= 6; t++) {
        const a = await tally.call(rm.rmUrl, {
          method: 'POST',
          path: `/api/v1/requests/${r.id}/log`,
          body: JSON.stringify({ jobId, try: t, state: 3, exit: 0 }),
        });
        expect(a.status).toBe(201);
      }
    }
    expect(await get(rm.rmUrl, r.id)).toMatchObject({
      state: 3,
      totalJobs: done.totalJobs,
      finishedJobs: done.totalJobs,
    });
  });
});

describe('server: the JR is in-process', () => {
  it('nothing over HTTP may finish a request or log a job', async () => {
    const r = await create(server.rmUrl, 'long-job', { seconds: '300' });
    // start and say-start done: the nap runs.
    await until('the nap running', async () => (await get(server.rmUrl, r.id)).finishedJobs === 2);
    for (const state of [0, 1, 3, 4, 6]) {
      const a = await tally.call(server.rmUrl, {
        method: 'PUT',
        path: `/api/v1/requests/${r.id}/finish`,
        body: `{"State":${state}}`,
      });
      expect(a.status).toBe(403);
      expect(a.text).toMatch(/runs in its own process: only it logs jobs and finishes requests/);
    }
    const log = await tally.call(server.rmUrl, {
      method: 'POST',
      path: `/api/v1/requests/${r.id}/log`,
      body: '{"jobId":"say-done@5","try":1,"state":3}',
    });
    expect(log.status).toBe(403);
    expect(await get(server.rmUrl, r.id)).toMatchObject({ state: 2, finishedJobs: 2 });
    expect((await tally.call(server.rmUrl, { method: 'PUT', path: `/api/v1/requests/${r.id}/stop` })).status).toBe(200);
    await until('STOPPED', async () => (await get(server.rmUrl, r.id)).state === 6);
    tally.crashed(server);
  });
});

describe('tally', () => {
  it('no crash, hang, 5xx or lost data', () => {
    expect(tally.result).toMatchObject({ crashes: 0, hangs: 0, serverErrors: 0, dataLost: 0 });
  });
});
