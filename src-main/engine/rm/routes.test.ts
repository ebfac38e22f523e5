// The RM's twelve endpoints over real HTTP, with a scripted job runner and chain builder:
// success paths, the fixed defects, every kind of bad input, and the recorded answers of the
// original for unknown ids and routes.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  STATE_COMPLETE,
  STATE_FAIL,
  STATE_PENDING,
  STATE_RUNNING,
  STATE_STOPPED,
  decodeJobLog,
  decodeJobLogs,
  decodeRequest,
  decodeRequestStatus,
  encodeJobChain,
  parseWire,
} from '../../shared/proto';
import { readExchange } from '../../testing/http-fixtures';
import { listen, type Listening } from '../http/server';
import { LinkError } from '../links';
import { EngineStore } from '../store/store';
import { REASONS, RequestManager } from './request-manager';
import { requestManagerRouter } from './routes';
import { FakeChainBuilder, FakeJobRunner, unreachable } from './test-doubles';

let store: EngineStore;
let jr: FakeJobRunner;
let rm: RequestManager;
let server: Listening;

beforeEach(async () => {
  store = new EngineStore(':memory:');
  jr = new FakeJobRunner();
  rm = new RequestManager({ store, jobRunner: jr, builder: new FakeChainBuilder(), stopSettleMs: 1 });
  server = await listen(requestManagerRouter(rm, { maxBodyBytes: 1024 }), '127.0.0.1:0');
});
afterEach(async () => {
  await server.close();
  store.close();
});

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

async function call(method: string, path: string, body?: string, type = 'application/json'): Promise<Answer> {
  const res = await fetch(server.url + path, {
    method,
    ...(body === undefined ? {} : { body, headers: type ? { 'Content-Type': type } : {} }),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

const create = async (body = '{"type":"hello"}') => {
  const a = await call('POST', '/api/v1/requests', body);
  expect(a.status, a.text).toBe(201);
  return decodeRequest(parseWire(a.text));
};
const jobLog = (jobId: string, tryN: number, state: number, extra = '') =>
  `{"jobId":"${jobId}","try":${tryN},"type":"","startedAt":1795816438786592835,"finishedAt":1795816438787759215,"state":${state},"exit":0${extra}}`;
const text = (status: number, body: string) => ({ status, type: 'text/plain; charset=utf-8', body });
const shape = (a: Answer) => ({ status: a.status, type: a.headers.get('content-type'), body: a.text });

describe('R1 create', () => {
  it('creates and starts: 201, Location, the true state', async () => {
    const a = await call('POST', '/api/v1/requests', '{"type":"hello","args":{}}');
    expect(a.status).toBe(201);
    const r = decodeRequest(parseWire(a.text));
    expect(a.headers.get('location')).toBe(`/api/v1/requests/${r.id}`);
    expect(r).toMatchObject({ type: 'hello', state: STATE_RUNNING, user: 'admin', totalJobs: 3, finishedJobs: 0 });
    expect(r.id).toMatch(/^[0-9a-f]{32}$/);
    expect(r.startedAt).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
    expect(r.finishedAt).toBeNull();
    expect(jr.chains.get(r.id)?.requestId).toBe(r.id);
  });

  it("keeps the body's User, takes Go field names", async () => {
    const r = await create('{"Type":"greet","Args":{"msg":"hi"},"User":"alice"}');
    expect(r.user).toBe('alice');
  });

  it('answers 502 with Location and ends the request FAIL when the JR does not take the chain', async () => {
    jr.failCreate = unreachable();
    const a = await call('POST', '/api/v1/requests', '{"type":"hello"}');
    expect(a.status).toBe(502);
    expect(a.text).toMatch(/^job runner did not accept the chain: job runner unreachable: .*ECONNREFUSED/);
    const id = (a.headers.get('location') as string).split('/').pop() as string;
    expect(rm.getRequest(id)).toMatchObject({ state: STATE_FAIL });
    expect(rm.getRequest(id).finishedAt).not.toBeNull();
    const logs = rm.jobLogs(id);
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
    expect(store.requestIdsInState(STATE_PENDING)).toEqual([]);
    await create();
  });
});

describe('R2, R3, R7: get, start, chain', () => {
  it('serves the stored request and chain; start needs PENDING', async () => {
    const r = await create();
    expect(decodeRequest(parseWire((await call('GET', `/api/v1/requests/${r.id}`)).text))).toEqual(r);
    const chain = await call('GET', `/api/v1/requests/${r.id}/job-chain`);
    expect(chain.text).toBe(encodeJobChain(jr.chains.get(r.id)!));
    expect(shape(await call('PUT', `/api/v1/requests/${r.id}/start`))).toEqual(
      text(400, 'request not in PENDING state (state = RUNNING)'),
    );
  });
});

describe('R8, R9, R10: job logs', () => {
  it('stores tries, fills the type, counts COMPLETE, lists by job then try', async () => {
    const r = await create();
    const post = (body: string) => call('POST', `/api/v1/requests/${r.id}/log`, body);
    const a = await post(jobLog('hello@3', 1, STATE_FAIL, ',"exit":-1'));
    expect(a.status).toBe(201);
    expect(decodeJobLog(parseWire(a.text))).toMatchObject({ requestId: r.id, type: 'shell', exit: -1, try: 1 });
    expect(a.text).toContain('"startedAt":1795816438786592835,');
    expect((await post(jobLog('hello@3', 2, STATE_COMPLETE, ',"exit":4294967296'))).status).toBe(201);
    expect((await post(jobLog('sequence_hello_start@1', 1, STATE_COMPLETE))).status).toBe(201);
    expect(rm.getRequest(r.id).finishedJobs).toBe(2);

    const list = decodeJobLogs(parseWire((await call('GET', `/api/v1/requests/${r.id}/log`)).text));
    expect(list.map((l) => [l.jobId, l.try, l.exit])).toEqual([
      ['hello@3', 1, -1],
      ['hello@3', 2, 4294967296],
      ['sequence_hello_start@1', 1, 0],
    ]);
    const latest = decodeJobLog(parseWire((await call('GET', `/api/v1/requests/${r.id}/log/hello@3`)).text));
    expect(latest).toMatchObject({ try: 2, type: 'shell', state: STATE_COMPLETE, startedAt: 1795816438786592835n });
  });

  it('refuses duplicates (409), unknown requests (404), foreign jobs and wrong shapes (400)', async () => {
    const r = await create();
    const post = (id: string, body: string) => call('POST', `/api/v1/requests/${id}/log`, body);
    expect((await post(r.id, jobLog('hello@3', 1, STATE_COMPLETE))).status).toBe(201);
    expect(shape(await post(r.id, jobLog('hello@3', 1, STATE_COMPLETE)))).toEqual(
      text(409, `job log already exists (request ${r.id}, job hello@3, try 1)`),
    );
    expect(shape(await post('0'.repeat(32), jobLog('x@1', 1, STATE_COMPLETE)))).toEqual(text(404, 'request not found'));
    expect(shape(await post(r.id, jobLog('nope@9', 1, STATE_COMPLETE)))).toEqual(
      text(400, `job "nope@9" is not in the job chain of request ${r.id}`),
    );
    expect(shape(await post(r.id, '{"jobId":"hello@3","try":2,"state":"COMPLETE"}'))).toEqual(
      text(400, 'JobLog.state: expected an integer from 0 to 255, got "COMPLETE"'),
    );
    expect((await post(r.id, jobLog('hello@3', 2, STATE_COMPLETE))).status).toBe(201);
    expect(rm.getRequest(r.id).finishedJobs).toBe(2);
    expect(store.jobLogs('0'.repeat(32))).toEqual([]);
  });
});

describe('R4 finish, R5 stop', () => {
  it('finish needs RUNNING and a JSON body; stop of COMPLETE is a no-op', async () => {
    const r = await create();
    const path = `/api/v1/requests/${r.id}`;
    expect((await call('PUT', `${path}/finish`)).status).toBe(415);
    expect((await call('PUT', `${path}/finish`, '{"State":3}')).status).toBe(200);
    expect(rm.getRequest(r.id)).toMatchObject({ state: STATE_COMPLETE, finishedAt: expect.any(String) });
    expect(shape(await call('PUT', `${path}/finish`, '{"State":3}'))).toEqual(
      text(400, 'request not in RUNNING state (state = COMPLETE)'),
    );
    const stop = await call('PUT', `${path}/stop`);
    expect([stop.status, stop.text, stop.headers.get('content-length')]).toEqual([200, '', '0']);
  });

  it('stop asks the JR, which finishes the request STOPPED', async () => {
    const r = await create();
    jr.onStop = (id) => rm.finishRequest(id, STATE_STOPPED);
    expect((await call('PUT', `/api/v1/requests/${r.id}/stop`)).status).toBe(200);
    expect(jr.stopped).toEqual([r.id]);
    expect(rm.getRequest(r.id).state).toBe(STATE_STOPPED);
    expect(shape(await call('PUT', `/api/v1/requests/${r.id}/stop`))).toEqual(
      text(400, 'request not in RUNNING state (state = STOPPED)'),
    );
  });

  it('ends the request STOPPED itself when the JR does not know the chain or is down', async () => {
    for (const failure of [
      new LinkError('unsuccessful status code: 404 (response body: traverser not found)', 404),
      unreachable(),
    ]) {
      const r = await create();
      jr.failStop = failure;
      expect((await call('PUT', `/api/v1/requests/${r.id}/stop`)).status).toBe(200);
      expect(rm.getRequest(r.id).state).toBe(STATE_STOPPED);
      const [log] = rm.jobLogs(r.id);
      expect(log).toMatchObject({
        try: 0,
        state: STATE_STOPPED,
        error: expect.stringMatching(/^stopped by the request manager/),
      });
    }
  });

  it('answers 502 and keeps RUNNING when the JR fails the stop otherwise', async () => {
    const r = await create();
    jr.failStop = new LinkError('unsuccessful status code: 500 (response body: boom)', 500);
    const a = await call('PUT', `/api/v1/requests/${r.id}/stop`);
    expect(shape(a)).toEqual(
      text(502, 'job runner could not stop the chain: unsuccessful status code: 500 (response body: boom)'),
    );
    expect(rm.getRequest(r.id).state).toBe(STATE_RUNNING);
  });
});

describe('R6 status', () => {
  it('lists every job sorted by id; live entries win over logged failed tries', async () => {
    const r = await create();
    await rm.createJobLog(r.id, decodeJobLog(parseWire(jobLog('sequence_hello_start@1', 1, STATE_COMPLETE))));
    await rm.createJobLog(r.id, decodeJobLog(parseWire(jobLog('hello@3', 1, STATE_FAIL))));
    const liveEntry = {
      requestId: '',
      jobId: 'hello@3',
      state: STATE_RUNNING,
      status: 'waiting to retry',
      runtime: 0,
      n: 0,
    };
    jr.live.set(r.id, [liveEntry]);
    const a = await call('GET', `/api/v1/requests/${r.id}/status`);
    const status = decodeRequestStatus(parseWire(a.text));
    expect(status.request).toEqual(rm.getRequest(r.id));
    expect(status.jobChainStatus.jobStatuses?.map((s) => [s.jobId, s.state, s.status])).toEqual([
      ['hello@3', STATE_RUNNING, 'waiting to retry'],
      ['sequence_hello_end@2', STATE_PENDING, ''],
      ['sequence_hello_start@1', STATE_COMPLETE, ''],
    ]);
  });

  it('answers from the database when the JR is down or does not know the chain', async () => {
    const r = await create();
    await rm.createJobLog(r.id, decodeJobLog(parseWire(jobLog('hello@3', 1, STATE_FAIL))));
    for (const failure of [
      unreachable(),
      new LinkError('unsuccessful status code: 404 (response body: traverser not found)', 404),
    ]) {
      jr.failStatus = failure;
      const a = await call('GET', `/api/v1/requests/${r.id}/status`);
      expect(a.status).toBe(200);
      const states = decodeRequestStatus(parseWire(a.text)).jobChainStatus.jobStatuses?.map((s) => s.state);
      expect(states).toEqual([STATE_FAIL, STATE_PENDING, STATE_PENDING]);
    }
  });
});

describe('R11, R12', () => {
  it('lists request types', async () => {
    const a = await call('GET', '/api/v1/request-list');
    expect(a.text).toBe(
      '[{"Name":"greet","Args":[{"Name":"msg","Desc":"what to say","Required":true,"Default":""}]},{"Name":"hello","Args":[]}]',
    );
  });

  it('running status: {} when idle, sorted by runtime with requests, 502 when the JR is down', async () => {
    expect((await call('GET', '/api/v1/status/running')).text).toBe('{}');
    const r = await create();
    const js = (jobId: string, runtime: number) => ({ requestId: r.id, jobId, state: 2, status: '', runtime, n: 1 });
    jr.running = [js('a@1', 1.5), js('b@2', 9.25), js('c@3', 1.5)];
    const a = await call('GET', '/api/v1/status/running');
    const body = JSON.parse(a.text) as { jobs: Array<{ jobId: string }>; requests: Record<string, unknown> };
    expect(body.jobs.map((j) => j.jobId)).toEqual(['b@2', 'a@1', 'c@3']);
    expect(Object.keys(body.requests)).toEqual([r.id]);
    jr.failStatus = unreachable();
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
    '102-rm-post-requests-get.txt',
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
    const r = await create();
    expect(rm.failInterruptedRequests()).toBe(1);
    expect(rm.getRequest(r.id).state).toBe(STATE_FAIL);
    expect(rm.jobLogs(r.id)[0]).toMatchObject({
      jobId: 'sequence_hello_start@1',
      try: 0,
      error: REASONS.engineRestarted,
    });
  });

  it('picks the job that was about to run for the synthetic log', async () => {
    const r = await create();
    await rm.createJobLog(r.id, decodeJobLog(parseWire(jobLog('sequence_hello_start@1', 1, STATE_COMPLETE))));
    expect(rm.endLostRequest(r.id)).toBe(true);
    expect(rm.latestJobLog(r.id, 'hello@3')).toMatchObject({
      try: 0,
      state: STATE_FAIL,
      error: REASONS.jrLost,
      type: 'shell',
    });
    expect(rm.endLostRequest(r.id)).toBe(false);
  });
});
