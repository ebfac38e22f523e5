// The cached history of requests (migration 7): the RM's answer read back, re-runs the console
// recorded itself merged in, and all of it carried along when its context is renamed.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { STATE_COMPLETE, STATE_FAIL } from '../../shared/proto';
import type { RequestHistory } from '../../shared/rm-extensions';
import { wireRequest } from '../../../test/support/wire-records';
import { Cache } from './cache';

let caches: Cache[] = [];
afterEach(() => {
  for (const c of caches) c.close();
  caches = [];
});
const open = () => {
  const c = new Cache(path.join(mkdtempSync(path.join(tmpdir(), 'sc-history-')), 'cache.db'));
  caches.push(c);
  return c;
};

const history: RequestHistory = {
  requestId: 'r1',
  type: 'deploy',
  rerunOf: null,
  reruns: ['r2'],
  attempts: [
    {
      attempt: 1,
      kind: 'start',
      user: 'ann',
      startedAt: '2026-05-01T09:00:00Z',
      finishedAt: '2026-05-01T09:05:00Z',
      state: STATE_FAIL,
      jobs: [],
      triesBefore: {},
    },
    {
      attempt: 2,
      kind: 'retry',
      user: 'bob',
      startedAt: '2026-05-01T10:00:00Z',
      finishedAt: '2026-05-01T10:01:00Z',
      state: STATE_COMPLETE,
      jobs: ['b@2'],
      triesBefore: { 'b@2': 1 },
    },
  ],
};

describe('cached request history', () => {
  it('reads back the RM’s answer and merges the re-runs the console recorded', () => {
    const c = open();
    c.requests.put('prod', wireRequest('r1'));
    expect(c.history.get('prod', 'r1')).toBeNull();
    expect(c.history.view('prod', 'r1')).toEqual({ attempts: [], rerunOf: null, reruns: [] });

    c.history.put('prod', history);
    expect(c.history.get('prod', 'r1')).toEqual(history);
    c.history.putRerun('prod', 'r3', 'r1');
    c.history.putRerun('prod', 'r2', 'r1'); // the RM's own link, recorded here too: listed once
    expect(c.history.view('prod', 'r1')).toEqual({ attempts: history.attempts, rerunOf: null, reruns: ['r2', 'r3'] });
    expect(c.history.view('prod', 'r3')).toEqual({ attempts: [], rerunOf: 'r1', reruns: [] });
  });

  it('goes along when its context is renamed', () => {
    const c = open();
    c.contexts.put({ name: 'prod', url: 'http://rm:8888', envLabel: null, envColor: null, embedded: false });
    c.requests.put('prod', wireRequest('r1'));
    c.history.put('prod', history);
    c.history.putRerun('prod', 'r3', 'r1');
    c.contexts.put(
      { name: 'prod-east', url: 'http://rm:8888', envLabel: null, envColor: null, embedded: false },
      'prod',
    );
    expect(c.history.get('prod-east', 'r1')).toEqual(history);
    expect(c.history.view('prod-east', 'r3').rerunOf).toBe('r1');
    expect(c.history.get('prod', 'r1')).toBeNull();
  });
});
