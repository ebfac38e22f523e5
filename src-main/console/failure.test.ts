// The failure summary: which lines say why a job failed, and how they read.

import { describe, expect, it } from 'vitest';
import { failedJobLine, failureLine } from '../shared/console-model';
import { STATE_COMPLETE, STATE_FAIL, STATE_PENDING, STATE_TIMEOUT, type JobStatus } from '../shared/proto';
import { lastLines, summarizeFailure, type TryText } from './failure';

const status = (jobId: string, state: number): JobStatus => ({
  requestId: 'r',
  jobId,
  state,
  status: '',
  runtime: 0,
  n: 0,
});
const tryOf = (t: Partial<TryText>): TryText => ({
  try: 1,
  state: STATE_FAIL,
  exit: 1,
  error: '',
  stdout: '',
  stderr: '',
  ...t,
});

describe('failure summary', () => {
  it('takes the last stderr lines, without ANSI escapes, and reads as one line', () => {
    const summary = summarizeFailure([status('ok@1', STATE_COMPLETE), status('check-disk@3', STATE_FAIL)], () =>
      tryOf({
        try: 2,
        exit: 3,
        error: 'exit status 3',
        stdout: 'checking\n',
        stderr: 'warming up\n\u001b[31merror\u001b[0m: /data is 100% full\n\n',
      }),
    );
    expect(summary).toEqual({
      count: 1,
      timedOut: false,
      jobs: [
        {
          jobId: 'check-disk@3',
          name: null,
          state: STATE_FAIL,
          try: 2,
          tryState: STATE_FAIL,
          exit: 3,
          source: 'stderr',
          lines: ['warming up', 'error: /data is 100% full'],
        },
      ],
    });
    expect(failureLine(summary)).toBe('check-disk@3 · exit 3 · error: /data is 100% full');
  });

  it('a timed-out try says so and gives its error; no stderr falls back to the error, then stdout', () => {
    const summary = summarizeFailure(
      [status('a@1', STATE_TIMEOUT), status('b@2', STATE_FAIL), status('c@3', STATE_FAIL), status('d@4', STATE_FAIL)],
      (id) =>
        ({
          'a@1': tryOf({ state: STATE_TIMEOUT, exit: 143, error: 'timeout after 1000ms', stderr: 'still waiting' }),
          'b@2': tryOf({ error: 'exit status 1', stdout: 'last words\n' }),
          'c@3': tryOf({ stdout: 'one\ntwo\nthree\nfour\n' }),
        })[id] ?? null,
    );
    expect(summary.count).toBe(4);
    expect(summary.timedOut).toBe(true);
    expect(summary.jobs.map((j) => [j.source, j.lines])).toEqual([
      ['error', ['timeout after 1000ms']],
      ['error', ['exit status 1']],
      ['stdout', ['two', 'three', 'four']],
    ]);
    expect(failedJobLine(summary.jobs[0]!)).toBe('a@1 · timed out · timeout after 1000ms');
    expect(failureLine(summary)).toBe('a@1 · timed out · timeout after 1000ms (+3 more failed jobs)');
  });

  it('a failed job with no known try, and a request with no failed job', () => {
    const unknown = summarizeFailure([status('x@1', STATE_FAIL), status('y@2', STATE_PENDING)], () => null);
    expect(unknown.jobs).toEqual([
      { jobId: 'x@1', name: null, state: STATE_FAIL, try: 0, tryState: null, exit: null, source: null, lines: [] },
    ]);
    expect(failureLine(unknown)).toBe('x@1');
    expect(failureLine(summarizeFailure([], () => null))).toBe('no job failed');
  });

  it('cuts long lines and reads only the end of a long text', () => {
    const long = `${'x'.repeat(1000)}\n`;
    const [line] = lastLines(`${'noise\n'.repeat(50_000)}${long}`, 1);
    expect(line).toHaveLength(300);
    expect(line?.endsWith('…')).toBe(true);
  });
});
