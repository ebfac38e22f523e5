// The console core's cache worker on a real SQLite file: calls and their results across the
// thread boundary (nanosecond times, Sets), errors with their names, the addon it is given,
// a corrupt file rebuilt and reported, and closing.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { wireJobLog } from '../../test/support/wire-records';
import { CacheHost } from './cache-host';

const hosts: CacheHost[] = [];
afterEach(async () => {
  for (const host of hosts.splice(0)) await host.close();
});

const tmpFile = () => path.join(mkdtempSync(path.join(tmpdir(), 'sc-cache-host-')), 'cache.db');

async function open(options: Partial<Parameters<typeof CacheHost.open>[0]> = {}) {
  const host = await CacheHost.open({ file: tmpFile(), ...options });
  hosts.push(host);
  return host;
}

const log = (jobId: string, tryN: number) => wireJobLog('r1', jobId, tryN, { stdout: `try ${tryN} of ${jobId}` });

describe('the cache worker', () => {
  it('answers calls in order, with exact times and the types each store returns', async () => {
    const { cache } = await open();
    const [added, tries, page] = await Promise.all([
      cache.logs.put('local', [log('a@1', 1), log('a@1', 2), log('b@2', 1)]),
      cache.logs.tries('local', 'r1'),
      cache.logs.page('local', 'r1'),
    ]);
    expect(added).toBe(3);
    expect(tries).toEqual(new Set(['a@1#1', 'a@1#2', 'b@2#1']));
    expect(page.items[0]).toMatchObject({ jobId: 'a@1', try: 1, startedAt: '1795816285172551555' });
    const hits = await cache.search.search('try 2'); // "b@2" holds the word 2 too; newest first
    expect(hits.map((h) => [h.jobId, h.try])).toEqual([
      ['b@2', 1],
      ['a@1', 2],
    ]);
  });

  it('rejects with the error the worker met, by name', async () => {
    const { cache } = await open();
    await expect(cache.transfer.importRequests('{"format":"x"}')).rejects.toMatchObject({
      name: 'ImportError',
      message: expect.stringMatching(/not an export file/),
    });
    // A value that cannot cross the thread boundary fails its call, not the worker.
    await expect(cache.settings.put('x', { f: () => 1 })).rejects.toThrow(/could not be cloned/);
    expect(await cache.settings.get('x')).toBeUndefined();
    await cache.settings.put('x', { ok: true });
    expect(await cache.settings.get('x')).toEqual({ ok: true });
  });

  it('opens the cache with the better-sqlite3 addon it is given, and says which one it could not load', async () => {
    const addon = createRequire(import.meta.url).resolve('better-sqlite3/build/Release/better_sqlite3.node');
    const { cache } = await open({ nativeBinding: addon });
    expect(await cache.contexts.list()).toEqual([]);
    await expect(CacheHost.open({ file: tmpFile(), nativeBinding: '/nowhere/better_sqlite3.node' })).rejects.toThrow(
      /the cache could not be opened: .*\/nowhere\/better_sqlite3\.node/,
    );
  });

  it('rebuilds a corrupt file and reports where the old one went', async () => {
    const file = tmpFile();
    writeFileSync(file, 'not a database\n'.repeat(1000));
    const said: string[] = [];
    const host = await open({ file, onProblem: (line) => said.push(line) });
    expect(host.recovered?.movedTo).toMatch(/cache\.db\.unreadable-/);
    expect(said).toEqual([
      `console: the cache could not be read (${host.recovered?.reason}); it was moved to ${host.recovered?.movedTo} and a new one was started`,
    ]);
    expect(await host.cache.contexts.list()).toEqual([]);
  });

  it('finishes the calls already made when it closes, and refuses later ones', async () => {
    const host = await open();
    const put = host.cache.logs.put('local', [log('a@1', 1)]);
    await host.close();
    expect(await put).toBe(1);
    await expect(host.cache.logs.tries('local', 'r1')).rejects.toThrow('the cache is closed');
    await host.close();
  });
});
