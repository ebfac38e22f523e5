// listRequests' total while paging: counted once per filter and reused only while nothing was
// written, by this connection or another one (a real SQLite file, two connections).

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { STATE_COMPLETE, STATE_RUNNING, type Request } from '../../shared/proto';
import { Cache } from './cache';

let file: string;
beforeEach(() => {
  file = path.join(mkdtempSync(path.join(tmpdir(), 'sc-list-')), 'cache.db');
});

const request = (i: number, state = STATE_RUNNING): Request => ({
  id: `r${String(i).padStart(5, '0')}`,
  type: i % 2 ? 'deploy' : 'backup',
  state,
  user: 'alice',
  createdAt: new Date(Date.UTC(2026, 10, 27) - i * 60_000).toISOString(),
  startedAt: null,
  finishedAt: null,
  totalJobs: 3,
  finishedJobs: 0,
});

function seeded(n: number): Cache {
  const cache = new Cache(file);
  cache.contexts.put({ name: 'local', url: 'http://127.0.0.1:9', envLabel: null, envColor: null, embedded: false });
  cache.transaction(() => {
    for (let i = 0; i < n; i++) cache.requests.put('local', request(i));
  });
  return cache;
}

describe('listRequests total', () => {
  it('is the same on every page of one filter, and each page has its own rows', () => {
    const cache = seeded(250);
    const pages = [0, 100, 200].map((offset) => cache.requests.list({ context: 'local' }, offset, 100));
    expect(pages.map((p) => p.total)).toEqual([250, 250, 250]);
    expect(pages.map((p) => p.items.length)).toEqual([100, 100, 50]);
    expect(pages[1]?.items[0]?.id).toBe('r00100');
    const deploys = cache.requests.list({ context: 'local', types: ['deploy'] }, 100, 100);
    expect(deploys.total).toBe(125);
    expect(cache.requests.list({ context: 'local' }, 0, 1).total).toBe(250);
    cache.close();
  });

  it('counts again after a write on this connection', () => {
    const cache = seeded(10);
    expect(cache.requests.list({ context: 'local' }, 0, 5).total).toBe(10);
    cache.requests.put('local', request(10));
    expect(cache.requests.list({ context: 'local' }, 5, 5).total).toBe(11);
    cache.requests.put('local', { ...request(3), state: STATE_COMPLETE });
    expect(cache.requests.list({ context: 'local', states: [STATE_COMPLETE] }, 0, 5).total).toBe(1);
    expect(cache.requests.list({ context: 'local', states: [STATE_RUNNING] }, 0, 5).total).toBe(10);
    cache.close();
  });

  it('counts again after another connection wrote to the file', () => {
    const cache = seeded(10);
    expect(cache.requests.list({ context: 'local' }, 0, 5).total).toBe(10);
    const other = new Database(file);
    other.prepare('DELETE FROM requests WHERE id = ?').run('r00004');
    other.close();
    const page = cache.requests.list({ context: 'local' }, 0, 5);
    expect(page.total).toBe(9);
    expect(page.items.map((r) => r.id)).not.toContain('r00004');
    cache.close();
  });
});
