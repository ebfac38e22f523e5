// The start form's problems in words: where JSON breaks, and the RM's refusal of a value mapped
// to its field (the texts are the RMs' own: ours and the original's, see test/fixtures/http/088).

import { describe, expect, it } from 'vitest';
import type { RequestType } from '../../src-main/shared/console-model';
import {
  argValue,
  buildArgs,
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
    expect(argValue('["web1","web2"]')).toEqual(['web1', 'web2']);
  });

  it('checks required values', () => {
    expect(validateArgs(spec, { hosts: ' ', service: '' })).toEqual([{ name: 'hosts', message: 'hosts is required' }]);
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
    // an arg the form does not have stays a general error
    expect(rmArgProblem(spec, 'sequence restart-host missing arg host')).toBeNull();
    expect(rmArgProblem(spec, 'cannot find definition for request: nope')).toBeNull();
  });
});
