// `spincycle rerun` and `spincycle retry` against the real engine (a `spincycle server` child
// process), and against it behind a proxy that makes it look like the 2017 original (no
// additions, no args on its requests). --json prints the console model.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RmRequest } from '../../shared/console-model';
import { STATE_COMPLETE, STATE_FAIL } from '../../shared/proto';
import type { RetryStart } from '../client/rm-api';
import type { RefusingProxy } from '../../../test/support/hiding-proxy';
import { rmWithoutExtensions } from '../../../test/support/rm-without-extensions';
import { Cache } from '../cache/cache';
import { RmClient } from '../client/rm-client';
import type { EmbeddedEngine } from '../embedded-engine';
import { cliIn, exampleEngine } from '../../../test/support/console-cli';
import { replayV2World } from '../../../test/support/v2-world';

let engine: EmbeddedEngine;
let url: string;
let proxy: RefusingProxy;
let dataDir: string;

beforeAll(async () => {
  ({ engine, url } = await exampleEngine());
  proxy = await rmWithoutExtensions(url);
  dataDir = mkdtempSync(path.join(tmpdir(), 'sc-cli-console-'));
  const cache = new Cache(path.join(dataDir, 'cache.db'));
  cache.contexts.put({ name: 'old', url: proxy.url, envLabel: null, envColor: null, embedded: false });
  cache.close();
});
afterAll(async () => {
  await proxy.close();
  await engine.stop();
});

const cli = (...argv: string[]) => cliIn(dataDir)(...argv);

/** A needs-file path that does not exist yet. */
const gatePath = () => path.join(mkdtempSync(path.join(tmpdir(), 'sc-gate-')), 'ready');

async function failedRequest(addr: string, file: string): Promise<string> {
  const started = await cli('--addr', addr, '--json', '--wait', 'start', 'needs-file', `path=${file}`);
  expect(started.code).toBe(1);
  const r = JSON.parse(started.out) as RmRequest;
  expect(r.state).toBe(STATE_FAIL);
  return r.id;
}

describe('spincycle retry', () => {
  it('retries what failed and waits for the end: exit 0 once it COMPLETEs', async () => {
    const file = gatePath();
    const id = await failedRequest(url, file);
    writeFileSync(file, '');
    const retried = await cli('--addr', url, '--wait', 'retry', id);
    expect(retried).toMatchObject({ code: 0, err: '' });
    expect(retried.out).toMatch(new RegExp(`^${id}  COMPLETE  needs-file  (\\d+)/\\1 jobs\\n$`));
    const again = await cli('--addr', url, 'retry', id);
    expect(again).toMatchObject({ code: 1, err: expect.stringContaining('completed: nothing to retry') as unknown });
  });

  it('says what it runs again; --json prints the request, the attempt and the jobs', async () => {
    const id = await failedRequest(url, gatePath());
    const text = await cli('--addr', url, 'retry', id);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(
      new RegExp(`^OK, retrying ${id} \\(attempt 2\\): 3 jobs run again: check@\\d+, release@\\d+, \\S+_end@\\d+\\n`),
    );
    // It fails again (the file is still missing); a third attempt, as JSON.
    for (let i = 0; i < 100 && (await cli('--addr', url, 'running', id)).code === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const json = await cli('--addr', url, '--json', 'retry', id);
    const started = JSON.parse(json.out) as RetryStart;
    expect(started).toMatchObject({ attempt: 3, request: { id, type: 'needs-file' } });
    expect(started.jobs).toHaveLength(3);
  });

  it('on an RM without retry: says so, and that a re-run starts it again (exit 1)', async () => {
    const id = await failedRequest(proxy.url, gatePath());
    expect(await cli('--addr', proxy.url, 'retry', id)).toEqual({
      code: 1,
      out: '',
      err:
        `spincycle: ${proxy.url} cannot retry a request: its Request Manager has no retry (an original Spin Cycle ` +
        'RM, or an older spincycle); re-run starts the request again instead\n',
    });
    expect(proxy.refused.filter((p) => p.includes(id))).toEqual([]); // known not to have it: not asked
  });
});

describe('spincycle rerun', () => {
  it('starts a new request with the same args, waits for it with --wait', async () => {
    const file = gatePath();
    const id = await failedRequest(url, file);
    writeFileSync(file, '');
    const rerun = await cli('--addr', url, '--json', '--wait', 'rerun', id);
    expect(rerun.code).toBe(0);
    const r = JSON.parse(rerun.out) as RmRequest;
    expect(r).toMatchObject({ type: 'needs-file', state: STATE_COMPLETE, user: 'tester', args: { path: file } });
    expect(r.id).not.toBe(id);
    const text = await cli('--addr', url, 'rerun', id);
    expect(text.out).toMatch(new RegExp(`^OK, re-ran ${id} as needs-file request [0-9a-f]{32}\\n`));
  });

  it('on an RM that does not record args: prints the start command read from the chain (exit 1)', async () => {
    const file = gatePath();
    const id = await failedRequest(proxy.url, file);
    const rerun = await cli('--addr', proxy.url, 'rerun', id);
    expect(rerun.code).toBe(1);
    expect(rerun.out).toBe('');
    expect(rerun.err).toContain("this Request Manager does not record a request's args");
    expect(rerun.err).toContain(`  spincycle --addr ${proxy.url} start needs-file path=${file}\n`);
  });

  it('on such an RM, with --context: the args the console cached when it created the request', async () => {
    const file = gatePath();
    writeFileSync(file, '');
    const id = await failedRequest(proxy.url, gatePath());
    const cache = new Cache(path.join(dataDir, 'cache.db'));
    cache.requests.put('old', await new RmClient({ baseUrl: url }).getRequest(id), {
      args: { path: file },
      origin: 'console',
    });
    cache.close();
    const rerun = await cli('--context', 'old', '--json', '--wait', 'rerun', id);
    expect(rerun).toMatchObject({ code: 0, err: '' });
    const created = JSON.parse(rerun.out) as RmRequest;
    expect(created).toMatchObject({ type: 'needs-file', state: STATE_COMPLETE });
    // The console shows the two linked, as when it re-runs a request itself.
    const linked = new Cache(path.join(dataDir, 'cache.db'));
    expect(linked.history.view('old', created.id).rerunOf).toBe(id);
    expect(linked.history.view('old', id).reruns).toEqual([created.id]);
    linked.close();
  });

  it('on a v2 server: a create with the args it tells; retry says v2 has none', async () => {
    const v2 = await replayV2World();
    try {
      const suspended = 'dc85u6j8di154hhro860'; // a `sleep` given seconds=6 (recorded)
      const rerun = await cli('--addr', v2.url, 'rerun', suspended);
      expect(rerun).toMatchObject({ code: 0, err: '' });
      expect(rerun.out).toMatch(/^OK, re-ran dc85u6j8di154hhro860 as sleep request (\w{20})\n/);
      expect(rerun.out).not.toContain(`request ${suspended}`);
      const posted = v2.received.filter((r) => r.method === 'POST').map((r) => JSON.parse(r.body) as unknown);
      expect(posted).toEqual([{ Type: 'sleep', Args: { seconds: '6' }, User: 'tester' }]);
      const retry = await cli('--addr', v2.url, 'retry', suspended);
      expect(retry.code).toBe(1);
      expect(retry.err).toContain('v2.x Request Managers have no retry');
    } finally {
      await v2.close();
    }
  });
});
