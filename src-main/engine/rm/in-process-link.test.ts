// The RM as an in-process RequestManagerLink: logs are checked at once (LinkError with the
// HTTP status), queued, and visible to every reader; finish writes them first.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STATE_COMPLETE, type JobLog } from '../../shared/proto';
import { LinkError } from '../links';
import { createLogger } from '../log';
import { EngineStore } from '../store/store';
import { inProcessRequestManagerLink } from './in-process-link';
import { RequestManager } from './request-manager';
import { FakeChainBuilder, FakeJobRunner } from './test-doubles';

let store: EngineStore;
let rm: RequestManager;
let lines: string[];

beforeEach(() => {
  store = new EngineStore(':memory:');
  lines = [];
  rm = new RequestManager({
    store,
    jobRunner: new FakeJobRunner(),
    builder: new FakeChainBuilder(),
    logger: createLogger('rm', (l) => lines.push(l)),
  });
});
afterEach(() => store.close());

const log = (requestId: string, jobId: string): JobLog => ({
  requestId,
  jobId,
  try: 1,
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
    const { id } = await rm.createRequest({ Type: 'hello', Args: {}, User: '' });
    const link = inProcessRequestManagerLink(rm);
    for (const jobId of ['sequence_hello_start@1', 'hello@3', 'sequence_hello_end@2'])
      await link.createJobLog(id, log(id, jobId));
    await link.finishRequest(id, STATE_COMPLETE);
    expect(rm.getRequest(id)).toMatchObject({ state: STATE_COMPLETE, finishedJobs: 3 });
    expect(rm.jobLogs(id).map((l) => l.type)).toEqual(['shell', 'noop', 'noop']);

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
    rm.flush();
    await new Promise((r) => setImmediate(r));
    expect(lines.some((l) => l.includes(`job log already exists (request ${id}, job hello@3, try 1)`))).toBe(true);
  });
});
