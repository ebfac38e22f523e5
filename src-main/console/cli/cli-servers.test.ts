// The operator CLI against every kind of server: upstream v2.1.1 (its recorded world, replayed
// on loopback), the 2017 original (replayed), and ours (a real engine process) for `requests`;
// with credentials from the environment and an owner-only file; and bad answers.

import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readExchange } from '../../../test/support/http-fixtures';
import { replayOriginal } from '../../../test/support/original-world';
import type { ReplayServer } from '../../../test/support/replay-server';
import { replayV2World } from '../../../test/support/v2-world';
import { Cache } from '../cache/cache';
import { EmbeddedEngine } from '../embedded-engine';
import { parseTime, runConsoleCli } from './cli';

const DEMO = 'dc85t7b8di14qp6dp5tg';
const SUSPENDED = 'dc85u6j8di154hhro860';

async function cli(env: NodeJS.ProcessEnv, ...argv: string[]) {
  let out = '';
  let err = '';
  const code = await runConsoleCli(argv, {
    out: (t) => (out += `${t}\n`),
    err: (t) => (err += `${t}\n`),
    env: { USER: 'tester', ...env },
  });
  return { code, out, err };
}

describe('against a v2.1.1 server', () => {
  let world: ReplayServer;
  beforeAll(async () => {
    world = await replayV2World();
  });
  afterAll(() => world.close());
  const v2 = (...argv: string[]) => cli({}, '--addr', world.url, ...argv);

  it('lists its requests newest first, filtered on the server', async () => {
    const all = await v2('requests');
    expect(all.code).toBe(0);
    const lines = all.out.trim().split('\n');
    expect(lines[0]).toMatch(/^ID +STATE +TYPE +USER +CREATED +JOBS +TIME$/);
    expect(lines[1]).toMatch(new RegExp(`^${SUSPENDED} +SUSPENDED +sleep `));
    const suspended = await v2('requests', '--state', 'suspended');
    expect(suspended.out.trim().split('\n').slice(1)).toHaveLength(1);
    const demo = await v2('--json', 'requests', '--type', 'demo', '--arg', 'msg=world', '--limit', '5');
    expect((JSON.parse(demo.out) as Array<{ id: string }>).map((r) => r.id)).toEqual([DEMO]);
    expect(world.received.at(-1)?.path).toBe('/api/v1/requests?type=demo&arg=msg%3Dworld&limit=5');
  });

  it("a bad filter is bad usage; the server's 400 is a failure with its words", async () => {
    expect(await v2('requests', '--state', 'DONE')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--state DONE: not a state/),
    });
    expect(await v2('requests', '--since', 'yesterday')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/RFC 3339/),
    });
    expect(await v2('requests', '--limit', 'ten')).toMatchObject({ code: 2 });
  });

  it('status: state, args, jobs by their names', async () => {
    const s = await v2('status', DEMO);
    expect(s.code).toBe(0);
    expect(s.out).toContain('state:      COMPLETE');
    expect(s.out).toContain('args:       msg=world sleepSeconds=6 failTimes=1');
    expect(s.out).toContain('jobs:       8 COMPLETE');
    const suspended = await v2('status', SUSPENDED);
    expect(suspended.out).toContain('state:      SUSPENDED');
    expect((await v2('running', SUSPENDED)).code).toBe(0);
    expect((await v2('running', DEMO)).code).toBe(1);
  });

  it('log: every try, one job by its name; --json keeps nanoseconds exact', async () => {
    const flaky = await v2('log', DEMO, 'flaky');
    expect(flaky.out.match(/^job: {6}flaky \(ZFmz\)$/gm)).toHaveLength(2);
    expect(flaky.out).toContain('stderr:   flaky: failing on try 1');
    const json = await v2('--json', 'log', DEMO, 'ZFmz');
    expect(json.out).toContain('"startedAt":1796234909718256853');
    expect(JSON.parse(json.out)).toHaveLength(2);
  });

  it('specs and ps', async () => {
    const specs = await v2('specs', 'demo');
    expect(specs.out).toMatch(
      /^demo\n {2}\* msg {11}who to greet\n {4}sleepSeconds {2}how long nap sleeps \(seconds\) \(default: 3\)/,
    );
    expect(await v2('ps')).toMatchObject({ code: 0, out: '' });
  });

  it('a 401 names what was refused, in the server words', async () => {
    const r = await v2('start', 'guarded');
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `spincycle: ${world.url} refused POST /api/v1/requests: 401 not authorized: denied: no caller role matches guarded ACL: caller has [], guarded requires one of [ops sre]\n`,
    );
  });
});

describe('against the 2017 original', () => {
  let original: ReplayServer;
  afterEach(() => original.close());

  it('requests says the server cannot list them, and exits 1', async () => {
    original = await replayOriginal([]);
    const r = await cli({}, '--addr', original.url, 'requests');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cannot list its requests/);
  });

  it('status and log still read it', async () => {
    original = await replayOriginal(
      ['041-rm-get-request-failed.txt', '042-rm-request-status-failed.txt', '043-rm-get-full-log-failed.txt'].map(
        readExchange,
      ),
    );
    const id = '0d582109f3cf489b82922b3b82b3ad53';
    const s = await cli({}, '--addr', original.url, 'status', id);
    expect(s.out).toContain('state:      FAIL');
    expect(s.out).toMatch(/failed: {5}doomed@9/);
    const log = await cli({}, '--addr', original.url, 'log', id, 'doomed@9');
    expect(log.out.match(/^job: {6}doomed@9$/gm)).toHaveLength(2);
  });
});

describe('requests against ours', () => {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  let engine: EmbeddedEngine;
  let url: string;
  beforeAll(async () => {
    engine = new EmbeddedEngine({
      cliPath: path.join(root, 'bin/spincycle.js'),
      specsDir: path.join(root, 'resources/specs'),
      dataDir: mkdtempSync(path.join(tmpdir(), 'sc-cli-requests-')),
    });
    url = await engine.start();
  });
  afterAll(() => engine.stop());

  it('finds what was started, with args, filtered by arg and state', async () => {
    const a = JSON.parse((await cli({}, '--addr', url, '--json', '--wait', 'start', 'hello', 'msg=one')).out) as {
      id: string;
    };
    const b = JSON.parse((await cli({}, '--addr', url, '--json', '--wait', 'start', 'fail')).out) as { id: string };
    const all = JSON.parse((await cli({}, '--addr', url, '--json', 'requests')).out) as Array<{
      id: string;
      args: unknown;
    }>;
    expect(all.slice(0, 2).map((r) => r.id)).toEqual([b.id, a.id]);
    expect(all[1]?.args).toEqual({ msg: 'one' });
    const text = await cli({}, '--addr', url, 'requests', '--arg', 'msg=one');
    expect(text.out).toMatch(new RegExp(`^${a.id} +COMPLETE +hello +tester `, 'm'));
    const failed = await cli({}, '--addr', url, 'requests', '--state', 'FAIL', '--since', '1h');
    expect(failed.out).toContain(b.id);
    expect(failed.out).not.toContain(a.id);
  });
});

describe('credentials', () => {
  let seen: http.IncomingHttpHeaders[] = [];
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    const list = readExchange('010-rm-request-list.txt').response?.body ?? '[]';
    server = http.createServer((req, res) => {
      seen.push(req.headers);
      if (req.url === '/api/v1/request-list') res.writeHead(200, { 'Content-Type': 'application/json' }).end(list);
      else if (req.url?.startsWith('/api/v1/requests/empty'))
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('null');
      else res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('sends SPINCYCLE_HEADERS with every call', async () => {
    seen = [];
    const r = await cli({ SPINCYCLE_HEADERS: 'Authorization: Bearer t0k3n\nX-Team: sre' }, '--addr', url, 'specs');
    expect(r.code).toBe(0);
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.every((h) => h.authorization === 'Bearer t0k3n' && h['x-team'] === 'sre')).toBe(true);
  });

  it("takes a saved context's header values from the owner-only credentials file, and refuses one others can read", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sc-cli-creds-'));
    const cache = new Cache(path.join(dataDir, 'cache.db'));
    cache.contexts.put({
      name: 'prod',
      url,
      envLabel: 'production',
      envColor: null,
      embedded: false,
      auth: { headers: ['Authorization'], caFile: null, certFile: null, keyFile: null },
    });
    cache.close();
    const file = path.join(dataDir, 'credentials.json');
    writeFileSync(file, JSON.stringify({ prod: { Authorization: 'Bearer from-file' } }), { mode: 0o600 });
    seen = [];
    const ok = await cli({ SPINCYCLE_DATA_DIR: dataDir }, '--context', 'prod', 'specs');
    expect(ok.code).toBe(0);
    expect(seen.at(-1)?.authorization).toBe('Bearer from-file');

    chmodSync(file, 0o644);
    const open = await cli({ SPINCYCLE_DATA_DIR: dataDir }, '--context', 'prod', 'specs');
    expect(open.code).toBe(2);
    expect(open.err).toBe(
      `spincycle: the credentials file ${file} can be read by others (mode 644): run chmod 600 "${file}"\n`,
    );
    expect(open.err).not.toContain('from-file');
  });

  it('a URL that is not one is bad usage; one with a password too, never printed', async () => {
    expect(await cli({}, '--addr', 'garbage', 'ps')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/invalid Request Manager URL/),
    });
    const withPassword = await cli({}, '--addr', 'http://ops:hunter2@127.0.0.1:1', 'ps');
    expect(withPassword.code).toBe(2);
    expect(withPassword.err).toContain('http://***@127.0.0.1:1');
    expect(withPassword.err).not.toContain('hunter2');
  });

  it('an empty (null) answer is a failure, not a zero request', async () => {
    const r = await cli({}, '--addr', url, 'status', 'empty');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/unexpected answer: expected a request, got (an empty body|null)/);
  });
});

describe('times', () => {
  it('takes RFC 3339 as given, or an age back from now', () => {
    const now = Date.parse('2026-12-02T18:00:00Z');
    expect(parseTime('--since', '2026-12-02T18:08:35.359462454Z', now)).toBe('2026-12-02T18:08:35.359462454Z');
    expect(parseTime('--since', '90m', now)).toBe('2026-12-02T16:30:00.000Z');
    expect(parseTime('--since', '7d', now)).toBe('2026-11-25T18:00:00.000Z');
    expect(() => parseTime('--since', '2026-12-01', now)).toThrow(/RFC 3339/);
  });
});
