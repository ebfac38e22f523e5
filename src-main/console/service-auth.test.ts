// The console core against our RM with auth (a `spincycle server --auth` process, a real token
// file, a real SQLite cache and an owner-only secrets file): with its token the context is online, the
// request types its roles may not start say why, and a request it starts is its user's; a
// token revoked while the console runs (the file reloaded) makes the context refused (offline,
// asking for credentials), and a new one brings it back. An ACL refusal of one start is that
// call's error and leaves the context online.

import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { until } from '../../test/support/until';
import { FileSecretStore } from './credentials';
import { ConsoleService } from './service';

const CTX = 'team';
const BIN = fileURLToPath(new URL('../../bin/spincycle.js', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'sc-auth-'));
const callers = path.join(dir, 'callers.yaml');
const newToken = () => randomBytes(32).toString('base64url');
const first = newToken();
const second = newToken();
let engine: ChildProcess;
let s: ConsoleService;

/** The --auth file with one caller, holding `token`'s hash (as `spincycle token` writes it). */
function writeCallers(token: string): void {
  const hash = createHash('sha256').update(token).digest('hex');
  writeFileSync(callers, `callers:\n  - user: ops-bot\n    roles: [ops]\n    token: sha256:${hash}\n`);
  chmodSync(callers, 0o600);
}

beforeAll(async () => {
  const specs = path.join(dir, 'specs');
  mkdirSync(specs);
  writeFileSync(
    path.join(specs, 'types.yaml'),
    `noop-node: {category: job, type: noop}
sequences:
  open-type:
    nodes: {a: {category: job, type: noop}}
  eng-only:
    acl: [{role: eng, admin: true}]
    nodes: {a: {category: job, type: noop}}
`,
  );
  writeCallers(first);
  engine = spawn(
    process.execPath,
    [
      BIN,
      'server',
      '--specs',
      specs,
      '--data',
      path.join(dir, 'data'),
      '--rm-addr',
      '127.0.0.1:0',
      '--jr-addr',
      '127.0.0.1:0',
      '--auth',
      callers,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  const rmUrl = await new Promise<string>((resolve, reject) => {
    engine.stderr?.on('data', (d: Buffer) => {
      log += d.toString();
      const m = / engine started rm=(\S+) /.exec(log);
      if (m) resolve(m[1] as string);
    });
    engine.on('exit', () => reject(new Error(`spincycle server exited:\n${log}`)));
  });
  s = await ConsoleService.open({
    cacheFile: path.join(dir, 'cache.db'),
    emit: () => {},
    client: { timeoutMs: 2000, getRetries: 0 },
    secrets: new FileSecretStore(path.join(dir, 'credentials.json')),
    user: 'someone-else',
  });
  await s.updateSettings({ intervals: { viewedMs: 100, otherMs: 150, maxBackoffMs: 400 } });
  const auth = { headers: ['Authorization'], caFile: null, certFile: null, keyFile: null };
  await s.putContext({ name: CTX, url: rmUrl, envLabel: null, envColor: null, embedded: false, auth }, undefined, {
    Authorization: `Bearer ${first}`,
  });
  await s.start();
});

afterAll(async () => {
  await s?.stop();
  engine?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const status = async () => (await s.contextStatuses()).find((c) => c.context === CTX);

describe('the console core on an RM with auth', () => {
  it('is online with its token, marks what its roles may not start, and starts as its caller', async () => {
    await until('online', async () => (await status())?.online === true && (await status())?.lastOkMs !== null);
    const types = await s.requestList(CTX);
    expect(types.map((t) => [t.name, t.startRefused])).toEqual([
      ['eng-only', 'denied: ops-bot has roles ops, and the acl of eng-only lists eng'],
      ['open-type', undefined],
    ]);
    const created = await s.createRequest(CTX, 'open-type', {});
    expect(created.user).toBe('ops-bot');
    await expect(s.createRequest(CTX, 'eng-only', {})).rejects.toThrow(
      /refused POST \/api\/v1\/requests: 401 not authorized: denied: ops-bot has roles ops/,
    );
    expect((await status())?.online).toBe(true);
  });

  it('goes refused when its token is revoked while it runs, and comes back with a new one', async () => {
    writeCallers(second);
    engine.kill('SIGHUP');
    const refused = await until('refused', async () => {
      const now = await status();
      return now?.online === false && now;
    });
    expect(refused.refused).toBe(true);
    expect(refused.error).toMatch(/refused GET .*: 401 not authorized: unknown token/);
    const ctx = (await s.contexts()).find((c) => c.name === CTX)!;
    await s.putContext(ctx, CTX, { Authorization: `Bearer ${second}` });
    await until('online again', async () => (await status())?.online === true);
    expect((await status())?.refused).toBe(false);
  });
});
