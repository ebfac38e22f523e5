// ContextSync's view of whether a Request Manager answers, against a closed loopback port and a
// real HTTP server that answers every call with an error: the context's status follows what the
// RM really did.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { Cache } from '../cache/cache';
import { RmClient } from '../client/rm-client';
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
        new RmClient({ baseUrl: url, getRetries: 0 }),
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
      new RmClient({ baseUrl: url, getRetries: 0 }),
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
});
