// Benchmark of the console cache (a real SQLite file in a temp folder): ingesting job logs,
// full-text search over 1 GB of cached log text, and listing 100,000 cached requests filtered
// by state. Prints figures and the ratio to each target. Run: npm run bench:cache
// (SPINCYCLE_BENCH_GB=0.2 for a quicker, smaller run; --write-docs puts the figures in
// docs/benchmarks.md).

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Cache } from '../src-main/console/cache/cache';
import { STATE_COMPLETE, STATE_FAIL, STATE_RUNNING, type JobLog, type Request } from '../src-main/shared/proto';
import { writeBenchDocs, writeDocsRequested } from './docs-writer';

const dir = mkdtempSync(path.join(tmpdir(), 'sc-bench-cache-'));
const cache = new Cache(path.join(dir, 'cache.db'));

// A deterministic pseudo-random source, so every run indexes the same text.
let seed = 42;
const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;

const WORDS = Array.from({ length: 20_000 }, (_, i) => `w${i.toString(36)}`);
const COMMON = [
  'error',
  'warning',
  'connection',
  'refused',
  'timeout',
  'started',
  'finished',
  'host',
  'service',
  'restart',
];
const LINES = Array.from({ length: 5000 }, () => {
  const n = 6 + Math.floor(rand() * 12);
  return Array.from({ length: n }, () => (rand() < 0.3 ? pick(COMMON) : pick(WORDS))).join(' ');
});
function text(bytes: number): string {
  const out: string[] = [];
  let size = 0;
  while (size < bytes) {
    const line = pick(LINES);
    out.push(line);
    size += line.length + 1;
  }
  return out.join('\n');
}

const log = (requestId: string, jobId: string, stdout: string, stderr = ''): JobLog => ({
  requestId,
  jobId,
  try: 1,
  type: 'shell',
  startedAt: 1795816285172551555n,
  finishedAt: 1795816285272551555n,
  state: STATE_COMPLETE,
  exit: 0,
  error: '',
  stdout,
  stderr,
});

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
};
const rows: Array<[string, string, string, string]> = [];
const report = (what: string, figure: string, target: string, ratio: number) =>
  rows.push([what, figure, target, `${ratio.toFixed(2)}x ${ratio >= 1 ? 'OK' : 'BELOW'}`]);

// 1. Ingest 100,000 job logs (small, typical: a few lines each), in batches as the sync does.
{
  const N = 100_000;
  const batch = 1000;
  const small = Array.from({ length: 200 }, () => text(300));
  const t0 = performance.now();
  for (let i = 0; i < N; i += batch) {
    const logs: JobLog[] = [];
    for (let j = i; j < i + batch; j++)
      logs.push(log(`ingest${Math.floor(j / 300)}`, `job@${j % 300}`, small[j % 200] as string));
    cache.putJobLogs('bench', logs);
  }
  const s = (performance.now() - t0) / 1000;
  const rate = N / s;
  report(
    'ingest 100,000 job logs',
    `${Math.round(rate).toLocaleString('en')} logs/s (${s.toFixed(2)} s)`,
    '>= 100,000 logs/s',
    rate / 100_000,
  );
  // The full-text index follows in the background (Cache.indexPending); measured apart.
  const t1 = performance.now();
  const indexed = cache.indexPending();
  const is = (performance.now() - t1) / 1000;
  rows.push([
    '  then index them (background)',
    `${Math.round(indexed / is).toLocaleString('en')} logs/s (${is.toFixed(2)} s)`,
    '-',
    '-',
  ]);
}

// 2. Full-text search over ~1 GB of cached log text.
{
  const gb = Number(process.env.SPINCYCLE_BENCH_GB ?? '1');
  const target = gb * 1024 ** 3;
  const per = 16 * 1024;
  const pool = Array.from({ length: 64 }, () => text(per));
  const t0 = performance.now();
  let bytes = 0;
  let n = 0;
  while (bytes < target) {
    const logs: JobLog[] = [];
    for (let j = 0; j < 500; j++, n++) {
      const body = pool[n % pool.length] as string;
      // A unique marker per log so rare-term searches have exactly one hit.
      logs.push(log(`big${Math.floor(n / 300)}`, `job@${n % 300}`, `${body}\nmarker${n}`));
      bytes += body.length;
    }
    cache.putJobLogs('bench', logs);
    cache.indexPending();
  }
  const ingestS = (performance.now() - t0) / 1000;
  const fileMb = statSync(path.join(dir, 'cache.db')).size / 1024 ** 2;
  rows.push([
    `index ${(bytes / 1024 ** 3).toFixed(2)} GB of log text`,
    `${(bytes / 1024 ** 2 / ingestS).toFixed(0)} MB/s (${ingestS.toFixed(1)} s, file ${fileMb.toFixed(0)} MB)`,
    '-',
    '-',
  ]);
  const queries = [
    ...COMMON,
    ...COMMON.map((w, i) => `${w} ${COMMON[(i + 3) % COMMON.length]}`),
    ...Array.from({ length: 40 }, () => pick(WORDS)),
    ...Array.from({ length: 40 }, () => `marker${Math.floor(rand() * n)}`),
  ];
  const times: number[] = [];
  let hits = 0;
  for (const q of queries) {
    const t = performance.now();
    hits += cache.searchLogs(q, 0, 50).length;
    times.push(performance.now() - t);
  }
  const p95 = percentile(times, 95);
  report(
    `search ${queries.length} queries (${hits} hits)`,
    `p50 ${percentile(times, 50).toFixed(1)} ms, p95 ${p95.toFixed(1)} ms`,
    'p95 < 50 ms',
    50 / p95,
  );
}

// 3. List 100,000 cached requests filtered by state.
{
  const states = [STATE_COMPLETE, STATE_COMPLETE, STATE_COMPLETE, STATE_FAIL, STATE_RUNNING];
  cache.db.transaction(() => {
    for (let i = 0; i < 100_000; i++) {
      const r: Request = {
        id: i.toString(16).padStart(32, '0'),
        type: pick(['restart-service', 'backup-db', 'rolling-restart', 'hello']),
        state: states[i % states.length] as number,
        user: pick(['alice', 'bob', 'carol']),
        createdAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
        startedAt: null,
        finishedAt: null,
        totalJobs: 300,
        finishedJobs: 300,
      };
      cache.putRequest('list', r);
    }
  })();
  const times: number[] = [];
  for (const offset of [0, 100, 10_000, 50_000, 59_900]) {
    for (let k = 0; k < 20; k++) {
      const t = performance.now();
      const page = cache.listRequests({ context: 'list', states: [STATE_COMPLETE] }, offset, 100);
      times.push(performance.now() - t);
      if (page.total !== 60_000) throw new Error(`expected 60,000 COMPLETE requests, got ${page.total}`);
    }
  }
  const p95 = percentile(times, 95);
  report(
    'list page of 100,000 requests by state',
    `p50 ${percentile(times, 50).toFixed(2)} ms, p95 ${p95.toFixed(2)} ms`,
    'page < 10 ms',
    10 / p95,
  );
}

cache.close();
rmSync(dir, { recursive: true, force: true });

const widths = [0, 1, 2, 3].map((c) =>
  Math.max(...[['what', 'figure', 'target', 'ratio'], ...rows].map((r) => r[c]!.length)),
);
const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] as number)).join('  ');
console.log(`\ncache bench (${new Date().toISOString().slice(0, 10)}, node ${process.versions.node})`);
console.log(line(['what', 'figure', 'target', 'ratio']));
for (const r of rows) console.log(line(r));
if (writeDocsRequested()) {
  const columns = ['what', 'figure', 'target', 'ratio'];
  await writeBenchDocs({
    id: 'cache',
    command: 'npm run bench:cache',
    columns,
    rows: rows.map((r) => r.map((c) => c.trim())),
  });
}
