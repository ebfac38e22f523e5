// The engine supervisor's restart policy: growing pauses, giving up on repeated identical
// failures (timestamps aside) or on too many failures in a row, and forgetting failures
// after a healthy run.

import { describe, expect, it } from 'vitest';
import { failureSignature, RestartPolicy } from './restart-policy';

const corrupt = 'exited with code 1: spincycle server: file is not a database';

describe('RestartPolicy', () => {
  it('restarts with a growing pause, then gives up on the third identical failure', () => {
    const policy = new RestartPolicy();
    expect(policy.failed(corrupt, 800)).toEqual({ action: 'restart', pauseMs: 500 });
    expect(policy.failed(corrupt, 700)).toEqual({ action: 'restart', pauseMs: 1000 });
    expect(policy.failed(corrupt, 750)).toEqual({
      action: 'give-up',
      reason: `stopped restarting after 3 identical failures: ${corrupt}`,
    });
  });

  it('counts failures as identical when only their timestamps differ', () => {
    const line = (t: string) => `exited with code 1: ${t} rm error store failed path=/d/spincycle.db`;
    expect(failureSignature(line('2025-01-02T03:04:05.678Z'))).toBe(failureSignature(line('2025-01-02T03:04:09.001Z')));
    const policy = new RestartPolicy();
    policy.failed(line('2025-01-02T03:04:05.678Z'), 100);
    policy.failed(line('2025-01-02T03:04:06.900Z'), 100);
    expect(policy.failed(line('2025-01-02T03:04:08.100+02:00'), 100).action).toBe('give-up');
  });

  it('keeps trying while the failures differ, up to the limit of failures in a row', () => {
    const policy = new RestartPolicy({ maxFailures: 4 });
    expect(policy.failed('killed by SIGKILL', 10).action).toBe('restart');
    expect(policy.failed(corrupt, 10).action).toBe('restart');
    expect(policy.failed('killed by SIGKILL', 10).action).toBe('restart');
    expect(policy.failed(corrupt, 10)).toEqual({
      action: 'give-up',
      reason: `stopped restarting after 4 failures in a row; the last: ${corrupt}`,
    });
  });

  it('forgets earlier failures after a healthy run, and on reset', () => {
    const policy = new RestartPolicy({ healthyAfterMs: 60_000 });
    policy.failed(corrupt, 100);
    policy.failed(corrupt, 100);
    // The third ended after a long healthy run: a fresh streak, the shortest pause.
    expect(policy.failed(corrupt, 61_000)).toEqual({ action: 'restart', pauseMs: 500 });
    expect(policy.failed(corrupt, 100).action).toBe('restart');
    policy.reset();
    expect(policy.failed(corrupt, 100).action).toBe('restart');
    expect(policy.failed(corrupt, 100).action).toBe('restart');
  });

  it('caps the pause at 30 s', () => {
    const policy = new RestartPolicy({ maxFailures: 100, identicalFailures: 100 });
    const pauses = Array.from({ length: 9 }, (_, i) => policy.failed(`failure ${i}`, 0));
    expect(pauses.map((d) => (d.action === 'restart' ? d.pauseMs : null))).toEqual([
      500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000,
    ]);
  });
});
