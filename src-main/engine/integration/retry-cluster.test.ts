// Retry on a shared engine: two `spincycle rm` and two `spincycle jr` processes on one real
// MariaDB database (test/support/engine/integration/cluster.ts, test/support/mariadb.ts). A
// request fails on one JR (its migrate job used both its tries); it is retried through the other
// RM, handed over as a new run (a new epoch, a JR the pool picks); the JR is killed while
// migrate's third try runs, and the chain is resumed on the other JR. The request still ends
// COMPLETE: the resume counted only the retry's own tries against migrate (its two failures
// before the retry would have used up its tries), the jobs before the failure ran once (their
// files say so), the job data they left reached the job after migrate through the database, and
// the history shows both attempts.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { STATE_COMPLETE, STATE_FAIL, type JobLog } from '../../shared/proto';
import { runRecord, startCluster, type Cluster } from '../../../test/support/engine/integration/cluster';
import { RmClient } from '../../../test/support/engine/integration/rm-client';
import {
  PROBE_MODULE,
  probe,
  probeRuns,
  runs,
  sequence,
  shell,
} from '../../../test/support/engine/integration/retry-specs';
import { tempDir } from '../../../test/support/engine/integration/test-engine';
import { startMariadb, type TestMariadb } from '../../../test/support/mariadb';
import { until } from '../../../test/support/until';

/** migrate: fails (exit 3) while <dir>/gate is missing, then waits for <dir>/go; appends its try to migrate.runs. */
const MIGRATE =
  'echo "try $SPINCYCLE_TRY" >> "$ARG_dir/migrate.runs"; ' +
  'if [ ! -f "$ARG_dir/gate" ]; then echo "gate closed" >&2; exit 3; fi; ' +
  'while [ ! -f "$ARG_dir/go" ]; do sleep 0.05; done; echo migrated';

/** rollout: prepare -> copy -> migrate (2 tries) -> announce. */
const SPECS = [
  'noop-node: {category: job, type: noop}',
  'sequences:',
  ...sequence('rollout', [
    probe('prepare', [], '{prepared: true}'),
    probe('copy', ['prepare'], '{copied: 3}'),
    shell('migrate', ['copy'], MIGRATE, ', retry: 1, retryWait: 10'),
    probe('announce', ['migrate']),
  ]),
  '',
].join('\n');

let db: TestMariadb;
const root = tempDir();
const jobsDir = path.join(root.dir, 'jobs');
const specsDir = path.join(root.dir, 'specs');
let cluster: Cluster | undefined;
beforeAll(async () => {
  mkdirSync(jobsDir);
  mkdirSync(specsDir);
  writeFileSync(path.join(jobsDir, 'probe.mjs'), PROBE_MODULE);
  writeFileSync(path.join(specsDir, 'rollout.yaml'), SPECS);
  db = await startMariadb();
}, 120_000);
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});
afterAll(async () => {
  await db?.stop();
  root.remove();
});

/** The run record of a request, read from the database the RMs share. */
const run = (dbName: string, id: string) => runRecord(db, dbName, id);

const triesOf = (logs: JobLog[], node: string) =>
  logs.filter((l) => l.jobId.startsWith(`${node}@`)).map((l) => [l.try, l.state]);

describe('retry on a cluster on MariaDB: 2 RMs, 2 JRs', () => {
  it('retried through another RM, its JR killed mid-retry: resumed elsewhere, COMPLETE, earlier jobs run once', async () => {
    const url = await db.createDatabase();
    const dbName = new URL(url).pathname.slice(1);
    const jobs = ['--jobs', jobsDir];
    cluster = await startCluster({ rms: 2, jrs: 2, specsDir, db: url, jrArgs: jobs, rmArgs: jobs });
    const [a, b] = cluster.rms.map((p) => new RmClient(p.url)) as [RmClient, RmClient];
    const dir = path.join(root.dir, 'work');
    mkdirSync(dir);

    const r = await a.create('rollout', { dir });
    expect((await a.waitDone(r.id, 30_000)).state).toBe(STATE_FAIL);
    expect(runs(dir, 'migrate')).toEqual(['try 1', 'try 2']);
    const failedRun = await run(dbName, r.id);

    // Fixed; retried through the other RM: a new run, given to one of the JRs.
    writeFileSync(path.join(dir, 'gate'), '');
    const started = await b.retry(r.id, 'bob');
    expect(started.attempt).toBe(2);
    expect(started.jobs.map((j) => j.split('@')[0])).toEqual(expect.arrayContaining(['migrate', 'announce']));
    const retryRun = await run(dbName, r.id);
    expect(retryRun.epoch).toBeGreaterThan(failedRun.epoch);
    const jr = cluster.jrs.find((p) => p.url === retryRun.jr_url);
    if (!jr) throw new Error(`the retry went to no JR of the cluster: ${retryRun.jr_url}`);

    // migrate's try 3 runs; its JR dies; the chain moves to the other JR.
    await until('migrate running in the retry', () => runs(dir, 'migrate').length === 3);
    await jr.kill();
    await until(
      'resumed on the other JR',
      async () => {
        const now = await run(dbName, r.id);
        return now.jr_url !== null && now.jr_url !== jr.url && now.epoch > retryRun.epoch;
      },
      30_000,
    );
    writeFileSync(path.join(dir, 'go'), '');
    const done = await a.waitDone(r.id, 30_000);
    expect(done).toMatchObject({ state: STATE_COMPLETE, finishedJobs: done.totalJobs });

    // The jobs before the failure ran once; migrate's tries went on, try 4 after the kill.
    expect(runs(dir, 'prepare')).toHaveLength(1);
    expect(runs(dir, 'copy')).toHaveLength(1);
    expect(runs(dir, 'migrate')).toEqual(['try 1', 'try 2', 'try 3', 'try 4']);
    // The data prepare and copy left in the first attempt reached announce, two hand-overs later.
    expect(probeRuns(dir, 'announce')).toEqual([{ try: 1, data: { prepared: true, copied: 3 } }]);

    const logs = await b.logs(r.id);
    expect(triesOf(logs, 'migrate')).toEqual([
      [1, STATE_FAIL],
      [2, STATE_FAIL],
      [3, STATE_FAIL],
      [4, STATE_COMPLETE],
    ]);
    expect(logs.find((l) => l.jobId.startsWith('migrate@') && l.try === 3)?.error).toMatch(/^interrupted: job runner/);
    expect((await a.history(r.id)).attempts.map((x) => [x.attempt, x.kind, x.user, x.state])).toEqual([
      [1, 'start', 'admin', STATE_FAIL],
      [2, 'retry', 'bob', STATE_COMPLETE],
    ]);
  });
});
