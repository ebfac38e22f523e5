import { readFileSync, mkdtempSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { STATE_COMPLETE, STATE_FAIL, STATE_STOPPED, decodeJobChain, readWire } from '../../shared/proto';
import { readExchange } from '../../../test/support/http-fixtures';
import { builtinJobTypes } from './builtins';
import { JobFactory, type Job, type RunContext } from './job';

const factory = (opts: Parameters<typeof builtinJobTypes>[0] = {}) => new JobFactory(builtinJobTypes(opts));

function ctx(signal = new AbortController().signal, extra: Partial<RunContext> = {}): RunContext {
  return { requestId: 'req1', jobId: 'sh@1', try: 1, signal, ...extra };
}

/** A shell job made the way the RM makes it (create + serialize) and the JR uses it (deserialize). */
function shellJob(args: Record<string, unknown>, opts: Parameters<typeof builtinJobTypes>[0] = {}): Job {
  const f = factory(opts);
  const rmSide = f.make('shell', 'sh@1');
  rmSide.create(args as never);
  const jrSide = f.make('shell', 'sh@1');
  jrSide.deserialize(rmSide.serialize());
  return jrSide;
}

/** True while `pid` exists and is not a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitFor<T>(what: string, f: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function pidsIn(file: string, count: number): number[] | undefined {
  if (!existsSync(file)) return undefined;
  const pids = readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
  return pids.length >= count ? pids : undefined;
}

describe('shell job: create and serialize', () => {
  it('needs a string cmd', () => {
    const j = factory().make('shell', 'x@1');
    expect(() => j.create({})).toThrow('cmd not set in job args');
    expect(() => j.create({ cmd: 5 })).toThrow('cmd in job args is type number, expected type string');
  });

  it('serializes {cmd, env} with the other args as strings', () => {
    const j = factory().make('shell', 'x@1');
    j.create({ cmd: 'echo hi', msg: 'world', n: 3, list: ['a', 'b'] });
    expect(JSON.parse(new TextDecoder().decode(j.serialize() as Uint8Array))).toEqual({
      cmd: 'echo hi',
      env: { msg: 'world', n: '3', list: '["a","b"]' },
    });
  });

  it('deserializes the bytes the original peer sent (fixture 200, hello@3)', async () => {
    const ex = readExchange('200-s2s-rm-to-jr-create-job-chain.txt');
    const bytes = readWire(ex.request.body, decodeJobChain).jobs['hello@3']?.bytes ?? null;
    const j = factory().make('shell', 'hello@3');
    j.deserialize(bytes);
    const r = await j.run({}, ctx());
    expect(r).toMatchObject({
      state: STATE_COMPLETE,
      exit: 0,
      stdout: 'hello world\n',
      stderr: 'warning: this line goes to stderr\n',
    });
  });

  it('refuses bytes without cmd', () => {
    const j = factory().make('shell', 'x@1');
    expect(() => j.deserialize(null)).toThrow('shell job has no bytes');
    expect(() => j.deserialize(new TextEncoder().encode('{"env":{}}'))).toThrow('cmd not set');
  });
});

describe('shell job: run', () => {
  it('exports ARG_<name> and SPINCYCLE_* variables', async () => {
    const j = shellJob({
      cmd: 'echo "$ARG_msg $ARG_n $SPINCYCLE_REQUEST_ID $SPINCYCLE_JOB_ID $SPINCYCLE_TRY"',
      msg: 'hi',
      n: 7,
    });
    const r = await j.run({}, ctx(undefined, { try: 2 }));
    expect(r.stdout).toBe('hi 7 req1 sh@1 2\n');
  });

  it('keeps the real exit code and fails', async () => {
    const r = await shellJob({ cmd: 'echo out; echo err >&2; exit 3' }).run({}, ctx());
    expect(r).toEqual({ state: STATE_FAIL, exit: 3, error: 'exit status 3', stdout: 'out\n', stderr: 'err\n' });
  });

  it('reports a signal as 128+n and "killed by SIGx"', async () => {
    const r = await shellJob({ cmd: 'kill -TERM $$' }).run({}, ctx());
    expect(r).toMatchObject({ state: STATE_FAIL, exit: 143, error: 'killed by SIGTERM' });
  });

  it('caps each stream and says how much was dropped', async () => {
    const r = await shellJob(
      { cmd: 'head -c 5000 /dev/zero | tr "\\0" a; head -c 300 /dev/zero | tr "\\0" b >&2' },
      { maxOutputBytes: 1000 },
    ).run({}, ctx());
    expect(r.state).toBe(STATE_COMPLETE);
    expect(r.stdout).toBe(`${'a'.repeat(1000)}\n[spincycle: output truncated, 4000 more bytes not kept]\n`);
    expect(r.stderr).toBe('b'.repeat(300));
  });

  it('does not wait for ever on a background child holding stdout', async () => {
    const started = Date.now();
    const r = await shellJob({ cmd: 'sleep 30 & echo started' }, { stdioDrainMs: 200 }).run({}, ctx());
    expect(r).toMatchObject({ state: STATE_COMPLETE, exit: 0, stdout: 'started\n' });
    expect(Date.now() - started).toBeLessThan(15_000); // not the 30 s background sleep
  });

  it('status tells what runs, with pid and elapsed time', async () => {
    const j = shellJob({ cmd: 'sleep 0.3' });
    expect(j.status()).toBe('ready to run "sleep 0.3"');
    const running = j.run({}, ctx());
    // The process is started by the time run() returns its promise.
    expect(j.status()).toMatch(/^running "sleep 0\.3" \(pid \d+, \d+\.\ds\)$/);
    await running;
    expect(j.status()).toBe('done running "sleep 0.3" (exit 0)');
  });
});

describe('shell job: stop', () => {
  it('terminates the whole process group, children included', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sc-shell-'));
    const pidFile = path.join(dir, 'pids');
    const j = shellJob({
      cmd: `sleep 100 & echo $! >> ${pidFile}; sleep 100 & echo $! >> ${pidFile}; echo $$ >> ${pidFile}; wait`,
    });
    const abort = new AbortController();
    const running = j.run({}, ctx(abort.signal));
    const pids = await waitFor('pids', () => pidsIn(pidFile, 3));
    expect(pids.every(alive)).toBe(true);
    await j.stop();
    abort.abort();
    const r = await running;
    expect(r).toMatchObject({ state: STATE_STOPPED, exit: 143, error: 'killed by SIGTERM' });
    await waitFor('all processes gone', () => (pids.some(alive) ? undefined : true));
  });

  it('SIGKILLs a group that ignores SIGTERM after the grace', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sc-shell-'));
    const pidFile = path.join(dir, 'pids');
    const j = shellJob(
      { cmd: `trap "" TERM; sleep 100 & echo $! >> ${pidFile}; echo $$ >> ${pidFile}; wait; wait` },
      { killGraceMs: 300 },
    );
    const abort = new AbortController();
    const running = j.run({}, ctx(abort.signal));
    const pids = await waitFor('pids', () => pidsIn(pidFile, 2));
    const t0 = Date.now();
    abort.abort();
    const r = await running;
    // SIGTERM was ignored: the group lived through the grace and ended by SIGKILL.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(r).toMatchObject({ state: STATE_STOPPED, exit: 137, error: 'killed by SIGKILL' });
    await waitFor('all processes gone', () => (pids.some(alive) ? undefined : true));
  });

  it('does not start when already aborted', async () => {
    const abort = new AbortController();
    abort.abort();
    const r = await shellJob({ cmd: 'echo should-not-run' }).run({}, ctx(abort.signal));
    expect(r.state).toBe(STATE_STOPPED);
    expect(r.stdout).toBe('');
  });
});
