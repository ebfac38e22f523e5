// Our RM's extensions (docs/protocol/extensions.md): `GET /api/v1/requests` with v2's query
// semantics, over the store (every filter on rows with known times) and over real HTTP in front
// of the real grapher and JR; and the additive `args` key a 2017 client reads past.

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rmTestSpecs, startRig, type Rig } from '../../../test/support/engine/rm/test-rig';
import {
  STATE_COMPLETE,
  STATE_FAIL,
  STATE_PENDING,
  STATE_RUNNING,
  STATE_STOPPED,
  decodeRequest,
  encodeCreateRequestParams,
  encodeJobChain,
  encodeRequest,
  parseWire,
  type JsonObject,
} from '../../shared/proto';
import { decodeV2Request } from '../../shared/proto-v2';
import { EngineStore, type StoredRequest } from '../store/store';
import { parseFindQuery } from './find-query';

describe('finding requests in the store (v2 semantics)', () => {
  let store: EngineStore;
  const T0 = Date.parse('2026-12-02T18:00:00Z');
  const rows: Array<[string, Partial<StoredRequest>, JsonObject]> = [
    ['a', { type: 'demo', state: STATE_COMPLETE, createdAt: T0, finishedAt: T0 + 5000 }, { msg: 'world' }],
    ['b', { type: 'fail', state: STATE_FAIL, createdAt: T0 + 1000, finishedAt: T0 + 1500 }, { exitCode: '3' }],
    ['c', { type: 'sleep', state: STATE_STOPPED, createdAt: T0 + 2000, finishedAt: T0 + 9000 }, {}],
    ['d', { type: 'demo', state: STATE_RUNNING, user: 'alice', createdAt: T0 + 3000 }, { msg: 'caps' }],
    ['e', { type: 'fanout', state: STATE_PENDING, createdAt: T0 + 4000 }, { hosts: ['x', 'y'] }],
  ];
  beforeEach(() => {
    store = new EngineStore(':memory:');
    for (const [id, r, args] of rows) {
      store.insertRequest(
        {
          id,
          type: '',
          state: STATE_PENDING,
          user: 'admin',
          createdAt: 0,
          startedAt: null,
          finishedAt: null,
          totalJobs: 1,
          finishedJobs: 0,
          ...r,
        },
        encodeCreateRequestParams({ Type: r.type ?? '', Args: args, User: r.user ?? 'admin' }),
        encodeJobChain({ requestId: id, jobs: {}, adjacencyList: {}, state: STATE_PENDING }),
      );
    }
  });
  afterEach(() => store.close());
  const find = (q: string) => store.findRequests(parseFindQuery(new URLSearchParams(q))).map((r) => r.id);

  it('every request, newest first', () => expect(find('')).toEqual(['e', 'd', 'c', 'b', 'a']));
  it('by type', () => expect(find('type=demo')).toEqual(['d', 'a']));
  it('by any of several states, by name', () =>
    expect(find('state=FAIL&state=STOPPED&state=PENDING')).toEqual(['e', 'c', 'b']));
  it('by user', () => expect(find('user=alice')).toEqual(['d']));
  it('by the args it was created with; a list arg by its JSON', () => {
    expect(find('arg=msg=world')).toEqual(['a']);
    expect(find('arg=msg=world&arg=msg=caps')).toEqual([]);
    expect(find('arg=hosts=["x","y"]')).toEqual(['e']);
    expect(find('arg=exitCode=3&type=fail')).toEqual(['b']);
  });
  it('since: finished after it, or not finished', () =>
    expect(find('since=2026-12-02T18:00:04.999999999Z')).toEqual(['e', 'd', 'c', 'a']));
  it('until: created before it, to the nanosecond', () => {
    expect(find('until=2026-12-02T18:00:02Z')).toEqual(['b', 'a']);
    expect(find('until=2026-12-02T18:00:02.000000001Z')).toEqual(['c', 'b', 'a']);
  });
  it('limit and offset page through; limit 0 is no limit', () => {
    expect(find('limit=2')).toEqual(['e', 'd']);
    expect(find('limit=2&offset=2')).toEqual(['c', 'b']);
    expect(find('offset=4')).toEqual(['a']);
    expect(find('limit=0')).toHaveLength(5);
  });
  it("v2's SUSPENDED is a state name, held by none of ours", () => expect(find('state=SUSPENDED')).toEqual([]));
  it('everything combined', () =>
    expect(
      find('type=demo&state=COMPLETE&state=RUNNING&arg=msg=world&since=2026-12-02T17:00:00Z&limit=5&offset=0'),
    ).toEqual(['a']));

  it.each([
    ['state=DONE', `invalid 'state' parameter: "DONE" is not a valid state name`],
    [
      'since=2026-12-01',
      `invalid 'since' parameter: "2026-12-01" cannot be parsed to time.Time using RFC3339Nano format`,
    ],
    [
      'until=yesterday',
      `invalid 'until' parameter: "yesterday" cannot be parsed to time.Time using RFC3339Nano format`,
    ],
    ['limit=-1', `invalid 'limit' parameter: "-1" is not a whole number`],
    ['offset=x', `invalid 'offset' parameter: "x" is not a whole number`],
    ['arg=msg', `invalid 'arg' parameter: "msg" is not name=value`],
  ])('%s is a 400', (q, message) => {
    expect(() => parseFindQuery(new URLSearchParams(q))).toThrow(expect.objectContaining({ status: 400, message }));
  });
});

describe('GET /api/v1/requests and the args key, over HTTP', () => {
  let specs: ReturnType<typeof rmTestSpecs>;
  let rig: Rig;
  beforeAll(async () => {
    specs = rmTestSpecs();
    rig = await startRig({ specsDir: specs.dir });
  });
  afterAll(async () => {
    await rig.close();
    specs.remove();
  });
  const get = (path: string) => rig.client.call('GET', path);
  const create = async (body: string) => {
    const a = await rig.client.call('POST', '/api/v1/requests', body);
    expect(a.status, a.text).toBe(201);
    return a;
  };

  it('finds what was created, newest first, each with its args in the v2 shape', async () => {
    const first = decodeRequest(parseWire((await create('{"type":"hello"}')).text));
    const second = decodeRequest(parseWire((await create('{"type":"greet","args":{"msg":"a"},"User":"alice"}')).text));
    await rig.until('both ended', () =>
      [first.id, second.id].every((id) => rig.rm.getRequest(id).state === STATE_COMPLETE),
    );
    const all = await get('/api/v1/requests');
    expect(all.status).toBe(200);
    expect(all.headers.get('x-total-count')).toBe('2');
    expect((await get('/api/v1/requests?limit=1')).headers.get('x-total-count')).toBe('2');
    expect((await get('/api/v1/requests?limit=1&offset=1')).headers.get('x-total-count')).toBeNull();
    const found = (parseWire(all.text) as unknown[]).map((v) => decodeV2Request(v));
    expect(found.map((r) => r.id)).toEqual([second.id, first.id]);
    expect(found[0]?.args).toEqual([
      { Pos: 0, Name: 'msg', Desc: '', Type: 'required', Given: true, Default: null, Value: 'a' },
    ]);
    expect(found[1]?.args).toEqual([]);

    const only = async (q: string) =>
      (parseWire((await get(`/api/v1/requests?${q}`)).text) as Array<{ id: string }>).map((r) => r.id);
    expect(await only('type=greet')).toEqual([second.id]);
    expect(await only('user=alice')).toEqual([second.id]);
    expect(await only('arg=msg=a')).toEqual([second.id]);
    expect(await only('arg=msg=b')).toEqual([]);
    expect(await only('state=COMPLETE&limit=1&offset=1')).toEqual([first.id]);
  });

  it("a bad parameter is a plain-text 400 in v2's words", async () => {
    const a = await get('/api/v1/requests?state=DONE');
    expect([a.status, a.text]).toEqual([400, `invalid 'state' parameter: "DONE" is not a valid state name`]);
  });

  it('a request read or created carries its args at the end, which a 2017 client reads past', async () => {
    const created = await create('{"type":"greet","args":{"msg":"x"}}');
    const r = decodeRequest(parseWire(created.text));
    const read = await get(`/api/v1/requests/${r.id}`);
    for (const text of [created.text, read.text]) {
      const decoded = decodeRequest(parseWire(text));
      const args = `,"args":[{"Pos":0,"Name":"msg","Desc":"","Type":"required","Given":true,"Default":null,"Value":"x"}]}`;
      expect(text.endsWith(args)).toBe(true);
      // What a 2017 client decodes is the 2017 request, exactly: the key is only added.
      expect(`${encodeRequest(decoded).slice(0, -1)}${args}`).toBe(text);
    }
  });
});
