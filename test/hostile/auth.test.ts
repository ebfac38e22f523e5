// Issue 19 item 4: callers, roles, ACLs and TLS. Real `spincycle rm` and `spincycle jr`
// processes speaking HTTPS to each other and to the tests (certificates made at test time),
// the RM with --auth (a token file), an admin role and request specs with an acl; and a
// `spincycle server` whose callers are named by a site's --auth-module. Missing, wrong and
// expired tokens, a forged user in the body, roles without an ACL entry, a JR's calls without
// the peer token, a client and an RM that trust another CA: each is refused, and nothing is
// created by a refused call.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { newToken } from '../../src-main/engine/auth/new-token';
import { hashToken } from '../../src-main/engine/auth/token-file';
import { makePki, type TestPki } from '../support/tls';
import {
  EXAMPLE_SPECS,
  Tally,
  freePort,
  runSpincycle,
  secretFile,
  send,
  startProcess,
  tempDir,
  until,
  type Call,
  type EngineProcess,
} from './harness';

// Real processes on 2 shared cores: starting one takes seconds.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 90_000 });

const tally = new Tally('auth and TLS');
const temp = tempDir();
const PEER = 'peer-token-0123456789abcdef';

const GUARDED = `noop-node: {category: job, type: noop}
sequences:
  guarded:
    args:
      optional:
        - {name: env, desc: where it runs, default: dev}
        - {name: seconds, desc: how long it naps, default: 30}
    acl:
      - role: eng
        admin: true
      - role: ba
        ops: [start]
    nodes:
      nap:
        category: job
        type: sleep
        args: [{expected: seconds, given: seconds}]
`;

/** Who calls, and the token each holds. */
const tokens = {
  alice: newToken(), // eng: admin of guarded
  bob: newToken(), // ba: may start guarded
  carol: newToken(), // viewer: in no acl
  root: newToken(), // sre: --admin-role
  old: newToken(), // eng, expired
  dave: newToken(), // added while the RM runs (SIGHUP)
};
type Who = keyof typeof tokens;

function authFile(withDave: boolean): string {
  const entry = (user: Who, roles: string[], extra = '') =>
    `  - user: ${user}\n    roles: [${roles.join(', ')}]\n    token: ${hashToken(tokens[user])}\n${extra}`;
  return [
    'callers:',
    entry('alice', ['eng']),
    entry('bob', ['ba']),
    entry('carol', ['viewer']),
    entry('root', ['sre']),
    entry('old', ['eng'], '    expires: 2020-01-31T00:00:00Z\n'),
    ...(withDave ? [entry('dave', ['ba'])] : []),
  ].join('\n');
}

let pki: TestPki;
let ca: string;
let rm: EngineProcess;
let jr: EngineProcess;
let moduleServer: EngineProcess;
let specsDir: string;
let authPath: string;

const as = (who: Who): Record<string, string> => ({ Authorization: `Bearer ${tokens[who]}` });
/** A call to the RM over HTTPS, trusting the test CA. */
const rmCall = (call: Call) => tally.call(rm.rmUrl, { ca, ...call });
const create = (who: Who | null, type: string, args: Record<string, unknown> = {}, extra: object = {}) =>
  rmCall({
    method: 'POST',
    path: '/api/v1/requests',
    headers: who ? as(who) : {},
    body: JSON.stringify({ type, args, ...extra }),
  });
/** How many requests the RM holds (asked as the admin). */
async function requestCount(): Promise<number> {
  const a = await send(rm.rmUrl, { ca, path: '/api/v1/requests?limit=1', headers: as('root') });
  return Number(a.headers['x-total-count']);
}
const stateOf = async (id: string) =>
  (
    JSON.parse((await send(rm.rmUrl, { ca, path: `/api/v1/requests/${id}`, headers: as('root') })).text) as {
      state: number;
      user: string;
    }
  ).state;

beforeAll(async () => {
  pki = makePki(temp.dir);
  ca = readFileSync(pki.ca, 'utf8');
  specsDir = path.join(temp.dir, 'specs');
  const { mkdirSync, cpSync } = await import('node:fs');
  mkdirSync(specsDir);
  cpSync(path.join(EXAMPLE_SPECS, 'hello.yaml'), path.join(specsDir, 'hello.yaml'));
  writeFileSync(path.join(specsDir, 'guarded.yaml'), GUARDED);
  authPath = secretFile(temp.dir, 'callers.yaml', authFile(false));
  const peer = secretFile(temp.dir, 'peer', PEER);
  const tls = ['--tls-cert', pki.cert, '--tls-key', pki.key];
  const rmPort = await freePort();
  jr = await startProcess([
    'jr',
    '--rm-url',
    `https://127.0.0.1:${rmPort}`,
    '--addr',
    '127.0.0.1:0',
    '--peer-token-file',
    peer,
    '--ca',
    pki.ca,
    '--data',
    path.join(temp.dir, 'jr-data'),
    ...tls,
  ]);
  const moduleFile = path.join(temp.dir, 'site-auth.mjs');
  writeFileSync(
    moduleFile,
    `const roles = { eve: ['ba'], sam: ['ba', 'sre'] };
export function authenticate(request) {
  const user = request.headers['x-test-user'];
  if (user === 'broken') return { name: 'no user key' };
  return roles[user] ? { user, roles: roles[user] } : null;
}
export async function authorize(caller, op, request) {
  if (request.args.env === 'prod' && !caller.roles.includes('sre')) throw new Error('prod needs the sre role');
}
`,
  );
  [rm, moduleServer] = await Promise.all([
    startProcess([
      'rm',
      '--specs',
      specsDir,
      '--data',
      path.join(temp.dir, 'rm-data'),
      '--jr-url',
      jr.jrUrl,
      '--addr',
      `127.0.0.1:${rmPort}`,
      '--auth',
      authPath,
      '--admin-role',
      'sre',
      '--peer-token-file',
      peer,
      '--ca',
      pki.ca,
      ...tls,
    ]),
    startProcess([
      'server',
      '--specs',
      specsDir,
      '--data',
      path.join(temp.dir, 'module-data'),
      '--rm-addr',
      '127.0.0.1:0',
      '--jr-addr',
      '127.0.0.1:0',
      '--auth-module',
      moduleFile,
    ]),
  ]);
});

afterAll(async () => {
  await Promise.all([rm, jr, moduleServer].map((p) => p?.stop()));
  temp.remove();
  console.log(tally.line());
});

describe('tokens', () => {
  it('refuses a missing, wrong, malformed or expired token on every route with 401, creating nothing', async () => {
    const before = await requestCount();
    const refusals: Array<[Record<string, string>, RegExp]> = [
      [{}, /^this Request Manager needs a token: send Authorization: Bearer <token>$/],
      [{ Authorization: `Bearer ${newToken()}` }, /^unknown token$/],
      [{ Authorization: `Bearer ${tokens.alice}x` }, /^unknown token$/],
      [{ Authorization: `Basic ${Buffer.from('alice:pw').toString('base64')}` }, /must be "Bearer <token>"/],
      [{ Authorization: 'Bearer' }, /must be "Bearer <token>"/],
      [as('old'), /^the token of old expired at 2020-01-31T00:00:00Z: ask for a new one$/],
    ];
    const routes: Call[] = [
      { path: '/api/v1/request-list' },
      { path: '/api/v1/requests' },
      { path: '/api/v1/caller' },
      { path: '/api/v1/status/running' },
      { method: 'POST', path: '/api/v1/requests', body: '{"type":"hello","args":{}}' },
      { method: 'PUT', path: '/api/v1/requests/nope/stop' },
      { path: '/api/v1/requests/nope/output/nap@1' },
    ];
    for (const [headers, message] of refusals) {
      for (const route of routes) {
        const a = await rmCall({ ...route, headers });
        expect(a.status, `${route.path} ${JSON.stringify(headers)}`).toBe(401);
        expect(a.text).toMatch(message);
        expect(a.headers['www-authenticate']).toMatch(/^Bearer realm="spincycle"/);
        for (const token of Object.values(tokens)) expect(a.text).not.toContain(token);
      }
    }
    expect(await requestCount()).toBe(before);
    tally.crashed(rm, jr);
  });

  it('keeps only hashes in the file, and refuses to start on a token file others may read or a bad entry', async () => {
    const file = readFileSync(authPath, 'utf8');
    for (const token of Object.values(tokens)) expect(file).not.toContain(token);
    const open = secretFile(temp.dir, 'open.yaml', authFile(false), 0o644);
    const bad = secretFile(temp.dir, 'bad.yaml', 'callers:\n  - user: zed\n    roles: [eng]\n    token: hunter2\n');
    const peer = path.join(temp.dir, 'peer');
    const start = (auth: string, more: string[] = ['--peer-token-file', peer]) =>
      runSpincycle(['rm', '--specs', specsDir, '--jr-url', jr.jrUrl, '--auth', auth, ...more]);
    const [a, b, c] = await Promise.all([start(open), start(bad), start(authPath, [])]);
    tally.count(3);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain(`--auth ${open}: other users may read it (mode 644); chmod 600`);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain(
      `--auth ${bad}: entry 1 (user "zed"): token must be "sha256:" and 64 lower-case hex digits`,
    );
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('--auth needs --peer-token-file');
  });

  it('takes a token added to the file once the RM gets SIGHUP, and keeps the old file when the new one is bad', async () => {
    expect((await rmCall({ path: '/api/v1/request-list', headers: as('dave') })).status).toBe(401);
    writeFileSync(authPath, authFile(true));
    rm.child.kill('SIGHUP');
    await until(
      'dave is let in',
      async () => (await send(rm.rmUrl, { ca, path: '/api/v1/caller', headers: as('dave') })).status === 200,
    );
    writeFileSync(authPath, 'callers: [ {user: dave, token: nope} ]\n');
    rm.child.kill('SIGHUP');
    await until('the bad reload is logged', () => rm.log().includes('reload failed'));
    const failed =
      rm
        .log()
        .split('\n')
        .find((l) => l.includes('reload failed')) ?? '';
    expect(failed).toMatch(
      / error reload failed; still using what was loaded before .*entry 1 .*dave.*: token must be/,
    );
    expect((await rmCall({ path: '/api/v1/caller', headers: as('dave') })).status).toBe(200);
    writeFileSync(authPath, authFile(true));
    tally.crashed(rm);
  });
});

describe('users and ACLs', () => {
  it('creates a request as the caller, whatever user the body names, and runs it over HTTPS to the JR and back', async () => {
    const a = await create('carol', 'hello', {}, { User: 'mallory' });
    expect(a.status, a.text).toBe(201);
    const req = JSON.parse(a.text) as { id: string; user: string };
    expect(req.user).toBe('carol');
    await until('COMPLETE', async () => (await stateOf(req.id)) === 3);
    const forged = await send(rm.rmUrl, { ca, path: '/api/v1/requests?user=mallory', headers: as('root') });
    expect(JSON.parse(forged.text)).toEqual([]);
    const logs = JSON.parse(
      (await send(rm.rmUrl, { ca, path: `/api/v1/requests/${req.id}/log`, headers: as('carol') })).text,
    ) as unknown[];
    if (logs.length !== 3) tally.lost(3 - logs.length);
    expect(logs).toHaveLength(3);
  });

  it('refuses start to a role the acl does not list and stop to a role granted only start; admins may do both', async () => {
    const before = await requestCount();
    const carol = await create('carol', 'guarded');
    expect(carol.status).toBe(401);
    expect(carol.text).toBe('denied: carol has roles viewer, and the acl of guarded lists eng, ba');
    expect(await requestCount()).toBe(before);

    const bob = await create('bob', 'guarded');
    expect(bob.status, bob.text).toBe(201);
    const id = (JSON.parse(bob.text) as { id: string }).id;
    const stopBy = (who: Who) => rmCall({ method: 'PUT', path: `/api/v1/requests/${id}/stop`, headers: as(who) });
    for (const who of ['bob', 'carol'] as const) {
      const a = await stopBy(who);
      expect(a.status).toBe(401);
      expect(a.text).toMatch(/^denied: /);
    }
    expect((await stopBy('bob')).text).toBe('denied: no role of bob may stop guarded (ba may start)');
    expect(await stateOf(id)).toBe(2);
    expect((await stopBy('alice')).status).toBe(200);
    await until('STOPPED', async () => (await stateOf(id)) === 6);

    const root = await create('root', 'guarded');
    expect(root.status).toBe(201);
    const rootId = (JSON.parse(root.text) as { id: string }).id;
    expect((await rmCall({ method: 'PUT', path: `/api/v1/requests/${rootId}/stop`, headers: as('root') })).status).toBe(
      200,
    );
    expect(await requestCount()).toBe(before + 2);
    tally.crashed(rm, jr);
  });

  it('retry and re-run need the right to start the request: the caller is who asks, whatever the body says', async () => {
    const bob = await create('bob', 'guarded');
    const id = (JSON.parse(bob.text) as { id: string }).id;
    expect((await rmCall({ method: 'PUT', path: `/api/v1/requests/${id}/stop`, headers: as('alice') })).status).toBe(
      200,
    );
    await until('STOPPED', async () => (await stateOf(id)) === 6);
    const act = (who: Who, what: 'retry' | 'rerun') =>
      rmCall({
        method: 'POST',
        path: `/api/v1/requests/${id}/${what}`,
        headers: as(who),
        body: JSON.stringify({ User: 'mallory' }),
      });
    const before = await requestCount();
    for (const what of ['retry', 'rerun'] as const) {
      const carol = await act('carol', what);
      expect(carol.status).toBe(401);
      expect(carol.text).toBe('denied: carol has roles viewer, and the acl of guarded lists eng, ba');
    }
    expect(await stateOf(id)).toBe(6);
    expect(await requestCount()).toBe(before);

    const retried = await act('bob', 'retry');
    expect(retried.status, retried.text).toBe(200);
    expect(await stateOf(id)).toBe(2);
    const history = JSON.parse(
      (await send(rm.rmUrl, { ca, path: `/api/v1/requests/${id}/history`, headers: as('carol') })).text,
    ) as { attempts: Array<{ kind: string; user: string }> };
    expect(history.attempts.map((a) => [a.kind, a.user])).toEqual([
      ['start', 'bob'],
      ['retry', 'bob'],
    ]);
    const rerun = await act('bob', 'rerun');
    expect(rerun.status, rerun.text).toBe(201);
    const again = JSON.parse(rerun.text) as { id: string; user: string };
    expect(again.user).toBe('bob');
    for (const r of [id, again.id]) {
      expect((await rmCall({ method: 'PUT', path: `/api/v1/requests/${r}/stop`, headers: as('root') })).status).toBe(
        200,
      );
    }
    tally.crashed(rm, jr);
  });

  it('says on GET /api/v1/caller who the caller is and what it may start and stop', async () => {
    const info = async (who: Who) =>
      JSON.parse((await rmCall({ path: '/api/v1/caller', headers: as(who) })).text) as {
        auth: boolean;
        user: string;
        roles: string[];
        admin: boolean;
        requestTypes: Array<{ name: string; ops: string[]; refused: Record<string, string> }>;
      };
    const bob = await info('bob');
    expect(bob).toEqual({
      auth: true,
      user: 'bob',
      roles: ['ba'],
      admin: false,
      requestTypes: [
        {
          name: 'guarded',
          ops: ['start'],
          refused: { stop: 'denied: no role of bob may stop guarded (ba may start)' },
        },
        { name: 'hello', ops: ['start', 'stop'], refused: {} },
      ],
    });
    const carol = await info('carol');
    expect(carol.requestTypes[0]).toEqual({
      name: 'guarded',
      ops: [],
      refused: {
        start: 'denied: carol has roles viewer, and the acl of guarded lists eng, ba',
        stop: 'denied: carol has roles viewer, and the acl of guarded lists eng, ba',
      },
    });
    expect((await info('root')).admin).toBe(true);
  });
});

describe('the job runner’s calls', () => {
  it('refuses job logs, finish and suspend without the peer token, even from a caller the RM knows; live output goes through', async () => {
    const a = await create('alice', 'guarded');
    const id = (JSON.parse(a.text) as { id: string }).id;
    const jrCalls: Call[] = [
      { method: 'POST', path: `/api/v1/requests/${id}/log`, body: '{"jobId":"nap","try":1,"state":3}' },
      { method: 'POST', path: `/api/v1/requests/${id}/logs`, body: '[{"jobId":"nap","try":1,"state":3}]' },
      { method: 'PUT', path: `/api/v1/requests/${id}/finish`, body: '{"State":3}' },
      { method: 'PUT', path: `/api/v1/requests/${id}/suspend`, headers: { 'X-Spincycle-Epoch': '1' } },
    ];
    for (const headers of [{}, as('root'), { 'X-Spincycle-Peer-Secret': 'wrong-token-0123456789' }]) {
      for (const call of jrCalls) {
        const r = await rmCall({ ...call, headers: { ...call.headers, ...headers } });
        expect(r.status, `${call.path} ${JSON.stringify(headers)}`).toBe(401);
        expect(r.text).toContain('only a peer started with the same --peer-token-file may call this');
      }
    }
    expect(await stateOf(id)).toBe(2);
    // Any caller may read the running job's output: the RM asks its JR, over TLS with the peer token.
    const jobChain = await rmCall({ path: `/api/v1/requests/${id}/job-chain`, headers: as('carol') });
    const nap = Object.keys((JSON.parse(jobChain.text) as { jobs: object }).jobs).find((j) => j.startsWith('nap@'));
    const outputPath = `/api/v1/requests/${id}/output/${nap}`;
    await until('the nap’s try is read from the JR', async () => {
      const o = await send(rm.rmUrl, { ca, path: outputPath, headers: as('carol') });
      return o.status === 200 && (JSON.parse(o.text) as { try: number }).try === 1;
    });
    const output = await rmCall({ path: outputPath, headers: as('carol') });
    expect(JSON.parse(output.text)).toMatchObject({ try: 1, state: 2, live: true, done: false });
    const fromJr = await tally.call(jr.jrUrl, {
      ca,
      path: `/api/v1/job-chains/${id}/output/${nap}`,
      headers: as('root'),
    });
    expect(fromJr.status).toBe(401);
    await rmCall({ method: 'PUT', path: `/api/v1/requests/${id}/stop`, headers: as('alice') });
    // The JR refuses chains from anyone without it too.
    const chain = await tally.call(jr.jrUrl, {
      ca,
      method: 'POST',
      path: '/api/v1/job-chains',
      headers: as('root'),
      body: '{}',
    });
    expect(chain.status).toBe(401);
    tally.crashed(rm, jr);
  });
});

describe('TLS', () => {
  it('refuses plain HTTP on a TLS listener, and clients that trust another CA refuse the engine', async () => {
    for (const url of [rm.rmUrl, jr.jrUrl]) {
      tally.count(2);
      await expect(send(url.replace('https:', 'http:'), { path: '/api/v1/status/running' })).rejects.toThrow();
      await expect(
        send(url, { path: '/api/v1/status/running', ca: readFileSync(pki.otherCa, 'utf8') }),
      ).rejects.toThrow(/self[- ]signed certificate in certificate chain|unable to verify/);
    }
    const cli = (caFile: string, token: string | null = tokens.carol) =>
      runSpincycle(['--addr', rm.rmUrl, '--ca', caFile, 'specs'], {
        SPINCYCLE_HEADERS: token === null ? '' : `Authorization: Bearer ${token}`,
      });
    const [wrong, right, anonymous] = await Promise.all([cli(pki.otherCa), cli(pki.ca), cli(pki.ca, null)]);
    tally.count(3);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toContain(
      'refused GET /api/v1/requests: 401 not authorized: this Request Manager needs a token',
    );
    expect(anonymous.stderr).toContain('It wants a token: --secret-file FILE');
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toMatch(/TLS: .*certificate.*\(check the context's CA file/);
    expect(right.code, right.stderr).toBe(0);
    expect(right.stdout).toMatch(/guarded .*not allowed: denied: carol has roles viewer/);
    expect(right.stdout).not.toMatch(/hello .*not allowed/);
    tally.crashed(rm, jr);
  });

  it('an RM that trusts another CA cannot hand its JR a chain: the create answers 502 saying why', async () => {
    const other = await startProcess([
      'rm',
      '--specs',
      specsDir,
      '--data',
      path.join(temp.dir, 'rm-other-ca'),
      '--jr-url',
      jr.jrUrl,
      '--addr',
      '127.0.0.1:0',
      '--ca',
      pki.otherCa,
    ]);
    try {
      tally.count();
      const a = await send(other.rmUrl, {
        method: 'POST',
        path: '/api/v1/requests',
        body: '{"type":"hello","args":{}}',
      });
      expect(a.status).toBe(502);
      expect(a.text).toMatch(/job runner did not accept the chain: .*certificate/);
      tally.crashed(other, jr);
    } finally {
      await other.stop();
    }
  });
});

describe('--auth-module', () => {
  it("names callers by the site's authenticate, and its authorize refuses by args after the acl", async () => {
    const call = (user: string | null, args: Record<string, string>) =>
      tally.call(moduleServer.rmUrl, {
        method: 'POST',
        path: '/api/v1/requests',
        headers: user ? { 'X-Test-User': user } : {},
        body: JSON.stringify({ type: 'guarded', args: { seconds: '0', ...args } }),
      });
    const nobody = await call(null, {});
    expect(nobody.status).toBe(401);
    expect(nobody.text).toBe('not authenticated (the auth module named no caller)');
    const prod = await call('eve', { env: 'prod' });
    expect(prod.status).toBe(401);
    expect(prod.text).toBe('denied by the auth module: prod needs the sre role');
    const dev = await call('eve', { env: 'dev' });
    expect(dev.status, dev.text).toBe(201);
    expect((JSON.parse(dev.text) as { user: string }).user).toBe('eve');
    expect((await call('sam', { env: 'prod' })).status).toBe(201);
    // A module that answers nonsense is a 500 naming it (by design: not counted), never a caller let in.
    tally.count();
    const broken = await send(moduleServer.rmUrl, {
      method: 'POST',
      path: '/api/v1/requests',
      headers: { 'X-Test-User': 'broken' },
      body: '{"type":"hello","args":{}}',
    });
    expect(broken.status).toBe(500);
    expect(broken.text).toMatch(/auth module .*site-auth\.mjs: authenticate must return \{ user: string/);
    // Its JR takes chains from nobody over HTTP: its RM is in its process.
    const chain = await send(moduleServer.jrUrl, { method: 'POST', path: '/api/v1/job-chains', body: '{}' });
    expect(chain.status).toBe(403);
    tally.count();
    tally.crashed(moduleServer);
  });
});
