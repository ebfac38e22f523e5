// Who may start and stop what, with upstream's semantics: admin roles first, then the type's
// acl (admin entries, ops), open types unless strict, and the site's authorize asked only
// after an acl entry granted the op.

import { describe, expect, it } from 'vitest';
import type { AclEntry } from '../grapher';
import { AccessControl } from './access-control';
import { AuthError, type AuthSubject, type Caller } from './caller';

const acls = new Map<string, AclEntry[]>([
  [
    'restart-app',
    [
      { role: 'eng', admin: true, ops: [] },
      { role: 'ba', admin: false, ops: ['start'] },
    ],
  ],
  ['open', []],
]);
const who = (user: string, ...roles: string[]): Caller => ({ user, roles });
const request = (type: string, args = {}): AuthSubject => ({ id: null, type, args, user: 'x' });

function control(options: { strict?: boolean; hook?: (c: Caller, op: string, r: AuthSubject) => Promise<void> } = {}) {
  const asked: string[] = [];
  const access = new AccessControl({
    authenticator: { authenticate: () => Promise.reject(new Error('not used')) },
    authorize: async (caller, op, req) => {
      asked.push(`${caller.user} ${op} ${req.type}`);
      await options.hook?.(caller, op, req);
    },
    adminRoles: ['sre'],
    strict: options.strict ?? false,
    acls,
  });
  return { access, asked };
}

async function outcome(access: AccessControl, caller: Caller, op: 'start' | 'stop', type: string): Promise<string> {
  try {
    await access.authorize(caller, op, request(type));
    return 'allowed';
  } catch (err) {
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).kind).toBe('denied');
    return (err as Error).message;
  }
}

describe('AccessControl.authorize', () => {
  it('follows the acl: admin entries may do every op, others their ops, other roles nothing', async () => {
    const { access, asked } = control();
    expect(await outcome(access, who('al', 'eng'), 'stop', 'restart-app')).toBe('allowed');
    expect(await outcome(access, who('bo', 'ba'), 'start', 'restart-app')).toBe('allowed');
    expect(await outcome(access, who('bo', 'ba'), 'stop', 'restart-app')).toBe(
      'denied: no role of bo may stop restart-app (ba may start)',
    );
    expect(await outcome(access, who('cy', 'viewer', 'qa'), 'start', 'restart-app')).toBe(
      'denied: cy has roles viewer, qa, and the acl of restart-app lists eng, ba',
    );
    expect(await outcome(access, who('no'), 'start', 'restart-app')).toBe(
      'denied: no has roles none, and the acl of restart-app lists eng, ba',
    );
    // The site's authorize is asked only once an entry granted the op.
    expect(asked).toEqual(['al stop restart-app', 'bo start restart-app']);
  });

  it('lets admin roles do everything without asking the site, and leaves types without an acl open', async () => {
    const { access, asked } = control();
    expect(await outcome(access, who('root', 'sre'), 'stop', 'restart-app')).toBe('allowed');
    expect(await outcome(access, who('cy', 'viewer'), 'stop', 'open')).toBe('allowed');
    // An unknown type is left to the RM (which says it does not know it).
    expect(await outcome(access, who('cy', 'viewer'), 'start', 'no-such-type')).toBe('allowed');
    expect(asked).toEqual([]);
  });

  it('with strict acls, refuses types without an acl to all but admin roles', async () => {
    const { access } = control({ strict: true });
    expect(await outcome(access, who('cy', 'viewer'), 'start', 'open')).toBe(
      'denied: request type open has no acl, and this Request Manager lets only its admin roles (sre) start or stop such types (--strict-acl)',
    );
    expect(await outcome(access, who('root', 'sre'), 'start', 'open')).toBe('allowed');
  });

  it("refuses what the site's authorize refuses", async () => {
    const { access } = control({
      hook: (_c, _op, r) =>
        r.args && (r.args as { env?: string }).env === 'prod'
          ? Promise.reject(new AuthError('denied', 'denied by the auth module: prod is for sre'))
          : Promise.resolve(),
    });
    await expect(access.authorize(who('bo', 'ba'), 'start', request('restart-app', { env: 'prod' }))).rejects.toThrow(
      'denied by the auth module: prod is for sre',
    );
    await expect(access.authorize(who('bo', 'ba'), 'start', request('restart-app', { env: 'dev' }))).resolves.toBe(
      undefined,
    );
  });

  it('tells what each type grants a caller, by roles and acls', () => {
    const { access } = control();
    expect(Object.fromEntries(access.grants(who('bo', 'ba'), ['open', 'restart-app']))).toEqual({
      open: { ops: ['start', 'stop'], refused: {} },
      'restart-app': { ops: ['start'], refused: { stop: 'denied: no role of bo may stop restart-app (ba may start)' } },
    });
    expect(access.isAdmin(who('root', 'x', 'sre'))).toBe(true);
    expect(access.isAdmin(who('bo', 'ba'))).toBe(false);
  });
});
