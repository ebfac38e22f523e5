// The 2017 adapter against the original's recorded answers (replayed by a real loopback server
// that also answers as its router does): detection, and the console model it maps them onto.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedAfterEach } from '../../../test/support/closing';
import { readExchange } from '../../../test/support/http-fixtures';
import { replayOriginal } from '../../../test/support/original-world';
import type { ReplayServer } from '../../../test/support/replay-server';
import { RequestState, stateLabel } from '../../shared/console-model';
import { EmbeddedEngine } from '../embedded-engine';
import { connectRm } from './connection';
import type { RmApi } from './rm-api';
import { RmClientError } from './transport';

let peer: ReplayServer | undefined;
let api: RmApi | undefined;
const closed = closedAfterEach();

const DEMO = 'e9545fc149a84503b4ae49021ef7353c';

async function original(...files: string[]): Promise<RmApi> {
  peer = closed(await replayOriginal(files.map(readExchange)));
  api = closed(await connectRm({ baseUrl: peer.url, label: 'old', backoffMs: 5 }));
  return api;
}

describe('the 2017 adapter against the original', () => {
  it('detects a 2017 server that cannot list its requests (/version 404, GET /api/v1/requests 405)', async () => {
    const rm = await original();
    expect(rm.server).toEqual({ generation: '2017', version: null, canFind: false });
    expect(peer?.received.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /version',
      'GET /api/v1/requests?limit=1',
    ]);
  });

  it('says so when asked to find requests, and asks nothing', async () => {
    const rm = await original();
    const before = peer?.received.length;
    const err = await rm.findRequests({}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RmClientError);
    expect(err).toMatchObject({ kind: 'unsupported' });
    expect((err as Error).message).toMatch(/cannot list its requests/);
    expect(peer?.received.length).toBe(before);
  });

  it('a request, its chain and statuses, with job ids as the only names', async () => {
    const rm = await original(
      '021-rm-get-request-running.txt',
      '022-rm-request-status-running.txt',
      '023-rm-get-job-chain.txt',
    );
    const r = await rm.getRequest(DEMO);
    expect(r).toMatchObject({ id: DEMO, type: 'demo', state: RequestState.RUNNING, args: null });
    const chain = await rm.jobChain(DEMO);
    expect(chain.jobs.find((j) => j.id === 'flaky@5')).toMatchObject({ name: null, type: 'flaky' });
    const { statuses, logs } = await rm.jobStatuses(DEMO);
    expect(logs).toBeNull();
    expect(statuses.find((s) => s.jobId === 'nap@4')).toMatchObject({
      name: null,
      state: RequestState.RUNNING,
      try: null,
      status: expect.stringMatching(/^sleeping/),
    });
  });

  it('running jobs start at their runtime counted back from when the list was read', async () => {
    const rm = await original('024-rm-status-running-busy.txt');
    const before = Date.now();
    const running = await rm.running();
    const after = Date.now();
    const [job] = running.jobs;
    expect(job).toMatchObject({ requestId: DEMO, jobId: 'nap@4', state: RequestState.RUNNING });
    const recorded = JSON.parse(readExchange('024-rm-status-running-busy.txt').response?.body ?? '{}') as {
      jobs: Array<{ runtime: number }>;
    };
    const runtimeMs = (recorded.jobs[0]?.runtime ?? 0) * 1000;
    expect(job?.startedMs).toBeGreaterThanOrEqual(before - runtimeMs);
    expect(job?.startedMs).toBeLessThanOrEqual(after - runtimeMs);
    expect(running.requests.map((r) => r.id)).toEqual([DEMO]);
  });

  it('every try of every job; a job with no log (never ran, or unknown) is null', async () => {
    const rm = await original(
      '043-rm-get-full-log-failed.txt',
      '046-rm-get-job-log-never-run.txt',
      '094-rm-get-job-log-unknown-job.txt',
    );
    const logs = await rm.jobLogs('0d582109f3cf489b82922b3b82b3ad53');
    expect(logs.filter((l) => l.jobId === 'doomed@9').map((l) => [l.try, l.exit, stateLabel(l.state)])).toEqual([
      [1, 7, 'FAIL'],
      [2, 7, 'FAIL'],
    ]);
    expect(logs.every((l) => l.name === null && typeof l.startedAt === 'bigint')).toBe(true);
    const never = readExchange('046-rm-get-job-log-never-run.txt');
    const [, , , , request, , jobId] = never.path.split('/');
    expect(await rm.jobLog(request as string, jobId as string)).toBeNull();
    const unknown = readExchange('094-rm-get-job-log-unknown-job.txt');
    const parts = unknown.path.split('/');
    expect(await rm.jobLog(parts[4] as string, parts[6] as string)).toBeNull();
  });

  it('request types: Required becomes required, the rest optional with their text defaults', async () => {
    const rm = await original('010-rm-request-list.txt');
    const demo = (await rm.requestTypes()).find((t) => t.name === 'demo');
    expect(demo?.args.find((a) => a.name === 'msg')).toMatchObject({ kind: 'required', default: null });
    expect(demo?.args.filter((a) => a.kind === 'optional').every((a) => typeof a.default === 'string')).toBe(true);
  });

  it('a created request keeps the args it was created with', async () => {
    const rm = await original('020-rm-create-request-demo.txt');
    const r = await rm.createRequest('demo', { msg: 'world', sleepSeconds: '6' }, '');
    expect(r).toMatchObject({ id: DEMO, args: { msg: 'world', sleepSeconds: '6' } });
  });
});

describe('the 2017 adapter against our RM', () => {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  let engine: EmbeddedEngine;
  let rm: RmApi;
  beforeAll(async () => {
    engine = new EmbeddedEngine({
      cliPath: path.join(root, 'bin/spincycle.js'),
      specsDir: path.join(root, 'resources/specs'),
      dataDir: mkdtempSync(path.join(tmpdir(), 'sc-adapter-engine-')),
    });
    rm = await connectRm({ baseUrl: await engine.start(), label: 'local' });
  });
  afterAll(async () => {
    rm.close();
    await engine.stop();
  });

  const ended = async (id: string) => {
    for (let i = 0; i < 200; i++) {
      const r = await rm.getRequest(id);
      if (r.state !== RequestState.PENDING && r.state !== RequestState.RUNNING) return r;
      await new Promise((done) => setTimeout(done, 50));
    }
    throw new Error(`request ${id} did not end`);
  };

  it('detects a 2017-protocol server that lists its requests', () => {
    expect(rm.server).toEqual({ generation: '2017', version: null, canFind: true });
  });

  it('finds requests on the server, with the args they were created with', async () => {
    const a = await rm.createRequest('hello', { msg: 'from a' }, 'alice');
    const b = await rm.createRequest('hello', {}, 'bob');
    expect((await ended(a.id)).state).toBe(RequestState.COMPLETE);
    expect((await ended(b.id)).state).toBe(RequestState.COMPLETE);
    const found = await rm.findRequests({ type: 'hello', args: [['msg', 'from a']] });
    expect(found.requests.map((r) => [r.id, r.user, r.args])).toEqual([[a.id, 'alice', { msg: 'from a' }]]);
    // Ours says how many match in all.
    expect(found.total).toBe(1);
    // Not given: the default it ran with.
    expect((await rm.getRequest(b.id)).args).toEqual({ msg: 'hello from Spin Cycle' });
    const page = await rm.findRequests({ states: [RequestState.COMPLETE, RequestState.SUSPENDED], limit: 1 });
    expect(page.requests.map((r) => r.id)).toEqual([b.id]);
    expect(page.total).toBeGreaterThanOrEqual(2);
  });

  it('asks nothing for SUSPENDED alone, which a 2017 server never holds', async () => {
    expect(await rm.findRequests({ states: [RequestState.SUSPENDED] })).toEqual({ requests: [], total: 0 });
  });
});
