// The EngineStore contract: what every store (SQLite, MariaDB/MySQL) must do, as one suite each
// store's test file runs against its own fresh, empty databases.

import { describe, expect, it } from 'vitest';
import {
  STATE_COMPLETE,
  STATE_FAIL,
  STATE_PENDING,
  STATE_RUNNING,
  STATE_STOPPED,
  type JobLog,
} from '../../../src-main/shared/proto';
import type { EngineStore, StoredRequest } from '../../../src-main/engine/store/engine-store';
import { JobLogWriter } from '../../../src-main/engine/store/job-log-writer';
import { parseFindQuery } from '../../../src-main/engine/rm/find-query';
import { wireJobLog } from '../wire-records';

export const request = (id: string, over: Partial<StoredRequest> = {}): StoredRequest => ({
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

/** A job log of a noop job: COMPLETE, with exact int64 nanosecond times. */
export const log = (requestId: string, jobId: string, tryN: number, over: Partial<JobLog> = {}): JobLog =>
  wireJobLog(requestId, jobId, tryN, { type: 'noop', ...over });

const running = (id: string, over: Partial<StoredRequest> = {}) =>
  request(id, { state: STATE_RUNNING, startedAt: 1_700_000_000_200, ...over });

/** Runs the contract on stores made by `open` (each call: a new, empty database). */
export function storeContract(name: string, open: () => Promise<EngineStore>): void {
  describe(`EngineStore contract: ${name}`, () => {
    it('stores and reads a request, its params, its chain and its run', async () => {
      const s = await open();
      await s.insertRequest(request('r1'), '{"Type":"hello"}', '{"requestId":"r1"}');
      await s.insertRequest(running('r2'), '{}', '{}', { jrUrl: 'http://jr1:9999', resumable: true });
      expect(await s.getRequest('r1')).toEqual(request('r1'));
      expect(await s.paramsJson('r1')).toBe('{"Type":"hello"}');
      expect(await s.chainJson('r1')).toBe('{"requestId":"r1"}');
      expect(await s.getRequest('nope')).toBeUndefined();
      expect(await s.chainJson('nope')).toBeUndefined();
      expect(await s.getRun('r1')).toMatchObject({ epoch: 0, jrUrl: null, resumable: false });
      expect(await s.getRun('r2')).toEqual({
        requestId: 'r2',
        epoch: 1,
        jrUrl: 'http://jr1:9999',
        resumable: true,
        suspended: false,
        stopRequested: false,
        assignedAt: 1_700_000_000_123,
      });
      expect(s.where).not.toMatch(/password/);
    });

    it('keeps chains far beyond 64 KB', async () => {
      const s = await open();
      const big = JSON.stringify({ jobs: 'x'.repeat(5_000_000) });
      await s.insertRequest(request('r1'), '{}', big);
      expect(await s.chainJson('r1')).toBe(big);
    });

    it('changes state only from the expected state', async () => {
      const s = await open();
      await s.insertRequest(request('r1'), '{}', '{}');
      await s.insertRequest(request('r2', { createdAt: 1_700_000_000_124 }), '{}', '{}');
      expect(await s.markFinished('r1', STATE_COMPLETE, 5)).toBe(false);
      expect(await s.markStarted('r1', 10)).toBe(true);
      expect(await s.markStarted('r1', 11)).toBe(false);
      expect(await s.markStarted('r2', 12)).toBe(true);
      expect(await s.requestIdsInState(STATE_RUNNING)).toEqual(['r1', 'r2']);
      expect(await s.markFinished('r1', STATE_FAIL, 20)).toBe(true);
      expect(await s.getRequest('r1')).toMatchObject({ state: STATE_FAIL, startedAt: 10, finishedAt: 20 });
      expect(await s.markStarted('nope', 1)).toBe(false);
    });

    it('round-trips job logs exactly: int64 nanoseconds, any exit, big text, any character', async () => {
      const s = await open();
      await s.insertRequest(request('r1'), '{}', '{}');
      const l = log('r1', 'a@1', 1, {
        exit: -9_007_199_254_740_991,
        stdout: 'out\n'.repeat(100_000),
        stderr: 'é\u0000x 🎉 \\ \' "',
        error: 'it\'s "quoted"',
        startedAt: 9_223_372_036_854_775_807n,
        finishedAt: -9_223_372_036_854_775_808n,
      });
      expect(await s.insertJobLogs([l])).toEqual(['stored']);
      expect(await s.latestJobLog('r1', 'a@1')).toEqual(l);
      const small = log('r1', 'b@2', 1, { exit: 9_007_199_254_740_991, startedAt: 0n, finishedAt: 12n });
      await s.insertJobLogs([small]);
      expect(await s.latestJobLog('r1', 'b@2')).toEqual(small);
    });

    it('reports duplicates without writing them, counts COMPLETE jobs once, orders by job then try', async () => {
      const s = await open();
      await s.insertRequest(request('r1'), '{}', '{}');
      const results = await s.insertJobLogs([
        log('r1', 'b@2', 1, { state: STATE_FAIL, exit: 1 }),
        log('r1', 'b@2', 2),
        log('r1', 'a@1', 1),
        log('r1', 'a@1', 1, { stdout: 'again' }),
      ]);
      expect(results).toEqual(['stored', 'stored', 'stored', 'duplicate']);
      expect(await s.insertJobLogs([log('r1', 'a@1', 1), log('r1', 'a@1', 2)])).toEqual(['duplicate', 'stored']);
      expect((await s.getRequest('r1'))?.finishedJobs).toBe(2);
      expect((await s.jobLogs('r1')).map((l) => [l.jobId, l.try, l.stdout])).toEqual([
        ['a@1', 1, ''],
        ['a@1', 2, ''],
        ['b@2', 1, ''],
        ['b@2', 2, ''],
      ]);
      expect((await s.latestJobLog('r1', 'b@2'))?.try).toBe(2);
      expect(await s.latestJobLog('r1', 'zz')).toBeUndefined();
      expect((await s.jobLog('r1', 'b@2', 1))?.state).toBe(STATE_FAIL);
      expect(await s.jobLog('r1', 'b@2', 3)).toBeUndefined();
      expect(await s.jobLog('r1', 'zz', 1)).toBeUndefined();
      expect(await s.latestJobStates('r1')).toEqual(
        new Map([
          ['a@1', STATE_COMPLETE],
          ['b@2', STATE_COMPLETE],
        ]),
      );
      expect((await s.loggedTries('r1')).sort((x, y) => x.jobId.localeCompare(y.jobId) || x.try - y.try)).toEqual([
        { jobId: 'a@1', try: 1 },
        { jobId: 'a@1', try: 2 },
        { jobId: 'b@2', try: 1 },
        { jobId: 'b@2', try: 2 },
      ]);
      expect(await s.jobLogs('nope')).toEqual([]);
    });

    it('stores the 10,003 logs of a 10,003-job chain in one call', async () => {
      const s = await open();
      const n = 10_003;
      const chain = JSON.stringify({
        requestId: 'big',
        jobs: Object.fromEntries(Array.from({ length: n }, (_, i) => [`job@${i}`, { id: `job@${i}`, type: 'noop' }])),
      });
      await s.insertRequest(running('big', { totalJobs: n }), '{}', chain);
      const logs = Array.from({ length: n }, (_, i) => log('big', `job@${i}`, 1, { stdout: `line ${i}\n` }));
      const results = await s.insertJobLogs(logs);
      expect(results.filter((r) => r === 'stored')).toHaveLength(n);
      expect(await s.chainJson('big')).toBe(chain);
      expect((await s.getRequest('big'))?.finishedJobs).toBe(n);
      expect((await s.jobLogs('big')).length).toBe(n);
    });

    it('ends a RUNNING request with its own log, in one step; not one that is not RUNNING', async () => {
      const s = await open();
      await s.insertRequest(running('r1'), '{}', '{}');
      const why = log('r1', 'a@1', 0, {
        state: STATE_STOPPED,
        exit: 1,
        error: 'stopped by the RM',
        startedAt: 0n,
        finishedAt: 0n,
      });
      expect(await s.endRequest('r1', STATE_STOPPED, 30, why)).toBe(true);
      expect(await s.getRequest('r1')).toMatchObject({ state: STATE_STOPPED, finishedAt: 30, finishedJobs: 0 });
      expect(await s.jobLogs('r1')).toEqual([why]);
      expect(await s.endRequest('r1', STATE_FAIL, 40, log('r1', 'b@2', 0))).toBe(false);
      expect(await s.jobLogs('r1')).toEqual([why]);
    });

    it('hands runs over by epoch: one winner, stale posts refused', async () => {
      const s = await open();
      await s.insertRequest(running('r1'), '{}', '{}', { jrUrl: 'http://jr1', resumable: true });
      const [a, b] = await Promise.all([
        s.claimRun('r1', 1, null, 50),
        s.claimRun('r1', 1, { jrUrl: 'http://jr2', resumable: true }, 51),
      ]);
      expect([a, b].filter((e) => e === 2)).toHaveLength(1);
      expect([a, b].filter((e) => e === null)).toHaveLength(1);
      expect(await s.claimRun('r1', 2, { jrUrl: 'http://jr3', resumable: true }, 60)).toBe(3);
      expect(await s.getRun('r1')).toMatchObject({ epoch: 3, jrUrl: 'http://jr3', assignedAt: 60, suspended: false });
      expect(await s.claimRun('nope', 0, null, 1)).toBeNull();

      expect(await s.insertJobLogs([log('r1', 'a@1', 1), log('r1', 'b@2', 1)], [2, 3])).toEqual(['stale', 'stored']);
      expect(await s.insertJobLogs([log('r1', 'c@3', 1)])).toEqual(['stored']); // no epoch: not checked
      expect((await s.jobLogs('r1')).map((l) => l.jobId)).toEqual(['b@2', 'c@3']);

      expect(await s.suspendRun('r1', 2)).toBe(false);
      expect(await s.suspendRun('r1', 3)).toBe(true);
      await s.markStopRequested('r1');
      expect(await s.getRun('r1')).toMatchObject({ suspended: true, stopRequested: true });
      expect(await s.runningRuns()).toEqual([expect.objectContaining({ requestId: 'r1', epoch: 3, suspended: true })]);

      expect(await s.finishRun('r1', STATE_COMPLETE, 70, 2)).toBe('stale');
      expect(await s.finishRun('r1', STATE_COMPLETE, 70, 3)).toBe('finished');
      expect(await s.finishRun('r1', STATE_COMPLETE, 71, 3)).toBe('not-running');
      expect(await s.getRequest('r1')).toMatchObject({ state: STATE_COMPLETE, finishedAt: 70 });
      expect(await s.runningRuns()).toEqual([]);
    });

    it('leases: one holder at a time, renewed by it, taken once it lapses, given up', async () => {
      const s = await open();
      expect(await s.acquireLease('background', 'rm-a', 60_000)).toBe(true);
      expect(await s.acquireLease('background', 'rm-b', 60_000)).toBe(false);
      expect(await s.acquireLease('background', 'rm-a', 60_000)).toBe(true);
      expect(await s.acquireLease('other', 'rm-b', 60_000)).toBe(true);
      await s.releaseLease('background', 'rm-b'); // not its lease: nothing happens
      expect(await s.acquireLease('background', 'rm-b', 60_000)).toBe(false);
      await s.releaseLease('background', 'rm-a');
      expect(await s.acquireLease('background', 'rm-b', 200)).toBe(true);
      await new Promise((r) => setTimeout(r, 400));
      expect(await s.acquireLease('background', 'rm-a', 60_000)).toBe(true);
    });

    it('JobLogWriter groups the logs of one tick, answers each caller, refuses stale ones', async () => {
      const s = await open();
      await s.insertRequest(running('r1'), '{}', '{}', { jrUrl: 'http://jr1', resumable: true });
      const w = new JobLogWriter(s);
      const results = await Promise.all([
        w.write(log('r1', 'a@1', 1), 1),
        w.write(log('r1', 'a@1', 1), 1),
        w.write(log('r1', 'b@2', 1), 7),
        w.write(log('r1', 'c@3', 1)),
      ]);
      expect(results).toEqual(['stored', 'duplicate', 'stale', 'stored']);
      await w.flush();
      expect((await s.getRequest('r1'))?.finishedJobs).toBe(2);
    });

    it('probe says the database takes writes; no failure is set', async () => {
      const s = await open();
      expect(await s.probe()).toBe(true);
      expect(s.failure).toBeNull();
    });

    it("finds requests with v2's filters, newest first, paging by limit and offset", async () => {
      const s = await open();
      const T0 = Date.parse('2026-12-02T18:00:00Z');
      const rows: Array<[string, Partial<StoredRequest>, Record<string, unknown>]> = [
        ['a', { type: 'demo', state: STATE_COMPLETE, createdAt: T0, finishedAt: T0 + 5000 }, { msg: 'world' }],
        ['b', { type: 'fail', state: STATE_FAIL, createdAt: T0 + 1000, finishedAt: T0 + 1500 }, { exitCode: '3' }],
        ['c', { type: 'sleep', state: STATE_STOPPED, createdAt: T0 + 2000, finishedAt: T0 + 9000 }, { n: 5 }],
        ['d', { type: 'demo', state: STATE_RUNNING, user: 'alice', createdAt: T0 + 3000 }, { msg: 'caps' }],
        ['e', { type: 'fanout', state: STATE_PENDING, createdAt: T0 + 4000 }, { hosts: ['x', 'y'] }],
      ];
      for (const [id, over, args] of rows) {
        const params = JSON.stringify({ Type: over.type, Args: args, User: over.user ?? 'admin' });
        await s.insertRequest(request(id, over), params, '{}');
      }
      const find = async (q: string) => {
        const filter = parseFindQuery(new URLSearchParams(q));
        const found = await s.findRequests(filter);
        if (filter.offset === 0 && filter.limit === null) expect(await s.countRequests(filter)).toBe(found.length);
        return found.map((r) => r.id);
      };
      expect(await find('')).toEqual(['e', 'd', 'c', 'b', 'a']);
      expect((await s.findRequests(parseFindQuery(new URLSearchParams('user=alice'))))[0]).toEqual({
        ...request('d', rows[3]?.[1]),
        params: '{"Type":"demo","Args":{"msg":"caps"},"User":"alice"}',
      });
      expect(await find('type=demo')).toEqual(['d', 'a']);
      expect(await find('state=FAIL&state=STOPPED&state=PENDING')).toEqual(['e', 'c', 'b']);
      expect(await find('user=alice')).toEqual(['d']);
      // Args: a text arg by its text, any other value by its JSON.
      expect(await find('arg=msg=world')).toEqual(['a']);
      expect(await find('arg=msg=world&arg=msg=caps')).toEqual([]);
      expect(await find('arg=hosts=["x","y"]')).toEqual(['e']);
      expect(await find('arg=n=5')).toEqual(['c']);
      expect(await find('arg=exitCode=3&type=fail')).toEqual(['b']);
      expect(await find('arg=nope=1')).toEqual([]);
      // since: finished after it, or not finished; until: created before it, to the nanosecond.
      expect(await find('since=2026-12-02T18:00:04.999999999Z')).toEqual(['e', 'd', 'c', 'a']);
      expect(await find('until=2026-12-02T18:00:02Z')).toEqual(['b', 'a']);
      expect(await find('until=2026-12-02T18:00:02.000000001Z')).toEqual(['c', 'b', 'a']);
      expect(await find('limit=2')).toEqual(['e', 'd']);
      expect(await find('limit=2&offset=2')).toEqual(['c', 'b']);
      expect(await find('offset=4')).toEqual(['a']);
      expect(await find('limit=0')).toHaveLength(5);
      expect(await s.countRequests(parseFindQuery(new URLSearchParams('type=demo&limit=1&offset=1')))).toBe(2);
      // v2's SUSPENDED is a state name held by none of ours.
      expect(await find('state=SUSPENDED')).toEqual([]);
      expect(
        await find('type=demo&state=COMPLETE&state=RUNNING&arg=msg=world&since=2026-12-02T17:00:00Z&limit=5'),
      ).toEqual(['a']);
    });
  });
}
