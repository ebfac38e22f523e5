// loadSpecs: every validation problem, with the file, sequence, node and line it names.

import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { SpecError } from './errors';
import { loadSpecs } from './load-specs';
import { scopeFactory, specDir } from '../../../test/support/engine/grapher/testing';

const NOOP = 'noop-node:\n  category: job\n  type: noop\n';
const factory = scopeFactory(['work', 'other']);

let cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

async function load(
  files: Record<string, string>,
): Promise<{ dir: string; result: Awaited<ReturnType<typeof loadSpecs>> }> {
  const { dir, cleanup } = specDir(files);
  cleanups.push(cleanup);
  return { dir, result: await loadSpecs(dir, factory) };
}

/** The SpecError message loading `files` fails with, with the temp dir replaced by `specs`. */
async function failure(files: Record<string, string>): Promise<string> {
  const { dir, cleanup } = specDir(files);
  cleanups.push(cleanup);
  try {
    await loadSpecs(dir, factory);
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    return (err as Error).message.replaceAll(dir + path.sep, 'specs/').replaceAll(dir, 'specs');
  }
  throw new Error('expected loadSpecs to fail');
}

/** A file with the noop node and one sequence `s` with `nodes` (YAML, indented 6). */
const seq = (nodes: string, args = '') => `${NOOP}sequences:\n  s:\n${args}    nodes:\n${nodes}`;

describe('loadSpecs', () => {
  it('loads every *.yaml and *.yml file in name order, ignoring other files and dot files', async () => {
    const { result } = await load({
      'b.yml': `${NOOP}sequences:\n  from-b:\n    nodes: {}\n`,
      'a.yaml': `${NOOP}sequences:\n  from-a:\n    nodes: {}\n`,
      'README.md': 'not a spec: [',
      '.draft.yaml': 'broken: [',
    });
    expect([...result.sequences.keys()]).toEqual(['from-a', 'from-b']);
    expect(result.files.map((f) => path.basename(f))).toEqual(['a.yaml', 'b.yml']);
  });

  it('keeps node declaration order and parses every field', async () => {
    const { result } = await load({
      's.yaml': seq(
        `      z:\n        category: job\n        type: work\n        retry: 2\n        retryWait: 500\n        timeout: 1000\n` +
          `      a:\n        type: other\n        args:\n          - {expected: k, value: [1, 2]}\n          - {expected: g, given: opt}\n        deps: [z]\n        each: list:item\n        sets: [out]\n`,
        `    args:\n      required:\n        - {name: list, desc: a list}\n      optional:\n        - {name: opt, default: 1.50}\n        - {name: flag, default: true}\n        - {name: none}\n`,
      ),
    });
    const s = result.sequences.get('s');
    expect(s?.nodes.map((n) => n.name)).toEqual(['z', 'a']);
    expect(s?.nodes[0]).toMatchObject({ category: 'job', type: 'work', retry: 2, retryWait: 500, timeout: 1000 });
    expect(s?.nodes[1]).toMatchObject({
      category: 'job',
      args: [
        { expected: 'k', value: [1, 2] },
        { expected: 'g', given: 'opt' },
      ],
      deps: ['z'],
      each: { text: 'list:item', list: 'list', item: 'item' },
      sets: ['out'],
      timeout: null,
    });
    // defaults become strings exactly as written, like Go's yaml into a string field
    expect(s?.optional.map((a) => a.default)).toEqual(['1.50', 'true', '']);
    expect(s?.required).toEqual([{ name: 'list', desc: 'a list', default: '' }]);
  });

  it('accepts noop-node in just one file, and identical copies in several', async () => {
    const { result } = await load({
      'a.yaml': `${NOOP}`,
      'b.yaml': `sequences:\n  x:\n    nodes: {}\n`,
      'c.yaml': `${NOOP}sequences:\n  y:\n    nodes: {}\n`,
    });
    expect(result.noop?.type).toBe('noop');
  });

  it('reports YAML syntax errors with line and column', async () => {
    expect(await failure({ 'bad.yaml': `${NOOP}sequences:\n  s:\n    nodes: [unclosed\n` })).toMatch(
      /^specs\/bad\.yaml: YAML syntax error: .+ \(line \d+, column \d+\)$/,
    );
    expect(await failure({ 'dup.yaml': seq(`      a: {type: work}\n      a: {type: work}\n`) })).toMatch(
      /^specs\/dup\.yaml: YAML syntax error: Map keys must be unique \(line 8, column 7\)$/,
    );
  });

  it('rejects unknown keys, suggesting the right one', async () => {
    expect(await failure({ 'r.yaml': seq('      a:\n        type: work\n        retries: 3\n') })).toBe(
      'specs/r.yaml: sequence "s", node "a": unknown key "retries" (did you mean "retry"?) (line 9)',
    );
    expect(await failure({ 'r.yaml': seq('      a:\n        type: work\n        retryDelay: 3\n') })).toContain(
      'unknown key "retryDelay" (did you mean "retryWait"?)',
    );
    expect(
      await failure({ 'r.yaml': seq('      a:\n        type: work\n        args: [{expects: x, given: y}]\n') }),
    ).toContain('unknown key "expects" (did you mean "expected"?)');
    expect(await failure({ 'r.yaml': `${NOOP}sequencs: {}\n` })).toBe(
      'specs/r.yaml: unknown key "sequencs" (did you mean "sequences"?) (line 4)',
    );
    expect(await failure({ 'r.yaml': seq('      a:\n        type: work\n        colour: red\n') })).toContain(
      'unknown key "colour" (accepted: name, category, type, args, sets, deps, each, retry, retryWait, timeout)',
    );
  });

  it('rejects a bad category, a missing type, unknown job types and sequences', async () => {
    expect(await failure({ 'c.yaml': seq('      a:\n        category: jobb\n        type: work\n') })).toBe(
      'specs/c.yaml: sequence "s", node "a": category must be "job" or "sequence", got the text "jobb" (line 8)',
    );
    expect(await failure({ 'c.yaml': seq('      a:\n        category: job\n') })).toContain(
      'node "a": type (a job type) is required, got nothing',
    );
    expect(await failure({ 'c.yaml': seq('      a:\n        type: wrok\n') })).toBe(
      'specs/c.yaml: sequence "s", node "a": unknown job type "wrok" (did you mean "work"?) (line 7)',
    );
    expect(await failure({ 'c.yaml': seq('      a:\n        category: sequence\n        type: helper\n') })).toBe(
      'specs/c.yaml: sequence "s", node "a": type names unknown sequence "helper" (line 7)',
    );
    expect(await failure({ 'c.yaml': seq('      a:\n        type: s\n') })).toContain(
      'unknown job type "s" ("s" is a sequence: add category: sequence)',
    );
    expect(await failure({ 'c.yaml': 'noop-node: {type: nop}\n' })).toBe(
      'specs/c.yaml: noop-node: unknown job type "nop" (known: noop, other, work) (line 1)',
    );
  });

  it('rejects bad deps: unknown names, self, duplicates, cycles', async () => {
    const file = `${NOOP}sequences:\n  restart-host:\n    nodes:\n      drain:\n        type: work\n      restart:\n        type: work\n        deps: [drian]\n`;
    expect(await failure({ 'rolling.yaml': file })).toBe(
      'specs/rolling.yaml: sequence "restart-host", node "restart": deps names unknown node "drian" (did you mean "drain"?) (line 11)',
    );
    expect(await failure({ 'd.yaml': seq('      a:\n        type: work\n        deps: [a]\n') })).toContain(
      'node "a": deps names the node itself',
    );
    expect(
      await failure({ 'd.yaml': seq('      a: {type: work}\n      b:\n        type: work\n        deps: [a, a]\n') }),
    ).toContain('node "b": deps lists "a" twice');
    const cycle = seq(
      '      a:\n        type: work\n        deps: [c]\n      b:\n        type: work\n        deps: [a]\n      c:\n        type: work\n        deps: [b]\n',
    );
    expect(await failure({ 'd.yaml': cycle })).toBe(
      'specs/d.yaml: sequence "s", node "a": deps form a cycle: a -> c -> b -> a (each waits for the next) (line 9)',
    );
  });

  it('rejects malformed each, retry, retryWait and timeout', async () => {
    const node = (extra: string) =>
      seq(`      a:\n        type: work\n${extra}`, '    args:\n      required: [{name: list}]\n');
    expect(await failure({ 'e.yaml': node('        each: list\n') })).toBe(
      `specs/e.yaml: sequence "s", node "a": each "list" must be "<list arg>:<item name>" with exactly one ":" (split on ':' yielded 1 values, expected 2) (line 11)`,
    );
    expect(await failure({ 'e.yaml': node('        each: a:b:c\n') })).toContain("split on ':' yielded 3 values");
    expect(await failure({ 'e.yaml': node('        each: "list:"\n') })).toContain(
      'each "list:": each item name is empty',
    );
    expect(await failure({ 'e.yaml': node('        retry: -1\n') })).toContain(
      'node "a": retry must be a whole number from 0 to 1000, got -1',
    );
    expect(await failure({ 'e.yaml': node('        retryWait: 1.5\n') })).toContain(
      'retryWait (ms) must be a whole number from 0 to 31536000000, got 1.5',
    );
    expect(await failure({ 'e.yaml': node('        retry: "2"\n') })).toContain(
      'retry must be a whole number from 0 to 1000, got the text "2"',
    );
    expect(await failure({ 'e.yaml': node('        timeout: 0\n') })).toContain(
      'timeout (ms) must be a whole number from 1 to 31536000000, got 0',
    );
    // Past what a timer can hold or anyone means: refused at load, all in one message.
    const huge = await failure({
      'e.yaml': node('        retry: 9007199254740991\n        retryWait: 1e300\n        timeout: 40000000000\n'),
    });
    expect(huge).toContain('retry must be a whole number from 0 to 1000, got 9007199254740991');
    expect(huge).toContain('retryWait (ms) must be a whole number from 0 to 31536000000, got 1e+300');
    expect(huge).toContain('timeout (ms) must be a whole number from 1 to 31536000000, got 40000000000');
    const subSeq = `${NOOP}sequences:\n  helper:\n    nodes: {}\n  s:\n    nodes:\n      a:\n        category: sequence\n        type: helper\n        retry: 1\n        timeout: 5\n`;
    const msg = await failure({ 'e.yaml': subSeq });
    expect(msg).toContain('node "a": retry only applies to job nodes, not sequence nodes');
    expect(msg).toContain('node "a": timeout only applies to job nodes, not sequence nodes');
  });

  it('reports a node error and an unknown job type elsewhere in one message', async () => {
    const msg = await failure({
      'a.yaml': seq(
        '      a:\n        type: work\n        retry: -1\n      b:\n        type: wrok\n        deps: [a]\n',
      ),
      'b.yaml': `sequences:\n  t:\n    nodes:\n      c: {type: nope}\n      d: {category: sequence, type: s}\n`,
    });
    expect(msg.split('\n')).toEqual([
      'specs/a.yaml: sequence "s", node "a": retry must be a whole number from 0 to 1000, got -1 (line 9)',
      'specs/a.yaml: sequence "s", node "b": unknown job type "wrok" (did you mean "work"?) (line 10)',
      'specs/b.yaml: sequence "t", node "c": unknown job type "nope" (did you mean "noop"?) (line 4)',
    ]);
    // A part that could not be read at all leaves out only the checks that would guess.
    const broken = await failure({
      'a.yaml': seq('      a: [not, a, map]\n      b:\n        type: wrok\n'),
      'b.yaml': `sequences:\n  t:\n    nodes:\n      c: {category: sequence, type: gone}\n`,
    });
    expect(broken).toContain('node "a": must be a map');
    expect(broken).toContain('node "b": unknown job type "wrok"');
    expect(broken).not.toContain('gone');
  });

  it('rejects bad args, sets and names', async () => {
    expect(await failure({ 'a.yaml': seq('      a:\n        type: work\n        args: [{expected: x}]\n') })).toContain(
      'args entry "x" needs "given" (a key of the sequence\'s scope) or "value" (a static value)',
    );
    expect(
      await failure({
        'a.yaml': seq('      a:\n        type: work\n        args: [{expected: x, given: y, value: 1}]\n'),
      }),
    ).toContain('args entry "x" has both "given" and "value"; use one');
    expect(
      await failure({
        'a.yaml': seq(
          '      a:\n        type: work\n        args: [{expected: x, value: 1}, {expected: x, value: 2}]\n',
        ),
      }),
    ).toContain('args lists expected "x" twice');
    expect(await failure({ 'a.yaml': seq('      a:\n        type: work\n        sets: [ok, 3]\n') })).toContain(
      'sets entries must be text, got 3',
    );
    expect(await failure({ 'a.yaml': seq('      a:\n        type: work\n        sets: out\n') })).toContain(
      'sets must be a list, got the text "out"',
    );
    expect(await failure({ 'a.yaml': seq('      a@1:\n        type: work\n') })).toContain(
      'sequence "s": node name "a@1" must not contain "@"',
    );
    const args = (a: string) => seq('      a: {type: work}\n', `    args:\n${a}`);
    expect(await failure({ 'a.yaml': args('      required: [{name: "my arg"}]\n') })).toContain(
      'sequence "s": arg name "my arg" contains white space',
    );
    expect(await failure({ 'a.yaml': args('      required: [{name: x}]\n      optional: [{name: x}]\n') })).toContain(
      'sequence "s": arg "x" is declared twice',
    );
    expect(await failure({ 'a.yaml': args('      required: [{name: x, default: 1}]\n') })).toContain(
      'a required arg cannot have a default (move it to args.optional)',
    );
    expect(await failure({ 'a.yaml': args('      optional: [{name: x, default: [1]}]\n') })).toContain(
      'default must be a single value (text, number or true/false), got a list',
    );
  });

  it('checks the argument flow: givens and each lists that are never in scope, sub-sequence args', async () => {
    const flow = `${NOOP}sequences:
  outer:
    args:
      required: [{name: hosts}]
    nodes:
      a:
        type: work
        args: [{expected: h, given: hostz}]
      b:
        category: sequence
        type: inner
        each: hosts:host
      c:
        category: sequence
        type: inner
        args: [{expected: host, given: hosts}]
        sets: [nothing]
  inner:
    args:
      required: [{name: host}, {name: port}]
    nodes: {}
`;
    const msg = await failure({ 'f.yaml': flow });
    expect(msg.split('\n')).toEqual([
      'specs/f.yaml: sequence "outer", node "a": args: given "hostz" is never in the sequence\'s scope: not a declared arg, not set by a node (did you mean "hosts"?) (line 9)',
      'specs/f.yaml: sequence "outer", node "b": sub-sequence "inner" requires arg "port", which this node does not pass (it passes: host) (line 12)',
      'specs/f.yaml: sequence "outer", node "c": sub-sequence "inner" requires arg "port", which this node does not pass (it passes: host) (line 16)',
      'specs/f.yaml: sequence "outer", node "c": sets "nothing", but sub-sequence "inner" never has "nothing" in its scope (it has: host, port) (line 16)',
    ]);
  });

  it('explains a given naming the each item (upstream: cannot create job ... missing host)', async () => {
    const file = seq(
      '      a:\n        type: work\n        each: list:host\n        args: [{expected: host, given: host}]\n',
      '    args:\n      required: [{name: list}]\n',
    );
    expect(await failure({ 'i.yaml': file })).toBe(
      'specs/i.yaml: sequence "s", node "a": args: given "host" is the each item, which is not in the sequence\'s scope; the node gets "host" without an args entry: drop it (line 9)',
    );
  });

  it('rejects sub-sequences that call themselves', async () => {
    const loop = `${NOOP}sequences:\n  a:\n    nodes:\n      to-b: {category: sequence, type: b}\n  b:\n    nodes:\n      to-a: {category: sequence, type: a}\n`;
    expect(await failure({ 'l.yaml': loop })).toBe(
      'specs/l.yaml: sequence "b", node "to-a": sub-sequences call each other in a loop: a -> b -> a (line 10)',
    );
  });

  it('rejects duplicate sequences across files, a missing or conflicting noop-node', async () => {
    expect(
      await failure({
        'a.yaml': `${NOOP}sequences:\n  x: {nodes: {}}\n`,
        'b.yaml': `${NOOP}sequences:\n  x: {nodes: {}}\n`,
      }),
    ).toBe(
      'specs/b.yaml: sequence "x": is already defined in specs/a.yaml (line 5); sequence names must be unique across files (line 5)',
    );
    expect(await failure({ 'a.yaml': 'sequences:\n  x: {nodes: {}}\n' })).toBe(
      'specs: no file defines noop-node (e.g. "noop-node: {category: job, type: noop}"), needed for the start/end nodes of x and every other sequence',
    );
    expect(await failure({ 'a.yaml': NOOP, 'b.yaml': 'noop-node: {type: work}\n' })).toBe(
      'specs/b.yaml: noop-node: differs from the noop-node of specs/a.yaml (line 1); define it once, or identically in every file (line 1)',
    );
  });

  it('reports every problem at once, one per line', async () => {
    const msg = await failure({
      'a.yaml': seq(
        '      a:\n        type: work\n        retries: 1\n      b:\n        type: work\n        deps: [zz]\n',
      ),
      'b.yaml': 'sequences: [\n',
    });
    expect(msg.split('\n')).toHaveLength(3);
  });

  it('fails on a missing folder', async () => {
    await expect(loadSpecs('/nonexistent/specs', factory)).rejects.toThrow(
      '/nonexistent/specs: spec folder does not exist',
    );
  });
});
