// buildChain: the worked examples of docs/protocol/request-specs.md §7, the build rules of
// §3-4, every RequestError text, determinism, and a 10,000-item each.

import { afterEach, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../shared/proto';
import type { JobFactory } from '../jobs/job';
import { buildChain } from './build-chain';
import { RequestError } from './errors';
import { loadSpecs } from './load-specs';
import type { SpecSet } from './spec-schema';
import { edges, jobScope, scopeFactory, specDir } from '../../../test/support/engine/grapher/testing';

let cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

async function specs(yaml: string, factory: JobFactory): Promise<SpecSet> {
  const { dir, cleanup } = specDir({ 'specs.yaml': yaml });
  cleanups.push(cleanup);
  return loadSpecs(dir, factory);
}

// ---- docs/protocol/request-specs.md §7 --------------------------------------------------------

const RESTART_SERVICE = `
noop-node:
  category: job
  type: noop
sequences:
  restart-service:
    args:
      required:
        - name: host
          desc: Host to act on
      optional:
        - name: service
          desc: Service name
          default: nginx
    nodes:
      stop:
        category: job
        type: stop-service
        args:
          - {expected: hostname, given: host}
          - {expected: svc, given: service}
      start:
        category: job
        type: start-service
        args:
          - {expected: hostname, given: host}
          - {expected: svc, given: service}
        deps: [stop]
        retry: 2
        retryWait: 5000
`;

const DRAIN_POOL = `
noop-node: {category: job, type: noop}
sequences:
  drain-pool:
    args:
      required:
        - {name: pool, desc: Load-balancer pool}
    nodes:
      list-members:
        category: job
        type: list-pool-members
        args: [{expected: pool, given: pool}]
        sets: [members]
      drain-each:
        category: sequence
        type: drain-member
        each: members:member
        args: [{expected: pool, given: pool}]
        deps: [list-members]
      verify:
        category: job
        type: verify-pool
        args: [{expected: pool, given: pool}]
        deps: [drain-each]
  drain-member:
    args:
      required:
        - {name: member}
        - {name: pool}
    nodes:
      remove:
        category: job
        type: remove-from-lb
        args:
          - {expected: target, given: member}
          - {expected: pool, given: pool}
      wait:
        category: job
        type: wait-idle
        args: [{expected: target, given: member}]
        deps: [remove]
`;

const UPGRADE_DB = `
noop-node: {category: job, type: noop}
sequences:
  upgrade-db:
    args:
      required:
        - {name: cluster, desc: Cluster name}
      optional:
        - {name: version, desc: Target version, default: "8.0"}
    nodes:
      backup:
        category: job
        type: take-backup
        args: [{expected: cluster, given: cluster}]
        sets: [backupId]
      precheck:
        category: job
        type: check-replication
        args: [{expected: cluster, given: cluster}]
      upgrade:
        category: job
        type: upgrade-binaries
        args:
          - {expected: cluster, given: cluster}
          - {expected: version, given: version}
          - {expected: backup, given: backupId}
        deps: [backup, precheck]
        retry: 1
        retryWait: 30000
`;

const exampleFactory = (members: JsonObject[string] = ['web1', 'web2']) =>
  scopeFactory(
    [
      'stop-service',
      'start-service',
      'list-pool-members',
      'remove-from-lb',
      'wait-idle',
      'verify-pool',
      'take-backup',
      'check-replication',
      'upgrade-binaries',
    ],
    {
      'list-pool-members': (a) => void (a.members = members),
      'take-backup': (a) => void (a.backupId = 'bk-0831'),
    },
  );

describe('buildChain: worked examples (docs/protocol/request-specs.md §7)', () => {
  it('7.1 linear chain with retry and an optional default', async () => {
    const f = exampleFactory();
    const s = await specs(RESTART_SERVICE, f);
    const { chain } = await buildChain(s, f, 'restart-service', { host: 'cache3', service: 'redis' }, 'req1');
    expect(chain.requestId).toBe('req1');
    expect(chain.state).toBe(1);
    expect(Object.keys(chain.jobs)).toHaveLength(4);
    expect(edges(chain)).toEqual([
      'sequence_restart-service_start@1 -> stop@3',
      'start@4 -> sequence_restart-service_end@2',
      'stop@3 -> start@4',
    ]);
    expect(chain.jobs['start@4']).toMatchObject({ id: 'start@4', type: 'start-service', retry: 2, retryWait: 5000 });
    expect(chain.jobs['stop@3']).toMatchObject({ retry: 0, retryWait: 0, state: 0, data: null });
    expect(Buffer.from(chain.jobs['stop@3']?.bytes ?? []).toString('base64')).toBe(
      'eyJob3N0bmFtZSI6ImNhY2hlMyIsInN2YyI6InJlZGlzIn0=',
    );
    expect(chain.jobs['start@4']?.args).toEqual({ hostname: 'cache3', svc: 'redis' });
    expect(chain.jobs['sequence_restart-service_start@1']).toEqual({
      id: 'sequence_restart-service_start@1',
      type: 'noop',
      bytes: null,
      state: 0,
      args: {},
      data: null,
      retry: 0,
      retryWait: 0,
    });
    expect(chain.adjacencyList['sequence_restart-service_end@2']).toBeUndefined(); // the sink has no key

    const { chain: withDefault } = await buildChain(s, f, 'restart-service', { host: 'cache3' }, 'req2');
    expect(withDefault.jobs['stop@3']?.args).toEqual({ hostname: 'cache3', svc: 'nginx' });
  });

  it('7.2 produced list + each over a sub-sequence', async () => {
    const f = exampleFactory();
    const s = await specs(DRAIN_POOL, f);
    const { chain } = await buildChain(s, f, 'drain-pool', { pool: 'edge' }, 'r');
    expect(Object.keys(chain.jobs)).toEqual([
      'sequence_drain-pool_start@1',
      'sequence_drain-pool_end@2',
      'list-members@3',
      'sequence_drain-each_start@4',
      'sequence_drain-each_end@5',
      'remove@6',
      'wait@7',
      'sequence_drain-each_start@8',
      'sequence_drain-each_end@9',
      'remove@10',
      'wait@11',
      'repeat_drain-each_start@12',
      'repeat_drain-each_end@13',
      'verify@14',
    ]);
    expect(edges(chain)).toEqual(
      [
        'sequence_drain-pool_start@1 -> list-members@3',
        'list-members@3 -> repeat_drain-each_start@12',
        'repeat_drain-each_start@12 -> sequence_drain-each_start@4',
        'repeat_drain-each_start@12 -> sequence_drain-each_start@8',
        'sequence_drain-each_start@4 -> remove@6',
        'remove@6 -> wait@7',
        'wait@7 -> sequence_drain-each_end@5',
        'sequence_drain-each_end@5 -> repeat_drain-each_end@13',
        'sequence_drain-each_start@8 -> remove@10',
        'remove@10 -> wait@11',
        'wait@11 -> sequence_drain-each_end@9',
        'sequence_drain-each_end@9 -> repeat_drain-each_end@13',
        'repeat_drain-each_end@13 -> verify@14',
        'verify@14 -> sequence_drain-pool_end@2',
      ].sort(),
    );
    expect(jobScope(chain, 'remove@6')).toEqual({ pool: 'edge', target: 'web1' });
    expect(jobScope(chain, 'wait@7')).toEqual({ target: 'web1' });
    expect(jobScope(chain, 'remove@10')).toEqual({ pool: 'edge', target: 'web2' });
    expect(jobScope(chain, 'verify@14')).toEqual({ pool: 'edge' });
    expect(chain.jobs['list-members@3']?.args).toEqual({ pool: 'edge', members: ['web1', 'web2'] });
  });

  it('7.2 with one member: no repeat_ wrapper', async () => {
    const f = exampleFactory(['web1']);
    const { chain } = await buildChain(await specs(DRAIN_POOL, f), f, 'drain-pool', { pool: 'edge' }, 'r');
    expect(Object.keys(chain.jobs).some((id) => id.startsWith('repeat_'))).toBe(false);
    expect(edges(chain)).toContain('list-members@3 -> sequence_drain-each_start@4');
    expect(edges(chain)).toContain('sequence_drain-each_end@5 -> verify@8');
    expect(Object.keys(chain.jobs)).toHaveLength(8);
  });

  it('7.3 fan-in on two parents, value produced by one of them', async () => {
    const f = exampleFactory();
    const s = await specs(UPGRADE_DB, f);
    const { chain } = await buildChain(s, f, 'upgrade-db', { cluster: 'orders' }, 'r');
    expect(chain.adjacencyList).toEqual({
      'sequence_upgrade-db_start@1': ['backup@3', 'precheck@4'],
      'backup@3': ['upgrade@5'],
      'precheck@4': ['upgrade@5'],
      'upgrade@5': ['sequence_upgrade-db_end@2'],
    });
    expect(chain.jobs['upgrade@5']).toMatchObject({
      args: { backup: 'bk-0831', cluster: 'orders', version: '8.0' },
      retry: 1,
      retryWait: 30000,
    });
    expect(new TextDecoder().decode(chain.jobs['upgrade@5']?.bytes ?? new Uint8Array())).toBe(
      '{"backup":"bk-0831","cluster":"orders","version":"8.0"}',
    );
  });
});

// ---- build rules --------------------------------------------------------------------------------

const NOOP = 'noop-node: {category: job, type: noop}\n';

describe('buildChain: rules', () => {
  const f = scopeFactory(['work', 'make-x', 'quiet'], { 'make-x': (a) => void (a.x = 'made') });

  it('builds in order of argument availability, ids in declaration order within each pass', async () => {
    const s = await specs(
      `${NOOP}sequences:
  s:
    nodes:
      consumer:
        type: work
        args: [{expected: got, given: x}]
      producer:
        type: make-x
        sets: [x]
      other:
        type: work
`,
      f,
    );
    const { chain } = await buildChain(s, f, 's', {}, 'r');
    expect(Object.keys(chain.jobs)).toEqual([
      'sequence_s_start@1',
      'sequence_s_end@2',
      'producer@3',
      'other@4',
      'consumer@5',
    ]);
    expect(chain.jobs['consumer@5']?.args).toEqual({ got: 'made' });
    // no deps: all three run in parallel between start and end
    expect(chain.adjacencyList['sequence_s_start@1']).toEqual(['consumer@5', 'producer@3', 'other@4']);
  });

  it('passes static args, the each item, and timeout; sub-sequence sets land in the parent scope', async () => {
    const s = await specs(
      `${NOOP}sequences:
  outer:
    args:
      required: [{name: hosts}]
    nodes:
      defaults:
        category: sequence
        type: inner
        sets: [port]
      per-host:
        type: work
        each: hosts:host
        args:
          - {expected: port, given: port}
          - {expected: opts, value: {verbose: true, tags: [a]}}
        timeout: 1500
        retry: 1
        retryWait: 10
  inner:
    args:
      optional: [{name: port, default: 8080}]
    nodes: {}
`,
      f,
    );
    const { chain } = await buildChain(s, f, 'outer', { hosts: ['h1', 'h2', 'h3'] }, 'r');
    expect(chain.jobs['per-host@5']?.args).toEqual({
      port: '8080',
      opts: { verbose: true, tags: ['a'] },
      host: 'h1',
      timeout: 1500,
    });
    expect(jobScope(chain, 'per-host@7')).toEqual({ port: '8080', opts: { verbose: true, tags: ['a'] }, host: 'h3' });
    expect(chain.jobs['per-host@7']).toMatchObject({ retry: 1, retryWait: 10 });
    // a sub-sequence with no nodes is start -> end
    expect(chain.adjacencyList['sequence_defaults_start@3']).toEqual(['sequence_defaults_end@4']);
    expect(chain.adjacencyList['repeat_per-host_start@8']).toEqual(['per-host@5', 'per-host@6', 'per-host@7']);
  });

  it('is deterministic: the same request gives the same chain', async () => {
    const fx = scopeFactory(['list-pool-members', 'remove-from-lb', 'wait-idle', 'verify-pool'], {
      'list-pool-members': (a) => void (a.members = ['a', 'b', 'c']),
    });
    const s = await specs(DRAIN_POOL, fx);
    const one = await buildChain(s, fx, 'drain-pool', { pool: 'p' }, 'r');
    const two = await buildChain(s, fx, 'drain-pool', { pool: 'p' }, 'r');
    expect(two).toEqual(one);
    expect(JSON.stringify(Object.keys(two.chain.jobs))).toBe(JSON.stringify(Object.keys(one.chain.jobs)));
    expect(JSON.stringify(two.chain.adjacencyList)).toBe(JSON.stringify(one.chain.adjacencyList));
  });

  it('builds a 10,000-item each fast', async () => {
    const s = await specs(
      `${NOOP}sequences:
  big:
    args:
      required: [{name: items}]
    nodes:
      each-item:
        type: work
        each: items:item
      after:
        type: work
        deps: [each-item]
  per-item:
    args:
      required: [{name: item}]
    nodes:
      a: {type: work, args: [{expected: item, given: item}]}
      b: {type: work, args: [{expected: item, given: item}], deps: [a]}
  big-seq:
    args:
      required: [{name: items}]
    nodes:
      each-item:
        category: sequence
        type: per-item
        each: items:item
`,
      f,
    );
    const items = Array.from({ length: 10_000 }, (_, i) => `host-${i}`);
    const { chain } = await buildChain(s, f, 'big', { items }, 'r');
    expect(Object.keys(chain.jobs)).toHaveLength(10_005);
    expect(chain.adjacencyList['repeat_each-item_start@10003']).toHaveLength(10_000);
    expect(chain.jobs['each-item@10002']?.args).toEqual({ item: 'host-9999' });

    // Build times are measured by bench/engine.bench.ts, not asserted here.
    const { chain: nested } = await buildChain(s, f, 'big-seq', { items }, 'r');
    expect(Object.keys(nested.jobs)).toHaveLength(4 + 4 * 10_000);
  });
});

// ---- errors -----------------------------------------------------------------------------------

describe('buildChain: errors', () => {
  const f = scopeFactory(['work', 'take-backup', 'flaky']);
  const fail = async (s: SpecSet, type: string, args: JsonObject, factory: JobFactory = f): Promise<string> => {
    try {
      await buildChain(s, factory, type, args, 'r');
    } catch (err) {
      expect(err).toBeInstanceOf(RequestError);
      return (err as Error).message;
    }
    throw new Error('expected buildChain to fail');
  };

  const EACH = `${NOOP}sequences:
  fanout:
    args:
      required: [{name: hosts, desc: hosts}]
      optional: [{name: extra, default: x}]
    nodes:
      check:
        category: sequence
        type: check-host
        each: hosts:host
  check-host:
    args:
      required: [{name: host}]
    nodes:
      ping: {type: work, args: [{expected: host, given: host}]}
`;

  it('unknown request type, missing and undeclared args', async () => {
    const s = await specs(EACH, f);
    expect(await fail(s, 'nope', {})).toBe('cannot find definition for request: nope');
    expect(await fail(s, 'fanout', {})).toBe('sequence fanout missing arg hosts');
    expect(await fail(s, 'fanout', { hosts: ['a'], colour: 'red' })).toBe(
      'unknown arg "colour" for request type "fanout" (declared: hosts, extra)',
    );
    expect(await fail(s, 'fanout', { hosts: ['a'], a: 1, b: 2 })).toBe(
      'unknown args "a", "b" for request type "fanout" (declared: hosts, extra)',
    );
  });

  it('each over something that is not a list, or an empty list', async () => {
    const s = await specs(EACH, f);
    expect(await fail(s, 'fanout', { hosts: 'db1' })).toBe('each:hosts:host: arg hosts is a string, expected a slice');
    expect(await fail(s, 'fanout', { hosts: 3 })).toBe('each:hosts:host: arg hosts is a float64, expected a slice');
    expect(await fail(s, 'fanout', { hosts: { a: 1 } })).toBe('each:hosts:host: arg hosts is a map, expected a slice');
    expect(await fail(s, 'fanout', { hosts: null })).toBe('each:hosts:host: arg hosts is null, expected a slice');
    expect(await fail(s, 'fanout', { hosts: [] })).toBe(
      'sequence fanout, node check: each:hosts:host: arg hosts is an empty list, expected at least one item',
    );
  });

  it('Job Args are missing, sets not produced, missing given of the noop node', async () => {
    const s = await specs(
      `${NOOP}sequences:
  stuck:
    nodes:
      a: {type: work, args: [{expected: y, given: fromB}], sets: [fromA]}
      b: {type: work, args: [{expected: y, given: fromA}], sets: [fromB]}
  no-backup:
    nodes:
      backup: {type: work, sets: [backupId]}
`,
      f,
    );
    expect(await fail(s, 'stuck', {})).toBe('Job Args are missing for [a b]');
    expect(await fail(s, 'no-backup', {})).toBe('expected work to set backupId in jobargs');

    const noopArgs = await specs(
      'noop-node: {type: noop, args: [{expected: who, given: owner}]}\nsequences:\n  s: {nodes: {}}\n',
      f,
    );
    expect(await fail(noopArgs, 's', {})).toBe('cannot create job noop: missing owner from job args');
  });

  it('job factory and create failures name the type and job id', async () => {
    const s = await specs(`${NOOP}sequences:\n  s:\n    nodes:\n      nap: {type: flaky}\n`, f);
    const refusing = scopeFactory(['work']);
    refusing.register({
      type: 'flaky',
      make: (id) => ({
        ...scopeFactory([]).make('noop', id),
        create: () => {
          throw new Error('invalid seconds "soon"');
        },
      }),
    });
    expect(await fail(s, 's', {}, refusing)).toBe(`Error creating 'flaky nap@3' job: invalid seconds "soon"`);
    expect(await fail(s, 's', {}, scopeFactory(['work']))).toBe(`Error making 'flaky nap@3' job: unknown job type`);
    expect(
      await fail(
        s,
        's',
        {},
        scopeFactory([], {}).register({
          type: 'flaky',
          make: () => {
            throw new Error('no');
          },
        }),
      ),
    ).toBe(`Error making 'flaky nap@3' job: no`);
  });
});
