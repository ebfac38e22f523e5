// The RM as an in-process RequestManagerLink: logs are checked at once (LinkError with the
// HTTP status), queued, and visible to every reader; finish writes them first. The engine of
// `spincycle server` (startEngine: RM + JR in one process over this link) runs a request to
// the end; then the link is called directly with what the JR would never send.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATE_COMPLETE, type JobLog } from '../../shared/proto';
import { RmClient } from '../../../test/support/engine/integration/rm-client';
import { LinkError } from '../links';
import { createLogger } from '../log';
import { startEngine, type RunningEngine } from '../server';
import { inProcessRequestManagerLink } from './in-process-link';
import { rmTestSpecs } from '../../../test/support/engine/rm/test-rig';

let specs: ReturnType<typeof rmTestSpecs>;
let engine: RunningEngine;
let lines: string[];

beforeAll(async () => {
  specs = rmTestSpecs();
  lines = [];
  engine = await startEngine({
    specsDir: specs.dir,
    dataDir: ':memory:',
    rmAddr: '127.0.0.1:0',
    jrAddr: '127.0.0.1:0',
    logger: createLogger('engine', (l) => lines.push(l)),
  });
});
afterAll(async () => {
  await engine.close();
  specs.remove();
});

const log = (requestId: string, jobId: string, tryN = 1): JobLog => ({
  requestId,
  jobId,
  try: tryN,
  type: '',
  startedAt: 1n,
  finishedAt: 2n,
  state: STATE_COMPLETE,
  exit: 0,
  error: '',
  stdout: 'out',
  stderr: '',
});

describe('inProcessRequestManagerLink', () => {
  it('stores logs and finishes with the same checks as HTTP', async () => {
    const rm = engine.requestManager;
    const client = new RmClient(engine.rmUrl);
    const { id } = await client.create('hello');
    // The JR delivers the three jobs' logs and the finish through its in-process link.
    expect(await client.waitDone(id)).toMatchObject({ state: STATE_COMPLETE, finishedJobs: 3 });
    expect((await rm.jobLogs(id)).map((l) => [l.jobId, l.type, l.stdout])).toEqual([
      ['hello@3', 'shell', 'hi\n'],
      ['sequence_hello_end@2', 'noop', ''],
      ['sequence_hello_start@1', 'noop', ''],
    ]);

    const link = inProcessRequestManagerLink(rm);
    await link.createJobLog(id, log(id, 'hello@3', 2)); // type '' is filled from the chain
    expect(await rm.latestJobLog(id, 'hello@3')).toMatchObject({ try: 2, type: 'shell', stdout: 'out' });

    const refused = (p: Promise<void>) =>
      p.then(
        () => null,
        (e: unknown) => e,
      );
    expect(await refused(link.createJobLog('0'.repeat(32), log('x', 'a@1')))).toEqual(
      new LinkError('request not found', 404),
    );
    expect(await refused(link.createJobLog(id, log(id, 'nope@1')))).toMatchObject({ status: 400 });
    expect(await refused(link.finishRequest(id, STATE_COMPLETE))).toEqual(
      new LinkError('request not in RUNNING state (state = COMPLETE)', 400),
    );
    await link.createJobLog(id, log(id, 'hello@3'));
    await rm.flush();
    await new Promise((r) => setImmediate(r));
    expect(lines.some((l) => l.includes(`job log already exists (request ${id}, job hello@3, try 1)`))).toBe(true);
  });
});
