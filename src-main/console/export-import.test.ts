// Export files between two caches (real SQLite, in memory): where imported requests go, what a
// re-import skips or brings up to date, and the file fields an import checks.

import { describe, expect, it } from 'vitest';
import { STATE_COMPLETE, STATE_FAIL, type JobLog, type Request } from '../shared/proto';
import { wireJobLog, wireJobStatus, wireRequest as request } from '../../test/support/wire-records';
import { Cache } from './cache/cache';
import { exportRequests, importRequests, importedContextName } from './export-import';

const log = (requestId: string, jobId: string, stdout: string) => wireJobLog(requestId, jobId, 1, { stdout });

/** A cache holding request r1 of context `local` with the given logs. */
function source(r: Request, logs: JobLog[]): Cache {
  const cache = new Cache(':memory:');
  cache.requests.put('local', r, { args: { version: '42' } });
  cache.logs.put('local', logs);
  return cache;
}

describe('importing an export file', () => {
  it('keeps requests under their source, apart from any live context of the same name', () => {
    const file = exportRequests(
      source(request('r1'), [log('r1', 'a@1', 'first')]),
      [{ context: 'local', id: 'r1' }],
      'build-7',
    );
    const to = new Cache(':memory:');
    to.requests.put('local', request('live'));
    const context = 'local (imported from build-7)';
    expect(importRequests(to, file)).toEqual({ imported: [{ context, id: 'r1' }], skipped: 0 });
    expect(to.requests.get(context, 'r1')).toMatchObject({ origin: 'imported', args: { version: '42' }, syncedMs: 0 });
    expect(to.requests.get('local', 'r1')).toBeNull();
    expect(to.requests.list({ context: 'local' }).items.map((r) => r.id)).toEqual(['live']);
  });

  it('skips what it already holds, and brings an older import up to date from a newer file', () => {
    const running = source(request('r1'), [log('r1', 'a@1', 'first')]);
    const older = exportRequests(running, [{ context: 'local', id: 'r1' }], 'build-7');
    const to = new Cache(':memory:');
    expect(importRequests(to, older).skipped).toBe(0);
    expect(importRequests(to, older)).toEqual({ imported: [], skipped: 1 });

    running.requests.put(
      'local',
      request('r1', { state: STATE_COMPLETE, finishedJobs: 2, finishedAt: '2026-11-27T10:05:00Z' }),
    );
    running.logs.put('local', [log('r1', 'b@2', 'second')]);
    const newer = exportRequests(running, [{ context: 'local', id: 'r1' }], 'build-7');
    const context = 'local (imported from build-7)';
    expect(importRequests(to, newer)).toEqual({ imported: [{ context, id: 'r1' }], skipped: 0 });
    expect(to.requests.get(context, 'r1')).toMatchObject({ state: STATE_COMPLETE, finishedJobs: 2 });
    expect(to.logs.page(context, 'r1').items.map((l) => l.stdout)).toEqual(['first', 'second']);
    expect(importRequests(to, newer)).toEqual({ imported: [], skipped: 1 });
  });

  it("a failed request imported says why it failed, from its failed job's last try", () => {
    const failed = request('r1', { state: STATE_FAIL, finishedAt: '2026-11-27T10:05:00Z' });
    const tries = [1, 2].map((n) =>
      wireJobLog('r1', 'check@2', n, { state: STATE_FAIL, exit: n + 1, stderr: `checking\ntry ${n}: /data is full\n` }),
    );
    const from = source(failed, [log('r1', 'a@1', 'ok'), ...tries]);
    from.chains.putStatuses('local', 'r1', [
      wireJobStatus('r1', 'a@1'),
      wireJobStatus('r1', 'check@2', { state: STATE_FAIL, n: 2 }),
    ]);
    const to = new Cache(':memory:');
    importRequests(to, exportRequests(from, [{ context: 'local', id: 'r1' }], 'build-7'));
    expect(to.requests.get('local (imported from build-7)', 'r1')?.failure).toEqual({
      jobs: [
        {
          jobId: 'check@2',
          name: null,
          state: STATE_FAIL,
          try: 2,
          tryState: STATE_FAIL,
          exit: 3,
          source: 'stderr',
          lines: ['checking', 'try 2: /data is full'],
        },
      ],
      count: 1,
      timedOut: false,
    });
  });

  it('keeps the source of a request exported again after it was imported', () => {
    const first = new Cache(':memory:');
    importRequests(first, exportRequests(source(request('r1'), []), [{ context: 'local', id: 'r1' }], 'build-7'));
    const again = exportRequests(first, [{ context: 'local (imported from build-7)', id: 'r1' }], 'laptop');
    const to = new Cache(':memory:');
    expect(importRequests(to, again).imported).toEqual([{ context: 'local (imported from build-7)', id: 'r1' }]);
    expect(importedContextName('prod', null)).toBe('prod (imported)');
  });

  it('refuses a file whose context or host names are not names', () => {
    const to = new Cache(':memory:');
    const file = (head: string, context: string) =>
      `{"format":"spincycle-console-export","version":1${head},"requests":[{"context":${JSON.stringify(context)},` +
      `"request":{"id":"r1","type":"t","state":2,"user":"u","createdAt":"2026-11-27T10:00:00Z","totalJobs":1,"finishedJobs":0}}]}`;
    expect(() => importRequests(to, file(',"exportedFrom":"a b"', 'local'))).toThrow(
      'exportedFrom: expected a host name, got "a b"',
    );
    expect(() => importRequests(to, file('', 'local (imported from x) (imported)'))).toThrow(
      /requests\[0\]\.context: expected a context name/,
    );
    expect(() => importRequests(to, file('', ''))).toThrow(/requests\[0\]\.context: expected a context name/);
    expect(importRequests(to, file('', 'local')).imported).toEqual([{ context: 'local (imported)', id: 'r1' }]);
  });
});
