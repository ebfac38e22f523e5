// The console core against upstream v2.x: a v2.1.1 Request Manager made of its recordings
// (test/support/v2-world.ts) on loopback, a real SQLite cache file and an owner-only secrets
// file. What an operator does, end to end through the service: the list from the server's own
// history (each row cached), a finished request with its names, tries and exact times, a failed
// one explained by job name, a suspended one, start and stop, offline review once the server is
// gone, credentials that reach the server and never the cache, a refusal at the first question,
// and a server found anew when it comes back speaking another protocol.

import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readExchange } from '../../test/support/http-fixtures';
import { replayOriginal } from '../../test/support/original-world';
import type { ReplayServer } from '../../test/support/replay-server';
import { recordedRequests, replayV2RunningMoment, replayV2World } from '../../test/support/v2-world';
import { RequestState, requestFields, type ContextStatus, type RequestNotification } from '../shared/console-model';
import { timeToNanos } from '../shared/proto-v2';
import { FileSecretStore } from './credentials';
import { ConsoleService } from './service';
import { until } from '../../test/support/until';

const DEMO = 'dc85t7b8di14qp6dp5tg';
const FAILED = 'dc85t8r8di14qp6dp5u0';
const SUSPENDED = 'dc85u6j8di154hhro860';
const CTX = 'v2-prod';
const V2 = { generation: 'v2', version: '2.1.1', canFind: true };

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function world(port?: number): Promise<ReplayServer> {
  const peer = await replayV2World(port);
  cleanups.push(() => peer.close());
  return peer;
}

async function console_(url: string, more: { auth?: { headers: string[] }; values?: Record<string, string> } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'sc-v2-'));
  const statuses: ContextStatus[] = [];
  const notifications: RequestNotification[] = [];
  const secrets = new FileSecretStore(path.join(dir, 'credentials.json'));
  const s = await ConsoleService.open({
    cacheFile: path.join(dir, 'cache.db'),
    emit: (event, payload) => {
      if (event === 'contextStatus') statuses.push(payload as ContextStatus);
      if (event === 'notification') notifications.push(payload as RequestNotification);
    },
    client: { timeoutMs: 2000, getRetries: 0 },
    secrets,
  });
  cleanups.push(() => s.stop());
  await s.updateSettings({ intervals: { viewedMs: 100, otherMs: 150, maxBackoffMs: 400 } });
  const auth = more.auth ? { headers: more.auth.headers, caFile: null, certFile: null, keyFile: null } : null;
  await s.putContext(
    { name: CTX, url, envLabel: 'production', envColor: null, embedded: false, auth },
    undefined,
    more.values,
  );
  await s.start();
  return { s, dir, statuses, notifications };
}

const status = async (s: ConsoleService) => (await s.contextStatuses()).find((c) => c.context === CTX);
const online = (s: ConsoleService) =>
  until('online', async () => {
    const now = await status(s);
    return now?.online && now.lastOkMs !== null;
  });

describe('the console core on a v2 server', () => {
  it('finds out what the server speaks, shows it, and keeps it for when it is away', async () => {
    const peer = await world();
    const { s, statuses } = await console_(peer.url);
    await online(s);
    expect((await status(s))?.server).toEqual(V2);
    expect(statuses.at(-1)?.server).toEqual(V2);
    expect(await s.cache.contexts.serverInfo(CTX)).toEqual(V2);
  });

  it("lists the server's whole history, newest first, filtered there, each row cached", async () => {
    const peer = await world();
    const { s } = await console_(peer.url);
    await online(s);
    const recorded = recordedRequests().sort((a, b) => Number(timeToNanos(b.createdAt)! - timeToNanos(a.createdAt)!));
    const page = await s.listRequests({ context: CTX }, 0, 200);
    expect(page).toMatchObject({ source: 'server', note: null, total: recorded.length, offset: 0 });
    expect(page.items.map((r) => r.id)).toEqual(recorded.map((r) => r.id));
    // The suspended one is SUSPENDED, the request whose create was refused (ACL) PENDING.
    expect(page.items.find((r) => r.id === SUSPENDED)?.state).toBe(RequestState.SUSPENDED);
    // v2's find gives no args: they are known once the request is read.
    expect(page.items.find((r) => r.id === DEMO)).toMatchObject({
      state: RequestState.COMPLETE,
      args: null,
      createdAt: '2026-12-02T18:08:29.173074Z',
      origin: 'seen',
    });
    // Cached as shown: readable offline.
    expect((await s.cache.requests.list({ context: CTX }, 0, 200)).total).toBe(recorded.length);
    await s.openRequest(CTX, DEMO);
    expect((await s.listRequests({ context: CTX }, 0, 200)).items.find((r) => r.id === DEMO)?.args).toEqual({
      msg: 'world',
      sleepSeconds: '6',
      failTimes: '1',
    });

    const later = await s.listRequests({ context: CTX }, 3, 3);
    expect(later.items.map((r) => r.id)).toEqual(recorded.slice(3, 6).map((r) => r.id));
    const suspended = await s.listRequests({ context: CTX, states: [RequestState.SUSPENDED] }, 0, 50);
    expect(suspended).toMatchObject({ source: 'server', total: 1 });
    const demos = await s.listRequests({ context: CTX, types: ['demo'], states: [RequestState.COMPLETE] }, 0, 50);
    expect(demos.items.map((r) => r.id).sort()).toEqual(['dc85t7b8di14qp6dp5tg', 'dc85ta38di14qp6dp61g']);
    // What the server cannot filter by is looked for in the cache, and the list says so.
    const text = await s.listRequests({ context: CTX, text: 'world' }, 0, 50);
    expect(text.source).toBe('cache');
    expect(text.note).toMatch(/server cannot search by text/);
  });

  it('opens a finished request: job names, tries, exact times and every log, cached', async () => {
    const peer = await world();
    const { s } = await console_(peer.url);
    await online(s);
    const detail = await s.openRequest(CTX, DEMO);
    expect(detail.request.state).toBe(RequestState.COMPLETE);
    expect(detail.chain?.jobs.find((j) => j.id === 'y3dr')).toMatchObject({ name: 'nap', type: 'sleep' });
    expect(detail.statuses.find((j) => j.jobId === 'ZFmz')).toMatchObject({
      name: 'flaky',
      state: RequestState.COMPLETE,
      try: 2,
    });
    const logs = await s.jobLogs(CTX, DEMO, 0, 100);
    expect(logs.total).toBe(9);
    const nap = logs.items.find((l) => l.jobId === 'y3dr');
    // Nanoseconds past 2^53, exact: a six-second nap.
    expect(nap).toMatchObject({ try: 1, startedAt: '1796234909214358576', finishedAt: '1796234915215317900' });
    expect(logs.items.filter((l) => l.jobId === 'ZFmz').map((l) => [l.try, l.state])).toEqual([
      [1, RequestState.FAIL],
      [2, RequestState.COMPLETE],
    ]);
    // Longest-running first: the nap.
    expect((await s.jobStatuses(CTX, DEMO))[0]?.state).toBe(RequestState.COMPLETE);
    expect((await s.searchLogs('simulated')).map((h) => [h.requestId, h.jobId, h.jobName, h.try])).toEqual([
      [DEMO, 'ZFmz', 'flaky', 1],
    ]);
  });

  it('a failed request says which job failed, by name, with its exit and last stderr line', async () => {
    const peer = await world();
    const { s } = await console_(peer.url);
    await online(s);
    await s.openRequest(CTX, FAILED);
    const failure = await until('its failure', async () => (await s.request(CTX, FAILED)).request.failure);
    expect(failure).toMatchObject({ count: 1, timedOut: false });
    expect(failure.jobs[0]).toMatchObject({
      jobId: 'jEo3',
      name: 'doomed',
      try: 2,
      exit: 3,
      source: 'stderr',
      lines: ['fatal: simulated failure, exiting 3'],
    });
  });

  it('a suspended request is SUSPENDED, still followed (not finished)', async () => {
    const peer = await world();
    const { s } = await console_(peer.url);
    await online(s);
    const detail = await s.openRequest(CTX, SUSPENDED);
    expect(detail.request).toMatchObject({ state: RequestState.SUSPENDED, finishedAt: null });
    expect(await s.cache.requests.unfinishedIds(CTX)).toContain(SUSPENDED);
  });

  it('a watched request that ended on the server: one notification naming the failed job; the tray counts it', async () => {
    const peer = await world();
    const { s, notifications } = await console_(peer.url);
    // The console last saw it running, and watches it.
    const failed = recordedRequests().find((r) => r.id === FAILED)!;
    await s.cache.requests.put(
      CTX,
      { ...requestFields(failed), state: RequestState.RUNNING, finishedAt: null },
      { watched: true },
    );
    await until('the notification', () => notifications.length > 0);
    await new Promise((r) => setTimeout(r, 500)); // a few more passes: still one
    expect(notifications).toEqual([
      expect.objectContaining({
        context: CTX,
        requestId: FAILED,
        from: RequestState.RUNNING,
        to: RequestState.FAIL,
        failedJobs: ['jEo3'],
      }),
    ]);
    expect(notifications[0]?.body).toContain('doomed · jEo3 · exit 3 · fatal: simulated failure, exiting 3');
    expect((await s.cache.requests.trayModel(Date.parse(failed.createdAt) + 60_000)).failed).toBe(1);
  });

  it('starts from the request types and stops, through the server', async () => {
    const peer = await world();
    const { s } = await console_(peer.url);
    await online(s);
    const types = await s.requestList(CTX);
    expect(types.find((t) => t.name === 'demo')?.args.map((a) => [a.name, a.kind, a.default])).toEqual([
      ['msg', 'required', null],
      ['sleepSeconds', 'optional', '3'],
      ['failTimes', 'optional', '1'],
    ]);
    const created = await s.createRequest(CTX, 'demo', { msg: 'world' });
    expect(created).toMatchObject({ type: 'demo', origin: 'console', watched: true, args: { msg: 'world' } });
    // As 2017 sent it: v2 reads the keys whatever their case (recorded: 096).
    expect(JSON.parse(peer.received.find((r) => r.method === 'POST')?.body ?? '')).toEqual({
      Type: 'demo',
      Args: { msg: 'world' },
      User: '',
    });
    await s.stopRequest(CTX, DEMO);
    expect(peer.received.some((r) => r.method === 'PUT' && r.path === `/api/v1/requests/${DEMO}/stop`)).toBe(true);
  });

  it('once the server is gone, everything shown stays readable: the list, the request, its logs', async () => {
    const peer = await world();
    const { s } = await console_(peer.url);
    await online(s);
    const shown = await s.listRequests({ context: CTX }, 0, 200);
    await s.openRequest(CTX, DEMO);
    await peer.close();
    await until('offline', async () => (await status(s))?.online === false);
    expect((await status(s))?.server).toEqual(V2);
    const cached = await s.listRequests({ context: CTX }, 0, 200);
    expect(cached).toMatchObject({ source: 'cache', total: shown.total });
    expect(cached.note).toMatch(/does not answer/);
    expect(cached.items.map((r) => [r.id, r.state])).toEqual(shown.items.map((r) => [r.id, r.state]));
    expect((await s.request(CTX, DEMO)).chain?.jobs.some((j) => j.name === 'nap')).toBe(true);
    expect((await s.jobLogs(CTX, DEMO, 0, 100)).total).toBe(9);
  });
});

describe('a running v2 request (the recorded moment its nap ran)', () => {
  it('runs for as long as its try has run, ticking, longest first, with its try and live status', async () => {
    const peer = await replayV2RunningMoment();
    cleanups.push(() => peer.close());
    const { s } = await console_(peer.url);
    await online(s);
    const detail = await s.openRequest(CTX, DEMO);
    expect(detail.request.state).toBe(RequestState.RUNNING);
    // The nap's try started at 1796234909214345802 ns (v2 says when, not for how long).
    const startedMs = 1796234909214;
    expect(detail.runningSince).toEqual({ y3dr: startedMs });
    const before = Date.now();
    const [first] = await s.jobStatuses(CTX, DEMO);
    const after = Date.now();
    expect(first).toMatchObject({ jobId: 'y3dr', name: 'nap', state: RequestState.RUNNING, try: 1 });
    expect(first?.status).toBe('sleeping 6s since 2026-12-02T18:08:29Z');
    expect(first?.runtime).toBeGreaterThanOrEqual((before - startedMs) / 1000);
    expect(first?.runtime).toBeLessThanOrEqual((after - startedMs) / 1000);
  });
});

describe('credentials', () => {
  it('header values from the secret store reach the server, and never the cache', async () => {
    const secret = 'Bearer s3cr3t-0123456789abcdef';
    const peer = await world();
    const { s, dir } = await console_(peer.url, {
      auth: { headers: ['Authorization'] },
      values: { Authorization: secret },
    });
    await online(s);
    await s.listRequests({ context: CTX }, 0, 200);
    await s.openRequest(CTX, DEMO);
    expect(peer.received.length).toBeGreaterThan(3);
    expect(peer.received.every((r) => r.headers.authorization === secret)).toBe(true);
    expect((await s.contexts())[0]?.auth).toEqual({
      headers: ['Authorization'],
      caFile: null,
      certFile: null,
      keyFile: null,
    });
    await s.stop();
    for (const file of readdirSync(dir).filter((f) => f.startsWith('cache.db'))) {
      expect(readFileSync(path.join(dir, file)).includes('s3cr3t')).toBe(false);
    }
    expect(JSON.parse(readFileSync(path.join(dir, 'credentials.json'), 'utf8'))).toEqual({
      [CTX]: { Authorization: secret },
    });
  });

  it('a context needs a value for each of its headers; one with a line break is refused', async () => {
    const peer = await world();
    const { s } = await console_(peer.url);
    const ctx = (await s.contexts())[0]!;
    const auth = { headers: ['X-Token'], caFile: null, certFile: null, keyFile: null };
    await expect(s.putContext({ ...ctx, auth }, CTX)).rejects.toThrow(
      `context ${CTX}: a value for the X-Token header is needed`,
    );
    await expect(s.putContext({ ...ctx, auth }, CTX, { 'X-Token': 'a\r\nHost: evil' })).rejects.toThrow(
      'the value of the X-Token header must be one line of text',
    );
    await expect(
      s.putContext({ ...ctx, auth: { ...auth, caFile: 'relative.pem' } }, CTX, { 'X-Token': 'x' }),
    ).rejects.toThrow('the CA file must be an absolute path');
  });

  it("a 401 to the first question: offline, saying which context and the server's words", async () => {
    const refusing = http.createServer((_req, res) =>
      res
        .writeHead(401, { 'Content-Type': 'application/json', 'X-Spincycle-Version': '2.1.1' })
        .end('{"message":"no token given"}\n'),
    );
    await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => refusing.close(() => r())));
    const url = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`;
    const { s } = await console_(url);
    const down = await until('refused', async () => {
      const now = await status(s);
      return now?.online === false && now;
    });
    expect(down.error).toBe(`${CTX} (${url}) refused GET /version: 401 not authorized: no token given`);
  });
});

describe('a server found anew', () => {
  it('comes back at the same address speaking v2 where the 2017 original was: the console follows', async () => {
    const original = await replayOriginal(
      ['010-rm-request-list.txt', '011-rm-status-running-idle.txt'].map(readExchange),
    );
    const port = Number(new URL(original.url).port);
    const { s, statuses } = await console_(original.url);
    await online(s);
    expect((await status(s))?.server).toEqual({ generation: '2017', version: null, canFind: false });
    const page = await s.listRequests({ context: CTX }, 0, 50);
    expect(page).toMatchObject({ source: 'cache', total: 0 });
    expect(page.note).toMatch(/the 2017 original\) cannot list its requests/);

    await original.close();
    await until('offline', async () => (await status(s))?.online === false);
    await world(port);
    await until('v2 found', async () => {
      const now = await status(s);
      return now?.online && now.server?.generation === 'v2';
    });
    expect(statuses.at(-1)?.server).toEqual(V2);
    expect((await s.listRequests({ context: CTX }, 0, 50)).source).toBe('server');
  });
});
