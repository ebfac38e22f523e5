// `POST /api/v1/requests/:id/logs`, several job logs in one call (ours), over real HTTP in front
// of the real RM, grapher, SQLite store and a real JR on loopback: each log stored or refused
// with the status R8 gives it alone, the request's own verdicts (unknown, stale epoch) per log in
// a 200 so that a 404 or 405 always means "no such route", a body that is not a list refused
// whole with nothing stored, and the JR's guard (peer token, `server`'s in-process JR).

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { STATE_COMPLETE, STATE_FAIL, decodeJobLogs, parseWire } from '../../shared/proto';
import { listen } from '../http/server';
import { PEER_SECRET_HEADER } from '../http/peer-only';
import { EPOCH_HEADER } from '../ownership';
import { rmTestSpecs, startRig, type Rig } from '../../../test/support/engine/rm/test-rig';
import { requestManagerRouter } from './routes';

let specs: ReturnType<typeof rmTestSpecs>;
let rig: Rig;

beforeAll(() => {
  specs = rmTestSpecs();
});
afterAll(() => specs.remove());
beforeEach(async () => {
  rig = await startRig({ specsDir: specs.dir, stopSettleMs: 1, maxBodyBytes: 4096 });
});
afterEach(() => rig.close());

const jobLog = (jobId: string, tryN: number, state = STATE_COMPLETE) =>
  `{"jobId":"${jobId}","try":${tryN},"type":"","startedAt":1795816438786592835,"finishedAt":1795816438787759215,"state":${state},"exit":0,"error":"","stdout":"out ${tryN}","stderr":""}`;

const batch = (id: string, body: string, headers: Record<string, string> = {}, base = rig.rmUrl) =>
  fetch(`${base}/api/v1/requests/${id}/logs`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body,
  }).then(async (res) => ({ status: res.status, type: res.headers.get('content-type'), text: await res.text() }));

/** A `nap` request whose JR has logged its start job and now sleeps in nap@3 (nothing more comes). */
async function napping(): Promise<string> {
  const a = await rig.client.call('POST', '/api/v1/requests', '{"type":"nap"}');
  expect(a.status, a.text).toBe(201);
  const id = (JSON.parse(a.text) as { id: string }).id;
  await rig.until('settled', async () => (await rig.rm.getRequest(id)).finishedJobs >= 1);
  return id;
}

const logsOf = async (id: string) =>
  decodeJobLogs(parseWire((await rig.client.call('GET', `/api/v1/requests/${id}/log`)).text)).map(
    (l) => `${l.jobId}#${l.try} ${l.type} ${l.stdout}`,
  );

describe('POST /api/v1/requests/:id/logs', () => {
  it('stores every log of the list in one call and says so for each, in order', async () => {
    const id = await napping();
    const a = await batch(
      id,
      `[${jobLog('nap@3', 1, STATE_FAIL)},${jobLog('nap@3', 2)},${jobLog('sequence_nap_end@2', 1)}]`,
    );
    expect(a).toEqual({
      status: 200,
      type: 'application/json; charset=utf-8',
      text: '[{"status":201},{"status":201},{"status":201}]',
    });
    expect(await logsOf(id)).toEqual([
      'nap@3#1 sleep out 1',
      'nap@3#2 sleep out 2',
      'sequence_nap_end@2#1 noop out 1',
      'sequence_nap_start@1#1 noop ',
    ]);
    // finishedJobs counts jobs that completed: the start job, nap@3 and the end job.
    expect((await rig.rm.getRequest(id)).finishedJobs).toBe(3);
  });

  it('a partial failure: each log gets what R8 would answer it alone, the good ones are stored once', async () => {
    const id = await napping();
    const a = await batch(
      id,
      `[${jobLog('nap@3', 1)},${jobLog('nope@9', 1)},${jobLog('sequence_nap_start@1', 1)},{"jobId":"nap@3","try":"x"},${jobLog('nap@3', 1)},${jobLog('sequence_nap_end@2', 1)}]`,
    );
    expect(a.status).toBe(200);
    expect(JSON.parse(a.text)).toEqual([
      { status: 201 },
      { status: 400, error: `job "nope@9" is not in the job chain of request ${id}` },
      { status: 409, error: `job log already exists (request ${id}, job sequence_nap_start@1, try 1)` },
      { status: 400, error: 'job logs[3].try: expected an integer from 0 to 9007199254740991, got "x"' },
      { status: 409, error: `job log already exists (request ${id}, job nap@3, try 1)` },
      { status: 201 },
    ]);
    expect(await logsOf(id)).toEqual([
      'nap@3#1 sleep out 1',
      'sequence_nap_end@2#1 noop out 1',
      'sequence_nap_start@1#1 noop ',
    ]);
  });

  it('sent again (its answer was lost): every log is a 409, nothing is stored twice', async () => {
    const id = await napping();
    const body = `[${jobLog('nap@3', 1, STATE_FAIL)},${jobLog('nap@3', 2)}]`;
    expect((await batch(id, body)).text).toBe('[{"status":201},{"status":201}]');
    expect(JSON.parse((await batch(id, body)).text)).toEqual([
      { status: 409, error: `job log already exists (request ${id}, job nap@3, try 1)` },
      { status: 409, error: `job log already exists (request ${id}, job nap@3, try 2)` },
    ]);
    expect(await logsOf(id)).toEqual(['nap@3#1 sleep out 1', 'nap@3#2 sleep out 2', 'sequence_nap_start@1#1 noop ']);
    expect((await rig.rm.getRequest(id)).finishedJobs).toBe(2);
  });

  it('a stale epoch: every log is a 410 and nothing is stored; the current epoch is taken', async () => {
    const id = await napping();
    const stale = await batch(id, `[${jobLog('nap@3', 1)},${jobLog('sequence_nap_end@2', 1)}]`, {
      [EPOCH_HEADER]: '2',
    });
    const refusal = `job runner no longer runs request ${id}: epoch 2 is stale (the chain was handed to another job runner)`;
    expect(stale.status).toBe(200);
    expect(JSON.parse(stale.text)).toEqual([
      { status: 410, error: refusal },
      { status: 410, error: refusal },
    ]);
    expect(await logsOf(id)).toEqual(['sequence_nap_start@1#1 noop ']);
    const current = await batch(id, `[${jobLog('nap@3', 1)}]`, { [EPOCH_HEADER]: '1' });
    expect(current.text).toBe('[{"status":201}]');
  });

  it('an unknown request: every log is a 404 in a 200 (a 404 of the call itself means no such route)', async () => {
    const a = await batch('0'.repeat(32), `[${jobLog('x@1', 1)},${jobLog('y@2', 1)}]`);
    expect(a.status).toBe(200);
    expect(JSON.parse(a.text)).toEqual([
      { status: 404, error: 'request not found' },
      { status: 404, error: 'request not found' },
    ]);
    expect(await rig.store.jobLogs('0'.repeat(32))).toEqual([]);
    // An empty list is answered with an empty list.
    expect((await batch('0'.repeat(32), '[]')).text).toBe('[]');
  });

  it('a body that is not a list of logs is refused whole, with a plain-text reason, storing nothing', async () => {
    const id = await napping();
    const refused = async (body: string, headers: Record<string, string> = {}) => {
      const a = await batch(id, body, headers);
      return [a.status, a.text];
    };
    expect(await refused('[{"jobId":')).toEqual([400, expect.stringMatching(/^malformed JSON: /)]);
    expect(await refused(jobLog('nap@3', 1))).toEqual([400, 'job logs: expected a list of job logs, got an object']);
    expect(await refused('null')).toEqual([400, 'job logs: expected a list of job logs, got null']);
    expect(await refused('')).toEqual([400, 'empty body: expected JSON']);
    expect(await refused(`[${jobLog('nap@3', 1)}]`, { [EPOCH_HEADER]: 'one' })).toEqual([
      400,
      'X-Spincycle-Epoch must be a whole number, got "one"',
    ]);
    expect(await refused(`[${Array.from({ length: 40 }, (_, i) => jobLog('nap@3', i + 1)).join(',')}]`)).toEqual([
      413,
      'request body too large: the limit is 4096 bytes',
    ]);
    const untyped = await fetch(`${rig.rmUrl}/api/v1/requests/${id}/logs`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: `[${jobLog('nap@3', 1)}]`,
    });
    expect([untyped.status, await untyped.text()]).toEqual([415, 'Unsupported Media Type']);
    expect(await logsOf(id)).toEqual(['sequence_nap_start@1#1 noop ']);
  });

  it('guarded as R8: refused without the peer token (401), and by `server`, whose JR is in process (403)', async () => {
    const id = await napping();
    const secret = 'peer-token-0123456789abcdef';
    const guarded = await listen(
      requestManagerRouter(rig.rm, { jobRunnerCalls: { peerSecret: secret } }),
      '127.0.0.1:0',
    );
    const inProcess = await listen(requestManagerRouter(rig.rm, { jobRunnerCalls: 'in-process' }), '127.0.0.1:0');
    try {
      const body = `[${jobLog('nap@3', 1)}]`;
      const refusedHeaders: Array<Record<string, string>> = [{}, { [PEER_SECRET_HEADER]: 'wrong-token-0123456789' }];
      for (const headers of refusedHeaders) {
        const a = await batch(id, body, headers, guarded.url);
        expect(a.status).toBe(401);
        expect(a.text).toContain('only a peer started with the same --peer-token-file may call this');
      }
      const closed = await batch(id, body, { [PEER_SECRET_HEADER]: secret }, inProcess.url);
      expect(closed.status).toBe(403);
      expect(await logsOf(id)).toEqual(['sequence_nap_start@1#1 noop ']);
      expect((await batch(id, body, { [PEER_SECRET_HEADER]: secret }, guarded.url)).text).toBe('[{"status":201}]');
    } finally {
      await Promise.all([guarded.close(), inProcess.close()]);
    }
  });

  it('other methods on the path are 405, as for any route', async () => {
    const id = await napping();
    const a = await rig.client.call('GET', `/api/v1/requests/${id}/logs`);
    expect([a.status, a.text]).toEqual([405, 'Method Not Allowed']);
  });
});
