// Following a running job's output from the console core, against a real engine (a `spincycle
// server` child process on loopback): the output reaches the console while the job still runs
// (it waits for a file the test creates afterwards), the try's log then equals what was read;
// what was followed stays readable after a restart with the engine gone; an RM without the
// endpoint (the original: a proxy answering 404 there) is said to give the status only, and so
// is a v2.x server (its recorded running moment), which is never asked for live output.

import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { LiveOutputState } from '../shared/console-model';
import { STATE_COMPLETE, STATE_RUNNING } from '../shared/proto';
import { hidingProxy } from '../../test/support/hiding-proxy';
import { SCRIPT_SPEC, gate } from '../../test/support/live-jobs';
import { until } from '../../test/support/until';
import { RUNNING_DEMO, replayV2RunningMoment } from '../../test/support/v2-world';
import { EmbeddedEngine } from './embedded-engine';
import { createHandlers } from './handlers';
import { ConsoleService } from './service';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const tmp = (prefix: string) => mkdtempSync(path.join(tmpdir(), prefix));

async function engine(): Promise<{ url: string; stop(): Promise<void> }> {
  const specsDir = tmp('sc-live-specs-');
  writeFileSync(path.join(specsDir, 'live.yaml'), SCRIPT_SPEC);
  const e = new EmbeddedEngine({
    cliPath: path.join(root, 'bin/spincycle.js'),
    specsDir,
    dataDir: tmp('sc-live-engine-'),
  });
  const url = await e.start();
  cleanups.push(() => e.stop());
  return { url, stop: () => e.stop() };
}

async function service(cacheFile: string, url: string, context = 'local') {
  const live: LiveOutputState[] = [];
  const s = await ConsoleService.open({
    cacheFile,
    emit: (event, payload) => {
      if (event === 'liveOutput') live.push(payload as LiveOutputState);
    },
    client: { timeoutMs: 2000, getRetries: 0 },
    followMs: 100,
  });
  await s.updateSettings({ intervals: { viewedMs: 200, otherMs: 300, maxBackoffMs: 1000 } });
  await s.putContext({ name: context, url, envLabel: null, envColor: null, embedded: false });
  await s.start();
  cleanups.push(() => s.stop());
  return { s, live };
}

const jobOf = async (s: ConsoleService, id: string) => (await s.request('local', id)).chain?.jobs[0]?.id;

describe('following a running job from the console', () => {
  it('shows the output while the job runs; the try ends with its log equal to what was followed', async () => {
    const { url } = await engine();
    const { s, live } = await service(path.join(tmp('sc-live-cache-'), 'cache.db'), url);
    // Followed through the contract, as the renderer does.
    const contract = createHandlers({ appVersion: '0', runtime: 'node', service: s });
    const end = gate();
    const r = await s.createRequest('local', 'live', { script: `echo one; echo two >&2; ${end.wait}; echo three` });
    await s.openRequest('local', r.id);
    const jobId = await until('the chain', () => jobOf(s, r.id));
    const job = { context: 'local', id: r.id, jobId };
    expect(await contract.followJob({ ...job, following: 'yes' })).toEqual({
      ok: false,
      error: {
        code: 'bad-request',
        message: 'followJob(): following: Invalid input: expected boolean, received string',
      },
    });
    expect(await contract.followJob(job)).toMatchObject({
      ok: false,
      error: { code: 'bad-request', message: 'followJob(): following is missing' },
    });
    expect(await contract.followJob({ ...job, following: true })).toMatchObject({
      ok: true,
      value: { context: 'local', requestId: r.id, jobId, done: false },
    });

    const running = await until('both streams', () =>
      live.find((l) => l.stdoutChars === 4 && l.stderrChars === 4 && l.status !== ''),
    );
    expect(existsSync(end.file)).toBe(false); // still running: it waits for this file
    expect(running).toMatchObject({ try: 1, state: STATE_RUNNING, done: false, source: 'live' });
    const slice = { ...job, try: 1, offset: 0, length: 100 };
    expect(await contract.jobLogText({ ...slice, stream: 'stdout' })).toEqual({
      ok: true,
      value: { text: 'one\n', total: 4, live: true },
    });
    expect((await s.jobLogText('local', r.id, jobId, 1, 'stderr', 0, 100)).text).toBe('two\n');

    end.open();
    const done = await until('the end of the try', () => live.find((l) => l.done));
    expect(done).toMatchObject({ try: 1, state: STATE_COMPLETE, exit: 0 });
    const log = await until('its log in the cache', async () => (await s.jobLogsOfJob('local', r.id, jobId))[0]);
    expect(log.stdout).toBe('one\nthree\n');
    // The live text made way for the log, which reads on from where following left off.
    expect(await s.jobLogText('local', r.id, jobId, 1, 'stdout', 4, 100)).toEqual({
      text: 'three\n',
      total: 10,
    });
    expect(await contract.followJob({ ...job, following: false })).toEqual({ ok: true, value: null });
  });

  it('what was followed stays readable after a restart with the engine gone', async () => {
    const e = await engine();
    const cacheFile = path.join(tmp('sc-live-cache-'), 'cache.db');
    const first = await service(cacheFile, e.url);
    const end = gate();
    const r = await first.s.createRequest('local', 'live', { script: `printf 'seen before\\n'; ${end.wait}` });
    await first.s.openRequest('local', r.id);
    const jobId = await until('the chain', () => jobOf(first.s, r.id));
    await first.s.followJob('local', r.id, jobId, true);
    await until('the first line', () => first.live.find((l) => l.stdoutChars === 12));
    await first.s.stop();
    await e.stop();

    const second = await service(cacheFile, e.url);
    const state = await second.s.followJob('local', r.id, jobId, true);
    expect(state).toMatchObject({ try: 1, state: STATE_RUNNING, stdoutChars: 12, done: false });
    expect(await second.s.jobLogText('local', r.id, jobId, 1, 'stdout', 0, 100)).toEqual({
      text: 'seen before\n',
      total: 12,
      live: true,
    });
    // It tries to read on, and says why it cannot.
    const failing = await until('the error', () => second.live.find((l) => l.error !== null));
    expect(failing.error).toMatch(/cannot reach/);
    expect((await second.s.jobLogText('local', r.id, jobId, 1, 'stdout', 0, 100)).text).toBe('seen before\n');
  });

  it('an RM without the endpoint (the original) gives the status only', async () => {
    const e = await engine();
    const proxy = await hidingProxy(e.url, /\/output\//);
    cleanups.push(() => proxy.close());
    const { s, live } = await service(path.join(tmp('sc-live-cache-'), 'cache.db'), proxy.url);
    const end = gate();
    const r = await s.createRequest('local', 'live', { script: `echo working; ${end.wait}` });
    await s.openRequest('local', r.id);
    const jobId = await until('the chain', () => jobOf(s, r.id));
    await s.followJob('local', r.id, jobId, true);
    const said = await until('status only', () => live.find((l) => l.source === 'status-only'));
    expect(said.error).toBeNull();
    expect(proxy.refused.length).toBeGreaterThan(0);
    // The standard status call still shows what the job is doing.
    await until('the status text', async () =>
      (await s.jobStatuses('local', r.id)).find((j) => j.status === 'working'),
    );
    end.open();
  });

  it('a v2 server gives the status only, and is never asked for live output', async () => {
    const peer = await replayV2RunningMoment();
    cleanups.push(() => peer.close());
    const { s, live } = await service(path.join(tmp('sc-live-cache-'), 'cache.db'), peer.url, 'v2');
    const id = RUNNING_DEMO;
    await until('online', async () => (await s.contextStatuses()).find((c) => c.context === 'v2')?.online);
    await s.openRequest('v2', id);
    await s.followJob('v2', id, 'y3dr', true);
    const said = await until('status only', () => live.find((l) => l.source === 'status-only'));
    expect(said).toMatchObject({ requestId: id, jobId: 'y3dr', error: null });
    // What the nap is doing, from v2's running list: the Logs tab shows it once a sync pass has
    // cached the statuses (it reloads on their announcement); waited for here likewise.
    const nap = await until('the nap in the statuses', async () =>
      (await s.jobStatuses('v2', id)).find((j) => j.jobId === 'y3dr'),
    );
    expect(nap).toMatchObject({ state: STATE_RUNNING, status: 'sleeping 6s since 2026-12-02T18:08:29Z' });
    expect(peer.received.filter((r) => r.path.includes('/output/'))).toEqual([]);
    await s.followJob('v2', id, 'y3dr', false);
  });
});
