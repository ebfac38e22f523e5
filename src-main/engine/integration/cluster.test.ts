// Several RMs and JRs on one MariaDB database, as real `spincycle rm` and `spincycle jr`
// processes (test/support/engine/integration/cluster.ts) on a real mariadbd
// (test/support/mariadb.ts):
// - a JR killed with kill -9 mid-chain, then an RM: the request completes on the others, each
//   job with exactly one COMPLETE try, the interrupted try logged, nothing left RUNNING;
// - a JR stopped with SIGTERM: no new job starts, the running one finishes within the grace or
//   is stopped after it, the chain is handed back and resumed on the other JR without running a
//   completed job again;
// - a JR that stops answering (SIGSTOP) and comes back late: the chain was resumed elsewhere, its
//   late posts are refused and it drops the chain;
// - a chain of 10,003 jobs (far beyond the original's 64 KB) stored and run.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { STATE_COMPLETE, STATE_FAIL, STATE_RUNNING, STATE_STOPPED, type JobLog } from '../../shared/proto';
import { startCluster, type Cluster } from '../../../test/support/engine/integration/cluster';
import { RmClient } from '../../../test/support/engine/integration/rm-client';
import { items, tempDir, wideNoopSpec } from '../../../test/support/engine/integration/test-engine';
import { startMariadb, type TestMariadb } from '../../../test/support/mariadb';

/** `steps`: n sleeps one after the other, `pause` seconds each, between a fan-out of two. */
const SPECS = `noop-node: {category: job, type: noop}
sequences:
  steps:
    args:
      required:
        - {name: pause, desc: seconds each step sleeps}
    nodes:
${Array.from({ length: 8 }, (_, i) =>
  [
    `      s${i + 1}:`,
    `        category: job`,
    `        type: sleep`,
    `        args: [{expected: seconds, given: pause}]`,
    ...(i > 0 ? [`        deps: [s${i}]`] : []),
  ].join('\n'),
).join('\n')}
`;

let db: TestMariadb;
let specs: ReturnType<typeof tempDir>;
let cluster: Cluster | undefined;
beforeAll(async () => {
  specs = tempDir({ 'steps.yaml': SPECS, 'wide.yaml': wideNoopSpec('wide') });
  db = await startMariadb();
}, 120_000);
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});
afterAll(async () => {
  await db?.stop();
  specs.remove();
});

async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`still not ${what} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The run record of a request, read from the database the RMs share. */
async function run(dbName: string, id: string): Promise<{ jr_url: string; epoch: number }> {
  const rows = await db.query<Array<{ jr_url: string; epoch: number }>>(
    `SELECT jr_url, epoch FROM \`${dbName}\`.request_runs WHERE request_id = ?`,
    [id],
  );
  return rows[0] as { jr_url: string; epoch: number };
}

/** Every job of the chain has exactly one COMPLETE try. */
function completeOnce(logs: JobLog[], jobIds: string[]): void {
  const completes = new Map<string, number>();
  for (const l of logs) if (l.state === STATE_COMPLETE) completes.set(l.jobId, (completes.get(l.jobId) ?? 0) + 1);
  expect(Object.fromEntries(jobIds.map((id) => [id, completes.get(id) ?? 0]))).toEqual(
    Object.fromEntries(jobIds.map((id) => [id, 1])),
  );
}

async function newCluster(grace?: string) {
  const url = await db.createDatabase();
  cluster = await startCluster({ rms: 2, jrs: 2, specsDir: specs.dir, db: url, ...(grace ? { grace } : {}) });
  const dbName = new URL(url).pathname.slice(1);
  const [a, b] = cluster.rms.map((p) => new RmClient(p.url)) as [RmClient, RmClient];
  return { cluster, dbName, a, b };
}

/** A cluster running a `steps` request (`pause` s a step) with `done` jobs logged; the JR running it. */
async function midChain(opts: { pause: number; done: number; grace?: string }) {
  const c = await newCluster(opts.grace);
  const r = await c.a.create('steps', { pause: opts.pause });
  const jobIds = Object.keys((await c.a.chain(r.id)).jobs);
  await until(`${opts.done} jobs done`, async () => (await c.b.get(r.id)).finishedJobs >= opts.done);
  const first = await run(c.dbName, r.id);
  const jr = c.cluster.jrs.find((j) => j.url === first.jr_url);
  if (!jr) throw new Error(`no JR of the cluster at ${first.jr_url}`);
  return { ...c, r, jobIds, first, jr };
}

describe('a cluster on MariaDB: 2 RMs, 2 JRs', () => {
  it('kill -9 of a JR mid-chain, then of an RM: the request completes, each job COMPLETE once', async () => {
    const { cluster, dbName, b, r, jobIds, first, jr } = await midChain({ pause: 0.4, done: 3 });
    await jr.kill();

    // Resumed on the other JR, within seconds.
    const moved = await until('resumed on the other JR', async () => {
      const now = await run(dbName, r.id);
      return now.jr_url !== first.jr_url && now.jr_url !== null && now;
    });
    expect(moved.epoch).toBeGreaterThan(first.epoch);
    await cluster.rms[0]?.kill();

    const done = await b.waitDone(r.id, 30_000);
    expect(done).toMatchObject({ state: STATE_COMPLETE, finishedJobs: r.totalJobs });
    const logs = await b.logs(r.id);
    completeOnce(logs, jobIds);
    // The try the dead JR was running is logged, and ran again to COMPLETE. (The RM killed may
    // have been handing the chain over: it had named the JR it chose, which never got the chain,
    // so the RM left resumes it again, naming that JR as the one lost.)
    const interrupted = logs.filter((l) => l.error.startsWith('interrupted:'));
    expect(interrupted.length).toBeGreaterThanOrEqual(1);
    expect(interrupted.every((l) => cluster.jrs.some((j) => l.error.includes(`job runner ${j.url} was lost`)))).toBe(
      true,
    );
    for (const l of interrupted) {
      expect(l).toMatchObject({ state: STATE_FAIL, exit: -1 });
      const later = logs.filter((again) => again.jobId === l.jobId && again.try > l.try);
      expect(later.some((again) => again.state === STATE_COMPLETE)).toBe(true);
    }
    // Nothing stays RUNNING: not the request, not a job on the JR that is left.
    expect((await b.call('GET', '/api/v1/status/running')).text).toBe('{}');
    expect((await b.status(r.id)).jobChainStatus.jobStatuses?.map((j) => j.state)).toEqual(
      jobIds.map(() => STATE_COMPLETE),
    );
  });

  it('SIGTERM of a JR: the running job finishes within the grace, the chain is resumed elsewhere', async () => {
    const { dbName, a, r, jobIds, first, jr } = await midChain({ pause: 0.5, done: 2, grace: '5s' });
    expect(await jr.terminate()).toBe(0);
    expect(jr.output()).toMatch(/shutting down: no new job starts/);
    const done = await a.waitDone(r.id, 30_000);
    expect(done).toMatchObject({ state: STATE_COMPLETE, finishedJobs: r.totalJobs });
    const logs = await a.logs(r.id);
    completeOnce(logs, jobIds);
    // Handed back with nothing interrupted: every job ran once.
    expect(logs.filter((l) => l.state !== STATE_COMPLETE)).toEqual([]);
    expect((await run(dbName, r.id)).jr_url).not.toBe(first.jr_url);
  });

  it('SIGTERM with a short grace: the running job is stopped, logged STOPPED, and runs again elsewhere', async () => {
    const { a, r, jobIds, jr } = await midChain({ pause: 1.5, done: 2, grace: '200ms' });
    await jr.terminate();
    const done = await a.waitDone(r.id, 40_000);
    expect(done.state).toBe(STATE_COMPLETE);
    const logs = await a.logs(r.id);
    completeOnce(logs, jobIds);
    const stopped = logs.filter((l) => l.state === STATE_STOPPED);
    expect(stopped).toHaveLength(1);
    expect(logs.find((l) => l.jobId === stopped[0]?.jobId && l.try === (stopped[0]?.try ?? 0) + 1)?.state).toBe(
      STATE_COMPLETE,
    );
  });

  it('a 10,003-job chain is stored and runs', async () => {
    const { a, b } = await newCluster();
    const r = await a.create('wide', { items: items(9_999) });
    expect(r.totalJobs).toBe(10_003);
    expect((await b.chain(r.id)).jobs).toHaveProperty(['sequence_wide_end@2']);
    const done = await b.waitDone(r.id, 120_000, 200);
    expect(done).toMatchObject({ state: STATE_COMPLETE, finishedJobs: 10_003 });
    expect(await a.logs(r.id)).toHaveLength(10_003);
  });

  it('a JR that stops answering and comes back late: its posts are refused and it drops the chain', async () => {
    const { dbName, a, r, jobIds, first, jr: late } = await midChain({ pause: 0.4, done: 2 });
    late.freeze();
    await until('resumed on the other JR', async () => (await run(dbName, r.id)).jr_url !== first.jr_url);
    late.thaw();
    const done = await a.waitDone(r.id, 30_000);
    expect(done.state).toBe(STATE_COMPLETE);
    completeOnce(await a.logs(r.id), jobIds);
    await until('the late JR dropped the chain', async () =>
      late.output().includes('the request manager gave the chain to another job runner; dropping it'),
    );
    const held = await fetch(`${first.jr_url}/api/v1/job-chains/${r.id}/status`);
    expect(held.status).toBe(404);
    expect((await a.get(r.id)).state).not.toBe(STATE_RUNNING);
  });
});
