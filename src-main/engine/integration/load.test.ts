// Load, small scale: 10 concurrent requests of 300 noop jobs each through the whole engine
// (RM + JR in one process, clients over HTTP): all COMPLETE, finishedJobs == totalJobs, every
// job log stored.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATE_COMPLETE } from '../../shared/proto';
import { silentLogger } from '../log';
import { startEngine, type RunningEngine } from '../server';
import { RmClient } from '../../../test/support/engine/integration/rm-client';
import { items, tempDir, wideNoopSpec } from '../../../test/support/engine/integration/test-engine';

const specs = tempDir({ 'wide.yaml': wideNoopSpec('wide') });
let engine: RunningEngine;

beforeAll(async () => {
  engine = await startEngine({
    specsDir: specs.dir,
    dataDir: ':memory:',
    rmAddr: '127.0.0.1:0',
    jrAddr: '127.0.0.1:0',
    logger: silentLogger,
  });
});
afterAll(async () => {
  await engine.close();
  specs.remove();
});

describe('under load', () => {
  it('10 concurrent requests of 300 jobs all complete with every log stored', async () => {
    const rm = new RmClient(engine.rmUrl);
    const created = await Promise.all(Array.from({ length: 10 }, () => rm.create('wide', { items: items(296) })));
    expect(created.every((r) => r.totalJobs === 300)).toBe(true);
    const done = await Promise.all(created.map((r) => rm.waitDone(r.id, 30_000)));
    for (const r of done) {
      expect(r).toMatchObject({ state: STATE_COMPLETE, totalJobs: 300, finishedJobs: 300 });
      const logs = await rm.logs(r.id);
      expect(logs).toHaveLength(300);
      expect(new Set(logs.map((l) => l.jobId)).size).toBe(300);
    }
  });
});
