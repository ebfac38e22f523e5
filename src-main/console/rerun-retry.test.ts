// Re-run and retry through the console core, against the real engine (a `spincycle server`
// child process) and against the same engine behind a proxy that hides our additions, as an
// original RM would not have them: what the operator gets in each case, and what stays cached.

import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { STATE_COMPLETE, STATE_FAIL, STATE_RUNNING } from '../shared/proto';
import { rmWithoutExtensions } from '../../test/support/rm-without-extensions';
import { RmClient } from './client/rm-client';
import { EmbeddedEngine } from './embedded-engine';
import { CacheHost } from './cache-host';
import { Connection } from './client/connection';
import { createHandlers } from './handlers';
import { ContextSync } from './sync/context-sync';
import { ConsoleService, type ConsoleError } from './service';
import { until } from '../../test/support/until';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function engine(): Promise<string> {
  const e = new EmbeddedEngine({
    cliPath: path.join(root, 'bin/spincycle.js'),
    specsDir: path.join(root, 'resources/specs'),
    dataDir: mkdtempSync(path.join(tmpdir(), 'sc-engine-')),
  });
  const url = await e.start();
  cleanups.push(() => e.stop());
  return url;
}

async function service(url: string): Promise<ConsoleService> {
  const s = await ConsoleService.open({
    cacheFile: path.join(mkdtempSync(path.join(tmpdir(), 'sc-console-')), 'cache.db'),
    emit: () => {},
    client: { timeoutMs: 2000, getRetries: 0 },
    user: 'tester',
  });
  cleanups.push(() => s.stop());
  await s.updateSettings({ intervals: { viewedMs: 100, otherMs: 150, maxBackoffMs: 400 } });
  await s.putContext({ name: 'local', url, envLabel: null, envColor: null, embedded: false });
  await s.start();
  return s;
}

/** A path for needs-file's check that does not exist yet (made by `fix`). */
function gate(): { path: string; fix(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'sc-gate-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'ready');
  return { path: file, fix: () => writeFileSync(file, '') };
}

const stateOf = async (s: ConsoleService, id: string) => (await s.request('local', id)).request.state;
const triesOf = async (s: ConsoleService, id: string, node: string) =>
  (await s.jobLogs('local', id)).items
    .filter((l) => l.jobId.startsWith(`${node}@`) && l.try > 0)
    .map((l) => [l.try, l.state]);

describe('retry and re-run through the console, on our RM', () => {
  it('retries what failed: the confirmation lists the jobs, the request ends COMPLETE, every try cached', async () => {
    const s = await service(await engine());
    const g = gate();
    const created = await s.createRequest('local', 'needs-file', { path: g.path });
    await s.openRequest('local', created.id);
    await until('FAIL', async () => (await stateOf(s, created.id)) === STATE_FAIL);
    await until('the failure summary', async () => (await s.request('local', created.id)).request.failure);
    const failed = await until('its history, read again once it failed, and its chain', async () => {
      const d = await s.request('local', created.id);
      return d.history.attempts.length === 1 && d.history.attempts[0]?.state === STATE_FAIL && d.chain && d;
    });
    expect(failed.history).toMatchObject({ rerunOf: null, reruns: [] });
    expect(failed.history.attempts[0]).toMatchObject({ attempt: 1, kind: 'start', user: 'tester', state: STATE_FAIL });

    const plan = await s.retryPlan('local', created.id);
    const completed = new Set(failed.statuses.filter((st) => st.state === STATE_COMPLETE).map((st) => st.jobId));
    expect(completed.size).toBe(2); // the start noop and prepare
    expect(plan.jobs).toEqual(failed.chain?.jobs.map((j) => j.id).filter((id) => !completed.has(id)));
    expect(plan.jobs.some((id) => id.startsWith('check@'))).toBe(true);

    g.fix();
    const retried = await s.retryRequest('local', created.id);
    expect(retried.failure).toBeNull();
    await until('COMPLETE', async () => (await stateOf(s, created.id)) === STATE_COMPLETE);
    const done = await until('the second attempt and every try', async () => {
      const d = await s.request('local', created.id);
      return (
        d.history.attempts.at(-1)?.state === STATE_COMPLETE && (await triesOf(s, created.id, 'release')).length > 0 && d
      );
    });
    expect(done.request.failure).toBeNull();
    expect(done.history.attempts.map((a) => [a.attempt, a.kind, a.user, a.state])).toEqual([
      [1, 'start', 'tester', STATE_FAIL],
      [2, 'retry', 'tester', STATE_COMPLETE],
    ]);
    expect(done.history.attempts[1]?.jobs).toEqual(plan.jobs);
    expect(await triesOf(s, created.id, 'check')).toEqual([
      [1, STATE_FAIL],
      [2, STATE_COMPLETE],
    ]);
    expect(await triesOf(s, created.id, 'prepare')).toEqual([[1, STATE_COMPLETE]]);

    // Completed: a retry is refused with the RM's reason.
    const refusal: Partial<ConsoleError> = { code: 'rm-error' };
    await expect(s.retryPlan('local', created.id)).rejects.toMatchObject(refusal);
    await expect(s.retryPlan('local', created.id)).rejects.toThrow(/completed: nothing to retry/);
  });

  it('re-runs with the same args; both requests show the link', async () => {
    const s = await service(await engine());
    const g = gate();
    g.fix();
    const created = await s.createRequest('local', 'needs-file', { path: g.path });
    await until('COMPLETE', async () => (await stateOf(s, created.id)) === STATE_COMPLETE);
    await s.openRequest('local', created.id);

    const outcome = await s.rerunRequest('local', created.id);
    if (outcome.kind !== 'started') throw new Error('expected a started re-run');
    const rerun = outcome.request;
    expect(rerun).toMatchObject({ type: 'needs-file', origin: 'console', watched: true, args: { path: g.path } });
    expect(rerun.id).not.toBe(created.id);
    expect((await s.request('local', created.id)).history.reruns).toEqual([rerun.id]);
    await s.openRequest('local', rerun.id);
    await until('the link back', async () => (await s.request('local', rerun.id)).history.rerunOf === created.id);
    await until('COMPLETE', async () => (await stateOf(s, rerun.id)) === STATE_COMPLETE);
  });
});

describe('a retry another client made, over between two reads of the console', () => {
  it('is seen: its history, the new tries of the jobs it ran again, its failure, a notification', async () => {
    const url = await engine();
    const g = gate();
    const host = await CacheHost.open({ file: ':memory:' });
    cleanups.push(() => host.close());
    const changes: Array<[from: number, to: number]> = [];
    const sync = new ContextSync(
      { name: 'local', url, envLabel: null, envColor: null, embedded: false },
      new Connection({ baseUrl: url, getRetries: 0 }),
      host.cache,
      null,
      {
        contextStatus: () => {},
        requestsChanged: () => {},
        requestUpdated: () => {},
        stateChanged: (c) => changes.push([c.from, c.request.state]),
      },
    );
    // Another client (the CLI, a colleague's console): the console reads only when told here.
    const other = new Connection({ baseUrl: url, getRetries: 0 });
    const rmState = async (id: string) => (await other.getRequest(id)).state;
    const cachedTries = async (id: string, node: string) =>
      [...(await host.cache.logs.tries('local', id))].filter((k) => k.startsWith(`${node}@`)).sort();
    const created = await other.createRequest('needs-file', { path: g.path }, 'tester');
    await until('FAIL', async () => (await rmState(created.id)) === STATE_FAIL);
    await sync.syncRequest(created.id);
    const [check] = await cachedTries(created.id, 'check');
    expect(check).toMatch(/#1$/);
    expect((await host.cache.requests.get('local', created.id))?.failure).not.toBeNull();

    // Retried and failed again before the console read it again: FAIL, then FAIL.
    await other.retry(created.id, 'colleague');
    await until('FAIL again', async () => {
      const r = await other.getRequest(created.id);
      return r.state === STATE_FAIL && r.finishedAt !== null;
    });
    await sync.syncRequest(created.id);
    const checkJob = (check ?? '').slice(0, (check ?? '').lastIndexOf('#'));
    expect(await cachedTries(created.id, 'check')).toEqual([`${checkJob}#1`, `${checkJob}#2`]);
    expect((await host.cache.history.get('local', created.id))?.attempts.map((a) => [a.user, a.state])).toEqual([
      ['tester', STATE_FAIL],
      ['colleague', STATE_FAIL],
    ]);
    expect(changes).toEqual([[STATE_RUNNING, STATE_FAIL]]);

    // Fixed, retried and over, again between two reads: FAIL, then COMPLETE.
    g.fix();
    await other.retry(created.id, 'colleague');
    await until('COMPLETE', async () => (await rmState(created.id)) === STATE_COMPLETE);
    // A page of the requests list shows it first.
    const absorb = sync.absorberOfFound();
    await absorb([await other.getRequest(created.id)]);
    await sync.syncRequest(created.id);
    expect(await cachedTries(created.id, 'release')).toHaveLength(1);
    expect(await cachedTries(created.id, 'check')).toHaveLength(3);
    expect((await host.cache.requests.get('local', created.id))?.failure).toBeNull();
    expect((await host.cache.history.get('local', created.id))?.attempts.at(-1)?.state).toBe(STATE_COMPLETE);
    expect(changes).toEqual([
      [STATE_RUNNING, STATE_FAIL],
      [STATE_RUNNING, STATE_COMPLETE],
    ]);
  });
});

describe('on an RM without our additions (as the original)', () => {
  it('says retry is not available; re-runs with the args it cached, keeping the link itself', async () => {
    const proxy = await rmWithoutExtensions(await engine());
    cleanups.push(() => proxy.close());
    const s = await service(proxy.url);
    const g = gate();
    const created = await s.createRequest('local', 'needs-file', { path: g.path });
    await s.openRequest('local', created.id);
    await until('FAIL', async () => (await stateOf(s, created.id)) === STATE_FAIL);
    expect((await s.contextStatuses())[0]?.server).toEqual({ generation: '2017', version: null, canFind: false });
    expect((await s.request('local', created.id)).history).toEqual({ attempts: [], rerunOf: null, reruns: [] });

    const noRetry = /cannot retry a request: its Request Manager has no retry .*re-run starts the request again/;
    await expect(s.retryPlan('local', created.id)).rejects.toThrow(noRetry);
    await expect(s.retryRequest('local', created.id)).rejects.toMatchObject({ code: 'rm-error' });
    await expect(s.retryRequest('local', created.id)).rejects.toThrow(noRetry);
    // Known not to have them, it was never asked.
    expect(proxy.refused.filter((p) => /history|retry|rerun/.test(p))).toEqual([]);
    expect(await stateOf(s, created.id)).toBe(STATE_FAIL);

    g.fix();
    const outcome = await s.rerunRequest('local', created.id);
    if (outcome.kind !== 'started') throw new Error('expected a started re-run');
    expect(outcome.request).toMatchObject({ type: 'needs-file', args: { path: g.path } });
    expect((await s.request('local', outcome.request.id)).history.rerunOf).toBe(created.id);
    expect((await s.request('local', created.id)).history.reruns).toEqual([outcome.request.id]);
    await until('COMPLETE', async () => (await stateOf(s, outcome.request.id)) === STATE_COMPLETE);
  });

  it('a request it did not create: the Start form, filled from the chain’s job args', async () => {
    const url = await engine();
    const proxy = await rmWithoutExtensions(url);
    cleanups.push(() => proxy.close());
    const g = gate();
    // Created by someone else (another client): the console never saw its args.
    const elsewhere = await new RmClient({ baseUrl: url }).createRequest('needs-file', { path: g.path });
    const s = await service(proxy.url);
    const detail = await s.openRequest('local', elsewhere.id);
    expect(detail.request.args).toBeNull();

    // As the renderer asks: through the contract, its arguments checked.
    const api = createHandlers({ appVersion: '1', runtime: 'node', service: s });
    const ref = { context: 'local', id: elsewhere.id };
    expect(await api.rerunRequest(ref)).toEqual({
      ok: true,
      value: { kind: 'form', context: 'local', requestId: elsewhere.id, type: 'needs-file' },
    });
    expect(await api.rerunPrefill(ref)).toEqual({ ok: true, value: { type: 'needs-file', args: { path: g.path } } });
    // The form's start records the link (the RM does not).
    const started = await api.createRequest({
      context: 'local',
      type: 'needs-file',
      args: { path: g.path },
      rerunOf: elsewhere.id,
    });
    if (!started.ok) throw new Error(started.error.message);
    expect((await s.request('local', started.value.id)).history.rerunOf).toBe(elsewhere.id);
    expect(existsSync(g.path)).toBe(false);
  });
});
