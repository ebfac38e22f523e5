// Issue 14 item 7: the console contract let a page retarget or remove the embedded `local`
// context, or mark any context embedded, and a missing `local` came back pointing at
// http://127.0.0.1:8888. Through the contract handlers (what a page reaches), with the real
// embedded engine as a child process, and with one that cannot start.

import { statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { Cache } from '../../src-main/console/cache/cache';
import { startConsoleCore, type ConsoleCore } from '../../src-main/console/core';
import { dispatch } from '../../src-main/console/dispatch';
import { BIN, EXAMPLE_SPECS, Tally, runSpincycle, send, tempDir, until } from './harness';

// Real processes on 2 shared cores: starting one takes seconds.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const tally = new Tally('contexts');
const temps: Array<{ remove(): void }> = [];
const cores: ConsoleCore[] = [];

afterAll(async () => {
  for (const core of cores) await core.stop();
  for (const t of temps) t.remove();
  console.log(tally.line());
});

async function core(dataDir: string, cliPath = BIN): Promise<ConsoleCore> {
  const c = await startConsoleCore({
    appVersion: 'test',
    runtime: 'node',
    dataDir,
    embeddedEngine: { cliPath, specsDir: EXAMPLE_SPECS },
    log: () => {},
  });
  cores.push(c);
  return c;
}

/** A contract call as a page makes it (untrusted arguments). */
async function contract(c: ConsoleCore, method: string, args: object) {
  tally.count();
  return dispatch(c.handlers, method, args);
}

describe('the embedded context through the contract', () => {
  it('cannot be retargeted, renamed, removed or faked; its label can change', async () => {
    const dir = tempDir();
    temps.push(dir);
    const c = await core(dir.dir);
    await until('the engine answering', async () =>
      (await c.service.contextStatuses()).some((s) => s.context === 'local' && s.online),
    );
    const local = (await c.service.contexts()).find((x) => x.name === 'local')!;
    const bad = (r: Awaited<ReturnType<typeof contract>>) => (r.ok ? 'accepted' : r.error.code);
    expect(
      bad(await contract(c, 'putContext', { context: { ...local, url: 'http://127.0.0.1:8888' }, previousName: null })),
    ).toBe('bad-request');
    expect(
      bad(
        await contract(c, 'putContext', { context: { ...local, url: 'http://evil.example' }, previousName: 'local' }),
      ),
    ).toBe('bad-request');
    expect(
      bad(await contract(c, 'putContext', { context: { ...local, name: 'renamed' }, previousName: 'local' })),
    ).toBe('bad-request');
    expect(
      bad(await contract(c, 'putContext', { context: { ...local, embedded: false }, previousName: 'local' })),
    ).toBe('bad-request');
    expect(bad(await contract(c, 'removeContext', { name: 'local' }))).toBe('bad-request');
    const evil = { name: 'evil', url: 'http://evil.example', envLabel: null, envColor: null, embedded: true };
    expect(bad(await contract(c, 'putContext', { context: evil, previousName: null }))).toBe('bad-request');
    const prod = { ...evil, name: 'prod', url: 'http://127.0.0.1:1', embedded: false };
    expect(bad(await contract(c, 'putContext', { context: prod, previousName: null }))).toBe('accepted');
    expect(bad(await contract(c, 'putContext', { context: { ...prod, name: 'local' }, previousName: 'prod' }))).toBe(
      'bad-request',
    );
    expect(bad(await contract(c, 'putContext', { context: { ...prod, embedded: true }, previousName: 'prod' }))).toBe(
      'bad-request',
    );
    expect(
      bad(
        await contract(c, 'putContext', {
          context: { ...local, envLabel: 'mine', envColor: '#abcdef' },
          previousName: null,
        }),
      ),
    ).toBe('accepted');
    expect(await c.service.contexts()).toEqual([
      { ...local, envLabel: 'mine', envColor: '#abcdef' },
      { ...prod, envLabel: null, auth: null },
    ]);

    // The engine takes nobody's calls but the console's: the secret is in a file only this user reads.
    expect((await send(local.url, { path: '/api/v1/request-list' })).status).toBe(401);
    expect(statSync(path.join(dir.dir, 'engine-secret')).mode & 0o777).toBe(0o600);
    const created = await contract(c, 'createRequest', { context: 'local', type: 'hello', args: {} });
    expect(created.ok).toBe(true);
    // ...and the CLI's --context local reads it.
    const cli = await runSpincycle(['--context', 'local', 'specs', 'hello'], { SPINCYCLE_DATA_DIR: dir.dir });
    tally.count();
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/^hello\n/);
  });

  it('is never contacted before this run’s engine answers, and never made up at 127.0.0.1:8888', async () => {
    // What listens at the address the last run's engine had.
    const seen: string[] = [];
    const squatter = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
      res.end('[]');
    });
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
    const oldUrl = `http://127.0.0.1:${(squatter.address() as AddressInfo).port}`;
    const withOld = tempDir();
    const withNone = tempDir();
    temps.push(withOld, withNone);
    const cache = new Cache(path.join(withOld.dir, 'cache.db'));
    cache.contexts.put({ name: 'local', url: oldUrl, envLabel: 'embedded', envColor: null, embedded: true });
    cache.close();
    // An engine that cannot start.
    const broken = path.join(withNone.dir, 'broken-engine.js');
    writeFileSync(broken, 'process.exit(1);\n');
    try {
      const a = await core(withOld.dir, broken);
      const b = await core(withNone.dir, broken);
      await until('the engine failed', () => a.status.current().embeddedEngine === 'failed');
      await until('the engine failed', () => b.status.current().embeddedEngine === 'failed');
      await new Promise((r) => setTimeout(r, 1500)); // a sync would have polled by now
      expect(seen).toEqual([]);
      // `local` names this run's engine's own address (where it was to listen), shown as not running.
      for (const x of [a, b]) {
        expect(await x.service.contexts()).toEqual([
          expect.objectContaining({ name: 'local', url: x.engine?.rmUrl, embedded: true }),
        ]);
        expect(x.engine?.rmUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        expect(x.engine?.rmUrl).not.toBe('http://127.0.0.1:8888');
        expect(await x.service.contextStatuses()).toEqual([
          {
            context: 'local',
            online: false,
            lastOkMs: null,
            error: 'the embedded engine is not running',
            refused: false,
            server: null,
            storage: null,
          },
        ]);
      }
      tally.count(2);
    } finally {
      await new Promise<void>((r) => squatter.close(() => r()));
    }
  });
});

describe('tally', () => {
  it('no crash, hang, 5xx or lost data', () => {
    expect(tally.result).toMatchObject({ crashes: 0, hangs: 0, serverErrors: 0, dataLost: 0 });
  });
});
