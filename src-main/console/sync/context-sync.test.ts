// ContextSync's view of whether a Request Manager answers, against a closed loopback port and a
// real HTTP server that answers every call with an error: the context's status follows what the
// RM really did.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { readExchange } from '../../../test/support/http-fixtures';
import { replayOriginal } from '../../../test/support/original-world';
import { STORAGE_STATUS_PATH } from '../../shared/storage-status';
import { Cache } from '../cache/cache';
import { Connection } from '../client/connection';
import { freePort } from '../embedded-engine';
import { ContextSync, type SyncListener } from './context-sync';

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
        new Cache(':memory:'),
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
      new Cache(':memory:'),
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
    const cache = new Cache(path.join(dir, 'cache.db'));
    try {
      cache.putContext(ctx);
      const first = new ContextSync(ctx, new Connection({ baseUrl: url, getRetries: 0 }), cache, quiet);
      expect(first.contextStatus.lastOkMs).toBeNull();
      await first.syncNow();
      const lastOk = first.contextStatus.lastOkMs;
      expect(lastOk).toEqual(expect.any(Number));
      first.stop();
      await new Promise((resolve) => rm.close(resolve));

      // A new sync (new poll intervals, or the console restarted) on the same cache file.
      cache.close();
      const reopened = new Cache(path.join(dir, 'cache.db'));
      const second = new ContextSync(ctx, new Connection({ baseUrl: url, getRetries: 0 }), reopened, quiet);
      expect(second.contextStatus.lastOkMs).toBe(lastOk);
      await second.syncNow();
      expect(second.contextStatus).toMatchObject({ online: false, lastOkMs: lastOk });
      reopened.close();
    } finally {
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
      new Cache(':memory:'),
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
      sync.stop();
      await new Promise((resolve) => rm.close(resolve));
    }
  });

  it('asks the original RM (no storage route) once, and shows nothing about its storage', async () => {
    // The original answers an unknown route 404 `Not Found` (fixture 098).
    const rm = await replayOriginal([readExchange('011-rm-status-running-idle.txt')]);
    const sync = new ContextSync(
      { name: 'prod', url: rm.url, envLabel: null, envColor: null, embedded: false },
      new Connection({ baseUrl: rm.url, getRetries: 0 }),
      new Cache(':memory:'),
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
