// One RM, several JRs (`--jr-url` given three times, one of them down): each new request goes to
// the least loaded JR that answers; the RM records which, and sends stop and status there; the
// running status lists the jobs of every JR. Real servers on loopback, SQLite.

import { afterEach, describe, expect, it } from 'vitest';
import { STATE_RUNNING, STATE_STOPPED, decodeRunningStatus, parseWire } from '../../shared/proto';
import { silentLogger } from '../log';
import { startJobRunner, startRequestManager, type RunningJobRunner, type RunningRequestManager } from '../server';
import { RmClient } from '../../../test/support/engine/integration/rm-client';
import { EXAMPLE_SPECS, freePort } from '../../../test/support/engine/integration/test-engine';

let rm: RunningRequestManager | undefined;
let jrs: RunningJobRunner[] = [];
afterEach(async () => {
  for (const jr of jrs) await jr.close();
  await rm?.close();
  jrs = [];
  rm = undefined;
});

describe('one RM, several JRs', () => {
  it('spreads requests by load over the JRs that answer; stop and status go to the right one', async () => {
    const rmPort = await freePort();
    const rmUrl = `http://127.0.0.1:${rmPort}`;
    jrs = [
      await startJobRunner({ addr: '127.0.0.1:0', rmUrls: [rmUrl], dataDir: ':memory:', logger: silentLogger }),
      await startJobRunner({ addr: '127.0.0.1:0', rmUrls: [rmUrl], dataDir: ':memory:', logger: silentLogger }),
    ];
    const dead = `http://127.0.0.1:${await freePort()}`;
    rm = await startRequestManager({
      specsDir: EXAMPLE_SPECS,
      dataDir: ':memory:',
      addr: `127.0.0.1:${rmPort}`,
      jrUrls: [dead, ...jrs.map((j) => j.url)],
      logger: silentLogger,
    });
    const client = new RmClient(rm.url);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await client.create('long-job', { seconds: '300' })).id);

    const owners = await Promise.all(ids.map(async (id) => (await rm?.requestManager.store.getRun(id))?.jrUrl));
    expect(owners.filter((u) => u === jrs[0]?.url)).toHaveLength(3);
    expect(owners.filter((u) => u === jrs[1]?.url)).toHaveLength(3);
    expect(owners).not.toContain(dead);

    // Each JR holds exactly its own.
    for (const [i, id] of ids.entries()) {
      const held = await fetch(`${owners[i]}/api/v1/job-chains/${id}/status`);
      const other = owners[i] === jrs[0]?.url ? jrs[1] : jrs[0];
      const elsewhere = await fetch(`${other?.url}/api/v1/job-chains/${id}/status`);
      expect([held.status, elsewhere.status]).toEqual([200, 404]);
      expect((await client.status(id)).request.state).toBe(STATE_RUNNING);
    }
    // The running status has the jobs of both JRs.
    const running = decodeRunningStatus(parseWire((await client.call('GET', '/api/v1/status/running')).text));
    expect(new Set(running.jobs?.map((j) => j.requestId))).toEqual(new Set(ids));

    for (const id of ids) await client.stop(id);
    for (const id of ids) expect((await client.waitDone(id, 5000)).state).toBe(STATE_STOPPED);
  });
});
