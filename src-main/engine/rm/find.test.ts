// Our RM's extensions (docs/protocol/extensions.md): `GET /api/v1/requests` with v2's query
// semantics: the query's parsing (the filters themselves are the store contract's,
// test/support/engine/store-contract.ts), and over real HTTP in front of the real grapher and JR;
// and the additive `args` key a 2017 client reads past.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmTestSpecs, startRig, type Rig } from '../../../test/support/engine/rm/test-rig';
import { STATE_COMPLETE, decodeRequest, encodeRequest, parseWire } from '../../shared/proto';
import { decodeV2Request } from '../../shared/proto-v2';
import { parseFindQuery } from './find-query';

describe('the find query', () => {
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
    await rig.until('both ended', async () =>
      (await Promise.all([first.id, second.id].map((id) => rig.rm.getRequest(id)))).every(
        (r) => r.state === STATE_COMPLETE,
      ),
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
