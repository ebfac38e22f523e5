// The --auth file on real files: tokens kept only as hashes, every entry's mistakes named, and
// the three refusals (no token, an unknown one, an expired one) worded for the caller.

import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/support/engine/integration/test-engine';
import { AuthError } from './caller';
import { newToken } from './new-token';
import { TokenFile, TokenFileError, hashToken, parseTokenFile } from './token-file';

const temp = tempDir();
afterAll(() => temp.remove());

function file(name: string, text: string, mode = 0o600): string {
  const p = path.join(temp.dir, name);
  writeFileSync(p, text);
  chmodSync(p, mode);
  return p;
}

const call = (authorization?: string) => ({
  method: 'GET',
  path: '/api/v1/requests',
  headers: authorization === undefined ? {} : { authorization },
  remoteAddress: '127.0.0.1',
});

async function refusal(tokens: TokenFile, authorization?: string): Promise<AuthError> {
  const err = await tokens.authenticate(call(authorization)).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AuthError);
  return err as AuthError;
}

describe('TokenFile', () => {
  const alice = newToken();
  const late = newToken();
  const text = `callers:
  - user: alice
    roles: [eng, ops, eng]
    token: ${hashToken(alice)}
  - user: late
    roles: []
    token: ${hashToken(late)}
    expires: 2026-06-01T12:00:00Z
`;

  it('names the caller of a token it holds the hash of, and refuses the rest saying why', async () => {
    let now = Date.parse('2026-06-01T11:59:59Z');
    const tokens = new TokenFile(file('callers.yaml', text), () => now);
    expect(tokens.size).toBe(2);
    expect(await tokens.authenticate(call(`Bearer ${alice}`))).toEqual({ user: 'alice', roles: ['eng', 'ops'] });
    expect(await tokens.authenticate(call(`bearer  ${late} `))).toEqual({ user: 'late', roles: [] });
    now = Date.parse('2026-06-01T12:00:00Z');
    const expired = await refusal(tokens, `Bearer ${late}`);
    expect(expired.message).toBe('the token of late expired at 2026-06-01T12:00:00Z: ask for a new one');
    expect(expired.tokenError).toBe('invalid_token');
    expect((await refusal(tokens)).message).toBe(
      'this Request Manager needs a token: send Authorization: Bearer <token>',
    );
    expect((await refusal(tokens)).tokenError).toBeUndefined();
    expect((await refusal(tokens, `Bearer ${newToken()}`)).message).toBe('unknown token');
    // The hash itself is not a token.
    expect((await refusal(tokens, `Bearer ${hashToken(alice)}`)).message).toBe('unknown token');
    expect((await refusal(tokens, `Token ${alice}`)).message).toBe('the Authorization header must be "Bearer <token>"');
  });

  it('reads the file again on reload, and keeps the old callers when the new file is bad', () => {
    const p = file('reload.yaml', text);
    const tokens = new TokenFile(p);
    writeFileSync(p, 'callers: []\n');
    tokens.reload();
    expect(tokens.size).toBe(0);
    writeFileSync(p, 'callers: nope\n');
    expect(() => tokens.reload()).toThrow(TokenFileError);
    expect(tokens.size).toBe(0);
  });

  it('refuses a file others may read', () => {
    expect(() => new TokenFile(file('open.yaml', text, 0o640))).toThrow(/other users may read it \(mode 640\)/);
  });

  it('lists every mistake with its entry', () => {
    const hash = hashToken('x');
    const problems = () =>
      parseTokenFile(
        `callers:
  - user: a
    roles: eng
    token: ${hash}
  - roles: [x]
    token: ${hash}
  - user: b
    token: plain-text-token
  - user: c
    token: ${hash}
  - user: d
    token: ${hashToken('y')}
    expires: next tuesday
  - user: e
    token: ${hashToken('z')}
    role: [eng]
  - nonsense
extra: 1
`,
        'callers.yaml',
      );
    expect(problems).toThrow(TokenFileError);
    try {
      problems();
    } catch (err) {
      expect((err as Error).message.split('\n')).toEqual([
        'callers.yaml: unknown key "extra" (only callers:)',
        'callers.yaml: entry 1 (user "a"): roles must be a list of role names (no spaces or commas), e.g. roles: [eng]',
        'callers.yaml: entry 2: user (the name requests are created under) is required',
        'callers.yaml: entry 3 (user "b"): token must be "sha256:" and 64 lower-case hex digits, the hash of the token (spincycle token makes one)',
        'callers.yaml: entry 5 (user "d"): expires must be a date or an RFC 3339 time, got "next tuesday"',
        'callers.yaml: entry 6 (user "e"): unknown key "role" (accepted: user, roles, token, expires)',
        'callers.yaml: entry 7: must be a map with user, roles and token',
      ]);
    }
    const twice = `callers:\n  - {user: a, token: ${hash}}\n  - {user: b, token: ${hash}}\n`;
    expect(() => parseTokenFile(twice, 'f.yaml')).toThrow('f.yaml: entry 2 (user "b"): the same token as entry 1');
    expect(() => parseTokenFile('users: []\n', 'f.yaml')).toThrow(
      'f.yaml: expected "callers:" and a list of {user, roles, token} (see docs/security.md)',
    );
    expect(() => parseTokenFile('callers: [\n', 'f.yaml')).toThrow(/^f\.yaml: not YAML: /);
  });
});
