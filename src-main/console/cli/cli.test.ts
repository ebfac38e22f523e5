// The operator CLI against the real engine (a `spincycle server` child process): every
// command, --json, --context, exit codes, and clear errors for a dead server or a bad id.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJobLogs, decodeRequest, parseWire, STATE_COMPLETE } from '../../shared/proto';
import { Cache } from '../cache/cache';
import { EmbeddedEngine, freePort } from '../embedded-engine';
import { parseKeyValues, runConsoleCli } from './cli';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
let engine: EmbeddedEngine;
let url: string;
let dataDir: string;

beforeAll(async () => {
  engine = new EmbeddedEngine({
    cliPath: path.join(root, 'bin/spincycle.js'),
    specsDir: path.join(root, 'resources/specs'),
    dataDir: mkdtempSync(path.join(tmpdir(), 'sc-cli-engine-')),
  });
  url = await engine.start();
  // A console data folder with a saved context, for --context.
  dataDir = mkdtempSync(path.join(tmpdir(), 'sc-cli-console-'));
  const cache = new Cache(path.join(dataDir, 'cache.db'));
  cache.contexts.put({ name: 'staging', url, envLabel: 'staging', envColor: '#f9a825', embedded: false });
  cache.contexts.putServerInfo('staging', { generation: '2017', version: null, canFind: true });
  cache.contexts.put({
    name: 'upstream',
    url: 'https://sc.example:32308',
    envLabel: null,
    envColor: null,
    embedded: false,
  });
  cache.contexts.putServerInfo('upstream', { generation: 'v2', version: '2.1.1', canFind: true });
  cache.contexts.put({ name: 'unseen', url: 'http://127.0.0.1:9', envLabel: null, envColor: null, embedded: false });
  cache.close();
});
afterAll(() => engine.stop());

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await runConsoleCli(argv, {
    out: (t) => (out += `${t}\n`),
    err: (t) => (err += `${t}\n`),
    env: { SPINCYCLE_DATA_DIR: dataDir, USER: 'tester' },
  });
  return { code, out, err };
}

describe('spincycle (operator commands)', () => {
  it('lists request types with their args', async () => {
    const r = await cli('--addr', url, 'specs', 'hello');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^hello\n {4}msg {2}Message to echo \(default: hello from Spin Cycle\)/);
  });

  it('starts a request, waits for it, and shows its status and log', async () => {
    const started = await cli('--addr', url, '--json', '--wait', 'start', 'hello', 'msg=from the cli');
    expect(started.code).toBe(0);
    const req = decodeRequest(parseWire(started.out));
    expect(req).toMatchObject({ type: 'hello', state: STATE_COMPLETE, user: 'tester' });

    const status = await cli('--context', 'staging', 'status', req.id);
    expect(status.code).toBe(0);
    expect(status.out).toContain(`id:         ${req.id}`);
    expect(status.out).toContain('state:      COMPLETE');
    expect(status.out).toMatch(/jobs done: {2}(\d+) of \1/);

    const log = await cli('--addr', url, 'log', req.id);
    expect(log.out).toContain('stdout:   from the cli');
    const greet = decodeJobLogs(parseWire((await cli('--addr', url, '--json', 'log', req.id)).out)).find((l) =>
      l.jobId.startsWith('greet@'),
    );
    const one = await cli('--addr', url, 'log', req.id, greet?.jobId ?? '');
    expect(one.out.match(/^job: /gm)).toHaveLength(1);
    expect((await cli('--addr', url, 'running', req.id)).code).toBe(1);
  });

  it('starts with a JSON list arg and exits 1 when the request fails', async () => {
    const ok = await cli('--addr', url, '--wait', 'start', 'rolling-restart', 'hosts=["web1","web2"]');
    expect(ok.code).toBe(0);
    const failed = await cli('--addr', url, '--wait', 'start', 'fail');
    expect(failed.code).toBe(1);
    expect(failed.out).toMatch(/FAIL/);
  });

  it('shows running jobs with ps and stops a request', async () => {
    const started = await cli('--addr', url, '--json', 'start', 'long-job', 'seconds=60');
    const id = decodeRequest(parseWire(started.out)).id;
    let ps = '';
    for (let i = 0; i < 50 && !ps.includes(id); i++) {
      ps = (await cli('--addr', url, 'ps')).out;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(ps).toMatch(/^ID +TRY +NJOBS +TIME +TYPE +JOB$/m);
    expect(ps).toContain(id);
    expect((await cli('--addr', url, 'running', id)).code).toBe(0);
    const stopped = await cli('--addr', url, 'stop', id);
    expect(stopped).toMatchObject({ code: 0, out: `OK, stopped ${id} (STOPPED)\n` });
  });

  it('lists the saved contexts with what their servers speak', async () => {
    const r = await cli('contexts');
    expect(r.code).toBe(0);
    expect(r.out.split('\n').map((l) => l.replace(/ +/g, ' '))).toEqual([
      `staging ${url} 2017 protocol · lists requests [staging]`,
      'upstream https://sc.example:32308 v2 · 2.1.1',
      'unseen http://127.0.0.1:9 not reached yet',
      '',
    ]);
    const json = JSON.parse((await cli('--json', 'contexts')).out) as Array<{ name: string; server: unknown }>;
    expect(json.find((c) => c.name === 'upstream')?.server).toEqual({
      generation: 'v2',
      version: '2.1.1',
      canFind: true,
    });
  });

  it('refuses bad input with one clear line and the right exit code', async () => {
    expect(await cli('--addr', url, 'status', '0123456789abcdef0123456789abcdef')).toMatchObject({
      code: 1,
      err: 'spincycle: request not found\n',
    });
    expect((await cli('--addr', url, 'start', 'no-such-type')).err).toMatch(/unknown request type no-such-type/);
    expect((await cli('--addr', url, 'start', 'hello', 'color=blue')).err).toMatch(/unknown args for hello: color/);
    expect((await cli('--addr', url, 'start', 'rolling-restart')).err).toMatch(/missing required args .*hosts/);
    expect(await cli('--addr', url, 'start', 'hello', 'novalue')).toMatchObject({ code: 2 });
    expect(await cli('--context', 'nope', 'ps')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/no context named nope \(contexts: staging, upstream, unseen\)/),
    });
    expect(await cli('ps')).toMatchObject({ code: 2, err: expect.stringMatching(/no Request Manager given/) });
    expect(await cli('--bogus')).toMatchObject({ code: 2 });
    expect(await cli('--addr', url, 'frobnicate')).toMatchObject({
      code: 2,
      err: 'spincycle: unknown command "frobnicate"\n',
    });
    const dead = `http://127.0.0.1:${await freePort()}`;
    expect(await cli('--addr', dead, 'ps')).toMatchObject({
      code: 3,
      err: expect.stringMatching(/cannot reach .* connection refused/),
    });
  });

  it('parses key=value args, JSON for lists and objects', () => {
    expect(parseKeyValues(['a=1', 'b=x=y', 'hosts=["h1"]', 'o={"k":2}'])).toEqual({
      a: '1',
      b: 'x=y',
      hosts: ['h1'],
      o: { k: 2 },
    });
    expect(() => parseKeyValues(['hosts=[oops'])).toThrow(/looks like JSON but does not parse/);
  });
});
