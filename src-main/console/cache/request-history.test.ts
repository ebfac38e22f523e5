// The cached history of requests (migration 8): the RM's answer read back, re-runs the console
// recorded itself merged in, all of it carried along when its context is renamed, and a cache
// at schema 7 (live output as followed) brought to it with what it held.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { STATE_COMPLETE, STATE_FAIL, STATE_RUNNING } from '../../shared/proto';
import type { RequestHistory } from '../../shared/rm-extensions';
import { wireJobLog, wireRequest } from '../../../test/support/wire-records';
import { Cache } from './cache';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations';
import { migrate } from './open-cache';

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

describe('a cache at schema 7 (live output as followed)', () => {
  it('gains request history (migration 8), keeps the followed try readable, and forgets it once its log is stored (9)', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'sc-history-')), 'cache.db');
    const v7 = new Database(file);
    migrate(v7, MIGRATIONS.slice(0, 7));
    v7.prepare(
      `INSERT INTO live_tries VALUES ('prod', 'r1', 'b@2', 1, ${STATE_RUNNING}, 'host 37 of 40', 1, 0, NULL,
       20, 0, 20, 0, 0, 0, 1000)`,
    ).run();
    v7.prepare(`INSERT INTO live_text VALUES ('prod', 'r1', 'b@2', 1, 'stdout', 0, 20, 'restarting host 37\n')`).run();
    expect(() => v7.prepare('SELECT 1 FROM request_history').get()).toThrow(/no such table/);
    v7.close();

    const c = new Cache(file);
    caches.push(c);
    expect(c.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(9);
    expect(c.live.latest('prod', 'r1', 'b@2')).toMatchObject({ try: 1, status: 'host 37 of 40', stdoutChars: 20 });
    expect(c.live.text('prod', 'r1', 'b@2', 1, 'stdout', 0, 100)?.text).toBe('restarting host 37\n');
    c.history.put('prod', history);
    expect(c.history.get('prod', 'r1')).toEqual(history);

    // Another try's log leaves it; its own log takes its place.
    c.logs.put('prod', [wireJobLog('r1', 'b@2', 2), wireJobLog('r1', 'a@1', 1)]);
    expect(c.live.latest('prod', 'r1', 'b@2')).toMatchObject({ try: 1 });
    c.logs.put('prod', [wireJobLog('r1', 'b@2', 1, { stdout: 'restarting host 37\nrestarted\n' })]);
    expect(c.live.latest('prod', 'r1', 'b@2')).toBeNull();
    expect(c.live.text('prod', 'r1', 'b@2', 1, 'stdout', 0, 100)).toBeNull();
    expect(c.db.prepare('SELECT COUNT(*) FROM live_text').pluck().get()).toBe(0);
  });
});
