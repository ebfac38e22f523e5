// The console core against our RM with auth (an engine in this process, a real token file, a
// real SQLite cache and an owner-only secrets file): with its token the context is online, the
// request types its roles may not start say why, and a request it starts is its user's; a
// token revoked while the console runs (the file reloaded) makes the context refused (offline,
// asking for credentials), and a new one brings it back. An ACL refusal of one start is that
// call's error and leaves the context online.

import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../test/support/until';
import { newToken } from '../engine/auth/new-token';
import { TokenFile, hashToken } from '../engine/auth/token-file';
import { silentLogger } from '../engine/log';
import { startEngine, type RunningEngine } from '../engine/server';
import { FileSecretStore } from './credentials';
import { ConsoleService } from './service';

const CTX = 'team';
const dir = mkdtempSync(path.join(tmpdir(), 'sc-auth-'));
const callers = path.join(dir, 'callers.yaml');
const first = newToken();
const second = newToken();
let engine: RunningEngine;
let s: ConsoleService;

function writeCallers(token: string): void {
  writeFileSync(callers, `callers:\n  - user: ops-bot\n    roles: [ops]\n    token: ${hashToken(token)}\n`);
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
  engine = await startEngine({
    specsDir: specs,
    dataDir: ':memory:',
    rmAddr: '127.0.0.1:0',
    jrAddr: '127.0.0.1:0',
    logger: silentLogger,
    auth: { authenticator: new TokenFile(callers), adminRoles: [], strict: false },
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
  await s.putContext(
    { name: CTX, url: engine.rmUrl, envLabel: null, envColor: null, embedded: false, auth },
    undefined,
    {
      Authorization: `Bearer ${first}`,
    },
  );
  await s.start();
});

afterAll(async () => {
  await s?.stop();
  await engine?.close();
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
    await engine.reload({});
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
