// The v2 codecs against upstream v2.1.1's recordings (test/fixtures/http-v2): every JSON body
// decodes, and what Go wrote encodes back byte for byte (so no field is dropped or changed).

import { describe, expect, it } from 'vitest';
import { V2_FIXTURE_DIR, allExchanges, readV2Exchange, type Exchange } from '../../test/support/http-fixtures';
import { WireError, parseWire } from './proto';
import * as v2 from './proto-v2';

type Codec = { decode: (v: unknown) => unknown; encode: (x: never) => string };
const codec = <T>(decode: (v: unknown) => T, encode: (x: T) => string): Codec => ({
  decode,
  encode: encode as (x: never) => string,
});
const goNull = codec(
  (v) => {
    if (v !== null) throw new Error('expected null');
    return null;
  },
  () => 'null',
);

/** The RM answered (or was called through the proxy at 28887); else the JR. */
const isRM = (ex: Exchange) => /:2888[78]$/.test(ex.request.headers.host ?? '');
const isJson = (headers: Record<string, string>) => (headers['content-type'] ?? '').startsWith('application/json');
const pathOf = (ex: Exchange) => ex.path.split('?')[0] as string;

/** Which message a request body is, from the endpoint it went to (docs/protocol/v2.md §3.8, §5). */
function requestCodec(ex: Exchange): Codec | null {
  const p = pathOf(ex);
  if (ex.method === 'POST' && p === '/api/v1/requests')
    return codec(v2.decodeV2CreateRequest, () => {
      throw new Error('curl wrote it: not re-encoded');
    });
  if (ex.method === 'PUT' && p.endsWith('/finish')) return codec(v2.decodeV2FinishRequest, v2.encodeV2FinishRequest);
  if (ex.method === 'PUT' && p.endsWith('/progress'))
    return codec(v2.decodeV2RequestProgress, v2.encodeV2RequestProgress);
  if (p.endsWith('/suspend') || p.endsWith('/job-chains/resume'))
    return codec(v2.decodeV2SuspendedJobChain, v2.encodeV2SuspendedJobChain);
  if (ex.method === 'POST' && p.endsWith('/log')) return codec(v2.decodeV2JobLog, v2.encodeV2JobLog);
  if (ex.method === 'POST' && p === '/api/v1/job-chains') return codec(v2.decodeV2JobChain, v2.encodeV2JobChain);
  return null;
}

function responseCodec(ex: Exchange): Codec | null {
  const p = pathOf(ex);
  if ((ex.response?.status ?? 0) >= 400) return codec(v2.decodeV2Error, v2.encodeV2Error);
  if (p === '/api/v1/request-list') return codec(v2.decodeV2RequestSpecs, v2.encodeV2RequestSpecs);
  if (p === '/api/v1/status/running') {
    return isRM(ex)
      ? codec(v2.decodeV2RunningStatus, v2.encodeV2RunningStatus)
      : codec(v2.decodeV2JobStatusList, v2.encodeV2JobStatusList);
  }
  if (p === '/api/v1/requests' && ex.method === 'GET') return codec(v2.decodeV2Requests, v2.encodeV2Requests);
  if (/^\/api\/v1\/requests(\/[^/]+)?$/.test(p)) return codec(v2.decodeV2Request, v2.encodeV2Request);
  if (p.endsWith('/job-chain')) return codec(v2.decodeV2JobChain, v2.encodeV2JobChain);
  if (p.endsWith('/progress')) return goNull;
  if (p.endsWith('/log'))
    return ex.method === 'POST'
      ? codec(v2.decodeV2JobLog, v2.encodeV2JobLog)
      : codec(v2.decodeV2JobLogs, v2.encodeV2JobLogs);
  if (/\/log\/[^/]+$/.test(p)) return codec(v2.decodeV2JobLog, v2.encodeV2JobLog);
  return null;
}

const exchanges = allExchanges(V2_FIXTURE_DIR);
const writtenByGo = (ex: Exchange) => (ex.request.headers['user-agent'] ?? '').startsWith('Go-http-client');
const responseBodies = exchanges.filter((ex) => ex.response && isJson(ex.response.headers) && ex.response.body !== '');
const requestBodies = exchanges.filter(
  (ex) => isJson(ex.request.headers) && ex.request.body !== '' && requestCodec(ex),
);
const body = (file: string) => parseWire(readV2Exchange(file).response?.body ?? '');

describe('v2 codecs against the recorded exchanges', () => {
  it('has all 70 recordings, and a codec for every JSON body in them', () => {
    expect(exchanges).toHaveLength(70);
    expect(responseBodies.length).toBeGreaterThan(50);
    expect(responseBodies.filter((ex) => !responseCodec(ex)).map((ex) => ex.file)).toEqual([]);
    const jsonRequests = exchanges.filter((ex) => isJson(ex.request.headers) && ex.request.body !== '');
    // 093 is malformed on purpose; the rest each have a codec.
    expect(jsonRequests.filter((ex) => !requestCodec(ex)).map((ex) => ex.file)).toEqual([]);
  });

  it.each(responseBodies.map((ex) => [ex.file, ex] as const))('%s: the response decodes and re-encodes', (_, ex) => {
    const c = responseCodec(ex) as Codec;
    const text = ex.response?.body as string;
    const decoded = c.decode(parseWire(text));
    // Go's json.Encoder ends every answer with a newline.
    expect(`${c.encode(decoded as never)}\n`).toBe(text);
  });

  it.each(requestBodies.filter((ex) => ex.file !== '093-rm-create-request-bad-json.txt').map((ex) => [ex.file, ex]))(
    '%s: the request body decodes (and re-encodes when Go wrote it)',
    (_, ex) => {
      const e = ex as Exchange;
      const c = requestCodec(e) as Codec;
      const decoded = c.decode(parseWire(e.request.body));
      if (writtenByGo(e)) expect(c.encode(decoded as never)).toBe(e.request.body);
    },
  );
});

describe('what the v2 messages say', () => {
  it('a request carries its args (required, optional and static, with defaults), its chain and its JR', () => {
    const r = v2.decodeV2Request(body('021-rm-get-request-running.txt'));
    expect(r).toMatchObject({ id: 'dc85t7b8di14qp6dp5tg', type: 'demo', state: v2.V2_STATE.RUNNING });
    expect(r.jrURL).toBe('http://127.0.0.1:29999');
    expect(r.args?.map((a) => [a.Name, a.Type, a.Given, a.Default, a.Value])).toEqual([
      ['msg', 'required', true, null, 'world'],
      ['sleepSeconds', 'optional', true, '3', '6'],
      ['failTimes', 'optional', false, '1', '1'],
      ['helloCmd', 'static', false, null, expect.stringContaining('echo "hello $ARG_msg"')],
      ['byeCmd', 'static', false, null, expect.stringContaining('echo "bye')],
    ]);
    const flaky = r.jobChain?.jobs.ZFmz;
    expect(flaky).toMatchObject({ id: 'ZFmz', name: 'flaky', type: 'flaky', retry: 2, retryWait: '500ms' });
    expect(v2.parseGoDuration(flaky?.retryWait ?? '')).toBe(500);
    expect(r.jobChain?.adjacencyList.DlCq).toEqual(['y3dr', 'ZFmz']);
  });

  it('an arg value can be any JSON (a list of hosts)', () => {
    const r = v2.decodeV2Request(body('061-rm-get-request-fanout-complete.txt'));
    expect(r.args?.find((a) => a.Name === 'hosts')?.Value).toEqual(['alpha', 'beta', 'gamma']);
  });

  it('a suspended request is state 7, unfinished, with no JR', () => {
    const r = v2.decodeV2Request(body('066-rm-get-request-suspended.txt'));
    expect(r.state).toBe(v2.V2_STATE.SUSPENDED);
    expect(V2StateName(r.state)).toBe('SUSPENDED');
    expect(r.finishedAt).toBeNull();
    expect(r.jrURL).toBe('');
  });

  it('running jobs start at exact int64 nanoseconds beyond 2^53', () => {
    const running = v2.decodeV2RunningStatus(body('023-rm-status-running-busy.txt'));
    const [job] = running.jobs ?? [];
    expect(job).toMatchObject({ jobId: 'y3dr', name: 'nap', try: 1, state: v2.V2_STATE.RUNNING });
    expect(job?.startedAt).toBe(1796234909214345802n);
    expect(Object.keys(running.requests ?? {})).toEqual(['dc85t7b8di14qp6dp5tg']);
  });

  it('an idle running status and a find with no match are null, not empty', () => {
    expect(v2.decodeV2RunningStatus(body('015-rm-status-running-idle.txt'))).toEqual({ jobs: null, requests: null });
    expect(v2.decodeV2Requests(body('074-rm-find-requests-user.txt'))).toEqual([]);
  });

  it('a find answers newest first, without args or chains', () => {
    const all = v2.decodeV2Requests(body('070-rm-find-requests-all.txt'));
    const created = all.map((r) => Date.parse(r.createdAt));
    expect(created).toEqual([...created].sort((a, b) => b - a));
    expect(all.every((r) => r.args === null && r.jobChain === undefined)).toBe(true);
  });

  it('job logs carry name and try; times keep nanoseconds', () => {
    const logs = v2.decodeV2JobLogs(body('031-rm-get-full-log-complete.txt'));
    const flaky = logs.filter((l) => l.name === 'flaky');
    expect(flaky.map((l) => [l.try, l.state])).toEqual([
      [1, v2.V2_STATE.FAIL],
      [2, v2.V2_STATE.COMPLETE],
    ]);
    expect(typeof flaky[0]?.startedAt).toBe('bigint');
  });

  it('reads both error shapes', () => {
    expect(v2.decodeV2Error(body('100-rm-get-request-unknown.txt'))).toEqual({
      message: 'request b0000000000000000000 not found',
      requestId: '',
      httpStatus: 404,
    });
    expect(v2.decodeV2Error(body('064-rm-create-request-acl-denied.txt'))).toEqual({
      message: 'denied: no caller role matches guarded ACL: caller has [], guarded requires one of [ops sre]',
    });
  });

  it('the request list gives arg types and defaults of any JSON type', () => {
    const specs = v2.decodeV2RequestSpecs(body('014-rm-request-list.txt'));
    expect(specs.map((s) => s.Name)).toEqual(['conditional', 'demo', 'fail', 'fanout', 'guarded', 'sleep']);
    const demo = specs.find((s) => s.Name === 'demo');
    expect(demo?.Args?.map((a) => [a.Name, a.Type, a.Default])).toEqual([
      ['msg', 'required', null],
      ['sleepSeconds', 'optional', '3'],
      ['failTimes', 'optional', '1'],
    ]);
    const spec = v2.decodeV2RequestSpec({ Name: 'x', Args: [{ Name: 'n', Type: 'optional', Default: { a: [1] } }] });
    expect(spec.Args?.[0]?.Default).toEqual({ a: [1] });
  });
});

describe('v2 decoding refuses what does not fit, naming the field', () => {
  it.each([
    [() => v2.decodeV2Job({ retryWait: 500 }), 'Job.retryWait: expected a string, got 500'],
    [
      () => v2.decodeV2Job({ retryWait: '5 seconds' }),
      'Job.retryWait: expected a Go duration ("500ms"), got "5 seconds"',
    ],
    [() => v2.decodeV2Request({ createdAt: '2026-12-01' }), 'Request.createdAt: expected an RFC 3339 time'],
    [() => v2.decodeV2Request({ args: {} }), 'Request.args: expected an array, got an object'],
    [() => v2.decodeV2JobStatus({ startedAt: 'now' }), 'JobStatus.startedAt: expected an integer (Unix nanoseconds)'],
    [() => v2.decodeV2RequestArg({ Value: Infinity }), 'RequestArg.Value: expected a finite number, got Infinity'],
    [() => v2.decodeV2SuspendedJobChain({ sequenceTries: { a: -1 } }), 'SuspendedJobChain.sequenceTries["a"]'],
  ])('%#', (fn, message) => {
    expect(fn).toThrow(WireError);
    expect(fn).toThrow(message);
  });

  it('reads times with 1 to 9 fraction digits and an offset, and no more digits than 9', () => {
    for (const t of ['2026-12-02T18:08:29Z', '2026-12-02T18:08:29.1Z', '2026-12-02T18:08:29.173074209+02:00']) {
      expect(v2.decodeV2Request({ createdAt: t }).createdAt).toBe(t);
    }
    expect(() => v2.decodeV2Request({ createdAt: '2026-12-02T18:08:29.1730742091Z' })).toThrow(WireError);
  });
});

describe('parseGoDuration', () => {
  it.each([
    ['0', 0],
    ['0s', 0],
    ['500ms', 500],
    ['1.5s', 1500],
    ['1m30s', 90_000],
    ['2h', 7_200_000],
    ['250us', 0.25],
    ['250µs', 0.25],
    ['-1s', -1000],
  ])('%s is %d ms', (text, ms) => expect(v2.parseGoDuration(text)).toBe(ms));

  it.each(['', '5', 's', '5 s', '1d', '1.5.2s'])('%j is not a duration', (text) =>
    expect(v2.parseGoDuration(text)).toBeNull(),
  );
});

function V2StateName(state: number): string | undefined {
  return v2.V2_STATE_NAMES[state];
}

describe('nanosecond times', () => {
  it('round-trip through RFC 3339 exactly', () => {
    for (const t of [
      '2026-12-02T18:08:29.173074209Z',
      '1970-01-01T00:00:00.000000001Z',
      '1969-12-31T23:59:59.999999999Z',
    ]) {
      expect(v2.nanosToTime(v2.timeToNanos(t) as bigint)).toBe(t);
    }
    expect(v2.timeToNanos('2026-12-02T18:08:29.1+01:00')).toBe(v2.timeToNanos('2026-12-02T17:08:29.100Z'));
    expect(v2.timeToNanos('2026-12-02')).toBeNull();
  });
});
