// The RM's twelve endpoints over real HTTP, in front of the real grapher (spec files in a temp
// folder), a real Job Runner reached over loopback HTTP and a real SQLite store: success
// paths, the fixed defects, every kind of bad input, a JR that is down, restarted empty, or
// failing, and the recorded answers of the original for unknown ids and routes.

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  STATE_COMPLETE,
  STATE_FAIL,
  STATE_PENDING,
  STATE_RUNNING,
  STATE_STOPPED,
  decodeJobChain,
  decodeJobChainStatus,
  decodeJobLog,
  decodeJobLogs,
  decodeRequest,
  decodeRequestStatus,
  encodeJobChain,
  parseWire,
} from '../../shared/proto';
import path from 'node:path';
import { readExchange } from '../../../test/support/http-fixtures';
import { RmClient, type Answer } from '../../../test/support/engine/integration/rm-client';
import { tempDir } from '../../../test/support/engine/integration/test-engine';
import { createLogger } from '../log';
import { DATABASE_FILE, startEngine } from '../server';
import { REASONS } from './request-manager';
import { rmTestSpecs, startRig, type Rig } from '../../../test/support/engine/rm/test-rig';

let specs: ReturnType<typeof rmTestSpecs>;
let rig: Rig;

beforeAll(() => {
  specs = rmTestSpecs();
});
afterAll(() => specs.remove());
beforeEach(async () => {
  rig = await startRig({ specsDir: specs.dir, stopSettleMs: 1, maxBodyBytes: 1024 });
});
afterEach(() => rig.close());

const call = (method: string, path: string, body?: string, type = 'application/json') =>
  rig.client.call(method, path, body, type);

const create = async (body = '{"type":"nap"}') => {
  const a = await call('POST', '/api/v1/requests', body);
  expect(a.status, a.text).toBe(201);
  return decodeRequest(parseWire(a.text));
};
/** The JR has reported the chain's start job and is now in the long job (nothing more comes). */
const settled = (id: string) => rig.until('settled', async () => (await rig.rm.getRequest(id)).finishedJobs >= 1);
/** A `flaky` request whose first try failed and which now waits to retry. */
const waitingToRetry = async () => {
  const r = await create('{"type":"flaky"}');
  await rig.until('tried once', async () => (await rig.rm.jobLogs(r.id)).some((l) => l.jobId === 'flaky@3'));
  return r;
};
const jobLog = (jobId: string, tryN: number, state: number, extra = '') =>
  `{"jobId":"${jobId}","try":${tryN},"type":"","startedAt":1795816438786592835,"finishedAt":1795816438787759215,"state":${state},"exit":0${extra}}`;
const text = (status: number, body: string) => ({ status, type: 'text/plain; charset=utf-8', body });
const shape = (a: Answer) => ({ status: a.status, type: a.headers.get('content-type'), body: a.text });
const TRAVERSER_NOT_FOUND = { status: 404, type: 'text/plain; charset=utf-8', body: 'traverser not found' };

describe('R1 create', () => {
  it('creates and starts: 201, Location, the true state', async () => {
    const a = await call('POST', '/api/v1/requests', '{"type":"nap","args":{}}');
    expect(a.status).toBe(201);
    const r = decodeRequest(parseWire(a.text));
    expect(a.headers.get('location')).toBe(`/api/v1/requests/${r.id}`);
    expect(r).toMatchObject({ type: 'nap', state: STATE_RUNNING, user: 'admin', totalJobs: 3 });
    expect([0, 1]).toContain(r.finishedJobs); // the JR may already have reported its start job
    expect(r.id).toMatch(/^[0-9a-f]{32}$/);
    expect(r.startedAt).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
    expect(r.finishedAt).toBeNull();
    const running = await rig.jrGet(`/api/v1/job-chains/${r.id}/status`);
    expect(running.status).toBe(200);
    expect(decodeJobChainStatus(parseWire(running.text)).requestId).toBe(r.id);
  });

  it("keeps the body's User, takes Go field names", async () => {
    const r = await create('{"Type":"greet","Args":{"msg":"hi"},"User":"alice"}');
    expect(r.user).toBe('alice');
    expect(await rig.client.waitDone(r.id)).toMatchObject({ state: STATE_COMPLETE, finishedJobs: 3 });
    expect((await rig.client.log(r.id, 'greet@3')).stdout).toBe('hi\n');
  });

  it('answers 502 with Location and ends the request FAIL when the JR does not take the chain', async () => {
    await rig.jobRunnerDown();
    const a = await call('POST', '/api/v1/requests', '{"type":"hello"}');
    expect(a.status).toBe(502);
    expect(a.text).toMatch(/^job runner did not accept the chain: job runner unreachable: .*ECONNREFUSED/);
    const id = (a.headers.get('location') as string).split('/').pop() as string;
    expect(await rig.rm.getRequest(id)).toMatchObject({ state: STATE_FAIL });
    expect((await rig.rm.getRequest(id)).finishedAt).not.toBeNull();
    const logs = await rig.rm.jobLogs(id);
    expect(logs).toEqual([
      expect.objectContaining({
        jobId: 'sequence_hello_start@1',
        try: 0,
        type: 'noop',
        state: STATE_FAIL,
        error: a.text,
      }),
    ]);
  });

  it('refuses bad input with 400/415/413 and keeps serving', async () => {
    const cases: Array<[string, string | undefined, number, string | RegExp]> = [
      ['{"type":', 'application/json', 400, /^malformed JSON/],
      ['', 'application/json', 400, 'empty body: expected JSON'],
      ['{"type":"hello"}', '', 415, 'Unsupported Media Type'],
      ['{"type":"hello"}', 'text/plain', 415, 'Unsupported Media Type'],
      ['{"args":{"msg":"x"}}', 'application/json', 400, 'invalid request type and/or arguments'],
      ['{"type":"nope","args":{}}', 'application/json', 400, 'cannot find definition for request: nope'],
      ['{"type":"greet","args":{}}', 'application/json', 400, 'sequence greet missing arg msg'],
      ['{"type":"hello","args":"x"}', 'application/json', 400, 'CreateRequestParams.Args: expected an object, got "x"'],
      [`{"type":"hello","args":{"x":"${'y'.repeat(2000)}"}}`, 'application/json', 413, /too large/],
    ];
    for (const [body, type, status, message] of cases) {
      const a = await call('POST', '/api/v1/requests', body, type);
      expect({ status: a.status, body: a.text }, body.slice(0, 40)).toEqual({
        status,
        body: expect.stringMatching(message),
      });
      expect(a.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    }
    expect(await rig.store.requestIdsInState(STATE_PENDING)).toEqual([]);
    const r = await create('{"type":"hello"}');
    expect((await rig.client.waitDone(r.id)).state).toBe(STATE_COMPLETE);
  });
});

describe('R2, R3, R7: get, start, chain', () => {
  it('serves the stored request and chain; start needs PENDING', async () => {
    const r = await create();
    await settled(r.id);
    expect(decodeRequest(parseWire((await call('GET', `/api/v1/requests/${r.id}`)).text))).toEqual({
      ...r,
      finishedJobs: 1,
    });
    const chain = await call('GET', `/api/v1/requests/${r.id}/job-chain`);
    const decoded = decodeJobChain(parseWire(chain.text));
    expect(chain.text).toBe(encodeJobChain(decoded));
    expect(decoded).toMatchObject({ requestId: r.id, state: 1 });
    expect(decoded.adjacencyList).toEqual({ 'sequence_nap_start@1': ['nap@3'], 'nap@3': ['sequence_nap_end@2'] });
    // The JR runs this very chain: its job nap@3 is the one sleeping there.
    await rig.until('nap@3 running', async () => {
      const live = await rig.jrGet(`/api/v1/job-chains/${r.id}/status`);
      return decodeJobChainStatus(parseWire(live.text)).jobStatuses?.[0]?.jobId === 'nap@3';
    });
    expect(shape(await call('PUT', `/api/v1/requests/${r.id}/start`))).toEqual(
      text(400, 'request not in PENDING state (state = RUNNING)'),
    );
  });
});

describe('R8, R9, R10: job logs', () => {
  it('stores tries, fills the type, counts COMPLETE, lists by job then try', async () => {
    const r = await create();
    await settled(r.id); // the JR logged sequence_nap_start@1 try 1 COMPLETE
    const post = (body: string) => call('POST', `/api/v1/requests/${r.id}/log`, body);
    const a = await post(jobLog('nap@3', 1, STATE_FAIL, ',"exit":-1'));
    expect(a.status).toBe(201);
    expect(decodeJobLog(parseWire(a.text))).toMatchObject({ requestId: r.id, type: 'sleep', exit: -1, try: 1 });
    expect(a.text).toContain('"startedAt":1795816438786592835,');
    expect((await post(jobLog('nap@3', 2, STATE_COMPLETE, ',"exit":4294967296'))).status).toBe(201);
    expect((await rig.rm.getRequest(r.id)).finishedJobs).toBe(2);

    const list = decodeJobLogs(parseWire((await call('GET', `/api/v1/requests/${r.id}/log`)).text));
    expect(list.map((l) => [l.jobId, l.try, l.exit])).toEqual([
      ['nap@3', 1, -1],
      ['nap@3', 2, 4294967296],
      ['sequence_nap_start@1', 1, 0],
    ]);
    const latest = decodeJobLog(parseWire((await call('GET', `/api/v1/requests/${r.id}/log/nap@3`)).text));
    expect(latest).toMatchObject({ try: 2, type: 'sleep', state: STATE_COMPLETE, startedAt: 1795816438786592835n });
  });

  it('refuses duplicates (409), unknown requests (404), foreign jobs and wrong shapes (400)', async () => {
    const r = await create();
    await settled(r.id);
    const post = (id: string, body: string) => call('POST', `/api/v1/requests/${id}/log`, body);
    expect((await post(r.id, jobLog('nap@3', 1, STATE_COMPLETE))).status).toBe(201);
    expect(shape(await post(r.id, jobLog('nap@3', 1, STATE_COMPLETE)))).toEqual(
      text(409, `job log already exists (request ${r.id}, job nap@3, try 1)`),
    );
    // The JR's own log of the start job is a duplicate too.
    expect(shape(await post(r.id, jobLog('sequence_nap_start@1', 1, STATE_COMPLETE)))).toEqual(
      text(409, `job log already exists (request ${r.id}, job sequence_nap_start@1, try 1)`),
    );
    expect(shape(await post('0'.repeat(32), jobLog('x@1', 1, STATE_COMPLETE)))).toEqual(text(404, 'request not found'));
    expect(shape(await post(r.id, jobLog('nope@9', 1, STATE_COMPLETE)))).toEqual(
      text(400, `job "nope@9" is not in the job chain of request ${r.id}`),
    );
    expect(shape(await post(r.id, '{"jobId":"nap@3","try":2,"state":"COMPLETE"}'))).toEqual(
      text(400, 'JobLog.state: expected an integer from 0 to 255, got "COMPLETE"'),
    );
    expect((await post(r.id, jobLog('nap@3', 2, STATE_COMPLETE))).status).toBe(201);
    // finishedJobs counts jobs: the JR's start job and nap@3, whatever its tries.
    expect((await rig.rm.getRequest(r.id)).finishedJobs).toBe(2);
    expect(await rig.store.jobLogs('0'.repeat(32))).toEqual([]);
  });
});

describe('R4 finish, R5 stop', () => {
  it('finish takes only a final state, and only from the JR once it is done with the chain', async () => {
    const r = await create();
    await settled(r.id);
    const path = `/api/v1/requests/${r.id}`;
    expect((await call('PUT', `${path}/finish`)).status).toBe(415);
    for (const [state, name] of [
      [0, 'UNKNOWN'],
      [1, 'PENDING'],
      [2, 'RUNNING'],
      [5, 'TIMEOUT'],
      [99, 'STATE(99)'],
    ] as const) {
      expect(shape(await call('PUT', `${path}/finish`, `{"State":${state}}`))).toEqual(
        text(400, `a request finishes COMPLETE, FAIL or STOPPED, not ${name}`),
      );
    }
    // Not from the JR: it still runs nap@3.
    expect(shape(await call('PUT', `${path}/finish`, '{"State":3}'))).toEqual(
      text(
        409,
        `only the job runner running request ${r.id} may finish it, once it is done: the job runner is still running 1 of its jobs`,
      ),
    );
    expect(await rig.rm.getRequest(r.id)).toMatchObject({ state: STATE_RUNNING, finishedAt: null });
    expect((await rig.jrGet(`/api/v1/job-chains/${r.id}/status`)).status).toBe(200);
    // A JR that does not know the chain did not finish it either (the reaper ends it).
    await rig.restartJobRunner();
    expect(shape(await call('PUT', `${path}/finish`, '{"State":4}'))).toEqual(
      text(
        409,
        `only the job runner running request ${r.id} may finish it, once it is done: the job runner does not know it`,
      ),
    );
    expect((await rig.rm.getRequest(r.id)).state).toBe(STATE_RUNNING);
  });

  it('a COMPLETE finish with job logs missing ends the request FAIL, saying why', async () => {
    const r = await create();
    await settled(r.id);
    // The JR's own (in-process) finish while its jobs' logs have not all arrived.
    await rig.rm.finishRequest(r.id, STATE_COMPLETE);
    expect(await rig.rm.getRequest(r.id)).toMatchObject({ state: STATE_FAIL, finishedAt: expect.any(String) });
    expect((await rig.rm.jobLogs(r.id)).find((l) => l.try === 0)?.error).toMatch(
      /^the job runner finished the request COMPLETE, but job logs never arrived: [12] of 3 jobs/,
    );
    expect(shape(await call('PUT', `/api/v1/requests/${r.id}/finish`, '{"State":3}'))).toEqual(
      text(400, 'request not in RUNNING state (state = FAIL)'),
    );
  });

  it('stop of a COMPLETE request is a no-op; finish of it is refused', async () => {
    const r = await create('{"type":"hello"}');
    expect((await rig.client.waitDone(r.id)).state).toBe(STATE_COMPLETE);
    const stop = await call('PUT', `/api/v1/requests/${r.id}/stop`);
    expect([stop.status, stop.text, stop.headers.get('content-length')]).toEqual([200, '', '0']);
    expect(shape(await call('PUT', `/api/v1/requests/${r.id}/finish`, '{"State":4}'))).toEqual(
      text(400, 'request not in RUNNING state (state = COMPLETE)'),
    );
  });

  it('stop asks the JR, which finishes the request STOPPED', async () => {
    const r = await create();
    await settled(r.id);
    expect((await call('PUT', `/api/v1/requests/${r.id}/stop`)).status).toBe(200);
    expect((await rig.client.waitDone(r.id)).state).toBe(STATE_STOPPED);
    expect(await rig.client.log(r.id, 'nap@3')).toMatchObject({ try: 1, state: STATE_STOPPED });
    await rig.until(
      'the chain gone from the JR',
      async () => (await rig.jrGet(`/api/v1/job-chains/${r.id}/status`)).status !== 200,
    );
    expect(shape(await rig.jrGet(`/api/v1/job-chains/${r.id}/status`))).toEqual(TRAVERSER_NOT_FOUND);
    expect(shape(await call('PUT', `/api/v1/requests/${r.id}/stop`))).toEqual(
      text(400, 'request not in RUNNING state (state = STOPPED)'),
    );
  });

  it('ends the request STOPPED itself when the JR does not know the chain or is down', async () => {
    for (const failure of ['restarted, the chain unknown', 'down'] as const) {
      const r = await create();
      await settled(r.id);
      if (failure === 'down') await rig.jobRunnerDown();
      else await rig.restartJobRunner();
      expect((await call('PUT', `/api/v1/requests/${r.id}/stop`)).status, failure).toBe(200);
      expect((await rig.rm.getRequest(r.id)).state).toBe(STATE_STOPPED);
      const [log] = await rig.rm.jobLogs(r.id);
      expect(log).toMatchObject({
        jobId: 'nap@3',
        try: 0,
        state: STATE_STOPPED,
        error: failure === 'down' ? expect.stringMatching(/^stopped by the request manager/) : REASONS.stopJrUnknown,
      });
    }
  });

  it('answers 502 and keeps RUNNING when the JR fails the stop otherwise', async () => {
    const r = await create();
    await settled(r.id);
    // No real JR fails a stop: a peer on the JR's port answers 500 to everything.
    await rig.replaceJobRunner((_req, res) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end('boom'));
    const a = await call('PUT', `/api/v1/requests/${r.id}/stop`);
    expect(shape(a)).toEqual(
      text(502, 'job runner could not stop the chain: unsuccessful status code: 500 (response body: boom)'),
    );
    expect((await rig.rm.getRequest(r.id)).state).toBe(STATE_RUNNING);
  });
});

describe('R6 status', () => {
  it('lists every job sorted by id; live entries win over logged failed tries', async () => {
    const r = await waitingToRetry();
    expect(await rig.rm.latestJobLog(r.id, 'flaky@3')).toMatchObject({ try: 1, state: STATE_FAIL });
    const a = await call('GET', `/api/v1/requests/${r.id}/status`);
    const status = decodeRequestStatus(parseWire(a.text));
    expect(status.request).toEqual(await rig.rm.getRequest(r.id));
    expect(status.jobChainStatus.jobStatuses?.map((s) => [s.jobId, s.state, s.status])).toEqual([
      ['flaky@3', STATE_RUNNING, 'done running "exit 1" (exit 1)'],
      ['sequence_flaky_end@2', STATE_PENDING, ''],
      ['sequence_flaky_start@1', STATE_COMPLETE, ''],
    ]);
  });

  it('answers from the database when the JR is down or does not know the chain', async () => {
    const r = await waitingToRetry();
    for (const failure of ['down', 'restarted, the chain unknown'] as const) {
      if (failure === 'down') await rig.jobRunnerDown();
      else await rig.restartJobRunner();
      const a = await call('GET', `/api/v1/requests/${r.id}/status`);
      expect(a.status, failure).toBe(200);
      const status = decodeRequestStatus(parseWire(a.text));
      expect(status.request.state).toBe(STATE_RUNNING);
      expect(status.jobChainStatus.jobStatuses?.map((s) => s.state)).toEqual([
        STATE_FAIL,
        STATE_PENDING,
        STATE_COMPLETE,
      ]);
    }
  });
});

describe('R11, R12', () => {
  it("lists request types (no args: null, as the original's nil slice)", async () => {
    const a = await call('GET', '/api/v1/request-list');
    expect(a.text).toBe(
      '[{"Name":"flaky","Args":null},{"Name":"greet","Args":[{"Name":"msg","Desc":"what to say","Required":true,"Default":""}]},{"Name":"hello","Args":null},{"Name":"nap","Args":null}]',
    );
  });

  it('running status: {} when idle, sorted by runtime with requests, 502 when the JR is down', async () => {
    expect((await call('GET', '/api/v1/status/running')).text).toBe('{}');
    const running = async () =>
      JSON.parse((await call('GET', '/api/v1/status/running')).text) as {
        jobs?: Array<{ requestId: string; jobId: string; runtime: number }>;
        requests?: Record<string, unknown>;
      };
    const first = await create();
    await rig.until('first running', async () => (await running()).jobs?.length === 1);
    const second = await create();
    await rig.until('both running', async () => (await running()).jobs?.length === 2);
    const body = await running();
    expect(body.jobs?.map((j) => [j.requestId, j.jobId])).toEqual([
      [first.id, 'nap@3'],
      [second.id, 'nap@3'],
    ]);
    expect(body.jobs![0]!.runtime).toBeGreaterThan(body.jobs![1]!.runtime);
    expect(Object.keys(body.requests ?? {}).sort()).toEqual([first.id, second.id].sort());
    await rig.jobRunnerDown();
    const down = await call('GET', '/api/v1/status/running');
    expect(down.status).toBe(502);
    expect(down.text).toMatch(/^cannot get the running jobs from the job runner: job runner unreachable: /);
  });
});

describe('answers recorded from the original', () => {
  const same = [
    '090-rm-get-request-unknown.txt',
    '091-rm-request-status-unknown.txt',
    '092-rm-get-job-chain-unknown.txt',
    '093-rm-get-full-log-unknown.txt',
    '094-rm-get-job-log-unknown-job.txt',
    '095-rm-start-request-unknown.txt',
    '096-rm-stop-request-unknown.txt',
    '097-rm-finish-request-unknown.txt',
    '098-rm-unknown-route.txt',
    '099-rm-wrong-method.txt',
    '100-rm-get-request-short-id.txt',
    '101-rm-get-request-list-trailing-slash.txt',
    // (102, GET /api/v1/requests, is a 405 there: ours lists requests instead, find.test.ts)
    '082-rm-create-request-empty-type.txt',
    '084-rm-create-request-no-content-type.txt',
    '085-rm-create-request-text-plain.txt',
    '150-rm-finish-request-no-body.txt',
  ];
  for (const file of same) {
    it(file, async () => {
      const x = readExchange(file);
      const body = x.request.body === '' && x.method === 'GET' ? undefined : x.request.body;
      const a = await call(x.method, x.path, body || undefined, x.request.headers['content-type'] ?? '');
      expect(shape(a)).toEqual({
        status: x.response!.status,
        type: x.response!.headers['content-type'] ?? null,
        body: x.response!.body,
      });
    });
  }
});

describe('ending requests the JR lost', () => {
  it('fails RUNNING requests left by a previous engine', async () => {
    const data = tempDir();
    try {
      const before = await startRig({ specsDir: specs.dir, database: path.join(data.dir, DATABASE_FILE) });
      const r = decodeRequest(parseWire((await before.client.call('POST', '/api/v1/requests', '{"type":"nap"}')).text));
      await before.until('settled', async () => (await before.rm.getRequest(r.id)).finishedJobs >= 1);
      await before.crash();
      const lines: string[] = [];
      const engine = await startEngine({
        specsDir: specs.dir,
        dataDir: data.dir,
        rmAddr: '127.0.0.1:0',
        jrAddr: '127.0.0.1:0',
        logger: createLogger('engine', (l) => lines.push(l)),
      });
      try {
        expect(lines.filter((l) => l.includes('ended requests interrupted by the last shutdown'))).toEqual([
          expect.stringMatching(/ requests=1$/),
        ]);
        const client = new RmClient(engine.rmUrl);
        expect((await client.get(r.id)).state).toBe(STATE_FAIL);
        expect(await client.logs(r.id)).toEqual([
          expect.objectContaining({ jobId: 'nap@3', try: 0, state: STATE_FAIL, error: REASONS.engineRestarted }),
          expect.objectContaining({ jobId: 'sequence_nap_start@1', try: 1, state: STATE_COMPLETE }),
        ]);
      } finally {
        await engine.close();
      }
    } finally {
      data.remove();
    }
  });

  it('picks the job that was about to run for the synthetic log', async () => {
    const r = await create();
    await settled(r.id);
    expect(await rig.rm.endLostRequest(r.id)).toBe(true);
    expect((await rig.rm.getRequest(r.id)).state).toBe(STATE_FAIL);
    expect(await rig.rm.latestJobLog(r.id, 'nap@3')).toMatchObject({
      try: 0,
      state: STATE_FAIL,
      error: REASONS.jrLost,
      type: 'sleep',
    });
    expect(await rig.rm.endLostRequest(r.id)).toBe(false);
  });
});
