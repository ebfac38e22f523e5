// Engine bench (`npm run bench:engine`): noop jobs end to end through the Request Manager —
// create -> request finished with every job log stored — for a wide chain (10,000 jobs in
// parallel between a fan-out and a fan-in), a deep chain (10,000 jobs one after the other) and
// 100 concurrent requests of 300 jobs; in both link modes: `server` (RM and JR in one process,
// linked in-process) and `http` (`spincycle rm` in this process, `spincycle jr` in a child
// process, HTTP both ways). Reports jobs/s and the dispatch latency (parent finished -> child
// started) p50/p99: recorded by the JR itself in `server` mode, computed from the stored job
// logs in `http` mode (child startedAt - latest parent finishedAt, both from the JR's clock).
// Targets: >= 10,000 noop jobs/s (wide) and p99 dispatch < 2 ms.

import { STATE_COMPLETE, stateName } from '../src-main/shared/proto';
import { DispatchLatencyRecorder } from '../src-main/engine/jr';
import { silentLogger } from '../src-main/engine/log';
import type { RequestManager } from '../src-main/engine/rm/request-manager';
import { startEngine, startRequestManager } from '../src-main/engine/server';
import {
  deepNoopSpec,
  freePort,
  items,
  spawnCli,
  tempDir,
  wideNoopSpec,
} from '../src-main/engine/integration/test-engine';

const WIDE_JOBS = 10_000;
const DEEP_JOBS = 10_000;
const CONCURRENT_REQUESTS = 100;
const JOBS_PER_REQUEST = 300;
const TARGET_JOBS_PER_S = 10_000;
const TARGET_P99_MS = 2;

type Mode = 'server' | 'http';

interface Engine {
  rmUrl: string;
  rm: RequestManager;
  /** The JR's own dispatch-latency recorder when it runs in this process, else null. */
  latency: DispatchLatencyRecorder | null;
  close(): Promise<void>;
}

async function start(mode: Mode, specsDir: string): Promise<Engine> {
  const common = { specsDir, dataDir: data.dir, logger: silentLogger };
  if (mode === 'server') {
    const latency = new DispatchLatencyRecorder();
    const e = await startEngine({ ...common, dispatchLatency: latency, rmAddr: '127.0.0.1:0', jrAddr: '127.0.0.1:0' });
    return { rmUrl: e.rmUrl, rm: e.requestManager, latency, close: e.close };
  }
  // `spincycle rm` here, `spincycle jr` in a child process: HTTP both ways, one core each.
  const jrPort = await freePort();
  const rm = await startRequestManager({ ...common, addr: '127.0.0.1:0', jrUrl: `http://127.0.0.1:${jrPort}` });
  const jr = spawnCli(['jr', '--rm-url', rm.url, '--addr', `127.0.0.1:${jrPort}`], /job runner started/);
  await jr.started;
  return {
    rmUrl: rm.url,
    rm: rm.requestManager,
    latency: null,
    close: async () => {
      jr.child.kill('SIGTERM');
      await new Promise((r) => jr.child.once('exit', r));
      await rm.close();
    },
  };
}

/** Dispatch latencies (ms) from the stored logs: child startedAt - latest parent finishedAt. */
function latenciesFromLogs(rm: RequestManager, requestId: string): number[] {
  const chain = JSON.parse(rm.jobChainJson(requestId)) as { adjacencyList: Record<string, string[]> };
  const logs = new Map(rm.jobLogs(requestId).map((l) => [l.jobId, l]));
  const parents = new Map<string, string[]>();
  for (const [from, tos] of Object.entries(chain.adjacencyList))
    for (const to of tos) parents.set(to, [...(parents.get(to) ?? []), from]);
  const out: number[] = [];
  for (const [child, ps] of parents) {
    const started = logs.get(child)?.startedAt;
    if (started === undefined) continue;
    const ready = ps.reduce((m, p) => {
      const f = logs.get(p)?.finishedAt ?? 0n;
      return f > m ? f : m;
    }, 0n);
    out.push(Number(started - ready) / 1e6);
  }
  return out;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

/** Creates requests over HTTP, waits until all finished; checks every log is stored. */
async function run(
  engine: Engine,
  type: string,
  argsList: object[],
): Promise<{ jobs: number; seconds: number; latencies: number[] }> {
  const t0 = performance.now();
  const created = await Promise.all(
    argsList.map(async (args) => {
      const res = await fetch(`${engine.rmUrl}/api/v1/requests`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ type, args }),
      });
      const text = await res.text();
      if (res.status !== 201) throw new Error(`create ${type}: ${res.status} ${text}`);
      return JSON.parse(text) as { id: string; totalJobs: number };
    }),
  );
  const pending = new Set(created.map((r) => r.id));
  while (pending.size > 0) {
    for (const id of pending) {
      const r = engine.rm.getRequest(id);
      if (r.finishedAt !== null) {
        if (r.state !== STATE_COMPLETE) throw new Error(`request ${id} ended ${stateName(r.state)}`);
        pending.delete(id);
      }
    }
    if (pending.size > 0) await new Promise((r) => setTimeout(r, 2));
  }
  const seconds = (performance.now() - t0) / 1000;
  let jobs = 0;
  const latencies: number[] = [];
  for (const r of created) {
    if (!engine.latency) latencies.push(...latenciesFromLogs(engine.rm, r.id));
    const stored = engine.rm.jobLogs(r.id).length;
    const { finishedJobs } = engine.rm.getRequest(r.id);
    if (stored !== r.totalJobs || finishedJobs !== r.totalJobs) {
      throw new Error(`request ${r.id}: ${stored} logs, ${finishedJobs} finished of ${r.totalJobs} jobs`);
    }
    jobs += r.totalJobs;
  }
  return { jobs, seconds, latencies };
}

interface Row {
  scenario: string;
  mode: Mode;
  jobs: number;
  seconds: number;
  p50: number;
  p99: number;
}

const specs = tempDir({
  'wide.yaml': wideNoopSpec('wide'),
  'deep.yaml': deepNoopSpec('deep', DEEP_JOBS - 2),
});
const data = tempDir();

const scenarios: Array<{ name: string; type: string; args: () => object[] }> = [
  { name: `wide ${WIDE_JOBS}`, type: 'wide', args: () => [{ items: items(WIDE_JOBS - 4) }] },
  { name: `deep ${DEEP_JOBS}`, type: 'deep', args: () => [{}] },
  {
    name: `${CONCURRENT_REQUESTS} x ${JOBS_PER_REQUEST}`,
    type: 'wide',
    args: () => Array.from({ length: CONCURRENT_REQUESTS }, () => ({ items: items(JOBS_PER_REQUEST - 4) })),
  },
];

const rows: Row[] = [];
try {
  for (const mode of ['server', 'http'] as const) {
    const engine = await start(mode, specs.dir);
    try {
      await run(engine, 'wide', [{ items: items(200) }]); // warm-up (JIT, connections)
      for (const s of scenarios) {
        engine.latency?.clear();
        const { jobs, seconds, latencies } = await run(engine, s.type, s.args());
        const p = (n: number) => engine.latency?.percentile(n) ?? percentile(latencies, n);
        rows.push({ scenario: s.name, mode, jobs, seconds, p50: p(50), p99: p(99) });
        process.stderr.write(`${mode} ${s.name}: ${Math.round(jobs / seconds)} jobs/s\n`);
      }
    } finally {
      await engine.close();
    }
  }
} finally {
  specs.remove();
  data.remove();
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const table = [
  ['scenario', 'mode', 'jobs', 'seconds', 'jobs/s', 'vs 10k/s', 'dispatch p50 ms', 'p99 ms', 'vs 2 ms'],
  ...rows.map((r) => {
    const perS = r.jobs / r.seconds;
    return [
      r.scenario,
      r.mode,
      fmt(r.jobs),
      fmt(r.seconds, 2),
      fmt(perS),
      `${fmt(perS / TARGET_JOBS_PER_S, 2)}x`,
      fmt(r.p50, 3),
      fmt(r.p99, 3),
      `${fmt(TARGET_P99_MS / r.p99, 2)}x`,
    ];
  }),
];
const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
console.log(
  `\nEngine bench (Node ${process.version}; targets: >= ${fmt(TARGET_JOBS_PER_S)} noop jobs/s wide, p99 dispatch < ${TARGET_P99_MS} ms;`,
);
console.log('"vs" columns: ratio to the target, >= 1x meets it)\n');
for (const row of table)
  console.log(row.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
