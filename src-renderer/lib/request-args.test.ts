// The start form's problems in words: where JSON breaks, and the RM's refusal of a value mapped
// to its field (the texts are the RMs' own: ours and the original's, see test/fixtures/http/088).

import { describe, expect, it } from 'vitest';
import type { RequestType } from '../../src-main/shared/console-model';
import {
  argValue,
  buildArgs,
  cliStart,
  initialValues,
  orderedArgs,
  rmArgProblem,
  validateArg,
  validateArgs,
} from './request-args';

const spec: RequestType = {
  name: 'rolling-restart',
  args: [
    { name: 'hosts', desc: 'Hosts', kind: 'required', default: null },
    { name: 'service', desc: 'Service', kind: 'optional', default: 'nginx' },
  ],
};
const hosts = spec.args[0]!;
const service = spec.args[1]!;

describe('the form of a v2 request type', () => {
  const v2: RequestType = {
    name: 'deploy',
    args: [
      { name: 'app', desc: '', kind: 'required', default: null },
      { name: 'batch', desc: '', kind: 'optional', default: 5 },
      { name: 'regions', desc: '', kind: 'optional', default: ['east', 'west'] },
      { name: 'owner', desc: '', kind: 'static', default: 'sre' },
    ],
  };

  it('hides static args and fills defaults of any JSON as the operator would type them', () => {
    expect(orderedArgs(v2).map((a) => a.name)).toEqual(['app', 'batch', 'regions']);
    expect(initialValues(v2)).toEqual({ app: '', batch: '5', regions: '["east","west"]' });
  });

  it('fills the args of a request run again, and sends what differs from the defaults', () => {
    const values = initialValues(v2, { app: 'api', batch: 10, regions: ['east', 'west'], owner: 'me' });
    expect(values).toEqual({ app: 'api', batch: '10', regions: '["east","west"]' });
    // A default left as it is is not sent: the server applies it, as the JSON it is.
    // A number where the default is one goes as a number.
    expect(buildArgs(v2, values)).toEqual({ app: 'api', batch: 10 });
    expect(buildArgs(v2, { ...values, batch: 'ten', regions: '["north"]' })).toEqual({
      app: 'api',
      batch: 'ten',
      regions: ['north'],
    });
  });
});

describe('the value rule', () => {
  it('sends a JSON list or object as JSON, everything else as the text typed', () => {
    expect(argValue('["web1","web2"]')).toEqual(['web1', 'web2']);
    expect(argValue('  {"a": [1, 2]}  ')).toEqual({ a: [1, 2] });
    expect(argValue('[]')).toEqual([]);
    for (const text of ['nginx', ' nginx ', '42', 'true', 'null', '"quoted"', '[web1', '[WARN] disk full', '{a:1}', ''])
      expect(argValue(text)).toBe(text);
  });

  it('builds the args sent: empty values left out for the RM’s defaults, JSON as JSON', () => {
    expect(buildArgs(spec, { hosts: '["web1"]', service: '  ' })).toEqual({ hosts: ['web1'] });
    // service left at its default is left to the RM; a value not in the spec is not sent.
    expect(buildArgs(spec, { hosts: 'web1', service: 'nginx', other: 'not in the spec' })).toEqual({ hosts: 'web1' });
    expect(buildArgs(spec, { hosts: 'web1', service: 'apache' })).toEqual({ hosts: 'web1', service: 'apache' });
    expect(buildArgs({ name: 'none', args: [] }, { x: '1' })).toEqual({});
  });

  it('lists required args first, each group in spec order', () => {
    const mixed: RequestType = {
      name: 'm',
      args: [
        { name: 'a', desc: '', kind: 'optional', default: '1' },
        { name: 'b', desc: '', kind: 'required', default: null },
        { name: 'c', desc: '', kind: 'optional', default: null },
        { name: 'd', desc: '', kind: 'required', default: null },
      ],
    };
    expect(orderedArgs(mixed).map((a) => a.name)).toEqual(['b', 'd', 'a', 'c']);
    expect(orderedArgs({ name: 'none', args: [] })).toEqual([]);
  });

  it('writes the CLI command a terminal reads back the same, quoting only what needs it', () => {
    expect(cliStart('local', 'hello', null)).toBe('spincycle --context local start hello');
    expect(
      cliStart('prod east', 'rolling-restart', {
        hosts: ['web1', 'web2'],
        msg: "it's",
        n: 'a b',
        x: 'plain',
        o: { a: 1 },
      }),
    ).toBe(
      `spincycle --context 'prod east' start rolling-restart 'hosts=["web1","web2"]' 'msg=it'\\''s' 'n=a b' x=plain 'o={"a":1}'`,
    );
  });
});

describe('start form problems', () => {
  it('says where JSON breaks, counting from the first character typed', () => {
    expect(validateArg(hosts, '["web1" "web2"]')).toEqual({
      name: 'hosts',
      message: 'hosts is not valid JSON: a comma expected at character 9',
      at: 8,
    });
    expect(validateArg(hosts, '  ["web1","web2"')?.message).toBe(
      'hosts is not valid JSON: a closing ] expected at character 17',
    );
    expect(validateArg(hosts, '[web1, web2]')?.message).toBe(
      'hosts is not valid JSON: web1 is not in double quotes (text in JSON is written "web1") at character 2',
    );
    expect(validateArg(hosts, '["web1",]')?.message).toMatch(/a value expected at character 9/);
    expect(validateArg(hosts, '["web1","web2"]')).toBeNull();
  });

  it.each([
    ['[1 2]', 'a comma expected at character 4'],
    ['{"a" 1}', 'a colon expected at character 6'],
    ['{"a":1,}', 'a key in double quotes expected at character 8'],
    ['{a:1}', 'a is not in double quotes (text in JSON is written "a") at character 2'],
    ['["a', 'a string without its closing " at character 2'],
    ['[/* c */ 1]', 'a comment (JSON has none) at character 2'],
    ['[1] [2]', 'nothing more expected at character 5'],
    ['[1e]', 'a number cut off at character 2'],
    ['[+1]', 'unexpected +1 at character 2'],
    ['{', 'a closing } expected at character 2'],
  ])('%s: %s', (text, words) => {
    expect(validateArg(service, text)).toEqual({
      name: 'service',
      message: `service is not valid JSON: ${words}`,
      at: Number(/character (\d+)$/.exec(words)![1]) - 1,
    });
  });

  it('takes anything else as text, and an optional value may be empty', () => {
    expect(validateArg(service, '')).toBeNull();
    expect(validateArg(service, 'nginx')).toBeNull();
    expect(validateArg(service, '{"a": 1}')).toBeNull();
  });

  it('checks required values', () => {
    expect(validateArgs(spec, { hosts: ' ', service: '' })).toEqual([{ name: 'hosts', message: 'hosts is required' }]);
    expect(validateArgs(spec, {})).toEqual([{ name: 'hosts', message: 'hosts is required' }]);
    expect(validateArgs(spec, { hosts: '[web1]', service: '{' }).map((p) => p.name)).toEqual(['hosts', 'service']);
    expect(validateArgs(spec, { hosts: 'web1' })).toEqual([]);
  });

  it('maps the RM’s refusal of an arg to that field, in words', () => {
    expect(
      rmArgProblem(
        spec,
        'creating a rolling-restart request: each:hosts:host: arg hosts is a string, expected a slice',
      ),
    ).toEqual({
      name: 'hosts',
      message: 'hosts must be a list, but the Request Manager got text: write it as a JSON list, e.g. ["web1","web2"]',
      rm: 'creating a rolling-restart request: each:hosts:host: arg hosts is a string, expected a slice',
    });
    expect(
      rmArgProblem(spec, 'each:hosts:host: arg hosts is a map[string]interface {}, expected a slice')?.message,
    ).toMatch(/^hosts must be a list, but the Request Manager got an object/);
    expect(
      rmArgProblem(
        spec,
        'sequence rolling-restart, node restart-each: each:hosts:host: arg hosts is an empty list, expected at least one item',
      )?.message,
    ).toBe('hosts is an empty list: give it at least one item');
    expect(rmArgProblem(spec, 'sequence rolling-restart missing arg hosts')?.message).toBe(
      'hosts is required by the Request Manager',
    );
    expect(rmArgProblem(spec, 'arg hosts is a float64, expected a slice')?.message).toMatch(
      /^hosts must be a list, but the Request Manager got a number:/,
    );
    expect(rmArgProblem(spec, 'arg hosts is a bool, expected a slice')?.message).toMatch(/got true or false:/);
    expect(rmArgProblem(spec, 'each:hosts:host: arg hosts is null, expected a slice')?.message).toBe(
      'hosts must be a list, but the Request Manager got none: write it as a JSON list, e.g. ["web1","web2"]',
    );
    expect(rmArgProblem(spec, 'job restart@3: missing service from job args')).toEqual({
      name: 'service',
      message: 'service is required by the Request Manager',
      rm: 'job restart@3: missing service from job args',
    });
    // an arg the form does not have stays a general error
    expect(rmArgProblem(spec, 'sequence restart-host missing arg host')).toBeNull();
    expect(rmArgProblem(spec, 'cannot find definition for request: nope')).toBeNull();
  });
});
