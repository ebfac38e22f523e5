// The drawn chain of a rolling restart as the grapher builds it (ids, noop wrappers, job args):
// the wrappers can be left out without losing an edge, fan-outs fold only when big, and every
// job of a fan-out gets its `each:` value.

import { describe, expect, it } from 'vitest';
import type { ChainJob, ChainView } from '../../src-main/shared/console-model';
import type { JsonObject } from '../../src-main/shared/proto';
import { GROUP_MIN_BRANCHES, buildGraph } from './chain-graph';
import { isStructureNoop, jobName } from './job-names';
import { eachValues } from './each-values';

/** rolling-restart over `hosts`, numbered and wired as src-main/engine/grapher builds it. */
function rollingRestart(hosts: string[]): ChainView {
  const jobs: ChainJob[] = [];
  const adjacencyList: Record<string, string[]> = {};
  let n = 0;
  const job = (name: string, type: string, args: JsonObject) => {
    const id = `${name}@${++n}`;
    jobs.push({ id, name: null, type, retry: 0, retryWait: 0, args });
    return id;
  };
  const edge = (from: string, to: string) => (adjacencyList[from] ??= []).push(to);
  const start = job('sequence_rolling-restart_start', 'noop', {});
  const end = job('sequence_rolling-restart_end', 'noop', {});
  const planStart = job('sequence_plan_start', 'noop', {});
  const planEnd = job('sequence_plan_end', 'noop', {});
  const announce = job('announce', 'shell', { cmd: 'echo plan', service: 'nginx', drainTimeout: '30' });
  edge(start, planStart);
  edge(planStart, announce);
  edge(announce, planEnd);
  const iterations = hosts.map((host) => {
    const s = job('sequence_restart-each_start', 'noop', {});
    const e = job('sequence_restart-each_end', 'noop', {});
    const drain = job('drain', 'shell', { cmd: 'echo draining', host, drainTimeout: '30', pause: '0.2' });
    const restart = job('restart', 'shell', { cmd: 'echo restarting', host, service: 'nginx', pause: '0.2' });
    const check = job('check', 'shell', { cmd: 'echo ok', host, service: 'nginx', timeout: 5000 });
    edge(s, drain);
    edge(drain, restart);
    edge(restart, check);
    edge(check, e);
    return [s, e];
  });
  const repeatStart = job('repeat_restart-each_start', 'noop', {});
  const repeatEnd = job('repeat_restart-each_end', 'noop', {});
  for (const [s, e] of iterations) {
    edge(repeatStart, s as string);
    edge(e as string, repeatEnd);
  }
  edge(planEnd, repeatStart);
  const report = job('report', 'shell', { cmd: 'echo done', service: 'nginx' });
  edge(repeatEnd, report);
  edge(report, end);
  return { requestId: 'r1', jobs: jobs.sort((a, b) => (a.id < b.id ? -1 : 1)), adjacencyList };
}

const SIX = ['web1', 'web2', 'web3', 'web4', 'web5', 'web6'];
const labelled = (chain: ChainView, hideStructure: boolean) => {
  const g = buildGraph(chain, new Set(), { hideStructure });
  return {
    labels: g.nodes.map((n) => n.label),
    edges: g.edges.map(([a, b]) => `${g.nodes[a]?.label} -> ${g.nodes[b]?.label}`),
  };
};

describe('the chain as drawn', () => {
  it('tells the grapher’s wrappers from the spec’s own noops', () => {
    expect(isStructureNoop({ id: 'sequence_plan_start@3', name: null, type: 'noop' })).toBe(true);
    expect(isStructureNoop({ id: 'repeat_check_end@34', name: null, type: 'noop' })).toBe(true);
    expect(isStructureNoop({ id: 'done@24', name: null, type: 'noop' })).toBe(false);
    expect(isStructureNoop({ id: 'sequence_x_start@3', name: null, type: 'shell' })).toBe(false);
  });

  it('leaves out the wrappers and joins their edges through them', () => {
    const chain = rollingRestart(SIX);
    const { labels, edges } = labelled(chain, true);
    expect(labels.some((l) => /sequence_|repeat_/.test(l))).toBe(false);
    expect(labels).toHaveLength(1 + 6 * 3 + 1);
    expect(edges).toContain('announce@5 -> drain@8');
    expect(edges).toContain('announce@5 -> drain@33');
    expect(edges).toContain('drain@13 -> restart@14');
    expect(edges).toContain('check@35 -> report@38');
    expect(edges.filter((e) => e.startsWith('announce@5 ->'))).toHaveLength(6);
    expect(edges.filter((e) => e.endsWith('-> report@38'))).toHaveLength(6);
    // shown, every job is there
    expect(labelled(chain, false).labels).toHaveLength(chain.jobs.length);
  });

  it('folds a fan-out only when it is too big to read unfolded', () => {
    expect(labelled(rollingRestart(SIX), true).labels).toContain('restart@14');
    const many = Array.from({ length: GROUP_MIN_BRANCHES }, (_, i) => `web${i + 1}`);
    const folded = labelled(rollingRestart(many), true).labels;
    expect(folded).toContain(`restart ×${GROUP_MIN_BRANCHES}`);
    expect(folded).toEqual([
      'announce@5',
      `check ×${GROUP_MIN_BRANCHES}`,
      `drain ×${GROUP_MIN_BRANCHES}`,
      'report@' + (5 * GROUP_MIN_BRANCHES + 8),
      `restart ×${GROUP_MIN_BRANCHES}`,
    ]);
  });

  it('keeps a wrapper that joins many jobs to many others, rather than drawing every pair', () => {
    // two fan-outs in a row: the first one's end leads to the second one's start
    const chain: ChainView = { requestId: 'r', jobs: [], adjacencyList: {} };
    const add = (id: string, type = 'shell') =>
      chain.jobs.push({ id, name: null, type, retry: 0, retryWait: 0, args: null });
    add('repeat_a_end@1', 'noop');
    add('repeat_b_start@2', 'noop');
    for (let i = 0; i < 8; i++) {
      add(`a@${10 + i}`);
      add(`b@${20 + i}`);
      (chain.adjacencyList[`a@${10 + i}`] ??= []).push('repeat_a_end@1');
      (chain.adjacencyList['repeat_b_start@2'] ??= []).push(`b@${20 + i}`);
    }
    chain.adjacencyList['repeat_a_end@1'] = ['repeat_b_start@2'];
    const g = buildGraph(chain, 'all', { hideStructure: true });
    expect(g.nodes.map((n) => n.id)).toContain('repeat_a_end@1');
    expect(g.nodes.map((n) => n.id)).not.toContain('repeat_b_start@2');
    expect(g.edges).toHaveLength(8 + 8);
  });
});

describe('folded fan-outs', () => {
  const many = Array.from({ length: GROUP_MIN_BRANCHES }, (_, i) => `web${i + 1}`);
  const chain = rollingRestart(many);
  const drains = chain.jobs.filter((j) => j.id.startsWith('drain@')).map((j) => j.id);

  it('one node per step of the branches, standing for every job of that step, in one group', () => {
    const g = buildGraph(chain, new Set(), { hideStructure: true });
    const drain = g.nodes.find((n) => n.label === `drain ×${GROUP_MIN_BRANCHES}`)!;
    expect([...drain.jobs].sort()).toEqual([...drains].sort());
    expect(drain.id).toMatch(/^group:announce@5:.+#0$/);
    const group = drain.group!;
    expect(g.groups).toEqual(new Map([[group, GROUP_MIN_BRANCHES]]));
    expect(
      g.nodes
        .filter((n) => n.group === group)
        .map((n) => n.id)
        .sort(),
    ).toEqual([`${group}#0`, `${group}#1`, `${group}#2`]);
    const label = (i: number) => g.nodes[i]!.label;
    expect(g.edges.map(([a, b]) => `${label(a)} -> ${label(b)}`).sort()).toEqual(
      [
        `announce@5 -> drain ×${GROUP_MIN_BRANCHES}`,
        `drain ×${GROUP_MIN_BRANCHES} -> restart ×${GROUP_MIN_BRANCHES}`,
        `restart ×${GROUP_MIN_BRANCHES} -> check ×${GROUP_MIN_BRANCHES}`,
        `check ×${GROUP_MIN_BRANCHES} -> report@${5 * GROUP_MIN_BRANCHES + 8}`,
      ].sort(),
    );
  });

  it('an expanded group, or all, draws every job; the group is still known', () => {
    const folded = buildGraph(chain, new Set(), { hideStructure: true });
    const group = [...folded.groups.keys()][0]!;
    for (const expanded of [new Set([group]), 'all' as const]) {
      const g = buildGraph(chain, expanded, { hideStructure: true });
      expect(g.nodes.map((n) => n.id)).toEqual(expect.arrayContaining(drains));
      expect(g.nodes.every((n) => n.group === null && n.jobs.length === 1)).toBe(true);
      expect(g.edges).toHaveLength(GROUP_MIN_BRANCHES * 4);
    }
    expect(buildGraph(chain, new Set([group]), { hideStructure: true }).groups).toEqual(folded.groups);
  });

  it('folds only the branches of one shape; a branch of another shape stays drawn', () => {
    const odd = rollingRestart([...many, 'db1']);
    // The last host's branch: drain -> restart -> check -> a fourth job.
    const lastCheck = odd.jobs
      .filter((j) => j.id.startsWith('check@'))
      .map((j) => j.id)
      .at(-1)!;
    const [, toEnd] = Object.entries(odd.adjacencyList).find(([from]) => from === lastCheck)!;
    odd.jobs.push({ id: 'verify@99', name: null, type: 'shell', retry: 0, retryWait: 0, args: null });
    odd.adjacencyList[lastCheck] = ['verify@99'];
    odd.adjacencyList['verify@99'] = toEnd;
    const labels = buildGraph(odd, new Set(), { hideStructure: true }).nodes.map((n) => n.label);
    expect(labels).toContain(`drain ×${GROUP_MIN_BRANCHES}`);
    expect(labels).toContain(lastCheck);
    expect(labels).toContain('verify@99');
  });

  it('ignores edges to jobs the chain does not have, and draws each edge once', () => {
    const small: ChainView = {
      requestId: 'r',
      jobs: ['a@1', 'b@2'].map((id) => ({ id, name: null, type: 'shell', retry: 0, retryWait: 0, args: null })),
      adjacencyList: { 'a@1': ['b@2', 'b@2', 'ghost@9'], 'ghost@8': ['a@1'] },
    };
    const g = buildGraph(small, new Set());
    expect(g.nodes.map((n) => n.id)).toEqual(['a@1', 'b@2']);
    expect(g.edges).toEqual([[0, 1]]);
  });

  it('names a repeated node by the part before its @n (2017 ids), or by its name (v2)', () => {
    const named = (id: string, name: string | null = null) => jobName({ id, name });
    expect(named('restart@14')).toBe('restart');
    expect(named('user@host@3')).toBe('user@host');
    expect(named('plain')).toBe('plain');
    expect(named('@5')).toBe('@5');
    expect(named('y3dr', 'nap')).toBe('nap');
  });
});

describe('each: values', () => {
  it('names the item of every job of a fan-out, from the chain’s job args', () => {
    const values = eachValues(rollingRestart(SIX));
    expect(values.get('restart@14')).toBe('web2');
    expect(values.get('drain@8')).toBe('web1');
    expect(values.get('check@35')).toBe('web6');
    expect(values.has('announce@5')).toBe(false);
    expect(values.has('report@38')).toBe(false);
  });

  it('gives nothing without job args (the original RM) or without a fan-out', () => {
    const chain = rollingRestart(SIX);
    expect(eachValues({ ...chain, jobs: chain.jobs.map((j) => ({ ...j, args: null })) }).size).toBe(0);
    expect(eachValues(rollingRestart(['web1'])).size).toBe(0);
    expect(eachValues(null).size).toBe(0);
  });
});
