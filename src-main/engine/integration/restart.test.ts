// Restart of `spincycle server` on the same data folder after a crash (SIGKILL): a request that
// finished before is intact; one that was running ends FAIL with a job log saying why.

import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { STATE_COMPLETE, STATE_FAIL, STATE_RUNNING } from '../../shared/proto';
import { silentLogger } from '../log';
import { REASONS } from '../rm/request-manager';
import { startEngine } from '../server';
import { RmClient } from '../../../test/support/engine/integration/rm-client';
import { EXAMPLE_SPECS, crash, spawnCli, tempDir } from '../../../test/support/engine/integration/test-engine';

const data = tempDir();
afterAll(() => data.remove());

describe('engine restart', () => {
  it('keeps finished requests and fails the ones that were running', async () => {
    const dataDir = path.join(data.dir, 'data');
    const first = spawnCli(
      ['server', '--specs', EXAMPLE_SPECS, '--data', dataDir, '--rm-addr', '127.0.0.1:0', '--jr-addr', '127.0.0.1:0'],
      /engine started rm=(\S+)/,
    );
    const rm1 = new RmClient((await first.started)[1] as string);
    const hello = await rm1.create('hello');
    const helloDone = await rm1.waitDone(hello.id);
    const helloLogs = await rm1.logs(hello.id);
    const helloChain = await rm1.chain(hello.id);
    const long = await rm1.create('long-job', { seconds: '300' });
    expect((await rm1.get(long.id)).state).toBe(STATE_RUNNING);
    await crash(first.child);

    const engine = await startEngine({
      specsDir: EXAMPLE_SPECS,
      dataDir,
      rmAddr: '127.0.0.1:0',
      jrAddr: '127.0.0.1:0',
      logger: silentLogger,
    });
    try {
      const rm2 = new RmClient(engine.rmUrl);
      expect(await rm2.get(hello.id)).toEqual(helloDone);
      expect(helloDone.state).toBe(STATE_COMPLETE);
      expect(await rm2.logs(hello.id)).toEqual(helloLogs);
      expect(await rm2.chain(hello.id)).toEqual(helloChain);

      const ended = await rm2.get(long.id);
      expect(ended.state).toBe(STATE_FAIL);
      expect(ended.finishedAt).not.toBeNull();
      const why = (await rm2.logs(long.id)).filter((l) => l.try === 0);
      expect(why).toEqual([expect.objectContaining({ state: STATE_FAIL, error: REASONS.engineRestarted })]);
      // The engine works on after the restart.
      const again = await rm2.create('hello');
      expect((await rm2.waitDone(again.id)).state).toBe(STATE_COMPLETE);
    } finally {
      await engine.close();
    }
  });
});
