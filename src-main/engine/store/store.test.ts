// EngineStore and JobLogWriter: round trips (exact int64 times, any exit), conditional state
// changes, duplicates, ordering, big chains, migrations on a file, write throughput.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { STATE_COMPLETE, STATE_FAIL, STATE_PENDING, STATE_RUNNING, type JobLog } from '../../shared/proto';
import { wireJobLog } from '../../../test/support/wire-records';
import { JobLogWriter } from './job-log-writer';
import { EngineStore, type StoredRequest } from './store';
import { SCHEMA_VERSION } from './schema';

const request = (id: string, over: Partial<StoredRequest> = {}): StoredRequest => ({
  id,
  type: 'hello',
  state: STATE_PENDING,
  user: 'admin',
  createdAt: 1_700_000_000_123,
  startedAt: null,
  finishedAt: null,
  totalJobs: 3,
  finishedJobs: 0,
  ...over,
});

const log = (requestId: string, jobId: string, tryN: number, over: Partial<JobLog> = {}) =>
  wireJobLog(requestId, jobId, tryN, { type: 'noop', ...over });

let stores: EngineStore[] = [];
const open = (file = ':memory:') => {
  const s = new EngineStore(file);
  stores.push(s);
  return s;
};
afterEach(() => {
  for (const s of stores) s.close();
  stores = [];
});

describe('EngineStore', () => {
  it('stores and reads a request, its params and its chain', () => {
    const s = open();
    s.insertRequest(request('r1'), '{"Type":"hello"}', '{"requestId":"r1"}');
    expect(s.getRequest('r1')).toEqual(request('r1'));
    expect(s.paramsJson('r1')).toBe('{"Type":"hello"}');
    expect(s.chainJson('r1')).toBe('{"requestId":"r1"}');
    expect(s.getRequest('nope')).toBeUndefined();
  });

  it('keeps chains far beyond 64 KB', () => {
    const s = open();
    const big = JSON.stringify({ jobs: 'x'.repeat(5_000_000) });
    s.insertRequest(request('r1'), '{}', big);
    expect(s.chainJson('r1')).toBe(big);
  });

  it('changes state only from the expected state', () => {
    const s = open();
    s.insertRequest(request('r1'), '{}', '{}');
    expect(s.markFinished('r1', STATE_COMPLETE, 5)).toBe(false);
    expect(s.markStarted('r1', 10)).toBe(true);
    expect(s.markStarted('r1', 11)).toBe(false);
    expect(s.requestIdsInState(STATE_RUNNING)).toEqual(['r1']);
    expect(s.markFinished('r1', STATE_FAIL, 20)).toBe(true);
    expect(s.getRequest('r1')).toMatchObject({ state: STATE_FAIL, startedAt: 10, finishedAt: 20 });
  });

  it('round-trips job logs exactly: int64 nanoseconds, any exit, big text', () => {
    const s = open();
    s.insertRequest(request('r1'), '{}', '{}');
    const l = log('r1', 'a@1', 1, {
      exit: -9_007_199_254_740_991,
      stdout: 'out\n'.repeat(100_000),
      stderr: 'é\u0000x',
      startedAt: 9_223_372_036_854_775_807n,
    });
    expect(s.insertJobLogs([l])).toEqual(['stored']);
    expect(s.latestJobLog('r1', 'a@1')).toEqual(l);
  });

  it('reports duplicates without writing them, counts COMPLETE tries', () => {
    const s = open();
    s.insertRequest(request('r1'), '{}', '{}');
    const results = s.insertJobLogs([
      log('r1', 'b@2', 1, { state: STATE_FAIL, exit: 1 }),
      log('r1', 'b@2', 2),
      log('r1', 'a@1', 1),
      log('r1', 'a@1', 1, { stdout: 'again' }),
    ]);
    expect(results).toEqual(['stored', 'stored', 'stored', 'duplicate']);
    expect(s.getRequest('r1')?.finishedJobs).toBe(2);
    expect(s.jobLogs('r1').map((l) => [l.jobId, l.try, l.stdout])).toEqual([
      ['a@1', 1, ''],
      ['b@2', 1, ''],
      ['b@2', 2, ''],
    ]);
    expect(s.latestJobLog('r1', 'b@2')?.try).toBe(2);
    expect(s.latestJobStates('r1')).toEqual(
      new Map([
        ['a@1', STATE_COMPLETE],
        ['b@2', STATE_COMPLETE],
      ]),
    );
  });

  it('migrates a file once and reopens it intact', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'store-'));
    try {
      const file = path.join(dir, 'engine.db');
      const a = open(file);
      a.insertRequest(request('r1'), '{}', '{}');
      a.insertJobLogs([log('r1', 'a@1', 1)]);
      a.close();
      const b = open(file);
      expect(b.getRequest('r1')?.finishedJobs).toBe(1);
      expect(b.jobLogs('r1')).toHaveLength(1);
      expect(SCHEMA_VERSION).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('JobLogWriter', () => {
  it('groups logs of one tick and answers each caller', async () => {
    const s = open();
    s.insertRequest(request('r1'), '{}', '{}');
    const w = new JobLogWriter(s);
    const results = await Promise.all([w.write(log('r1', 'a@1', 1)), w.write(log('r1', 'a@1', 1))]);
    expect(results).toEqual(['stored', 'duplicate']);
  });

  it('stores every log of many concurrent arrivals to a WAL file (rates: bench/engine.bench.ts)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'store-'));
    try {
      const s = open(path.join(dir, 'engine.db'));
      const w = new JobLogWriter(s);
      const n = 20_000;
      for (let r = 0; r < 20; r++) s.insertRequest(request(`r${r}`), '{}', '{}');
      // Arrivals spread over many ticks, like logs from a JR.
      for (let i = 0; i < n; i += 50) {
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, k) => w.write(log(`r${(i + k) % 20}`, `j@${i + k}`, 1))),
        );
        expect(results.every((r) => r === 'stored')).toBe(true);
      }
      const stored = Array.from({ length: 20 }, (_, r) => s.jobLogs(`r${r}`).length).reduce((a, b) => a + b, 0);
      expect(stored).toBe(n);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
