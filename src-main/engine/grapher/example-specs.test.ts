// resources/specs: the example request specs load with the built-in job types and every request
// type builds; together they use every spec feature.

import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JsonObject } from '../../shared/proto';
import { builtinJobTypes } from '../jobs/builtins';
import { JobFactory } from '../jobs/job';
import { buildChain } from './build-chain';
import { loadSpecs } from './load-specs';
import { requestList } from './request-list';
import { edges } from '../../../test/support/engine/grapher/testing';

const SPEC_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../resources/specs');
const factory = new JobFactory(builtinJobTypes());

/** Args for the request types that need some. */
const ARGS: Record<string, JsonObject> = {
  'rolling-restart': { hosts: ['web1', 'web2', 'web3'] },
  'fan-out-fan-in': { release: 'v1.4.2' },
  'restart-host': { host: 'web1', service: 'nginx' },
  'restart-plan': { service: 'nginx' },
};

describe('example specs (resources/specs)', () => {
  it('load with the built-in job types and list the expected request types', async () => {
    const specs = await loadSpecs(SPEC_DIR, factory);
    expect(requestList(specs).map((r) => r.Name)).toEqual([
      'fail',
      'fan-out-fan-in',
      'flaky',
      'hello',
      'live-progress',
      'long-job',
      'long-log',
      'restart-host',
      'restart-plan',
      'rolling-restart',
      'timeout',
    ]);
  });

  it('every request type builds', async () => {
    const specs = await loadSpecs(SPEC_DIR, factory);
    for (const { Name } of requestList(specs)) {
      const { chain } = await buildChain(specs, factory, Name, ARGS[Name] ?? {}, `req-${Name}`);
      expect(Object.keys(chain.jobs).length, Name).toBeGreaterThanOrEqual(3);
    }
  });

  it('use every spec feature', async () => {
    const specs = await loadSpecs(SPEC_DIR, factory);
    const nodes = [...specs.sequences.values()].flatMap((s) => s.nodes);
    const args = [...specs.sequences.values()];
    expect(args.some((s) => s.required.length > 0)).toBe(true);
    expect(args.some((s) => s.optional.some((a) => a.default !== ''))).toBe(true);
    expect(nodes.some((n) => n.args.some((a) => 'value' in a))).toBe(true); // static args
    expect(nodes.some((n) => n.category === 'sequence' && n.sets.length > 0)).toBe(true);
    expect(nodes.some((n) => n.each !== null)).toBe(true);
    expect(nodes.some((n) => n.deps.length > 1)).toBe(true); // fan-in
    expect(nodes.some((n) => n.retry > 0 && n.retryWait > 0)).toBe(true);
    expect(nodes.some((n) => n.timeout !== null)).toBe(true);
  });

  it('rolling-restart: plan, then drain -> restart -> check per host, then report', async () => {
    const specs = await loadSpecs(SPEC_DIR, factory);
    const { chain } = await buildChain(specs, factory, 'rolling-restart', { hosts: ['web1', 'web2'] }, 'r');
    expect(edges(chain)).toEqual(
      [
        'sequence_rolling-restart_start@1 -> sequence_plan_start@3',
        'sequence_plan_start@3 -> announce@5',
        'announce@5 -> sequence_plan_end@4',
        'sequence_plan_end@4 -> repeat_restart-each_start@16',
        'repeat_restart-each_start@16 -> sequence_restart-each_start@6',
        'repeat_restart-each_start@16 -> sequence_restart-each_start@11',
        'sequence_restart-each_start@6 -> drain@8',
        'drain@8 -> restart@9',
        'restart@9 -> check@10',
        'check@10 -> sequence_restart-each_end@7',
        'sequence_restart-each_end@7 -> repeat_restart-each_end@17',
        'sequence_restart-each_start@11 -> drain@13',
        'drain@13 -> restart@14',
        'restart@14 -> check@15',
        'check@15 -> sequence_restart-each_end@12',
        'sequence_restart-each_end@12 -> repeat_restart-each_end@17',
        'repeat_restart-each_end@17 -> report@18',
        'report@18 -> sequence_rolling-restart_end@2',
      ].sort(),
    );
    // drainTimeout came from restart-plan's optional default, via sets
    expect(chain.jobs['drain@13']?.args).toMatchObject({ host: 'web2', drainTimeout: '30', pause: '0.2' });
    expect(chain.jobs['check@10']?.args).toMatchObject({ timeout: 5000 });
    expect(chain.jobs['restart@9']).toMatchObject({ retry: 2, retryWait: 500 });
  });

  it('timeout and flaky carry their settings', async () => {
    const specs = await loadSpecs(SPEC_DIR, factory);
    const { chain: t } = await buildChain(specs, factory, 'timeout', {}, 'r');
    expect(t.jobs['wait-for-lock@3']?.args).toMatchObject({ timeout: 1000, seconds: '30' });
    const { chain: f } = await buildChain(specs, factory, 'flaky', {}, 'r');
    expect(f.jobs['connect@3']).toMatchObject({ retry: 2, retryWait: 1000 });
    const { chain: fail } = await buildChain(specs, factory, 'fail', {}, 'r');
    expect(fail.jobs['check-disk@3']).toMatchObject({ retry: 1, args: { exitCode: '3' } });
  });
});
