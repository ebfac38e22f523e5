// Cluster bench (`npm run bench:cluster`): Spin Cycle as a team runs it, on loopback. A real
// MariaDB (test/support/mariadb.ts), 2 `spincycle rm` and 3 `spincycle jr` processes
// (test/support/engine/integration/cluster.ts); 200 requests of 50 jobs each (24 stages of a
// noop and a 0.2 s sleep, between the request's start and end noops), created through either RM
// as a load balancer would. Mid-run one JR and then one RM (the one holding the background
// lease) are killed with kill -9. Then, from the database:
// - completed: requests COMPLETE with all 50 jobs;
// - lost: requests created but not COMPLETE (or not stored at all);
// - doubled: jobs with more than one COMPLETE try;
// - stuck: requests still RUNNING a minute after the last create;
// - from the JR's death to each of its chains running again (the RMs' `chain resumed` lines),
//   p50 and p99 (target p99 < 5 s);
// - jobs/s, first create to last finish, against the same 200 requests on one `spincycle server`
//   (SQLite, no kills).
// BENCH_REQUESTS sets the number of requests; BENCH_KEEP_LOGS=DIR keeps every process's log
// lines there; --write-docs puts the figures in docs/benchmarks.md.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { STATE_COMPLETE, STATE_RUNNING } from '../src-main/shared/proto';
import { startCluster } from '../test/support/engine/integration/cluster';
import { RmClient } from '../test/support/engine/integration/rm-client';
import { serverArgs, spawnCli, tempDir, crash } from '../test/support/engine/integration/test-engine';
import { startMariadb } from '../test/support/mariadb';
import { writeBenchDocs, writeDocsRequested } from './docs-writer';

const REQUESTS = Math.max(1, Number(process.env.BENCH_REQUESTS ?? 200));
const STAGES = 24;
const SLEEP_S = 0.2;
const JOBS = 2 + 2 * STAGES;
const CREATES_IN_FLIGHT = 16;
const KILL_JR_AFTER_MS = 2500;
const KILL_RM_AFTER_MS = 8500;
const STUCK_AFTER_MS = 60_000;
const TARGET_P99_MS = 5000;

/** 24 stages one after the other, each a noop and a 0.2 s sleep side by side. */
function stagesSpec(): string {
  const nodes: string[] = [];
  for (let i = 0; i < STAGES; i++) {
    const deps = i === 0 ? '' : `, deps: [noop${i - 1}, sleep${i - 1}]`;
    nodes.push(`      noop${i}: {category: job, type: noop${deps}}`);
    nodes.push(`      sleep${i}: {category: job, type: sleep, args: [{expected: seconds, value: ${SLEEP_S}}]${deps}}`);
  }
  return `noop-node: {category: job, type: noop}\nsequences:\n  stages:\n    nodes:\n${nodes.join('\n')}\n`;
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Creates `n` requests, `CREATES_IN_FLIGHT` at a time, through the RMs in turn; an RM that does not answer is skipped. */
async function createAll(rms: RmClient[], n: number, down: Set<RmClient>): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      for (let attempt = 0; ; attempt++) {
        const rm = rms[(i + attempt) % rms.length] as RmClient;
        if (down.has(rm) && attempt < rms.length) continue;
        try {
          ids.push((await rm.create('stages')).id);
          break;
        } catch (err) {
          if (attempt > 20) throw err;
          down.add(rm);
          await sleep(50);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: CREATES_IN_FLIGHT }, worker));
  return ids;
}

/** The same requests on one `spincycle server`: jobs/s. */
async function singleServer(specsDir: string): Promise<number> {
  const data = tempDir();
  const { child, started } = spawnCli(serverArgs(specsDir, data.dir), /engine started rm=(\S+)/);
  try {
    const rm = new RmClient((await started)[1] as string);
    const t0 = performance.now();
    const ids = await createAll([rm], REQUESTS, new Set());
    for (const id of ids) {
      const r = await rm.waitDone(id, 300_000, 100);
      if (r.state !== STATE_COMPLETE) throw new Error(`spincycle server: request ${id} ended ${r.state}`);
    }
    return (REQUESTS * JOBS) / ((performance.now() - t0) / 1000);
  } finally {
    await crash(child);
    data.remove();
  }
}

interface Tally {
  completed: number;
  lost: number;
  doubled: number;
  stuck: number;
  jobsPerS: number;
  resumeMs: number[];
  heldByKilledJr: number;
  /** Chains of the killed JR neither resumed nor COMPLETE. */
  notResumed: number;
}

async function clusterRun(specsDir: string): Promise<Tally> {
  const db = await startMariadb();
  const url = await db.createDatabase();
  const dbName = new URL(url).pathname.slice(1);
  const cluster = await startCluster({ rms: 2, jrs: 3, specsDir, db: url });
  try {
    const rms = cluster.rms.map((p) => new RmClient(p.url));
    const down = new Set<RmClient>();
    const t0 = performance.now();
    let jrKilledAt = 0;
    let held: string[] = [];
    const kills = (async () => {
      await sleep(KILL_JR_AFTER_MS);
      const victim = cluster.jrs[0];
      // The chains it runs at the moment it dies.
      const rows = await db.query<Array<{ request_id: string }>>(
        `SELECT u.request_id FROM \`${dbName}\`.request_runs u JOIN \`${dbName}\`.requests r ON r.id = u.request_id
         WHERE u.jr_url = ? AND r.state = ?`,
        [victim?.url, STATE_RUNNING],
      );
      jrKilledAt = Date.now();
      await victim?.kill();
      held = rows.map((r) => r.request_id);
      process.stderr.write(`killed JR ${victim?.url} (kill -9) holding ${held.length} chains\n`);
      await sleep(KILL_RM_AFTER_MS - KILL_JR_AFTER_MS);
      await cluster.rms[0]?.kill();
      down.add(rms[0] as RmClient);
      process.stderr.write(`killed RM ${cluster.rms[0]?.url} (kill -9)\n`);
    })();
    const ids = await createAll(rms, REQUESTS, down);
    process.stderr.write(`created ${ids.length} requests in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    await kills;

    // Until every request has ended, or the stuck timeout.
    const q = (sql: string, values: unknown[] = []) => db.query<Array<Record<string, number>>>(sql, values);
    const deadline = Date.now() + STUCK_AFTER_MS;
    let running = ids.length;
    while (Date.now() < deadline) {
      [{ n: running = 0 } = { n: 0 }] = await q(
        `SELECT COUNT(*) AS n FROM \`${dbName}\`.requests WHERE id IN (?) AND state = ?`,
        [ids, STATE_RUNNING],
      );
      if (running === 0) break;
      await sleep(100);
    }
    const [{ last = 0 } = {}] = await q(`SELECT MAX(finished_at) AS last FROM \`${dbName}\`.requests`);
    const seconds = (Number(last) - (Date.now() - (performance.now() - t0))) / 1000;
    // The requests whose create was answered (a create whose answer was lost with its RM may
    // have been stored too, and retried: that one runs as well, and is not counted).
    const [{ n: completed = 0 } = {}] = await q(
      `SELECT COUNT(*) AS n FROM \`${dbName}\`.requests WHERE id IN (?) AND state = ? AND finished_jobs = ?`,
      [ids, STATE_COMPLETE, JOBS],
    );
    const [{ n: doubled = 0 } = {}] = await q(
      `SELECT COUNT(*) AS n FROM (SELECT request_id, job_id FROM \`${dbName}\`.job_logs WHERE state = ?
       GROUP BY request_id, job_id HAVING COUNT(*) > 1) d`,
      [STATE_COMPLETE],
    );
    // From the JR's death to each of its chains running again: resumed, or (a create the JR was
    // taking when it died) started on another JR.
    const resumedAt = new Map<string, number>();
    const again = /^(\S+) rm info (?:chain resumed|request started) request=(\S+) jr=(\S+)/gm;
    for (const rm of cluster.rms) {
      for (const m of rm.output().matchAll(again)) {
        const at = Date.parse(m[1] as string);
        const id = m[2] as string;
        if (m[3] === cluster.jrs[0]?.url || at < jrKilledAt) continue;
        if (!resumedAt.has(id) || at < (resumedAt.get(id) as number)) resumedAt.set(id, at);
      }
    }
    // A chain whose every job had completed is finished by the RM instead (no resume).
    const resumeMs = held.filter((id) => resumedAt.has(id)).map((id) => (resumedAt.get(id) as number) - jrKilledAt);
    const unresumed = held.filter((id) => !resumedAt.has(id));
    const [{ n: notResumed = 0 } = {}] =
      unresumed.length === 0
        ? [{ n: 0 }]
        : await q(`SELECT COUNT(*) AS n FROM \`${dbName}\`.requests WHERE id IN (?) AND state <> ?`, [
            unresumed,
            STATE_COMPLETE,
          ]);
    return {
      completed,
      lost: REQUESTS - completed - running,
      doubled,
      stuck: running,
      jobsPerS: (REQUESTS * JOBS) / seconds,
      resumeMs,
      heldByKilledJr: held.length,
      notResumed,
    };
  } finally {
    const keep = process.env.BENCH_KEEP_LOGS;
    if (keep) {
      mkdirSync(keep, { recursive: true });
      for (const [i, p] of [...cluster.rms, ...cluster.jrs].entries()) {
        writeFileSync(
          path.join(keep, `${i < cluster.rms.length ? 'rm' : 'jr'}-${new URL(p.url).port}.log`),
          p.output(),
        );
      }
    }
    await cluster.close();
    await db.stop();
  }
}

const specs = tempDir({ 'stages.yaml': stagesSpec() });
try {
  const c = await clusterRun(specs.dir);
  const single = await singleServer(specs.dir);
  const p50 = percentile(c.resumeMs, 50);
  const p99 = percentile(c.resumeMs, 99);
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const rows = [
    ['completed', `${c.completed} of ${REQUESTS}`, `${REQUESTS}`, c.completed === REQUESTS ? 'OK' : 'MISSED'],
    ['lost', `${c.lost}`, '0', c.lost === 0 ? 'OK' : 'MISSED'],
    ['doubled (a job COMPLETE twice)', `${c.doubled}`, '0', c.doubled === 0 ? 'OK' : 'MISSED'],
    ['stuck (RUNNING after 60 s)', `${c.stuck}`, '0', c.stuck === 0 ? 'OK' : 'MISSED'],
    [
      `JR killed → its chains running again (${c.resumeMs.length} of ${c.heldByKilledJr}), p50 / p99`,
      `${s(p50)} / ${s(p99)}`,
      `p99 < ${s(TARGET_P99_MS)}`,
      p99 < TARGET_P99_MS && c.notResumed === 0 ? 'OK' : 'MISSED',
    ],
    ['jobs/s, 2 RMs + 3 JRs on MariaDB, with the kills', `${Math.round(c.jobsPerS)}`, '', ''],
    [
      'jobs/s, one spincycle server (SQLite), no kills',
      `${Math.round(single)}`,
      '',
      `cluster ${(c.jobsPerS / single).toFixed(2)}x`,
    ],
  ];
  for (const r of rows) console.log(`${r[0]}: ${r[1]}${r[2] ? ` (target ${r[2]}) ${r[3]}` : r[3] ? ` (${r[3]})` : ''}`);
  if (writeDocsRequested()) {
    await writeBenchDocs({
      id: 'cluster',
      command: 'npm run bench:cluster',
      columns: ['what', 'figure', 'target', ''],
      rows,
    });
  }
  const failed = c.lost + c.doubled + c.stuck > 0 || c.completed !== REQUESTS;
  process.exitCode = failed ? 1 : 0;
} finally {
  specs.remove();
}
