// ContextSync against an unreachable Request Manager (a closed loopback port): the context's
// status follows what the RM really answered.

import { describe, expect, it } from 'vitest';
import { Cache } from '../cache/cache';
import { RmClient } from '../client/rm-client';
import { freePort } from '../embedded-engine';
import { ContextSync, type SyncListener } from './context-sync';

describe('context status', () => {
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
