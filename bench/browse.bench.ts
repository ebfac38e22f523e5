// Browse bench (`npm run bench:browse`): the console paging through a server's whole history.
// Our engine (`spincycle server` in this process, its database seeded with 100,000 finished
// requests) answers `GET /api/v1/requests`; the console's RequestBrowser reads it over HTTP as
// the requests list does: the first page of 200 with the list's total (v2 has no count: found
// with one-request finds), pages deep in the list, and the same with a state filter and an arg
// filter. Each figure is the median of ROUNDS (range min-max), each round with a fresh browser.
// Targets: a page in under 100 ms; the first page with its total in under 500 ms.
// BENCH_REQUESTS=100000 BENCH_ROUNDS=5 select; --write-docs puts the figures in docs/benchmarks.md.

import path from 'node:path';
import { RequestState } from '../src-main/shared/console-model';
import { encodeCreateRequestParams, encodeJobChain } from '../src-main/shared/proto';
import { connectRm } from '../src-main/console/client/connection';
import { RequestBrowser, type ServerFilter } from '../src-main/console/sync/request-browser';
import { silentLogger } from '../src-main/engine/log';
import { DATABASE_FILE, startEngine } from '../src-main/engine/server';
import { SqliteStore } from '../src-main/engine/store/store';
import { tempDir } from '../test/support/engine/integration/test-engine';
import { writeBenchDocs, writeDocsRequested } from './docs-writer';

const N = Number(process.env.BENCH_REQUESTS ?? 100_000);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
const PAGE = 200;
const TARGET_PAGE_MS = 100;
const TARGET_FIRST_MS = 500;
const TYPES = ['deploy', 'backup', 'restart', 'migrate'];

const data = tempDir();
{
  const store = new SqliteStore(path.join(data.dir, DATABASE_FILE));
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  for (let i = 0; i < N; i++) {
    const id = `bench${String(i).padStart(27, '0')}`;
    const type = TYPES[i % TYPES.length] as string;
    const created = t0 + i * 10_000;
    await store.insertRequest(
      {
        id,
        type,
        state: i % 10 === 7 ? RequestState.FAIL : RequestState.COMPLETE,
        user: `user${i % 50}`,
        createdAt: created,
        startedAt: created + 100,
        finishedAt: created + 5000,
        totalJobs: 3,
        finishedJobs: 3,
      },
      encodeCreateRequestParams({ Type: type, Args: { host: `web${i % 500}` }, User: `user${i % 50}` }),
      encodeJobChain({ requestId: id, jobs: {}, adjacencyList: {}, state: RequestState.COMPLETE }),
    );
  }
  await store.close();
}

const engine = await startEngine({
  specsDir: path.resolve(import.meta.dirname, '../resources/specs'),
  dataDir: data.dir,
  rmAddr: '127.0.0.1:0',
  jrAddr: '127.0.0.1:0',
  logger: silentLogger,
});
const api = await connectRm({ baseUrl: engine.rmUrl });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const fmt = (xs: number[]) =>
  `${median(xs).toFixed(1)} ms (${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)})`;
const rows: string[][] = [];

async function measure(what: string, filter: ServerFilter, offsets: number[]): Promise<void> {
  const first: number[] = [];
  const deep: number[] = [];
  let total = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const browser = new RequestBrowser(api);
    let t = performance.now();
    total = (await browser.page(filter, 0, PAGE)).total;
    first.push(performance.now() - t);
    for (const offset of offsets.filter((o) => o < total)) {
      t = performance.now();
      const page = await browser.page(filter, offset, PAGE);
      deep.push(performance.now() - t);
      if (page.items.length === 0) throw new Error(`${what}: no rows at offset ${offset} of ${total}`);
    }
  }
  const ratio = (target: number, xs: number[]) => {
    const r = target / median(xs);
    return `${r.toFixed(2)}x ${r >= 1 ? 'OK' : 'BELOW'}`;
  };
  rows.push([
    `${what}: first page + total (${total.toLocaleString('en')})`,
    fmt(first),
    `< ${TARGET_FIRST_MS} ms`,
    ratio(TARGET_FIRST_MS, first),
  ]);
  if (deep.length) {
    rows.push([
      `${what}: a page at ${offsets.map((o) => o.toLocaleString('en')).join(', ')}`,
      fmt(deep),
      `< ${TARGET_PAGE_MS} ms`,
      ratio(TARGET_PAGE_MS, deep),
    ]);
  }
}

try {
  const deep = [Math.floor(N / 2), N - PAGE];
  await measure('every request', {}, deep);
  await measure('state FAIL', { states: [RequestState.FAIL] }, [Math.floor(N / 20)]);
  await measure('type deploy', { type: 'deploy' }, [Math.floor(N / 8)]);
  await measure(
    'last 7 days (created since)',
    { createdSinceMs: Date.parse('2026-01-01T00:00:00Z') + (N - 60_480) * 10_000 },
    [],
  );
  console.log(`Browsing ${N.toLocaleString('en')} requests on our RM over HTTP (pages of ${PAGE}, ${ROUNDS} rounds):`);
  for (const r of rows) console.log(`  ${r[0]}: ${r[1]} (target ${r[2]}, ${r[3]})`);
  if (writeDocsRequested()) {
    await writeBenchDocs({
      id: 'browse',
      command: 'npm run bench:browse',
      columns: ['what', 'figure', 'target', 'ratio'],
      rows,
    });
  }
} finally {
  api.close();
  await engine.close();
  data.remove();
}
