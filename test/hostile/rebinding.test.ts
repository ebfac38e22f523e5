// Issue 14 item 5: nobody in who doesn't belong. Real `spincycle` processes on loopback:
// a rebinding page's Host is refused before any route (a shell chain posted with it runs
// nothing), the API secret guards every call, the peer secret lets a JR take chains only from
// its RM and the RM take logs and finish calls only from its JR, a secret file others may read
// is refused, and a listener beyond loopback without a secret says at start what it opens.

import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { encodeJobChain } from '../../src-main/shared/proto';
import {
  EXAMPLE_SPECS,
  Tally,
  runSpincycle,
  secretFile,
  send,
  startPair,
  startProcess,
  startServer,
  tempDir,
  until,
  type EngineProcess,
} from './harness';

// Real processes on 2 shared cores: starting one takes seconds.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const tally = new Tally('rebinding and secrets');
const temp = tempDir();
const PEER = 'peer-secret-0123456789abcdef';
const API = 'api-secret-0123456789abcdef';
let plain: EngineProcess;
let guarded: EngineProcess;
let rm: EngineProcess;
let jr: EngineProcess;

const port = (url: string) => new URL(url).port;
/** A job chain whose one shell job creates `file`. */
const touchChain = (requestId: string, file: string) =>
  encodeJobChain({
    requestId,
    jobs: {
      'touch@1': {
        id: 'touch@1',
        type: 'shell',
        bytes: new TextEncoder().encode(JSON.stringify({ cmd: `touch ${file}` })),
        state: 0,
        args: null,
        data: null,
        retry: 0,
        retryWait: 0,
      },
    },
    adjacencyList: {},
    state: 1,
  });

beforeAll(async () => {
  const peerFile = secretFile(temp.dir, 'peer', PEER);
  const apiFile = secretFile(temp.dir, 'api', API);
  const data = (name: string) => path.join(temp.dir, `data-${name}`);
  const peer = ['--peer-token-file', peerFile];
  [plain, guarded, { rm, jr }] = await Promise.all([
    startServer(EXAMPLE_SPECS, data('plain'), ['--allow-host', 'rm.example']),
    startServer(EXAMPLE_SPECS, data('api'), ['--api-secret-file', apiFile]),
    startPair(EXAMPLE_SPECS, data('rm'), { rm: peer, jr: peer }),
  ]);
});

afterAll(async () => {
  await Promise.all([plain, guarded, rm, jr].map((p) => p?.stop()));
  temp.remove();
  console.log(tally.line());
});

describe('Host: only the engine’s own names', () => {
  it('refuses a rebinding page’s Host before any route, on the RM and the JR', async () => {
    const file = path.join(temp.dir, 'rebound');
    const evil = (url: string) => `evil.example:${port(url)}`;
    const forged = [
      evil(plain.jrUrl),
      `attacker.test:${port(plain.jrUrl)}`,
      `127.0.0.1.nip.io:${port(plain.jrUrl)}`,
      `localhost.evil.example:${port(plain.jrUrl)}`,
      'evil.example',
      `${'x'.repeat(5000)}.example`,
      `user:pw@localhost:${port(plain.jrUrl)}`,
    ];
    for (const host of forged) {
      const a = await tally.call(plain.jrUrl, {
        method: 'POST',
        path: '/api/v1/job-chains',
        headers: { Host: host },
        body: touchChain(`rebound${forged.indexOf(host)}`, file),
      });
      expect(a.status, host.slice(0, 60)).toBe(403);
      expect(a.text.length).toBeLessThan(400);
      expect(a.text).toMatch(/^Host ".*" is not a name of this engine: use a loopback name or its listen address/);
    }
    for (const [method, p, body] of [
      ['GET', '/api/v1/request-list', undefined],
      ['POST', '/api/v1/requests', '{"type":"hello","args":{}}'],
      ['GET', '/api/v1/status/running', undefined],
    ] as const) {
      const a = await tally.call(plain.rmUrl, { method, path: p, headers: { Host: evil(plain.rmUrl) }, body });
      expect(a.status).toBe(403);
    }
    // Nothing ran: the same chain with the engine's own name does.
    expect(existsSync(file)).toBe(false);
    const ok = await tally.call(plain.jrUrl, {
      method: 'POST',
      path: '/api/v1/job-chains',
      body: touchChain('own', file),
    });
    expect(ok.status).toBe(200);
    await until('the shell job ran', () => existsSync(file));
    tally.crashed(plain);
  });

  it('answers loopback names, the listen address and --allow-host names', async () => {
    const p = port(plain.rmUrl);
    for (const host of [
      `127.0.0.1:${p}`,
      `localhost:${p}`,
      `LOCALHOST.:${p}`,
      `app.localhost:${p}`,
      `[::1]:${p}`,
      `rm.example:${p}`,
      'rm.example',
    ]) {
      const a = await tally.call(plain.rmUrl, { path: '/api/v1/request-list', headers: { Host: host } });
      expect(a.status, host).toBe(200);
    }
  });
});

describe('API secret (--api-secret-file)', () => {
  it('answers only calls carrying it, on every route of the RM and the JR', async () => {
    for (const url of [guarded.rmUrl, guarded.jrUrl]) {
      for (const auth of [undefined, 'Bearer wrong-secret-0123456789ab', `Basic ${API}`, `Bearer ${API}x`, 'Bearer ']) {
        const a = await tally.call(url, {
          path: '/api/v1/status/running',
          headers: auth === undefined ? {} : { Authorization: auth },
        });
        expect(a.status).toBe(401);
        expect(a.text).not.toContain(API);
      }
      const ok = await tally.call(url, { path: '/api/v1/status/running', headers: { Authorization: `Bearer ${API}` } });
      expect(ok.status).toBe(200);
    }
    tally.crashed(guarded);
  });
});

describe('peer token (--peer-token-file)', () => {
  it('the pair runs requests; the JR refuses chains, the RM logs and finish calls, from anyone else', async () => {
    const created = await tally.call(rm.rmUrl, {
      method: 'POST',
      path: '/api/v1/requests',
      body: '{"type":"hello","args":{}}',
    });
    expect(created.status).toBe(201);
    const id = (JSON.parse(created.text) as { id: string }).id;
    await until('COMPLETE', async () => {
      const r = await send(rm.rmUrl, { path: `/api/v1/requests/${id}` });
      return (JSON.parse(r.text) as { state: number }).state === 3;
    });
    const logs = JSON.parse((await send(rm.rmUrl, { path: `/api/v1/requests/${id}/log` })).text) as unknown[];
    if (logs.length !== 3) tally.lost(3 - logs.length);
    expect(logs).toHaveLength(3);

    const file = path.join(temp.dir, 'peer-touch');
    const anonymous: Array<Record<string, string>> = [{}, { 'X-Spincycle-Peer-Secret': 'wrong-secret-0123456789' }];
    for (const headers of anonymous) {
      const chain = await tally.call(jr.jrUrl, {
        method: 'POST',
        path: '/api/v1/job-chains',
        headers,
        body: touchChain('p', file),
      });
      expect(chain.status).toBe(401);
      for (const p of ['/api/v1/status/running', `/api/v1/job-chains/${id}/status`]) {
        expect((await tally.call(jr.jrUrl, { path: p, headers })).status).toBe(401);
      }
      const finish = await tally.call(rm.rmUrl, {
        method: 'PUT',
        path: `/api/v1/requests/${id}/finish`,
        headers,
        body: '{"State":3}',
      });
      expect(finish.status).toBe(401);
      const log = await tally.call(rm.rmUrl, {
        method: 'POST',
        path: `/api/v1/requests/${id}/log`,
        headers,
        body: '{"jobId":"x@1","try":9,"state":3}',
      });
      expect(log.status).toBe(401);
    }
    expect(existsSync(file)).toBe(false);
    tally.crashed(rm, jr);
  });

  it('a JR with another secret refuses the RM’s chain: the request ends FAIL saying why', async () => {
    const other = secretFile(temp.dir, 'other', 'another-secret-0123456789');
    const { rm: pairedRm, jr: stranger } = await startPair(EXAMPLE_SPECS, path.join(temp.dir, 'rm2'), {
      rm: ['--peer-token-file', path.join(temp.dir, 'peer')],
      jr: ['--peer-token-file', other],
    });
    try {
      // The RM's 502 is its answer by design (its JR refused the chain), not a failure of its own.
      tally.count();
      const a = await send(pairedRm.rmUrl, {
        method: 'POST',
        path: '/api/v1/requests',
        body: '{"type":"hello","args":{}}',
      });
      expect(a.status).toBe(502);
      expect(a.text).toMatch(
        /job runner did not accept the chain: unsuccessful status code: 401 .*X-Spincycle-Peer-Secret/,
      );
      const id = (a.headers.location ?? '').split('/').pop() ?? '';
      const r = JSON.parse((await send(pairedRm.rmUrl, { path: `/api/v1/requests/${id}` })).text) as { state: number };
      expect(r.state).toBe(4);
      tally.crashed(stranger, pairedRm);
    } finally {
      await Promise.all([stranger.stop(), pairedRm.stop()]);
    }
  });
});

describe('start-up', () => {
  it('refuses a secret file others may read, or one too short (exit 2)', async () => {
    const open = secretFile(temp.dir, 'open', PEER, 0o644);
    const short = secretFile(temp.dir, 'short', 'abc');
    const cases = [
      [open, /other users may read it \(mode 644\); chmod 600/],
      [short, /the secret is too short \(3 characters, at least 16\)/],
      [path.join(temp.dir, 'none'), /cannot read it \(ENOENT\)/],
    ] as const;
    const runs = await Promise.all(
      cases.map(([file]) => runSpincycle(['server', '--specs', EXAMPLE_SPECS, '--peer-token-file', file])),
    );
    runs.forEach((r, i) => {
      tally.count();
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(cases[i]![1]);
    });
  });

  it('warns when listening beyond loopback without a peer secret, saying what that opens', async () => {
    const [open, closed] = await Promise.all([
      startProcess([
        'server',
        '--specs',
        EXAMPLE_SPECS,
        '--data',
        path.join(temp.dir, 'wide'),
        '--rm-addr',
        '127.0.0.1:0',
        '--jr-addr',
        '0.0.0.0:0',
      ]),
      startProcess([
        'jr',
        '--rm-url',
        'http://127.0.0.1:1',
        '--addr',
        '0.0.0.0:0',
        '--peer-token-file',
        path.join(temp.dir, 'peer'),
      ]),
    ]);
    try {
      tally.count(2);
      const warnings = open
        .log()
        .split('\n')
        .filter((l) => l.includes(' warn '));
      expect(warnings).toEqual([
        expect.stringContaining(
          'listening on 0.0.0.0:0, beyond loopback, without --peer-token-file: anyone who can reach it can post job chains to the job runner, that is run any command as this user',
        ),
      ]);
      expect(closed.log()).not.toContain(' warn ');
      // A wildcard listener answers this machine's own addresses and host name.
      const ip = Object.values(os.networkInterfaces())
        .flat()
        .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
      for (const host of [os.hostname(), ...(ip ? [ip] : [])]) {
        const a = await tally.call(open.jrUrl.replace('0.0.0.0', '127.0.0.1'), {
          path: '/api/v1/status/running',
          headers: { Host: `${host}:${port(open.jrUrl)}` },
        });
        expect(a.status, host).toBe(200);
      }
      tally.crashed(open, closed);
    } finally {
      await Promise.all([open.stop(), closed.stop()]);
    }
  });
});

describe('tally', () => {
  it('no crash, hang, 5xx or lost data', () => {
    expect(tally.result).toMatchObject({ crashes: 0, hangs: 0, serverErrors: 0, dataLost: 0 });
  });
});
