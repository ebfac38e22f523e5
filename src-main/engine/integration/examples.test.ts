// End to end over real HTTP: startEngine (RM + JR in one process) on loopback with the example
// specs in resources/specs, a plain fetch client, one scenario per example request type, plus
// the original's recorded answers for bad input and unknown ids against the whole engine.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  STATE_COMPLETE,
  STATE_FAIL,
  STATE_RUNNING,
  STATE_STOPPED,
  STATE_TIMEOUT,
  type JobLog,
} from '../../shared/proto';
import { readExchange } from '../../../test/support/http-fixtures';
import { silentLogger } from '../log';
import { startEngine, type RunningEngine } from '../server';
import { RmClient } from '../../../test/support/engine/integration/rm-client';
import { EXAMPLE_SPECS } from '../../../test/support/engine/integration/test-engine';

let engine: RunningEngine;
let rm: RmClient;

beforeAll(async () => {
  engine = await startEngine({
    specsDir: EXAMPLE_SPECS,
    dataDir: ':memory:',
    rmAddr: '127.0.0.1:0',
    jrAddr: '127.0.0.1:0',
    logger: silentLogger,
  });
  rm = new RmClient(engine.rmUrl);
});
afterAll(() => engine.close());

const byJob = (logs: JobLog[], prefix: string) => logs.filter((l) => l.jobId.startsWith(`${prefix}@`));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('example request types', () => {
  it('hello completes with its stdout in the log', async () => {
    const created = await rm.create('hello', { msg: 'hi <there>' });
    expect(created.state).toBe(STATE_RUNNING);
    const done = await rm.waitDone(created.id);
    expect(done).toMatchObject({ state: STATE_COMPLETE, totalJobs: 3, finishedJobs: 3 });
    expect(done.finishedAt).not.toBeNull();
    const [greet] = byJob(await rm.logs(created.id), 'greet');
    expect(greet).toMatchObject({ try: 1, type: 'shell', state: STATE_COMPLETE, exit: 0 });
    expect(greet?.stdout).toContain('hi <there>\n');
    expect(greet?.stdout).toContain(`request ${created.id}`);
    expect(greet!.finishedAt).toBeGreaterThan(greet!.startedAt);
    expect(greet!.startedAt).toBeGreaterThan(1_600_000_000_000_000_000n);
    const latest = await rm.log(created.id, greet!.jobId);
    expect(latest.type).toBe('shell');
    const status = await rm.status(created.id);
    expect(status.jobChainStatus.jobStatuses?.every((s) => s.state === STATE_COMPLETE)).toBe(true);
  });

  it('long-log prints the number of lines asked for, numbered, in one job log', async () => {
    const { id } = await rm.create('long-log', { lines: '1200' });
    expect((await rm.waitDone(id)).state).toBe(STATE_COMPLETE);
    const [print] = byJob(await rm.logs(id), 'print-lines');
    const lines = print!.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1200);
    expect(lines[0]).toBe('line 1 of 1200');
    expect(lines[1199]).toBe('line 1200 of 1200');
  });

  it('long-log with lines that are not a number fails, saying so', async () => {
    const { id } = await rm.create('long-log', { lines: '12x' });
    expect((await rm.waitDone(id)).state).toBe(STATE_FAIL);
    const [print] = byJob(await rm.logs(id), 'print-lines');
    expect(print).toMatchObject({ exit: 2, stdout: '' });
    expect(print!.stderr).toContain("lines must be a whole number, not '12x'");
  });

  it('fail ends FAIL after 2 tries; the dependent job never runs', async () => {
    const { id } = await rm.create('fail');
    const done = await rm.waitDone(id);
    expect(done.state).toBe(STATE_FAIL);
    const logs = await rm.logs(id);
    const tries = byJob(logs, 'check-disk');
    expect(tries.map((l) => [l.try, l.state, l.exit])).toEqual([
      [1, STATE_FAIL, 3],
      [2, STATE_FAIL, 3],
    ]);
    expect(tries[0]?.stderr).toContain('100% full');
    expect(byJob(logs, 'rotate-logs').filter((l) => l.try > 0)).toEqual([]);
    const status = await rm.status(id);
    const rotate = status.jobChainStatus.jobStatuses?.find((s) => s.jobId.startsWith('rotate-logs@'));
    expect(rotate?.state).not.toBe(STATE_COMPLETE);
  });

  it('flaky completes on try 2, showing its live state between tries', async () => {
    const { id } = await rm.create('flaky');
    let sawRetryWait = false;
    for (let i = 0; i < 100 && !sawRetryWait; i++) {
      const logs = await rm.logs(id);
      if (byJob(logs, 'connect').length === 1) {
        const status = await rm.status(id);
        const connect = status.jobChainStatus.jobStatuses?.find((s) => s.jobId.startsWith('connect@'));
        if (status.request.state === STATE_RUNNING) {
          expect(connect?.state).not.toBe(STATE_FAIL);
          sawRetryWait = true;
        }
      }
      await sleep(20);
    }
    expect(sawRetryWait).toBe(true);
    const done = await rm.waitDone(id);
    expect(done).toMatchObject({ state: STATE_COMPLETE, finishedJobs: done.totalJobs });
    const tries = byJob(await rm.logs(id), 'connect');
    expect(tries.map((l) => [l.try, l.state])).toEqual([
      [1, STATE_FAIL],
      [2, STATE_COMPLETE],
    ]);
    expect((await rm.log(id, tries[0]!.jobId)).try).toBe(2);
  });

  it('long-job stopped ends STOPPED within two seconds, every job logged', async () => {
    const { id } = await rm.create('long-job', { seconds: '300' });
    for (let i = 0; i < 200; i++) {
      const status = await rm.status(id);
      if (status.jobChainStatus.jobStatuses?.some((s) => s.jobId.startsWith('nap@') && s.state === STATE_RUNNING))
        break;
      await sleep(10);
    }
    const running = JSON.parse((await rm.call('GET', '/api/v1/status/running')).text) as {
      jobs: Array<{ jobId: string; requestId: string }>;
      requests: Record<string, unknown>;
    };
    expect(running.jobs.some((j) => j.requestId === id && j.jobId.startsWith('nap@'))).toBe(true);
    expect(Object.keys(running.requests)).toContain(id);
    const t0 = Date.now();
    await rm.stop(id);
    const done = await rm.waitDone(id, 10_000);
    expect(Date.now() - t0).toBeLessThan(10_000); // promptly, not after the 300 s nap
    expect(done.state).toBe(STATE_STOPPED);
    const logs = await rm.logs(id);
    const chain = await rm.chain(id);
    expect(new Set(logs.map((l) => l.jobId))).toEqual(new Set(Object.keys(chain.jobs)));
    expect(byJob(logs, 'nap')[0]?.state).toBe(STATE_STOPPED);
    expect(byJob(logs, 'say-done')[0]).toMatchObject({ try: 0, state: STATE_STOPPED });
  });

  it('timeout: the job ends TIMEOUT and the request FAIL', async () => {
    const { id } = await rm.create('timeout');
    const done = await rm.waitDone(id, 10_000);
    expect(done.state).toBe(STATE_FAIL);
    const logs = await rm.logs(id);
    expect(byJob(logs, 'wait-for-lock')[0]).toMatchObject({ try: 1, state: STATE_TIMEOUT });
    expect(byJob(logs, 'deploy').filter((l) => l.try > 0)).toEqual([]);
  });

  it('rolling-restart over 3 hosts', async () => {
    const { id, totalJobs } = await rm.create('rolling-restart', { hosts: ['web1', 'web2', 'web3'], pause: '0.05' });
    const done = await rm.waitDone(id, 15_000);
    expect(done).toMatchObject({ state: STATE_COMPLETE, finishedJobs: totalJobs });
    const logs = await rm.logs(id);
    expect(logs).toHaveLength(totalJobs);
    const checks = byJob(logs, 'check');
    expect(checks).toHaveLength(3);
    for (const host of ['web1', 'web2', 'web3']) {
      expect(checks.some((c) => c.stdout.includes(`${host}: nginx answers on :443`))).toBe(true);
    }
    expect(byJob(logs, 'report')[0]?.stdout).toBe('rolling restart of nginx finished\n');
  });

  it('fan-out-fan-in: the join starts after all three branches finished', async () => {
    const { id } = await rm.create('fan-out-fan-in', { release: 'v1.4.2', pause: '0.1' });
    const done = await rm.waitDone(id);
    expect(done.state).toBe(STATE_COMPLETE);
    const logs = await rm.logs(id);
    const branches = [...byJob(logs, 'build-linux'), ...byJob(logs, 'build-darwin'), ...byJob(logs, 'unit-tests')];
    expect(branches).toHaveLength(3);
    const [publish] = byJob(logs, 'publish');
    const lastBranchEnd = branches.reduce((m, l) => (l.finishedAt > m ? l.finishedAt : m), 0n);
    expect(publish!.startedAt >= lastBranchEnd).toBe(true);
    // The branches ran in parallel: each started before any other finished.
    const firstBranchEnd = branches.reduce((m, l) => (l.finishedAt < m ? l.finishedAt : m), lastBranchEnd);
    expect(branches.every((b) => b.startedAt < firstBranchEnd)).toBe(true);
  });

  it('lists the example request types sorted', async () => {
    const names = (JSON.parse((await rm.call('GET', '/api/v1/request-list')).text) as Array<{ Name: string }>).map(
      (s) => s.Name,
    );
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(
      expect.arrayContaining(['hello', 'fail', 'flaky', 'long-job', 'long-log', 'timeout', 'rolling-restart']),
    );
  });
});

describe('bad input and unknown ids against the whole engine', () => {
  it('answers as the recordings of the original (where we do not fix it)', async () => {
    for (const file of [
      '082-rm-create-request-empty-type.txt',
      '084-rm-create-request-no-content-type.txt',
      '090-rm-get-request-unknown.txt',
      '091-rm-request-status-unknown.txt',
      '092-rm-get-job-chain-unknown.txt',
      '093-rm-get-full-log-unknown.txt',
      '096-rm-stop-request-unknown.txt',
      '098-rm-unknown-route.txt',
    ]) {
      const x = readExchange(file);
      const a = await rm.call(x.method, x.path, x.request.body || undefined, x.request.headers['content-type'] ?? '');
      expect([file, a.status, a.headers.get('content-type'), a.text]).toEqual([
        file,
        x.response!.status,
        x.response!.headers['content-type'] ?? null,
        x.response!.body,
      ]);
    }
  });

  it('answers 400 where the original answered 500 (grapher errors) and keeps serving', async () => {
    const post = (body: string) => rm.call('POST', '/api/v1/requests', body);
    const unknown = await post('{"type":"nope","args":{}}');
    expect([unknown.status, unknown.text]).toEqual([
      400,
      readExchange('080-rm-create-request-unknown-type.txt').response!.body,
    ]);
    const missing = await post('{"type":"rolling-restart","args":{}}');
    expect(missing.status).toBe(400);
    expect(missing.text).toMatch(/hosts/);
    const extra = await post('{"type":"hello","args":{"bogus":1}}');
    expect([extra.status, extra.text]).toEqual([400, expect.stringMatching(/unknown arg "bogus"/)]);
    const malformed = await post('{"type":');
    expect(malformed.status).toBe(400);
    expect((await post('{"type":"hello"}')).status).toBe(201);
    expect(await rm.call('GET', '/api/v1/requests/abc/log/x@1')).toMatchObject({
      status: 404,
      text: 'job log not found',
    });
  });
});
