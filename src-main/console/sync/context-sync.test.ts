// ContextSync against a closed loopback port and real HTTP servers: the context's status follows
// what the RM really did, and what an RM says of one request is cached for that request only
// (a failed one's summary read included) and announced.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readExchange } from '../../../test/support/http-fixtures';
import { replayOriginal } from '../../../test/support/original-world';
import {
  STATE_COMPLETE,
  STATE_FAIL,
  STATE_RUNNING,
  encodeJobChain,
  encodeJobLog,
  encodeJobLogs,
  encodeRequest,
  encodeRequestStatus,
  encodeRunningStatus,
  type JobLog,
} from '../../shared/proto';
import { STORAGE_STATUS_PATH } from '../../shared/storage-status';
import { CacheHost } from '../cache-host';
import { Connection } from '../client/connection';
import { freePort } from '../embedded-engine';
import { wireJobLog, wireJobStatus, wireRequest } from '../../../test/support/wire-records';
import { ContextSync, type StateChange, type SyncListener } from './context-sync';
import type { RequestPart } from '../../shared/console-model';

const hosts: CacheHost[] = [];
afterEach(async () => {
  for (const host of hosts.splice(0)) await host.close();
});

/** The cache on its worker, as the console core has it. */
async function openCache(file = ':memory:') {
  const host = await CacheHost.open({ file });
  hosts.push(host);
  return host.cache;
}

const quiet: SyncListener = {
  contextStatus: () => {},
  requestsChanged: () => {},
  requestUpdated: () => {},
  stateChanged: () => {},
};

describe('context status', () => {
  it('counts an RM that answers with an error as reachable, and opening a request as a sync', async () => {
    const rm = createServer((_req, res) => res.writeHead(404, { 'Content-Type': 'text/plain' }).end('no such thing'));
    await new Promise<void>((resolve) => rm.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(rm.address() as AddressInfo).port}`;
      const sync = new ContextSync(
        { name: 'local', url, envLabel: null, envColor: null, embedded: false },
        new Connection({ baseUrl: url, getRetries: 0 }),
        await openCache(),
        null,
        quiet,
      );
      await expect(sync.syncRequest('gone')).rejects.toThrow(/no such thing/);
      expect(sync.contextStatus).toMatchObject({ online: true, lastOkMs: expect.any(Number) });
    } finally {
      await new Promise((resolve) => rm.close(resolve));
    }
  });

  it('stays offline after a pass where nothing was viewed (no call made, nothing learned)', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const statuses: boolean[] = [];
    const listener: SyncListener = {
      contextStatus: (s) => statuses.push(s.online),
      requestsChanged: () => {},
      requestUpdated: () => {},
      stateChanged: () => {},
    };
    const sync = new ContextSync(
      { name: 'local', url, envLabel: null, envColor: null, embedded: false },
      new Connection({ baseUrl: url, getRetries: 0 }),
      await openCache(),
      null,
      listener,
    );
    await sync.syncNow(); // the running list (unreachable), then the viewed requests (none)
    expect(sync.contextStatus).toMatchObject({
      online: false,
      lastOkMs: null,
      error: expect.stringMatching(/refused/),
    });
    expect(statuses).toEqual([false]);
  });

  it('remembers the last contact across a restart, and still knows it when the RM is gone', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'spincycle-sync-'));
    const rm = createServer((_req, res) => res.writeHead(404, { 'Content-Type': 'text/plain' }).end('no such thing'));
    await new Promise<void>((resolve) => rm.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(rm.address() as AddressInfo).port}`;
    const ctx = { name: 'prod', url, envLabel: null, envColor: null, embedded: false };
    const first = await CacheHost.open({ file: path.join(dir, 'cache.db') });
    try {
      await first.cache.contexts.put(ctx);
      const sync = new ContextSync(ctx, new Connection({ baseUrl: url, getRetries: 0 }), first.cache, null, quiet);
      expect(sync.contextStatus.lastOkMs).toBeNull();
      await sync.syncNow();
      const lastOk = sync.contextStatus.lastOkMs;
      expect(lastOk).toEqual(expect.any(Number));
      await sync.stop();
      await new Promise((resolve) => rm.close(resolve));

      // A new sync (new poll intervals, or the console restarted) on the same cache file.
      await first.close();
      const reopened = await openCache(path.join(dir, 'cache.db'));
      const remembered = await reopened.contexts.lastContact('prod');
      expect(remembered).toBe(lastOk);
      const second = new ContextSync(ctx, new Connection({ baseUrl: url, getRetries: 0 }), reopened, remembered, quiet);
      await second.syncNow();
      expect(second.contextStatus).toMatchObject({ online: false, lastOkMs: lastOk });
    } finally {
      await first.close();
      rm.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps syncing the viewed requests after new poll intervals, without a second loop', async () => {
    const asked: string[] = [];
    const rm = createServer((req, res) => {
      asked.push(req.url ?? '');
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('no such thing');
    });
    await new Promise<void>((resolve) => rm.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(rm.address() as AddressInfo).port}`;
    const sync = new ContextSync(
      { name: 'prod', url, envLabel: null, envColor: null, embedded: false },
      new Connection({ baseUrl: url, getRetries: 0 }),
      await openCache(),
      null,
      quiet,
      { viewedMs: 3_600_000, otherMs: 3_600_000, maxBackoffMs: 3_600_000 },
    );
    try {
      sync.setViewed('r1', true);
      sync.start();
      await vi.waitFor(() => expect(asked).toContain('/api/v1/requests/r1'));
      sync.setIntervals({ viewedMs: 20, otherMs: 3_600_000, maxBackoffMs: 3_600_000 });
      await vi.waitFor(() => expect(asked.filter((u) => u === '/api/v1/requests/r1').length).toBeGreaterThanOrEqual(5));
      sync.stop();
      const running = asked.filter((u) => u === '/api/v1/status/running').length;
      expect(running).toBe(2); // once per start: the old loop did not carry on beside the new one
    } finally {
      await sync.stop();
      await new Promise((resolve) => rm.close(resolve));
    }
  });

  it('asks the original RM (no storage route) once, and shows nothing about its storage', async () => {
    // The original answers an unknown route 404 `Not Found` (fixture 098).
    const rm = await replayOriginal([readExchange('011-rm-status-running-idle.txt')]);
    const sync = new ContextSync(
      { name: 'prod', url: rm.url, envLabel: null, envColor: null, embedded: false },
      new Connection({ baseUrl: rm.url, getRetries: 0 }),
      await openCache(),
      null,
      quiet,
    );
    try {
      await sync.syncNow();
      await sync.syncNow();
      expect(rm.received.map((r) => r.path)).toEqual([
        // What it speaks, asked once: the 2017 original (GET /version 404, no find).
        '/version',
        '/api/v1/requests?limit=1',
        STORAGE_STATUS_PATH,
        '/api/v1/status/running',
        '/api/v1/status/running',
      ]);
      expect(sync.contextStatus).toMatchObject({ online: true, storage: null });
    } finally {
      await rm.close();
    }
  });
});

/**
 * Opens request r1 once against an RM that answers `replies` (by path; anything else is a 404),
 * with a cache on its worker; what the cache then holds, and the parts announced.
 */
async function openOnce(replies: Record<string, string>) {
  const rm = createServer((req, res) => {
    const body = replies[req.url ?? ''];
    if (body) res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
    else res.writeHead(404, { 'Content-Type': 'text/plain' }).end('no such thing');
  });
  await new Promise<void>((resolve) => rm.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(rm.address() as AddressInfo).port}`;
    const cache = await openCache();
    const updated: RequestPart[][] = [];
    const listener = {
      ...quiet,
      requestUpdated: (_c: string, _id: string, parts: RequestPart[]) => updated.push(parts),
    };
    const ctx = { name: 'prod', url, envLabel: null, envColor: null, embedded: false };
    const sync = new ContextSync(ctx, new Connection({ baseUrl: url, getRetries: 0 }), cache, null, listener);
    await sync.syncRequest('r1');
    await sync.stop();
    return { cache, updated };
  } finally {
    await new Promise((resolve) => rm.close(resolve));
  }
}

describe('what an RM says of a request', () => {
  it('is cached for that request only, whatever request its parts name', async () => {
    const request = wireRequest('r1', { state: STATE_COMPLETE, finishedAt: '2026-11-27T10:00:05Z', finishedJobs: 1 });
    const log = (requestId: string, tryN: number) =>
      wireJobLog(requestId, 'a@1', tryN, { stdout: `try ${tryN} of ${requestId}` });
    // An RM whose chain and logs for r1 also name r2.
    const { cache } = await openOnce({
      '/api/v1/requests/r1': encodeRequest(request),
      '/api/v1/requests/r1/job-chain': encodeJobChain({ requestId: 'r2', jobs: {}, adjacencyList: {}, state: 3 }),
      '/api/v1/requests/r1/status': encodeRequestStatus({
        request,
        jobChainStatus: { requestId: 'r1', jobStatuses: [] },
      }),
      '/api/v1/requests/r1/log': encodeJobLogs([log('r1', 1), log('r2', 7)]),
    });
    expect(await cache.chains.hasChain('prod', 'r1')).toBe(true);
    expect(await cache.chains.hasChain('prod', 'r2')).toBe(false);
    expect(await cache.logs.tries('prod', 'r1')).toEqual(new Set(['a@1#1']));
    expect(await cache.logs.tries('prod', 'r2')).toEqual(new Set());
  });

  it('of a failed request: the try its summary reads is cached, said to open pages, and kept to that request', async () => {
    const request = wireRequest('r1', { state: STATE_FAIL, finishedAt: '2026-11-27T10:00:05Z' });
    const failedTry = (requestId: string) =>
      wireJobLog(requestId, 'a@1', 1, { state: STATE_FAIL, exit: 3, stderr: `error: ${requestId}'s disk is full\n` });
    /** The RM of a request whose one job failed, its last try `lastTry`. */
    const replies = (lastTry: JobLog) => ({
      '/api/v1/requests/r1': encodeRequest(request),
      '/api/v1/requests/r1/job-chain': encodeJobChain({ requestId: 'r1', jobs: {}, adjacencyList: {}, state: 4 }),
      '/api/v1/requests/r1/status': encodeRequestStatus({
        request,
        jobChainStatus: { requestId: 'r1', jobStatuses: [wireJobStatus('r1', 'a@1', { state: STATE_FAIL })] },
      }),
      '/api/v1/requests/r1/log/a@1': encodeJobLog(lastTry),
      '/api/v1/requests/r1/log': encodeJobLogs([lastTry].filter((l) => l.requestId === 'r1')),
    });

    const own = await openOnce(replies(failedTry('r1')));
    expect(await own.cache.logs.tries('prod', 'r1')).toEqual(new Set(['a@1#1']));
    // The pass's own log sync finds it cached: only the summary's read can say so.
    expect(own.updated.filter((parts) => parts.includes('logs'))).toHaveLength(1);
    expect((await own.cache.requests.get('prod', 'r1'))?.failure?.jobs[0]).toMatchObject({
      exit: 3,
      lines: ["error: r1's disk is full"],
    });
    // A reply for r1 that is r2's try: not cached, not summarized as r1's.
    const stray = await openOnce(replies(failedTry('r2')));
    expect(await stray.cache.logs.tries('prod', 'r2')).toEqual(new Set());
    expect(stray.updated.filter((parts) => parts.includes('logs'))).toEqual([]);
    expect((await stray.cache.requests.get('prod', 'r1'))?.failure?.jobs[0]).toMatchObject({ try: 0, exit: null });
  });
});

describe('reads of one request answered out of order', () => {
  it('an answer asked for before a newer one was taken in is dropped: no RUNNING -> FAIL from before a retry', async () => {
    const failed = wireRequest('r1', { state: STATE_FAIL, finishedAt: '2026-11-27T10:00:05Z' });
    const running = wireRequest('r1', { state: STATE_RUNNING });
    let now = failed;
    /** While set, answers to reads of r1 wait for it: the read is asked, its answer held. */
    let held: Promise<void> | null = null;
    let heldAsked = 0;
    const rm = createServer((req, res) => {
      const request = now; // the RM's answer is what it knew when asked
      const replies: Record<string, string> = {
        '/api/v1/requests/r1': encodeRequest(request),
        '/api/v1/requests/r1/job-chain': encodeJobChain({ requestId: 'r1', jobs: {}, adjacencyList: {}, state: 3 }),
        '/api/v1/requests/r1/status': encodeRequestStatus({
          request,
          jobChainStatus: { requestId: 'r1', jobStatuses: [wireJobStatus('r1', 'a@1', { state: request.state })] },
        }),
        '/api/v1/requests/r1/log': encodeJobLogs([]),
        '/api/v1/status/running': encodeRunningStatus(
          request.state === STATE_RUNNING
            ? { jobs: [wireJobStatus('r1', 'a@1', { state: STATE_RUNNING, runtime: 2 })], requests: { r1: request } }
            : {},
        ),
      };
      const body = replies[req.url ?? ''];
      const answer = () =>
        body
          ? res.writeHead(200, { 'Content-Type': 'application/json' }).end(body)
          : res.writeHead(404, { 'Content-Type': 'text/plain' }).end('no such thing');
      if (held && req.url === '/api/v1/requests/r1') {
        heldAsked++;
        void held.then(answer);
      } else answer();
    });
    await new Promise<void>((resolve) => rm.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(rm.address() as AddressInfo).port}`;
      const cache = await openCache();
      const changes: Array<[number, number]> = [];
      const listener = { ...quiet, stateChanged: (c: StateChange) => changes.push([c.from, c.request.state]) };
      const ctx = { name: 'prod', url, envLabel: null, envColor: null, embedded: false };
      const sync = new ContextSync(ctx, new Connection({ baseUrl: url, getRetries: 0 }), cache, null, listener);
      await sync.syncRequest('r1');
      expect((await cache.requests.get('prod', 'r1'))?.state).toBe(STATE_FAIL);

      // A read asked while it is FAIL, its answer slow; then it is retried and read again.
      let release: () => void = () => {};
      held = new Promise((resolve) => (release = resolve));
      const slow = sync.syncRequest('r1');
      await vi.waitFor(() => expect(heldAsked).toBe(1));
      held = null;
      now = running;
      await sync.syncRequest('r1');
      expect((await cache.requests.get('prod', 'r1'))?.state).toBe(STATE_RUNNING);
      release();
      await slow;

      expect((await cache.requests.get('prod', 'r1'))?.state).toBe(STATE_RUNNING);
      expect(changes).toEqual([[STATE_FAIL, STATE_RUNNING]]);
      await sync.stop();
    } finally {
      await new Promise((resolve) => rm.close(resolve));
    }
  });
});
