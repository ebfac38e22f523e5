// The console core against the real embedded engine (a `spincycle server` child process on
// loopback): a request's whole life, notifications, the engine dying mid-run, a corrupt
// cache, export and import, opening a cached request while its RM is unreachable.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { ContractEvents } from '../shared/ipc';
import { STATE_COMPLETE, STATE_FAIL, STATE_RUNNING, STATE_STOPPED, STATE_TIMEOUT } from '../shared/proto';
import { until } from '../../test/support/until';
import { wireRequest } from '../../test/support/wire-records';
import { EmbeddedEngine, freePort } from './embedded-engine';
import { createEngineSecret } from './engine-secret';
import { ConsoleService, type ConsoleError, type ConsoleEventName } from './service';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cliPath = path.join(root, 'bin/spincycle.js');
const specsDir = path.join(root, 'resources/specs');

type Seen = { [E in ConsoleEventName]: Array<ContractEvents[E]> };
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function engine(dataDir = mkdtempSync(path.join(tmpdir(), 'sc-engine-'))) {
  const e = new EmbeddedEngine({ cliPath, specsDir, dataDir });
  const url = await e.start();
  cleanups.push(() => e.stop());
  return { e, url, dataDir };
}

async function service(cacheFile: string, url: string, intervals = { viewedMs: 100, otherMs: 150, maxBackoffMs: 400 }) {
  const seen: Seen = {
    contextStatus: [],
    requestsChanged: [],
    requestUpdated: [],
    liveOutput: [],
    notification: [],
    tray: [],
  };
  const s = await ConsoleService.open({
    cacheFile,
    emit: (event, payload) => (seen[event] as unknown[]).push(payload),
    client: { timeoutMs: 1000, getRetries: 0 },
  });
  cleanups.push(() => s.stop());
  await s.updateSettings({ intervals });
  await s.putContext({ name: 'local', url, envLabel: null, envColor: null, embedded: false });
  await s.start();
  return { s, seen };
}

/** Waits until the sync has kept talking to the context's RM for `ms` more: later passes happened. */
async function syncedFor(s: ConsoleService, ms: number): Promise<void> {
  const mark = Date.now() + ms;
  await until(
    'later sync passes',
    async () => ((await s.contextStatuses()).find((c) => c.context === 'local')?.lastOkMs ?? 0) >= mark,
  );
}

const tmpCache = () => path.join(mkdtempSync(path.join(tmpdir(), 'sc-console-')), 'cache.db');

describe('console core with the real engine', () => {
  it('follows a request from create to COMPLETE: events, cached logs, exactly one notification', async () => {
    const { url } = await engine();
    const cacheFile = tmpCache();
    const { s, seen } = await service(cacheFile, url);

    const created = await s.createRequest('local', 'hello', { msg: 'hi from the test' });
    expect(created).toMatchObject({
      type: 'hello',
      origin: 'console',
      watched: true,
      args: { msg: 'hi from the test' },
    });
    await s.openRequest('local', created.id);

    const done = await until('COMPLETE', async () => {
      const r = (await s.listRequests({ context: 'local' })).items.find((x) => x.id === created.id);
      return r?.state === STATE_COMPLETE && r;
    });
    expect(done.finishedJobs).toBe(done.totalJobs);
    // Our engine lists its requests: the list comes from it (once it has answered a sync pass),
    // with what this console knows of each.
    await until('a pass answered', async () => (await s.contextStatuses())[0]?.lastOkMs);
    const listed = await s.listRequests({ context: 'local' }, 0, 50);
    expect(listed).toMatchObject({ source: 'server', note: null, total: 1 });
    expect(listed.items[0]).toMatchObject({
      id: created.id,
      state: STATE_COMPLETE,
      origin: 'console',
      watched: true,
      args: { msg: 'hi from the test' },
    });
    const logs = await until('logs cached', async () => {
      const page = await s.jobLogs('local', created.id);
      return page.total === done.totalJobs && page;
    });
    const greet = logs.items.find((l) => l.jobId.startsWith('greet@'));
    expect(greet?.stdout).toContain('hi from the test');
    expect(BigInt(greet?.finishedAt ?? '0')).toBeGreaterThan(BigInt(greet?.startedAt ?? '0'));
    expect((await s.searchLogs('hi from the test')).map((h) => h.requestId)).toContain(created.id);
    expect((await s.request('local', created.id)).chain?.jobs.length).toBe(done.totalJobs);

    await until('notification', () => seen.notification.length > 0);
    await syncedFor(s, 500); // more polls happen; no duplicate may follow
    const mine = seen.notification.filter((n) => n.requestId === created.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ to: STATE_COMPLETE, type: 'hello' });
    expect(seen.requestUpdated.some((u) => u.requestId === created.id && u.parts.includes('logs'))).toBe(true);
    expect(seen.tray.at(-1)?.recent[0]?.id).toBe(created.id);

    // A console started again on the same cache replays nothing.
    await s.stop();
    const again = await service(cacheFile, url);
    await syncedFor(again.s, 600);
    expect(again.seen.notification).toEqual([]);
    expect((await again.s.request('local', created.id)).request.state).toBe(STATE_COMPLETE);
  });

  it('says which job failed and why: in the record, the list, and the one notification', async () => {
    const { url } = await engine();
    const { s, seen } = await service(tmpCache(), url);
    const r = await s.createRequest('local', 'fail', {});
    const n = await until('failure notification', () => seen.notification.find((x) => x.requestId === r.id));
    expect(n.to).toBe(STATE_FAIL);
    expect(n.failedJobs.some((j) => j.startsWith('check-disk@'))).toBe(true);
    expect(n.body).toMatch(/— check-disk@\d+ · exit 3 · error: \/data is 100% full, refusing to continue$/);
    const failure = (await s.request('local', r.id)).request.failure;
    expect(failure).toMatchObject({ count: 1, timedOut: false });
    expect(failure?.jobs[0]).toMatchObject({
      state: STATE_FAIL,
      try: 2,
      tryState: STATE_FAIL,
      exit: 3,
      source: 'stderr',
      lines: ['error: /data is 100% full, refusing to continue'],
    });
    // The list's record carries it too, and the change was announced with it.
    expect((await s.listRequests({ context: 'local' })).items.find((x) => x.id === r.id)?.failure).toEqual(failure);
    await until('the change announced with its failure', () =>
      seen.requestsChanged.some((c) => c.requests.some((x) => x.id === r.id && x.failure !== null)),
    );
  });

  it('a timed-out job: the request is FAIL, its summary says timed out, and the TIMEOUT filter finds it', async () => {
    const { url } = await engine();
    const { s } = await service(tmpCache(), url);
    const timedOut = await s.createRequest('local', 'timeout', {});
    const failed = await s.createRequest('local', 'fail', {});
    // (A failed job's log may reach the RM after the request ended: the summary is read again then.)
    const rec = await until('timeout summary', async () => {
      const failure = (await s.request('local', timedOut.id)).request.failure;
      return failure?.jobs[0]?.try ? failure : null;
    });
    await until('fail summary', async () => (await s.request('local', failed.id)).request.failure);
    expect((await s.request('local', timedOut.id)).request.state).toBe(STATE_FAIL);
    expect(rec.timedOut).toBe(true);
    expect(rec.jobs[0]).toMatchObject({ state: STATE_TIMEOUT, tryState: STATE_TIMEOUT, source: 'error' });
    expect(rec.jobs[0]?.lines).toEqual(['timeout after 1000ms']);
    const ids = async (states: number[]) => (await s.listRequests({ context: 'local', states })).items.map((x) => x.id);
    expect(await ids([STATE_TIMEOUT])).toEqual([timedOut.id]);
    expect((await ids([STATE_FAIL])).sort()).toEqual([timedOut.id, failed.id].sort());
  });

  it('a running job has a runtime that counts from when it started, not the 0 of its status', async () => {
    const { url } = await engine();
    const { s } = await service(tmpCache(), url);
    const r = await s.createRequest('local', 'long-job', { seconds: '60' });
    await s.openRequest('local', r.id);
    const startedBy = Date.now();
    const since = await until('nap start known', async () => {
      const d = await s.request('local', r.id);
      const nap = d.statuses.find((x) => x.jobId.startsWith('nap@') && x.state === STATE_RUNNING);
      return nap && d.runningSince[nap.jobId];
    });
    expect(since).toBeLessThanOrEqual(Date.now());
    expect(since).toBeGreaterThan(startedBy - 5000);
    // As the running list would say it: seconds since it started (a runtime stuck at 0 never gets there).
    const nap = await until('1.2 s of runtime', async () => {
      const status = (await s.jobStatuses('local', r.id))[0];
      return (status?.runtime ?? 0) >= 1.2 && status;
    });
    expect(nap.jobId).toMatch(/^nap@/);
    expect(nap.runtime).toBeLessThan((Date.now() - startedBy) / 1000 + 5);
    await s.stopRequest('local', r.id);
    const ended = await until('STOPPED', async () => {
      const d = await s.request('local', r.id);
      return d.request.state === STATE_STOPPED && d;
    });
    expect(ended.runningSince).toEqual({});
  });

  it('caches every try of a watched request that ends while nobody is viewing it', async () => {
    const { url } = await engine();
    const { s } = await service(tmpCache(), url);
    const r = await s.createRequest('local', 'fail', {}); // watched, never opened
    const tries = await until('both tries of check-disk cached', async () => {
      const logs = (await s.jobLogs('local', r.id)).items.filter((l) => l.jobId.startsWith('check-disk@'));
      return logs.length === 2 && logs;
    });
    expect(tries.map((l) => [l.try, l.exit])).toEqual([
      [1, 3],
      [2, 3],
    ]);
    const detail = await s.request('local', r.id);
    expect(detail.request.state).toBe(STATE_FAIL);
    expect(detail.chain).not.toBeNull();
  });

  it('stops a request through its RM and reads the outcome', async () => {
    const { url } = await engine();
    const { s } = await service(tmpCache(), url);
    const r = await s.createRequest('local', 'long-job', { seconds: '60' });
    await s.openRequest('local', r.id);
    await until('running', async () => (await s.jobStatuses('local', r.id)).some((j) => j.state === STATE_RUNNING));
    await s.stopRequest('local', r.id);
    await until('STOPPED', async () => (await s.request('local', r.id)).request.state === STATE_STOPPED);
  });

  it('goes offline when the engine dies mid-run, keeps everything readable, and recovers', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sc-engine-'));
    const first = await engine(dataDir);
    const { s, seen } = await service(tmpCache(), first.url);
    const r = await s.createRequest('local', 'long-job', { seconds: '60' });
    await s.openRequest('local', r.id);
    await until('first job logged', async () => (await s.jobLogs('local', r.id)).total > 0);

    process.kill(first.e.pid as number, 'SIGKILL');
    const offline = await until('offline', () => seen.contextStatus.find((c) => !c.online));
    expect(offline.error).toMatch(/cannot reach|no answer/);
    // Everything already seen is still there.
    const detail = await s.request('local', r.id);
    expect(detail.chain?.jobs.length).toBeGreaterThan(0);
    expect((await s.jobLogs('local', r.id)).items.some((l) => l.jobId.startsWith('say-start@'))).toBe(true);
    expect((await s.contextStatuses())[0]).toMatchObject({ online: false });

    // The supervisor restarts the engine on the same port; sync resumes by itself, and the
    // request that was running when it died is ended (FAIL, with a job log saying why).
    await until('back online', () => seen.contextStatus.filter((c) => c.online).length >= 2, 30_000);
    const ended = await until(
      'request ended after restart',
      async () => {
        const rec = (await s.request('local', r.id)).request;
        return rec.state !== STATE_RUNNING && rec;
      },
      30_000,
    );
    expect(ended.state).toBe(STATE_FAIL);
  }, 60_000);

  it('exports requests to one file and imports them elsewhere read-only', async () => {
    const { url } = await engine();
    const { s } = await service(tmpCache(), url);
    const r = await s.createRequest('local', 'hello', { msg: 'exported' });
    await s.openRequest('local', r.id);
    await until('complete with logs', async () => (await s.jobLogs('local', r.id)).total >= 3);
    await until('all logs', async () => (await s.request('local', r.id)).request.state === STATE_COMPLETE);
    const file = await s.exportRequests([{ context: 'local', id: r.id }]);

    // Another console, with an embedded `local` of its own: the import stays apart from it.
    const { s: other } = await service(tmpCache(), url);
    const source = `local (imported from ${hostname()})`;
    expect(await other.importRequests(file)).toEqual({ imported: [{ context: source, id: r.id }], skipped: 0 });
    expect(await other.importRequests(file)).toEqual({ imported: [], skipped: 1 });
    const imported = await other.request(source, r.id);
    expect(imported.request).toMatchObject({ origin: 'imported', state: STATE_COMPLETE, args: { msg: 'exported' } });
    expect((await other.jobLogs(source, r.id)).items).toEqual((await s.jobLogs('local', r.id)).items);
    // (The list of `local` is its engine's history, which ran it: the cache says where the import went.)
    expect(await other.cache.requests.get('local', r.id)).toBeNull();
    await expect(other.setWatched(source, r.id, true)).rejects.toThrow(/read-only/);
    await expect(other.stopRequest(source, r.id)).rejects.toThrow(/read-only/);

    await expect(other.importRequests('{"format":"something else"}')).rejects.toThrow(/not an export file/);
    await expect(
      other.importRequests(
        '{"format":"spincycle-console-export","version":1,"requests":[{"context":"x","request":{"state":"bad"}}]}',
      ),
    ).rejects.toThrow(/requests\[0\]\.request\.state: expected an integer/);
  });
});

describe('console core without an engine', () => {
  it('starts on a corrupt cache file: moved aside, rebuilt, and says so', async () => {
    const file = tmpCache();
    writeFileSync(file, Buffer.alloc(8192, 7));
    const said: string[] = [];
    const s = await ConsoleService.open({ cacheFile: file, emit: () => {}, log: (line) => said.push(line) });
    cleanups.push(() => s.stop());
    expect(s.cacheRecovery?.movedTo).toMatch(/cache\.db\.unreadable-/);
    expect(said).toEqual([expect.stringContaining(`it was moved to ${s.cacheRecovery?.movedTo}`)]);
    expect(await s.contexts()).toEqual([]);
  });

  it('keeps each saved setting that is still valid, and the default for one that is not', async () => {
    const file = tmpCache();
    const first = await ConsoleService.open({ cacheFile: file, emit: () => {} });
    await first.cache.settings.put('settings', {
      intervals: { viewedMs: 2000, otherMs: 'often', maxBackoffMs: 60_000 },
      notifications: false,
      theme: 'purple',
    });
    await first.stop();
    const s = await ConsoleService.open({ cacheFile: file, emit: () => {} });
    cleanups.push(() => s.stop());
    expect(s.settings()).toEqual({
      intervals: { viewedMs: 2000, otherMs: 5000, maxBackoffMs: 60_000 },
      notifications: false,
      theme: 'system',
    });
  });

  it('opens a cached request at once while its RM is not known to answer, without waiting for it', async () => {
    // A TCP server as the RM: it accepts and never answers (hold), or resets every connection.
    // The client waits a minute for an answer: an open that waited for the RM would outlast the test.
    let hold = true;
    const held: Socket[] = [];
    const rm = createServer((socket) => (hold ? held.push(socket) : socket.resetAndDestroy()));
    await new Promise<void>((resolve) => rm.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          for (const socket of held) socket.destroy();
          rm.close(() => resolve());
        }),
    );
    const seen: ContractEvents['contextStatus'][] = [];
    const s = await ConsoleService.open({
      cacheFile: tmpCache(),
      emit: (event, payload) => event === 'contextStatus' && seen.push(payload as ContractEvents['contextStatus']),
      client: { timeoutMs: 60_000, getRetries: 2, backoffMs: 10 },
    });
    cleanups.push(() => s.stop());
    await s.putContext({
      name: 'local',
      url: `http://127.0.0.1:${(rm.address() as AddressInfo).port}`,
      envLabel: null,
      envColor: null,
      embedded: false,
    });
    await s.cache.requests.put(
      'local',
      wireRequest('cached1', { state: STATE_COMPLETE, finishedAt: '2026-11-27T10:00:05Z', finishedJobs: 1 }),
    );
    await s.start();
    // No call has succeeded yet (the first ones hang): the cache answers.
    expect((await s.openRequest('local', 'cached1')).request.id).toBe('cached1');
    hold = false;
    for (const socket of held.splice(0)) socket.resetAndDestroy();
    await until('offline', () => seen.find((c) => !c.online));
    // A request the cache does not hold still needs the RM, and says it is unreachable.
    await expect(s.openRequest('local', 'unknown1')).rejects.toMatchObject({ code: 'unreachable' });
    hold = true;
    const detail = await s.openRequest('local', 'cached1');
    expect(detail.request).toMatchObject({ id: 'cached1', state: STATE_COMPLETE });
  });

  it('accepts an unreachable context without blocking the others, and refuses bad ones clearly', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const { s, seen } = await service(tmpCache(), closed);
    await s.putContext({ name: 'prod', url: closed, envLabel: 'production', envColor: '#d32f2f', embedded: false });
    await until('offline', () => seen.contextStatus.filter((c) => !c.online).length >= 2);
    expect((await s.contexts()).map((c) => c.name)).toEqual(['local', 'prod']);
    await expect(
      s.putContext({ name: 'bad name!', url: 'http://x', envLabel: null, envColor: null, embedded: false }),
    ).rejects.toThrow(/invalid context name/);
    await expect(
      s.putContext({ name: 'ftp', url: 'ftp://x', envLabel: null, envColor: null, embedded: false }),
    ).rejects.toThrow(/only http and https/);
    await expect(s.createRequest('local', 'hello', {})).rejects.toMatchObject({ code: 'unreachable' });
  });

  it('says at once whether a context URL answers as a Request Manager, and why not', async () => {
    const { url } = await engine();
    const closed = `http://127.0.0.1:${await freePort()}`;
    const notRm = await new Promise<Server>((resolve) => {
      const srv = createHttpServer((_req, res) => res.writeHead(404).end('404 page not found'));
      srv.listen(0, '127.0.0.1', () => resolve(srv));
    });
    cleanups.push(() => new Promise<void>((resolve) => notRm.close(() => resolve())));
    const { s } = await service(tmpCache(), closed);
    expect(await s.probeContext(url)).toEqual({
      answers: true,
      requestTypes: expect.any(Number),
      error: null,
      server: { generation: '2017', version: null, canFind: true },
    });
    expect((await s.probeContext(url)).requestTypes).toBeGreaterThan(0);
    expect(await s.probeContext(closed)).toEqual({
      answers: false,
      requestTypes: null,
      error: expect.stringMatching(/cannot reach .*connection refused \(is the Request Manager running\?\)/),
      server: null,
    });
    const other = `http://127.0.0.1:${(notRm.address() as AddressInfo).port}`;
    expect((await s.probeContext(other)).error).toBe(
      'it answers, but not as a Spin Cycle Request Manager: GET /api/v1/request-list gave 404: 404 page not found',
    );
  });
});

describe('the embedded context belongs to the console', () => {
  it('is reached with the per-run secret; the contract cannot retarget, rename, remove or fake it', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sc-embedded-'));
    const apiSecret = createEngineSecret(dataDir);
    const e = new EmbeddedEngine({ cliPath, specsDir, dataDir: path.join(dataDir, 'engine'), apiSecret });
    const url = await e.start();
    cleanups.push(() => e.stop());
    // Without the secret the engine answers nobody.
    expect((await fetch(`${url}/api/v1/request-list`)).status).toBe(401);

    const s = await ConsoleService.open({
      cacheFile: path.join(dataDir, 'cache.db'),
      emit: () => {},
      client: { timeoutMs: 2000, getRetries: 0 },
      embeddedContext: 'local',
    });
    cleanups.push(() => s.stop());
    await s.start();
    // Shown while the engine starts, never called before it answers with this run's secret.
    await s.connectEmbedded(url, null);
    expect(await s.contextStatuses()).toEqual([
      {
        context: 'local',
        online: false,
        lastOkMs: null,
        error: 'the embedded engine is not running',
        refused: false,
        server: null,
        storage: null,
      },
    ]);
    await s.connectEmbedded(url, apiSecret.secret);
    const created = await s.createRequest('local', 'hello', {});
    expect(created.type).toBe('hello');

    const local = (await s.contexts())[0]!;
    const refused = async (f: () => Promise<unknown>) => {
      try {
        await f();
      } catch (err) {
        return [(err as ConsoleError).code, (err as Error).message];
      }
      return 'accepted';
    };
    const owned = "local is the context of the console's embedded engine";
    expect(await refused(() => s.putContext({ ...local, url: 'http://127.0.0.1:8888' }))).toEqual([
      'bad-request',
      `${owned}: only its label and colour can change`,
    ]);
    expect(await refused(() => s.putContext({ ...local, name: 'mine' }, 'local'))).toEqual([
      'bad-request',
      `${owned}: only its label and colour can change`,
    ]);
    expect(await refused(() => s.removeContext('local'))).toEqual(['bad-request', `${owned}: it cannot be removed`]);
    expect(
      await refused(() =>
        s.putContext({ name: 'evil', url: 'http://evil.example', envLabel: null, envColor: null, embedded: true }),
      ),
    ).toEqual(['bad-request', 'only the console marks a context embedded (the one of its own engine)']);
    await s.putContext({ name: 'prod', url: 'http://127.0.0.1:1', envLabel: null, envColor: null, embedded: false });
    const prod = (await s.contexts())[1]!;
    expect(await refused(() => s.putContext({ ...prod, name: 'local' }, 'prod'))).toEqual([
      'bad-request',
      "local is the name of the console's embedded engine's context",
    ]);
    // Its label and colour are the operator's.
    await s.putContext({ ...local, envLabel: 'mine', envColor: '#123456' });
    expect((await s.contexts())[0]).toEqual({ ...local, envLabel: 'mine', envColor: '#123456' });
  });
});
