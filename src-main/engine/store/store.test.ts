// The SQLite EngineStore: the store contract (test/support/engine/store-contract.ts) on
// in-memory databases, and what is SQLite's own: migrations on a file, write throughput to a
// WAL file.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { log, request, storeContract } from '../../../test/support/engine/store-contract';
import { JobLogWriter } from './job-log-writer';
import { SCHEMA_VERSION } from './schema';
import { SqliteStore } from './store';

let stores: SqliteStore[] = [];
const open = (file = ':memory:') => {
  const s = new SqliteStore(file);
  stores.push(s);
  return s;
};
afterEach(async () => {
  for (const s of stores) await s.close();
  stores = [];
});

storeContract('SQLite', async () => open());

describe('SqliteStore', () => {
  it('migrates a file once and reopens it intact; a database of the first schema gains the runs', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'store-'));
    try {
      const file = path.join(dir, 'engine.db');
      const a = open(file);
      await a.insertRequest(request('r1'), '{}', '{}');
      await a.insertJobLogs([log('r1', 'a@1', 1)]);
      await a.close();
      const b = open(file);
      expect((await b.getRequest('r1'))?.finishedJobs).toBe(1);
      expect(await b.jobLogs('r1')).toHaveLength(1);
      await b.close();
      expect(new Database(file).pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);

      // A request stored before runs were recorded: its first claim makes its run.
      const old = new Database(file);
      old.prepare('DELETE FROM request_runs').run();
      old.close();
      const c = open(file);
      expect(await c.getRun('r1')).toBeUndefined();
      expect(await c.claimRun('r1', 1, null, 5)).toBeNull();
      expect(await c.claimRun('r1', 0, { jrUrl: 'http://jr', resumable: true }, 5)).toBe(1);
      expect(await c.getRun('r1')).toMatchObject({ epoch: 1, jrUrl: 'http://jr', resumable: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stores every log of many concurrent arrivals to a WAL file (rates: bench/engine.bench.ts)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'store-'));
    try {
      const s = open(path.join(dir, 'engine.db'));
      const w = new JobLogWriter(s);
      const n = 20_000;
      for (let r = 0; r < 20; r++) await s.insertRequest(request(`r${r}`), '{}', '{}');
      // Arrivals spread over many ticks, like logs from a JR.
      for (let i = 0; i < n; i += 50) {
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, k) => w.write(log(`r${(i + k) % 20}`, `j@${i + k}`, 1))),
        );
        expect(results.every((r) => r === 'stored')).toBe(true);
      }
      let stored = 0;
      for (let r = 0; r < 20; r++) stored += (await s.jobLogs(`r${r}`)).length;
      expect(stored).toBe(n);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
