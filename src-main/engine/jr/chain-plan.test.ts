import { describe, expect, it } from 'vitest';
import { decodeJobChain, readWire } from '../../shared/proto';
import { readExchange } from '../../../test/support/http-fixtures';
import { planChain } from './chain-plan';
import { chainOf, noop } from '../../../test/support/engine/jr/test-chains';

const texts = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    return (err as Error).message;
  }
  return 'no error';
};

describe('planChain: validation (docs/protocol/runner.md §2 texts, in order)', () => {
  it('two first jobs (fixture 180, which crashed the original)', () => {
    const chain = readWire(readExchange('180-jr-create-job-chain-invalid-crashes.txt').request.body, decodeJobChain);
    expect(texts(() => planChain(chain))).toBe('chain has 2 first job(s), should have one (first job(s) = [a@1 b@2])');
  });

  it('an empty object (fixture 181) and an empty chain', () => {
    expect(texts(() => planChain(decodeJobChain({})))).toBe('chain has no requestId');
    expect(texts(() => planChain(chainOf('r', {}, [])))).toBe('chain has no jobs');
  });

  it('adjacency naming unknown jobs, as key or as target', () => {
    const msg = 'invalid adjacency list: some jobs exist in chain.AdjacencyList but not chain.Jobs';
    expect(texts(() => planChain(chainOf('r', { a: noop() }, [['a', 'ghost']])))).toBe(msg);
    expect(texts(() => planChain(chainOf('r', { a: noop() }, [['ghost', 'a']])))).toBe(msg);
  });

  it('two last jobs', () => {
    const c = chainOf('r', { a: noop(), b: noop(), c: noop() }, [
      ['a', 'b'],
      ['a', 'c'],
    ]);
    expect(texts(() => planChain(c))).toBe('chain has 2 last job(s), should have one (last job(s) = [b c])');
  });

  it('a cycle', () => {
    const c = chainOf('r', { a: noop(), b: noop(), c: noop(), d: noop() }, [
      ['a', 'b'],
      ['b', 'c'],
      ['c', 'b'],
      ['b', 'd'],
    ]);
    expect(texts(() => planChain(c))).toBe('chain is cyclic');
  });

  it('a job whose body id differs from its key', () => {
    const c = chainOf('r', { a: noop() }, []);
    c.jobs.a!.id = 'b';
    expect(texts(() => planChain(c))).toBe('job "a" has a different id in its body: "b"');
  });
});

describe('planChain: the index form', () => {
  it('sorts ids, sorts parents by id, keeps children in adjacency order, dedupes edges', () => {
    const c = chainOf('r', { s: noop(), b: noop(), a: noop(), z: noop() }, [
      ['s', 'b'],
      ['s', 'a'],
      ['s', 'a'],
      ['b', 'z'],
      ['a', 'z'],
    ]);
    const p = planChain(c);
    expect(p.ids).toEqual(['a', 'b', 's', 'z']);
    expect(p.children[2]).toEqual([1, 0]);
    expect(p.parents[3]).toEqual([0, 1]);
    expect([...p.inDegree]).toEqual([1, 1, 0, 2]);
    expect([p.first, p.last]).toEqual([2, 3]);
  });

  it('a single job is a valid chain', () => {
    const p = planChain(chainOf('r', { only: noop() }, []));
    expect([p.first, p.last]).toEqual([0, 0]);
  });
});
