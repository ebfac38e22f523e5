// A sequence's `acl` (upstream v2's syntax): what it grants, and every way it can be wrong,
// each a spec error naming the file, the sequence and the entry.

import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scopeFactory, specDir } from '../../../test/support/engine/grapher/testing';
import { SpecError } from './errors';
import { loadSpecs } from './load-specs';

const factory = scopeFactory(['work']);
const spec = (acl: string) =>
  `noop-node: {category: job, type: noop}\nsequences:\n  deploy:\n${acl}    nodes:\n      w: {category: job, type: work}\n`;

let cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

async function load(text: string) {
  const { dir, cleanup } = specDir({ 'deploy.yaml': text });
  cleanups.push(cleanup);
  return { dir, specs: loadSpecs(dir, factory) };
}

async function failure(acl: string): Promise<string[]> {
  const { dir, specs } = await load(spec(acl));
  const err = await specs.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SpecError);
  return (err as Error).message.replaceAll(dir + path.sep, 'specs/').split('\n');
}

describe('acl', () => {
  it('reads admin and ops entries; a sequence without one has none', async () => {
    const { specs } = await load(
      spec(
        '    acl:\n      - role: eng\n        admin: true\n      - role: ba\n        ops: [start]\n      - {role: sre, ops: [stop, start]}\n',
      ),
    );
    expect((await specs).sequences.get('deploy')?.acl).toEqual([
      { role: 'eng', admin: true, ops: [] },
      { role: 'ba', admin: false, ops: ['start'] },
      { role: 'sre', admin: false, ops: ['stop', 'start'] },
    ]);
    const { specs: open } = await load(spec(''));
    expect((await open).sequences.get('deploy')?.acl).toEqual([]);
  });

  it('names the file, sequence, entry and line of every mistake', async () => {
    expect(
      await failure(
        '    acl:\n' +
          '      - role: eng\n        ops: [start, deploy]\n' + // lines 5-6
          '      - role: ba\n' + // 7
          '      - ops: [start]\n' + // 8
          '      - role: eng\n        admin: true\n' + // 9-10
          '      - role: qa\n        admin: yes please\n' + // 11-12
          '      - role: ops\n        admin: true\n        ops: [stop]\n' + // 13-15
          '      - role: dba\n        ops: [stop, stop]\n        roles: [x]\n' + // 16-18
          '      - just-a-role\n', // 19
      ),
    ).toEqual([
      'specs/deploy.yaml: sequence "deploy": acl entry 1 (role "eng"): unknown op the text "deploy" (ops are start, stop) (line 6)',
      'specs/deploy.yaml: sequence "deploy": acl entry 2 (role "ba") grants nothing: give ops (a list of start, stop) or admin: true, got ops nothing (line 7)',
      'specs/deploy.yaml: sequence "deploy": acl entry 3 needs a role (text), got nothing (line 8)',
      'specs/deploy.yaml: sequence "deploy": acl entry 4 (role "eng"): the role is listed twice (line 9)',
      'specs/deploy.yaml: sequence "deploy": acl entry 5 (role "qa"): admin must be true or false, got the text "yes please" (line 12)',
      'specs/deploy.yaml: sequence "deploy": acl entry 6 (role "ops"): admin: true grants every op; drop ops (line 15)',
      'specs/deploy.yaml: sequence "deploy": acl entry 7 (role "dba"): unknown key "roles" (did you mean "role"?) (line 18)',
      'specs/deploy.yaml: sequence "deploy": acl entry 7 (role "dba"): op "stop" is listed twice (line 17)',
      'specs/deploy.yaml: sequence "deploy": acl entry 8 must be a map like {role: eng, ops: [start]}, got the text "just-a-role" (line 19)',
    ]);
  });

  it('refuses an acl that is not a list, or an empty one', async () => {
    expect(await failure('    acl: {role: eng, admin: true}\n')).toEqual([
      'specs/deploy.yaml: sequence "deploy": acl must be a list, got a map (line 4)',
    ]);
    expect(await failure('    acl: []\n')).toEqual([
      'specs/deploy.yaml: sequence "deploy": acl is empty: list the roles allowed (or remove acl: to leave the type open) (line 4)',
    ]);
    expect(await failure('    acls: []\n')).toEqual([
      'specs/deploy.yaml: sequence "deploy": unknown key "acls" (did you mean "acl"?) (line 4)',
    ]);
  });
});
