// The v2 adapter against upstream v2.1.1's recorded answers, replayed by real loopback servers:
// detection, the console model it maps them onto (states, job ids and names, tries, args,
// times, nulls, errors, chunked bodies), and the recorded world's find semantics.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { closedAfterEach } from '../../../test/support/closing';
import { readV2Exchange } from '../../../test/support/http-fixtures';
import { replay, type ReplayServer } from '../../../test/support/replay-server';
import { findIn, recordedRequests, replayV2World, v2RmExchanges } from '../../../test/support/v2-world';
import { RequestState, stateLabel } from '../../shared/console-model';
import { parseWire } from '../../shared/proto';
import { decodeV2Requests } from '../../shared/proto-v2';
import { AdapterV2, fromV2State } from './adapter-v2';
import { detectServer } from './connect';
import { connectRm } from './connection';
import type { RmApi } from './rm-api';
import { RmClientError, Transport } from './transport';

let peer: ReplayServer | undefined;
let api: RmApi | undefined;
const closed = closedAfterEach();

const DEMO = 'dc85t7b8di14qp6dp5tg';
const FAILED = 'dc85t8r8di14qp6dp5u0';
const SUSPENDED = 'dc85u6j8di154hhro860';
const v2Server = { generation: 'v2', version: '2.1.1', canFind: true } as const;

async function world(): Promise<RmApi> {
  peer = closed(await replayV2World());
  api = closed(await connectRm({ baseUrl: peer.url, label: 'v2-prod', backoffMs: 5 }));
  return api;
}

async function recorded(...files: string[]): Promise<RmApi> {
  peer = closed(await replay(files.map(readV2Exchange)));
  api = closed(new AdapterV2(new Transport({ baseUrl: peer.url, label: 'v2-prod' }), v2Server));
  return api;
}

describe('detecting a v2 server', () => {
  it('reads GET /version: generation v2, version 2.1.1, can list its requests', async () => {
    peer = closed(await replay([readV2Exchange('010-rm-version.txt')]));
    const transport = new Transport({ baseUrl: peer.url });
    try {
      expect(await detectServer(transport)).toEqual(v2Server);
    } finally {
      transport.close();
    }
  });

  it('connects with the v2 adapter', async () => {
    expect((await world()).server).toEqual(v2Server);
  });
});

describe('the v2 adapter on the console model', () => {
  it('states: 5 is RESERVED (never TIMEOUT), 7 is SUSPENDED, 0-4 and 6 as they are', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((s) => stateLabel(fromV2State(s)))).toEqual([
      'UNKNOWN',
      'PENDING',
      'RUNNING',
      'COMPLETE',
      'FAIL',
      'RESERVED',
      'STOPPED',
      'SUSPENDED',
    ]);
    expect(fromV2State(5)).not.toBe(RequestState.TIMEOUT);
    expect(fromV2State(42)).toBe(RequestState.UNKNOWN);
  });

  it('a finished request: the caller args (not the static ones), exact times, a chunked body', async () => {
    const rm = await world();
    const r = await rm.getRequest(DEMO);
    expect(r).toEqual({
      id: DEMO,
      type: 'demo',
      state: RequestState.COMPLETE,
      user: '',
      createdAt: '2026-12-02T18:08:29.173074Z',
      startedAt: '2026-12-02T18:08:29.179976Z',
      finishedAt: '2026-12-02T18:08:35.228581Z',
      totalJobs: 8,
      finishedJobs: 8,
      args: { msg: 'world', sleepSeconds: '6', failTimes: '1' },
    });
  });

  it('a suspended request reads SUSPENDED, unfinished', async () => {
    const rm = await world();
    const r = await rm.getRequest(SUSPENDED);
    expect(stateLabel(r.state)).toBe('SUSPENDED');
    expect(r.finishedAt).toBeNull();
    expect(r.args).toEqual({ seconds: '6' });
  });

  it('the chain: 4-character ids with their names, retry waits in milliseconds', async () => {
    const rm = await world();
    const chain = await rm.jobChain(DEMO);
    expect(chain.jobs.map((j) => [j.id, j.name])).toContainEqual(['ZFmz', 'flaky']);
    expect(chain.jobs.find((j) => j.id === 'ZFmz')).toMatchObject({ type: 'flaky', retry: 2, retryWait: 500 });
    expect(chain.jobs.map((j) => j.id)).toEqual([...chain.jobs.map((j) => j.id)].sort());
    expect(chain.adjacencyList.DlCq).toEqual(['y3dr', 'ZFmz']);
  });

  it("a finished request's job states come from its latest tries; the logs read for them are handed over", async () => {
    const rm = await world();
    await rm.getRequest(DEMO);
    const first = await rm.jobStatuses(DEMO);
    expect(first.logs?.filter((l) => l.jobId === 'ZFmz').map((l) => [l.name, l.try, stateLabel(l.state)])).toEqual([
      ['flaky', 1, 'FAIL'],
      ['flaky', 2, 'COMPLETE'],
    ]);
    expect(first.statuses).toHaveLength(8);
    expect(first.statuses.find((s) => s.jobId === 'ZFmz')).toMatchObject({
      name: 'flaky',
      state: RequestState.COMPLETE,
      try: 2,
      startedMs: null,
    });
    expect(first.statuses.every((s) => s.state === RequestState.COMPLETE)).toBe(true);
    // Nothing changed since: the logs are not read again.
    const calls = peer?.received.length ?? 0;
    const again = await rm.jobStatuses(DEMO);
    expect(again.logs).toBeNull();
    expect(again.statuses).toEqual(first.statuses);
    expect(peer?.received.slice(calls).map((r) => r.path)).toEqual([]);
  });

  it('a running request: the running job with its try, live status and start; the rest from logs or pending', async () => {
    const rm = await recorded(
      '021-rm-get-request-running.txt',
      '024-rm-status-running-filtered.txt',
      '027-rm-get-full-log-running.txt',
    );
    await rm.getRequest(DEMO);
    const { statuses } = await rm.jobStatuses(DEMO);
    const by = (name: string) => statuses.find((s) => s.name === name);
    expect(by('nap')).toMatchObject({
      jobId: 'y3dr',
      state: RequestState.RUNNING,
      try: 1,
      status: 'sleeping 6s since 2026-12-02T18:08:29Z',
      startedMs: 1796234909214,
    });
    expect(by('flaky')).toMatchObject({ state: RequestState.COMPLETE, try: 2 });
    expect(by('bye')).toMatchObject({ state: RequestState.PENDING, try: null });
    // The running list is asked for this request only.
    expect(peer?.received.map((r) => r.path)).toContain(`/api/v1/status/running?requestId=${DEMO}&orderBy=startTime`);
  });

  it('the running list: null lists are empty; running jobs start at their exact millisecond', async () => {
    expect(await (await world()).running()).toEqual({ requests: [], jobs: [] });
    await peer?.close();
    const rm = await recorded('023-rm-status-running-busy.txt');
    const running = await rm.running();
    expect(running.requests.map((r) => [r.id, stateLabel(r.state), r.args])).toEqual([[DEMO, 'RUNNING', null]]);
    expect(running.jobs).toEqual([
      {
        requestId: DEMO,
        jobId: 'y3dr',
        name: 'nap',
        state: RequestState.RUNNING,
        status: 'sleeping 6s since 2026-12-02T18:08:29Z',
        try: 1,
        startedMs: 1796234909214,
      },
    ]);
  });

  it('logs of one job: the latest try; none logged yet is null', async () => {
    const rm = await world();
    expect(await rm.jobLog(DEMO, 'ZFmz')).toMatchObject({ name: 'flaky', try: 2, startedAt: 1796234909718256853n });
    expect(await rm.jobLog(FAILED, 'x6lf')).toBeNull();
    expect(await rm.jobLog(FAILED, 'jEo3')).toMatchObject({
      state: RequestState.FAIL,
      exit: 3,
      stderr: 'fatal: simulated failure, exiting 3\n',
    });
  });

  it('request types: required first, static ones marked, defaults as given', async () => {
    const types = await (await world()).requestTypes();
    expect(types.map((t) => t.name)).toEqual(['conditional', 'demo', 'fail', 'fanout', 'guarded', 'sleep']);
    expect(types.find((t) => t.name === 'demo')?.args).toEqual([
      { name: 'msg', desc: 'who to greet', kind: 'required', default: null },
      { name: 'sleepSeconds', desc: 'how long nap sleeps (seconds)', kind: 'optional', default: '3' },
      { name: 'failTimes', desc: 'how many tries flaky fails before it succeeds', kind: 'optional', default: '1' },
    ]);
  });

  it('creates a request: sent as 2017 did, answered PENDING with its args', async () => {
    const rm = await world();
    const r = await rm.createRequest('demo', { msg: 'world', sleepSeconds: '6' }, '');
    expect(r).toMatchObject({ type: 'demo', state: RequestState.PENDING, startedAt: null });
    expect(peer?.received.at(-1)?.body).toBe('{"Type":"demo","Args":{"msg":"world","sleepSeconds":"6"},"User":""}');
  });

  it('a 401 says which context refused what, in the server words', async () => {
    const rm = await world();
    const err = await rm.createRequest('guarded', {}, '').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RmClientError);
    expect(err).toMatchObject({ status: 401, kind: 'http' });
    expect((err as Error).message).toBe(
      `v2-prod (${peer?.url}) refused POST /api/v1/requests: 401 not authorized: ` +
        'denied: no caller role matches guarded ACL: caller has [], guarded requires one of [ops sre]',
    );
  });

  it("other refusals are the server's message: unknown request, stop of a failed one, unknown type", async () => {
    const rm = await world();
    await expect(rm.getRequest('b0000000000000000000')).rejects.toMatchObject({
      message: 'request b0000000000000000000 not found',
      status: 404,
    });
    await expect(rm.stopRequest(FAILED)).rejects.toMatchObject({
      message: 'request in state FAIL, expected state RUNNING',
      status: 500,
    });
    await expect(rm.createRequest('nope', {}, '')).rejects.toThrow('cannot find specs for request: nope');
  });

  it('a 503 while the server shuts down: its message, and GETs are tried again', async () => {
    let gets = 0;
    const shutting = http.createServer((req, res) => {
      if (req.method === 'GET') gets++;
      res
        .writeHead(503, { 'Content-Type': 'application/json' })
        .end(
          '{"message":"Request Manager is shutting down - no new requests are being started","requestId":"","httpStatus":503}\n',
        );
    });
    await new Promise<void>((r) => shutting.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(shutting.address() as AddressInfo).port}`;
    const rm = new AdapterV2(new Transport({ baseUrl: url, backoffMs: 5, getRetries: 2 }), v2Server);
    try {
      await expect(rm.createRequest('demo', { msg: 'x' }, '')).rejects.toMatchObject({
        message: 'Request Manager is shutting down - no new requests are being started',
        status: 503,
      });
      await expect(rm.getRequest(DEMO)).rejects.toMatchObject({ status: 503 });
      expect(gets).toBe(3);
    } finally {
      rm.close();
      shutting.close();
    }
  });
});

describe('finding requests on a v2 server', () => {
  it('every request, newest first, the suspended one included', async () => {
    const found = await (await world()).findRequests({});
    expect(found.total).toBeNull();
    expect(found.requests.map((r) => r.id)).toContain(SUSPENDED);
    const created = found.requests.map((r) => Date.parse(r.createdAt));
    expect(created).toEqual([...created].sort((a, b) => b - a));
  });

  it('filters on the server, states by name, paging by limit and offset', async () => {
    const rm = await world();
    expect((await rm.findRequests({ states: [RequestState.SUSPENDED] })).requests.map((r) => r.id)).toEqual([
      SUSPENDED,
    ]);
    expect((await rm.findRequests({ args: [['msg', 'world']] })).requests.map((r) => r.id)).toEqual([DEMO]);
    const page = await rm.findRequests({ limit: 2, offset: 2 });
    expect(page.requests).toHaveLength(2);
    expect(peer?.received.at(-1)?.path).toBe('/api/v1/requests?limit=2&offset=2');
  });

  it('asks nothing for TIMEOUT alone, which a v2 server never holds', async () => {
    const rm = await world();
    const before = peer?.received.length;
    expect(await rm.findRequests({ states: [RequestState.TIMEOUT] })).toEqual({ requests: [], total: 0 });
    expect(peer?.received.length).toBe(before);
  });

  it("a bad time is the server's 400", async () => {
    const rm = await world();
    await expect(rm.findRequests({ since: '2026-12-01' })).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining(`invalid 'since' parameter: "2026-12-01"`),
    });
  });
});

describe('the recorded world finds as the real RM did', () => {
  // The requests of the first recording session, as the find of every request (070) saw them.
  const exchanges = v2RmExchanges();
  const all = decodeV2Requests(parseWire(readV2Exchange('070-rm-find-requests-all.txt').response?.body ?? ''));
  const ids = new Set(all.map((r) => r.id));
  const then = recordedRequests(exchanges).filter((r) => ids.has(r.id));
  const finds = [
    '071-rm-find-requests-type.txt',
    '072-rm-find-requests-state.txt',
    '073-rm-find-requests-states.txt',
    '074-rm-find-requests-user.txt',
    '075-rm-find-requests-arg.txt',
    '076-rm-find-requests-since.txt',
    '077-rm-find-requests-until.txt',
    '078-rm-find-requests-limit.txt',
    '079-rm-find-requests-limit-offset.txt',
    '081-rm-find-requests-combined.txt',
    '082-rm-find-requests-bad-state.txt',
  ];
  it.each(finds)('%s', (file) => {
    const ex = readV2Exchange(file);
    const answer = findIn(then, new URLSearchParams(ex.path.split('?')[1] ?? ''));
    expect(answer.status).toBe(ex.response?.status);
    expect(answer.body).toBe(ex.response?.body);
  });
});
