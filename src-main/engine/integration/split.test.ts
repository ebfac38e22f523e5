// `spincycle rm` + `spincycle jr` shape: two servers in this process, each reaching the other
// only over HTTP (JobRunnerHttpLink, RequestManagerHttpLink), running chains to the end, a stop,
// and a JR killed under a running request (the reaper resumes the chain once a JR answers).

import { afterEach, describe, expect, it, vi } from 'vitest';
import { STATE_COMPLETE, STATE_FAIL, STATE_RUNNING, STATE_STOPPED } from '../../shared/proto';
import { createLogger, silentLogger } from '../log';
import { startJobRunner, startRequestManager, type RunningJobRunner, type RunningRequestManager } from '../server';
import { RmClient } from '../../../test/support/engine/integration/rm-client';
import { EXAMPLE_SPECS, crash, freePort, spawnCli } from '../../../test/support/engine/integration/test-engine';

let rmServer: RunningRequestManager | undefined;
let jrServer: RunningJobRunner | undefined;
afterEach(async () => {
  await jrServer?.close();
  await rmServer?.close();
  jrServer = rmServer = undefined;
});

async function start(reaper = { intervalMs: 100, graceMs: 300 }) {
  const [rmPort, jrPort] = [await freePort(), await freePort()];
  rmServer = await startRequestManager({
    specsDir: EXAMPLE_SPECS,
    dataDir: ':memory:',
    addr: `127.0.0.1:${rmPort}`,
    jrUrls: [`http://127.0.0.1:${jrPort}`],
    logger: silentLogger,
    reaper,
  });
  jrServer = await startJobRunner({ addr: `127.0.0.1:${jrPort}`, rmUrls: [rmServer.url], logger: silentLogger });
  return new RmClient(rmServer.url);
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`still not: ${what}, after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('separate RM and JR over HTTP', () => {
  it('runs chains to the end with every log stored', async () => {
    const rm = await start();
    const hello = await rm.create('hello');
    const fan = await rm.create('fan-out-fan-in', { release: 'v2', pause: '0.05' });
    for (const r of [hello, fan]) {
      const done = await rm.waitDone(r.id);
      expect(done).toMatchObject({ state: STATE_COMPLETE, finishedJobs: r.totalJobs });
      expect(await rm.logs(r.id)).toHaveLength(r.totalJobs);
    }
  });

  it('stops a running request: the JR ends it STOPPED', async () => {
    const rm = await start();
    const { id } = await rm.create('long-job', { seconds: '300' });
    await vi.waitUntil(
      async () =>
        (await rm.status(id)).jobChainStatus.jobStatuses?.some(
          (s) => s.jobId.startsWith('nap@') && s.state === STATE_RUNNING,
        ),
      { timeout: 15_000, interval: 20 },
    );
    await rm.stop(id);
    expect((await rm.waitDone(id, 3000)).state).toBe(STATE_STOPPED);
  });

  it('a request whose JR was killed is resumed once a JR answers: the interrupted try is logged, a new one runs', async () => {
    const [rmPort, jrPort] = [await freePort(), await freePort()];
    const jrArgs = [
      'jr',
      '--rm-url',
      `http://127.0.0.1:${rmPort}`,
      '--addr',
      `127.0.0.1:${jrPort}`,
      '--data',
      ':memory:',
    ];
    const first = spawnCli(jrArgs, /job runner started/);
    await first.started;
    rmServer = await startRequestManager({
      specsDir: EXAMPLE_SPECS,
      dataDir: ':memory:',
      addr: `127.0.0.1:${rmPort}`,
      jrUrls: [`http://127.0.0.1:${jrPort}`],
      logger: process.env.DEBUG_SPLIT ? createLogger('rm') : silentLogger,
      reaper: { intervalMs: 100, fastIntervalMs: 50, graceMs: 300, deadAfterMs: 200, refusedAfterMs: 100 },
    });
    const rm = new RmClient(rmServer.url);
    const { id } = await rm.create('long-job', { seconds: '300' });
    const napRuns = async () => (await rm.call('GET', '/api/v1/status/running')).text.includes('"nap@');
    await until('the nap job runs', napRuns);
    // The JR posts job logs a moment after they end, and this one keeps none across a kill
    // (`--data :memory:`): until say-start's log is stored, the RM would run it again on resume,
    // and nap would start afresh rather than be interrupted.
    await until('say-start is logged', async () =>
      (await rm.logs(id)).some((l) => l.jobId.startsWith('say-start@') && l.state === STATE_COMPLETE),
    );
    await crash(first.child);
    // With no JR to take it, it stays RUNNING: nothing is ended.
    await new Promise((r) => setTimeout(r, 600));
    expect((await rm.get(id)).state).toBe(STATE_RUNNING);
    expect((await rm.status(id)).request.state).toBe(STATE_RUNNING);
    expect((await rm.call('GET', '/api/v1/status/running')).status).toBe(502);
    const second = spawnCli(jrArgs, /job runner started/);
    try {
      await second.started;
      await until('the nap job runs again', napRuns);
      // The interrupted try is logged by the RM as it resumes, or by the restarted JR from its
      // spool (delivered through the RM's log writer, a moment later).
      const napLog = async () => (await rm.logs(id)).find((l) => l.jobId.startsWith('nap@') && l.try === 1);
      await until('the interrupted try is logged', async () => (await napLog()) !== undefined);
      const interrupted = await napLog();
      expect(interrupted).toMatchObject({ try: 1, state: STATE_FAIL, exit: -1 });
      expect(interrupted?.error).toMatch(/^interrupted: job runner http:\/\/127\.0\.0\.1:\d+ was lost/);
      await rm.stop(id);
      expect((await rm.waitDone(id, 5000)).state).toBe(STATE_STOPPED);
      const last = (await rm.logs(id)).find((l) => l.jobId === interrupted?.jobId && l.try === 2);
      expect(last).toMatchObject({ state: STATE_STOPPED });
    } finally {
      await crash(second.child);
    }
  });

  it('create with the JR down answers 502 and the request ends FAIL with the reason', async () => {
    const deadPort = await freePort();
    rmServer = await startRequestManager({
      specsDir: EXAMPLE_SPECS,
      dataDir: ':memory:',
      addr: '127.0.0.1:0',
      jrUrls: [`http://127.0.0.1:${deadPort}`],
      logger: silentLogger,
    });
    const rm = new RmClient(rmServer.url);
    const a = await rm.call('POST', '/api/v1/requests', '{"type":"hello"}');
    expect(a.status).toBe(502);
    expect(a.text).toMatch(
      /^job runner did not accept the chain: job runner unreachable: POST http:\/\/127.0.0.1:\d+\/api\/v1\/job-chains: .*ECONNREFUSED/,
    );
    const id = (a.headers.get('location') as string).split('/').pop() as string;
    const r = await rm.get(id);
    expect(r.state).toBe(STATE_FAIL);
    expect(await rm.logs(id)).toEqual([expect.objectContaining({ try: 0, state: STATE_FAIL, error: a.text })]);
    const status = await rm.status(id);
    expect(status.request.state).toBe(STATE_FAIL);
  });
});
