// Live output over real HTTP (docs/protocol/extensions.md): a running shell job's output
// reaches a client while the job still runs (the job waits for a file the test creates only
// afterwards), through the RM in both shapes (JR in-process, JR over HTTP); its status is its
// last line in the standard status calls; the 10 MiB cap holds with nothing lost before it;
// and what a follower read, end to end, is exactly the job log stored. With several JRs, the RM
// asks the one that runs the request. An RM whose JR has no such endpoint (the original's)
// answers with the status text only.

import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobOutput } from '../../shared/live-output';
import {
  STATE_COMPLETE,
  STATE_FAIL,
  STATE_PENDING,
  STATE_RUNNING,
  decodeRunningStatus,
  parseWire,
} from '../../shared/proto';
import { DEFAULT_MAX_OUTPUT_BYTES, truncationMarker } from '../jobs/capped-output';
import { silentLogger } from '../log';
import { startEngine, startJobRunner, startRequestManager } from '../server';
import { RmClient } from '../../../test/support/engine/integration/rm-client';
import { freePort, tempDir } from '../../../test/support/engine/integration/test-engine';
import { hidingProxy } from '../../../test/support/hiding-proxy';
import { SCRIPT_SPEC, gate as makeGate, type Gate } from '../../../test/support/live-jobs';

type Shape = 'server' | 'split';
const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** An engine with the `live` request type, in one of its shapes; `hideJrOutput` puts a JR without the endpoint behind the RM. */
async function engine(shape: Shape, hideJrOutput = false): Promise<RmClient> {
  const specs = tempDir({ 'live.yaml': SCRIPT_SPEC });
  closers.push(() => specs.remove());
  if (shape === 'server') {
    const e = await startEngine({
      specsDir: specs.dir,
      dataDir: ':memory:',
      rmAddr: '127.0.0.1:0',
      jrAddr: '127.0.0.1:0',
      logger: silentLogger,
    });
    closers.push(() => e.close());
    return new RmClient(e.rmUrl);
  }
  const [rmPort, jrPort] = [await freePort(), await freePort()];
  const jrUrl = `http://127.0.0.1:${jrPort}`;
  const proxy = hideJrOutput ? await hidingProxy(jrUrl, /\/output\//) : null;
  if (proxy) closers.push(() => proxy.close());
  const rm = await startRequestManager({
    specsDir: specs.dir,
    dataDir: ':memory:',
    addr: `127.0.0.1:${rmPort}`,
    jrUrls: [proxy?.url ?? jrUrl],
    logger: silentLogger,
  });
  closers.push(() => rm.close());
  const jr = await startJobRunner({
    addr: `127.0.0.1:${jrPort}`,
    rmUrls: [rm.url],
    dataDir: ':memory:',
    logger: silentLogger,
  });
  closers.push(() => jr.close());
  return new RmClient(rm.url);
}

/** A file the job waits for (removed after the test). */
function gate(name: string): Gate {
  const g = makeGate(name);
  closers.push(() => g.remove());
  return g;
}

/** Reads a job's output from where it left off, as a follower does. */
class Follower {
  stdout = '';
  stderr = '';
  last: JobOutput | null = null;
  private offsets = { stdout: 0, stderr: 0 };

  constructor(
    private readonly rm: RmClient,
    private readonly id: string,
    private readonly jobId: string,
  ) {}

  async poll(): Promise<JobOutput> {
    const tryN = this.last && this.last.try > 0 ? { try: this.last.try } : {};
    const o = await this.rm.output(this.id, this.jobId, { ...tryN, ...this.offsets });
    for (const s of ['stdout', 'stderr'] as const) {
      expect(o[s].offset).toBe(this.offsets[s]);
      this[s] += o[s].text;
      this.offsets[s] = o[s].next;
    }
    this.last = o;
    return o;
  }

  /** Polls until `ready` holds (the answer is also returned); fails after 20 s. */
  async until(ready: (o: JobOutput, f: Follower) => boolean): Promise<JobOutput> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const o = await this.poll();
      if (ready(o, this)) return o;
      if (Date.now() > deadline)
        throw new Error(
          `still waiting; last answer ${JSON.stringify({ ...o, stdout: o.stdout.size, stderr: o.stderr.size })}`,
        );
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

async function startLive(rm: RmClient, script: string): Promise<{ id: string; jobId: string }> {
  const r = await rm.create('live', { script });
  const jobId = Object.keys((await rm.chain(r.id)).jobs)[0] as string;
  return { id: r.id, jobId };
}

describe.each(['server', 'split'] as const)('live output through the RM (%s)', (shape) => {
  it('reaches a client while the job runs; the status calls show its last line; the log is what was read', async () => {
    const rm = await engine(shape);
    const [second, end] = [gate('second'), gate('end')];
    const script = `echo step 1; echo step 2 >&2; ${second.wait}; echo step 3; ${end.wait}; echo finished; exit 3`;
    const { id, jobId } = await startLive(rm, script);
    const f = new Follower(rm, id, jobId);

    const first = await f.until((_, x) => x.stdout === 'step 1\n' && x.stderr === 'step 2\n');
    expect(first).toMatchObject({ try: 1, state: STATE_RUNNING, done: false, live: true, exit: null });
    expect(existsSync(end.file)).toBe(false);

    second.open();
    const running = await f.until((o, x) => x.stdout === 'step 1\nstep 3\n' && o.status === 'step 3');
    expect(running.done).toBe(false);
    expect(existsSync(end.file)).toBe(false); // the job is still running: it waits for this file
    // The standard calls show the last line too: R6 (J3's status) and R12 (J4's, ours).
    const status = (await rm.status(id)).jobChainStatus.jobStatuses?.find((s) => s.jobId === jobId);
    expect(status).toMatchObject({ state: STATE_RUNNING, status: 'step 3' });
    const list = decodeRunningStatus(parseWire((await rm.call('GET', '/api/v1/status/running')).text));
    expect(list.jobs?.find((j) => j.jobId === jobId)?.status).toBe('step 3');

    end.open();
    const last = await f.until((o) => o.done);
    expect(last).toMatchObject({ try: 1, state: STATE_FAIL, exit: 3, done: true, status: '' });
    expect(f.stdout).toBe('step 1\nstep 3\nfinished\n');
    const log = await rm.log(id, jobId);
    expect(f.stdout).toBe(log.stdout);
    expect(f.stderr).toBe(log.stderr);
    expect((await rm.waitDone(id)).state).toBe(STATE_FAIL);
  });

  it('holds the 10 MiB cap with nothing lost before it; the log is what was read, marker included', async () => {
    const rm = await engine(shape);
    const end = gate('end');
    const lines = 1_500_000; // `seq` prints 10,888,897 bytes
    const { id, jobId } = await startLive(rm, `seq 1 ${lines}; ${end.wait}`);
    const f = new Follower(rm, id, jobId);
    const capped = await f.until((o, x) => o.stdout.dropped > 0 && x.stdout.length === o.stdout.size);
    expect(existsSync(end.file)).toBe(false);
    const printed = Array.from({ length: lines }, (_, i) => `${i + 1}\n`).join('');
    expect(capped.stdout.size).toBe(DEFAULT_MAX_OUTPUT_BYTES);
    expect(capped.stdout.dropped).toBe(printed.length - DEFAULT_MAX_OUTPUT_BYTES);
    expect(f.stdout).toBe(printed.slice(0, DEFAULT_MAX_OUTPUT_BYTES));
    end.open();
    await f.until((o) => o.done);
    expect(f.stdout).toBe(
      printed.slice(0, DEFAULT_MAX_OUTPUT_BYTES) + truncationMarker(printed.length - DEFAULT_MAX_OUTPUT_BYTES),
    );
    expect(f.stdout).toBe((await rm.log(id, jobId)).stdout);
  });
});

describe('live output with several JRs', () => {
  it('comes from the JR that runs each request', async () => {
    const specs = tempDir({ 'live.yaml': SCRIPT_SPEC });
    closers.push(() => specs.remove());
    const rmPort = await freePort();
    const rmUrl = `http://127.0.0.1:${rmPort}`;
    const jrs = [];
    for (let i = 0; i < 2; i++) {
      const jr = await startJobRunner({
        addr: '127.0.0.1:0',
        rmUrls: [rmUrl],
        dataDir: ':memory:',
        logger: silentLogger,
      });
      closers.push(() => jr.close());
      jrs.push(jr);
    }
    const rm = await startRequestManager({
      specsDir: specs.dir,
      dataDir: ':memory:',
      addr: `127.0.0.1:${rmPort}`,
      jrUrls: jrs.map((j) => j.url),
      logger: silentLogger,
    });
    closers.push(() => rm.close());
    const client = new RmClient(rm.url);
    const end = gate('end');
    const started = [];
    for (const name of ['one', 'two']) started.push(await startLive(client, `echo ${name} is running; ${end.wait}`));
    // The least loaded JR takes each new request: one each.
    const owners = await Promise.all(started.map(async (r) => (await rm.requestManager.store.getRun(r.id))?.jrUrl));
    expect(new Set(owners)).toEqual(new Set(jrs.map((j) => j.url)));
    for (const [i, r] of started.entries()) {
      const f = new Follower(client, r.id, r.jobId);
      const name = i === 0 ? 'one' : 'two';
      const running = await f.until((_, x) => x.stdout === `${name} is running\n`);
      expect(running).toMatchObject({ try: 1, state: STATE_RUNNING, live: true, done: false });
    }
    expect(existsSync(end.file)).toBe(false);
    end.open();
    for (const r of started) expect((await client.waitDone(r.id)).state).toBe(STATE_COMPLETE);
  });
});

describe('live output: the other answers', () => {
  it('a finished job answers with its log; before its first try it is PENDING; bad calls are refused clearly', async () => {
    const rm = await engine('server');
    const { id, jobId } = await startLive(rm, 'printf "héllo\\n"; printf "oops" >&2');
    await rm.waitDone(id);
    const done = await rm.output(id, jobId);
    expect(done).toMatchObject({ try: 1, done: true, exit: 0, stdout: { text: 'héllo\n', size: 7, next: 7 } });
    expect(done.stderr).toMatchObject({ text: 'oops', size: 4 });
    expect((await rm.output(id, jobId, { stdout: 3 })).stdout).toMatchObject({ offset: 3, text: 'llo\n' });
    // A try that never ran, of a request that ended: nothing will come.
    expect(await rm.output(id, jobId, { try: 2 })).toMatchObject({ try: 2, state: STATE_PENDING, done: true });

    const answer = (p: string) => rm.call('GET', p);
    expect(await answer(`/api/v1/requests/nope/output/${jobId}`)).toMatchObject({
      status: 404,
      text: 'request not found',
    });
    expect(await answer(`/api/v1/requests/${id}/output/nope@1`)).toMatchObject({ status: 400 });
    const bad = await answer(`/api/v1/requests/${id}/output/${jobId}?stdout=-1`);
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('query parameter stdout');
  });

  it('an RM whose JR has no live-output endpoint (the original) answers with the job status only', async () => {
    const rm = await engine('split', true);
    const end = gate('end');
    const { id, jobId } = await startLive(rm, `echo working on it; ${end.wait}; echo all done`);
    const f = new Follower(rm, id, jobId);
    const running = await f.until((o) => o.status === 'working on it');
    expect(running).toMatchObject({ try: 1, state: STATE_RUNNING, live: false, done: false, stdout: { text: '' } });
    end.open();
    await f.until((o) => o.done);
    expect(f.stdout).toBe('working on it\nall done\n');
    expect(f.last).toMatchObject({ done: true, exit: 0 });
  });
});
