// The RM's retry against a real Job Runner over loopback HTTP (the test rig): what an operator
// reads while a retry runs, and the retries a JR cannot take (one without our retry call, one
// that is down) leaving the request exactly as it was.

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { STATE_FAIL, STATE_PENDING, STATE_RUNNING, STATE_STOPPED } from '../../shared/proto';
import { tempDir } from '../../../test/support/engine/integration/test-engine';
import { startRig, type Rig } from '../../../test/support/engine/rm/test-rig';

const SPECS = `noop-node: {category: job, type: noop}
sequences:
  fails:
    nodes:
      boom: {category: job, type: shell, args: [{expected: cmd, value: 'echo "no luck" >&2; exit 2'}]}
  nap-then:
    nodes:
      nap: {category: job, type: sleep, args: [{expected: seconds, value: 300}]}
      after: {category: job, type: shell, deps: [nap], args: [{expected: cmd, value: 'true'}]}
`;

let specs: ReturnType<typeof tempDir>;
let rig: Rig;

beforeAll(() => {
  specs = tempDir({ 'retry.yaml': SPECS });
});
afterAll(() => specs.remove());
beforeEach(async () => {
  rig = await startRig({ specsDir: specs.dir, stopSettleMs: 1 });
});
afterEach(() => rig.close());

const stateOf = async (id: string, node: string) =>
  (await rig.client.status(id)).jobChainStatus.jobStatuses?.find((s) => s.jobId.startsWith(`${node}@`))?.state;

describe('retry through the RM', () => {
  it('while a retry runs, a job waiting to run again reads PENDING, not how it ended before', async () => {
    const { id } = await rig.client.create('nap-then');
    await rig.until('nap runs', async () => (await stateOf(id, 'nap')) === STATE_RUNNING);
    await rig.client.stop(id);
    expect((await rig.client.waitDone(id)).state).toBe(STATE_STOPPED);
    expect(await stateOf(id, 'after')).toBe(STATE_STOPPED); // its never-ran entry

    const { jobs } = await rig.client.retry(id, 'erin');
    expect(jobs.map((j) => j.split('@')[0])).toEqual(expect.arrayContaining(['nap', 'after']));
    await rig.until('nap runs again', async () => (await stateOf(id, 'nap')) === STATE_RUNNING);
    expect(await stateOf(id, 'after')).toBe(STATE_PENDING);
    expect((await rig.client.get(id)).state).toBe(STATE_RUNNING);

    await rig.client.stop(id);
    expect((await rig.client.waitDone(id)).state).toBe(STATE_STOPPED);
    expect(await stateOf(id, 'after')).toBe(STATE_STOPPED);
    const tries = (await rig.client.logs(id)).filter((l) => l.jobId.startsWith('nap@')).map((l) => [l.try, l.state]);
    expect(tries).toEqual([
      [1, STATE_STOPPED],
      [2, STATE_STOPPED],
    ]);
    expect((await rig.client.history(id)).attempts.map((a) => [a.kind, a.user, a.state])).toEqual([
      ['start', 'admin', STATE_STOPPED],
      ['retry', 'erin', STATE_STOPPED],
    ]);
  });

  it('a JR without our retry call: 501, and the request is as it was', async () => {
    const { id } = await rig.client.create('fails');
    const failed = await rig.client.waitDone(id);
    expect(failed.state).toBe(STATE_FAIL);
    await rig.replaceJobRunner((_req, res) => res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found'));

    const answer = await rig.client.call('POST', `/api/v1/requests/${id}/retry`);
    expect(answer.status).toBe(501);
    expect(answer.text).toContain('a retry needs a spincycle job runner');
    expect(await rig.client.get(id)).toEqual(failed);
    expect((await rig.client.history(id)).attempts).toHaveLength(1);
    // What it would run is still answered (the plan does not ask the JR).
    expect((await rig.client.retryPlan(id)).jobs.some((j) => j.startsWith('boom@'))).toBe(true);
  });

  it('a JR that is down: 502 naming why, and the request is as it was', async () => {
    const { id } = await rig.client.create('fails');
    const failed = await rig.client.waitDone(id);
    await rig.jobRunnerDown();
    const answer = await rig.client.call('POST', `/api/v1/requests/${id}/retry`);
    expect(answer.status).toBe(502);
    expect(answer.text).toMatch(/^job runner did not take the retry: job runner unreachable/);
    expect(await rig.client.get(id)).toEqual(failed);
    expect((await rig.client.history(id)).attempts.map((a) => a.state)).toEqual([STATE_FAIL]);
  });
});
