// Issue 14 item 11: the CLI against a hostile Request Manager (a real HTTP server on loopback
// answering what no RM should) and bad --addr values, as real `spincycle` processes: no zero
// request from an empty answer, bad usage is exit 2, no password echoed, no redirect followed,
// no unbounded read, and nothing a server sends reaches the terminal as a control character.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Tally, runSpincycle } from './harness';

// Real processes on 2 shared cores: starting one takes seconds.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const tally = new Tally('CLI');
const ESC = '\u001b';
/** Retitles the window, clears the screen, hides what follows, moves the cursor, rings the bell. */
const NASTY = `${ESC}]0;pwned\u0007${ESC}[2J${ESC}[8mhidden\rover\u009b31m\u202egnp.exe`;
const ID = 'a'.repeat(32);

const request = (over: Record<string, unknown> = {}) => ({
  id: ID,
  type: NASTY,
  state: 4,
  user: NASTY,
  createdAt: '2026-01-01T00:00:00Z',
  startedAt: '2026-01-01T00:00:01Z',
  finishedAt: '2026-01-01T00:00:02Z',
  totalJobs: 1,
  finishedJobs: 0,
  ...over,
});

let hostile: http.Server;
let elsewhere: http.Server;
let base: string;
let elsewhereHits = 0;

/** What the hostile RM answers, by path (the request id picks the behaviour). */
function answer(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = req.url ?? '';
  const json = (body: unknown): void =>
    void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  if (url.includes('/requests/empty0')) return void res.writeHead(200).end('');
  if (url.includes('/requests/null00'))
    return void res.writeHead(200, { 'Content-Type': 'application/json' }).end('null');
  if (url.includes('/requests/redir0')) {
    return void res.writeHead(302, { Location: `${elsewhereUrl()}/api/v1/requests/${ID}` }).end();
  }
  if (url.includes('/requests/huge00')) {
    // Declares a terabyte; a client that reads it all never ends.
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(2 ** 40) });
    res.write('{"id":"');
    return;
  }
  if (url.includes('/requests/bad000'))
    return void res.writeHead(400, { 'Content-Type': 'text/plain' }).end(`${NASTY}${'x'.repeat(100_000)}`);
  if (url.endsWith('/status')) {
    return void json({
      request: request(),
      jobChainStatus: {
        requestId: ID,
        jobStatuses: [{ requestId: '', jobId: `job@3${ESC}[1A`, state: 2, status: NASTY, runtime: 0, n: 0 }],
      },
    });
  }
  if (url.endsWith('/log')) {
    return void json([
      {
        requestId: ID,
        jobId: 'job@3',
        try: 1,
        type: NASTY,
        startedAt: 1,
        finishedAt: 2,
        state: 4,
        exit: 1,
        error: NASTY,
        stdout: NASTY,
        stderr: NASTY,
      },
    ]);
  }
  if (url.includes('/status/running')) {
    return void json({
      jobs: [{ requestId: ID, jobId: NASTY, state: 2, status: '', runtime: 1, n: 1 }],
      requests: { [ID]: request() },
    });
  }
  if (url.includes('/request-list'))
    return void json([{ Name: NASTY, Args: [{ Name: NASTY, Desc: NASTY, Required: true, Default: '' }] }]);
  if (url.includes('/requests/')) return void json(request());
  res.writeHead(404).end('Not Found');
}

const elsewhereUrl = () => `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
const listen = (s: http.Server) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r));

beforeAll(async () => {
  hostile = http.createServer(answer);
  elsewhere = http.createServer((_req, res) => {
    elsewhereHits++;
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(request({ type: 'followed' })));
  });
  await Promise.all([listen(hostile), listen(elsewhere)]);
  base = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}`;
});

afterAll(async () => {
  hostile.closeAllConnections();
  await Promise.all([hostile, elsewhere].map((s) => new Promise((r) => s.close(r))));
  console.log(tally.line());
});

async function cli(...args: string[]) {
  tally.count();
  return runSpincycle(args, { SPINCYCLE_ADDR: '', ADDR: '' });
}

/** No control character but newline and tab, anywhere. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('answers that are not what was asked for', () => {
  it('an empty or null 200 answer is a failure (exit 1), not a zero request', async () => {
    const runs = ['empty0', 'null00'].flatMap((id) =>
      ['status', 'running'].map(async (command) => ({ id, command, r: await cli('--addr', base, command, id) })),
    );
    for (const { id, command, r } of await Promise.all(runs)) {
      expect({ id, command, code: r.code }).toEqual({ id, command, code: 1 });
      expect(r.stderr).toMatch(/unexpected answer: expected a request( status)?, got (an empty body|null)/);
      expect(r.stdout).not.toMatch(/state:|UNKNOWN/);
    }
  });

  it('a redirect is not followed (exit 1, says where it pointed)', async () => {
    const r = await cli('--addr', base, 'status', 'redir0');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /the server answered 302 \(to http:\/\/127\.0\.0\.1:\d+\/api\/v1\/requests\/a+\); redirects are not followed/,
    );
    expect(elsewhereHits).toBe(0);
  });

  it('an answer past the limit is refused without reading it (exit 1)', async () => {
    const r = await cli('--addr', base, '--timeout', '20000', 'status', 'huge00');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the answer is larger than 1073741824 bytes; not read/);
  });
});

describe('--addr', () => {
  it('garbage is bad usage (exit 2)', async () => {
    const addrs = ['garbage', 'ftp://127.0.0.1:1', 'http://', '://x'];
    const runs = await Promise.all(addrs.map((addr) => cli('--addr', addr, 'ps')));
    runs.forEach((r, i) => {
      expect({ addr: addrs[i], code: r.code }).toEqual({ addr: addrs[i], code: 2 });
      expect(r.stderr).toMatch(/invalid Request Manager URL/);
    });
  });

  it('--timeout past what a timer holds is bad usage, not a timeout at once', async () => {
    const r = await cli('--addr', base, '--timeout', '3000000000', 'status', ID);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--timeout must be a whole number of milliseconds from 1 to 86400000');
  });

  it('a user name and password are refused, and the password is never printed', async () => {
    const addrs = [`http://admin:s3cr3tPW@127.0.0.1:1`, `http://admin:s3cr3tPW@[bad`, `http://s3cr3tPW@127.0.0.1:1`];
    for (const r of await Promise.all(addrs.map((addr) => cli('--addr', addr, 'ps')))) {
      expect(r.code).toBe(2);
      expect(r.stdout + r.stderr).not.toContain('s3cr3tPW');
      expect(r.stderr).toContain('//***@');
    }
  });
});

describe('what a server sends cannot drive the terminal', () => {
  it.each([['status', ID], ['log', ID], ['ps'], ['specs'], ['status', 'bad000']])(
    'spincycle %s',
    async (...command) => {
      const r = await cli('--addr', base, ...command.filter(Boolean));
      expect(r.stdout + r.stderr).not.toMatch(CONTROL);
      // Shown, escaped, not dropped: the operator sees something odd was sent.
      expect(r.stdout + r.stderr).toContain('\\u001b]0;pwned\\u0007\\u001b[2J');
      if (command[1] === 'bad000') {
        expect(r.code).toBe(1);
        expect(r.stderr.length).toBeLessThan(2500);
      } else expect(r.code).toBe(0);
    },
  );

  it('--json stays valid JSON with the same values', async () => {
    const r = await cli('--addr', base, '--json', 'log', ID);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(CONTROL);
    const [log] = JSON.parse(r.stdout) as Array<{ stdout: string }>;
    expect(log?.stdout).toBe(NASTY);
  });
});

describe('tally', () => {
  it('no crash, hang, 5xx or lost data', () => {
    expect(tally.result).toMatchObject({ crashes: 0, hangs: 0, serverErrors: 0, dataLost: 0 });
  });
});
