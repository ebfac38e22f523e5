// --auth-module files on disk: what they may export, how a refusal reads, and that a module
// answering nonsense is its own fault (an AuthModuleError, the RM's 500), never a caller let in.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/support/engine/integration/test-engine';
import { AuthModuleError, loadAuthModule } from './auth-module';
import { AuthError } from './caller';

const temp = tempDir();
afterAll(() => temp.remove());

let n = 0;
function moduleFile(text: string, ext = 'mjs'): string {
  const file = path.join(temp.dir, `auth-${n++}.${ext}`);
  writeFileSync(file, text);
  return file;
}

const req = { method: 'GET', path: '/api/v1/requests', headers: { 'x-user': 'al' }, remoteAddress: '127.0.0.1' };
const subject = { id: null, type: 'deploy', args: { env: 'prod' }, user: 'al' };

describe('loadAuthModule', () => {
  it('wraps named exports (or a CommonJS object) and words their refusals', async () => {
    const mod = await loadAuthModule(
      moduleFile(`export const authenticate = async (r) => (r.headers['x-user'] === 'al' ? { user: 'al', roles: ['eng'] } : null);
export function authorize(caller, op, request) { return request.args.env !== 'prod'; }`),
    );
    expect(await mod.authenticator?.authenticate(req)).toEqual({ user: 'al', roles: ['eng'] });
    await expect(mod.authenticator?.authenticate({ ...req, headers: {} })).rejects.toThrow(
      'not authenticated (the auth module named no caller)',
    );
    await expect(mod.authorize?.({ user: 'al', roles: [] }, 'start', subject)).rejects.toThrow(
      'denied by the auth module (start deploy)',
    );
    const cjs = await loadAuthModule(
      moduleFile(`module.exports = { authorize() { throw new Error('not on Fridays'); } };`, 'cjs'),
    );
    expect(cjs.authenticator).toBeUndefined();
    const refused = await cjs.authorize?.({ user: 'al', roles: [] }, 'stop', subject).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AuthError);
    expect((refused as AuthError).message).toBe('denied by the auth module: not on Fridays');
  });

  it('makes a result that is not a caller the module’s fault', async () => {
    const mod = await loadAuthModule(
      moduleFile(`export function authenticate() { return { user: '', roles: 'eng' }; }`),
    );
    await expect(mod.authenticator?.authenticate(req)).rejects.toThrow(AuthModuleError);
  });

  it('refuses to load a module that exports neither function, or something else under their names', async () => {
    const cases: Array<[string, RegExp]> = [
      ['export const x = 1;', /exports neither authenticate\(request\) nor authorize\(caller, op, request\)/],
      ['export const authorize = "yes";', /authorize must be a function/],
      ['throw new Error("boom");', /cannot load it: boom/],
    ];
    for (const [text, message] of cases) {
      await expect(loadAuthModule(moduleFile(text))).rejects.toThrow(message);
    }
    await expect(loadAuthModule(path.join(temp.dir, 'missing.mjs'))).rejects.toThrow(AuthModuleError);
  });
});
