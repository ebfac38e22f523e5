// The dispatch figures are what the job logs say: latency = child's startedAt (run() called)
// - finishedAt of the parent whose return made it ready (same clock readings), and a fan-out's
// per-dispatch overheads add up to its last child's latency. No timed assertions.
import { describe, expect, it } from 'vitest';
import { STATE_COMPLETE, type JobLog } from '../../shared/proto';
import { builtinJobTypes } from '../jobs/builtins';
import { JobFactory } from '../jobs/job';
import { silentLogger } from '../log';
import { DispatchLatencyRecorder } from './dispatch-latency';
import { JobRunner } from './job-runner';
import { MemoryRm } from '../../../test/support/engine/jr/memory-rm';
import { chainOf, noop, type TestJob } from '../../../test/support/engine/jr/test-chains';

const WIDTH = 50;
const TAIL = 20;

/** a -> b00..b49 -> z -> t00 -> ... -> t19 */
function chain(requestId: string) {
  const bs = Array.from({ length: WIDTH }, (_, i) => `b${String(i).padStart(2, '0')}`);
  const ts = Array.from({ length: TAIL }, (_, i) => `t${String(i).padStart(2, '0')}`);
  const jobs: Record<string, TestJob> = { a: noop(), z: noop() };
  for (const id of [...bs, ...ts]) jobs[id] = noop();
  const edges: Array<[string, string]> = [
    ...bs.flatMap((b): Array<[string, string]> => [
      ['a', b],
      [b, 'z'],
    ]),
    ['z', ts[0]!],
    ...ts.slice(1).map((t, i): [string, string] => [ts[i]!, t]),
  ];
  return { chain: chainOf(requestId, jobs, edges), edges };
}

describe('dispatch latency recorder', () => {
  it('matches the job logs and adds up within a fan-out', async () => {
    const rm = new MemoryRm();
    const latency = new DispatchLatencyRecorder();
    const jr = new JobRunner({
      factory: new JobFactory(builtinJobTypes()),
      rm,
      logger: silentLogger,
      dispatchLatency: latency,
    });
    const { chain: c, edges } = chain('lat-1');
    await jr.createJobChain(c);
    expect(await jr.whenSettled('lat-1')).toBe(STATE_COMPLETE);
    await jr.close();

    // Every job but the first was dispatched once.
    const dispatched = WIDTH + 1 + TAIL;
    expect(latency.size).toBe(dispatched);
    const lat = latency.values();
    const ovh = latency.overheadValues();

    // From the logs: startedAt - latest parent's finishedAt.
    const logs = new Map<string, JobLog>(rm.logs.map((l) => [l.jobId, l]));
    const parents = new Map<string, string[]>();
    for (const [from, to] of edges) parents.set(to, [...(parents.get(to) ?? []), from]);
    const fromLogs = [...parents].map(([child, ps]) => {
      const ready = ps.map((p) => logs.get(p)!.finishedAt).reduce((m, f) => (f > m ? f : m), 0n);
      const started = logs.get(child)!.startedAt;
      expect(started >= ready).toBe(true);
      return Number(started - ready) / 1e6;
    });
    const sorted = (xs: ArrayLike<number>) => Array.from(xs).sort((x, y) => x - y);
    const recorded = sorted(lat);
    sorted(fromLogs).forEach((v, i) => expect(Math.abs(v - recorded[i]!)).toBeLessThan(0.001));

    // The fan-out a -> b*: recorded first, in dispatch order.
    for (let i = 0; i < dispatched; i++) {
      expect(ovh[i]!).toBeGreaterThanOrEqual(0);
      expect(ovh[i]!).toBeLessThanOrEqual(lat[i]! + 1e-9);
    }
    for (let i = 1; i < WIDTH; i++) expect(lat[i]!).toBeGreaterThanOrEqual(lat[i - 1]!);
    const sum = Array.from(ovh.subarray(0, WIDTH)).reduce((s, x) => s + x, 0);
    expect(Math.abs(sum - lat[WIDTH - 1]!)).toBeLessThan(1e-6);
    // One child per parent (z, t*): the overhead is the latency.
    for (let i = WIDTH; i < dispatched; i++) expect(ovh[i]).toBe(lat[i]);

    expect(latency.percentile(100)).toBe(Math.max(...lat));
    expect(latency.overheadPercentile(0)).toBe(Math.min(...ovh));
    latency.clear();
    expect(latency.size).toBe(0);
    expect(Number.isNaN(latency.percentile(50))).toBe(true);
  });
});
