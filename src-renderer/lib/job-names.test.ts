// Job names and structure on a real v2.1.1 chain (the recorded fan-out over three hosts, 061)
// beside a 2017 one: names, noops told by type and name, each values, folded fan-out labels.

import { describe, expect, it } from 'vitest';
import recording from '../../test/fixtures/http-v2/061-rm-get-request-fanout-complete.txt?raw';
import type { ChainView } from '../../src-main/shared/console-model';
import { parseWire } from '../../src-main/shared/proto';
import { decodeV2Request } from '../../src-main/shared/proto-v2';
import { buildGraph } from './chain-graph';
import { eachValues } from './each-values';
import { isStructureNoop, jobLabel, jobName } from './job-names';

/** The recorded fan-out's chain as the console model has it (names beside ids). */
function fanoutChain(): ChainView {
  const body = recording.split('\n').find((line) => line.startsWith('{')) ?? '';
  const r = decodeV2Request(parseWire(body));
  const chain = r.jobChain;
  if (!chain) throw new Error('061 has no chain');
  return {
    requestId: r.id,
    jobs: Object.values(chain.jobs)
      .map((j) => ({ id: j.id, name: j.name, type: j.type, retry: j.retry, retryWait: 0, args: j.args }))
      .sort((a, b) => (a.id < b.id ? -1 : 1)),
    adjacencyList: chain.adjacencyList,
  };
}

describe('job names', () => {
  it('a v2 job is its name, read beside its id; a 2017 id carries its name', () => {
    expect(jobName({ id: 'y3dr', name: 'nap' })).toBe('nap');
    expect(jobLabel({ id: 'y3dr', name: 'nap' })).toBe('nap · y3dr');
    expect(jobName({ id: 'restart@14', name: null })).toBe('restart');
    expect(jobLabel({ id: 'restart@14', name: null })).toBe('restart@14');
  });

  it("v2's structure noops are its generated _begin/_end noops; a noop node of the spec is not one", () => {
    const chain = fanoutChain();
    const structure = chain.jobs.filter(isStructureNoop).map((j) => j.name);
    expect(structure).toHaveLength(20);
    expect(structure.every((n) => /_(begin|end)$/.test(n ?? ''))).toBe(true);
    expect(isStructureNoop({ id: '87eh', name: 'done', type: 'noop' })).toBe(false);
    expect(isStructureNoop({ id: 'x', name: 'nap_end', type: 'sleep' })).toBe(false);
  });

  it('each values of a v2 fan-out, from its job args', () => {
    const chain = fanoutChain();
    const each = eachValues(chain);
    const byName = (name: string) =>
      chain.jobs
        .filter((j) => j.name === name)
        .map((j) => each.get(j.id))
        .sort();
    expect(byName('ping')).toEqual(['alpha', 'beta', 'gamma']);
    expect(byName('verify')).toEqual(['alpha', 'beta', 'gamma']);
    expect(byName('summary')).toEqual([undefined]);
  });

  it('the graph labels v2 jobs by name and hides the structure', () => {
    const graph = buildGraph(fanoutChain(), 'all', { hideStructure: true });
    expect(graph.nodes.map((n) => n.label).sort()).toEqual([
      'ping',
      'ping',
      'ping',
      'summary',
      'verify',
      'verify',
      'verify',
    ]);
  });
});
