// Traversal semantics through the JobRunner API with an in-process RM link (the wire is
// covered by http-api.test.ts and delivery.test.ts). Time is vitest's fake clock (timers,
// performance.now, Date): waits, timeouts and abandons fire exactly when due, and the job logs'
// clock readings are exact, so the tests assert the figures themselves and never race a real
// timer on a busy machine.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  STATE_COMPLETE,
  STATE_FAIL,
  STATE_RUNNING,
  STATE_STOPPED,
  STATE_TIMEOUT,
  type JobLog,
  type State,
} from '../../shared/proto';
import { builtinJobTypes } from '../jobs/builtins';
import { JobFactory, type JobType } from '../jobs/job';
import { LinkError } from '../links';
import type { Logger } from '../log';
import { planChain } from './chain-plan';
import { JobRunner } from './job-runner';
import { MemoryRm } from '../../../test/support/engine/jr/memory-rm';
import { script, scriptedJobType, type ScriptedRun } from '../../../test/support/engine/jr/scripted-job';
import { chainOf, job, noop, wideChain } from '../../../test/support/engine/jr/test-chains';
import { NOT_STARTED_AFTER_STOP, Traverser } from './traverser';

let runs: ScriptedRun[];
let rm: MemoryRm;
let jr: JobRunner;
/** The runner's warnings: `message (jobId#try)`. */
let warnings: string[];

const recordingLogger = (): Logger => ({
  info() {},
  warn: (message, fields) => warnings.push(`${message} (${fields?.jobId}#${fields?.try})`),
  error() {},
});

function setup(abandonAfterMs = 10_000): void {
  runs = [];
  warnings = [];
  rm = new MemoryRm();
  jr = new JobRunner({
    factory: new JobFactory([...builtinJobTypes(), scriptedJobType(runs)]),
    rm,
    logger: recordingLogger(),
    abandonAfterMs,
  });
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(async () => {
  const closed = jr.close({ drainMs: 100 });
  await vi.runAllTimersAsync();
  await closed;
  vi.useRealTimers();
});

const summary = (logs: JobLog[]) => logs.map((l) => `${l.jobId}#${l.try}:${l.state}`).sort();

/** Milliseconds between two job-log clock readings (Unix ns). */
const msBetween = (from: bigint, to: bigint): number => Number(to - from) / 1e6;

/** Runs the fake clock until the chain has finished and its finish was delivered. */
async function settle(requestId: string): Promise<State> {
  const p = jr.whenSettled(requestId);
  if (!p) throw new Error(`not running: ${requestId}`);
  await vi.runAllTimersAsync();
  return p;
}

/** Whether the chain has finished and its finish was delivered, without moving the clock. */
async function isSettled(requestId: string): Promise<boolean> {
  const p = jr.whenSettled(requestId);
  if (!p) return true;
  return Promise.race([p.then(() => true), vi.advanceTimersByTimeAsync(0).then(() => false)]);
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
    // join started the moment a (the slowest parent, 80 ms) returned.
    const startedAt = (id: string) => runs.find((r) => r.jobId === id)!.startedMs;
    expect(startedAt('join') - startedAt('a')).toBe(80);
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
    await vi.advanceTimersByTimeAsync(100);
    expect(await jr.jobChainStatus('r2')).toEqual({
      requestId: 'r2',
      jobStatuses: [
        { requestId: '', jobId: 'flaky', state: STATE_RUNNING, status: 'scripted flaky', runtime: 0, n: 0 },
      ],
    });
    await vi.advanceTimersByTimeAsync(99);
    expect(runs.map((r) => r.try)).toEqual([1]);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs.map((r) => r.try)).toEqual([1, 2]);
    expect(await settle('r2')).toBe(STATE_COMPLETE);
    const logs = rm.logsOf('r2');
    expect(logs.map((l) => [l.try, l.state, l.exit, l.error, l.type])).toEqual([
      [1, STATE_FAIL, 1, 'boom 1', 'scripted'],
      [2, STATE_FAIL, 2, 'boom 2', 'scripted'],
      [3, STATE_COMPLETE, 0, '', 'scripted'],
    ]);
    for (let i = 1; i < logs.length; i++) expect(msBetween(logs[i - 1]!.finishedAt, logs[i]!.startedAt)).toBe(200);
    expect(logs[0]!.startedAt).toBeGreaterThan(1_700_000_000_000_000_000n);
    expect(logs[0]!.finishedAt).toBeGreaterThanOrEqual(logs[0]!.startedAt);
  });

  it('a job failing all its tries fails the chain; its successors never run and get no log', async () => {
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
    await jr.createJobChain(chain);
    expect(await settle('r4')).toBe(STATE_COMPLETE);
    const logs = rm.logs;
    expect(logs.map((l) => [l.try, l.state, l.error])).toEqual([
      [1, STATE_TIMEOUT, 'timeout after 100ms'],
      [2, STATE_COMPLETE, ''],
    ]);
    // Aborted when due, not after the 10 s the try would take.
    expect(msBetween(logs[0]!.startedAt, logs[0]!.finishedAt)).toBe(100);
  });

  it('a try that ignores its timeout is abandoned after the grace and the next try runs; its late return is ignored', async () => {
    setup(300);
    const chain = chainOf(
      'r4a',
      {
        deaf: job('scripted', script({ delayMs: 1000, ignoreStop: true, state: STATE_FAIL }, {}), {
          retry: 1,
          args: { timeout: 100 },
        }),
      },
      [],
    );
    await jr.createJobChain(chain);
    expect(await settle('r4a')).toBe(STATE_COMPLETE);
    const logs = rm.logs;
    expect(logs.map((l) => [l.try, l.state, l.exit, l.error])).toEqual([
      [1, STATE_TIMEOUT, 1, 'timeout after 100ms; the job did not return within 300ms of timing out; abandoned'],
      [2, STATE_COMPLETE, 0, ''],
    ]);
    expect(msBetween(logs[0]!.startedAt, logs[0]!.finishedAt)).toBe(400);
    expect(warnings).toEqual([
      'abandoning a job that does not return (deaf#1)',
      'a job returned after it was abandoned; its result is ignored (deaf#1)',
    ]);
  });

  it('a try that completes after its timeout fired is COMPLETE', async () => {
    setup();
    await jr.createJobChain(
      chainOf(
        'r4c',
        { late: job('scripted', script({ delayMs: 150, ignoreStop: true }), { args: { timeout: 100 } }) },
        [],
      ),
    );
    expect(await settle('r4c')).toBe(STATE_COMPLETE);
    expect(rm.logs.map((l) => [l.try, l.state, l.error])).toEqual([[1, STATE_COMPLETE, '']]);
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
    const flaky = rm.logs.filter((l) => l.jobId === 'flaky');
    expect(msBetween(flaky[0]!.finishedAt, flaky[1]!.startedAt)).toBe(20);

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

  it('lists running jobs of all chains longest-running first, with n, their runtime and status', async () => {
    setup();
    await jr.createJobChain(
      chainOf('r9', { s: noop(), long: job('scripted', script({ delayMs: 400 })) }, [['s', 'long']]),
    );
    await vi.advanceTimersByTimeAsync(100);
    await jr.createJobChain(chainOf('r10', { only: job('scripted', script({ delayMs: 400 })) }, []));
    await vi.advanceTimersByTimeAsync(50);
    const running = await jr.runningStatus();
    expect(running.map((s) => [s.requestId, s.jobId, s.state, s.status, s.n, s.runtime])).toEqual([
      ['r9', 'long', STATE_RUNNING, 'scripted long', 2, 0.15],
      ['r10', 'only', STATE_RUNNING, 'scripted only', 1, 0.05],
    ]);
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
    await vi.advanceTimersByTimeAsync(50);
    await jr.stopJobChain('s1');
    await jr.stopJobChain('s1').catch(() => undefined); // may already be finished: 200 or 404, never an error otherwise
    expect(await settle('s1')).toBe(STATE_STOPPED);
    expect(rm.logs.map((l) => [l.jobId, l.try, l.state, l.error])).toEqual([
      ['start', 1, STATE_COMPLETE, ''],
      ['nap', 1, STATE_STOPPED, 'aborted'],
      ['after', 0, STATE_STOPPED, NOT_STARTED_AFTER_STOP],
      ['end', 0, STATE_STOPPED, NOT_STARTED_AFTER_STOP],
    ]);
    expect(msBetween(rm.logs[1]!.startedAt, rm.logs[1]!.finishedAt)).toBe(50);
    expect(rm.finishes).toEqual([{ requestId: 's1', state: STATE_STOPPED }]);
  });

  it('cuts a retry wait short: the chain ends at once, no timer left', async () => {
    setup();
    await jr.createJobChain(
      chainOf(
        's2',
        { f: job('scripted', script({ state: STATE_FAIL }), { retry: 5, retryWait: 10_000 }), after: noop() },
        [['f', 'after']],
      ),
    );
    await vi.advanceTimersByTimeAsync(50);
    await jr.stopJobChain('s2');
    expect(await isSettled('s2')).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    expect(rm.logs.map((l) => [l.jobId, l.try, l.state])).toEqual([
      ['f', 1, STATE_FAIL],
      ['after', 0, STATE_STOPPED],
    ]);
    expect(rm.finishes).toEqual([{ requestId: 's2', state: STATE_STOPPED }]);
  });

  it('abandons a job that ignores stop after the grace; the chain still ends STOPPED', async () => {
    setup(200);
    await jr.createJobChain(
      chainOf('s3', { stubborn: job('scripted', script({ hang: true })), next: noop() }, [['stubborn', 'next']]),
    );
    await vi.advanceTimersByTimeAsync(30);
    await jr.stopJobChain('s3');
    expect((await jr.jobChainStatus('s3')).jobStatuses?.map((s) => s.jobId)).toEqual(['stubborn']);
    await vi.advanceTimersByTimeAsync(199);
    expect(await isSettled('s3')).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await isSettled('s3')).toBe(true);
    expect(rm.logs.map((l) => [l.jobId, l.try, l.state, l.error])).toEqual([
      ['stubborn', 1, STATE_STOPPED, 'the job did not return within 200ms of being stopped; abandoned'],
      ['next', 0, STATE_STOPPED, NOT_STARTED_AFTER_STOP],
    ]);
    expect(rm.finishes).toEqual([{ requestId: 's3', state: STATE_STOPPED }]);
  });

  it('a try that timed out and is then stopped is logged TIMEOUT; the grace runs from the timeout', async () => {
    setup(1000);
    await jr.createJobChain(
      chainOf('s4', { deaf: job('scripted', script({ hang: true }), { retry: 3, args: { timeout: 100 } }) }, []),
    );
    await vi.advanceTimersByTimeAsync(150);
    await jr.stopJobChain('s4');
    expect(await settle('s4')).toBe(STATE_STOPPED);
    expect(rm.logs.map((l) => [l.try, l.state, l.error])).toEqual([
      [1, STATE_TIMEOUT, 'timeout after 100ms; the job did not return within 1000ms of being stopped; abandoned'],
    ]);
    expect(msBetween(rm.logs[0]!.startedAt, rm.logs[0]!.finishedAt)).toBe(1100);
  });

  it('a try stopped and then past its timeout is logged TIMEOUT when it returns; no retry', async () => {
    setup();
    const late = { delayMs: 500, ignoreStop: true, state: STATE_FAIL, error: 'late' };
    await jr.createJobChain(
      chainOf('s5', { deaf: job('scripted', script(late), { retry: 3, args: { timeout: 100 } }) }, []),
    );
    await vi.advanceTimersByTimeAsync(50);
    await jr.stopJobChain('s5');
    expect(await settle('s5')).toBe(STATE_STOPPED);
    expect(rm.logs.map((l) => [l.try, l.state, l.error])).toEqual([[1, STATE_TIMEOUT, 'timeout after 100ms']]);
    expect(msBetween(rm.logs[0]!.startedAt, rm.logs[0]!.finishedAt)).toBe(500);
  });

  it('a chain whose every job completed is COMPLETE, even when stop came first', async () => {
    setup();
    await jr.createJobChain(chainOf('s6', { only: job('scripted', script({ delayMs: 100, ignoreStop: true })) }, []));
    await vi.advanceTimersByTimeAsync(10);
    await jr.stopJobChain('s6');
    expect(await settle('s6')).toBe(STATE_COMPLETE);
    expect(rm.logs.map((l) => [l.try, l.state])).toEqual([[1, STATE_COMPLETE]]);
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
    await jr.createJobChain(chainOf('s7', { nap: job('sleep', { seconds: 60 }) }, []));
    await jr.createJobChain(chainOf('s8', { nap: job('sleep', { seconds: 60 }) }, []));
    expect(jr.activeChains()).toEqual(['s7', 's8']);
    const closed = jr.close();
    await vi.runAllTimersAsync();
    await closed;
    expect(rm.finishes.map((f) => f.state)).toEqual([STATE_STOPPED, STATE_STOPPED]);
    await expect(jr.createJobChain(chainOf('s9', { a: noop() }, []))).rejects.toThrow('shutting down');
  });
});

describe('a job that cannot be made at the runner', () => {
  it('fails unrun with the reason when reached; the chain fails and its successors get no log', async () => {
    setup(); // for afterEach
    const broken: JobType = {
      type: 'broken',
      make: () => ({
        create() {},
        serialize: () => null,
        deserialize() {
          throw new Error('bad bytes');
        },
        run: () => ({ state: STATE_COMPLETE, exit: 0, error: '', stdout: '', stderr: '' }),
        stop() {},
        status: () => '',
      }),
    };
    const logs: JobLog[] = [];
    const finishes: State[] = [];
    const t = new Traverser(
      planChain(
        chainOf('u1', { a: noop(), b: job('broken'), c: noop() }, [
          ['a', 'b'],
          ['b', 'c'],
        ]),
      ),
      {
        factory: new JobFactory([...builtinJobTypes(), broken]),
        output: { log: (l) => logs.push(l), finish: (s) => finishes.push(s) },
        logger: recordingLogger(),
        abandonAfterMs: 1000,
      },
    );
    t.start();
    expect(await t.done).toBe(STATE_FAIL);
    expect(logs.map((l) => [l.jobId, l.try, l.state, l.exit, l.error, l.startedAt])).toEqual([
      ['a', 1, STATE_COMPLETE, 0, '', logs[0]!.startedAt],
      ['b', 0, STATE_FAIL, 1, 'bad bytes', 0n],
    ]);
    expect(finishes).toEqual([STATE_FAIL]);
    expect(t.isDone).toBe(true);
  });
});
