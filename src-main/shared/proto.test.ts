// Wire compatibility of the proto codecs: every JSON body the original Spin Cycle sent or
// received (test/fixtures/http) decodes, and what Go wrote encodes back byte for byte.

import { describe, expect, it } from 'vitest';
import { allExchanges, type Exchange } from '../../test/support/http-fixtures';
import * as proto from './proto';

type Codec = { decode: (v: unknown) => unknown; encode: (x: never) => string };
const codec = <T>(decode: (v: unknown) => T, encode: (x: T) => string): Codec => ({
  decode,
  encode: encode as (x: never) => string,
});

const isRM = (ex: Exchange) => /:1888[78]$/.test(ex.request.headers.host ?? '');

/** Which message a body is, from the endpoint it went to (docs/protocol/wire.md §4-5). */
function requestCodec(ex: Exchange): Codec | null {
  const p = ex.path;
  if (ex.method === 'POST' && p === '/api/v1/requests')
    return codec(proto.decodeCreateRequestParams, proto.encodeCreateRequestParams);
  if (ex.method === 'PUT' && p.endsWith('/finish'))
    return codec(proto.decodeFinishRequestParams, proto.encodeFinishRequestParams);
  if (ex.method === 'POST' && p.endsWith('/log')) return codec(proto.decodeJobLog, proto.encodeJobLog);
  if (ex.method === 'POST' && p === '/api/v1/job-chains') return codec(proto.decodeJobChain, proto.encodeJobChain);
  return null;
}

function responseCodec(ex: Exchange): Codec | null {
  const p = ex.path;
  if (p === '/api/v1/request-list') return codec(proto.decodeRequestSpecs, proto.encodeRequestSpecs);
  if (p === '/api/v1/status/running') {
    return isRM(ex)
      ? codec(proto.decodeRunningStatus, proto.encodeRunningStatus)
      : codec(proto.decodeJobStatusList, proto.encodeJobStatusList);
  }
  if (/^\/api\/v1\/requests(\/[^/]+)?$/.test(p)) return codec(proto.decodeRequest, proto.encodeRequest);
  if (p.endsWith('/status') && p.includes('/job-chains/'))
    return codec(proto.decodeJobChainStatus, proto.encodeJobChainStatus);
  if (p.endsWith('/status')) return codec(proto.decodeRequestStatus, proto.encodeRequestStatus);
  if (p.endsWith('/job-chain')) return codec(proto.decodeJobChain, proto.encodeJobChain);
  if (p.endsWith('/log'))
    return ex.method === 'POST'
      ? codec(proto.decodeJobLog, proto.encodeJobLog)
      : codec(proto.decodeJobLogs, proto.encodeJobLogs);
  if (/\/log\/[^/]+$/.test(p)) return codec(proto.decodeJobLog, proto.encodeJobLog);
  return null;
}

const exchanges = allExchanges();
const isJson = (headers: Record<string, string>) => (headers['content-type'] ?? '').startsWith('application/json');
/** Bodies written by Go (responses, and the RM<->JR traffic) are canonical; curl's are not. */
const writtenByGo = (ex: Exchange) => (ex.request.headers['user-agent'] ?? '').startsWith('Go-http-client');

const responseBodies = exchanges.filter((ex) => ex.response && isJson(ex.response.headers) && ex.response.body !== '');
const requestBodies = exchanges.filter(
  (ex) => isJson(ex.request.headers) && ex.request.body !== '' && requestCodec(ex),
);

describe('proto codecs against the recorded exchanges', () => {
  it('covers every JSON response body in the fixtures', () => {
    expect(responseBodies.length).toBeGreaterThan(50);
    for (const ex of responseBodies) expect(responseCodec(ex), ex.file).not.toBeNull();
  });

  it.each(responseBodies.map((ex) => [ex.file, ex] as const))(
    '%s: response decodes and encodes back byte for byte',
    (_f, ex) => {
      const c = responseCodec(ex) as Codec;
      const body = (ex.response as { body: string }).body;
      const decoded = c.decode(proto.parseWire(body));
      expect(c.encode(decoded as never)).toBe(body);
    },
  );

  it.each(requestBodies.map((ex) => [ex.file, ex] as const))('%s: request body', (_f, ex) => {
    const c = requestCodec(ex) as Codec;
    const status = ex.response?.status ?? 0;
    const goRejectedIt = status === 400 && /unmarshal|unexpected|invalid character/i.test(ex.response?.body ?? '');
    if (goRejectedIt) {
      expect(() => c.decode(proto.parseWire(ex.request.body))).toThrow();
      return;
    }
    const decoded = c.decode(proto.parseWire(ex.request.body));
    const encoded = c.encode(decoded as never);
    if (writtenByGo(ex)) expect(encoded).toBe(ex.request.body);
    else expect(c.decode(proto.parseWire(encoded))).toEqual(decoded);
  });
});

describe('job-log nanosecond times', () => {
  it('keeps every digit of Unix-nanosecond times', () => {
    const body = '{"jobId":"a@1","try":1,"startedAt":1795816285172551555,"finishedAt":1795816285172554769,"state":3}';
    const log = proto.readWire(body, proto.decodeJobLog);
    expect(log.startedAt).toBe(1795816285172551555n);
    expect(log.finishedAt).toBe(1795816285172554769n);
    expect(proto.encodeJobLog(log)).toContain('"startedAt":1795816285172551555,"finishedAt":1795816285172554769');
  });

  it('is not fooled by the key appearing inside a string', () => {
    const body = '{"stdout":"\\"startedAt\\":1,","startedAt":1795816285172551555}';
    expect(proto.readWire(body, proto.decodeJobLog).startedAt).toBe(1795816285172551555n);
  });

  it('reads 0 (never ran) and small values as exact', () => {
    expect(proto.readWire('{"startedAt":0}', proto.decodeJobLog).startedAt).toBe(0n);
  });
});

describe('decoding rejects malformed input with the field named', () => {
  const cases: Array<[string, () => unknown, RegExp]> = [
    [
      'string state',
      () => proto.readWire('{"state":"3"}', proto.decodeJobLog),
      /^JobLog\.state: expected an integer from 0 to 255, got "3"$/,
    ],
    [
      'state out of range',
      () => proto.readWire('{"State":256}', proto.decodeFinishRequestParams),
      /FinishRequestParams\.State: expected an integer from 0 to 255, got 256/,
    ],
    [
      'bad base64',
      () => proto.readWire('{"jobs":{"a@1":{"bytes":"not base64!"}}}', proto.decodeJobChain),
      /JobChain\.jobs\["a@1"\]\.bytes: expected base64 text/,
    ],
    [
      'bad time',
      () => proto.readWire('{"createdAt":"yesterday"}', proto.decodeRequest),
      /Request\.createdAt: expected an RFC 3339 time, got "yesterday"/,
    ],
    [
      'args not an object',
      () => proto.readWire('{"Type":"x","Args":[1]}', proto.decodeCreateRequestParams),
      /CreateRequestParams\.Args: expected an object, got an array/,
    ],
    [
      'adjacency target not a string',
      () => proto.readWire('{"adjacencyList":{"a":[1]}}', proto.decodeJobChain),
      /JobChain\.adjacencyList\["a"\]\[0\]: expected a string, got 1/,
    ],
    [
      'top level not an object',
      () => proto.readWire('[1,2]', proto.decodeJob),
      /^Job: expected an object, got an array$/,
    ],
    ['fractional retry', () => proto.readWire('{"retry":1.5}', proto.decodeJob), /Job\.retry: expected an integer/],
    ['truncated JSON', () => proto.parseWire('{"Type":'), /^malformed JSON/],
    ['empty body', () => proto.parseWire(''), /^empty body: expected JSON$/],
  ];
  it.each(cases)('%s', (_name, run, message) => {
    expect(run).toThrow(message);
  });

  it('follows Go: case-insensitive keys, unknown keys ignored, null and missing give zero values', () => {
    const p = proto.readWire(
      '{"type":"demo","ARGS":{"b":1,"a":"x"},"extra":true,"User":null}',
      proto.decodeCreateRequestParams,
    );
    expect(p).toEqual({ Type: 'demo', Args: { b: 1, a: 'x' }, User: '' });
    expect(proto.encodeCreateRequestParams(p)).toBe('{"Type":"demo","Args":{"a":"x","b":1},"User":""}');
  });
});

describe('encoding follows Go encoding/json', () => {
  it('escapes <, >, & and sorts map keys by bytes', () => {
    const p: proto.CreateRequestParams = { Type: 'a<b>&c', Args: { z: 1, B: 2, a: [true, null] }, User: '' };
    expect(proto.encodeCreateRequestParams(p)).toBe(
      '{"Type":"a\\u003cb\\u003e\\u0026c","Args":{"B":2,"a":[true,null],"z":1},"User":""}',
    );
  });

  it('writes nil bytes as null and bytes as padded base64', () => {
    const job: proto.Job = {
      id: 'j@1',
      type: 'shell',
      bytes: new TextEncoder().encode('{"cmd":"echo bye"}'),
      state: 0,
      args: null,
      data: null,
      retry: 0,
      retryWait: 0,
    };
    expect(proto.encodeJob(job)).toContain('"bytes":"eyJjbWQiOiJlY2hvIGJ5ZSJ9"');
    expect(proto.encodeJob({ ...job, bytes: null })).toContain('"bytes":null');
  });

  it('omits empty parts of RunningStatus, giving {} when idle', () => {
    expect(proto.encodeRunningStatus({})).toBe('{}');
    expect(proto.encodeRunningStatus({ jobs: [], requests: {} })).toBe('{}');
  });

  it('formats times as Go RFC3339Nano in UTC', () => {
    expect(proto.formatTime(new Date('2017-08-29T14:03:11.520Z'))).toBe('2017-08-29T14:03:11.52Z');
    expect(proto.formatTime(new Date('2017-08-29T14:03:11.000Z'))).toBe('2017-08-29T14:03:11Z');
  });
});

describe('states and sort orders', () => {
  it('names every state both ways', () => {
    expect(proto.STATE_TIMEOUT).toBe(5);
    expect(proto.StateName[proto.STATE_STOPPED]).toBe('STOPPED');
    expect(proto.StateValue['COMPLETE']).toBe(proto.STATE_COMPLETE);
    expect(Object.keys(proto.StateName)).toHaveLength(7);
  });

  const s = (jobId: string, runtime: number): proto.JobStatus => ({
    requestId: '',
    jobId,
    state: 2,
    status: '',
    runtime,
    n: 0,
  });

  it('JobStatuses sorts by job id', () => {
    expect([s('b@2', 0), s('a@10', 0), s('a@1', 0)].sort(proto.JobStatuses).map((x) => x.jobId)).toEqual([
      'a@1',
      'a@10',
      'b@2',
    ]);
  });

  it('JobStatusByRuntime puts the longest first, ties by job id', () => {
    const sorted = [s('c', 1), s('b', 5), s('a', 1), s('d', 9.5)].sort(proto.JobStatusByRuntime);
    expect(sorted.map((x) => x.jobId)).toEqual(['d', 'b', 'a', 'c']);
  });
});
