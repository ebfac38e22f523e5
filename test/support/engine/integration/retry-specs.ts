// Specs for the retry tests (src-main/engine/integration/retry*.test.ts): jobs that leave marks
// on disk, so "ran exactly once" is read from files, and pass job data on, so the children of a
// job that completed in an earlier attempt are seen to get its data. Each job of a request
// writes into the request's `dir` arg.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** A job type that appends {try, data} to <dir>/<name>.runs each time it runs, then adds `set` to the data. */
export const PROBE_MODULE = `import { appendFileSync } from 'node:fs';
import path from 'node:path';
export default {
  type: 'probe',
  make() {
    let a = {};
    return {
      create(args) { a = { dir: args.dir, name: args.name, set: args.set ?? {} }; },
      serialize: () => new TextEncoder().encode(JSON.stringify(a)),
      deserialize(bytes) { a = JSON.parse(new TextDecoder().decode(bytes)); },
      run(data, ctx) {
        appendFileSync(path.join(a.dir, a.name + '.runs'), JSON.stringify({ try: ctx.try, data }) + '\\n');
        Object.assign(data, a.set);
        return { state: 3, exit: 0, error: '', stdout: 'ran ' + a.name + '\\n', stderr: '' };
      },
      stop() {},
      status: () => '',
    };
  },
};
`;

/** migrate's command: fails (exit 3) while <dir>/gate is missing; appends its try to migrate.runs. */
export const GATED = `echo "try $SPINCYCLE_TRY" >> "$ARG_dir/migrate.runs"; if [ -f "$ARG_dir/gate" ]; then echo migrated; else echo "gate closed" >&2; exit 3; fi`;

/** A command that appends its try to <dir>/<name>.runs, then waits until <dir>/<file> exists. */
export const waitsFor = (name: string, file: string) =>
  `echo "try $SPINCYCLE_TRY" >> "$ARG_dir/${name}.runs"; while [ ! -f "$ARG_dir/${file}" ]; do sleep 0.05; done; echo through`;

/** A probe job node named `name` (it appends to <dir>/<name>.runs), adding `set` to the job data. */
export const probe = (name: string, deps: string[], set = '{}') =>
  `      ${name}: {category: job, type: probe, deps: [${deps.join(', ')}], args: [{expected: dir, given: dir}, ` +
  `{expected: name, value: ${name}}, {expected: set, value: ${set}}]}`;

/** A shell job node running `cmd`, with the dir arg. */
export const shell = (name: string, deps: string[], cmd: string, more = '') =>
  `      ${name}: {category: job, type: shell, deps: [${deps.join(', ')}]${more}, args: [` +
  `{expected: cmd, value: ${JSON.stringify(cmd)}}, {expected: dir, given: dir}]}`;

/** A request type taking the `dir` arg (and `optional` ones), made of `nodes`. */
export const sequence = (name: string, nodes: string[], optional = '') => [
  `  ${name}:`,
  '    args:',
  '      required: [{name: dir, desc: where the jobs leave their marks}]',
  ...(optional ? [`      optional: [${optional}]`] : []),
  '    nodes:',
  ...nodes,
];

/** The runs a probe (or a shell job above) recorded in `dir`, one per line. */
export function runs(dir: string, name: string): string[] {
  const file = path.join(dir, `${name}.runs`);
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

/** A probe's runs as {try, data}. */
export const probeRuns = (dir: string, name: string) => runs(dir, name).map((l) => JSON.parse(l) as unknown);
