// Retry and re-run end to end over real HTTP (docs/protocol/extensions.md): a chain whose middle
// job fails because a file is missing; the file is made and the request retried in place. The
// jobs before the failure append a line to a file each time they run, so "ran exactly once" is
// read from the disk, and they pass job data on, so the children of a job that completed in the
// first attempt are seen to get its data in the second. Both engine shapes: `spincycle server`
// (RM and JR in one process) and `spincycle rm` + `spincycle jr` talking HTTP. Then a request
// left FAIL by an engine that was killed, retried after the restart, and one whose spec changed
// meanwhile, refused.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATE_COMPLETE, STATE_FAIL, STATE_RUNNING, STATE_STOPPED, type JobLog } from '../../shared/proto';
import { silentLogger } from '../log';
import { REASONS } from '../rm/request-manager';
import { startEngine, startJobRunner, startRequestManager } from '../server';
import { RmClient } from '../../../test/support/engine/integration/rm-client';
import { crash, freePort, serverArgs, spawnCli, tempDir } from '../../../test/support/engine/integration/test-engine';
import {
  GATED,
  PROBE_MODULE,
  probe,
  runs,
  sequence,
  shell,
  waitsFor,
} from '../../../test/support/engine/integration/retry-specs';
import { until } from '../../../test/support/until';

/**
 * deploy: prepare -> copy -> migrate (shell, 2 tries, needs the gate) -> announce.
 * hang: first -> wait (until the gate exists) -> last.
 */
const specs = (migrateCmd: string) =>
  [
    'noop-node: {category: job, type: noop}',
    'sequences:',
    ...sequence(
      'deploy',
      [
        probe('prepare', [], '{prepared: true}'),
        probe('copy', ['prepare'], '{copied: 3}'),
        shell('migrate', ['copy'], migrateCmd, ', retry: 1, retryWait: 10'),
        probe('announce', ['migrate']),
      ],
      '{name: release, desc: the release, default: v7}',
    ),
    ...sequence('hang', [
      probe('first', [], '{first: done}'),
      shell('wait', ['first'], waitsFor('wait', 'gate')),
      probe('last', ['wait']),
    ]),
    '',
  ].join('\n');

/** `spincycle server` on free loopback ports, quiet. */
const LOOPBACK = { rmAddr: '127.0.0.1:0', jrAddr: '127.0.0.1:0', logger: silentLogger } as const;

const root = tempDir();
afterAll(() => root.remove());
const jobsDir = path.join(root.dir, 'jobs');
const specsDir = path.join(root.dir, 'specs');
mkdirSync(jobsDir);
mkdirSync(specsDir);
writeFileSync(path.join(jobsDir, 'probe.mjs'), PROBE_MODULE);
writeFileSync(path.join(specsDir, 'retry.yaml'), specs(GATED));

let workN = 0;
/** A fresh folder for one request's marks. */
function workDir(): string {
  const dir = path.join(root.dir, `work-${++workN}`);
  mkdirSync(dir);
  return dir;
}

const jobId = (logs: JobLog[], node: string) => logs.find((l) => l.jobId.startsWith(`${node}@`))?.jobId ?? '';
const triesOf = (logs: JobLog[], node: string) =>
  logs.filter((l) => l.jobId.startsWith(`${node}@`)).map((l) => [l.try, l.state]);

const shapes: Array<[string, () => Promise<{ rm: RmClient; close(): Promise<void> }>]> = [
  [
    'spincycle server (RM and JR in one process)',
    async () => {
      const engine = await startEngine({ ...LOOPBACK, specsDir, jobsDir, dataDir: ':memory:' });
      return { rm: new RmClient(engine.rmUrl), close: () => engine.close() };
    },
  ],
  [
    'spincycle rm + spincycle jr over HTTP',
    async () => {
      const [rmPort, jrPort] = [await freePort(), await freePort()];
      const jr = await startJobRunner({
        jobsDir,
        dataDir: ':memory:',
        addr: `127.0.0.1:${jrPort}`,
        rmUrls: [`http://127.0.0.1:${rmPort}`],
        logger: silentLogger,
      });
      const rm = await startRequestManager({
        specsDir,
        jobsDir,
        dataDir: ':memory:',
        addr: `127.0.0.1:${rmPort}`,
        jrUrls: [jr.url],
        logger: silentLogger,
      });
      return {
        rm: new RmClient(rm.url),
        close: async () => {
          await jr.close();
          await rm.close();
        },
      };
    },
  ],
];

describe.each(shapes)('retry and re-run: %s', (_name, start) => {
  let rm: RmClient;
  let close: () => Promise<void>;
  beforeAll(async () => ({ rm, close } = await start()));
  afterAll(() => close());

  it('retries only what failed, in place: the request ends COMPLETE, tries continue, earlier jobs ran once', async () => {
    const dir = workDir();
    const created = await rm.create('deploy', { dir, release: 'v9' });
    expect((await rm.waitDone(created.id)).state).toBe(STATE_FAIL);
    expect(runs(dir, 'prepare')).toHaveLength(1);
    expect(runs(dir, 'copy')).toHaveLength(1);
    expect(runs(dir, 'migrate')).toEqual(['try 1', 'try 2']);
    expect(runs(dir, 'announce')).toEqual([]);

    // What will run again: every job that did not complete (the end noop never started).
    const chain = await rm.chain(created.id);
    const before = await rm.logs(created.id);
    const completed = new Set(before.filter((l) => l.state === STATE_COMPLETE).map((l) => l.jobId));
    const expected = Object.keys(chain.jobs)
      .filter((id) => !completed.has(id))
      .sort();
    expect(expected).toContain(jobId(before, 'migrate'));
    expect(expected.some((id) => id.startsWith('announce@'))).toBe(true);
    expect((await rm.retryPlan(created.id)).jobs).toEqual(expected);

    // The outside condition is fixed; retry.
    writeFileSync(path.join(dir, 'gate'), '');
    const started = await rm.retry(created.id, 'bob');
    expect(started).toMatchObject({ attempt: 2, jobs: expected });
    expect(started.request.finishedAt).toBeNull();
    const done = await rm.waitDone(created.id);
    expect(done).toMatchObject({ state: STATE_COMPLETE, finishedJobs: done.totalJobs });
    expect(done.createdAt).toBe(created.createdAt);

    // The jobs before the failure did not run again; their data reached the jobs after it.
    expect(runs(dir, 'prepare')).toHaveLength(1);
    expect(runs(dir, 'copy')).toHaveLength(1);
    expect(runs(dir, 'migrate')).toEqual(['try 1', 'try 2', 'try 3']);
    expect(runs(dir, 'announce').map((l) => JSON.parse(l) as unknown)).toEqual([
      { try: 1, data: { prepared: true, copied: 3 } },
    ]);

    // Tries continue; every earlier try's log is still there.
    const logs = await rm.logs(created.id);
    expect(triesOf(logs, 'migrate')).toEqual([
      [1, STATE_FAIL],
      [2, STATE_FAIL],
      [3, STATE_COMPLETE],
    ]);
    expect(triesOf(logs, 'prepare')).toEqual([[1, STATE_COMPLETE]]);
    for (const old of before) expect(logs).toContainEqual(old);
    expect((await rm.log(created.id, jobId(logs, 'migrate'))).try).toBe(3);

    // The history shows each attempt: who, when, outcome.
    const history = await rm.history(created.id);
    expect(history.attempts).toMatchObject([
      { attempt: 1, kind: 'start', user: 'admin', state: STATE_FAIL, jobs: [] },
      { attempt: 2, kind: 'retry', user: 'bob', state: STATE_COMPLETE, jobs: expected },
    ]);
    const [first, second] = history.attempts;
    expect(Date.parse(first!.finishedAt!)).toBeLessThanOrEqual(Date.parse(second!.startedAt!));
    expect(second!.finishedAt).toBe(done.finishedAt);
    expect(second!.startedAt).toBe(done.startedAt);

    // Completed now: nothing to retry.
    const again = await rm.call('POST', `/api/v1/requests/${created.id}/retry`);
    expect(again.status).toBe(409);
    expect(again.text).toContain('completed: nothing to retry');
  });

  it('re-run starts a new request with the same type and args, linked both ways', async () => {
    const dir = workDir();
    writeFileSync(path.join(dir, 'gate'), '');
    const original = await rm.create('deploy', { dir, release: 'v9' });
    expect((await rm.waitDone(original.id)).state).toBe(STATE_COMPLETE);

    const rerun = await rm.rerun(original.id, 'carol');
    expect(rerun.id).not.toBe(original.id);
    expect(rerun).toMatchObject({ type: 'deploy', user: 'carol', totalJobs: original.totalJobs });
    expect((await rm.waitDone(rerun.id)).state).toBe(STATE_COMPLETE);
    expect(runs(dir, 'prepare')).toHaveLength(2);

    const [was, now] = [await rm.history(original.id), await rm.history(rerun.id)];
    expect(await rm.args(rerun.id)).toEqual({ dir, release: 'v9' });
    expect(await rm.args(rerun.id)).toEqual(await rm.args(original.id));
    expect(now).toMatchObject({ rerunOf: original.id, reruns: [] });
    expect(was).toMatchObject({ rerunOf: null, reruns: [rerun.id] });
    expect(await rm.chain(rerun.id)).toEqual({ ...(await rm.chain(original.id)), requestId: rerun.id });
  });

  it('refuses with a clear 4xx: an unknown id, a request still running; a stopped one can be retried', async () => {
    const unknown = await rm.call('POST', '/api/v1/requests/0123456789abcdef0123456789abcdef/retry');
    expect(unknown).toMatchObject({ status: 404, text: 'request not found' });
    expect((await rm.call('GET', '/api/v1/requests/0123456789abcdef0123456789abcdef/history')).status).toBe(404);
    expect((await rm.call('POST', '/api/v1/requests/0123456789abcdef0123456789abcdef/rerun')).status).toBe(404);

    const dir = workDir();
    const hang = await rm.create('hang', { dir });
    expect(hang.state).toBe(STATE_RUNNING);
    for (const method of ['GET', 'POST']) {
      const running = await rm.call(method, `/api/v1/requests/${hang.id}/retry`);
      expect(running.status).toBe(409);
      expect(running.text).toContain(`request ${hang.id} is still RUNNING`);
    }
    const badBody = await rm.call('POST', `/api/v1/requests/${hang.id}/retry`, '{"User": 7}');
    expect(badBody).toMatchObject({ status: 400, text: expect.stringContaining('User') as unknown });

    await until('wait started', () => runs(dir, 'first').length === 1);
    await rm.stop(hang.id);
    expect((await rm.waitDone(hang.id)).state).toBe(STATE_STOPPED);
    const stoppedLogs = await rm.logs(hang.id);
    writeFileSync(path.join(dir, 'gate'), '');
    const { jobs } = await rm.retry(hang.id);
    expect(jobs).toContain(jobId(stoppedLogs, 'wait'));
    expect((await rm.waitDone(hang.id)).state).toBe(STATE_COMPLETE);
    expect(runs(dir, 'first')).toHaveLength(1);
    expect(runs(dir, 'last').map((l) => JSON.parse(l) as unknown)).toEqual([{ try: 1, data: { first: 'done' } }]);
    const logs = await rm.logs(hang.id);
    expect(triesOf(logs, 'wait')).toEqual([
      [1, STATE_STOPPED],
      [2, STATE_COMPLETE],
    ]);
    // The job that never started in the stopped attempt keeps its never-ran entry, then its try 1.
    expect(triesOf(logs, 'last')).toEqual([
      [0, STATE_STOPPED],
      [1, STATE_COMPLETE],
    ]);
  });
});

describe('retry after an engine restart', () => {
  it('retries a request the killed engine left FAIL, and refuses one whose spec changed meanwhile', async () => {
    const dataDir = path.join(root.dir, 'restart-data');
    const first = spawnCli([...serverArgs(specsDir, dataDir), '--jobs', jobsDir], /engine started rm=(\S+)/);
    const rm1 = new RmClient((await first.started)[1] as string);
    const failedDir = workDir();
    const failed = await rm1.create('deploy', { dir: failedDir });
    expect((await rm1.waitDone(failed.id)).state).toBe(STATE_FAIL);
    const hangDir = workDir();
    const hang = await rm1.create('hang', { dir: hangDir });
    // Killed once `first` is stored COMPLETE (a log the engine had not written yet dies with it).
    for (
      let i = 0;
      !(await rm1.logs(hang.id)).some((l) => l.jobId.startsWith('first@') && l.state === STATE_COMPLETE);
      i++
    ) {
      if (i > 500) throw new Error('first never completed');
      await new Promise((r) => setTimeout(r, 20));
    }
    await crash(first.child);

    // The same folder, with migrate's command changed in the spec.
    const changedSpecs = path.join(root.dir, 'specs-changed');
    mkdirSync(changedSpecs);
    writeFileSync(path.join(changedSpecs, 'retry.yaml'), specs(`${GATED} # v2`));
    const engine = await startEngine({ ...LOOPBACK, specsDir: changedSpecs, jobsDir, dataDir });
    try {
      const rm = new RmClient(engine.rmUrl);
      const ended = await rm.get(hang.id);
      expect(ended.state).toBe(STATE_FAIL);
      expect((await rm.logs(hang.id)).map((l) => l.error)).toContain(REASONS.engineRestarted);

      writeFileSync(path.join(hangDir, 'gate'), '');
      const { attempt } = await rm.retry(hang.id, 'dave');
      expect(attempt).toBe(2);
      expect((await rm.waitDone(hang.id)).state).toBe(STATE_COMPLETE);
      expect(runs(hangDir, 'first')).toHaveLength(1);
      expect(runs(hangDir, 'last').map((l) => JSON.parse(l) as unknown)).toEqual([{ try: 1, data: { first: 'done' } }]);
      expect((await rm.history(hang.id)).attempts.map((a) => [a.attempt, a.user, a.state])).toEqual([
        [1, 'admin', STATE_FAIL],
        [2, 'dave', STATE_COMPLETE],
      ]);

      const changed = await rm.call('POST', `/api/v1/requests/${failed.id}/retry`);
      expect(changed.status).toBe(422);
      expect(changed.text).toMatch(/the spec of deploy changed since it ran .*changed: migrate@\d+/);
      expect((await rm.get(failed.id)).state).toBe(STATE_FAIL);
      // A re-run takes the spec as it is now.
      const rerun = await rm.rerun(failed.id);
      expect((await rm.history(rerun.id)).rerunOf).toBe(failed.id);
    } finally {
      await engine.close();
    }
  });
});
