import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { STATE_COMPLETE } from '../../shared/proto';
import { JobFactory } from './job';
import { loadJobModules } from './load-job-modules';

function folderWith(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sc-jobs-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

const GOOD = `
export default {
  type: 'greet',
  description: 'Says hello',
  make(id) {
    let who = '';
    return {
      create(args) { if (typeof args.who !== 'string') throw new Error('who not set in job args'); who = args.who; },
      serialize() { return new TextEncoder().encode(JSON.stringify({ who })); },
      deserialize(bytes) { who = JSON.parse(new TextDecoder().decode(bytes)).who; },
      async run(data, ctx) { data.greeted = who; return { state: 3, exit: 0, error: '', stdout: 'hello ' + who + ' from ' + id + '\\n', stderr: '' }; },
      stop() {},
      status() { return 'greeting ' + who; },
    };
  },
};
`;

describe('loadJobModules', () => {
  it('loads .js and .mjs job types that the factory can make and run', async () => {
    const dir = folderWith({
      'greet.mjs': GOOD,
      'other.js': GOOD.replace("'greet'", "'greet2'"),
      'notes.txt': 'ignored',
    });
    const types = await loadJobModules(dir);
    expect(types.map((t) => [t.type, t.description])).toEqual([
      ['greet', 'Says hello'],
      ['greet2', 'Says hello'],
    ]);
    const f = new JobFactory(types);
    const rm = f.make('greet', 'g@1');
    rm.create({ who: 'ops' });
    const jr = f.make('greet', 'g@1');
    jr.deserialize(rm.serialize());
    const data = {};
    const r = await jr.run(data, { requestId: 'r', jobId: 'g@1', try: 1, signal: new AbortController().signal });
    expect(r).toMatchObject({ state: STATE_COMPLETE, stdout: 'hello ops from g@1\n' });
    expect(data).toEqual({ greeted: 'ops' });
  });

  it('names the file and what is missing', async () => {
    const cases: Array<[string, RegExp]> = [
      ['export const x = 1;', /bad\.mjs: no default export/],
      ['export default { make() { return {}; } };', /bad\.mjs: the default export has no `type`/],
      ["export default { type: 't' };", /bad\.mjs: the default export has no `make\(id\)` function/],
      [
        "export default { type: 't', make() { return { create() {}, run() {} }; } };",
        /bad\.mjs: the job returned by make\(\) has no serialize, deserialize, stop, status methods/,
      ],
      ['export default {', /bad\.mjs: cannot be imported/],
    ];
    for (const [text, expected] of cases) {
      await expect(loadJobModules(folderWith({ 'bad.mjs': text }))).rejects.toThrow(expected);
    }
  });

  it('refuses two modules defining the same type', async () => {
    await expect(loadJobModules(folderWith({ 'a.mjs': GOOD, 'b.mjs': GOOD }))).rejects.toThrow(
      /b\.mjs: job type "greet" is already defined by .*a\.mjs/,
    );
  });

  it('a missing folder is an error unless missingOk', async () => {
    await expect(loadJobModules('/nonexistent/sc-jobs')).rejects.toThrow(
      'jobs folder /nonexistent/sc-jobs does not exist',
    );
    expect(await loadJobModules('/nonexistent/sc-jobs', { missingOk: true })).toEqual([]);
  });
});
