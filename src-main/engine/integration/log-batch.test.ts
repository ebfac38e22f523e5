// Our JR sends job logs several to a call to our RM (`POST …/logs`). An RM killed (kill -9) while
// batches are in flight, then started again on the same port and database, loses nothing and
// stores nothing twice: the JR keeps each unanswered batch and sends it again (a log the RM had
// committed before it died is a 409, counted as delivered), and the request completes with
// exactly one try per job.

import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { STATE_COMPLETE } from '../../shared/proto';
import { silentLogger } from '../log';
import { startJobRunner, type RunningJobRunner } from '../server';
import { RmClient } from '../../../test/support/engine/integration/rm-client';
import { crash, freePort, spawnCli, tempDir } from '../../../test/support/engine/integration/test-engine';

const WAVES = 30;
const WIDTH = 20;

/** `waves`: WAVES fan-outs one after the other, each of WIDTH 50 ms sleeps: logs keep coming for ~1.5 s. */
const wavesSpec = () => {
  const nodes = Array.from(
    { length: WAVES },
    (_, i) =>
      `      w${i}: {category: job, type: sleep, each: 'items:item', args: [{expected: seconds, value: 0.05}]${i > 0 ? `, deps: [w${i - 1}]` : ''}}`,
  );
  return `noop-node: {category: job, type: noop}
sequences:
  waves:
    args:
      required:
        - {name: items, desc: one sleep per element and wave}
    nodes:
${nodes.join('\n')}
`;
};

const specs = tempDir({ 'waves.yaml': wavesSpec() });
const temp = tempDir();
afterAll(() => specs.remove());
afterAll(() => temp.remove());

describe('job-log batches across an RM crash', () => {
  it('kill -9 of the RM mid-delivery, restarted on its database: every log stored once, the request completes', async () => {
    const [rmPort, jrPort] = [await freePort(), await freePort()];
    const rmUrl = `http://127.0.0.1:${rmPort}`;
    const startRm = () =>
      spawnCli(
        [
          'rm',
          '--specs',
          specs.dir,
          '--data',
          path.join(temp.dir, 'rm-data'),
          '--addr',
          `127.0.0.1:${rmPort}`,
          '--jr-url',
          `http://127.0.0.1:${jrPort}`,
        ],
        /request manager started/,
      );
    let rmProcess = startRm();
    let jr: RunningJobRunner | undefined;
    const warnings: string[] = [];
    try {
      await rmProcess.started;
      jr = await startJobRunner({
        addr: `127.0.0.1:${jrPort}`,
        rmUrls: [rmUrl],
        dataDir: ':memory:',
        logger: { ...silentLogger, warn: (message: string) => warnings.push(message) },
      });
      const rm = new RmClient(rmUrl);
      const items = Array.from({ length: WIDTH }, (_, i) => `i${i}`);
      const r = await rm.create('waves', { items });
      expect(r.totalJobs).toBe(WAVES * (WIDTH + 2) + 2);

      // Some logs are stored, more are on their way: the RM dies.
      for (;;) {
        const { finishedJobs } = await rm.get(r.id);
        if (finishedJobs >= 3 * WIDTH) break;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await crash(rmProcess.child);
      await new Promise((resolve) => setTimeout(resolve, 300));
      // The JR had logs to deliver while the RM was gone.
      expect(warnings).toContain('cannot deliver to the request manager; will retry');
      rmProcess = startRm();
      await rmProcess.started;

      const done = await rm.waitDone(r.id, 30_000);
      expect(done).toMatchObject({ state: STATE_COMPLETE, finishedJobs: r.totalJobs });
      const logs = await rm.logs(r.id);
      expect(logs).toHaveLength(r.totalJobs);
      const jobs = new Set(logs.map((l) => l.jobId));
      expect(jobs.size).toBe(r.totalJobs);
      expect(logs.every((l) => l.try === 1 && l.state === STATE_COMPLETE)).toBe(true);
    } finally {
      await jr?.close();
      await crash(rmProcess.child);
    }
  }, 60_000);
});
