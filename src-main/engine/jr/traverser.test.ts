// Traversal semantics through the JobRunner API with an in-process RM link (the wire is
// covered by http-api.test.ts and delivery.test.ts).
import { afterEach, describe, expect, it } from 'vitest';
import {
  STATE_COMPLETE,
  STATE_FAIL,
  STATE_RUNNING,
  STATE_STOPPED,
  STATE_TIMEOUT,
  type JobLog,
} from '../../shared/proto';
import { builtinJobTypes } from '../jobs/builtins';
import { JobFactory } from '../jobs/job';
import { LinkError } from '../links';
import { silentLogger } from '../log';
import { JobRunner } from './job-runner';
import { MemoryRm } from '../../../test/support/engine/jr/memory-rm';
import { script, scriptedJobType, type ScriptedRun } from '../../../test/support/engine/jr/scripted-job';
import { chainOf, job, noop, wideChain } from '../../../test/support/engine/jr/test-chains';
import { NOT_STARTED_AFTER_STOP } from './traverser';

let runs: ScriptedRun[];
let rm: MemoryRm;
let jr: JobRunner;

function setup(abandonAfterMs = 10_000): void {
  runs = [];
  rm = new MemoryRm();
  jr = new JobRunner({
    factory: new JobFactory([...builtinJobTypes(), scriptedJobType(runs)]),
    rm,
    logger: silentLogger,
    abandonAfterMs,
  });
}

afterEach(async () => {
  await jr.close({ drainMs: 100 });
});

const summary = (logs: JobLog[]) => logs.map((l) => `${l.jobId}#${l.try}:${l.state}`).sort();

async function settle(requestId: string): Promise<number> {
  const p = jr.whenSettled(requestId);
  if (!p) throw new Error(`not running: ${requestId}`);
  return p;
}

describe('traversal', () => {
  it('runs the DAG, starts a job only when all parents completed, merges all parents data by job id', async () => {
    setup();
    const chain = chainOf(
      'r1',
      {
        start: job('scripted', script({ set: { fromStart: true, shared: 'start' } })),
        a: job('scripted', script({ delayMs: 80, set: { a: 1, shared: 'a' } })),
        b: job('scripted', script({ delayMs: 40, set: { b: 2, shared: 'b' } })),
        c: job('scripted', script({ set: { c: 3, shared: 'c' } })),
        join: job('scripted'),
      },
      [
        ['start', 'a'],
        ['start', 'b'],
        ['start', 'c'],
        ['a', 'join'],
        ['b', 'join'],
        ['c', 'join'],
      ],
    );
    await jr.createJobChain(chain);
    expect(await settle('r1')).toBe(STATE_COMPLETE);
    expect(runs.map((r) => r.jobId)).toEqual(['start', 'a', 'b', 'c', 'join']);
    // c finished first and a last, but the merge order is by job id: a, b, c.
    expect(runs.find((r) => r.jobId === 'join')?.data).toEqual({
      fromStart: true,
      shared: 'c',
      a: 1,
      b: 2,
      c: 3,
    });
    expect(runs.find((r) => r.jobId === 'a')?.data).toEqual({ fromStart: true, shared: 'start' });
    const joinStart = runs.find((r) => r.jobId === 'join')!.startedMs;
    expect(joinStart).toBeGreaterThanOrEqual(runs.find((r) => r.jobId === 'a')!.startedMs + 75);
    expect(summary(rm.logs)).toEqual(['a#1:3', 'b#1:3', 'c#1:3', 'join#1:3', 'start#1:3']);
    expect(rm.finishes).toEqual([{ requestId: 'r1', state: STATE_COMPLETE }]);
    expect(jr.activeChains()).toEqual([]);
  });

  it('one log per try, tries retryWait ms apart, the job shows RUNNING while waiting', async () => {
    setup();
    const chain = chainOf(
      'r2',
      {
        flaky: job(
          'scripted',
          script({ state: STATE_FAIL, exit: 1, error: 'boom 1' }, { state: STATE_FAIL, exit: 2, error: 'boom 2' }, {}),
          { retry: 2, retryWait: 200 },
        ),
      },
      [],
    );
    await jr.createJobChain(chain);
    await new Promise((r) => setTimeout(r, 100));
    expect(await jr.jobChainStatus('r2')).toEqual({
      requestId: 'r2',
      jobStatuses: [
        { requestId: '', jobId: 'flaky', state: STATE_RUNNING, status: 'scripted flaky', runtime: 0, n: 0 },
      ],
    });
    expect(await settle('r2')).toBe(STATE_COMPLETE);
    const logs = rm.logsOf('r2');
    expect(logs.map((l) => [l.try, l.state, l.exit, l.error, l.type])).toEqual([
      [1, STATE_FAIL, 1, 'boom 1', 'scripted'],
      [2, STATE_FAIL, 2, 'boom 2', 'scripted'],
      [3, STATE_COMPLETE, 0, '', 'scripted'],
    ]);
    for (let i = 1; i < logs.length; i++) {
      const gapMs = Number(logs[i]!.startedAt - logs[i - 1]!.finishedAt) / 1e6;
      expect(gapMs).toBeGreaterThanOrEqual(195);
    }
    expect(logs[0]!.startedAt).toBeGreaterThan(1_700_000_000_000_000_000n);
    expect(logs[0]!.finishedAt).toBeGreaterThanOrEqual(logs[0]!.startedAt);
  });

  it('a job failing all its tries fails the chain; its successors never run', async () => {
    setup();
    const chain = chainOf(
      'r3',
      { doomed: job('scripted', script({ state: STATE_FAIL, exit: 300 }), { retry: 1, retryWait: 10 }), never: noop() },
      [['doomed', 'never']],
    );
    await jr.createJobChain(chain);
    expect(await settle('r3')).toBe(STATE_FAIL);
    expect(summary(rm.logs)).toEqual(['doomed#1:4', 'doomed#2:4']);
    expect(rm.logs.map((l) => l.exit)).toEqual([300, 300]);
    expect(rm.finishes).toEqual([{ requestId: 'r3', state: STATE_FAIL }]);
  });

  it('a try longer than args.timeout is aborted and logged TIMEOUT, then retried', async () => {
    setup();
    const chain = chainOf(
      'r4',
      {
        slow: job('scripted', script({ delayMs: 10_000 }, {}), { retry: 1, retryWait: 0, args: { timeout: 100 } }),
      },
      [],
    );
    const t0 = performance.now();
    await jr.createJobChain(chain);
    expect(await settle('r4')).toBe(STATE_COMPLETE);
    expect(performance.now() - t0).toBeLessThan(5000); // far below the 10 s the try would take
    expect(rm.logs.map((l) => [l.try, l.state, l.error])).toEqual([
      [1, STATE_TIMEOUT, 'timeout after 100ms'],
      [2, STATE_COMPLETE, ''],
    ]);
  });

  it('a job whose run throws fails with the error; nothing hangs', async () => {
    setup();
    await jr.createJobChain(
      chainOf('r5', { a: job('scripted', script({ throws: 'kaboom' })), b: noop() }, [['a', 'b']]),
    );
    expect(await settle('r5')).toBe(STATE_FAIL);
    expect(rm.logs.map((l) => [l.jobId, l.try, l.state, l.error])).toEqual([['a', 1, STATE_FAIL, 'kaboom']]);
  });

  it('jobs that return their result directly (no promise) run like async ones: data, retries, throws', async () => {
    setup();
    const now = { sync: true };
    const chain = chainOf(
      'r5s',
      {
        start: job('scripted', script({ ...now, set: { from: 'start' } })),
        a: job('scripted', script({ ...now, set: { a: 1 } })),
        b: job('scripted', script({ delayMs: 30, set: { b: 2 } })), // async sibling
        flaky: job('scripted', script({ ...now, state: STATE_FAIL, error: 'once' }, { ...now, set: { f: 3 } }), {
          retry: 1,
          retryWait: 20,
        }),
        join: job('scripted', script(now)),
      },
      [
        ['start', 'a'],
        ['start', 'b'],
        ['start', 'flaky'],
        ['a', 'join'],
        ['b', 'join'],
        ['flaky', 'join'],
      ],
    );
    await jr.createJobChain(chain);
    expect(await settle('r5s')).toBe(STATE_COMPLETE);
    expect(runs.find((r) => r.jobId === 'join')?.data).toEqual({ from: 'start', a: 1, b: 2, f: 3 });
    expect(summary(rm.logs)).toEqual(['a#1:3', 'b#1:3', 'flaky#1:4', 'flaky#2:3', 'join#1:3', 'start#1:3']);
    // Every log of a direct return has real clock readings, finished >= started.
    for (const l of rm.logs) expect(l.finishedAt).toBeGreaterThanOrEqual(l.startedAt);

    await jr.createJobChain(
      chainOf('r5t', { a: job('scripted', script({ sync: true, throws: 'kaboom now' })), b: noop() }, [['a', 'b']]),
    );
    expect(await settle('r5t')).toBe(STATE_FAIL);
    expect(rm.logsOf('r5t').map((l) => [l.jobId, l.try, l.state, l.error])).toEqual([
      ['a', 1, STATE_FAIL, 'kaboom now'],
    ]);
  });

  it('a fan-out and a line of direct-return jobs longer than the settle queue: every job runs once, data flows', async () => {
    setup();
    const width = 500;
    const ids = Array.from({ length: width }, (_, i) => `m${String(i).padStart(3, '0')}`);
    const direct = (key: string) => job('scripted', script({ sync: true, set: { [key]: true } }));
    await jr.createJobChain(wideChain('r5w', Object.fromEntries(ids.map((id) => [id, direct(id)]))));
    expect(await settle('r5w')).toBe(STATE_COMPLETE);
    expect(rm.logsOf('r5w')).toHaveLength(width + 2);
    expect(new Set(rm.logsOf('r5w').map((l) => l.jobId)).size).toBe(width + 2);

    const line = chainOf(
      'r5d',
      Object.fromEntries(ids.map((id) => [id, direct(id)])),
      ids.slice(1).map((id, i): [string, string] => [ids[i]!, id]),
    );
    await jr.createJobChain(line);
    expect(await settle('r5d')).toBe(STATE_COMPLETE);
    expect(rm.logsOf('r5d').map((l) => l.jobId)).toEqual(ids);
    // The last job of the line saw every earlier job's key.
    expect(Object.keys(runs.filter((r) => r.jobId === ids.at(-1)).at(-1)!.data)).toHaveLength(width - 1);
  });

  it('refuses a chain with an unknown job type or bytes its type refuses (400), as the RM would', async () => {
    setup();
    const refused = (chain: Parameters<JobRunner['createJobChain']>[0]) =>
      jr.createJobChain(chain).then(
        () => 'accepted',
        (err: LinkError) => [err.status, err.message],
      );
    const teleport = chainOf('r6', { 'a@1': noop(), 'b@2': job('teleport'), 'c@3': noop() }, [
      ['a@1', 'b@2'],
      ['b@2', 'c@3'],
    ]);
    expect(await refused(teleport)).toEqual([400, 'job "b@2": unknown job type "teleport"']);
    expect(await refused(chainOf('r7', { s: job('shell', { notcmd: 1 }) }, []))).toEqual([
      400,
      'job "s" (shell): shell job bytes: cmd not set or not a string',
    ]);
    expect(jr.activeChains()).toEqual([]);
    expect(rm.logsOf('r6')).toEqual([]);
  });

  it('refuses a second chain with the same request id while the first runs, 404 once it finished', async () => {
    setup();
    const chain = chainOf('r8', { a: job('scripted', script({ delayMs: 100 })) }, []);
    await jr.createJobChain(chain);
    await expect(jr.createJobChain(chain)).rejects.toEqual(new LinkError('traverser already exists', 400));
    await settle('r8');
    await expect(jr.jobChainStatus('r8')).rejects.toEqual(new LinkError('traverser not found', 404));
    await expect(jr.stopJobChain('r8')).rejects.toEqual(new LinkError('traverser not found', 404));
  });

  it('lists running jobs of all chains longest-running first, with n and their status', async () => {
    setup();
    await jr.createJobChain(
      chainOf('r9', { s: noop(), long: job('scripted', script({ delayMs: 400 })) }, [['s', 'long']]),
    );
    await new Promise((r) => setTimeout(r, 100));
    await jr.createJobChain(chainOf('r10', { only: job('scripted', script({ delayMs: 400 })) }, []));
    const running = await jr.runningStatus();
    expect(running.map((s) => [s.requestId, s.jobId, s.state, s.status, s.n])).toEqual([
      ['r9', 'long', STATE_RUNNING, 'scripted long', 2],
      ['r10', 'only', STATE_RUNNING, 'scripted only', 1],
    ]);
    expect(running[0]!.runtime).toBeGreaterThan(running[1]!.runtime);
    await Promise.all([settle('r9'), settle('r10')]);
    expect(await jr.runningStatus()).toEqual([]);
  });
});

describe('stop', () => {
  it('ends the chain STOPPED with a log for every job; stop is idempotent while it winds down', async () => {
    setup();
    await jr.createJobChain(
      chainOf('s1', { start: noop(), nap: job('scripted', script({ delayMs: 10_000 })), after: noop(), end: noop() }, [
        ['start', 'nap'],
        ['nap', 'after'],
        ['after', 'end'],
      ]),
    );
    await new Promise((r) => setTimeout(r, 50));
    await jr.stopJobChain('s1');
    await jr.stopJobChain('s1').catch(() => undefined); // may already be finished: 200 or 404, never an error otherwise
    expect(await settle('s1')).toBe(STATE_STOPPED);
    expect(rm.logs.map((l) => [l.jobId, l.try, l.state, l.error])).toEqual([
      ['start', 1, STATE_COMPLETE, ''],
      ['nap', 1, STATE_STOPPED, 'aborted'],
      ['after', 0, STATE_STOPPED, NOT_STARTED_AFTER_STOP],
      ['end', 0, STATE_STOPPED, NOT_STARTED_AFTER_STOP],
    ]);
    expect(rm.finishes).toEqual([{ requestId: 's1', state: STATE_STOPPED }]);
  });

  it('cuts a retry wait short', async () => {
    setup();
    await jr.createJobChain(
      chainOf('s2', { f: job('scripted', script({ state: STATE_FAIL }), { retry: 5, retryWait: 10_000 }) }, []),
    );
    await new Promise((r) => setTimeout(r, 50));
    const t0 = performance.now();
    await jr.stopJobChain('s2');
    expect(await settle('s2')).toBe(STATE_STOPPED);
    expect(performance.now() - t0).toBeLessThan(5000); // not the 10 s wait
    expect(rm.logs.map((l) => [l.try, l.state])).toEqual([[1, STATE_FAIL]]);
  });

  it('abandons a job that ignores stop after the grace; the chain still ends STOPPED', async () => {
    setup(200);
    await jr.createJobChain(
      chainOf('s3', { stubborn: job('scripted', script({ hang: true })), next: noop() }, [['stubborn', 'next']]),
    );
    await new Promise((r) => setTimeout(r, 30));
    await jr.stopJobChain('s3');
    expect((await jr.jobChainStatus('s3')).jobStatuses?.map((s) => s.jobId)).toEqual(['stubborn']);
    expect(await settle('s3')).toBe(STATE_STOPPED);
    expect(rm.logs.map((l) => [l.jobId, l.try, l.state, l.error])).toEqual([
      ['stubborn', 1, STATE_STOPPED, 'the job did not return within 200ms of being stopped; abandoned'],
      ['next', 0, STATE_STOPPED, NOT_STARTED_AFTER_STOP],
    ]);
  });

  it("serves a running try's output; an abandoned try is logged with what it printed", async () => {
    setup(200);
    const printing = { stdout: 'step 1\nstep 2\n', stderr: 'warn\n' };
    await jr.createJobChain(chainOf('s7', { stubborn: job('scripted', script({ hang: true, printing })) }, []));
    const query = { stdout: 7, stderr: 0, max: 1024 };
    expect(await jr.jobOutput('s7', 'stubborn', query)).toMatchObject({
      try: 1,
      state: STATE_RUNNING,
      done: false,
      live: true,
      status: 'scripted stubborn',
      stdout: { offset: 7, next: 14, text: 'step 2\n', size: 14 },
      stderr: { offset: 0, next: 5, text: 'warn\n' },
    });
    expect(await jr.jobOutput('s7', 'stubborn', { ...query, try: 2 })).toBeNull();
    expect(await jr.jobOutput('s7', 'nope', query)).toBeNull();
    expect(await jr.jobOutput('nope', 'stubborn', query)).toBeNull();
    await jr.stopJobChain('s7');
    expect(await settle('s7')).toBe(STATE_STOPPED);
    expect(rm.logs[0]).toMatchObject({ state: STATE_STOPPED, stdout: printing.stdout, stderr: printing.stderr });
  });

  it('close() stops every chain', async () => {
    setup(200);
    await jr.createJobChain(chainOf('s4', { nap: job('sleep', { seconds: 60 }) }, []));
    await jr.createJobChain(chainOf('s5', { nap: job('sleep', { seconds: 60 }) }, []));
    expect(jr.activeChains()).toEqual(['s4', 's5']);
    await jr.close();
    expect(rm.finishes.map((f) => f.state)).toEqual([STATE_STOPPED, STATE_STOPPED]);
    await expect(jr.createJobChain(chainOf('s6', { a: noop() }, []))).rejects.toThrow('shutting down');
  });
});
