// The grapher against recordings of the original (test/fixtures): loading
// specs-peer.yaml gives exactly the recorded request-list body, and the first `demo` request and
// a `fanout` request give the recorded job chains (ids, types, bytes as JSON, retries, edges).

import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { decodeJobChain, encodeRequestSpecs, parseWire, type JobChain } from '../../shared/proto';
import { builtinJobTypes } from '../jobs/builtins';
import { JobFactory, type JobType } from '../jobs/job';
import { FIXTURE_DIR, readExchange } from '../../../test/support/http-fixtures';
import { buildChain } from './build-chain';
import { loadSpecs } from './load-specs';
import { requestList } from './request-list';

/** The peer's `flaky` type as far as the RM sees it: serializes {"failTimes": n}. */
const flakyType: JobType = {
  type: 'flaky',
  make: () => {
    let failTimes = 0;
    return {
      create(args) {
        failTimes = Number(args.failTimes);
      },
      serialize: () => new TextEncoder().encode(JSON.stringify({ failTimes })),
      deserialize() {},
      run: () => Promise.resolve({ state: 3, exit: 0, error: '', stdout: '', stderr: '' }),
      stop() {},
      status: () => '',
    };
  },
};

const factory = new JobFactory([...builtinJobTypes(), flakyType]);

async function peerSpecs() {
  const dir = mkdtempSync(path.join(tmpdir(), 'grapher-peer-'));
  try {
    copyFileSync(path.join(FIXTURE_DIR, '..', 'specs-peer.yaml'), path.join(dir, 'specs-peer.yaml'));
    return await loadSpecs(dir, factory);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Decoded job bytes; our shell job always writes `env`, the peer's omitted it when empty. */
function bytesJson(bytes: Uint8Array | null): unknown {
  if (bytes === null) return null;
  const v = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  if (v.env !== null && typeof v.env === 'object' && Object.keys(v.env).length === 0) delete v.env;
  return v;
}

/** Jobs with bytes decoded to JSON and args dropped (the original sent args null). */
function comparable(chain: JobChain) {
  return {
    jobs: Object.fromEntries(
      Object.values(chain.jobs).map((j) => [
        j.id,
        {
          id: j.id,
          type: j.type,
          bytes: bytesJson(j.bytes),
          state: j.state,
          data: j.data,
          retry: j.retry,
          retryWait: j.retryWait,
        },
      ]),
    ),
    adjacencyList: Object.fromEntries(
      Object.entries(chain.adjacencyList).map(([from, tos]) => [from, [...tos].sort()]),
    ),
    state: chain.state,
  };
}

/** The graph as sorted `from -> to` lines over labels that do not depend on id numbers. */
function shape(chain: JobChain): { jobs: string[]; edges: string[] } {
  // A vertex's host: the host in the bytes of a job of the same iteration (connected to it
  // without passing through the repeat_ or outer sequence_ nodes).
  const outer = (id: string) => id.startsWith('repeat_') || id.startsWith('sequence_fanout');
  const neighbours = new Map<string, string[]>();
  for (const [from, tos] of Object.entries(chain.adjacencyList)) {
    for (const to of tos) {
      if (outer(from) || outer(to)) continue;
      neighbours.set(from, [...(neighbours.get(from) ?? []), to]);
      neighbours.set(to, [...(neighbours.get(to) ?? []), from]);
    }
  }
  const host = new Map<string, string>();
  for (const j of Object.values(chain.jobs)) {
    const h = (bytesJson(j.bytes) as { env?: { host?: string } } | null)?.env?.host;
    if (!h) continue;
    const todo = [j.id];
    while (todo.length > 0) {
      const id = todo.pop() as string;
      if (host.has(id)) continue;
      host.set(id, h);
      todo.push(...(neighbours.get(id) ?? []));
    }
  }
  const hostOf = (id: string) => host.get(id) ?? '';
  const label = (id: string) => {
    const h = hostOf(id);
    return `${id.replace(/@\d+$/, '')}${h ? `[${h}]` : ''}`;
  };
  return {
    jobs: Object.values(chain.jobs)
      .map((j) => `${label(j.id)} ${j.type} ${JSON.stringify(bytesJson(j.bytes))} ${j.retry}/${j.retryWait}`)
      .sort(),
    edges: Object.entries(chain.adjacencyList)
      .flatMap(([from, tos]) => tos.map((to) => `${label(from)} -> ${label(to)}`))
      .sort(),
  };
}

describe('grapher vs the recorded original', () => {
  it('request-list of specs-peer.yaml is byte-identical to 010-rm-request-list', async () => {
    const specs = await peerSpecs();
    const recorded = readExchange('010-rm-request-list.txt').response?.body;
    expect(encodeRequestSpecs(requestList(specs))).toBe(recorded);
  });

  it('the first demo request gives the recorded chain (023-rm-get-job-chain)', async () => {
    const specs = await peerSpecs();
    const created = JSON.parse(readExchange('020-rm-create-request-demo.txt').request.body) as {
      type: string;
      args: Record<string, string>;
    };
    const recorded = decodeJobChain(parseWire(readExchange('023-rm-get-job-chain.txt').response?.body ?? ''));
    const { chain } = await buildChain(specs, factory, created.type, created.args, recorded.requestId);
    expect(comparable(chain)).toEqual(comparable(recorded));
    expect(chain.requestId).toBe(recorded.requestId);
    expect(chain.jobs['hello@3']?.args).toEqual({ cmd: expect.stringContaining('hello'), msg: 'world' });
  });

  it('a fanout request gives the recorded chain up to id numbers (071-rm-get-job-chain-fanout)', async () => {
    const specs = await peerSpecs();
    const recorded = decodeJobChain(parseWire(readExchange('071-rm-get-job-chain-fanout.txt').response?.body ?? ''));
    const { chain } = await buildChain(specs, factory, 'fanout', { hosts: ['db1', 'db2', 'db3'] }, recorded.requestId);
    // The original's counter was at 18 from earlier requests and numbered siblings in random
    // order (ping@28 after done@27); so compare the graphs with each id replaced by a label made
    // of its name and, for the per-host jobs, the host it serves.
    expect(shape(chain)).toEqual(shape(recorded));
    expect(Object.keys(chain.jobs)).toEqual([
      'sequence_fanout_start@1',
      'sequence_fanout_end@2',
      'sequence_check_start@3',
      'sequence_check_end@4',
      'ping@5',
      'done@6',
      'sequence_check_start@7',
      'sequence_check_end@8',
      'ping@9',
      'done@10',
      'sequence_check_start@11',
      'sequence_check_end@12',
      'ping@13',
      'done@14',
      'repeat_check_start@15',
      'repeat_check_end@16',
      'summary@17',
    ]);
  });
});
