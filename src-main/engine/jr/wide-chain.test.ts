// Scale: a 10,000-noop-job wide chain (start -> 10,000 in parallel -> end) and a 2,000-job deep
// one complete; prints jobs/s and the dispatch figures (latency: the parent's try returned ->
// the child's run() called; overhead: the cost of that one dispatch, see dispatch-latency.ts).
// No timed assertions: the numbers are for the bench and the report.
import { describe, expect, it } from 'vitest';
import { STATE_COMPLETE, type JobChain } from '../../shared/proto';
import { builtinJobTypes } from '../jobs/builtins';
import { JobFactory } from '../jobs/job';
import { silentLogger } from '../log';
import { DispatchLatencyRecorder } from './dispatch-latency';
import { JobRunner } from './job-runner';
import { MemoryRm } from '../../../test/support/engine/jr/memory-rm';
import { RecordingRm } from '../../../test/support/engine/jr/recording-rm';
import { RequestManagerHttpLink } from './rm-http-link';
import { chainOf, noop, wideChain } from '../../../test/support/engine/jr/test-chains';
import type { RequestManagerLink } from '../links';

const WIDTH = 10_000;

function wide(requestId: string, width = WIDTH): JobChain {
  return wideChain(
    requestId,
    Object.fromEntries(Array.from({ length: width }, (_, i) => [`job${String(i).padStart(5, '0')}`, noop()])),
  );
}

function deep(requestId: string, length: number): JobChain {
  const ids = Array.from({ length }, (_, i) => `step${String(i).padStart(5, '0')}`);
  return chainOf(
    requestId,
    Object.fromEntries(ids.map((id) => [id, noop()])),
    ids.slice(1).map((id, i): [string, string] => [ids[i] as string, id]),
  );
}

async function run(chain: JobChain, rm: RequestManagerLink, label: string): Promise<void> {
  const latency = new DispatchLatencyRecorder();
  const jr = new JobRunner({
    factory: new JobFactory(builtinJobTypes()),
    rm,
    logger: silentLogger,
    dispatchLatency: latency,
  });
  const jobs = Object.keys(chain.jobs).length;
  const t0 = performance.now();
  await jr.createJobChain(chain);
  const traversed = jr.whenSettled(chain.requestId)!;
  const state = await traversed;
  const ms = performance.now() - t0;
  expect(state).toBe(STATE_COMPLETE);
  console.log(
    `${label}: ${jobs} jobs in ${ms.toFixed(0)} ms = ${Math.round((jobs / ms) * 1000)} jobs/s (incl. log delivery); ` +
      `dispatch latency p50 ${latency.percentile(50).toFixed(3)} ms, p99 ${latency.percentile(99).toFixed(3)} ms, ` +
      `max ${latency.percentile(100).toFixed(3)} ms over ${latency.size} dispatches; ` +
      `per-dispatch overhead p50 ${latency.overheadPercentile(50).toFixed(4)} ms, p99 ${latency.overheadPercentile(99).toFixed(4)} ms`,
  );
  await jr.close();
}

describe('scale', () => {
  it('10,000-noop wide chain, in-process RM link (cold, then warm as in a long-running JR)', async () => {
    for (const round of ['cold', 'warm 1', 'warm 2']) {
      const rm = new MemoryRm();
      await run(wide(`wide-mem-${round}`), rm, `wide, in-process RM, ${round}`);
      expect(rm.logs).toHaveLength(WIDTH + 2);
      expect(rm.finishes).toEqual([{ requestId: `wide-mem-${round}`, state: STATE_COMPLETE }]);
    }
  });

  it('2,000-noop deep chain, in-process RM link', async () => {
    const rm = new MemoryRm();
    await run(deep('deep-mem', 2000), rm, 'deep, in-process RM');
    expect(rm.logs).toHaveLength(2000);
  });

  // Smaller, to keep the suite quick: up to `window` logs of the chain in flight over a few
  // keep-alive connections.
  it('2,000-noop wide chain, logs over HTTP to a real RM', async () => {
    const rm = await new RecordingRm().start();
    try {
      await run(wide('wide-http', 2000), new RequestManagerHttpLink(rm.url), 'wide, HTTP RM');
      expect(rm.logs).toHaveLength(2000 + 2);
      expect(new Set(rm.logs.map((l) => l.jobId)).size).toBe(2000 + 2);
    } finally {
      await rm.close();
    }
  }, 120_000);
});
