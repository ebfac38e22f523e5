import { describe, expect, it } from 'vitest';
import { STATE_COMPLETE, STATE_STOPPED } from '../../shared/proto';
import { builtinJobTypes } from './builtins';
import { JobFactory, type Job } from './job';

const f = new JobFactory(builtinJobTypes());

function sleepJob(seconds: unknown): Job {
  const rm = f.make('sleep', 'nap@1');
  rm.create({ seconds } as never);
  const jr = f.make('sleep', 'nap@1');
  jr.deserialize(rm.serialize());
  return jr;
}

describe('sleep job', () => {
  it('takes a number or a numeric string and serializes {"seconds": n}', () => {
    const j = f.make('sleep', 'nap@1');
    j.create({ seconds: '6' });
    expect(new TextDecoder().decode(j.serialize() as Uint8Array)).toBe('{"seconds":6}');
    expect(() => f.make('sleep', 'x').create({})).toThrow('seconds not set in job args');
    expect(() => f.make('sleep', 'x').create({ seconds: 'soon' })).toThrow('non-negative number');
  });

  it('sleeps, then completes', async () => {
    const t0 = performance.now();
    const r = await sleepJob(0.15).run(
      {},
      { requestId: 'r', jobId: 'nap@1', try: 1, signal: new AbortController().signal },
    );
    expect(r.state).toBe(STATE_COMPLETE);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('returns STOPPED promptly on abort, with a status like the original peer', async () => {
    const j = sleepJob(60);
    const abort = new AbortController();
    const running = j.run({}, { requestId: 'r', jobId: 'nap@1', try: 1, signal: abort.signal });
    expect(j.status()).toMatch(/^sleeping 60s since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const t0 = performance.now();
    abort.abort();
    const r = await running;
    expect(performance.now() - t0).toBeLessThan(5000); // not the 60 s sleep
    expect(r).toMatchObject({
      state: STATE_STOPPED,
      error: expect.stringMatching(/^sleep stopped after \d+\.\ds of 60s$/),
    });
  });
});

describe('noop job', () => {
  it('serializes to null, completes, says nop', async () => {
    const j = f.make('noop', 'start@1');
    j.create({});
    expect(j.serialize()).toBeNull();
    j.deserialize(null);
    expect(j.status()).toBe('nop');
    expect(await j.run({}, { requestId: 'r', jobId: 'start@1', try: 1, signal: new AbortController().signal })).toEqual(
      {
        state: STATE_COMPLETE,
        exit: 0,
        error: '',
        stdout: '',
        stderr: '',
      },
    );
  });

  it('builtins are noop, shell and sleep', () => {
    expect(f.list().map((t) => t.type)).toEqual(['noop', 'shell', 'sleep']);
  });
});
