// Engine bench (`npm run bench:engine`): noop jobs end to end through the Request Manager —
// create -> request finished with every job log stored — in both link modes: `server` (RM and
// JR in one process, linked in-process) and `http` (`spincycle rm` in this process, `spincycle
// jr` in a child process, HTTP both ways). Scenarios:
//   wide 10000    one chain: 1 parent starting ~10,000 children in one loop, then a fan-in
//   deep 10000    one chain: 10,000 jobs one after the other
//   100 x 300     100 concurrent requests of a ~300-wide fan-out/fan-in each
//   stages 40x25  one chain: 40 stages one after the other, each a fan-out/fan-in of 25
//   live          the cost of live output (live-output.ts): a job printing 100,000 lines while
//                 the console follows it: print -> readable latency (p99 target <= 1 s), and the
//                 wide chain's rate beside it, followed or not, against the wide chain alone
//                 (target: following costs at most 10 %), and the CPU time the engine spent
//                 per job and the console process spent, followed or not
//   host304       latency, not throughput: one 304-job chain at a time (100 hosts, each a
//                 sub-sequence of 3 jobs one after the other, between the request's start and
//                 end), LATENCY_ROUNDS times; median and p99 of create -> finished.
// The jobs/s scenarios run ROUNDS times; jobs/s is the median with the range (min-max).
//
// Dispatch figures, per dispatch (a job started because its parents completed):
// - latency: the try that made the job ready returned -> the job's run() called. In a fan-out
//   every child also waits for the siblings started before it, so the wide chain's p99 is
//   about the time it takes ONE thread to start 9,900 jobs in a row.
// - overhead: what that one dispatch cost: from when the dispatcher was free for the job (its
//   ready time, or the start of the sibling started just before it) to its run() called.
// `server`: recorded by the JR itself; `http`: computed from the stored job logs (same clock
// readings: JobLog.startedAt = run() called, finishedAt = run() returned, both from the JR).
// Targets: >= 10,000 noop jobs/s and dispatch p99 < 2 ms; host304's median <= 30 ms.
//
// BENCH_MODES=server,http BENCH_SCENARIOS=wide,deep,100x300,stages,host304,live BENCH_ROUNDS=3
// BENCH_LATENCY_ROUNDS=30 select;
// --write-docs puts the figures in docs/benchmarks.md.

import { readFileSync } from 'node:fs';
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
} from '../test/support/engine/integration/test-engine';
import { writeBenchDocs, writeDocsRequested } from './docs-writer';
import { LIVE_LINES, LIVE_SPEC, printerBeside, printerScript, wallNow } from './live-output';

const WIDE_JOBS = 10_000;
const DEEP_JOBS = 10_000;
const CONCURRENT_REQUESTS = 100;
const JOBS_PER_REQUEST = 300;
const STAGES = 40;
const STAGE_WIDTH = 25;
const TARGET_JOBS_PER_S = 10_000;
const TARGET_P99_MS = 2;
const HOSTS = 100;
const TARGET_HOST304_MS = 30;

type Mode = 'server' | 'http';

const envList = (name: string, all: string[]): string[] =>
  (process.env[name] ?? all.join(',')).split(',').filter((x) => all.includes(x));
const MODES = envList('BENCH_MODES', ['server', 'http']) as Mode[];
const SCENARIOS = envList('BENCH_SCENARIOS', ['wide', 'deep', '100x300', 'stages', 'host304', 'live']);
const TARGET_LIVE_P99_MS = 1000;
const TARGET_LIVE_DROP = 0.1;
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const LATENCY_ROUNDS = Math.max(1, Number(process.env.BENCH_LATENCY_ROUNDS ?? 30));

interface Engine {
  rmUrl: string;
  rm: RequestManager;
  /** The JR's own dispatch recorder when it runs in this process, else null. */
  latency: DispatchLatencyRecorder | null;
  /** The JR's process id when it runs in a child process. */
  jrPid: number | null;
  close(): Promise<void>;
}

async function start(mode: Mode, specsDir: string, dataDir: string): Promise<Engine> {
  const common = { specsDir, dataDir, logger: silentLogger };
  if (mode === 'server') {
    const latency = new DispatchLatencyRecorder();
    const e = await startEngine({ ...common, dispatchLatency: latency, rmAddr: '127.0.0.1:0', jrAddr: '127.0.0.1:0' });
    return { rmUrl: e.rmUrl, rm: e.requestManager, latency, jrPid: null, close: e.close };
  }
  // `spincycle rm` here, `spincycle jr` in a child process: HTTP both ways, one core each.
  const jrPort = await freePort();
  const rm = await startRequestManager({ ...common, addr: '127.0.0.1:0', jrUrls: [`http://127.0.0.1:${jrPort}`] });
  const jrData = tempDir();
  const jr = spawnCli(
    ['jr', '--rm-url', rm.url, '--addr', `127.0.0.1:${jrPort}`, '--data', jrData.dir],
    /job runner started/,
  );
  await jr.started;
  return {
    rmUrl: rm.url,
    rm: rm.requestManager,
    latency: null,
    jrPid: jr.child.pid ?? null,
    close: async () => {
      jr.child.kill('SIGTERM');
      await new Promise((r) => jr.child.once('exit', r));
      await rm.close();
      jrData.remove();
    },
  };
}

/**
 * CPU time used so far (ms, user + system): this process (the RM, and in `server` mode the JR
 * too) and the JR's child process (Linux /proc; 0 elsewhere or in `server` mode).
 */
function cpuMs(engine: Engine): { rm: number; jr: number } {
  const own = process.cpuUsage();
  let jr = 0;
  if (engine.jrPid !== null) {
    try {
      // Fields 14 and 15 (after the parenthesised command name): utime and stime in clock ticks.
      const fields = readFileSync(`/proc/${engine.jrPid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      jr = ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
    } catch {
      jr = 0;
    }
  }
  return { rm: (own.user + own.system) / 1000, jr };
}
/** Linux's USER_HZ, what /proc/PID/stat counts CPU time in. */
const CLOCK_TICKS = 100;

/** Dispatch latency and overhead (ms) from the stored logs, as the JR's recorder defines them. */
async function dispatchFromLogs(
  rm: RequestManager,
  requestId: string,
  latency: number[],
  overhead: number[],
): Promise<void> {
  const chain = JSON.parse(await rm.jobChainJson(requestId)) as { adjacencyList: Record<string, string[]> };
  const logs = new Map((await rm.jobLogs(requestId)).map((l) => [l.jobId, l]));
  const parents = new Map<string, string[]>();
  for (const [from, tos] of Object.entries(chain.adjacencyList))
    for (const to of tos) parents.set(to, [...(parents.get(to) ?? []), from]);
  // Jobs made ready by the same try (the parent that finished last) were started in one loop.
  const batches = new Map<string, { ready: bigint; starts: bigint[] }>();
  for (const [child, ps] of parents) {
    const started = logs.get(child)?.startedAt;
    if (started === undefined) continue;
    let last = '';
    let ready = 0n;
    for (const p of ps) {
      const f = logs.get(p)?.finishedAt ?? 0n;
      if (f > ready) [ready, last] = [f, p];
    }
    const batch = batches.get(last) ?? { ready, starts: [] };
    batch.starts.push(started);
    batches.set(last, batch);
  }
  for (const { ready, starts } of batches.values()) {
    starts.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    let since = ready;
    for (const s of starts) {
      latency.push(Number(s - ready) / 1e6);
      overhead.push(Number(s - since) / 1e6);
      since = s;
    }
  }
}

function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

interface Created {
  id: string;
  totalJobs: number;
}

/** Creates one request over HTTP (R1), as a client does. */
async function create(engine: Engine, type: string, args: object): Promise<Created> {
  const res = await fetch(`${engine.rmUrl}/api/v1/requests`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ type, args }),
  });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`create ${type}: ${res.status} ${text}`);
  return JSON.parse(text) as Created;
}

/** Waits until every request finished COMPLETE; returns when each finished (ms since the epoch, the RM's clock). */
async function untilFinished(engine: Engine, created: Created[]): Promise<number[]> {
  const finishedAt = new Map<string, number>();
  while (finishedAt.size < created.length) {
    for (const { id } of created) {
      if (finishedAt.has(id)) continue;
      const r = await engine.rm.getRequest(id);
      if (r.finishedAt === null) continue;
      if (r.state !== STATE_COMPLETE) throw new Error(`request ${id} ended ${stateName(r.state)}`);
      finishedAt.set(id, Date.parse(r.finishedAt));
    }
    if (finishedAt.size < created.length) await new Promise((r) => setTimeout(r, 1));
  }
  return created.map((r) => finishedAt.get(r.id) as number);
}

/** Checks that every job of every request has its log stored and counts as finished. */
async function checkAllLogged(engine: Engine, created: Created[]): Promise<number> {
  let jobs = 0;
  for (const r of created) {
    const stored = (await engine.rm.jobLogs(r.id)).length;
    const { finishedJobs } = await engine.rm.getRequest(r.id);
    if (stored !== r.totalJobs || finishedJobs !== r.totalJobs) {
      throw new Error(`request ${r.id}: ${stored} logs, ${finishedJobs} finished of ${r.totalJobs} jobs`);
    }
    jobs += r.totalJobs;
  }
  return jobs;
}

/**
 * Creates requests over HTTP, waits until all finished; checks every log is stored. With
 * `dispatch`, also the dispatch figures.
 */
async function run(
  engine: Engine,
  type: string,
  argsList: object[],
  dispatch = true,
): Promise<{ jobs: number; seconds: number; cpu: { rm: number; jr: number }; latency: number[]; overhead: number[] }> {
  const cpu0 = cpuMs(engine);
  const t0 = performance.now();
  const created = await Promise.all(argsList.map((args) => create(engine, type, args)));
  await untilFinished(engine, created);
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = cpuMs(engine);
  const jobs = await checkAllLogged(engine, created);
  const latency: number[] = [];
  const overhead: number[] = [];
  if (!dispatch) engine.latency?.clear();
  else if (!engine.latency) for (const r of created) await dispatchFromLogs(engine.rm, r.id, latency, overhead);
  else {
    latency.push(...engine.latency.values());
    overhead.push(...engine.latency.overheadValues());
  }
  return { jobs, seconds, cpu: { rm: cpu1.rm - cpu0.rm, jr: cpu1.jr - cpu0.jr }, latency, overhead };
}

/** `stages` noop nodes one after the other, each a fan-out/fan-in over `items`. */
function stagesSpec(name: string, stages: number): string {
  const nodes = Array.from({ length: stages }, (_, i) =>
    i === 0
      ? `      s0: {category: job, type: noop, each: 'items:item'}`
      : `      s${i}: {category: job, type: noop, each: 'items:item', deps: [s${i - 1}]}`,
  );
  return `noop-node: {category: job, type: noop}
sequences:
  ${name}:
    args:
      required:
        - {name: items, desc: one noop job per element and stage}
    nodes:
${nodes.join('\n')}
`;
}

interface Row {
  scenario: string;
  mode: Mode;
  jobs: number;
  /** jobs/s of every round. */
  rates: number[];
  /** Dispatch latency p99 of every round. */
  roundP99: number[];
  /** CPU time per job (µs) of every round: the bench's process (the RM; in `server` mode the JR too), the JR's. */
  cpuRm: number[];
  cpuJr: number[];
  latency: number[];
  overhead: number[];
}

/**
 * `host304`: `hosts` fanned out, each host a sub-sequence (its start noop, one noop job, its
 * end noop: 3 jobs one after the other), inside the repeat's and the request's start and end:
 * 3 x 100 + 4 = 304 jobs for 100 hosts.
 */
const hostSpec = `sequences:
  host304:
    args:
      required:
        - {name: hosts, desc: host names}
    nodes:
      per-host:
        category: sequence
        type: host-step
        each: hosts:host
  host-step:
    args:
      required:
        - {name: host, desc: one host}
    nodes:
      check: {category: job, type: noop}
`;

/**
 * One request at a time, `rounds` times: from just before its create call to the finish the RM
 * stored (which it stores only after every job log of the request).
 */
async function latencyRounds(engine: Engine, type: string, args: object, rounds: number): Promise<LatencyRounds> {
  const r: LatencyRounds = { ms: [], cpuRm: [], cpuJr: [] };
  for (let round = 0; round < rounds; round++) {
    const cpu0 = cpuMs(engine);
    const t0 = Date.now();
    const created = await create(engine, type, args);
    const [finishedAt] = await untilFinished(engine, [created]);
    r.ms.push((finishedAt as number) - t0);
    const cpu1 = cpuMs(engine);
    r.cpuRm.push(cpu1.rm - cpu0.rm);
    r.cpuJr.push(cpu1.jr - cpu0.jr);
    await checkAllLogged(engine, [created]);
  }
  return r;
}

/** host304 by round: create -> finished (ms), and the CPU time (ms) each process used meanwhile. */
interface LatencyRounds {
  ms: number[];
  cpuRm: number[];
  cpuJr: number[];
}

const specs = tempDir({
  'host304.yaml': hostSpec,
  'wide.yaml': wideNoopSpec('wide'),
  'deep.yaml': deepNoopSpec('deep', DEEP_JOBS - 2),
  'stages.yaml': stagesSpec('stages', STAGES),
  'live.yaml': LIVE_SPEC,
});
const printer = printerScript(specs.dir);

interface LiveRow {
  mode: Mode;
  lines: number;
  /** Print -> readable (ms) of the lines printed while the engine had nothing else to do. */
  quiet: number[];
  /** …and of those printed while the wide chain ran. */
  busy: number[];
  /** Wide-chain runs: alone, beside the printing job unfollowed, and followed. */
  alone: WideRun[];
  unfollowed: WideRun[];
  followed: WideRun[];
  /** CPU time (ms) of each console process, start to end: beside the job unfollowed, and following it. */
  consoleCpu: { unfollowed: number[]; followed: number[] };
}
const liveRows: LiveRow[] = [];

/** One run of the wide chain: its jobs/s and the engine's CPU time per job (µs, RM + JR). */
interface WideRun {
  rate: number;
  cpuUs: number;
}
async function wideRun(engine: Engine): Promise<WideRun> {
  const r = await run(engine, 'wide', [{ items: items(WIDE_JOBS - 4) }], false);
  return { rate: r.jobs / r.seconds, cpuUs: ((r.cpu.rm + r.cpu.jr) * 1000) / r.jobs };
}
const medianRate = (runs: WideRun[]) => median(runs.map((r) => r.rate));
const medianCpu = (runs: WideRun[]) => median(runs.map((r) => r.cpuUs));

/** How long the printing job is followed on its own before the wide chain runs beside it. */
const QUIET_MS = 8000;
/**
 * Wide-chain runs per window, alone and beside the printing job: one run takes under a second
 * and its rate scatters by a third from run to run on a shared machine, more than the effect
 * measured. Four fit in the 12 s the job still prints after QUIET_MS.
 */
const LIVE_WIDE_RUNS = 4;
/** Wide runs thrown away first, while the engine's code warms up. */
const LIVE_WARMUP_RUNS = 3;

/**
 * The live scenario on one engine, ROUNDS times over: the wide chain alone; then beside the
 * printing job followed by nobody and beside it followed, each time after the job printed on its
 * own for QUIET_MS. Which of the two comes first alternates by round, so neither always runs
 * after the other's job; the rates and CPU figures are medians over every run.
 */
async function liveScenario(engine: Engine, mode: Mode): Promise<LiveRow> {
  const row: LiveRow = {
    mode,
    lines: 0,
    quiet: [],
    busy: [],
    alone: [],
    unfollowed: [],
    followed: [],
    consoleCpu: { unfollowed: [], followed: [] },
  };
  const runs = async (into: WideRun[]): Promise<void> => {
    for (let i = 0; i < LIVE_WIDE_RUNS; i++) into.push(await wideRun(engine));
  };
  for (let i = 0; i < LIVE_WARMUP_RUNS; i++) await wideRun(engine);
  for (let round = 0; round < ROUNDS; round++) {
    await runs(row.alone);
    for (const follow of round % 2 === 0 ? [false, true] : [true, false]) {
      let busyFrom = 0;
      let busyTo = 0;
      const beside = async (): Promise<void> => {
        await new Promise((r) => setTimeout(r, QUIET_MS));
        busyFrom = wallNow();
        await runs(follow ? row.followed : row.unfollowed);
        busyTo = wallNow();
      };
      const r = await printerBeside(engine.rmUrl, printer, follow, beside);
      row.consoleCpu[follow ? 'followed' : 'unfollowed'].push(r.cpuMs);
      if (!follow) continue;
      // Only a follower knows when the lines were printed.
      if (busyTo > r.printed.reduce((a, b) => Math.max(a, b), 0)) {
        process.stderr.write(
          `${mode} live: the wide chain ran on after the job stopped printing; its rate "beside" is flattered\n`,
        );
      }
      r.latencies.forEach((ms, i) => {
        const at = r.printed[i] as number;
        (at >= busyFrom && at <= busyTo ? row.busy : row.quiet).push(ms);
      });
      row.lines += r.lines;
    }
  }
  return row;
}

const allScenarios: Array<{ key: string; name: string; type: string; args: () => object[] }> = [
  { key: 'wide', name: `wide ${WIDE_JOBS}`, type: 'wide', args: () => [{ items: items(WIDE_JOBS - 4) }] },
  { key: 'deep', name: `deep ${DEEP_JOBS}`, type: 'deep', args: () => [{}] },
  {
    key: '100x300',
    name: `${CONCURRENT_REQUESTS} x ${JOBS_PER_REQUEST}`,
    type: 'wide',
    args: () => Array.from({ length: CONCURRENT_REQUESTS }, () => ({ items: items(JOBS_PER_REQUEST - 4) })),
  },
  {
    key: 'stages',
    name: `stages ${STAGES}x${STAGE_WIDTH}`,
    type: 'stages',
    args: () => [{ items: items(STAGE_WIDTH) }],
  },
];
const scenarios = allScenarios.filter((s) => SCENARIOS.includes(s.key));
const hostArgs = { hosts: Array.from({ length: HOSTS }, (_, i) => `host${i}`) };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const rows: Row[] = [];
/** host304: create -> finished (ms) of every round, by mode. */
const latencyRows: Array<{ mode: Mode } & LatencyRounds> = [];
const benchStart = performance.now();
try {
  for (const mode of MODES) {
    const data = tempDir();
    const engine = await start(mode, specs.dir, data.dir);
    try {
      // Warm-up (JIT, connections).
      await run(engine, 'wide', [{ items: items(2000) }]);
      await run(engine, 'deep', [{}]);
      for (const s of scenarios) {
        const row: Row = {
          scenario: s.name,
          mode,
          jobs: 0,
          rates: [],
          roundP99: [],
          cpuRm: [],
          cpuJr: [],
          latency: [],
          overhead: [],
        };
        for (let round = 0; round < ROUNDS; round++) {
          engine.latency?.clear();
          const r = await run(engine, s.type, s.args());
          row.jobs = r.jobs;
          row.rates.push(r.jobs / r.seconds);
          row.roundP99.push(percentile(r.latency, 99));
          row.cpuRm.push((r.cpu.rm * 1000) / r.jobs);
          row.cpuJr.push((r.cpu.jr * 1000) / r.jobs);
          // Dispatch figures pool every round.
          for (const v of r.latency) row.latency.push(v);
          for (const v of r.overhead) row.overhead.push(v);
        }
        rows.push(row);
        process.stderr.write(
          `${mode} ${s.name}: ${row.rates.map((x) => Math.round(x)).join(', ')} jobs/s; ` +
            `latency p99 by round ${row.roundP99.map((x) => x.toFixed(2)).join(', ')} ms; ` +
            `CPU µs/job RM ${row.cpuRm.map((x) => x.toFixed(0)).join(', ')}, JR ${row.cpuJr.map((x) => x.toFixed(0)).join(', ')}\n`,
        );
      }
      if (SCENARIOS.includes('host304')) {
        await latencyRounds(engine, 'host304', hostArgs, 5); // warm-up
        const r = await latencyRounds(engine, 'host304', hostArgs, LATENCY_ROUNDS);
        latencyRows.push({ mode, ...r });
        process.stderr.write(`${mode} host304: ${r.ms.join(', ')} ms\n`);
      }
      if (SCENARIOS.includes('live')) {
        const live = await liveScenario(engine, mode);
        liveRows.push(live);
        process.stderr.write(
          `${mode} live: ${live.lines} lines, p99 ${percentile(live.quiet, 99).toFixed(0)} ms ` +
            `(${percentile(live.busy, 99).toFixed(0)} ms beside the wide chain); wide ` +
            `${Math.round(medianRate(live.alone))} alone, ${Math.round(medianRate(live.unfollowed))} unfollowed, ` +
            `${Math.round(medianRate(live.followed))} followed\n`,
        );
      }
    } finally {
      await engine.close();
      data.remove();
    }
  }
} finally {
  specs.remove();
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
/** CPU figures are averaged: /proc counts the JR's in 10 ms ticks. */
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const table = [
  [
    'scenario',
    'mode',
    'jobs',
    'jobs/s (median)',
    'range',
    'vs 10k/s',
    'latency p50 ms',
    'p99 ms',
    'vs 2 ms',
    'overhead p50 ms',
    'p99 ms',
    'vs 2 ms',
    'CPU µs/job RM',
    'JR',
  ],
  ...rows.map((r) => {
    const perS = median(r.rates);
    const lat99 = percentile(r.latency, 99);
    const ovh99 = percentile(r.overhead, 99);
    return [
      r.scenario,
      r.mode,
      fmt(r.jobs),
      fmt(perS),
      `${fmt(Math.min(...r.rates))}-${fmt(Math.max(...r.rates))}`,
      `${fmt(perS / TARGET_JOBS_PER_S, 2)}x`,
      fmt(percentile(r.latency, 50), 3),
      fmt(lat99, 3),
      `${fmt(TARGET_P99_MS / lat99, 2)}x`,
      fmt(percentile(r.overhead, 50), 4),
      fmt(ovh99, 4),
      `${fmt(TARGET_P99_MS / ovh99, 0)}x`,
      fmt(mean(r.cpuRm)),
      r.mode === 'http' ? fmt(mean(r.cpuJr)) : '-',
    ];
  }),
];
const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
console.log(
  `\nEngine bench (Node ${process.version}, ${ROUNDS} round(s) per scenario, ${fmt((performance.now() - benchStart) / 1000, 0)} s)`,
);
console.log(
  `Targets: >= ${fmt(TARGET_JOBS_PER_S)} noop jobs/s; dispatch p99 < ${TARGET_P99_MS} ms. "vs" columns: ratio to the target, >= 1x meets it.`,
);
console.log(
  'latency = parent try returned -> child run() called (includes waiting for the siblings started before it);',
);
console.log(
  'overhead = the cost of that one dispatch (from the ready time or the previous sibling start -> run() called).\n',
);
for (const row of table)
  console.log(row.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));

const hostJobs = 3 * HOSTS + 4;
const latencyCells = (r: { mode: Mode } & LatencyRounds) => {
  const p50 = percentile(r.ms, 50);
  return [
    `host${hostJobs}`,
    r.mode,
    String(r.ms.length),
    `${fmt(p50)} ms`,
    `${fmt(percentile(r.ms, 99))} ms`,
    `${fmt(Math.min(...r.ms))}–${fmt(Math.max(...r.ms))} ms`,
    `${fmt(TARGET_HOST304_MS / p50, 2)}x`,
    r.mode === 'http' ? `${fmt(mean(r.cpuRm), 1)} / ${fmt(mean(r.cpuJr), 1)} ms` : `${fmt(mean(r.cpuRm), 1)} ms (both)`,
  ];
};
if (latencyRows.length > 0) {
  console.log(
    `\n${HOSTS} hosts x 3 jobs (${hostJobs} jobs), one request at a time: create -> finished with every job log stored.`,
  );
  console.log(`Target: median <= ${TARGET_HOST304_MS} ms.\n`);
  for (const r of latencyRows) {
    const [, mode, n, p50, p99, range, vs, cpu] = latencyCells(r);
    console.log(
      `${mode!.padEnd(6)}  rounds ${n}  median ${p50}  p99 ${p99}  range ${range}  vs ${TARGET_HOST304_MS} ms ${vs}  CPU ${cpu}`,
    );
  }
}

/** A rate against another, signed: "-3.1 %" is slower. */
const change = (rate: number, base: number) =>
  `${rate >= base ? '+' : '−'}${fmt(Math.abs(rate / base - 1) * 100, 1)} %`;
const liveTable = [
  [
    'mode',
    'lines read',
    'print -> readable p50 / p99 / max',
    'vs 1 s',
    'p99 beside the wide chain',
    'wide jobs/s alone',
    'beside the job',
    'beside it, followed',
    'followed vs not (vs alone)',
    'engine CPU per job: not / followed',
    'console CPU: not / followed',
  ],
  ...liveRows.map((r) => {
    const p99 = percentile(r.quiet, 99);
    return [
      r.mode,
      `${fmt(r.lines)} of ${fmt(LIVE_LINES * ROUNDS)}`,
      `${fmt(percentile(r.quiet, 50))} / ${fmt(p99)} / ${fmt(percentile(r.quiet, 100))} ms`,
      `${fmt(TARGET_LIVE_P99_MS / p99, 1)}x`,
      `${fmt(percentile(r.busy, 99))} ms`,
      fmt(medianRate(r.alone)),
      fmt(medianRate(r.unfollowed)),
      fmt(medianRate(r.followed)),
      `${change(medianRate(r.followed), medianRate(r.unfollowed))} (${change(medianRate(r.followed), medianRate(r.alone))})`,
      `${fmt(medianCpu(r.unfollowed))} / ${fmt(medianCpu(r.followed))} µs`,
      `${fmt(median(r.consoleCpu.unfollowed) / 1000, 1)} / ${fmt(median(r.consoleCpu.followed) / 1000, 1)} s`,
    ];
  }),
];
if (liveRows.length > 0) {
  console.log(
    `\nLive output: a job printing ${fmt(LIVE_LINES)} lines (5,000 a second) followed by the console while the wide chain runs` +
      ` (jobs/s: median of ${LIVE_WIDE_RUNS * ROUNDS} runs each).`,
  );
  console.log(
    `Targets: p99 print -> readable <= ${TARGET_LIVE_P99_MS} ms; the wide chain followed loses <= ${TARGET_LIVE_DROP * 100} % against the same job unfollowed.\n`,
  );
  const w = liveTable[0]!.map((_, c) => Math.max(...liveTable.map((row) => row[c]!.length)));
  for (const row of liveTable)
    console.log(row.map((cell, c) => (c < 1 ? cell.padEnd(w[c]!) : cell.padStart(w[c]!))).join('  '));
}

if (writeDocsRequested()) {
  // Only the tables this run measured: BENCH_SCENARIOS=live leaves the jobs/s table as it was.
  if (rows.length > 0)
    await writeBenchDocs({
      id: 'engine',
      command: 'npm run bench:engine',
      columns: [
        'scenario',
        'mode',
        'jobs/s (median, range)',
        'vs 10,000/s',
        'latency p50 / p99',
        'overhead p99',
        'CPU per job: RM / JR',
      ],
      rows: rows.map((r) => [
        r.scenario,
        r.mode,
        `${fmt(median(r.rates))} (${fmt(Math.min(...r.rates))}–${fmt(Math.max(...r.rates))})`,
        `${fmt(median(r.rates) / TARGET_JOBS_PER_S, 2)}x`,
        `${fmt(percentile(r.latency, 50), 3)} / ${fmt(percentile(r.latency, 99), 3)} ms`,
        `${fmt(percentile(r.overhead, 99) * 1000, 1)} µs`,
        r.mode === 'http' ? `${fmt(mean(r.cpuRm))} / ${fmt(mean(r.cpuJr))} µs` : `${fmt(mean(r.cpuRm))} µs (both)`,
      ]),
    });
  if (latencyRows.length > 0) {
    await writeBenchDocs({
      id: 'engine-latency',
      command: 'npm run bench:engine',
      columns: [
        'chain',
        'mode',
        'rounds',
        'median',
        'p99',
        'range',
        `vs ${TARGET_HOST304_MS} ms`,
        'CPU per request: RM / JR',
      ],
      rows: latencyRows.map(latencyCells),
    });
  }
  if (liveRows.length > 0) {
    await writeBenchDocs({
      id: 'engine-live',
      command: 'npm run bench:engine',
      columns: liveTable[0] as string[],
      rows: liveTable.slice(1),
    });
  }
}
